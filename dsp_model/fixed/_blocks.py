"""The non-filter kernels: delay line, gain, mixers, DAC output word.

Same conventions as ``kernels`` (which re-exports everything here; import
from ``dsp_model.fixed`` or ``dsp_model.fixed.kernels``): ``name(inst, src,
dst, block_size)``, numba-compiled, caller-owned state, in place allowed.
C twins in ``firmware_export/runtime/ss_kernels.[ch]``.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from ._common import _as, _check_block, _copy_view
from .ops import XORSHIFT32_DEFAULT_SEED
from .ops_nb import (
    add32_sat,
    as_int32,
    mult_q15x15_q30,
    mult_q31x31_q62,
    sat16,
    sat32,
    sat_bits,
    shl32_sat,
    shr_floor,
    shr_round,
    xorshift32,
)

_jit = nb.njit(cache=True)


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
def _copy(src, a, dst, b, n):
    _copy_view(src[a:a + n], dst[b:b + n])  # 0-based views: the loop vectorizes


@_jit
def _disjoint(src, dst, n):
    """src[:n] and dst[:n] unit-stride and not overlapping in memory."""
    w = src.itemsize
    if src.strides[0] != w or dst.strides[0] != w:
        return False
    a, b = src.ctypes.data, dst.ctypes.data
    return a + n * w <= b or b + n * w <= a


@_jit
def delay_q31(inst, src, dst, block_size):
    """y[n] = x[n - delay], initial history zero. Exact (no arithmetic).
    Works for int32 or int16 data (``delay_q15`` is the same function).

    buf is a ring: sample n (of the stream) reads and then overwrites
    buf[pos], pos = (pos + 1) mod delay. Into a separate dst, a block runs
    as block copies with the same result and the same final (buf, pos); a
    block of at most `delay` samples in place as a swap with the ring; a
    longer one in place as the block copies too, its last `delay` inputs
    first set aside (no per-sample wrap test)."""
    _check_block(src, dst, block_size)
    d = inst.delay
    m = block_size
    if d == 0:
        if src.ctypes.data != dst.ctypes.data or src.strides[0] != dst.strides[0]:
            for n in range(m):
                dst[n] = src[n]
        return
    buf = inst.buf
    pos = inst.pos[0]
    end = (pos + m) % d
    if m <= d:  # the block meets each ring slot at most once: slots pos.. (mod d)
        k = min(m, d - pos)  # slots pos .. pos + k - 1, then 0 .. m - k - 1
        if _disjoint(src, dst, m):
            _copy(buf, pos, dst, 0, k)
            _copy(buf, 0, dst, k, m - k)
            _copy(src, 0, buf, pos, k)
            _copy(src, k, buf, 0, m - k)
            inst.pos[0] = end
            return
        if src.ctypes.data == dst.ctypes.data and src.strides[0] == dst.strides[0]:
            for j in range(k):  # in place: swap with the ring
                t = dst[j]
                dst[j] = buf[pos + j]
                buf[pos + j] = t
            for j in range(m - k):
                t = dst[k + j]
                dst[k + j] = buf[j]
                buf[j] = t
            inst.pos[0] = end
            return
    elif _disjoint(src, dst, m):
        _copy(buf, pos, dst, 0, d - pos)  # y[0 .. d) = the ring from pos on
        _copy(buf, 0, dst, d - pos, pos)
        _copy(src, 0, dst, d, m - d)  # y[n] = x[n - d]
        _copy(src, m - d, buf, end, d - end)  # the last d inputs, as the ring holds them
        _copy(src, m - end, buf, 0, end)
        inst.pos[0] = end
        return
    elif src.ctypes.data == dst.ctypes.data and src.strides[0] == dst.strides[0]:
        tail = np.empty(d, buf.dtype)  # the last d inputs, for the ring
        _copy(src, m - d, tail, 0, d)
        dst[d:m] = src[:m - d]  # overlapping slices: numba copies through a temporary
        _copy(buf, pos, dst, 0, d - pos)
        _copy(buf, 0, dst, d - pos, pos)
        _copy(tail, 0, buf, end, d - end)
        _copy(tail, d - end, buf, 0, end)
        inst.pos[0] = end
        return
    for n in range(m):  # src and dst partly overlapping
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
    chaining ``add_q31``). srcs int32 (num_inputs, >= block_size).
    (1 to 4 inputs have their own loops, which vectorize; the sum is the same.)"""
    if block_size > srcs.shape[1] or block_size > dst.shape[0] or block_size < 0:
        raise ValueError("block_size exceeds the src or dst length")
    k = srcs.shape[0]
    if k == 1:
        for n in range(block_size):
            dst[n] = srcs[0, n]
    elif k == 2:
        for n in range(block_size):
            dst[n] = sat32(np.int64(srcs[0, n]) + np.int64(srcs[1, n]))
    elif k == 3:
        for n in range(block_size):
            dst[n] = sat32(np.int64(srcs[0, n]) + np.int64(srcs[1, n]) + np.int64(srcs[2, n]))
    elif k == 4:
        for n in range(block_size):
            dst[n] = sat32(np.int64(srcs[0, n]) + np.int64(srcs[1, n]) + np.int64(srcs[2, n])
                           + np.int64(srcs[3, n]))
    else:
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
