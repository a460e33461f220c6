"""The look-ahead peak limiter (#24): kernels against independent references,
the C twin bit for bit, the chains at full scale, idle at normal levels, and
what it buys in loudness.

* `limiter_q31` (numba) against a plain-Python spec written from the module
  docstring with a brute-force window minimum and a list-sum attack (no deque,
  no running sum), streamed in odd blocks; the C kernel (ss_kernels.c)
  against the numba one, in place and not, with guard words;
* the float limiter against a brute-force numpy form, and its bound;
* both bundled profiles, float and fixed: a full-scale sine sweep 20 Hz-20 kHz
  (left only, both in phase, anti-phase), full-scale pink noise and a
  full-scale square wave never give a driver sample beyond the threshold, and
  nothing inside the fixed chain saturates or wraps;
* at normal levels the limiter is idle: the chain's output is the unlimited
  chain's delayed by the look-ahead, and the CTC's cancellation measured at
  the ears is unchanged;
* on the upmix music family at -1 dBFS peak the spatial mode is within 15 LU
  of plain playback (27-28 LU before) and the limiter takes <= 3 dB for 99 %
  of the samples.
"""

from __future__ import annotations

import ctypes as ct
import math
from dataclasses import replace

import numpy as np
import pytest
import upmix_family as fam
from profile_helpers import raw_profile

from device_profiles import load_profile
from dsp_model.binaural import ear_signals
from dsp_model.chain_design import LimiterStage
from dsp_model.design import design_full
from dsp_model.fixed import ops
from dsp_model.fixed.chain import FixedChain
from dsp_model.fixed.limiter import limiter_q31, limiter_q31_init
from dsp_model.float_chain import FloatChain
from dsp_model.limiter import FloatLimiter, gain_reduction_stats
from dsp_model.loudness import loudness_cost
from dsp_model.signals import db_to_amp, exp_sweep, pink_noise, program_noise, square, to_q31
from dsp_model.validate import _stage_exponents
from firmware_export._cbuild import RUNTIME_DIR, build_shared
from firmware_export.quantize import quantize_chain

I32_MIN, I32_MAX = -(2**31), 2**31 - 1
ONE = 1 << 30
PROFILES = ("compact2", "studio5")


# ------------------------------------------------------------ kernel: spec
def spec_limiter(x: np.ndarray, la: int, al: int, thr: int, rel: int, e: int) -> np.ndarray:
    """The recursion of dsp_model/fixed/limiter.py on Python ints: t for every
    sample kept, h as a brute-force min over t[n-L..n], the attack as the sum
    of a list of the last A entries floor(r / A) (initially unity)."""
    nd, n = x.shape
    a = 1 << al
    ts, rs = [], [ONE // a] * a  # the A-sample window starts full of unity
    r = ONE
    y = np.zeros((nd, n), np.int64)
    for k in range(n):
        p = max(abs(int(x[d, k])) for d in range(nd))
        ts.append(ONE if p <= thr else ops.div_q30_floor(thr, p))
        h = min(ts[max(0, k - la):k + 1])
        r = h if h <= r else r + ops.shr_floor((h - r) * rel, 31)
        rs.append(r // a)
        s = sum(rs[-a:])
        for d in range(nd):
            xd = int(x[d, k - la]) if k >= la else 0
            y[d, k] = ops.shr_floor(xd * s, 30 - e)
    return y


def _signal(rng, nd: int, n: int, e: int) -> np.ndarray:
    """Bursts of loud noise and clicks over quiet noise, in the limiter's range."""
    top = I32_MAX
    x = rng.integers(-(1 << 22), 1 << 22, (nd, n))
    for _ in range(6):
        k = int(rng.integers(0, n - 40))
        x[:, k:k + int(rng.integers(1, 40))] = rng.integers(-top, top, (nd, 1), endpoint=True)
    x[:, int(rng.integers(0, n))] = I32_MIN
    return x.astype(np.int32)


CASES = [  # (channels, lookahead, attack_log2, threshold, release, out_shift)
    (2, 72, 6, 126709705, 559168, 4),
    (5, 9, 3, 1 << 26, 1 << 28, 3),
    (1, 0, 0, 1 << 29, 12345, 1),
    (3, 15, 4, (2**31 - 1) >> 2, 2**31 - 1, 2),
    (2, 31, 0, 1000, 0, 0),
]


@pytest.mark.parametrize("case", CASES)
def test_limiter_q31_matches_the_spec_streamed(case):
    nd, la, al, thr, rel, e = case
    rng = np.random.default_rng(la + 7 * nd)
    x = _signal(rng, nd, 700, e)
    want = spec_limiter(x, la, al, thr, rel, e)
    inst = limiter_q31_init(nd, la, al, thr, rel, e, max_block=(13, 64, 1, 700, 5)[la % 5])
    out = np.zeros((nd, 700), np.int32)
    i = 0
    for m in [1, 2, 63, 64, 65, 7, 1, 300, 1000]:
        m = min(m, 700 - i)
        if m == 0:
            break
        src = np.ascontiguousarray(x[:, i:i + m])
        limiter_q31(inst, src, src, m)  # in place
        out[:, i:i + m] = src
        i += m
    assert i == 700
    assert np.array_equal(out.astype(np.int64), want)
    assert np.abs(want).max() <= thr << e  # never beyond the threshold
    assert np.any(want != x.astype(np.int64) << e)  # and it did limit


def test_limiter_q31_idle_is_an_exact_delay():
    inst = limiter_q31_init(3, 20, 4, 1 << 27, 1 << 20, 3)
    x = np.random.default_rng(1).integers(-(1 << 27), 1 << 27, (3, 500),
                                          endpoint=True).astype(np.int32)
    y = np.zeros_like(x)
    limiter_q31(inst, x, y, 500)
    assert np.array_equal(y[:, 20:].astype(np.int64), x[:, :-20].astype(np.int64) << 3)
    assert not y[:, :20].any()


def test_limiter_q31_init_refuses_what_the_blob_refuses():
    with pytest.raises(ValueError):
        limiter_q31_init(2, 10, 4, 1000, 0, 0)  # attack 16 > lookahead + 1
    with pytest.raises(ValueError):
        limiter_q31_init(2, 10, 2, 1 << 29, 0, 2)  # threshold beyond (2^31 - 1) >> 2
    with pytest.raises(ValueError):
        limiter_q31_init(2, 10, 2, 1000, -1, 0)


# ------------------------------------------------------------ kernel: C twin
SHIM = r"""
#include <stdlib.h>
#include "ss_kernels.h"
/* x, y: nd x n, channel-major; blocks of the given sizes (in passes of at
 * most 13 samples: max_block 13); odd calls in place.
 * Each dst row of a block gets 4 guard words after it; returns 0, or 1 if a
 * guard word was touched. */
int run_limiter(uint32_t nd, uint32_t la, uint32_t al, int32_t thr, int32_t rel, uint32_t sh,
                const int32_t *x, int32_t *y, uint32_t n, const uint32_t *blocks, uint32_t nb)
{
    limiter_q31_inst S;
    int32_t *dl = malloc(sizeof(int32_t) * nd * (la ? la : 1u));
    int32_t *box = malloc(sizeof(int32_t) * (1u << al));
    int32_t *dqv = malloc(sizeof(int32_t) * (la + 1u));
    uint32_t *dqs = malloc(sizeof(uint32_t) * (la + 1u));
    int32_t *buf = malloc(sizeof(int32_t) * nd * (n + 4u));
    const int32_t *src[16];
    int32_t *dst[16];
    uint32_t i = 0, k = 0, d, j, bad = 0;
    uint32_t *work = malloc(sizeof(uint32_t) * 13u);
    limiter_q31_init(&S, nd, la, al, thr, rel, sh, 13u, dl, box, dqv, dqs, work);
    while (i < n) {
        uint32_t m = blocks[k % nb];
        if (m > n - i) m = n - i;
        for (d = 0; d < nd; d++) {
            int32_t *row = buf + d * (n + 4u);
            for (j = 0; j < m + 4u; j++) row[j] = j < m ? x[d * n + i + j] : 0x5A5A5A5A;
            src[d] = (k & 1u) ? row : x + d * n + i;
            dst[d] = row;
        }
        limiter_q31(&S, src, dst, m);
        for (d = 0; d < nd; d++) {
            for (j = 0; j < m; j++) y[d * n + i + j] = dst[d][j];
            for (j = m; j < m + 4u; j++) bad |= dst[d][j] != 0x5A5A5A5A;
        }
        i += m;
        k++;
    }
    free(dl); free(box); free(dqv); free(dqs); free(buf); free(work);
    return (int)bad;
}
"""


@pytest.fixture(scope="module")
def clib(tmp_path_factory):
    d = tmp_path_factory.mktemp("lim")
    shim = d / "lim_shim.c"
    shim.write_text(SHIM)
    lib = ct.CDLL(str(build_shared([RUNTIME_DIR / "ss_kernels.c", shim], d)))
    lib.run_limiter.restype = ct.c_int
    return lib


@pytest.mark.parametrize("case", CASES)
def test_c_limiter_bit_exact(clib, case):
    nd, la, al, thr, rel, e = case
    rng = np.random.default_rng(100 + la)
    n = 3000
    x = np.ascontiguousarray(_signal(rng, nd, n, e))
    want = x.copy()
    limiter_q31(limiter_q31_init(nd, la, al, thr, rel, e), want, want, n)
    y = np.zeros_like(x)
    blocks = np.array([64, 1, 7, 333, 65, 4096], np.uint32)
    i32p = ct.POINTER(ct.c_int32)
    bad = clib.run_limiter(nd, la, al, ct.c_int32(thr), ct.c_int32(rel), e,
                           x.ctypes.data_as(i32p), y.ctypes.data_as(i32p), n,
                           blocks.ctypes.data_as(ct.POINTER(ct.c_uint32)), len(blocks))
    assert bad == 0
    assert np.array_equal(y, want)


# ------------------------------------------------------------ float limiter
def test_float_limiter_matches_a_brute_force_form():
    st = LimiterStage(threshold=0.5, lookahead=24, attack=16, release=0.01)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((900, 3)) * 0.1
    x[300:310] *= 20.0
    x[600] = [-3.0, 0.2, 0.1]
    y, g = FloatLimiter(st, 3).process(x, gains=True)
    p = np.max(np.abs(x), axis=1)
    t = np.where(p <= st.threshold, 1.0, st.threshold / np.maximum(p, 1e-300))
    h = np.array([t[max(0, k - st.lookahead):k + 1].min() for k in range(len(t))])
    r = np.empty_like(h)
    prev = 1.0
    for k, hk in enumerate(h):
        prev = hk if hk <= prev else prev + st.release * (hk - prev)
        r[k] = prev
    rr = np.concatenate([np.ones(st.attack - 1), r])
    s = np.array([rr[k:k + st.attack].mean() for k in range(len(r))])
    xd = np.concatenate([np.zeros((st.lookahead, 3)), x])[:len(x)]
    assert np.allclose(g, s, atol=1e-14)
    assert np.allclose(y, xd * s[:, None], atol=1e-14)
    assert np.max(np.abs(y)) <= st.threshold * (1 + 1e-12)
    assert g.min() < 0.2


# ------------------------------------------------------------ the chains
@pytest.fixture(scope="module")
def designs():
    out = {}
    for name in PROFILES:
        prof = load_profile(name)
        full = design_full(prof)
        q = quantize_chain(full.chain, prof.target, tolerance_db=prof.output.tolerance_db,
                           dither=prof.output.dither)
        out[name] = (prof, full, q)
    return out


def _full_scale_stimuli(fs: int) -> dict[str, np.ndarray]:
    n = fs
    s = exp_sweep(1.0, fs=fs, f0=20.0, f1=20000.0, level_dbfs=0.0)
    z = np.zeros_like(s)
    sq = square(n, period=int(fs // 250))
    pk = pink_noise(n, seed=24, level_dbfs=-12.0, channels=2)
    return {
        "sweep left": np.stack([s, z], axis=1),
        "sweep in phase": np.stack([s, s], axis=1),
        "sweep anti-phase": np.stack([s, -s], axis=1),
        "pink": pk / np.max(np.abs(pk)),
        "square anti-phase": np.stack([sq, -sq], axis=1),
        "square left": np.stack([sq, np.zeros(n)], axis=1),
    }


@pytest.mark.parametrize("name", PROFILES)
def test_full_scale_never_beyond_the_threshold(designs, name):
    """Float and fixed; no internal saturation or wrap in the fixed chain (its
    rails at the sums and the gain, and the float signal at every wrapping
    point times 2^-E below 1, as validate's bar)."""
    prof, full, q = designs[name]
    lim = full.chain.limiter
    word = q.output_word
    bound = -(-(q.limiter.threshold << q.limiter.out_shift) // 2 ** (32 - word))
    assert bound <= lim.threshold * 2 ** (word - 1) + 1
    ex = _stage_exponents(q)
    limited = 0
    for sname, xf in _full_scale_stimuli(prof.sample_rate).items():
        xq = to_q31(xf)
        wraps = []

        def fprobe(stage, pos, sig, wraps=wraps):
            e = ex.get(stage)
            if e is not None and np.max(np.abs(sig)) * 2.0**-e >= 1.0:
                wraps.append(stage)

        rails = []

        def xprobe(stage, pos, sig, rails=rails):
            if not stage.endswith(" out") and np.any((sig == I32_MAX) | (sig == I32_MIN)):
                rails.append(stage)

        yf = FloatChain(full.chain, probe=fprobe).process(xq / 2.0**31)
        y = FixedChain(q, probe=xprobe).process(xq).astype(np.int64)
        assert np.max(np.abs(yf)) <= lim.threshold * (1 + 1e-9), (name, sname)
        assert np.max(np.abs(y)) <= bound, (name, sname)
        assert not wraps and not rails, (name, sname, wraps, rails)
        unlimited = FloatChain(replace(full.chain, limiter=None)).process(xq / 2.0**31)
        limited += np.max(np.abs(unlimited)) > lim.threshold
        e = y / 2.0 ** (word - 1) - yf
        assert 10 * math.log10(np.sum(e**2) / np.sum(yf**2)) < -100.0, (name, sname)
    assert limited >= 4  # the stimuli did need the limiter


def _ctc_db(prof, y: np.ndarray) -> float:
    """Left-only input: right ear re left ear energy, 500 Hz-6 kHz (dB)."""
    ears = ear_signals(y, prof)[0]
    f = np.fft.rfftfreq(len(ears), 1.0 / prof.sample_rate)
    band = (f >= 500.0) & (f <= 6000.0)
    spec = np.abs(np.fft.rfft(ears, axis=0)) ** 2
    return float(10 * np.log10(spec[band, 1].sum() / spec[band, 0].sum()))


@pytest.mark.parametrize("name", PROFILES)
def test_idle_at_normal_levels_changes_nothing(designs, name):
    """-12 dBFS peak program: the limiter's gain is 1 throughout, the output
    is the unlimited chain's delayed by the look-ahead, and the cancellation
    at the ears (left-only program, right ear re left) is unchanged."""
    prof, full, _ = designs[name]
    fs = prof.sample_rate
    x = program_noise(fs, fs=fs, seed=3, peak_dbfs=-12.0)
    x[:, 1] = 0.0
    la = full.chain.limiter.lookahead
    plain = FloatChain(replace(full.chain, limiter=None)).process(x)
    _, g = FloatLimiter(full.chain.limiter, prof.n_drivers).process(plain, gains=True)
    assert np.all(g == 1.0)
    y = FloatChain(full.chain).process(np.concatenate([x, np.zeros((la, 2))]))
    assert np.array_equal(y[la:], plain)
    a, b = _ctc_db(prof, plain), _ctc_db(prof, y[la:])
    # the right ear of a hard-left program: 9-14 dB down with the passive upmix (the
    # virtual left speaker's own contra path and the centre path's half of it); with
    # the adaptive one the left speaker alone, a source at 30 degrees: 4-5 dB down
    bar = -8.0 if full.chain.upmix_mode == "passive" else -3.0
    assert a < bar and abs(a - b) <= 0.5


def test_latency_counts_the_look_ahead(designs):
    _, full, _ = designs["compact2"]
    la = full.chain.limiter.lookahead
    assert 0 < la <= 0.002 * full.chain.fs
    assert FloatChain(full.chain).latency == FloatChain(
        replace(full.chain, limiter=None)).latency + la


# ------------------------------------------------------------ what it buys
def _music(instruments: bool = False) -> list:
    if instruments:
        return [m for m in fam.family() if m.key == "h" and not m.tune]
    return [m for m in fam.family(instruments=False) if m.key in "dfg" and not m.tune]


@pytest.mark.parametrize("instruments", [
    False, pytest.param(True, marks=[pytest.mark.slow, pytest.mark.skipif(
        fam.inst.unavailable_reason() is not None,
        reason=str(fam.inst.unavailable_reason()))])])
@pytest.mark.parametrize("name", PROFILES)
def test_music_family_loudness_and_limiting(designs, name, instruments):
    """Held-out music mixes (d, f, g; and, slow, the real-instrument mixes h in
    their four variants) at -1 dBFS peak: within 15 LU of plain playback, and the
    limiter takes <= 3 dB for >= 99 % of the samples (the design reports the same
    figures on its program noise)."""
    prof, full, _ = designs[name]
    st = prof.limiter
    assert full.limiting["gr_db_at_percentile"] <= st.program_gr_db + 0.01
    assert full.headroom_db < full.worst_case_db - 10.0
    no_lim = replace(full.chain, limiter=None)
    for mix in _music(instruments):
        lr = mix.make().lr
        lr = lr * (db_to_amp(-1.0) / np.max(np.abs(lr)))
        cost = loudness_cost(prof, full.chain, lr)["cost_lu"]
        assert cost <= 15.0, (name, mix.label, cost)
        _, g = FloatLimiter(full.chain.limiter, prof.n_drivers).process(
            FloatChain(no_lim).process(lr), gains=True)
        gr = gain_reduction_stats(g, 99.0, 3.0)
        assert gr["gr_db_at_percentile"] <= 3.0, (name, mix.label, gr)


@pytest.mark.parametrize("name", PROFILES)
def test_c_runtime_bit_exact_while_limiting(designs, name):
    """The bundled chain through the C runtime (host build) = the model, bit
    for bit, on full-scale stimuli that drive the limiter deep into gain
    reduction (checked: without it the outputs would be far beyond)."""
    from firmware_export.tables import chain_to_blob
    from firmware_export.verify import CChain, run_blocks

    prof, full, q = designs[name]
    blob = chain_to_blob(q)
    over = []
    for sname in ("sweep left", "sweep anti-phase", "square anti-phase", "pink"):
        xq = to_q31(_full_scale_stimuli(prof.sample_rate)[sname])
        want = FixedChain(q).process(xq)
        pre = FixedChain(replace(q, limiter=None)).process(xq).astype(np.int64)
        over.append(np.max(np.abs(pre)) / q.limiter.threshold)
        got = run_blocks(CChain(blob).process, xq, [prof.block_size, 1, 333])
        assert np.array_equal(got, want), (name, sname)
    print(name, "peak re threshold without the limiter (dB):", 20 * np.log10(over))
    assert min(over) > 1.0 and max(over) > 4.0  # all limited, one by more than 12 dB


# ------------------------------------------------------------ profile, tables
def test_profile_limiter_section_and_its_errors():
    from device_profiles import ProfileError, parse_profile
    from dsp_model.limiter import limiter_stage

    raw = raw_profile("compact2")
    lim = parse_profile(raw).limiter
    assert (lim.threshold_db, lim.lookahead_ms, lim.attack_ms, lim.release_ms) == (
        -0.5, 1.5, 1.3, 80.0)
    st = limiter_stage(lim, 48000)
    assert (st.lookahead, st.attack) == (72, 64)  # 62.4 samples -> the power of two 64
    assert st.threshold == pytest.approx(10 ** (-0.5 / 20))
    assert st.release == pytest.approx(1 - math.exp(-1 / (0.080 * 48000)))
    del raw["limiter"]
    assert parse_profile(raw).limiter is None  # optional: no limiter
    raw["limiter"] = {"threshold_db": 1.0, "lookahead_ms": 3.0, "attack_ms": 0.5,
                      "knee": 2}
    with pytest.raises(ProfileError) as ei:
        parse_profile(raw, "bad.toml")
    msg = str(ei.value)
    assert "limiter.threshold_db" in msg and "limiter.lookahead_ms" in msg
    assert "limiter.knee" in msg
    raw["limiter"] = {"lookahead_ms": 0.5, "attack_ms": 1.5}
    with pytest.raises(ProfileError, match="limiter.attack_ms"):
        parse_profile(raw, "bad.toml")


def test_tables_refuse_a_limiter_that_breaks_its_rules(designs):
    import struct

    from firmware_export.blob import SEC_META
    from firmware_export.tables import (
        SEC_LIMITER,
        TableError,
        chain_to_sections,
        sections_to_chain,
    )

    _, _, q = designs["compact2"]
    sec = chain_to_sections(q)
    assert struct.unpack_from("<I", sec[SEC_META])[0] == 3
    assert sections_to_chain(sec).limiter == q.limiter
    bad = dict(sec)
    del bad[SEC_LIMITER]  # version 3 without the section
    with pytest.raises(TableError, match="limiter"):
        sections_to_chain(bad)
    bad = dict(sec)
    bad[SEC_META] = struct.pack("<I", 2) + sec[SEC_META][4:]  # version 2 with it
    with pytest.raises(TableError):
        sections_to_chain(bad)
    for field, value in ((1, 7), (2, 1 << 29), (3, -1), (4, 30), (0, 5000)):
        body = bytearray(sec[SEC_LIMITER])  # lookahead, attack_log2, thr, release, shift
        struct.pack_into("<i", body, 4 * field, value)
        bad = {**sec, SEC_LIMITER: bytes(body)}
        with pytest.raises(TableError, match="limiter"):
            sections_to_chain(bad)


def test_without_a_limiter_the_design_keeps_the_worst_case_attenuation(designs):
    """A profile without [limiter]: no limiter in the chain and the static
    attenuation of the worst-case sine (full scale cannot clip), as before."""
    from dsp_model.design import _output_peak, _with_limiter

    prof, full, _ = designs["compact2"]
    chain, att, worst, stats = _with_limiter(replace(prof, limiter=None),
                                             replace(full.chain, limiter=None))
    assert chain.limiter is None and stats is None
    assert att == pytest.approx(worst) and att == pytest.approx(
        full.worst_case_db - full.headroom_db, abs=1e-6)
    assert _output_peak(chain)[0] == pytest.approx(1.0)
