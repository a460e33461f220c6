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

The filters (biquads, FIRs) are defined here; delay, gain, mixers and the
DAC quantizer in ``_blocks.py``, re-exported here.

Arrays must be C-contiguous with the dtype stated (int32 = Q31 samples,
int16 = Q15 samples); ``block_size`` must not exceed ``len(src)`` or
``len(dst)`` (checked: numba does not bounds-check).
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from ._blocks import (
    DacQuantQ31,
    Delay,
    DelayQ15,
    DelayQ31,
    GainQ15,
    GainQ31,
    add_q15,
    add_q31,
    dac_quant_q31,
    dac_quant_q31_init,
    delay_q15,
    delay_q15_init,
    delay_q31,
    delay_q31_init,
    gain_q15,
    gain_q15_init,
    gain_q31,
    gain_q31_init,
    mix_sat_q15,
    mix_sat_q31,
)
from ._common import _as, _check_block, _copy_view
from .ops_nb import (
    add64_wrap,
    mac_wrap32,
    mac_wrap64,
    mult_q15x15_q30,
    mult_q31x31_q62,
    mult_q63x31_q62,
    sat16,
    shl64_wrap,
    shr_floor,
    shr_floor_wrap32,
    wrap32,
)

_jit = nb.njit(cache=True)

# One kernel namespace: the filters live here, the other blocks in _blocks.
__all__ = [
    "Biquad32x64Q31",
    "BiquadDf1Q15",
    "BiquadDf1Q31",
    "DacQuantQ31",
    "Delay",
    "DelayQ15",
    "DelayQ31",
    "FirQ15",
    "FirQ31",
    "GainQ15",
    "GainQ31",
    "add_q15",
    "add_q31",
    "biquad_df1_32x64_q31",
    "biquad_df1_32x64_q31_direct",
    "biquad_df1_32x64_q31_init",
    "biquad_df1_fast_q15",
    "biquad_df1_fast_q15_init",
    "biquad_df1_q15",
    "biquad_df1_q15_init",
    "biquad_df1_q31",
    "biquad_df1_q31_direct",
    "biquad_df1_q31_init",
    "dac_quant_q31",
    "dac_quant_q31_init",
    "delay_q15",
    "delay_q15_init",
    "delay_q31",
    "delay_q31_init",
    "fir_fast_q15",
    "fir_fast_q15_init",
    "fir_q15",
    "fir_q15_init",
    "fir_q31",
    "fir_q31_direct",
    "fir_q31_init",
    "gain_q15",
    "gain_q15_init",
    "gain_q31",
    "gain_q31_init",
    "mix_sat_q15",
    "mix_sat_q31",
]


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
def _biquad_df1_q31_pair(ca, sa, ka, psa, src_a, dst_a, cb, sb, kb, psb, src_b, dst_b, chained,
                         block_size):
    """Two DF1 stages in one sample loop: stage ka of (coeffs ca, state sa,
    post_shift psa) on src_a -> dst_a and stage kb of (cb, sb, psb) on
    src_b -> dst_b; with `chained`, stage b reads stage a's output instead
    (the next stage of a cascade: then only dst_b is written). Per sample,
    exactly ``_biquad_df1_q31_stage``'s operations for each stage, so the
    same values as two passes (a chained stage b at sample n reads stage a's
    output at n either way); the two recursions are independent dependency
    chains, which the CPU overlaps (~1.4x faster than two passes)."""
    b0 = ca[5 * ka]
    b1 = ca[5 * ka + 1]
    b2 = ca[5 * ka + 2]
    a1 = ca[5 * ka + 3]
    a2 = ca[5 * ka + 4]
    c0 = cb[5 * kb]
    c1 = cb[5 * kb + 1]
    c2 = cb[5 * kb + 2]
    d1 = cb[5 * kb + 3]
    d2 = cb[5 * kb + 4]
    x1 = np.int64(sa[4 * ka])
    x2 = np.int64(sa[4 * ka + 1])
    y1 = np.int64(sa[4 * ka + 2])
    y2 = np.int64(sa[4 * ka + 3])
    u1 = np.int64(sb[4 * kb])  # stage b: input u, output v
    u2 = np.int64(sb[4 * kb + 1])
    v1 = np.int64(sb[4 * kb + 2])
    v2 = np.int64(sb[4 * kb + 3])
    sha = 31 - psa
    shb = 31 - psb
    for n in range(block_size):
        x0 = np.int64(src_a[n])
        u0 = np.int64(0) if chained else np.int64(src_b[n])  # read both before any write
        acc = mult_q31x31_q62(b0, x0)
        acc = mac_wrap64(acc, b1, x1)
        acc = mac_wrap64(acc, b2, x2)
        acc = mac_wrap64(acc, a1, y1)
        acc = mac_wrap64(acc, a2, y2)
        y0 = shr_floor_wrap32(acc, sha)
        x2 = x1
        x1 = x0
        y2 = y1
        y1 = y0
        if chained:
            u0 = y0
        else:
            dst_a[n] = y0
        acc = mult_q31x31_q62(c0, u0)
        acc = mac_wrap64(acc, c1, u1)
        acc = mac_wrap64(acc, c2, u2)
        acc = mac_wrap64(acc, d1, v1)
        acc = mac_wrap64(acc, d2, v2)
        v0 = shr_floor_wrap32(acc, shb)
        u2 = u1
        u1 = u0
        v2 = v1
        v1 = v0
        dst_b[n] = v0
    sa[4 * ka] = x1
    sa[4 * ka + 1] = x2
    sa[4 * ka + 2] = y1
    sa[4 * ka + 3] = y2
    sb[4 * kb] = u1
    sb[4 * kb + 1] = u2
    sb[4 * kb + 2] = v1
    sb[4 * kb + 3] = v2


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
    Stage k > 0 reads stage k-1's output from dst. Stages run two at a time
    (``_biquad_df1_q31_pair``, the same values); ``biquad_df1_q31_direct``
    runs them one at a time."""
    _check_block(src, dst, block_size)
    n = inst.num_stages
    stage = 0
    while stage < n:
        x = src if stage == 0 else dst
        if n - stage >= 2:
            c, st, ps = inst.coeffs, inst.state, inst.post_shift
            _biquad_df1_q31_pair(c, st, stage, ps, x, dst, c, st, stage + 1, ps, dst, dst, True,
                                 block_size)
            stage += 2
        else:
            _biquad_df1_q31_stage(inst.coeffs, inst.state, stage, inst.post_shift, x, dst,
                                  block_size)
            stage += 1


@_jit
def biquad_df1_q31_direct(inst, src, dst, block_size):
    """``biquad_df1_q31`` one stage per pass (the reference for the paired
    stages)."""
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
def _biquad_32x64_pair(ca, sa, ka, psa, src_a, dst_a, cb, sb, kb, psb, src_b, dst_b, chained,
                       block_size):
    """Two 32x64 stages in one sample loop, as ``_biquad_df1_q31_pair``
    (``_biquad_32x64_stage``'s operations, the same values, two overlapping
    recursions; ~1.7x faster than two passes)."""
    b0 = ca[5 * ka]
    b1 = ca[5 * ka + 1]
    b2 = ca[5 * ka + 2]
    a1 = ca[5 * ka + 3]
    a2 = ca[5 * ka + 4]
    c0 = cb[5 * kb]
    c1 = cb[5 * kb + 1]
    c2 = cb[5 * kb + 2]
    d1 = cb[5 * kb + 3]
    d2 = cb[5 * kb + 4]
    x1 = wrap32(sa[4 * ka])
    x2 = wrap32(sa[4 * ka + 1])
    y1 = np.int64(sa[4 * ka + 2])
    y2 = np.int64(sa[4 * ka + 3])
    u1 = wrap32(sb[4 * kb])  # stage b: input u, state v
    u2 = wrap32(sb[4 * kb + 1])
    v1 = np.int64(sb[4 * kb + 2])
    v2 = np.int64(sb[4 * kb + 3])
    la = 31 - psa
    ya = psa + 1
    lb = 31 - psb
    yb = psb + 1
    for n in range(block_size):
        x0 = np.int64(src_a[n])
        u0 = np.int64(0) if chained else np.int64(src_b[n])  # read both before any write
        acc = mult_q31x31_q62(b0, x0)
        acc = mac_wrap64(acc, b1, x1)
        acc = mac_wrap64(acc, b2, x2)
        acc = add64_wrap(acc, mult_q63x31_q62(y1, a1))
        acc = add64_wrap(acc, mult_q63x31_q62(y2, a2))
        x2 = x1
        x1 = x0
        y2 = y1
        y1 = shl64_wrap(acc, ya)
        w0 = shr_floor_wrap32(acc, la)  # stage a's output
        if chained:
            u0 = w0
        else:
            dst_a[n] = w0
        acc = mult_q31x31_q62(c0, u0)
        acc = mac_wrap64(acc, c1, u1)
        acc = mac_wrap64(acc, c2, u2)
        acc = add64_wrap(acc, mult_q63x31_q62(v1, d1))
        acc = add64_wrap(acc, mult_q63x31_q62(v2, d2))
        u2 = u1
        u1 = u0
        v2 = v1
        v1 = shl64_wrap(acc, yb)
        dst_b[n] = shr_floor_wrap32(acc, lb)
    sa[4 * ka] = x1
    sa[4 * ka + 1] = x2
    sa[4 * ka + 2] = y1
    sa[4 * ka + 3] = y2
    sb[4 * kb] = u1
    sb[4 * kb + 1] = u2
    sb[4 * kb + 2] = v1
    sb[4 * kb + 3] = v2


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
    truncation noise that poles near z = 1 amplify. Stages run two at a
    time (``_biquad_32x64_pair``, the same values);
    ``biquad_df1_32x64_q31_direct`` runs them one at a time."""
    _check_block(src, dst, block_size)
    n = inst.num_stages
    stage = 0
    while stage < n:
        x = src if stage == 0 else dst
        if n - stage >= 2:
            c, st, ps = inst.coeffs, inst.state, inst.post_shift
            _biquad_32x64_pair(c, st, stage, ps, x, dst, c, st, stage + 1, ps, dst, dst, True,
                               block_size)
            stage += 2
        else:
            _biquad_32x64_stage(inst.coeffs, inst.state, stage, inst.post_shift, x, dst,
                                block_size)
            stage += 1


@_jit
def biquad_df1_32x64_q31_direct(inst, src, dst, block_size):
    """``biquad_df1_32x64_q31`` one stage per pass (the reference for the
    paired stages)."""
    _check_block(src, dst, block_size)
    if inst.num_stages < 1:
        return
    _biquad_32x64_stage(inst.coeffs, inst.state, 0, inst.post_shift, src, dst, block_size)
    for stage in range(1, inst.num_stages):
        _biquad_32x64_stage(inst.coeffs, inst.state, stage, inst.post_shift, dst, dst, block_size)


# ============================================ biquad stages in two passes (chain)
# A DF1 stage's sum splits into its feed-forward part b0 x[n] + b1 x[n-1] +
# b2 x[n-2], which needs no y and so runs over a whole block as one loop that
# vectorizes (vpmuldq), and its feedback a1 y[n-1] + a2 y[n-2], the
# recursion, which then has two multiplies per sample (four for 32x64)
# instead of five (seven). Integer adds wrap modulo 2^64 in any order, so
# the sum, and every output and state, is the one-pass kernels' bit for bit.
# The compiled chain runs two independent recursions (any kinds) in one
# sample loop, so the CPU overlaps their latencies; the kernels' public
# forms keep one pass (they own no scratch for the feed-forward sums).
@_jit
def _biquad_ff_q31(coeffs, state, stage, src, ff, block_size):
    """ff[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] (Q62, wraps) for stage
    `stage` of either DF1 Q31 kernel (coeffs and state layout of
    ``BiquadDf1Q31`` / ``Biquad32x64Q31``: x[-1], x[-2] from the state);
    the state's x then take the block's last two inputs (read here, before
    a feedback pass may overwrite src in place)."""
    b0 = coeffs[5 * stage]
    b1 = coeffs[5 * stage + 1]
    b2 = coeffs[5 * stage + 2]
    x1 = wrap32(state[4 * stage])
    x2 = wrap32(state[4 * stage + 1])
    m = block_size
    if m >= 1:
        ff[0] = mac_wrap64(mac_wrap64(mult_q31x31_q62(b0, src[0]), b1, x1), b2, x2)
    if m >= 2:
        ff[1] = mac_wrap64(mac_wrap64(mult_q31x31_q62(b0, src[1]), b1, src[0]), b2, x1)
    # shifted views, not src[n - 1]: numba's negative-index wraparound on
    # n - 1 would keep LLVM from vectorizing the loop
    x0, xm1, xm2, out = src[2:m], src[1:m], src[:m], ff[2:m]
    for n in range(m - 2):
        out[n] = mac_wrap64(mac_wrap64(mult_q31x31_q62(b0, x0[n]), b1, xm1[n]), b2, xm2[n])
    if m >= 2:
        x2 = np.int64(src[m - 2])
        x1 = np.int64(src[m - 1])
    elif m == 1:
        x2 = x1
        x1 = np.int64(src[0])
    state[4 * stage] = x1
    state[4 * stage + 1] = x2


@_jit
def _df1_fb(ff, a1, a2, y1, y2, rshift):
    """A DF1 Q31 stage's y[n] from its feed-forward sum ff:
    wrap32((ff + a2 y[n-2] + a1 y[n-1]) >> rshift) (the newest y's product
    added last: the shorter dependency chain)."""
    return shr_floor_wrap32(mac_wrap64(mac_wrap64(ff, a2, y2), a1, y1), rshift)


@_jit
def _hp_fb(ff, a1, a2, y1, y2):
    """A 32x64 stage's Q62 accumulator from its feed-forward sum ff (the
    Q63 y products as ``_biquad_32x64_stage``, the newest last)."""
    return add64_wrap(add64_wrap(ff, mult_q63x31_q62(y2, a2)), mult_q63x31_q62(y1, a1))


@_jit
def _fb_load(coeffs, state, stage):
    return (coeffs[5 * stage + 3], coeffs[5 * stage + 4], np.int64(state[4 * stage + 2]),
            np.int64(state[4 * stage + 3]))


@_jit
def _fb_store(state, stage, y1, y2):
    state[4 * stage + 2] = y1
    state[4 * stage + 3] = y2


@_jit
def _biquad_df1_q31_fb2(ca, sa, ka, psa, ffa, dst_a, cb, sb, kb, psb, ffb, dst_b, block_size):
    """The feedback passes of two independent DF1 Q31 stages (stage ka of
    (ca, sa) from ffa into dst_a, stage kb of (cb, sb) from ffb into dst_b),
    in one sample loop."""
    a1, a2, y1, y2 = _fb_load(ca, sa, ka)
    c1, c2, v1, v2 = _fb_load(cb, sb, kb)
    sha = 31 - psa
    shb = 31 - psb
    for n in range(block_size):
        y0 = _df1_fb(ffa[n], a1, a2, y1, y2, sha)
        v0 = _df1_fb(ffb[n], c1, c2, v1, v2, shb)
        y2 = y1
        y1 = y0
        v2 = v1
        v1 = v0
        dst_a[n] = y0
        dst_b[n] = v0
    _fb_store(sa, ka, y1, y2)
    _fb_store(sb, kb, v1, v2)


@_jit
def _biquad_32x64_fb2(ca, sa, ka, psa, ffa, dst_a, cb, sb, kb, psb, ffb, dst_b, block_size):
    """As ``_biquad_df1_q31_fb2`` for two 32x64 stages (the new Q63 state
    acc << (post_shift + 1), the output acc >> (31 - post_shift))."""
    a1, a2, y1, y2 = _fb_load(ca, sa, ka)
    c1, c2, v1, v2 = _fb_load(cb, sb, kb)
    la, ya = 31 - psa, psa + 1
    lb, yb = 31 - psb, psb + 1
    for n in range(block_size):
        acc = _hp_fb(ffa[n], a1, a2, y1, y2)
        bcc = _hp_fb(ffb[n], c1, c2, v1, v2)
        y2 = y1
        y1 = shl64_wrap(acc, ya)
        v2 = v1
        v1 = shl64_wrap(bcc, yb)
        dst_a[n] = shr_floor_wrap32(acc, la)
        dst_b[n] = shr_floor_wrap32(bcc, lb)
    _fb_store(sa, ka, y1, y2)
    _fb_store(sb, kb, v1, v2)


@_jit
def _biquad_mixed_fb2(ca, sa, ka, psa, ffa, dst_a, cb, sb, kb, psb, ffb, dst_b, block_size):
    """As ``_biquad_df1_q31_fb2`` for a 32x64 stage (a) and a DF1 Q31 one (b)."""
    a1, a2, y1, y2 = _fb_load(ca, sa, ka)
    c1, c2, v1, v2 = _fb_load(cb, sb, kb)
    la, ya = 31 - psa, psa + 1
    shb = 31 - psb
    for n in range(block_size):
        acc = _hp_fb(ffa[n], a1, a2, y1, y2)
        v0 = _df1_fb(ffb[n], c1, c2, v1, v2, shb)
        y2 = y1
        y1 = shl64_wrap(acc, ya)
        v2 = v1
        v1 = v0
        dst_a[n] = shr_floor_wrap32(acc, la)
        dst_b[n] = v0
    _fb_store(sa, ka, y1, y2)
    _fb_store(sb, kb, v1, v2)


@_jit
def _biquad_df1_q31_fb4(c, s, k, ps, ff, dst, block_size):
    """The feedback passes of four independent DF1 Q31 stages in one sample
    loop: lane i is stage k[i] of (coeffs c[i], state s[i], post_shift
    ps[i]) from ff[i] into dst[i] (c, s, k, ps, dst 4-tuples). Four
    recursions overlap where two left the multiplier waiting on each one's
    latency."""
    a1, a2, y1, y2 = _fb_load(c[0], s[0], k[0])
    b1, b2, v1, v2 = _fb_load(c[1], s[1], k[1])
    c1, c2, w1, w2 = _fb_load(c[2], s[2], k[2])
    d1, d2, x1, x2 = _fb_load(c[3], s[3], k[3])
    sa, sb, sc, sd = 31 - ps[0], 31 - ps[1], 31 - ps[2], 31 - ps[3]
    fa, fb, fc, fd = ff[0], ff[1], ff[2], ff[3]
    da, db, dc, dd = dst[0], dst[1], dst[2], dst[3]
    for n in range(block_size):
        y0 = _df1_fb(fa[n], a1, a2, y1, y2, sa)
        v0 = _df1_fb(fb[n], b1, b2, v1, v2, sb)
        w0 = _df1_fb(fc[n], c1, c2, w1, w2, sc)
        x0 = _df1_fb(fd[n], d1, d2, x1, x2, sd)
        y2, y1 = y1, y0
        v2, v1 = v1, v0
        w2, w1 = w1, w0
        x2, x1 = x1, x0
        da[n] = y0
        db[n] = v0
        dc[n] = w0
        dd[n] = x0
    _fb_store(s[0], k[0], y1, y2)
    _fb_store(s[1], k[1], v1, v2)
    _fb_store(s[2], k[2], w1, w2)
    _fb_store(s[3], k[3], x1, x2)


@_jit
def _biquad_32x64_fb4(c, s, k, ps, ff, dst, block_size):
    """As ``_biquad_df1_q31_fb4`` for four 32x64 stages (``_biquad_32x64_fb2``'s
    steps per lane)."""
    a1, a2, y1, y2 = _fb_load(c[0], s[0], k[0])
    b1, b2, v1, v2 = _fb_load(c[1], s[1], k[1])
    c1, c2, w1, w2 = _fb_load(c[2], s[2], k[2])
    d1, d2, x1, x2 = _fb_load(c[3], s[3], k[3])
    la, lb, lc, ld = 31 - ps[0], 31 - ps[1], 31 - ps[2], 31 - ps[3]
    ya, yb, yc, yd = ps[0] + 1, ps[1] + 1, ps[2] + 1, ps[3] + 1
    fa, fb, fc, fd = ff[0], ff[1], ff[2], ff[3]
    da, db, dc, dd = dst[0], dst[1], dst[2], dst[3]
    for n in range(block_size):
        acc = _hp_fb(fa[n], a1, a2, y1, y2)
        bcc = _hp_fb(fb[n], b1, b2, v1, v2)
        ccc = _hp_fb(fc[n], c1, c2, w1, w2)
        dcc = _hp_fb(fd[n], d1, d2, x1, x2)
        y2, y1 = y1, shl64_wrap(acc, ya)
        v2, v1 = v1, shl64_wrap(bcc, yb)
        w2, w1 = w1, shl64_wrap(ccc, yc)
        x2, x1 = x1, shl64_wrap(dcc, yd)
        da[n] = shr_floor_wrap32(acc, la)
        db[n] = shr_floor_wrap32(bcc, lb)
        dc[n] = shr_floor_wrap32(ccc, lc)
        dd[n] = shr_floor_wrap32(dcc, ld)
    _fb_store(s[0], k[0], y1, y2)
    _fb_store(s[1], k[1], v1, v2)
    _fb_store(s[2], k[2], w1, w2)
    _fb_store(s[3], k[3], x1, x2)


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
        y0 = sat16(shr_floor_wrap32(acc, lshift))  # Q30 -> Q15: floor, low 32 bits, saturate
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
    """Cascade of DF1 biquads, Q15 -- bit-exact ``arm_biquad_cascade_df1_q15``
    (CMSIS' *precise* q15 variant; the ``cmsis-q15`` arithmetic profile).

    Scaling and overflow: five Q15 x Q15 = Q30 products summed in a 64-bit
    accumulator (|sum| <= 5 * 2^30: 31 guard bits, never overflows). Output
    acc >> (15 - post_shift) (floor), its low 32 bits kept (wrap), then
    saturated to int16; the saturated value is also the y[n-1] state.
    ``biquad_df1_fast_q15`` is the 32-bit accumulator variant.

    The wrap before the saturation is CMSIS's: its portable C (the x86
    build of cmsisdsp) passes the q63_t ``acc >> shift`` to ``__SSAT``, whose
    parameter is an int32_t, and the Cortex-M DSP path saturates the 32-bit
    word ``(uint32_t) acc_l >> lShift | acc_h << uShift`` -- the same bits.
    Only post_shift 14 and 15 can see it (acc >> 1 or acc >> 0 can exceed
    32 bits): a large sum wraps before it clips. (At post_shift 15 that DSP
    path shifts a 32-bit word by 32, undefined in C; the portable code and
    this kernel take the low word.)"""
    _check_block(src, dst, block_size)
    if inst.num_stages < 1:
        return
    _biquad_df1_q15_stage(inst.coeffs, inst.state, 0, inst.post_shift, src, dst, block_size)
    for stage in range(1, inst.num_stages):
        _biquad_df1_q15_stage(inst.coeffs, inst.state, stage, inst.post_shift, dst, dst, block_size)


# ------------------------------------------------------ biquad DF1 fast Q15
# arm_biquad_cascade_df1_fast_q15 (CMSIS-DSP 1.10, Source/FilteringFunctions/
# arm_biquad_cascade_df1_fast_q15.c), per stage and sample:
#     out = __SMUAD(b0 : 0, x[n] : sext)           b0 x[n]      (the pad 0 x sign)
#     acc = __SMLAD(b1 : b2, x[n-1] : x[n-2], out)  + b1 x[n-1] + b2 x[n-2]
#     acc = __SMLAD(a1 : a2, y[n-1] : y[n-2], acc)  + a1 y[n-1] + a2 y[n-2]
#     y[n] = __SSAT(acc >> (15 - postShift), 16)
# with acc a q31_t: a 32-bit accumulator holding the Q30 (2.30) sum, ONE guard
# bit. SMUAD/SMLAD add their two products and the accumulator modulo 2^32
# (they set the Q flag on overflow but return the wrapped sum; CMSIS's
# portable C twins in none.h compute the same sum in int32, which wraps on
# every target it builds for), so
#     acc  = wrap32(b0 x0 + b1 x1 + b2 x2 + a1 y1 + a2 y2)   (wraps; any order)
#     y[n] = sat16(floor(acc / 2^(15 - postShift)))           (floor, saturate)
# and the saturated y[n] is the y[n-1] state. |sum| can reach 5 * 2^30, so the
# sum wraps for inputs or outputs beyond +-0.25 with large coefficients (the
# CMSIS docs: scale the input to [-0.25, 0.25)); a wrapped accumulator is
# then shifted and saturated like any other value, so the output jumps sign
# rather than clipping. Same instance, init and state layout as
# ``biquad_df1_q15`` (CMSIS shares them). The pad coefficient {b0, *0*, ...}
# must be 0: CMSIS multiplies it by x[n+1] or by x[n]'s sign word depending
# on its loop unrolling; here it is ignored.
biquad_df1_fast_q15_init = biquad_df1_q15_init


@_jit
def _biquad_df1_fast_q15_stage(coeffs, state, stage, post_shift, src, dst, block_size):
    b0 = coeffs[6 * stage]
    b1 = coeffs[6 * stage + 2]
    b2 = coeffs[6 * stage + 3]
    a1 = coeffs[6 * stage + 4]
    a2 = coeffs[6 * stage + 5]
    x1 = np.int64(state[4 * stage])
    x2 = np.int64(state[4 * stage + 1])
    y1 = np.int64(state[4 * stage + 2])
    y2 = np.int64(state[4 * stage + 3])
    rshift = 15 - post_shift
    for n in range(block_size):
        x0 = np.int64(src[n])
        # acc = b0 x[n] + b1 x[n-1] + b2 x[n-2] + a1 y[n-1] + a2 y[n-2]  (Q30, 32 bits, wraps)
        acc = mult_q15x15_q30(b0, x0)  # <= 2^30: exact in 32 bits
        acc = mac_wrap32(acc, b1, x1)
        acc = mac_wrap32(acc, b2, x2)
        acc = mac_wrap32(acc, a1, y1)
        acc = mac_wrap32(acc, a2, y2)
        y0 = sat16(shr_floor(acc, rshift))  # Q30 -> Q15 (x 2^post_shift): floor, saturate
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
def biquad_df1_fast_q15(inst, src, dst, block_size):
    """Cascade of DF1 biquads, Q15, 32-bit accumulator -- bit-exact
    ``arm_biquad_cascade_df1_fast_q15`` (the ``generic-q15`` profile's biquad).

    Scaling and overflow: acc = the five Q15 x Q15 = Q30 products summed
    modulo 2^32 (one guard bit: wraps once |sum| >= 2^31); output
    acc >> (15 - post_shift) (floor) saturated to int16, also the y[n-1]
    state. Instance from ``biquad_df1_q15_init`` (= ``_fast_q15_init``).
    See the comment above for the CMSIS code this transcribes."""
    _check_block(src, dst, block_size)
    if inst.num_stages < 1:
        return
    _biquad_df1_fast_q15_stage(inst.coeffs, inst.state, 0, inst.post_shift, src, dst, block_size)
    for stage in range(1, inst.num_stages):
        _biquad_df1_fast_q15_stage(inst.coeffs, inst.state, stage, inst.post_shift, dst, dst,
                                   block_size)


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


# The Q31 FIR's hot loop, vectorized by hand (LLVM does not find this form
# itself). Output i is acc_i = sum_k c[k] * s[i + k] (64-bit, wrapping), then
# (int32)(acc_i >> 31). Load the int32 state at s + t as vectors of 64-bit
# lanes: lane j holds s[t + 2j] in its low half. x86's vpmuldq multiplies the
# sign-extended low halves of its 64-bit lanes (32 x 32 -> 64 bits, signed), so
# ONE load at s + i0 + k serves two products with no shift: its low halves
# are tap k of the even outputs i0 + 2j (times c[k]) and tap k - 1 of the odd
# outputs i0 + 2j + 1 (times c[k - 1]). k = 0 feeds only the even outputs;
# the odd outputs' last tap, s[i0 + 2j + num_taps], is the high half (>> 32)
# of the load at k = num_taps - 1 (a load at k = num_taps would read one word
# past the state). The two accumulators are interleaved back into 2L
# consecutive outputs. Integer adds wrap modulo 2^64 whatever the order, and
# every output sums the same products, so the result is the direct kernel's
# bit for bit (the tests compare it with ``fir_q31_direct`` and cmsisdsp).
# Reads stay inside s[i0 .. i0 + 2L - 1 + num_taps - 1]: no over-read. The IR
# is generic (no target intrinsics): any CPU runs it; AVX-512 / AVX2 get the
# vpmuldq loop (a shift per load in the previous form cost ~1/4 of the time).
_FIR_SIMD = not nb.config.DISABLE_JIT  # an intrinsic has no pure-Python form
_FIR_L = 8  # 64-bit lanes per vector (a zmm; two ymm on AVX2)
_FIR_G = 2  # vector pairs per group: 2 * L * G = 32 outputs per group
FIR_Q31_GROUP = 2 * _FIR_L * _FIR_G


@intrinsic
def _fir_q31_groups(typingctx, coeffs, state, dst, ngroups):
    """dst[0 .. 32 * ngroups) = the Q31 FIR outputs from state[0 ..]
    (coeffs: num_taps >= 1 int32 time-reversed; unit-stride arrays, checked
    by the caller; state must hold 32 * ngroups + num_taps - 1 samples)."""
    if not all(isinstance(a, types.Array) and a.dtype == types.int32 and a.ndim == 1
               for a in (coeffs, state, dst)):
        return None
    sig = types.void(coeffs, state, dst, types.intp)

    def codegen(context, builder, signature, args):
        i32, i64 = ir.IntType(32), ir.IntType(64)
        L, G = _FIR_L, _FIR_G
        vec = ir.VectorType(i64, L)
        half = ir.VectorType(i32, L)
        ca, sa, da = (context.make_array(t)(context, builder, a)
                      for t, a in zip(signature.args[:3], args[:3], strict=True))
        ntaps = builder.extract_value(ca.shape, 0)
        accs = [cgutils.alloca_once(builder, vec) for _ in range(2 * G)]
        cprev = cgutils.alloca_once(builder, vec)
        c32 = ir.Constant(vec, [32] * L)
        c31 = ir.Constant(vec, [31] * L)
        splat0 = ir.Constant(ir.VectorType(i32, L), [0] * L)
        interleave = ir.Constant(ir.VectorType(i32, 2 * L),
                                 [x for j in range(L) for x in (j, j + L)])

        def splat(k):  # c[k] sign-extended into every lane
            ck = builder.sext(builder.load(builder.gep(ca.data, [k])), i64)
            cv = builder.insert_element(ir.Constant(vec, ir.Undefined), ck, ir.Constant(i32, 0))
            return builder.shuffle_vector(cv, cv, splat0)

        def low(v):  # the sign-extended low halves (folds into vpmuldq)
            return builder.ashr(builder.shl(v, c32), c32)

        def load(base, k, g):
            p = builder.gep(sa.data, [builder.add(builder.add(base, k),
                                                  ir.Constant(i64, 2 * L * g))])
            return builder.load(builder.bitcast(p, vec.as_pointer()), align=4)

        def mac(a, x, cv):
            builder.store(builder.add(builder.load(a), builder.mul(x, cv)), a)

        zero = ir.Constant(i64, 0)
        with cgutils.for_range(builder, args[3]) as group:
            i0 = builder.mul(group.index, ir.Constant(i64, 2 * L * G))
            c0 = splat(zero)
            for g in range(G):  # k = 0: even outputs only
                builder.store(builder.mul(low(load(i0, zero, g)), c0), accs[2 * g])
                builder.store(ir.Constant(vec, None), accs[2 * g + 1])
            builder.store(c0, cprev)
            with cgutils.for_range(builder, ntaps, start=ir.Constant(i64, 1)) as tap:
                k = tap.index
                ck, cp = splat(k), builder.load(cprev)
                for g in range(G):
                    x = low(load(i0, k, g))
                    mac(accs[2 * g], x, ck)  # even: tap k
                    mac(accs[2 * g + 1], x, cp)  # odd: tap k - 1
                builder.store(ck, cprev)
            last = builder.sub(ntaps, ir.Constant(i64, 1))
            for g in range(G):  # odd outputs' tap num_taps - 1: the high halves
                mac(accs[2 * g + 1], builder.ashr(load(i0, last, g), c32), builder.load(cprev))
            for g in range(G):
                e = builder.trunc(builder.ashr(builder.load(accs[2 * g]), c31), half)
                o = builder.trunc(builder.ashr(builder.load(accs[2 * g + 1]), c31), half)
                p = builder.gep(da.data, [builder.add(i0, ir.Constant(i64, 2 * L * g))])
                builder.store(builder.shuffle_vector(e, o, interleave),
                              builder.bitcast(p, ir.VectorType(i32, 2 * L).as_pointer()),
                              align=4)
        return context.get_dummy_value()

    return sig, codegen


@_jit
def _fir_q31_outputs(coeffs, state, dst, m):
    """dst[0..m) from state (the direct sums; the grouped vector loop where
    the arrays are unit-stride, the plain loop for the rest)."""
    ntaps = coeffs.shape[0]
    first = 0
    if _FIR_SIMD and coeffs.strides[0] == 4 and state.strides[0] == 4 and dst.strides[0] == 4:
        ng = m // FIR_Q31_GROUP
        _fir_q31_groups(coeffs, state, dst, ng)
        first = ng * FIR_Q31_GROUP
    for i in range(first, m):
        acc = np.int64(0)
        for k in range(ntaps):
            acc = mac_wrap64(acc, coeffs[k], state[i + k])  # acc += h[N-1-k] x[n-N+1+k]
        dst[i] = shr_floor_wrap32(acc, 31)  # Q62 -> Q31: floor, wrap


@_jit
def fir_q31(inst, src, dst, block_size):
    """Direct-form FIR, Q31 -- bit-exact ``arm_fir_q31``.

    Scaling and overflow: acc (64-bit, Q62) = sum over k of
    coeffs[k] * state[i + k]; it wraps on overflow (possible only when
    sum |h| >= 2 with full-scale input: 1 guard bit). Output acc >> 31
    (floor), low 32 bits kept -- an output beyond Q31 *wraps* (CMSIS' docs
    say "saturated"; its code wraps, and so does this). Keep sum |h| < 1 and
    nothing wraps. The sums run 32 outputs at a time in SIMD
    (``_fir_q31_groups``); ``fir_q31_direct`` is the same kernel written as
    plain loops, the reference the tests hold this to."""
    _check_block(src, dst, block_size)
    coeffs = inst.coeffs
    state = inst.state
    ntaps = inst.num_taps
    done = 0
    while done < block_size:
        m = min(inst.max_block, block_size - done)
        _copy_view(src[done:done + m], state[ntaps - 1:ntaps - 1 + m])
        _fir_q31_outputs(coeffs, state, dst[done:done + m], m)
        for k in range(ntaps - 1):
            state[k] = state[m + k]
        done += m


@_jit
def fir_q31_direct(inst, src, dst, block_size):
    """``fir_q31`` as plain loops (one output at a time, taps in order): the
    readable definition and the reference the vectorized kernel is tested
    against, bit for bit."""
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
    """Direct-form FIR, Q15 -- bit-exact ``arm_fir_q15`` (CMSIS' *precise*
    q15 variant, the ``cmsis-q15`` profile; ``fir_fast_q15`` is the 32-bit
    accumulator one).

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


# arm_fir_fast_q15 (CMSIS-DSP 1.10, Source/FilteringFunctions/
# arm_fir_fast_q15.c): per output, a q31_t accumulator
#     acc0 += (q31_t) *px++ * *pb++;      (scalar loop; the unrolled loop does
#     acc0 = __SMLAD(x0, c0, acc0);        the same products with SMLAD/SMLADX)
#     *pDst++ = (q15_t) __SSAT(acc0 >> 15, 16);
# i.e. acc = sum over k of coeffs[k] * state[i + k] modulo 2^32 (Q30 in 32
# bits, one guard bit: wraps once |sum| >= 2^31, i.e. with full-scale input
# when sum |h| >= 2; the CMSIS docs: scale the input down by log2(numTaps)
# bits), then y = sat16(floor(acc / 2^15)): truncation (floor), no rounding
# -- unlike arm_fir_fast_q31, whose 32 x 32 MAC keeps the rounded top word,
# the q15 fast FIR adds exact products and only floors at the end.
# Same instance, init and state layout as ``fir_q15`` (CMSIS shares them).
# Tap count: CMSIS needs an even num_taps >= 2 (odd counts skip the last tap
# or read one past the end depending on the unrolling; 1 never ends its
# do-while); this kernel sums every tap for any count >= 1 and
# ``quantize_fir_q15`` pads to even.
fir_fast_q15_init = fir_q15_init


@_jit
def fir_fast_q15(inst, src, dst, block_size):
    """Direct-form FIR, Q15, 32-bit accumulator -- bit-exact
    ``arm_fir_fast_q15`` (the ``generic-q15`` profile's FIR).

    Scaling and overflow: acc = sum of Q15 x Q15 = Q30 products modulo 2^32
    (wraps); output acc >> 15 (floor) saturated to int16. See the comment
    above for the CMSIS code this transcribes."""
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
                acc = mac_wrap32(acc, coeffs[k], state[i + k])  # acc += h[N-1-k] x[n-N+1+k]
            dst[done + i] = sat16(shr_floor(acc, 15))  # Q30 -> Q15: floor, saturate
        for k in range(ntaps - 1):
            state[k] = state[m + k]
        done += m
