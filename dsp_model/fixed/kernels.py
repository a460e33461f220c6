"""Fixed-point kernels, CMSIS-style, written only in the ``ops`` primitives.

Every kernel is ``name(inst, src, dst, block_size)`` (the mixers, which have
no state, take their sources first), numba-compiled, allocation-free, and
callable both from Python and from other numba code (the chain model calls
them inside its own ``@njit`` loops). The caller owns the state: an instance
is a ``NamedTuple`` of numpy arrays and ints made by the kernel's ``_init``;
the arrays are updated in place, so a stream may be cut into blocks anywhere
and gives the same output. ``dst`` may be ``src`` (in-place) for every kernel.

The C twins (``firmware_export/runtime/ss_kernels.[ch]``) have the same
names, argument order and state layout, and are tested bit-exact against
these; the CMSIS-defined ones are tested bit-exact against ``cmsisdsp``.

Arrays must be C-contiguous with the dtype stated (int32 = Q31 samples,
int16 = Q15 samples); ``block_size`` must not exceed ``len(src)`` or
``len(dst)`` (checked: numba does not bounds-check).
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from .ops import XORSHIFT32_DEFAULT_SEED
from .ops_nb import (
    add32_sat,
    add64_wrap,
    as_int32,
    mac_wrap64,
    mult_q15x15_q30,
    mult_q31x31_q62,
    mult_q63x31_q62,
    sat16,
    sat32,
    sat_bits,
    shl32_sat,
    shl64_wrap,
    shr_floor,
    shr_floor_wrap32,
    shr_round,
    wrap32,
    xorshift32,
)

_jit = nb.njit(cache=True)


@_jit
def _check_block(src, dst, block_size):
    if block_size < 0 or block_size > src.shape[0] or block_size > dst.shape[0]:
        raise ValueError("block_size exceeds the src or dst length")


def _as(arr, dtype, name: str, length: int | None = None) -> np.ndarray:
    a = np.asarray(arr)
    if a.dtype != np.dtype(dtype):
        # Never cast silently: a float table would be truncated to garbage.
        raise TypeError(f"{name} must be {np.dtype(dtype)}, got {a.dtype}")
    a = np.ascontiguousarray(a.reshape(-1))
    if length is not None and a.size != length:
        raise ValueError(f"{name} must have {length} elements, got {a.size}")
    return a


# =========================================================== biquad DF1 Q31
class BiquadDf1Q31(NamedTuple):
    """``arm_biquad_casd_df1_inst_q31``.
    coeffs int32 (5 * num_stages,): per stage {b0, b1, b2, a1, a2}, CMSIS
    signs (a negated vs scipy), Q31 scaled by 2^-post_shift.
    state int32 (4 * num_stages,): per stage {x[n-1], x[n-2], y[n-1], y[n-2]}."""

    num_stages: int
    post_shift: int
    coeffs: np.ndarray
    state: np.ndarray


def biquad_df1_q31_init(coeffs, post_shift: int, state=None) -> BiquadDf1Q31:
    """coeffs: int32 (n, 5) or flat (5n,) from ``quantize_sos_q31``. state:
    int32 (4n,) to adopt (zeroed here if None). post_shift in 0..30."""
    c = _as(coeffs, np.int32, "coeffs")
    if c.size == 0 or c.size % 5:
        raise ValueError(f"coeffs must hold 5 values per stage, got {c.size}")
    n = c.size // 5
    if not 0 <= post_shift <= 30:
        raise ValueError(f"post_shift {post_shift} outside 0..30")
    st = np.zeros(4 * n, np.int32) if state is None else _as(state, np.int32, "state", 4 * n)
    return BiquadDf1Q31(n, int(post_shift), c, st)


@_jit
def _biquad_df1_q31_stage(coeffs, state, stage, post_shift, src, dst, block_size):
    b0 = coeffs[5 * stage]
    b1 = coeffs[5 * stage + 1]
    b2 = coeffs[5 * stage + 2]
    a1 = coeffs[5 * stage + 3]
    a2 = coeffs[5 * stage + 4]
    x1 = np.int64(state[4 * stage])
    x2 = np.int64(state[4 * stage + 1])
    y1 = np.int64(state[4 * stage + 2])
    y2 = np.int64(state[4 * stage + 3])
    lshift = 31 - post_shift
    for n in range(block_size):
        x0 = np.int64(src[n])
        # acc = b0 x[n] + b1 x[n-1] + b2 x[n-2] + a1 y[n-1] + a2 y[n-2]  (Q62, wraps)
        acc = mult_q31x31_q62(b0, x0)
        acc = mac_wrap64(acc, b1, x1)
        acc = mac_wrap64(acc, b2, x2)
        acc = mac_wrap64(acc, a1, y1)
        acc = mac_wrap64(acc, a2, y2)
        y0 = shr_floor_wrap32(acc, lshift)  # Q62 -> Q31 (x 2^post_shift): floor, wrap
        x2 = x1
        x1 = x0
        y2 = y1
        y1 = y0
        dst[n] = y0
    state[4 * stage] = x1
    state[4 * stage + 1] = x2
    state[4 * stage + 2] = y1
    state[4 * stage + 3] = y2


@_jit
def biquad_df1_q31(inst, src, dst, block_size):
    """Cascade of DF1 biquads, Q31 -- bit-exact ``arm_biquad_cascade_df1_q31``.

    Scaling and overflow: each stage sums five Q31 x Q31 = Q62 products in a
    64-bit accumulator (1 guard bit: |sum| <= 5 * 2^62 can exceed 2^63, and
    then wraps, as SMLAL does). The output is acc >> (31 - post_shift)
    (floor; this multiplies by 2^post_shift, undoing the coefficient scaling)
    then the low 32 bits are kept: an output beyond Q31 *wraps*, it does not
    saturate (CMSIS' docs say otherwise; its code, and this, wrap). The
    wrapped output is also the y[n-1] state. Keep the cascade's peak gain
    at every stage output below 1 (headroom plan) and nothing wraps.
    Stage k > 0 reads stage k-1's output from dst."""
    _check_block(src, dst, block_size)
    if inst.num_stages < 1:
        return
    _biquad_df1_q31_stage(inst.coeffs, inst.state, 0, inst.post_shift, src, dst, block_size)
    for stage in range(1, inst.num_stages):
        _biquad_df1_q31_stage(inst.coeffs, inst.state, stage, inst.post_shift, dst, dst, block_size)


# ===================================================== biquad DF1 32x64 Q31
class Biquad32x64Q31(NamedTuple):
    """``arm_biquad_cas_df1_32x64_ins_q31``. coeffs as ``BiquadDf1Q31``.
    state int64 (4 * num_stages,): per stage {x[n-1], x[n-2], y[n-1], y[n-2]},
    the x in Q31 (sign-extended), the y in Q63."""

    num_stages: int
    post_shift: int
    coeffs: np.ndarray
    state: np.ndarray


def biquad_df1_32x64_q31_init(coeffs, post_shift: int, state=None) -> Biquad32x64Q31:
    """coeffs: int32 (n, 5) or (5n,). state: int64 (4n,) (zeroed if None).
    post_shift in 0..30."""
    c = _as(coeffs, np.int32, "coeffs")
    if c.size == 0 or c.size % 5:
        raise ValueError(f"coeffs must hold 5 values per stage, got {c.size}")
    n = c.size // 5
    if not 0 <= post_shift <= 30:
        raise ValueError(f"post_shift {post_shift} outside 0..30")
    st = np.zeros(4 * n, np.int64) if state is None else _as(state, np.int64, "state", 4 * n)
    return Biquad32x64Q31(n, int(post_shift), c, st)


@_jit
def _biquad_32x64_stage(coeffs, state, stage, post_shift, src, dst, block_size):
    b0 = coeffs[5 * stage]
    b1 = coeffs[5 * stage + 1]
    b2 = coeffs[5 * stage + 2]
    a1 = coeffs[5 * stage + 3]
    a2 = coeffs[5 * stage + 4]
    x1 = wrap32(state[4 * stage])
    x2 = wrap32(state[4 * stage + 1])
    y1 = np.int64(state[4 * stage + 2])
    y2 = np.int64(state[4 * stage + 3])
    lshift = 31 - post_shift
    yshift = post_shift + 1
    for n in range(block_size):
        x0 = np.int64(src[n])
        # acc = b0 x[n] + b1 x[n-1] + b2 x[n-2] + a1 y[n-1] + a2 y[n-2]  (Q62, wraps)
        acc = mult_q31x31_q62(b0, x0)
        acc = mac_wrap64(acc, b1, x1)
        acc = mac_wrap64(acc, b2, x2)
        acc = add64_wrap(acc, mult_q63x31_q62(y1, a1))
        acc = add64_wrap(acc, mult_q63x31_q62(y2, a2))
        x2 = x1
        x1 = x0
        y2 = y1
        y1 = shl64_wrap(acc, yshift)  # Q62 -> Q63 (x 2^post_shift), wraps
        dst[n] = shr_floor_wrap32(acc, lshift)  # Q62 -> Q31: floor, wrap
    state[4 * stage] = x1
    state[4 * stage + 1] = x2
    state[4 * stage + 2] = y1
    state[4 * stage + 3] = y2


@_jit
def biquad_df1_32x64_q31(inst, src, dst, block_size):
    """Cascade of DF1 biquads, Q31 data, Q63 feedback state -- bit-exact
    ``arm_biquad_cas_df1_32x64_q31``. For sections with poles near z = 1.

    Scaling and overflow: acc (64-bit, Q62) = three Q31 x Q31 products plus
    two Q63 x Q31 products taken as floor(y * a / 2^32) (Q62, the top 64 of
    96 bits); wraps on overflow (one guard bit: keep inputs below 0.25 full
    scale for a guarantee, or plan the headroom). The new y[n-1] state is
    acc << (post_shift + 1) keeping 64 bits (Q63; wraps); the output is
    acc >> (31 - post_shift), floor, low 32 bits kept (wraps). The state
    keeps the 32 bits the output drops, which is what removes the
    truncation noise that poles near z = 1 amplify."""
    _check_block(src, dst, block_size)
    if inst.num_stages < 1:
        return
    _biquad_32x64_stage(inst.coeffs, inst.state, 0, inst.post_shift, src, dst, block_size)
    for stage in range(1, inst.num_stages):
        _biquad_32x64_stage(inst.coeffs, inst.state, stage, inst.post_shift, dst, dst, block_size)


# =========================================================== biquad DF1 Q15
class BiquadDf1Q15(NamedTuple):
    """``arm_biquad_casd_df1_inst_q15``. coeffs int16 (6 * num_stages,): per
    stage {b0, 0, b1, b2, a1, a2} (CMSIS signs), Q15 scaled by 2^-post_shift.
    state int16 (4 * num_stages,): per stage {x[n-1], x[n-2], y[n-1], y[n-2]}."""

    num_stages: int
    post_shift: int
    coeffs: np.ndarray
    state: np.ndarray


def biquad_df1_q15_init(coeffs, post_shift: int, state=None) -> BiquadDf1Q15:
    """coeffs: int16 (n, 6) or (6n,) from ``quantize_sos_q15``. state: int16
    (4n,) (zeroed if None). post_shift in 0..15."""
    c = _as(coeffs, np.int16, "coeffs")
    if c.size == 0 or c.size % 6:
        raise ValueError(f"coeffs must hold 6 values per stage, got {c.size}")
    n = c.size // 6
    if not 0 <= post_shift <= 15:
        raise ValueError(f"post_shift {post_shift} outside 0..15")
    st = np.zeros(4 * n, np.int16) if state is None else _as(state, np.int16, "state", 4 * n)
    return BiquadDf1Q15(n, int(post_shift), c, st)


@_jit
def _biquad_df1_q15_stage(coeffs, state, stage, post_shift, src, dst, block_size):
    b0 = coeffs[6 * stage]
    b1 = coeffs[6 * stage + 2]
    b2 = coeffs[6 * stage + 3]
    a1 = coeffs[6 * stage + 4]
    a2 = coeffs[6 * stage + 5]
    x1 = np.int64(state[4 * stage])
    x2 = np.int64(state[4 * stage + 1])
    y1 = np.int64(state[4 * stage + 2])
    y2 = np.int64(state[4 * stage + 3])
    lshift = 15 - post_shift
    for n in range(block_size):
        x0 = np.int64(src[n])
        # acc = b0 x[n] + b1 x[n-1] + b2 x[n-2] + a1 y[n-1] + a2 y[n-2]  (Q30 in 64 bits)
        acc = mult_q15x15_q30(b0, x0)
        acc = mac_wrap64(acc, b1, x1)
        acc = mac_wrap64(acc, b2, x2)
        acc = mac_wrap64(acc, a1, y1)
        acc = mac_wrap64(acc, a2, y2)
        y0 = sat16(shr_floor(acc, lshift))  # Q30 -> Q15 (x 2^post_shift): floor, saturate
        x2 = x1
        x1 = x0
        y2 = y1
        y1 = y0
        dst[n] = y0
    state[4 * stage] = x1
    state[4 * stage + 1] = x2
    state[4 * stage + 2] = y1
    state[4 * stage + 3] = y2


@_jit
def biquad_df1_q15(inst, src, dst, block_size):
    """Cascade of DF1 biquads, Q15 -- bit-exact ``arm_biquad_cascade_df1_q15``.

    Scaling and overflow: five Q15 x Q15 = Q30 products summed in a 64-bit
    accumulator (|sum| <= 5 * 2^30: 31 guard bits, never overflows). Output
    acc >> (15 - post_shift) (floor) saturated to int16; the saturated value
    is also the y[n-1] state."""
    _check_block(src, dst, block_size)
    if inst.num_stages < 1:
        return
    _biquad_df1_q15_stage(inst.coeffs, inst.state, 0, inst.post_shift, src, dst, block_size)
    for stage in range(1, inst.num_stages):
        _biquad_df1_q15_stage(inst.coeffs, inst.state, stage, inst.post_shift, dst, dst, block_size)


# ====================================================================== FIR
class FirQ31(NamedTuple):
    """``arm_fir_instance_q31``. coeffs int32 (num_taps,) time-reversed
    {h[N-1], ..., h[0]} Q31. state int32 (num_taps + max_block - 1,): the
    last num_taps - 1 inputs (oldest first) then room for one block. A call
    with block_size > max_block is processed in chunks of max_block."""

    num_taps: int
    max_block: int
    coeffs: np.ndarray
    state: np.ndarray


class FirQ15(NamedTuple):
    """``arm_fir_instance_q15``: as ``FirQ31`` with int16 coeffs and state."""

    num_taps: int
    max_block: int
    coeffs: np.ndarray
    state: np.ndarray


def _fir_init(cls, dtype, coeffs, max_block, state):
    c = _as(coeffs, dtype, "coeffs")
    if c.size < 1:
        raise ValueError("FIR needs at least one tap")
    if max_block < 1:
        raise ValueError(f"max_block must be >= 1, got {max_block}")
    n_state = c.size + max_block - 1
    st = np.zeros(n_state, dtype) if state is None else _as(state, dtype, "state", n_state)
    return cls(c.size, int(max_block), c, st)


def fir_q31_init(coeffs, max_block: int, state=None) -> FirQ31:
    """coeffs: int32 time-reversed taps (``quantize_fir_q31``). state: int32
    (num_taps + max_block - 1,) (zeroed if None)."""
    return _fir_init(FirQ31, np.int32, coeffs, max_block, state)


def fir_q15_init(coeffs, max_block: int, state=None) -> FirQ15:
    """coeffs: int16 time-reversed taps (``quantize_fir_q15``)."""
    return _fir_init(FirQ15, np.int16, coeffs, max_block, state)


@_jit
def fir_q31(inst, src, dst, block_size):
    """Direct-form FIR, Q31 -- bit-exact ``arm_fir_q31``.

    Scaling and overflow: acc (64-bit, Q62) = sum over k of
    coeffs[k] * state[i + k]; it wraps on overflow (possible only when
    sum |h| >= 2 with full-scale input: 1 guard bit). Output acc >> 31
    (floor), low 32 bits kept -- an output beyond Q31 *wraps* (CMSIS' docs
    say "saturated"; its code wraps, and so does this). Keep sum |h| < 1 and
    nothing wraps."""
    _check_block(src, dst, block_size)
    coeffs = inst.coeffs
    state = inst.state
    ntaps = inst.num_taps
    done = 0
    while done < block_size:
        m = min(inst.max_block, block_size - done)
        for i in range(m):
            state[ntaps - 1 + i] = src[done + i]
        for i in range(m):
            acc = np.int64(0)
            for k in range(ntaps):
                acc = mac_wrap64(acc, coeffs[k], state[i + k])  # acc += h[N-1-k] x[n-N+1+k]
            dst[done + i] = shr_floor_wrap32(acc, 31)  # Q62 -> Q31: floor, wrap
        for k in range(ntaps - 1):
            state[k] = state[m + k]
        done += m


@_jit
def fir_q15(inst, src, dst, block_size):
    """Direct-form FIR, Q15 -- bit-exact ``arm_fir_q15``.

    Scaling and overflow: acc (64-bit, Q30) = sum of Q15 x Q15 products
    (33 guard bits: cannot overflow below 2^33 taps). Output acc >> 15
    (floor) saturated to int16. (CMSIS narrows acc >> 15 to 32 bits before
    saturating; that differs only for |acc| >= 2^46, i.e. > 65536 taps.)
    CMSIS needs an even num_taps (it reads a tap past the end otherwise);
    this kernel is defined for any count, ``quantize_fir_q15`` pads to even."""
    _check_block(src, dst, block_size)
    coeffs = inst.coeffs
    state = inst.state
    ntaps = inst.num_taps
    done = 0
    while done < block_size:
        m = min(inst.max_block, block_size - done)
        for i in range(m):
            state[ntaps - 1 + i] = src[done + i]
        for i in range(m):
            acc = np.int64(0)
            for k in range(ntaps):
                acc = mac_wrap64(acc, coeffs[k], state[i + k])  # acc += h[N-1-k] x[n-N+1+k]
            dst[done + i] = sat16(shr_floor(acc, 15))  # Q30 -> Q15: floor, saturate
        for k in range(ntaps - 1):
            state[k] = state[m + k]
        done += m


# ==================================================================== delay
class Delay(NamedTuple):
    """Integer delay line (no CMSIS twin). buf (max(delay, 1),) in the sample
    dtype: circular history; pos int64 (1,): next read/write index.
    ``DelayQ31`` / ``DelayQ15`` are this type with int32 / int16 buffers."""

    delay: int
    buf: np.ndarray
    pos: np.ndarray


DelayQ31 = DelayQ15 = Delay


def delay_q31_init(delay: int, buf=None) -> Delay:
    """y[n] = x[n - delay]; delay >= 0 samples. buf: int32 (max(delay, 1),)."""
    return _delay_init(np.int32, delay, buf)


def delay_q15_init(delay: int, buf=None) -> Delay:
    """As ``delay_q31_init`` with an int16 buffer."""
    return _delay_init(np.int16, delay, buf)


def _delay_init(dtype, delay, buf):
    if delay < 0:
        raise ValueError(f"delay must be >= 0 samples, got {delay}")
    n = max(int(delay), 1)
    b = np.zeros(n, dtype) if buf is None else _as(buf, dtype, "buf", n)
    return Delay(int(delay), b, np.zeros(1, np.int64))


@_jit
def delay_q31(inst, src, dst, block_size):
    """y[n] = x[n - delay], initial history zero. Exact (no arithmetic).
    Works for int32 or int16 data (``delay_q15`` is the same function)."""
    _check_block(src, dst, block_size)
    d = inst.delay
    if d == 0:
        for n in range(block_size):
            dst[n] = src[n]
        return
    buf = inst.buf
    pos = inst.pos[0]
    for n in range(block_size):
        x = src[n]  # read first: dst may be src
        dst[n] = buf[pos]
        buf[pos] = x
        pos += 1
        if pos == d:
            pos = 0
    inst.pos[0] = pos


delay_q15 = delay_q31


# ===================================================================== gain
class GainQ31(NamedTuple):
    """Gain = scale_fract * 2^shift; scale_fract Q31 (int), shift in -31..30.
    Same for ``GainQ15`` with scale_fract Q15, shift in 0..15."""

    scale_fract: int
    shift: int


GainQ15 = GainQ31


def gain_q31_init(scale_fract: int, shift: int) -> GainQ31:
    """From ``quantize_gain_q31``. scale_fract int32, shift -31..30 (CMSIS
    shifts by shift + 1; 32 would be undefined behaviour in its C)."""
    if not -(1 << 31) <= scale_fract < (1 << 31) or not -31 <= shift <= 30:
        raise ValueError(f"gain ({scale_fract}, {shift}) outside int32 x shift -31..30")
    return GainQ31(int(scale_fract), int(shift))


def gain_q15_init(scale_fract: int, shift: int) -> GainQ31:
    """From ``quantize_gain_q15``. scale_fract int16, shift 0..15."""
    if not -(1 << 15) <= scale_fract < (1 << 15) or not 0 <= shift <= 15:
        raise ValueError(f"gain ({scale_fract}, {shift}) outside int16 x shift 0..15")
    return GainQ31(int(scale_fract), int(shift))


@_jit
def gain_q31(inst, src, dst, block_size):
    """y = x * scale_fract * 2^shift -- bit-exact ``arm_scale_q31``.

    Scaling and overflow: p = floor(x * scale_fract / 2^32) (Q62 product,
    top 32 bits: Q30); then with k = shift + 1 (back to Q31 and the shift):
    k >= 0: y = sat32(p * 2^k) (saturates); k < 0: y = floor(p / 2^-k).
    Bit 0 of y is lost for k >= 1 (CMSIS keeps only the high product word)."""
    _check_block(src, dst, block_size)
    g = inst.scale_fract
    k = inst.shift + 1
    for n in range(block_size):
        p = shr_floor(mult_q31x31_q62(src[n], g), 32)
        if k >= 0:
            dst[n] = shl32_sat(p, k)
        else:
            dst[n] = shr_floor(p, -k)


@_jit
def gain_q15(inst, src, dst, block_size):
    """y = x * scale_fract * 2^shift -- bit-exact ``arm_scale_q15``.

    Scaling and overflow: Q15 x Q15 = Q30 product (exact in 32 bits),
    >> (15 - shift) (floor), saturated to int16."""
    _check_block(src, dst, block_size)
    g = inst.scale_fract
    s = 15 - inst.shift
    for n in range(block_size):
        dst[n] = sat16(shr_floor(mult_q15x15_q30(src[n], g), s))


# ==================================================================== mixers
@_jit
def add_q31(src_a, src_b, dst, block_size):
    """y = sat32(a + b) -- bit-exact ``arm_add_q31``."""
    _check_block(src_a, dst, block_size)
    _check_block(src_b, dst, block_size)
    for n in range(block_size):
        dst[n] = add32_sat(src_a[n], src_b[n])


@_jit
def mix_sat_q31(srcs, dst, block_size):
    """y[n] = sat32(sum_i srcs[i, n]): exact sum of all inputs in 64 bits,
    saturated once (not per addition: for 3+ inputs this differs from
    chaining ``add_q31``). srcs int32 (num_inputs, >= block_size)."""
    if block_size > srcs.shape[1] or block_size > dst.shape[0] or block_size < 0:
        raise ValueError("block_size exceeds the src or dst length")
    k = srcs.shape[0]
    for n in range(block_size):
        acc = np.int64(0)  # |sum| <= k * 2^31: exact for k < 2^32
        for i in range(k):
            acc += srcs[i, n]
        dst[n] = sat32(acc)


@_jit
def add_q15(src_a, src_b, dst, block_size):
    """y = sat16(a + b) -- bit-exact ``arm_add_q15``."""
    _check_block(src_a, dst, block_size)
    _check_block(src_b, dst, block_size)
    for n in range(block_size):
        dst[n] = sat16(np.int64(src_a[n]) + np.int64(src_b[n]))


@_jit
def mix_sat_q15(srcs, dst, block_size):
    """y[n] = sat16(sum_i srcs[i, n]), exact sum then one saturation."""
    if block_size > srcs.shape[1] or block_size > dst.shape[0] or block_size < 0:
        raise ValueError("block_size exceeds the src or dst length")
    k = srcs.shape[0]
    for n in range(block_size):
        acc = np.int64(0)
        for i in range(k):
            acc += srcs[i, n]
        dst[n] = sat16(acc)


# ============================================================ DAC output word
class DacQuantQ31(NamedTuple):
    """Output quantizer to an N-bit DAC word. word_length N in 2..32; dither
    0/1; lfsr uint32 (1,): xorshift32 state (nonzero)."""

    word_length: int
    dither: int
    lfsr: np.ndarray


def dac_quant_q31_init(word_length: int, dither: bool, seed: int = XORSHIFT32_DEFAULT_SEED):
    """seed: nonzero uint32 (0 is replaced by the default seed, as in C)."""
    if not 2 <= word_length <= 32:
        raise ValueError(f"word_length {word_length} outside 2..32")
    seed = int(seed) & 0xFFFFFFFF or XORSHIFT32_DEFAULT_SEED
    return DacQuantQ31(int(word_length), int(bool(dither)), np.array([seed], np.uint32))


@_jit
def dac_quant_q31(inst, src, dst, block_size):
    """Q31 sample -> N-bit DAC code, right-justified in int32 (the code is in
    [-2^(N-1), 2^(N-1) - 1]; full scale Q31 maps to full scale code).

    Scaling and overflow: with q = 32 - N dropped bits, v = x (+ dither),
    y = sat_bits(shr_round(v, q), N): round half up, saturate to the word.
    Dither (TPDF, +-1 output LSB peak): two xorshift32 steps per sample,
    each taken as int32 and shr_floor'ed by N to a uniform value in
    [-2^(q-1), 2^(q-1)); their sum is added to x in 64 bits (no overflow).
    N = 32 passes x through (q = 0; dither has nothing to do and the LFSR
    does not step)."""
    _check_block(src, dst, block_size)
    nbits = inst.word_length
    q = 32 - nbits
    if q == 0:
        for n in range(block_size):
            dst[n] = src[n]
        return
    s = np.int64(inst.lfsr[0])
    for n in range(block_size):
        v = np.int64(src[n])
        if inst.dither:
            s = xorshift32(s)
            v += shr_floor(as_int32(s), nbits)
            s = xorshift32(s)
            v += shr_floor(as_int32(s), nbits)
        dst[n] = sat_bits(shr_round(v, q), nbits)
    inst.lfsr[0] = s
