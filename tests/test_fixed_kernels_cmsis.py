"""Kernels vs independent references.

* CMSIS-defined kernels vs the ``cmsisdsp`` 1.10.1 package (bit-exact):
  hypothesis over random stable and arbitrary coefficients, every post-shift
  the kernel accepts (q31 0..30, q15 0..15; the profiles' 0..7 drawn half the
  time), block sizes (1, odd, mixed), full-scale inputs and ones that wrap the
  accumulator. Both sides stream in the same chunks; ours also in one call.
* The fast q15 kernels (32-bit accumulator, the ``generic-q15`` profile) vs
  ``arm_biquad_cascade_df1_fast_q15`` / ``arm_fir_fast_q15``, including sums
  that wrap the 32 bits, and vs their op-by-op transcription in ``ops``.
* Table layouts (quantizers) vs scipy float filtering through CMSIS.
* Non-CMSIS blocks vs numpy definitions; split-point invariance everywhere.

cmsisdsp gotchas handled here: always int arrays (it casts floats silently);
FIR state sized numTaps + largest block - 1 (it overruns otherwise).
"""

from __future__ import annotations

import cmsisdsp as cm
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from dsp_model import fixed as F
from dsp_model.fixed import ops

I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1
I16_MIN, I16_MAX = -(1 << 15), (1 << 15) - 1
SETTINGS = settings(max_examples=100, deadline=None)


# ------------------------------------------------------------------ helpers
def _signal(rng, n, kind, bits=32):
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    dt = np.int32 if bits == 32 else np.int16
    if kind == "full":
        x = rng.integers(lo, hi, n, endpoint=True, dtype=np.int64)
    elif kind == "extremes":
        x = rng.choice(np.array([lo, lo + 1, hi, hi - 1, 0, -1]), n)
    elif kind == "square":
        x = np.where((np.arange(n) // 7) % 2 == 0, hi, lo)
    else:  # "quiet": -40 dBFS-ish noise
        x = rng.integers(lo >> 7, hi >> 7, n, endpoint=True, dtype=np.int64)
    return np.ascontiguousarray(x.astype(dt))


def _chunks(n, sizes):
    """Cut range(n) into consecutive chunks cycling through ``sizes``."""
    out, i, k = [], 0, 0
    while i < n:
        m = min(sizes[k % len(sizes)], n - i)
        out.append((i, i + m))
        i, k = i + m, k + 1
    return out


def _stable_a(rng, n_stages, post_shift):
    """CMSIS-signed feedback (a1' = 2 r cos t, a2' = -r^2) of stable poles,
    as Q31 / 2^post_shift, radius up to 0.9999."""
    r = rng.uniform(0.0, 0.9999, n_stages)
    t = rng.uniform(0.0, np.pi, n_stages)
    a = np.column_stack([2 * r * np.cos(t), -(r**2)]) / (1 << post_shift)
    return np.clip(np.round(a * 2.0**31), I32_MIN, I32_MAX).astype(np.int64)


def _coeffs_q31(rng, n_stages, post_shift, kind):
    b = rng.integers(I32_MIN, I32_MAX, (n_stages, 3), endpoint=True, dtype=np.int64)
    if kind == "arbitrary":  # unstable is fine for bit-exactness: it wraps a lot
        a = rng.integers(I32_MIN, I32_MAX, (n_stages, 2), endpoint=True, dtype=np.int64)
    else:
        a = _stable_a(rng, n_stages, post_shift)
        b = b >> int(rng.integers(0, 8))  # some quieter feed-forward too
    return np.ascontiguousarray(np.hstack([b, a]).astype(np.int32).reshape(-1))


def _stream_cmsis(fn, inst, x, chunks):
    return np.concatenate([fn(inst, x[a:b]) for a, b in chunks])


def _stream_ours(kernel, inst, x, chunks):
    y = np.full(len(x) + 4, 0x5A5A5A5A, x.dtype) if x.dtype == np.int32 else None
    if y is None:
        y = np.full(len(x) + 4, 0x5A5A, x.dtype)
    guard = y[len(x) :].copy()
    for a, b in chunks:
        kernel(inst, x[a:b], y[a:b], b - a)
    assert np.array_equal(y[len(x) :], guard), "kernel wrote past block_size"
    return y[: len(x)]


block_sizes = st.lists(st.integers(1, 70), min_size=1, max_size=4)
kinds = st.sampled_from(["full", "extremes", "square", "quiet"])
# Every post-shift the kernels accept (q31: 0..30, q15: 0..15), with the
# profiles' range 0..max_post_shift (7) drawn half the time.
PS_PROFILE = F.arith_profile("cmsis-q31").max_post_shift
post_shifts_q31 = st.one_of(st.integers(0, PS_PROFILE), st.integers(0, 30))
post_shifts_q15 = st.one_of(st.integers(0, PS_PROFILE), st.integers(0, 15))


# ---------------------------------------------------------- biquad DF1 Q31
@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n_stages=st.integers(1, 4),
    post_shift=post_shifts_q31,
    coef_kind=st.sampled_from(["stable", "arbitrary"]),
    sig=kinds,
    sizes=block_sizes,
)
def test_biquad_df1_q31_vs_cmsis(seed, n_stages, post_shift, coef_kind, sig, sizes):
    rng = np.random.default_rng(seed)
    c = _coeffs_q31(rng, n_stages, post_shift, coef_kind)
    x = _signal(rng, 300, sig)
    chunks = _chunks(len(x), sizes)
    ref_inst = cm.arm_biquad_casd_df1_inst_q31()
    cm.arm_biquad_cascade_df1_init_q31(
        ref_inst, n_stages, c, np.zeros(4 * n_stages, np.int32), post_shift
    )
    ref = _stream_cmsis(cm.arm_biquad_cascade_df1_q31, ref_inst, x, chunks)
    ours = _stream_ours(F.biquad_df1_q31, F.biquad_df1_q31_init(c, post_shift), x, chunks)
    assert np.array_equal(ours, ref)
    whole = np.zeros_like(x)
    F.biquad_df1_q31(F.biquad_df1_q31_init(c, post_shift), x, whole, len(x))
    assert np.array_equal(whole, ref)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n_stages=st.integers(1, 4),
    post_shift=post_shifts_q31,
    coef_kind=st.sampled_from(["stable", "arbitrary"]),
    sig=kinds,
    sizes=block_sizes,
)
def test_biquad_df1_32x64_q31_vs_cmsis(seed, n_stages, post_shift, coef_kind, sig, sizes):
    rng = np.random.default_rng(seed)
    c = _coeffs_q31(rng, n_stages, post_shift, coef_kind)
    x = _signal(rng, 300, sig)
    chunks = _chunks(len(x), sizes)
    ref_inst = cm.arm_biquad_cas_df1_32x64_ins_q31()
    cm.arm_biquad_cas_df1_32x64_init_q31(
        ref_inst, n_stages, c, np.zeros(4 * n_stages, np.int64), post_shift
    )
    ref = _stream_cmsis(cm.arm_biquad_cas_df1_32x64_q31, ref_inst, x, chunks)
    inst = F.biquad_df1_32x64_q31_init(c, post_shift)
    assert np.array_equal(_stream_ours(F.biquad_df1_32x64_q31, inst, x, chunks), ref)


def test_biquad_q31_accumulator_wraps_like_cmsis():
    """Every coefficient and sample -1.0: acc = 5 * 2^62 wraps past 2^63;
    outputs wrap too (no saturation). The two must agree, and it must wrap."""
    c = np.full(5, I32_MIN, np.int32)
    x = np.full(16, I32_MIN, np.int32)
    for post_shift in range(4):
        for init, fn, kern, init_ours, sdt in (
            (
                cm.arm_biquad_cascade_df1_init_q31,
                cm.arm_biquad_cascade_df1_q31,
                F.biquad_df1_q31,
                F.biquad_df1_q31_init,
                np.int32,
            ),
            (
                cm.arm_biquad_cas_df1_32x64_init_q31,
                cm.arm_biquad_cas_df1_32x64_q31,
                F.biquad_df1_32x64_q31,
                F.biquad_df1_32x64_q31_init,
                np.int64,
            ),
        ):
            ref_inst = (
                cm.arm_biquad_casd_df1_inst_q31()
                if sdt == np.int32
                else cm.arm_biquad_cas_df1_32x64_ins_q31()
            )
            init(ref_inst, 1, c, np.zeros(4, sdt), post_shift)
            ref = fn(ref_inst, x)
            y = np.zeros_like(x)
            kern(init_ours(c, post_shift), x, y, len(x))
            assert np.array_equal(y, ref)
    # third output, postShift 0: acc = 3*2^62 + 2^31*(y1 + y2) ... just check
    # that the model's documented wrap actually happened somewhere:
    inst = F.biquad_df1_q31_init(c, 0)
    y = np.zeros_like(x)
    F.biquad_df1_q31(inst, x, y, len(x))
    acc0 = ops.mult_q31x31_q62(I32_MIN, I32_MIN)
    assert y[0] == ops.wrap32(acc0 >> 31) == I32_MIN  # +1.0 wrapped to -1.0


# ---------------------------------------------------------- biquad DF1 Q15
@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n_stages=st.integers(1, 4),
    post_shift=post_shifts_q15,
    coef_kind=st.sampled_from(["stable", "arbitrary"]),
    sig=kinds,
    sizes=block_sizes,
)
def test_biquad_df1_q15_vs_cmsis(seed, n_stages, post_shift, coef_kind, sig, sizes):
    c, x, ref, ours = _biquad_q15_case(cm.arm_biquad_cascade_df1_q15, F.biquad_df1_q15,
                                       seed, n_stages, post_shift, coef_kind, sig, sizes)
    assert np.array_equal(ours, ref)


def _biquad_q15_case(cmsis_kernel, kernel, seed, n_stages, post_shift, coef_kind, sig, sizes):
    """One drawn q15 cascade streamed through a CMSIS q15 biquad kernel and
    ours in the same chunks: (coeffs, x, CMSIS output, our output)."""
    rng = np.random.default_rng(seed)
    c = _coeffs_q15(rng, n_stages, post_shift, coef_kind)
    x = _signal(rng, 300, sig, bits=16)
    chunks = _chunks(len(x), sizes)
    ref_inst = cm.arm_biquad_casd_df1_inst_q15()
    cm.arm_biquad_cascade_df1_init_q15(
        ref_inst, n_stages, c, np.zeros(4 * n_stages, np.int16), post_shift
    )
    ref = _stream_cmsis(cmsis_kernel, ref_inst, x, chunks)
    ours = _stream_ours(kernel, F.biquad_df1_q15_init(c, post_shift), x, chunks)
    return c, x, ref, ours


def test_biquad_df1_q15_narrows_to_32_bits_before_saturating():
    """arm_biquad_cascade_df1_q15 saturates (int32)(acc >> (15 - postShift)):
    at post_shift 14 and 15 a 64-bit sum beyond 32 bits wraps, then clips.
    b = -1.0 on x = -1.0 and a = +1 - 2^-15 on y = +1 - 2^-15: five
    products near +2^30 (after the first outputs), acc near 5 * 2^30."""
    c = np.array([I16_MIN, 0, I16_MIN, I16_MIN, I16_MAX, I16_MAX], np.int16)
    x = np.full(40, I16_MIN, np.int16)
    for post_shift in (13, 14, 15):
        ref_inst = cm.arm_biquad_casd_df1_inst_q15()
        cm.arm_biquad_cascade_df1_init_q15(ref_inst, 1, c, np.zeros(4, np.int16), post_shift)
        ref = cm.arm_biquad_cascade_df1_q15(ref_inst, x)
        y = np.zeros_like(x)
        F.biquad_df1_q15(F.biquad_df1_q15_init(c, post_shift), x, y, len(x))
        assert np.array_equal(y, ref), post_shift
        # the same recursion saturating the unwrapped 64-bit value differs
        # exactly where the shifted sum leaves 32 bits (post_shift 14, 15)
        x1 = x2 = y1 = y2 = 0
        unwrapped = []
        for _ in range(len(x)):
            acc = I16_MIN * I16_MIN + I16_MIN * (x1 + x2) + I16_MAX * (y1 + y2)
            y0 = ops.sat16(acc >> (15 - post_shift))
            x2, x1, y2, y1 = x1, I16_MIN, y1, y0
            unwrapped.append(y0)
        assert (y.tolist() != unwrapped) == (post_shift >= 14), post_shift


def _coeffs_q15(rng, n_stages, post_shift, kind):
    """CMSIS q15 table {b0, 0, b1, b2, a1, a2} per stage: full-scale random b
    (and a, for "arbitrary"), or stable poles as Q15 / 2^post_shift."""
    c = rng.integers(-(1 << 15), (1 << 15) - 1, (n_stages, 6), endpoint=True).astype(np.int16)
    c[:, 1] = 0  # the pad: CMSIS multiplies it too, so it must be 0
    if kind == "stable":
        c[:, 4:] = (_stable_a(rng, n_stages, post_shift) >> 16).astype(np.int16)
        c[:, [0, 2, 3]] >>= int(rng.integers(0, 4))  # some quieter feed-forward too
    return np.ascontiguousarray(c.reshape(-1))


# ------------------------------------------- biquad DF1 fast Q15 (32-bit acc)
def _biquad_fast_q15_spec(c, post_shift, x, state=None):
    """arm_biquad_cascade_df1_fast_q15 transcribed op by op from the kernel's
    comment, in the plain ``ops`` (Python ints): the readable definition."""
    n_stages = len(c) // 6
    state = [0] * (4 * n_stages) if state is None else state
    sig = [int(v) for v in x]
    for k in range(n_stages):
        b0, _, b1, b2, a1, a2 = (int(v) for v in c[6 * k : 6 * k + 6])
        x1, x2, y1, y2 = state[4 * k : 4 * k + 4]
        out = []
        for x0 in sig:
            acc = ops.mult_q15x15_q30(b0, x0)
            acc = ops.mac_wrap32(acc, b1, x1)
            acc = ops.mac_wrap32(acc, b2, x2)
            acc = ops.mac_wrap32(acc, a1, y1)
            acc = ops.mac_wrap32(acc, a2, y2)
            y0 = ops.sat16(ops.shr_floor(acc, 15 - post_shift))
            x2, x1, y2, y1 = x1, x0, y1, y0
            out.append(y0)
        state[4 * k : 4 * k + 4] = [x1, x2, y1, y2]
        sig = out
    return sig


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n_stages=st.integers(1, 4),
    post_shift=post_shifts_q15,
    coef_kind=st.sampled_from(["stable", "arbitrary"]),
    sig=kinds,
    sizes=block_sizes,
)
def test_biquad_df1_fast_q15_vs_cmsis(seed, n_stages, post_shift, coef_kind, sig, sizes):
    c, x, ref, ours = _biquad_q15_case(cm.arm_biquad_cascade_df1_fast_q15,
                                       F.biquad_df1_fast_q15, seed, n_stages, post_shift,
                                       coef_kind, sig, sizes)
    assert np.array_equal(ours, ref)
    whole = np.zeros_like(x)
    F.biquad_df1_fast_q15(F.biquad_df1_fast_q15_init(c, post_shift), x, whole, len(x))
    assert np.array_equal(whole, ref)
    assert whole.tolist() == _biquad_fast_q15_spec(c, post_shift, x)


def test_biquad_fast_q15_accumulator_wraps_like_cmsis():
    """Every coefficient and sample -1.0: b0 x0 + b1 x1 = 2 * 2^30 = 2^31
    already leaves int32. The fast kernel wraps it (and so does CMSIS's fast
    q15 biquad); the precise (64-bit) one saturates the true sum."""
    c = np.array([I16_MIN, 0, I16_MIN, I16_MIN, I16_MIN, I16_MIN], np.int16)
    x = np.full(16, I16_MIN, np.int16)
    for post_shift in range(16):
        ref_inst = cm.arm_biquad_casd_df1_inst_q15()
        cm.arm_biquad_cascade_df1_init_q15(ref_inst, 1, c, np.zeros(4, np.int16), post_shift)
        ref = cm.arm_biquad_cascade_df1_fast_q15(ref_inst, x)
        y = np.zeros_like(x)
        F.biquad_df1_fast_q15(F.biquad_df1_fast_q15_init(c, post_shift), x, y, len(x))
        assert np.array_equal(y, ref), post_shift
        assert y.tolist() == _biquad_fast_q15_spec(c, post_shift, x)
    # Feed-forward only, b = -1.0 each, x = -1.0, post_shift 0: output 0 sums
    # one product, 2^30 -> 32767; output 1 sums two, 2^31: wraps to -2^31 ->
    # -32768, where the 64-bit sum saturates to 32767; from output 2 on the
    # sum is 3 * 2^30, which wraps to -2^30 -> -32768.
    ff = np.array([I16_MIN, 0, I16_MIN, I16_MIN, 0, 0], np.int16)
    y = np.zeros_like(x)
    F.biquad_df1_fast_q15(F.biquad_df1_fast_q15_init(ff, 0), x, y, len(x))
    y_precise = np.zeros_like(x)
    F.biquad_df1_q15(F.biquad_df1_q15_init(ff, 0), x, y_precise, len(x))
    assert y.tolist() == [I16_MAX] + [I16_MIN] * (len(x) - 1)
    assert (y_precise == I16_MAX).all()
    ref_inst = cm.arm_biquad_casd_df1_inst_q15()
    cm.arm_biquad_cascade_df1_init_q15(ref_inst, 1, ff, np.zeros(4, np.int16), 0)
    assert np.array_equal(cm.arm_biquad_cascade_df1_fast_q15(ref_inst, x), y)


# ---------------------------------------------------------------------- FIR
@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    num_taps=st.integers(1, 80),
    max_block=st.integers(1, 64),
    sig=kinds,
    sizes=block_sizes,
    scale=st.integers(0, 8),
)
def test_fir_q31_vs_cmsis(seed, num_taps, max_block, sig, sizes, scale):
    rng = np.random.default_rng(seed)
    h = (rng.integers(I32_MIN, I32_MAX, num_taps, endpoint=True, dtype=np.int64) >> scale).astype(
        np.int32
    )
    x = _signal(rng, 257, sig)
    chunks = _chunks(len(x), [min(s, max_block) for s in sizes])
    ref_inst = cm.arm_fir_instance_q31()
    cm.arm_fir_init_q31(ref_inst, num_taps, h, np.zeros(num_taps + max_block - 1, np.int32))
    ref = _stream_cmsis(cm.arm_fir_q31, ref_inst, x, chunks)
    ours = _stream_ours(F.fir_q31, F.fir_q31_init(h, max_block), x, chunks)
    assert np.array_equal(ours, ref)
    # ours also accepts blocks longer than max_block (processed in chunks)
    whole = np.zeros_like(x)
    F.fir_q31(F.fir_q31_init(h, max_block), x, whole, len(x))
    assert np.array_equal(whole, ref)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    num_taps=st.integers(1, 40).map(lambda k: 2 * k),  # CMSIS q15 FIR: even counts only
    max_block=st.integers(1, 64),
    sig=kinds,
    sizes=block_sizes,
)
def test_fir_q15_vs_cmsis(seed, num_taps, max_block, sig, sizes):
    rng = np.random.default_rng(seed)
    h = rng.integers(-(1 << 15), (1 << 15) - 1, num_taps, endpoint=True).astype(np.int16)
    x = _signal(rng, 257, sig, bits=16)
    chunks = _chunks(len(x), [min(s, max_block) for s in sizes])
    ref_inst = cm.arm_fir_instance_q15()
    cm.arm_fir_init_q15(ref_inst, num_taps, h, np.zeros(num_taps + max_block - 1, np.int16))
    ref = _stream_cmsis(cm.arm_fir_q15, ref_inst, x, chunks)
    ours = _stream_ours(F.fir_q15, F.fir_q15_init(h, max_block), x, chunks)
    assert np.array_equal(ours, ref)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    num_taps=st.integers(1, 40).map(lambda k: 2 * k),  # CMSIS q15 FIR: even counts only
    max_block=st.integers(1, 64),
    sig=kinds,
    sizes=block_sizes,
    scale=st.integers(0, 8),
)
def test_fir_fast_q15_vs_cmsis(seed, num_taps, max_block, sig, sizes, scale):
    """32-bit accumulator: full-scale taps on full-scale input wrap it often
    (sum |h| >= 2 suffices); scaled-down taps cover the non-wrapping range."""
    rng = np.random.default_rng(seed)
    h = (rng.integers(I16_MIN, I16_MAX, num_taps, endpoint=True) >> scale).astype(np.int16)
    x = _signal(rng, 257, sig, bits=16)
    chunks = _chunks(len(x), [min(s, max_block) for s in sizes])
    ref_inst = cm.arm_fir_instance_q15()
    # state sized for the largest block (cmsisdsp overruns its buffer otherwise)
    cm.arm_fir_init_q15(ref_inst, num_taps, h, np.zeros(num_taps + max_block - 1, np.int16))
    ref = _stream_cmsis(cm.arm_fir_fast_q15, ref_inst, x, chunks)
    ours = _stream_ours(F.fir_fast_q15, F.fir_fast_q15_init(h, max_block), x, chunks)
    assert np.array_equal(ours, ref)
    whole = np.zeros_like(x)
    F.fir_fast_q15(F.fir_fast_q15_init(h, max_block), x, whole, len(x))
    assert np.array_equal(whole, ref)
    # op-by-op transcription of the kernel comment (plain ops, Python ints)
    s = [0] * (num_taps - 1) + [int(v) for v in x]
    spec = []
    for i in range(len(x)):
        acc = 0
        for k in range(num_taps):
            acc = ops.mac_wrap32(acc, int(h[k]), s[i + k])
        spec.append(ops.sat16(ops.shr_floor(acc, 15)))
    assert whole.tolist() == spec


def test_fir_fast_q15_wraps_like_cmsis():
    """Taps and input all -1.0: two products make 2^31, which wraps to -2^31
    in the 32-bit accumulator -> -32768, where the precise FIR saturates the
    true +2.0 to 32767."""
    for num_taps in (2, 4, 6, 64):
        h = np.full(num_taps, I16_MIN, np.int16)
        x = np.full(80, I16_MIN, np.int16)
        ref_inst = cm.arm_fir_instance_q15()
        cm.arm_fir_init_q15(ref_inst, num_taps, h, np.zeros(num_taps + 80 - 1, np.int16))
        ref = cm.arm_fir_fast_q15(ref_inst, x)
        y = np.zeros_like(x)
        F.fir_fast_q15(F.fir_fast_q15_init(h, 80), x, y, len(x))
        assert np.array_equal(y, ref)
        y_precise = np.zeros_like(x)
        F.fir_q15(F.fir_q15_init(h, 80), x, y_precise, len(x))
        k = np.arange(1, len(x) + 1).clip(max=num_taps)  # products in output n
        expect = [ops.sat16(ops.wrap32(int(m) << 30) >> 15) for m in k]
        assert y.tolist() == expect
        assert y[1] == I16_MIN and y_precise[1] == I16_MAX


def test_fir_q31_wraps_like_cmsis():
    """128 taps of -1.0 on -1.0 input: acc = 128 * 2^62 wraps the 64 bits."""
    h = np.full(128, I32_MIN, np.int32)
    x = np.full(200, I32_MIN, np.int32)
    ref_inst = cm.arm_fir_instance_q31()
    cm.arm_fir_init_q31(ref_inst, 128, h, np.zeros(128 + 200 - 1, np.int32))
    ref = cm.arm_fir_q31(ref_inst, x)
    y = np.zeros_like(x)
    F.fir_q31(F.fir_q31_init(h, 200), x, y, len(x))
    assert np.array_equal(y, ref)
    assert y[1] == ops.wrap32(ops.wrap64(2 * (1 << 62)) >> 31)  # 2.0 wrapped


# ----------------------------------------------------------- gain and mix
@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    g=st.integers(I32_MIN, I32_MAX),
    shift=st.integers(-31, 30),  # CMSIS shifts by shift + 1 <= 31
    sig=kinds,
)
def test_gain_q31_vs_arm_scale_q31(seed, g, shift, sig):
    x = _signal(np.random.default_rng(seed), 200, sig)
    y = np.zeros_like(x)
    F.gain_q31(F.gain_q31_init(g, shift), x, y, len(x))
    assert np.array_equal(y, cm.arm_scale_q31(x, g, shift))


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    g=st.integers(-(1 << 15), (1 << 15) - 1),
    shift=st.integers(0, 15),
    sig=kinds,
)
def test_gain_q15_vs_arm_scale_q15(seed, g, shift, sig):
    x = _signal(np.random.default_rng(seed), 200, sig, bits=16)
    y = np.zeros_like(x)
    F.gain_q15(F.gain_q15_init(g, shift), x, y, len(x))
    assert np.array_equal(y, cm.arm_scale_q15(x, g, shift))


def test_add_and_mix_vs_cmsis_and_numpy():
    rng = np.random.default_rng(7)
    for bits, add, mix, ref_add in (
        (32, F.add_q31, F.mix_sat_q31, cm.arm_add_q31),
        (16, F.add_q15, F.mix_sat_q15, cm.arm_add_q15),
    ):
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        srcs = np.stack([_signal(rng, 500, k, bits) for k in ("full", "extremes", "square")])
        y = np.zeros_like(srcs[0])
        add(srcs[0], srcs[1], y, len(y))
        assert np.array_equal(y, ref_add(srcs[0], srcs[1]))
        mix(srcs, y, len(y))
        assert np.array_equal(y, np.clip(srcs.astype(np.int64).sum(0), lo, hi))


# ---------------------------------------------- delay line and DAC output
def test_delay_vs_numpy_and_splits():
    rng = np.random.default_rng(3)
    for dt, init, kern in (
        (np.int32, F.delay_q31_init, F.delay_q31),
        (np.int16, F.delay_q15_init, F.delay_q15),
    ):
        x = _signal(rng, 333, "full", 32 if dt == np.int32 else 16)
        for d in (0, 1, 2, 7, 64, 400):
            expect = np.concatenate([np.zeros(d, dt), x])[: len(x)]
            for sizes in ([len(x)], [1], [5, 1, 64], [17]):
                y = _stream_ours(kern, init(d), x, _chunks(len(x), sizes))
                assert np.array_equal(y, expect), (d, sizes)


@pytest.mark.parametrize("word", [16, 20, 24, 31, 32])
def test_dac_quant_without_dither_vs_numpy(word):
    x = _signal(np.random.default_rng(word), 1000, "full")
    x[:4] = [I32_MIN, I32_MAX, -1, 1]
    y = np.zeros_like(x)
    F.dac_quant_q31(F.dac_quant_q31_init(word, False), x, y, len(x))
    q = 32 - word
    xi = x.astype(np.int64)
    expect = xi if q == 0 else np.floor_divide(xi + (1 << (q - 1)), 1 << q)  # half up
    expect = np.clip(expect, -(1 << (word - 1)), (1 << (word - 1)) - 1)
    assert np.array_equal(y, expect)


def test_dac_quant_dither_is_tpdf_and_streams():
    """Dithered requantization error (in output LSBs) has mean 0 and variance
    1/12 (rounding) + 2/12 (two uniform +-1/2 LSB) = 1/4; and cutting the
    stream anywhere gives the same words (the LFSR state carries)."""
    word = 16
    rng = np.random.default_rng(11)
    x = _signal(rng, 200_000, "quiet")
    y = np.zeros_like(x)
    F.dac_quant_q31(F.dac_quant_q31_init(word, True, seed=12345), x, y, len(x))
    err = y.astype(np.float64) - x.astype(np.float64) / 2.0 ** (32 - word)
    assert abs(err.mean()) < 0.01
    assert abs(err.var() - 0.25) < 0.01
    assert np.max(np.abs(err)) <= 1.5
    for sizes in ([1], [3, 64, 1000], [4097]):
        inst = F.dac_quant_q31_init(word, True, seed=12345)
        y2 = _stream_ours(F.dac_quant_q31, inst, x[:5000], _chunks(5000, sizes))
        assert np.array_equal(y2, y[:5000])


def test_dac_quant_dither_matches_spec_transcription():
    """The kernel against the op-by-op transcription of its docstring."""
    word, seed = 24, 99
    x = _signal(np.random.default_rng(5), 300, "extremes")
    y = np.zeros_like(x)
    F.dac_quant_q31(F.dac_quant_q31_init(word, True, seed=seed), x, y, len(x))
    s, expect = seed, []
    for v in x.tolist():
        s = ops.xorshift32(s)
        d1 = ops.shr_floor(ops.as_int32(s), word)
        s = ops.xorshift32(s)
        d2 = ops.shr_floor(ops.as_int32(s), word)
        expect.append(ops.sat_bits(ops.shr_round(v + d1 + d2, 32 - word), word))
    assert y.tolist() == expect


# ------------------------------------------------- quantizers and layouts
def _esr_db(y, ref):
    return 10 * np.log10(np.sum((y - ref) ** 2) / np.sum(ref**2))


@pytest.mark.parametrize(
    "sos",
    [
        signal.butter(4, 1000, "lowpass", fs=48000, output="sos"),
        signal.butter(2, [300, 3000], "bandpass", fs=48000, output="sos"),
        signal.cheby1(4, 1, 5000, "highpass", fs=48000, output="sos"),
    ],
)
def test_sos_quantizers_give_cmsis_the_designed_filter(sos):
    """Our tables, run by CMSIS itself, reproduce scipy's float filter: checks
    the a-sign flip, the q15 padding and the post-shift meaning."""
    sos = sos.copy()
    peak = np.max(np.abs(sos[:, :3]), axis=1)
    sos[:, :3] *= (np.prod(peak) ** (1 / len(sos)) / peak)[:, None]  # spread the gain
    rng = np.random.default_rng(1)
    xf = rng.uniform(-0.02, 0.02, 4000)  # headroom for section gains > 1
    ref = signal.sosfilt(sos, xf)
    c31, ps = F.quantize_sos_q31(sos)
    assert c31.dtype == np.int32 and c31.shape == (len(sos), 5)
    inst = cm.arm_biquad_casd_df1_inst_q31()
    st31 = np.zeros(4 * len(sos), np.int32)
    cm.arm_biquad_cascade_df1_init_q31(inst, len(sos), c31.reshape(-1), st31, ps)
    y = cm.arm_biquad_cascade_df1_q31(inst, np.round(xf * 2**31).astype(np.int32)) / 2**31
    assert _esr_db(y, ref) < -70
    c15, ps15 = F.quantize_sos_q15(sos)
    assert c15.dtype == np.int16 and c15.shape == (len(sos), 6) and not c15[:, 1].any()
    # exact layout: the Q15 table is the (CMSIS-verified) Q31 table re-rounded
    c31_same, _ = F.quantize_sos_q31(sos, post_shift=ps15)
    q15_of_q31 = np.round(c31_same.astype(np.float64) / 2**16)
    assert np.max(np.abs(c15[:, [0, 2, 3, 4, 5]] - q15_of_q31)) <= 1


def test_cmsis_q15_biquad_layout_by_impulse():
    """What CMSIS itself makes of {b0, 0, b1, b2, a1, a2}: impulse 0.5 through
    one section, post_shift 0, y = sum b x + a1 y1 + a2 y2 (a with CMSIS sign)."""
    half = 1 << 14
    x = np.zeros(6, np.int16)
    x[0] = half
    cases = {
        (half, 0, half // 2, half // 4, 0, 0): [1 << 13, 1 << 12, 1 << 11, 0, 0, 0],
        (half, 0, 0, 0, half, 0): [1 << 13, 1 << 12, 1 << 11, 1 << 10, 1 << 9, 1 << 8],
        (half, 0, 0, 0, 0, -half): [1 << 13, 0, -(1 << 12), 0, 1 << 11, 0],
    }
    for table, expect in cases.items():
        c = np.array(table, np.int16)
        inst = cm.arm_biquad_casd_df1_inst_q15()
        cm.arm_biquad_cascade_df1_init_q15(inst, 1, c, np.zeros(4, np.int16), 0)
        assert cm.arm_biquad_cascade_df1_q15(inst, x).tolist() == expect
        y = np.zeros_like(x)
        F.biquad_df1_q15(F.biquad_df1_q15_init(c, 0), x, y, len(x))
        assert y.tolist() == expect


def test_sos_quantizer_picks_smallest_post_shift_and_rounds():
    sos = np.array([[1.5, -0.8, 1.2, 1.0, -1.6, 0.9]])
    c, ps = F.quantize_sos_q31(sos)
    assert ps == 1
    expect = np.round(np.array([1.5, -0.8, 1.2, 1.6, -0.9]) * 2**30)
    assert np.array_equal(c[0], expect.astype(np.int32))
    assert F.quantize_sos_q31(sos, post_shift=3)[1] == 3
    with pytest.raises(ValueError, match="post_shift"):
        F.quantize_sos_q31(sos, post_shift=0)
    # 1 - 2^-40 rounds onto 2^31: needs post_shift 1, not a silent clip
    assert F.quantize_sos_q31([[1 - 2**-40, 0, 0, 1, 0, 0]])[1] == 1


def test_fir_quantizer_order_vs_numpy_convolution():
    h = signal.firwin(31, 0.2) * 0.9
    c = F.quantize_fir_q31(h)
    assert c[0] == round(h[-1] * 2**31) and c[-1] == round(h[0] * 2**31)
    rng = np.random.default_rng(2)
    xf = rng.uniform(-0.5, 0.5, 500)
    inst = cm.arm_fir_instance_q31()
    cm.arm_fir_init_q31(inst, len(c), c, np.zeros(len(c) + 500 - 1, np.int32))
    y = cm.arm_fir_q31(inst, np.round(xf * 2**31).astype(np.int32)) / 2**31
    assert _esr_db(y, np.convolve(xf, h)[:500]) < -150
    with pytest.raises(ValueError, match="tap"):
        F.quantize_fir_q31([0.5, 1.0])
    c15 = F.quantize_fir_q15(h)  # 31 taps: padded to 32 for arm_fir_q15
    assert c15.dtype == np.int16 and len(c15) == 32 and c15[0] == 0
    x15 = np.round(xf * 2**15).astype(np.int16)
    inst = cm.arm_fir_instance_q15()
    cm.arm_fir_init_q15(inst, 32, c15, np.zeros(32 + 500 - 1, np.int16))
    y = np.zeros_like(x15)
    F.fir_q15(F.fir_q15_init(c15, 500), x15, y, 500)
    assert np.array_equal(y, cm.arm_fir_q15(inst, x15))
    assert _esr_db(y / 2**15, np.convolve(xf, h)[:500]) < -70


def test_gain_quantizer():
    for gain in (0.5, 0.999, 1.0, 3.7, 0.001):
        g, shift = F.quantize_gain_q31(gain)
        assert abs(g * 2.0**shift / 2**31 - gain) <= 2.0**shift / 2**31
        assert F.gain_q31_init(g, shift).shift == shift


def test_arith_profiles():
    p = F.arith_profile("cmsis-q31")
    assert p.sample_dtype == np.int32 and p.biquad_store == "wrap" and p.full_scale == 2**31
    q = F.arith_profile("generic-q15")
    assert q.sample_dtype == np.int16 and q.fir_store == "saturate"
    # issue #5: 16-bit data, 32-bit accumulator = CMSIS's fast q15 kernels
    assert q.acc_bits == 32 and q.acc_overflow == "wrap"
    assert (q.biquad_kernel, q.fir_kernel) == ("biquad_df1_fast_q15", "fir_fast_q15")
    precise = F.arith_profile("cmsis-q15")  # the 64-bit CMSIS q15 variant
    assert precise.acc_bits == 64
    assert (precise.biquad_kernel, precise.fir_kernel) == ("biquad_df1_q15", "fir_q15")
    for target in F.ARITH_TARGETS:  # every named kernel exists, with its _init
        prof = F.arith_profile(target)
        for name in (prof.biquad_kernel, prof.biquad_hp_kernel, prof.fir_kernel,
                     prof.gain_kernel, prof.delay_kernel):
            assert callable(getattr(F, name)) and callable(getattr(F, name + "_init"))
    from device_profiles._schema import TARGETS

    assert set(TARGETS) <= set(F.ARITH_TARGETS)
    with pytest.raises(ValueError, match="cmsis-q31"):
        F.arith_profile("dsp56k")


def test_kernels_refuse_float_tables_and_bad_blocks():
    with pytest.raises(TypeError, match="int32"):
        F.biquad_df1_q31_init(np.zeros(5), 0)
    inst = F.biquad_df1_q31_init(np.zeros(5, np.int32), 0)
    x = np.zeros(8, np.int32)
    with pytest.raises(ValueError, match="block_size"):
        F.biquad_df1_q31(inst, x, np.zeros(4, np.int32), 8)


@pytest.mark.slow
@pytest.mark.parametrize("n_stages", [1, 2, 4, 8])
def test_slow_sweep_biquads_and_fir_vs_cmsis(n_stages):
    """Long streams, every post-shift 0..7, many seeds: DF1 q31, 32x64, FIR."""
    for seed in range(60):
        rng = np.random.default_rng(1000 * n_stages + seed)
        for post_shift in range(8):
            c = _coeffs_q31(rng, n_stages, post_shift, "stable" if seed % 2 else "arbitrary")
            x = _signal(rng, 4096, ["full", "extremes", "square", "quiet"][seed % 4])
            chunks = _chunks(len(x), [int(v) for v in rng.integers(1, 300, 5)])
            for init_ref, fn_ref, inst_ref, kern, init, sdt in (
                (
                    cm.arm_biquad_cascade_df1_init_q31,
                    cm.arm_biquad_cascade_df1_q31,
                    cm.arm_biquad_casd_df1_inst_q31,
                    F.biquad_df1_q31,
                    F.biquad_df1_q31_init,
                    np.int32,
                ),
                (
                    cm.arm_biquad_cas_df1_32x64_init_q31,
                    cm.arm_biquad_cas_df1_32x64_q31,
                    cm.arm_biquad_cas_df1_32x64_ins_q31,
                    F.biquad_df1_32x64_q31,
                    F.biquad_df1_32x64_q31_init,
                    np.int64,
                ),
            ):
                ref_inst = inst_ref()
                init_ref(ref_inst, n_stages, c, np.zeros(4 * n_stages, sdt), post_shift)
                ref = _stream_cmsis(fn_ref, ref_inst, x, chunks)
                ours = _stream_ours(kern, init(c, post_shift), x, chunks)
                assert np.array_equal(ours, ref), (seed, post_shift)
        h = rng.integers(I32_MIN, I32_MAX, 32 * n_stages, endpoint=True).astype(np.int32)
        ref_inst = cm.arm_fir_instance_q31()
        cm.arm_fir_init_q31(ref_inst, len(h), h, np.zeros(len(h) + 300 - 1, np.int32))
        ref = _stream_cmsis(cm.arm_fir_q31, ref_inst, x, chunks)
        assert np.array_equal(_stream_ours(F.fir_q31, F.fir_q31_init(h, 300), x, chunks), ref)


def test_kernels_compose_inside_njit():
    """The chain model calls kernels from its own @njit loops: instances
    (NamedTuples) pass straight through, and the result is the same."""
    import numba as nb

    @nb.njit
    def chain(bq, fir, gain, dly, x, y, tmp, block):
        for a in range(0, x.shape[0], block):
            m = min(block, x.shape[0] - a)
            F.biquad_df1_q31(bq, x[a : a + m], tmp, m)
            F.fir_q31(fir, tmp, tmp, m)
            F.gain_q31(gain, tmp, tmp, m)
            F.delay_q31(dly, tmp, y[a : a + m], m)

    rng = np.random.default_rng(4)
    c = _coeffs_q31(rng, 2, 1, "stable")
    h = (rng.integers(I32_MIN, I32_MAX, 9, endpoint=True) >> 4).astype(np.int32)
    x = _signal(rng, 500, "quiet")
    y = np.zeros_like(x)
    chain(
        F.biquad_df1_q31_init(c, 1),
        F.fir_q31_init(h, 32),
        F.gain_q31_init(*F.quantize_gain_q31(0.7)),
        F.delay_q31_init(3),
        x,
        y,
        np.zeros(32, np.int32),
        32,
    )
    expect = np.zeros_like(x)
    for kern, inst in (
        (F.biquad_df1_q31, F.biquad_df1_q31_init(c, 1)),
        (F.fir_q31, F.fir_q31_init(h, 32)),
        (F.gain_q31, F.gain_q31_init(*F.quantize_gain_q31(0.7))),
        (F.delay_q31, F.delay_q31_init(3)),
    ):
        kern(inst, x if kern is F.biquad_df1_q31 else expect, expect, len(x))
    assert np.array_equal(y, expect)
