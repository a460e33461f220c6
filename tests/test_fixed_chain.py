"""Fixed-point chain: bit-exact against an independent cmsisdsp/numpy pipeline,
block-size invariance, tolerance against the float reference, blob round trip."""

from dataclasses import replace

import cmsisdsp as cm
import numpy as np
import pytest
from test_float_chain import synthetic_design

from device_profiles import load_profile
from device_profiles.errors import UserError
from dsp_model.chain_design import plain_chain
from dsp_model.fixed import ops
from dsp_model.fixed.chain import FixedChain, dither_seed, processor_from_blob, upmix_passive_q31
from dsp_model.float_chain import render
from dsp_model.signals import pink_noise, to_q31
from firmware_export.blob import SEC_FIR, build_blob
from firmware_export.quantize import KERNEL_32X64, KERNEL_DF1, quantize_chain
from firmware_export.tables import (
    TableError,
    chain_from_blob,
    chain_to_blob,
    chain_to_sections,
    chains_equal,
    sections_to_chain,
)

I32_MIN, I32_MAX = -(2**31), 2**31 - 1


# ------------------------------------------------------ independent pipeline
def _cm_fir(taps_rev: np.ndarray, x: np.ndarray) -> np.ndarray:
    inst = cm.arm_fir_instance_q31()
    cm.arm_fir_init_q31(inst, len(taps_rev), taps_rev, np.zeros(len(taps_rev) + len(x) - 1,
                                                                np.int32))
    return np.asarray(cm.arm_fir_q31(inst, x), dtype=np.int32)


def _cm_biquad(kernel: int, c: np.ndarray, ps: int, x: np.ndarray) -> np.ndarray:
    if kernel == KERNEL_DF1:
        inst = cm.arm_biquad_casd_df1_inst_q31()
        cm.arm_biquad_cascade_df1_init_q31(inst, 1, c, np.zeros(4, np.int32), ps)
        return np.asarray(cm.arm_biquad_cascade_df1_q31(inst, x), dtype=np.int32)
    inst = cm.arm_biquad_cas_df1_32x64_ins_q31()
    cm.arm_biquad_cas_df1_32x64_init_q31(inst, 1, c, np.zeros(4, np.int64), ps)
    return np.asarray(cm.arm_biquad_cas_df1_32x64_q31(inst, x), dtype=np.int32)


def _delay(x: np.ndarray, d: int) -> np.ndarray:
    return np.concatenate([np.zeros(d, x.dtype), x])[: len(x)]


def _dac(x: np.ndarray, word: int, dither: bool, seed: int) -> np.ndarray:
    q = 32 - word
    v = x.astype(np.int64)
    if dither:
        s = seed
        dv = np.zeros(len(x), np.int64)
        for n in range(len(x)):
            s = ops.xorshift32(s)
            a = ops.as_int32(s) >> word
            s = ops.xorshift32(s)
            dv[n] = a + (ops.as_int32(s) >> word)
        v = v + dv
    y = (v + (1 << (q - 1))) >> q if q else v  # round half up (a 32-bit word: as is)
    return np.clip(y, -(1 << (word - 1)), (1 << (word - 1)) - 1).astype(np.int32)


def reference_fixed(q, x: np.ndarray) -> np.ndarray:
    """The chain written out with cmsisdsp kernels (arm_fir_q31, the two biquad
    cascades, arm_scale_q31) and numpy integer arithmetic, one section per
    cascade, whole signal at once: independent of dsp_model.fixed."""
    n = len(x)
    lr = x.astype(np.int64)
    c = (lr[:, 0] + lr[:, 1]) >> 1
    u = [np.clip(lr[:, 0] - c, I32_MIN, I32_MAX).astype(np.int32),
         np.clip(lr[:, 1] - c, I32_MIN, I32_MAX).astype(np.int32), c.astype(np.int32)]
    v = q.virtualizer
    if v is not None:
        def cascade(cq, z):
            for k in range(len(cq.post_shift)):
                z = _cm_biquad(int(cq.kernel[k]), cq.coeffs[k].copy(), int(cq.post_shift[k]), z)
            return z

        ipsi = [cascade(v.ipsi, u[s]) for s in range(2)]
        contra = [cascade(v.contra, _delay(u[s], v.contra_delay)) for s in range(2)]
        u += [np.clip(ipsi[0].astype(np.int64) + contra[1], I32_MIN, I32_MAX).astype(np.int32),
              np.clip(contra[0].astype(np.int64) + ipsi[1], I32_MIN, I32_MAX).astype(np.int32)]
    feeds = [[] for _ in q.drivers]
    for p in q.paths:
        y = _delay(u[p.source], p.delay)
        if len(p.common):
            y = _cm_fir(p.common, y)
        for d, r in enumerate(p.ratio):
            if len(r):
                feeds[d].append(_cm_fir(r, y).astype(np.int64))
    out = np.zeros((n, len(q.drivers)), np.int32)
    for d, drv in enumerate(q.drivers):
        z = np.clip(sum(feeds[d]) if feeds[d] else np.zeros(n, np.int64), I32_MIN, I32_MAX)
        z = z.astype(np.int32)
        for k in range(len(drv.post_shift)):
            z = _cm_biquad(int(drv.kernel[k]), drv.coeffs[k].copy(), int(drv.post_shift[k]), z)
        z = np.asarray(cm.arm_scale_q31(z, drv.gain_fract, drv.gain_shift), dtype=np.int32)
        z = _delay(z, drv.delay)
        out[:, d] = _dac(z, q.output_word, q.dither, dither_seed(d))
    return out


def _stimulus(n: int, seed: int, level: float = -6.0) -> np.ndarray:
    x = to_q31(pink_noise(n, seed=seed, level_dbfs=level, channels=2))
    x[100:140] = [I32_MAX, I32_MIN]  # full-scale anti-phase burst: the upmix corner
    x[200:240] = I32_MIN
    return x


def _quantized_synthetic(seed=1, **kw):
    design = synthetic_design(seed)
    return quantize_chain(design, **kw)


# ------------------------------------------------------------------ tests

def _passive(name: str):
    """The profile's plain chain with the passive upmix: what the cmsisdsp pipeline
    and the layout checks below model (the adaptive chain is held bit-exact
    against the C runtime in tests/test_c_runtime.py and tests/test_fixed_upmix.py)."""
    return replace(plain_chain(load_profile(name)), upmix_mode="passive")

def test_upmix_passive_q31_spec():
    rng = np.random.default_rng(0)
    x = rng.integers(I32_MIN, I32_MAX, (500, 2), endpoint=True).astype(np.int32)
    x[:4] = [[I32_MAX, I32_MIN], [I32_MIN, I32_MAX], [I32_MIN, I32_MIN], [-1, 0]]
    y = np.zeros((3, 500), np.int32)
    upmix_passive_q31(x, y, 500)
    for n in range(500):
        left, right = int(x[n, 0]), int(x[n, 1])
        c = ops.shr_floor(left + right, 1)
        assert (y[0, n], y[1, n], y[2, n]) == (ops.sub32_sat(left, c), ops.sub32_sat(right, c), c)
    assert y[0, 0] == I32_MAX and y[2, 0] == -1  # L' = 2^31 saturates
    assert (y[0, 3], y[1, 3], y[2, 3]) == (0, 1, -1)  # floor((-1 + 0)/2) = -1


@pytest.mark.parametrize("virt", [False, True])
@pytest.mark.parametrize("kernel", [None, KERNEL_DF1, KERNEL_32X64])
def test_bit_exact_vs_cmsisdsp_pipeline_synthetic(kernel, virt):
    q = quantize_chain(synthetic_design(1, virt=virt), force_kernel=kernel, tolerance_db=-80)
    assert (q.virtualizer is not None) == virt
    x = _stimulus(3000, 2)
    ref = reference_fixed(q, x)
    assert np.array_equal(FixedChain(q).process(x), ref)
    assert np.array_equal(FixedChain(q, compiled=False).process(x), ref)


def test_bit_exact_vs_cmsisdsp_pipeline_studio5_with_dither():
    # dither belongs to a DAC word shorter than the 32-bit accumulator output
    q = replace(quantize_chain(_passive("studio5")), dither=True, output_word=24)
    x = _stimulus(2000, 3)
    y = FixedChain(q).process(x)
    assert np.array_equal(y, reference_fixed(q, x))


@pytest.mark.parametrize("sizes", [[1], [7], [64], [4096], [1, 7, 64, 300, 4096, 5]])
def test_block_size_invariance_bit_identical(sizes):
    q = replace(quantize_chain(synthetic_design(3, virt=True), tolerance_db=-80), dither=True)
    x = _stimulus(6000, 4)
    whole = FixedChain(q).process(x)
    ch = FixedChain(q, max_block=256)
    parts, i, k = [], 0, 0
    while i < len(x):
        b = sizes[k % len(sizes)]
        parts.append(ch.process(x[i:i + b]))
        i, k = i + b, k + 1
    assert np.array_equal(np.concatenate(parts), whole)


def test_compiled_and_readable_paths_share_state_bit_for_bit():
    """Alternate the numba whole-chain path and the readable per-kernel path on
    one stream: the result equals either path alone."""
    q = replace(_quantized_synthetic(5, tolerance_db=-80), dither=True)
    x = _stimulus(5000, 7)
    ref = FixedChain(q, compiled=False).process(x)
    assert np.array_equal(FixedChain(q).process(x), ref)
    ch = FixedChain(q, max_block=64)
    parts = []
    for k, i in enumerate(range(0, len(x), 333)):
        ch.compiled = k % 2 == 0
        parts.append(ch.process(x[i:i + 333]))
    assert np.array_equal(np.concatenate(parts), ref)


def test_fixed_tracks_float_on_studio5():
    design = plain_chain(load_profile("studio5"))
    q = quantize_chain(design)
    x = to_q31(pink_noise(48000, seed=5, level_dbfs=-20, channels=2))
    y = FixedChain(q).process(x).astype(float)
    ref = render(design, x / 2.0**31) * 2.0 ** (q.output_word - 1)
    for d, drv in enumerate(q.drivers):
        e = y[:, d] - ref[:, d]
        esr = 10 * np.log10(np.sum(e**2) / np.sum(ref[:, d] ** 2))
        assert esr < -100, f"{drv.id}: {esr:.1f} dB"


def test_silence_stays_silent_and_dither_is_one_lsb():
    q = quantize_chain(plain_chain(load_profile("studio5")))
    z = np.zeros((4000, 2), np.int32)
    assert not np.any(FixedChain(q).process(z))
    y = FixedChain(replace(q, dither=True, output_word=24)).process(z)
    assert set(np.unique(y)) <= {-1, 0, 1} and np.any(y)


def test_input_checks():
    ch = FixedChain(_quantized_synthetic(0, tolerance_db=-80))
    with pytest.raises(TypeError, match="int32"):
        ch.process(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="stereo"):
        ch.process(np.zeros((4, 3), np.int32))
    assert ch.process(np.zeros((0, 2), np.int32)).shape == (0, 3)


# ------------------------------------------------------------------ tables
def test_tables_round_trip_and_processor_from_blob():
    q = quantize_chain(synthetic_design(2), tolerance_db=-80)
    back = sections_to_chain(chain_to_sections(q))
    assert chains_equal(q, back)
    blob = chain_to_blob(q)
    assert chains_equal(q, chain_from_blob(blob))
    assert chain_from_blob(blob).profile_name == "synthetic"
    proc = processor_from_blob(blob)
    x = _stimulus(1500, 6)
    assert np.array_equal(np.concatenate([proc(x[:700]), proc(x[700:])]),
                          FixedChain(q).process(x))


def test_tables_are_little_endian_words():
    q = quantize_chain(_passive("compact2"))
    s = chain_to_sections(q)
    assert all(len(v) % 4 == 0 for v in s.values())
    meta = np.frombuffer(s[1], "<u4")
    assert list(meta[:8]) == [1, 48000, 64, 2, 3, q.output_word, 0, 0]


def test_tables_reject_bad_sections():
    q = quantize_chain(plain_chain(load_profile("compact2")))
    s = chain_to_sections(q)
    with pytest.raises(TableError, match="section fir: .* needs 4 bytes"):
        sections_to_chain({**s, SEC_FIR: s[SEC_FIR][:-4]})
    with pytest.raises(TableError, match="section fir: 4 stray bytes"):
        sections_to_chain({**s, SEC_FIR: s[SEC_FIR] + b"\0\0\0\0"})
    with pytest.raises(TableError, match="section gains .* missing"):
        sections_to_chain({k: v for k, v in s.items() if k != 0x0013})
    bad = bytearray(s[SEC_FIR])
    bad[0:4] = (7).to_bytes(4, "little")  # path 0 source 7
    with pytest.raises(TableError, match="path 0 source 7"):
        sections_to_chain({**s, SEC_FIR: bytes(bad)})
    # a blob whose header disagrees with the meta section
    blob = build_blob(target="cmsis-q31", sample_rate=44100, n_drivers=2,
                      profile_name="x", sections=s)
    with pytest.raises(TableError, match="blob header"):
        chain_from_blob(blob)
    assert issubclass(TableError, UserError)


def test_random_mutations_never_crash_the_reader():
    """Every single-word mutation either decodes or raises TableError."""
    q = quantize_chain(synthetic_design(4), tolerance_db=-80)
    s = chain_to_sections(q)
    rng = np.random.default_rng(9)
    for _ in range(300):
        sid = list(s)[rng.integers(len(s))]
        data = bytearray(s[sid])
        k = int(rng.integers(len(data) // 4)) * 4
        data[k:k + 4] = int(rng.integers(0, 2**32)).to_bytes(4, "little")
        try:
            sections_to_chain({**s, sid: bytes(data)})
        except TableError:
            pass


def test_emulator_default_factory_runs_the_chain():
    emulator = pytest.importorskip("host_tools.emulator")
    q = quantize_chain(_passive("compact2"))
    proc = emulator.default_processor_factory(chain_to_blob(q))
    x = _stimulus(640, 11)
    y = np.concatenate([proc(x[i:i + 64]) for i in range(0, 640, 64)])
    assert y.dtype == np.int32 and y.shape == (640, 2)
    assert np.array_equal(y, reference_fixed(q, x))


def test_trimmed_and_shared_tables_are_bit_exact():
    """Leading/trailing zero taps (run as delay + shorter FIR), a pure-delay ratio
    (one tap), an all-zero ratio, and one table used by two drivers of a path
    (computed once): bit-exact against the untrimmed cmsisdsp pipeline."""
    from dsp_model.chain_design import PathFilter

    base = synthetic_design(6, n_drivers=4)
    rng = np.random.default_rng(12)
    shared = np.concatenate([np.zeros(5), rng.standard_normal(9) * 0.3, np.zeros(3)])
    pure = np.zeros(20)
    pure[13] = 1.0
    common = np.concatenate([np.zeros(7), rng.standard_normal(30) * 0.1, np.zeros(4)])
    ratio = (shared, shared.copy(), pure, np.zeros(6))
    paths = (*base.paths, PathFilter("trimmed", 1, 2, common, ratio))
    q = quantize_chain(replace(base, paths=paths), tolerance_db=-80)
    x = _stimulus(2500, 13)
    ref = reference_fixed(q, x)
    assert np.array_equal(FixedChain(q).process(x), ref)
    assert np.array_equal(FixedChain(q, compiled=False).process(x), ref)
    ch = FixedChain(q, max_block=64)
    parts = [ch.process(x[i:i + 100]) for i in range(0, len(x), 100)]
    assert np.array_equal(np.concatenate(parts), ref)
    # the shared table is computed once, the pure delay is one tap
    feeds = ch._feeds
    assert sum(1 for f in feeds if f[3] >= 0) == 1
    assert any(f[1] is not None and f[1].num_taps == 1 and f[2] is not None and f[2].delay == 13
               for f in feeds)


def test_tables_with_virtualizer_round_trip_and_version():
    from firmware_export.tables import SEC_VIRTUALIZER

    q = quantize_chain(synthetic_design(2, virt=True), tolerance_db=-80)
    s = chain_to_sections(q)
    assert SEC_VIRTUALIZER in s
    assert np.frombuffer(s[1], "<u4")[0] == 2  # meta version 2: v1 readers refuse it
    assert chains_equal(q, sections_to_chain(s))
    blob = chain_to_blob(q)
    x = _stimulus(1200, 14)
    assert np.array_equal(processor_from_blob(blob)(x), reference_fixed(q, x))
    with pytest.raises(TableError, match="version 2 needs the virtualizer section"):
        sections_to_chain({k: v for k, v in s.items() if k != SEC_VIRTUALIZER})
    plain = chain_to_sections(quantize_chain(synthetic_design(2), tolerance_db=-80))
    assert np.frombuffer(plain[1], "<u4")[0] == 1
    with pytest.raises(TableError, match="version 1 does not allow"):
        sections_to_chain({**plain, SEC_VIRTUALIZER: s[SEC_VIRTUALIZER]})
    # a path reading e_L in a chain without a virtualizer is refused
    bad = bytearray(plain[SEC_FIR])
    bad[0:4] = (3).to_bytes(4, "little")
    with pytest.raises(TableError, match="path 0 source 3, expected 0..2"):
        sections_to_chain({**plain, SEC_FIR: bytes(bad)})
