"""The whole-chain C runtime (ss_chain.c, ss_blob.c) against the Python model.

Bit-exactness is proven against `FixedChain` (dsp_model/fixed/chain.py, the
Python model, itself tested against an independent cmsisdsp pipeline in
test_fixed_chain.py), never C against C:

* every bundled profile (design source: `build.design_source()`), with its
  shipped upmix and the adaptive one (`profile_helpers.upmix_cases`), every
  stimulus of the golden set (`golden.stimuli`) and of `soundstage
  validate`'s set (`dsp_model.validate.stimuli`), plus full-range random words,
  streamed in blocks of 1, 7, 64, 333, 4096 and mixed sizes, with guard words
  after the output buffer; C builds with SS_MAX_BLOCK 1, 7, 64 and 256;
* synthetic chains built straight as `QuantizedChain`s: long FIRs (up to
  4097 taps), many paths and drivers, the virtualizer stage (paths reading
  e_L, e_R), 32x64 and DF1 sections mixed with
  different post-shifts (cascades split), drivers with no feeds or no
  sections, dither on, output words 16/24/32, delays; one with random
  full-range biquad coefficients (wraps everywhere);
* the container parser and table loader under mutation (hypothesis):
  truncated, oversized, bit-flipped, wrong-target blobs always give a clean
  error code; mutated tables re-sealed with valid CRCs are accepted by C
  exactly when Python accepts them, and then run bit-exact; a batch of
  mutations through an AddressSanitizer/UBSan build (no out-of-bounds read);
  libFuzzer on the parser in the slow set;
* no floating point in the runtime (compiled with -mgeneral-regs-only).
"""

from __future__ import annotations

import ctypes as ct
import os
import shutil
import struct
import subprocess
import zlib
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from profile_helpers import profile_with_upmix, upmix_cases
from scipy.signal import butter

from device_profiles import bundled_profiles, load_profile
from device_profiles.errors import UserError
from dsp_model.fixed.arith import quantize_gain_q31, quantize_sos_q31
from dsp_model.fixed.chain import FixedChain
from dsp_model.signals import to_q31
from dsp_model.validate import stimuli as validate_stimuli
from firmware_export._cbuild import RUNTIME_DIR, cmsis_fft_objects
from firmware_export.blob import (
    HEADER,
    TARGET_IDS,
    BlobError,
    build_blob,
    parse_blob,
)
from firmware_export.build import quantized_for
from firmware_export.golden import stimuli
from firmware_export.quantize import (
    UPMIX_ADAPTIVE,
    UPMIX_PASSIVE,
    QCascade,
    QDriver,
    QLimiter,
    QPath,
    QuantizedChain,
    QVirtualizer,
)
from firmware_export.tables import chain_from_blob, chain_to_blob
from firmware_export.verify import (
    HOST_LIMITS,
    RUNTIME_SOURCES,
    STATUS,
    CChain,
    ChainLoadError,
    c_init_status,
    run_blocks,
    runtime_library,
)

I32_MIN, I32_MAX = -(2**31), 2**31 - 1
ERR = {v: k for k, v in STATUS.items()}
GUARD = 0x5A5A5A5A


# ------------------------------------------------------------------ helpers
@pytest.fixture(scope="module")
def lib():
    return runtime_library()


@pytest.fixture(scope="module")
def bundled():
    """name -> (QuantizedChain, blob) from the current design source."""
    out = {}
    for name in bundled_profiles():
        q = quantized_for(load_profile(name))
        out[name] = (q, chain_to_blob(q))
    return out


def random_words(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(I32_MIN, I32_MAX, (n, 2), endpoint=True).astype(np.int32)


def c_run_guarded(c: CChain, x: np.ndarray, sizes) -> np.ndarray:
    """Stream through the C runtime in blocks of `sizes`, each output block
    written into a buffer with guard words after it (checked untouched)."""
    lib, d = c.lib, c.n_drivers
    i32p = ct.POINTER(ct.c_int32)
    outs, i, k = [], 0, 0
    while i < len(x):
        m = min(sizes[k % len(sizes)], len(x) - i)
        xin = np.ascontiguousarray(x[i:i + m])
        buf = np.full(m * d + 8, GUARD, np.int32)
        st_ = lib.ss_chain_process(c._ctx.ctypes.data, xin.ctypes.data_as(i32p),
                                   buf.ctypes.data_as(i32p), m)
        assert st_ == 0
        assert np.all(buf[m * d:] == GUARD), "ss_chain_process wrote past n * n_drivers"
        outs.append(buf[:m * d].reshape(m, d))
        i += m
        k += 1
    return np.concatenate(outs)


def python_accepts(blob: bytes) -> bool:
    try:
        FixedChain(chain_from_blob(blob), max_block=64)
    except (UserError, ValueError):
        return False
    return True


def reseal(blob: bytes, sections: dict[int, bytes], target: str | None = None) -> bytes:
    b = parse_blob(blob)
    return build_blob(target=target or b.target, sample_rate=b.sample_rate,
                      n_drivers=b.n_drivers, profile_name=b.profile_name, sections=sections)


# ------------------------------------------------------- synthetic chains
def _taps(rng, n: int, l1: float) -> np.ndarray:
    if n == 0:
        return np.zeros(0, np.int32)
    h = rng.standard_normal(n) * np.exp(-np.arange(n) / max(n / 4, 1))
    h *= l1 / np.sum(np.abs(h))
    return np.clip(np.round(h * 2**31), I32_MIN, I32_MAX).astype(np.int32)[::-1].copy()


def _sections(rng, n: int, chaos: bool):
    rows, ps, kern = [], [], []
    for _ in range(n):
        if chaos:
            rows.append(rng.integers(I32_MIN, I32_MAX, 5, endpoint=True).astype(np.int32))
            ps.append(int(rng.integers(0, 31)))
        else:
            f = float(rng.uniform(30, 15000))
            sos = butter(2, f, btype=str(rng.choice(["lowpass", "highpass"])), fs=48000,
                         output="sos")
            c, p = quantize_sos_q31(sos)
            rows.append(c[0])
            ps.append(int(p) + int(rng.integers(0, 2)) if p < 30 else int(p))
        kern.append(int(rng.integers(0, 2)))
    if n:
        # runs: make some neighbours share (kernel, post_shift) so cascades merge
        for k in range(1, n):
            if rng.uniform() < 0.5:
                kern[k], ps[k] = kern[k - 1], ps[k - 1]
    coeffs = np.array(rows, np.int32).reshape(n, 5)
    return coeffs, np.array(ps, np.int32), np.array(kern, np.int32)


def synthetic_chain(seed: int, *, n_paths=4, n_drivers=3, max_taps=300, word=24,
                    dither=False, chaos=False, mute_driver=None, virt=False,
                    lim=None) -> QuantizedChain:
    """Random tables of a plausible shape; `mute_driver`: no path feeds it;
    `virt`: with a virtualizer stage (and paths reading e_L, e_R); `lim`: with
    a random limiter ("random"), one without look-ahead ("zero": L = 0, A = 1)
    or one at its largest ("max": L = 4096, A = 4096, out_shift 29, the
    smallest threshold and a release of 2^31 - 1)."""
    rng = np.random.default_rng(seed)
    n_sources = 5 if virt else 3
    paths = []
    for i in range(n_paths):
        nc = int(rng.choice([0, 1, 17, max_taps]))
        ratio = []
        for _ in range(n_drivers):
            nr = int(rng.choice([0, 0, 1, 5, 64, max_taps // 3]))
            nr = 0 if len(ratio) == mute_driver else nr
            ratio.append(_taps(rng, nr, float(rng.uniform(0.2, 1.3))))
        source = int(rng.integers(0, n_sources)) if i else (3 if virt else 0)
        paths.append(QPath(f"p{i}", source, int(rng.integers(0, 70)),
                           _taps(rng, nc, float(rng.uniform(0.3, 1.2))), 0, tuple(ratio),
                           (0,) * n_drivers))
    drivers = []
    for d in range(n_drivers):
        ns = int(rng.choice([0, 1, 3, 6]))
        coeffs, ps, kern = _sections(rng, ns, chaos)
        gf, gs = quantize_gain_q31(float(rng.uniform(0.05, 6.0)))
        drivers.append(QDriver(f"d{d}", 0, coeffs, ps, kern, np.zeros(ns, np.int32), gf, gs,
                               int(rng.integers(0, 90))))
    v = None
    if virt:
        cs = [_sections(rng, int(rng.choice(n)), chaos) for n in ([0, 2, 3], [1, 2, 4])]
        ipsi = QCascade(cs[0][0], cs[0][1], cs[0][2], np.zeros(len(cs[0][1]), np.int32))
        contra = QCascade(cs[1][0], cs[1][1], cs[1][2], np.zeros(len(cs[1][1]), np.int32))
        v = QVirtualizer(int(rng.integers(0, 40)), 1, ipsi, contra)
    ql = None
    if lim == "random":
        la = int(rng.integers(1, 200))
        e = int(rng.integers(0, 6))
        ql = QLimiter(la, int(rng.integers(0, (la + 1).bit_length())),
                      int(rng.integers(1 << 20, (2**31 - 1) >> e, endpoint=True)),
                      int(rng.integers(0, 2**31)), e)
    elif lim == "zero":
        ql = QLimiter(0, 0, int(rng.integers(1 << 24, 1 << 30)), int(rng.integers(0, 2**20)), 1)
    elif lim == "max":
        ql = QLimiter(4096, 12, 1, 2**31 - 1, 29)
    return QuantizedChain(f"synth{seed}", 48000, "cmsis-q31", 64, word, dither, 0,
                          tuple(paths), tuple(drivers), None, v, limiter=ql)


def _stim_mix(fs: int, n: int, seed: int) -> np.ndarray:
    s = stimuli(fs)
    x = np.concatenate([s["noise"], s["extremes"], random_words(n, seed)])
    return x[: max(n, 1)]


# ------------------------------------------------------------- bundled profiles
@pytest.mark.parametrize("name,mode", upmix_cases())
def test_bundled_profile_bit_exact_every_stimulus(name, mode):
    """Every bundled profile with its shipped upmix and the adaptive one (#23)."""
    q = quantized_for(load_profile(profile_with_upmix(name, mode)))
    assert q.upmix == (UPMIX_ADAPTIVE if mode == "adaptive" else UPMIX_PASSIVE)
    blob = chain_to_blob(q)
    stims = dict(stimuli(q.fs))
    stims["random_words"] = random_words(4000, 7)
    # and the validation set of `soundstage validate` (0.25 s each)
    stims.update({f"validate {k}": to_q31(v)
                  for k, v in validate_stimuli(q.fs, duration=0.25).items()})
    for sname, x in stims.items():
        want = FixedChain(q).process(x)
        for sizes in ([64], [333], [4096], [1, 63, 64, 65, 7, 4096, 2]):
            got = c_run_guarded(CChain(blob), x, sizes)
            assert np.array_equal(got, want), f"{name} {sname} blocks {sizes}"
        got = c_run_guarded(CChain(blob), x[:1500], [7])
        assert np.array_equal(got, want[:1500]), f"{name} {sname} blocks of 7"
        got = c_run_guarded(CChain(blob), x[:600], [1])
        assert np.array_equal(got, want[:600]), f"{name} {sname} blocks of 1"


@pytest.mark.parametrize("name,mode", upmix_cases())
@pytest.mark.parametrize("max_block", [1, 7, 256])
def test_bundled_profiles_any_internal_block(max_block, name, mode):
    """The output does not depend on the build's SS_MAX_BLOCK (internal chunking)."""
    limits = dict(HOST_LIMITS, SS_MAX_BLOCK=max_block)
    q = quantized_for(load_profile(profile_with_upmix(name, mode)))
    x = _stim_mix(q.fs, 3000, 3)
    c = CChain(chain_to_blob(q), limits=limits)
    assert c.max_block == max_block
    assert np.array_equal(run_blocks(c.process, x, [100, 1, 513]), FixedChain(q).process(x))


# ------------------------------------------------------------- synthetic
@pytest.mark.parametrize("seed,kw", [
    (1, {}),
    (2, {"dither": True}),
    (3, {"word": 16, "dither": True, "n_drivers": 6, "n_paths": 7, "mute_driver": 2}),
    (4, {"word": 32}),
    (5, {"max_taps": 4097, "n_paths": 3, "n_drivers": 2}),
    (6, {"chaos": True, "dither": True}),
    (7, {"n_paths": 1, "n_drivers": 1}),
    (8, {"virt": True}),
    (9, {"virt": True, "dither": True, "n_paths": 6, "n_drivers": 5}),
    (10, {"virt": True, "chaos": True}),
    (13, {"lim": "random"}),
    (14, {"lim": "random", "virt": True, "dither": True, "n_drivers": 5}),
    (15, {"lim": "random", "chaos": True, "word": 32}),
    (16, {"lim": "zero", "n_drivers": 2}),
    (17, {"lim": "max", "word": 32}),
])
def test_synthetic_chain_bit_exact(seed, kw):
    q = synthetic_chain(seed, **kw)
    blob = chain_to_blob(q)
    assert chain_from_blob(blob).n_drivers == q.n_drivers
    x = _stim_mix(48000, 6000, seed)
    want = FixedChain(q).process(x)
    if q.limiter is not None:  # it limited, and no output beyond its threshold
        lm = q.limiter
        bound = -(-(lm.threshold << lm.out_shift) // 2 ** (32 - q.output_word))
        assert np.abs(want.astype(np.int64)).max() <= bound + (1 if q.dither else 0)
        if lm.threshold > 1:  # (threshold 1: gains 0 or 2^-30, the output mostly 0)
            assert np.any(np.abs(want.astype(np.int64)) >= bound // 2)
    for sizes in ([64], [1, 7, 333, 4096], [4096]):
        got = c_run_guarded(CChain(blob), x, sizes)
        assert np.array_equal(got, want), f"seed {seed} blocks {sizes}"


def test_synthetic_covers_what_it_claims():
    """The synthetic set really has 32x64 and DF1 cascades, split runs, a
    driver without feeds and one without sections (else the test above
    proves less than it says)."""
    qs = [synthetic_chain(s, **kw) for s, kw in [(1, {}), (2, {}), (3, {"n_drivers": 6,
                                                                          "n_paths": 7,
                                                                          "mute_driver": 2})]]
    kernels = {int(k) for q in qs for d in q.drivers for k in d.kernel}
    assert kernels == {0, 1}
    assert any(len(d.post_shift) == 0 for q in qs for d in q.drivers)
    assert any(all(len(p.ratio[i]) == 0 for p in q.paths) for q in qs
               for i in range(q.n_drivers))
    long_q = synthetic_chain(5, max_taps=4097, n_paths=3, n_drivers=2)
    assert max(len(p.common) for p in long_q.paths) == 4097 or max(
        len(r) for p in long_q.paths for r in p.ratio) >= 1365


def _cmsis(h) -> np.ndarray:
    """Natural-order taps -> a CMSIS-order (time-reversed) int32 table."""
    return np.asarray(h, np.int64).astype(np.int32)[::-1].copy()


def zero_tap_chain(seed: int, virt: bool = False) -> QuantizedChain:
    """Tables the C runtime trims at load (ss_chain.c "zero taps"): leading
    and trailing zeros, pure delays, all-zero and one-tap tables (INT32_MIN
    too), the same table on several drivers of a path, one-tap commons; and
    drivers summing 1, 2, 3 and 4 loud feeds (the sums saturate)."""
    rng = np.random.default_rng(seed)
    base = synthetic_chain(seed, n_paths=4, n_drivers=5, word=32, virt=virt)

    def loud(n):
        return rng.integers(I32_MIN // 2, I32_MAX // 2, n, endpoint=True)

    def pad(h, k0, k1):
        return np.concatenate([np.zeros(k0, np.int64), h, np.zeros(k1, np.int64)])

    pure = lambda k0: _cmsis(pad([1 << 30], k0, 0))  # noqa: E731
    one = lambda c: _cmsis([c])  # noqa: E731
    shared = _cmsis(pad(loud(9), 3, 2))
    empty = np.zeros(0, np.int32)
    ratios = [  # [path][driver]: drivers get 1, 2, 4, 3 and 3 feeds
        [pure(40), shared, pure(40), one(I32_MIN), _cmsis(pad(loud(5), 0, 7))],
        [empty, _cmsis(pad([I32_MAX], 5, 3)), shared, one(I32_MAX), one(I32_MAX)],
        [empty, empty, _cmsis(np.zeros(6)), _cmsis(pad(loud(2), 1, 0)), one(I32_MIN)],
        [empty, empty, one(I32_MIN), empty, empty],
    ]
    commons = [_cmsis(pad(loud(20), 4, 3)), _cmsis(pad([I32_MIN], 7, 2)), empty,
               _cmsis(np.zeros(3))]
    paths = tuple(replace(p, common=commons[i], ratio=tuple(ratios[i]))
                  for i, p in enumerate(base.paths))
    return replace(base, paths=paths)


@pytest.mark.parametrize("seed,virt", [(21, False), (22, True)])
def test_zero_tap_tables_bit_exact(seed, virt):
    """Trimmed at load in C, trimmed in FixedChain: both equal the full tables
    (FixedChain is held to untrimmed cmsisdsp in test_fixed_chain)."""
    q = zero_tap_chain(seed, virt)
    blob = chain_to_blob(q)
    x = _stim_mix(48000, 5000, seed)
    x[1000:1400] = [I32_MAX, I32_MIN]  # full-scale stretches: the sums saturate
    x[2000:2400] = I32_MIN
    want = FixedChain(q).process(x)
    assert np.any(want == I32_MAX) and np.any(want == I32_MIN)
    for sizes in ([64], [1, 7, 333, 4096], [45]):
        got = c_run_guarded(CChain(blob), x, sizes)
        assert np.array_equal(got, want), f"seed {seed} blocks {sizes}"


def test_usage_matches_requirements_and_capacity_refusal(bundled):
    from firmware_export.verify import c_requirements

    q, blob = bundled["studio5"]
    c = CChain(blob)
    assert c.usage() == c_requirements(blob)
    small = dict(HOST_LIMITS, SS_MEM32_WORDS=c.usage()["mem32_words"] - 1)
    with pytest.raises(ChainLoadError) as e:
        CChain(blob, limits=small)
    assert e.value.status == ERR["SS_ERR_CAPACITY"]
    exact = dict(HOST_LIMITS, SS_MEM32_WORDS=c.usage()["mem32_words"],
                 SS_MEM64_WORDS=max(c.usage()["mem64_words"], 1))
    x = _stim_mix(q.fs, 1000, 1)
    assert np.array_equal(CChain(blob, limits=exact).process(x), FixedChain(q).process(x))


def test_process_refuses_an_uninitialized_context(lib, bundled):
    ctx = np.zeros((lib.ss_chain_sizeof() + 15) // 8, np.uint64)
    x = np.zeros(8, np.int32)
    out = np.zeros(64, np.int32)
    i32p = ct.POINTER(ct.c_int32)
    assert lib.ss_chain_process(ctx.ctypes.data, x.ctypes.data_as(i32p),
                                out.ctypes.data_as(i32p), 4) == ERR["SS_ERR_ARG"]
    blob = bytearray(bundled["compact2"][1])
    blob[-1] ^= 1
    buf = np.frombuffer(bytes(blob), np.uint8).copy()
    assert lib.ss_chain_init_from_blob(ctx.ctypes.data, buf.ctypes.data_as(
        ct.POINTER(ct.c_uint8)), len(buf)) == ERR["SS_ERR_CRC"]
    assert lib.ss_chain_process(ctx.ctypes.data, x.ctypes.data_as(i32p),
                                out.ctypes.data_as(i32p), 4) == ERR["SS_ERR_ARG"]
    assert lib.ss_chain_init_from_blob(None, buf.ctypes.data_as(ct.POINTER(ct.c_uint8)),
                                       len(buf)) == ERR["SS_ERR_ARG"]


def test_crc32_matches_zlib(lib):
    for data in (b"123456789", b"", bytes(range(256)) * 3):
        buf = np.frombuffer(data + b"\0", np.uint8).copy()
        got = lib.ss_crc32(0, buf.ctypes.data_as(ct.POINTER(ct.c_uint8)), len(data))
        assert got == zlib.crc32(data) & 0xFFFFFFFF
    buf = np.frombuffer(b"123456789", np.uint8).copy()
    assert lib.ss_crc32(0, buf.ctypes.data_as(ct.POINTER(ct.c_uint8)), 9) == 0xCBF43926


# ---------------------------------------------------------- blob mutations
@pytest.fixture(scope="module")
def base_blobs(bundled):
    return [bundled["studio5"][1], bundled["compact2"][1],
            chain_to_blob(synthetic_chain(11, max_taps=40, dither=True)),
            chain_to_blob(synthetic_chain(12, max_taps=40, virt=True)),
            chain_to_blob(synthetic_chain(18, max_taps=40, virt=True, lim="random"))]


def test_wrong_target_is_refused(lib, base_blobs):
    for blob in base_blobs:
        sec = parse_blob(blob).sections
        other = reseal(blob, sec, target="generic-q15")
        parse_blob(other)  # a valid container ...
        assert c_init_status(other, lib) == ERR["SS_ERR_TARGET"]  # ... for another target
        view = np.zeros(4096, np.uint8)
        buf = np.frombuffer(other, np.uint8).copy()
        u8p = ct.POINTER(ct.c_uint8)
        assert lib.ss_blob_parse(buf.ctypes.data_as(u8p), len(buf), 0, view.ctypes.data) == 0
        assert lib.ss_blob_parse(buf.ctypes.data_as(u8p), len(buf), TARGET_IDS["cmsis-q31"],
                                 view.ctypes.data) == ERR["SS_ERR_TARGET"]


def test_specific_container_errors(lib, base_blobs):
    blob = base_blobs[0]
    assert c_init_status(blob[:-1], lib) == ERR["SS_ERR_TRUNCATED"]
    assert c_init_status(blob[:51], lib) == ERR["SS_ERR_TRUNCATED"]
    assert c_init_status(b"", lib) == ERR["SS_ERR_TRUNCATED"]
    assert c_init_status(blob + b"\0", lib) == ERR["SS_ERR_OVERSIZED"]
    assert c_init_status(b"XSPB" + blob[4:], lib) == ERR["SS_ERR_MAGIC"]
    bad = bytearray(blob)
    bad[60] ^= 0x10  # inside the section table, CRC not fixed
    assert c_init_status(bytes(bad), lib) == ERR["SS_ERR_CRC"]
    fields = list(HEADER.unpack_from(blob, 0))
    fields[3] = len(blob) + 100  # total_size larger than what arrives
    hdr = HEADER.pack(*fields)
    body = hdr + blob[HEADER.size:-4]
    assert c_init_status(body + struct.pack("<I", zlib.crc32(body)), lib) == ERR[
        "SS_ERR_TRUNCATED"]
    sec = dict(parse_blob(blob).sections)
    del sec[0x0011]
    assert c_init_status(reseal(blob, sec), lib) == ERR["SS_ERR_MISSING"]


def _recrc(b: bytearray) -> bytes:
    struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])) & 0xFFFFFFFF)
    return bytes(b)


@pytest.mark.parametrize("field,value,err", [
    ("length", 0xFFFFFFFF, "SS_ERR_SECTION"),  # runs past the end (no overflow)
    ("length", 0x80000000, "SS_ERR_SECTION"),
    ("length+", 1, "SS_ERR_SECTION"),  # one byte past the data end
    ("offset", 0xFFFFFFF0, "SS_ERR_SECTION"),
    ("offset+", 4, "SS_ERR_SECTION"),  # not packed
    ("n_sections", 65, "SS_ERR_HEADER"),
    ("n_sections", 0xFFFF, "SS_ERR_HEADER"),
    ("n_sections+", 1, "SS_ERR_SECTION"),  # one entry more than the table holds
    ("reserved", 1, "SS_ERR_SECTION"),
    ("target", 7, "SS_ERR_TARGET"),
    ("n_drivers", 17, "SS_ERR_HEADER"),
])
def test_oversized_and_bad_fields_with_a_valid_crc(lib, base_blobs, field, value, err):
    """Header and section-table fields made wrong, whole-blob CRC made right:
    each is refused with its own code (and by Python), never read past."""
    for blob in base_blobs:
        b = bytearray(blob)
        last = struct.unpack_from("<H", b, 20)[0] - 1
        entry = 48 + 16 * last  # the last section's table entry
        if field == "length":
            struct.pack_into("<I", b, entry + 8, value)
        elif field == "length+":
            end = len(b) - 4
            off = struct.unpack_from("<I", b, entry + 4)[0]
            struct.pack_into("<I", b, entry + 8, end - off + value)
        elif field == "offset":
            struct.pack_into("<I", b, entry + 4, value)
        elif field == "offset+":
            off = struct.unpack_from("<I", b, entry + 4)[0]
            struct.pack_into("<I", b, entry + 4, off + value)
        elif field.startswith("n_sections"):
            n = struct.unpack_from("<H", b, 20)[0]
            struct.pack_into("<H", b, 20, n + value if field.endswith("+") else value)
        elif field == "reserved":
            struct.pack_into("<H", b, entry + 2, value)
        elif field == "target":
            struct.pack_into("<H", b, 12, value)
        elif field == "n_drivers":
            struct.pack_into("<H", b, 14, value)
        bad = _recrc(b)
        assert c_init_status(bad, lib) == ERR[err], field
        with pytest.raises(BlobError):
            parse_blob(bad)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_blob_always_a_clean_error(lib, base_blobs, data):
    """Raw damage (no CRC fixing): C and Python both refuse, C with an
    error code of the spec's list."""
    blob = bytearray(data.draw(st.sampled_from(base_blobs)))
    kind = data.draw(st.sampled_from(["truncate", "flip", "append", "flips", "total"]))
    if kind == "truncate":
        blob = blob[:data.draw(st.integers(0, len(blob) - 1))]
    elif kind == "flip":
        i = data.draw(st.integers(0, len(blob) * 8 - 1))
        blob[i // 8] ^= 1 << (i % 8)
    elif kind == "flips":
        for i in data.draw(st.lists(st.integers(0, len(blob) * 8 - 1), min_size=2,
                                    max_size=20, unique=True)):
            blob[i // 8] ^= 1 << (i % 8)
    elif kind == "append":
        blob += data.draw(st.binary(min_size=1, max_size=64))
    else:
        struct.pack_into("<I", blob, 8, data.draw(st.integers(0, 2**32 - 1).filter(
            lambda v: v != len(blob))))
    st_ = c_init_status(bytes(blob), lib)
    assert st_ < 0 and st_ in STATUS, st_
    assert st_ not in (ERR["SS_ERR_TABLE"], ERR["SS_ERR_CAPACITY"])  # caught by the container
    with pytest.raises(BlobError):
        parse_blob(bytes(blob))


INTERESTING = [0, 1, 2, 3, 15, 16, 17, 30, 31, 32, 33, 64, 65, 0xFFFF, 0x10000, 0x10001,
               1 << 20, (1 << 20) + 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFE1]


def mutate_tables(data, blob: bytes) -> bytes:
    """A valid container whose chain sections were damaged (CRCs re-made)."""
    sec = dict(parse_blob(blob).sections)
    sid = data.draw(st.sampled_from(sorted(sec)))
    body = bytearray(sec[sid])
    kind = data.draw(st.sampled_from(["word", "word", "flip", "cut", "grow", "drop"]))
    if kind == "word" and len(body) >= 4:
        i = data.draw(st.integers(0, len(body) // 4 - 1))
        v = data.draw(st.one_of(st.sampled_from(INTERESTING), st.integers(0, 2**32 - 1)))
        struct.pack_into("<I", body, 4 * i, v)
    elif kind == "flip" and body:
        i = data.draw(st.integers(0, len(body) * 8 - 1))
        body[i // 8] ^= 1 << (i % 8)
    elif kind == "cut" and body:
        body = body[:data.draw(st.integers(0, len(body) - 1))]
    elif kind == "grow":
        body += data.draw(st.binary(min_size=1, max_size=40))
    elif kind == "drop":
        del sec[sid]
        return reseal(blob, sec)
    sec[sid] = bytes(body)
    return reseal(blob, sec)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_tables_c_accepts_exactly_what_python_accepts(lib, base_blobs, data):
    blob = mutate_tables(data, data.draw(st.sampled_from(base_blobs)))
    c_st = c_init_status(blob, lib)
    py_ok = python_accepts(blob)
    if c_st == ERR["SS_ERR_CAPACITY"]:
        assert py_ok  # capacity is judged only after the tables validated
        return
    assert (c_st == 0) == py_ok, (STATUS.get(c_st), py_ok)
    if py_ok:
        q = chain_from_blob(blob)
        x = random_words(200, 1)
        assert np.array_equal(CChain(blob, lib=lib).process(x), FixedChain(q).process(x))


# ------------------------------------------------------------ sanitizers
ASAN_DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include "ss_chain.h"
static ss_chain ctx;
int main(int argc, char **argv)
{
    FILE *f = fopen(argv[1], "rb");
    unsigned char hdr[4];
    int32_t in[2 * 50], out[50 * 16];
    unsigned i;
    (void)argc;
    for (i = 0; i < 100; i++) in[i] = (int32_t)(i * 2654435761u);
    while (fread(hdr, 1, 4, f) == 4) {
        uint32_t n = ss_rd_u32(hdr);
        uint8_t *b = malloc(n ? n : 1); /* exactly n bytes: ASan sees any overread */
        int st;
        if (fread(b, 1, n, f) != n) return 3;
        st = ss_chain_init_from_blob(&ctx, b, n);
        if (st == SS_OK) st = ss_chain_process(&ctx, in, out, 50) == SS_OK ? 0 : 99;
        printf("%d\n", st);
        free(b);
    }
    fclose(f);
    return 0;
}
"""


def _mutations(base_blobs, n: int, seed: int) -> list[bytes]:
    """Seeded raw and re-sealed mutations (no hypothesis: a fixed batch)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        blob = bytearray(base_blobs[k % len(base_blobs)])
        if k % 3 == 0:  # raw damage
            mode = rng.integers(0, 3)
            if mode == 0:
                blob = blob[:rng.integers(0, len(blob))]
            elif mode == 1:
                i = int(rng.integers(0, len(blob) * 8))
                blob[i // 8] ^= 1 << (i % 8)
            else:
                blob += bytes(rng.integers(0, 256, int(rng.integers(1, 9)), dtype=np.uint8))
            out.append(bytes(blob))
            continue
        sec = dict(parse_blob(bytes(blob)).sections)
        sid = sorted(sec)[int(rng.integers(0, len(sec)))]
        body = bytearray(sec[sid])
        if len(body) >= 4 and rng.uniform() < 0.7:
            i = int(rng.integers(0, len(body) // 4))
            v = INTERESTING[int(rng.integers(0, len(INTERESTING)))] if rng.uniform() < 0.6 \
                else int(rng.integers(0, 2**32))
            struct.pack_into("<I", body, 4 * i, v)
        elif body:
            body = body[:int(rng.integers(0, len(body)))]
        sec[sid] = bytes(body)
        out.append(reseal(bytes(blob), sec))
    return out


def test_mutations_under_address_sanitizer(tmp_path, lib, base_blobs):
    """A batch of damaged blobs through an ASan + UBSan build of the loader
    and one processed block: no invalid access, and the same status as the
    plain build."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not found")
    drv = tmp_path / "asan_driver.c"
    drv.write_text(ASAN_DRIVER)
    exe = tmp_path / "asan_driver"
    srcs = [str(RUNTIME_DIR / s) for s in RUNTIME_SOURCES] + \
        [str(o) for o in cmsis_fft_objects(tmp_path)]
    cmd = ["gcc", "-std=c99", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-pedantic",
           "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
           "-DSS_MAX_DRIVERS=16", "-DSS_MAX_PATHS=32", "-DSS_MAX_FEEDS=512",
           "-DSS_MAX_CASCADES=1024", "-DSS_MEM32_WORDS=4194304", "-DSS_MEM64_WORDS=16384",
           f"-I{RUNTIME_DIR}", str(drv), *srcs, "-o", str(exe), "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0 and "sanitizer" in r.stderr.lower():
        pytest.skip(f"no sanitizer runtime: {r.stderr.strip()[:200]}")
    assert r.returncode == 0, r.stderr
    blobs = _mutations(base_blobs, 600, 5) + base_blobs
    (tmp_path / "in.bin").write_bytes(b"".join(struct.pack("<I", len(b)) + b for b in blobs))
    r = subprocess.run([str(exe), str(tmp_path / "in.bin")], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    got = [int(v) for v in r.stdout.split()]
    assert len(got) == len(blobs)
    want = [c_init_status(b, lib) for b in blobs]
    assert got == want
    assert got[-len(base_blobs):] == [0] * len(base_blobs)
    assert sum(v == 0 for v in got) < len(got)  # the batch does exercise refusals


def test_runtime_has_no_floating_point(tmp_path):
    """C99, strict, and no floating point anywhere in the runtime but the
    upmix's per-bin decision (ss_upmix.c, IEEE binary32 by design: #23): with
    -mgeneral-regs-only (x86-64 GCC) any float or double operation is a
    compile error, and ss_upmix.c is the one file that has them."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not found")
    probe = tmp_path / "probe.c"
    probe.write_text("double twice(double x) { return x * 2; }\n")
    if subprocess.run(["gcc", "-mgeneral-regs-only", "-c", str(probe), "-o",
                       str(tmp_path / "p.o")], capture_output=True).returncode == 0:
        pytest.skip("this gcc accepts floating point under -mgeneral-regs-only")
    for s in RUNTIME_SOURCES:
        r = subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic",
                            "-mgeneral-regs-only", "-c", str(RUNTIME_DIR / s), "-o",
                            str(tmp_path / "x.o")], capture_output=True, text=True)
        assert (r.returncode == 0) == (s != "ss_upmix.c"), (s, r.stderr)


FUZZ_HARNESS = r"""
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "ss_chain.h"
static ss_chain ctx;
static uint8_t buf[1 << 16];

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void run(const uint8_t *b, uint32_t n)
{
    int32_t in[2 * 20] = {0}, out[20 * 16];
    in[0] = 1 << 30;
    in[3] = -(1 << 30);
    if (ss_chain_init_from_blob(&ctx, b, n) == SS_OK) {
        (void)ss_chain_process(&ctx, in, out, 20);
    }
}

/* Every input twice: as it is (the container checks), and re-sealed --
 * total_size, every in-range section CRC and the whole CRC made right --
 * so the fuzzer also reaches the table loader behind the CRCs. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t n, end, i, ns;
    if (size > sizeof buf) return 0;
    run(data, (uint32_t)size);
    n = (uint32_t)size;
    if (n < 52u) return 0;
    memcpy(buf, data, n);
    end = n - 4u;
    put_u32(buf + 8, n);
    ns = ss_rd_u16(buf + 20);
    for (i = 0; i < ns && 48u + 16u * (i + 1u) <= end; i++) {
        uint8_t *e = buf + 48u + 16u * i;
        const uint32_t off = ss_rd_u32(e + 4), len = ss_rd_u32(e + 8);
        if (off <= end && len <= end - off) put_u32(e + 12, ss_crc32(0, buf + off, len));
    }
    put_u32(buf + end, ss_crc32(0, buf, end));
    run(buf, n);
    return 0;
}
"""


@pytest.mark.slow
def test_libfuzzer_blob_parser(tmp_path, base_blobs):
    """libFuzzer + ASan + UBSan on ss_chain_init_from_blob (+ one processed
    block when it loads), each input raw and re-sealed (CRCs made right, so
    the table loader is fuzzed too), seeded with valid blobs and re-sealed
    mutations, for a bounded time (SS_FUZZ_SECONDS, default 120). Any crash
    or sanitizer report fails."""
    if shutil.which("clang") is None:
        pytest.skip("clang not found (Debian: apt-get install clang)")
    h = tmp_path / "fuzz.c"
    h.write_text(FUZZ_HARNESS)
    exe = tmp_path / "fuzz_blob"
    srcs = [str(RUNTIME_DIR / s) for s in RUNTIME_SOURCES] + \
        [str(o) for o in cmsis_fft_objects(tmp_path)]
    cmd = ["clang", "-std=c99", "-O1", "-g", "-fsanitize=fuzzer,address,undefined",
           "-fno-sanitize-recover=all", "-DSS_MEM32_WORDS=262144", f"-I{RUNTIME_DIR}", str(h),
           *srcs, "-o", str(exe), "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0 and "fuzzer" in r.stderr.lower():
        pytest.skip(f"clang without libFuzzer: {r.stderr.strip()[:200]}")
    assert r.returncode == 0, r.stderr
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, b in enumerate(base_blobs + _mutations(base_blobs, 60, 9)):
        (corpus / f"seed{i}").write_bytes(b)
    seconds = int(os.environ.get("SS_FUZZ_SECONDS", "120"))
    r = subprocess.run([str(exe), str(corpus), f"-max_total_time={seconds}", "-max_len=65536",
                        "-print_final_stats=1"], capture_output=True, text=True, timeout=600,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-4000:]


def test_q_dataclass_replace_keeps_bit_exactness(bundled):
    """Dither on a bundled chain (the per-driver seeds) runs bit-exact too."""
    q, _ = bundled["studio5"]
    qd = replace(q, dither=True)
    blob = chain_to_blob(qd)
    x = _stim_mix(qd.fs, 3000, 4)
    assert np.array_equal(run_blocks(CChain(blob).process, x, [64, 5]),
                          FixedChain(qd).process(x))
