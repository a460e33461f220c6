"""CMSIS-DSP's Q31 complex FFT, `arm_cfft_q31`, bit for bit (numba).

The model of CMSIS-DSP 1.10.3's plain-C path (no MVE, no Neon; the sources
are vendored in firmware_export/target/third_party/cmsis_dsp and compiled into
the C runtime), for the sizes `CFFT_SIZES`: N = 4^k runs
`arm_radix4_butterfly_q31`, N = 2 4^k `arm_cfft_radix4by2_q31` (one radix-2
step, two radix-4 transforms of N/2, a final left shift by 1); then
`arm_bitreversal_32` puts the output in natural order.
tests/test_fixed_fft.py proves it equal to the `cmsisdsp` package's
`arm_cfft_q31` and checks the tables against the vendored C ones.

Scaling and overflow (int32 words, C `int32_t`/`q63_t` arithmetic)
------------------------------------------------------------------
* x >> s is the arithmetic shift (floor); int32 sums and left shifts wrap
  (`wrap32`; CMSIS relies on its guard bits, the model does what the
  instructions do).
* Radix-4 butterfly products: mul(a, c) = (a c) >> 32 (q63 product, floor:
  Q31 x Q31 -> Q30); a twiddled output is wrap32(mul(r, c) +- mul(s, s')),
  then << 1 in the first stage (Q31) and >> 1 in the middle stages.
* First radix-4 stage: inputs >> 4 (4 guard bits), twiddled outputs Q30
  products << 1: the stage scales by 1/16 against a butterfly gain of up to 4.
  Middle stages: untwiddled output (sum of 4) >> 2, twiddled Q30 products
  >> 1: 1/4 each. Last stage: the plain 4-sums, unscaled (wraps if the
  guard bits are used up). Radix-4-by-2 first step: xt = (a >> 2) - (b >> 2),
  products rounded, mult_32x32_keep32_R = q31((x y + 2^31) >> 32) and
  multAcc/multSub_32x32_keep32_R = q31(((p << 32) +- x y + 2^31) >> 32),
  outputs << 1; after the two radix-4 halves every word << 1 (wrap).
* Net: forward output X[k] / N (X the DFT, sum x e^{-2 pi i k n / N}),
  inverse output (sum Y[k] e^{+2 pi i k n / N}) / N: both lose log2 N bits
  against the input's LSB (CMSIS's "1.31 in, 11.21 out" at 1024), the
  truncating shifts add ~1 LSB of noise per stage at the output's scale.
  A full-scale input (|re|, |im| <= 2^31) never wraps.
* Tables: twiddleCoef_N_q31 (cos, sin of 2 pi i / N, i < 3 N / 4, Q31; not
  exactly round(v 2^31): about 1 in 20 entries is 1 lower, so they are read,
  not computed) and armBitRevIndexTable_fixed_N, from the vendored C
  (`cmsis_tables`).

`arm_cfft_q31(inst, buf, ifft_flag, bit_reverse_flag)`: buf int32 (2 N,)
interleaved re, im, in place, as CMSIS.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import NamedTuple

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .ops_nb import wrap32

_jit = nb.njit(cache=True)

CFFT_SIZES = (256, 512, 1024, 2048, 4096)
CMSIS_TABLES = (Path(__file__).resolve().parents[2] / "firmware_export" / "target" /
                "third_party" / "cmsis_dsp" / "Source" / "arm_common_tables_fft_q31.c")


class CfftQ31(NamedTuple):
    """`arm_cfft_instance_q31`: length, twiddle table, bit-reversal permutation."""

    fft_len: int
    twiddle: np.ndarray  # int32 (3 N / 2,): twiddleCoef_N_q31
    bitrev: np.ndarray  # int32: armBitRevIndexTable_fixed_N (swap pairs, word offset * 4)


def _c_array(src: str, name: str) -> np.ndarray:
    """The initialiser of C array `name` in src, as int64 (hex words read as int32)."""
    m = re.search(r"\b" + name + r"\[[^\]]*\][^=]*=\s*\{(.*?)\};", src, re.S)
    if m is None:
        raise ValueError(f"{name} not found in {CMSIS_TABLES}")
    body = re.sub(r"/\*.*?\*/|\(q31_t\)", "", m.group(1), flags=re.S)
    v = np.array([int(t, 0) for t in body.split(",") if t.strip()], np.int64)
    return v


@functools.cache
def cmsis_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """twiddleCoef_N_q31 (int32 (3 N / 2,): cos, sin of 2 pi i / N, i < 3 N / 4)
    and armBitRevIndexTable_fixed_N (int32: swap pairs, word offsets times 4),
    read from the vendored C (`CMSIS_TABLES`)."""
    src = CMSIS_TABLES.read_text()
    tw = _c_array(src, f"twiddleCoef_{n}_q31")
    tw = np.where(tw >= 2**31, tw - 2**32, tw).astype(np.int32)
    return tw, _c_array(src, f"armBitRevIndexTable_fixed_{n}").astype(np.int32)


def arm_cfft_init_q31(n: int) -> CfftQ31:
    """The instance for length n (`CFFT_SIZES`)."""
    if n not in CFFT_SIZES:
        raise ValueError(f"arm_cfft_q31: length {n} not modelled, expected one of {CFFT_SIZES}")
    tw, rev = cmsis_tables(n)
    return CfftQ31(n, tw, rev)


@_jit
def _mul(a, c):
    """(q63 a c) >> 32: the radix-4 product, floor."""
    return (np.int64(a) * np.int64(c)) >> 32


@_jit
def _radix4_q31(buf, off, fft_len, coef, modifier, inverse):
    """arm_radix4_butterfly_q31 (inverse: arm_radix4_butterfly_inverse_q31) on
    the fft_len complex values at buf[2 off:], twiddles coef[2 (i modifier)]."""
    n2 = fft_len >> 2
    sgn = -1 if inverse else 1  # the sign of the sine terms
    # first stage: inputs >> 4, twiddled outputs << 1
    for i0 in range(n2):
        i1 = i0 + n2
        i2 = i1 + n2
        i3 = i2 + n2
        a0 = np.uint64(2 * (off + i0))
        a1 = np.uint64(2 * (off + i1))
        a2 = np.uint64(2 * (off + i2))
        a3 = np.uint64(2 * (off + i3))
        xa = np.int64(buf[a0]) >> 4
        ya = np.int64(buf[a0 + np.uint64(1)]) >> 4
        xb = np.int64(buf[a1]) >> 4
        yb = np.int64(buf[a1 + np.uint64(1)]) >> 4
        xc = np.int64(buf[a2]) >> 4
        yc = np.int64(buf[a2 + np.uint64(1)]) >> 4
        xd = np.int64(buf[a3]) >> 4
        yd = np.int64(buf[a3 + np.uint64(1)]) >> 4
        r1 = xa + xc
        r2 = xa - xc
        t1 = xb + xd
        s1 = ya + yc
        s2 = ya - yc
        buf[a0] = wrap32(r1 + t1)
        r1 = r1 - t1
        t2 = yb + yd
        buf[a0 + np.uint64(1)] = wrap32(s1 + t2)
        s1 = s1 - t2
        t1 = yb - yd
        t2 = xb - xd
        ia1 = i0 * modifier
        co2 = np.int64(coef[4 * ia1])
        si2 = np.int64(coef[4 * ia1 + np.uint64(1)])
        buf[a1] = wrap32((_mul(r1, co2) + sgn * _mul(s1, si2)) << 1)
        buf[a1 + np.uint64(1)] = wrap32((_mul(s1, co2) - sgn * _mul(r1, si2)) << 1)
        if inverse:
            r1, r2 = r2 - t1, r2 + t1
            s1, s2 = s2 + t2, s2 - t2
        else:
            r1, r2 = r2 + t1, r2 - t1
            s1, s2 = s2 - t2, s2 + t2
        co1 = np.int64(coef[2 * ia1])
        si1 = np.int64(coef[2 * ia1 + np.uint64(1)])
        buf[a2] = wrap32((_mul(r1, co1) + sgn * _mul(s1, si1)) << 1)
        buf[a2 + np.uint64(1)] = wrap32((_mul(s1, co1) - sgn * _mul(r1, si1)) << 1)
        co3 = np.int64(coef[6 * ia1])
        si3 = np.int64(coef[6 * ia1 + np.uint64(1)])
        buf[a3] = wrap32((_mul(r2, co3) + sgn * _mul(s2, si3)) << 1)
        buf[a3 + np.uint64(1)] = wrap32((_mul(s2, co3) - sgn * _mul(r2, si3)) << 1)
    # middle stages: untwiddled outputs >> 2, twiddled >> 1
    modifier <<= 2
    k = fft_len >> 2
    while k > 4:
        n1 = n2
        n2 >>= 2
        for j in range(n2):
            ia1 = j * modifier
            co1 = np.int64(coef[2 * ia1])
            si1 = np.int64(coef[2 * ia1 + np.uint64(1)])
            co2 = np.int64(coef[4 * ia1])
            si2 = np.int64(coef[4 * ia1 + np.uint64(1)])
            co3 = np.int64(coef[6 * ia1])
            si3 = np.int64(coef[6 * ia1 + np.uint64(1)])
            for i0 in range(j, fft_len, n1):
                a0 = np.uint64(2 * (off + i0))
                a1 = a0 + np.uint64(2 * n2)
                a2 = a1 + np.uint64(2 * n2)
                a3 = a2 + np.uint64(2 * n2)
                xa = np.int64(buf[a0])
                ya = np.int64(buf[a0 + np.uint64(1)])
                xb = np.int64(buf[a1])
                yb = np.int64(buf[a1 + np.uint64(1)])
                xc = np.int64(buf[a2])
                yc = np.int64(buf[a2 + np.uint64(1)])
                xd = np.int64(buf[a3])
                yd = np.int64(buf[a3 + np.uint64(1)])
                r1 = wrap32(xa + xc)
                r2 = wrap32(xa - xc)
                s1 = wrap32(ya + yc)
                s2 = wrap32(ya - yc)
                t1 = wrap32(xb + xd)
                buf[a0] = wrap32(r1 + t1) >> 2
                r1 = wrap32(r1 - t1)
                t2 = wrap32(yb + yd)
                buf[a0 + np.uint64(1)] = wrap32(s1 + t2) >> 2
                s1 = wrap32(s1 - t2)
                t1 = wrap32(yb - yd)
                t2 = wrap32(xb - xd)
                buf[a1] = wrap32(_mul(r1, co2) + sgn * _mul(s1, si2)) >> 1
                buf[a1 + np.uint64(1)] = wrap32(_mul(s1, co2) - sgn * _mul(r1, si2)) >> 1
                if inverse:
                    r1, r2 = wrap32(r2 - t1), wrap32(r2 + t1)
                    s1, s2 = wrap32(s2 + t2), wrap32(s2 - t2)
                else:
                    r1, r2 = wrap32(r2 + t1), wrap32(r2 - t1)
                    s1, s2 = wrap32(s2 - t2), wrap32(s2 + t2)
                buf[a2] = wrap32(_mul(r1, co1) + sgn * _mul(s1, si1)) >> 1
                buf[a2 + np.uint64(1)] = wrap32(_mul(s1, co1) - sgn * _mul(r1, si1)) >> 1
                buf[a3] = wrap32(_mul(r2, co3) + sgn * _mul(s2, si3)) >> 1
                buf[a3 + np.uint64(1)] = wrap32(_mul(s2, co3) - sgn * _mul(r2, si3)) >> 1
        modifier <<= 2
        k >>= 2
    # last stage: radix-4 sums, unscaled; outputs a, c, b, d in that order
    for g in range(fft_len >> 2):
        a0 = np.uint64(2 * (off + 4 * g))
        xa = np.int64(buf[a0])
        ya = np.int64(buf[a0 + np.uint64(1)])
        xb = np.int64(buf[a0 + np.uint64(2)])
        yb = np.int64(buf[a0 + np.uint64(3)])
        xc = np.int64(buf[a0 + np.uint64(4)])
        yc = np.int64(buf[a0 + np.uint64(5)])
        xd = np.int64(buf[a0 + np.uint64(6)])
        yd = np.int64(buf[a0 + np.uint64(7)])
        buf[a0] = wrap32(xa + xb + xc + xd)
        buf[a0 + np.uint64(1)] = wrap32(ya + yb + yc + yd)
        buf[a0 + np.uint64(2)] = wrap32(xa - xb + xc - xd)
        buf[a0 + np.uint64(3)] = wrap32(ya - yb + yc - yd)
        buf[a0 + np.uint64(4)] = wrap32(xa + sgn * (yb - yd) - xc)
        buf[a0 + np.uint64(5)] = wrap32(ya - sgn * (xb - xd) - yc)
        buf[a0 + np.uint64(6)] = wrap32(xa - sgn * (yb - yd) - xc)
        buf[a0 + np.uint64(7)] = wrap32(ya + sgn * (xb - xd) - yc)


@_jit
def _mul_r(acc, x, y, sign):
    """multAcc_32x32_keep32_R (sign 1) / multSub_32x32_keep32_R (sign -1):
    q31 (((acc << 32) +- x y + 2^31) >> 32); acc = 0, sign 1 is
    mult_32x32_keep32_R."""
    return wrap32(((np.int64(acc) << 32) + sign * (np.int64(x) * np.int64(y)) +
                   np.int64(0x80000000)) >> 32)


@_jit
def _radix4by2_q31(buf, fft_len, coef, inverse):
    """arm_cfft_radix4by2_q31 (inverse: _inverse_q31)."""
    n2 = fft_len >> 1
    sgn = -1 if inverse else 1
    for i in range(n2):
        cos_v = np.int64(coef[2 * i])
        sin_v = np.int64(coef[2 * i + 1])
        ia = 2 * i
        il = 2 * (i + n2)
        xi = np.int64(buf[ia]) >> 2
        yi = np.int64(buf[ia + 1]) >> 2
        xl = np.int64(buf[il]) >> 2
        yl = np.int64(buf[il + 1]) >> 2
        xt = xi - xl
        yt = yi - yl
        buf[ia] = xi + xl
        buf[ia + 1] = yl + yi
        p0 = _mul_r(0, xt, cos_v, 1)
        p1 = _mul_r(0, yt, cos_v, 1)
        p0 = _mul_r(p0, yt, sin_v, sgn)
        p1 = _mul_r(p1, xt, sin_v, -sgn)
        buf[il] = wrap32(p0 << 1)
        buf[il + 1] = wrap32(p1 << 1)
    _radix4_q31(buf, 0, n2, coef, 2, inverse)
    _radix4_q31(buf, n2, n2, coef, 2, inverse)
    for i in range(2 * fft_len):
        buf[i] = wrap32(np.int64(buf[i]) << 1)


@_jit
def arm_cfft_q31(inst, buf, ifft_flag, bit_reverse_flag):
    """In-place Q31 complex FFT of inst.fft_len values, buf int32 (2 N,) re, im
    interleaved; forward X / N, inverse (ifft_flag 1) the unnormalised inverse
    DFT / N; bit_reverse_flag 0 leaves the output in CMSIS's butterfly order."""
    n = inst.fft_len
    if buf.shape[0] < 2 * n:
        raise ValueError("arm_cfft_q31: buffer shorter than 2 fft_len")
    if n & 0x55555555:  # 4^k: radix-4
        _radix4_q31(buf, 0, n, inst.twiddle, 1, ifft_flag != 0)
    else:
        _radix4by2_q31(buf, n, inst.twiddle, ifft_flag != 0)
    if bit_reverse_flag:  # arm_bitreversal_32: swap the complex words at each pair
        tab = inst.bitrev
        for i in range(0, tab.shape[0], 2):
            a = tab[i] >> 2
            b = tab[i + 1] >> 2
            t0 = buf[a]
            t1 = buf[a + 1]
            buf[a] = buf[b]
            buf[a + 1] = buf[b + 1]
            buf[b] = t0
            buf[b + 1] = t1


# ------------------------------------------------------------------ fast twin
# `cfft_q31_fast` runs `arm_cfft_q31` (forward or inverse) with the same operations on
# separate re/im arrays, each stage's butterflies in an order LLVM vectorizes
# (the butterflies of a stage are independent: the reference loops over the
# twiddle j outside and the group inside, this one the other way round), and
# leaves the bit reversal to the reader (table row 0). The groups of the last
# two stages (16 and 4 values) are too short for a vector loop, so a radix-4
# transform runs them on its values transposed (flen/16 x 16 -> 16 x flen/16,
# through the table's work rows): butterfly j of every group is then one
# contiguous run, and the outputs stay in that layout (row 0 says where).
# tests/test_fixed_fft.py holds it to `arm_cfft_q31` bit for bit.
def cfft_q31_fast_tables(inst: CfftQ31) -> np.ndarray:
    """int32 (9, N) for `cfft_q31_fast`: row 0 pos[k], the position of bin k
    in the fast twin's output (CMSIS's butterfly order, which
    `arm_bitreversal_32`'s swaps undo, with each radix-4 transform's values
    transposed as above); rows 1-6 cos1, sin1, cos2, sin2, cos3, sin3 of the
    radix-4 stage whose groups have quarter size q, for j < q at [q + j]
    (twiddle index j N / 4q, the same for the radix-4-by-2 halves, whose
    modifier is 2); rows 1, 2 at [N/2 + i] the radix-4-by-2 step's cos, sin of
    i; rows 7, 8 work (re, im transposed; contents do not carry between calls)."""
    n, tw = inst.fft_len, inst.twiddle.astype(np.int64)
    tab = np.zeros((9, n), np.int64)
    idx = np.arange(n)
    rev = inst.bitrev.astype(np.int64) >> 3  # complex index
    for a, b in zip(rev[0::2], rev[1::2], strict=True):
        idx[a], idx[b] = idx[b], idx[a]
    flen = n if n & 0x55555555 else n // 2  # one radix-4 transform's length
    off, p = idx - idx % flen, idx % flen
    tab[0] = off + (p % 16) * (flen // 16) + p // 16
    q = n // 4 if n & 0x55555555 else n // 8
    while q >= 1:
        j = np.arange(q) * (n // (4 * q))
        for r, m in enumerate((1, 2, 3)):
            tab[1 + 2 * r, q:2 * q] = tw[2 * m * j]
            tab[2 + 2 * r, q:2 * q] = tw[2 * m * j + 1]
        q //= 4
    if not n & 0x55555555:
        tab[1, n // 2:] = tw[0:n:2]
        tab[2, n // 2:] = tw[1:n:2]
    return tab.astype(np.int32)


@_jit
def _bfly_fast(re, im, a0, a1, a2, a3, tab, tj, first, sgn):
    """One twiddled radix-4 butterfly on re/im[a0..a3], twiddles tab[1..6, tj]:
    the first stage's (inputs already >> 4, twiddled outputs << 1) or a middle one's
    (sums >> 2, twiddled outputs >> 1); sgn 1 forward, -1 inverse (the sign of
    the sine terms, as `_radix4_q31`'s)."""
    sh_a = 0 if first else 2
    xa = np.int64(re[a0])
    ya = np.int64(im[a0])
    xb = np.int64(re[a1])
    yb = np.int64(im[a1])
    xc = np.int64(re[a2])
    yc = np.int64(im[a2])
    xd = np.int64(re[a3])
    yd = np.int64(im[a3])
    r1 = wrap32(xa + xc)
    r2 = wrap32(xa - xc)
    s1 = wrap32(ya + yc)
    s2 = wrap32(ya - yc)
    t1 = wrap32(xb + xd)
    t2 = wrap32(yb + yd)
    re[a0] = wrap32(r1 + t1) >> sh_a
    im[a0] = wrap32(s1 + t2) >> sh_a
    r1 = wrap32(r1 - t1)
    s1 = wrap32(s1 - t2)
    t1 = wrap32(yb - yd)
    t2 = wrap32(xb - xd)
    co2 = np.int64(tab[3, tj])
    si2 = np.int64(tab[4, tj])
    xc2 = wrap32(_mul(r1, co2) + sgn * _mul(s1, si2))
    yc2 = wrap32(_mul(s1, co2) - sgn * _mul(r1, si2))
    r1, r2 = wrap32(r2 + sgn * t1), wrap32(r2 - sgn * t1)
    s1, s2 = wrap32(s2 - sgn * t2), wrap32(s2 + sgn * t2)
    co1 = np.int64(tab[1, tj])
    si1 = np.int64(tab[2, tj])
    co3 = np.int64(tab[5, tj])
    si3 = np.int64(tab[6, tj])
    xb2 = wrap32(_mul(r1, co1) + sgn * _mul(s1, si1))
    yb2 = wrap32(_mul(s1, co1) - sgn * _mul(r1, si1))
    xd2 = wrap32(_mul(r2, co3) + sgn * _mul(s2, si3))
    yd2 = wrap32(_mul(s2, co3) - sgn * _mul(r2, si3))
    if first:
        re[a1] = wrap32(xc2 << 1)
        im[a1] = wrap32(yc2 << 1)
        re[a2] = wrap32(xb2 << 1)
        im[a2] = wrap32(yb2 << 1)
        re[a3] = wrap32(xd2 << 1)
        im[a3] = wrap32(yd2 << 1)
    else:
        re[a1] = xc2 >> 1
        im[a1] = yc2 >> 1
        re[a2] = xb2 >> 1
        im[a2] = yb2 >> 1
        re[a3] = xd2 >> 1
        im[a3] = yd2 >> 1


@_jit
def _stage_fast(re, im, off, flen, q, tab, first, sgn):
    """One stage (quarter size q) over the groups of re/im[off:off + flen]."""
    for g0 in range(off, off + flen, 4 * q):
        for j in range(q):
            a0 = np.uint64(g0 + j)
            a1 = a0 + np.uint64(q)
            a2 = a1 + np.uint64(q)
            a3 = a2 + np.uint64(q)
            _bfly_fast(re, im, a0, a1, a2, a3, tab, np.uint64(q + j), first, sgn)


def _rev4(i: int) -> int:
    return int(f"{i:04b}"[::-1], 2)


def _t16_factory(rev: bool):
    """`_t16` (rev False) or `_t16_rev` (True): y[yo + ystride r(c) + i] =
    x[xo + xstride r(i) + c] for i, c < 16, r the identity or the 4-bit
    reversal (C-contiguous int32 arrays; bounds are the caller's): a 16 x 16
    block of 16-word rows transposed in registers, 16 vector loads, 64
    two-vector shuffles, 16 vector stores. LLVM made the element loop a
    scatter (vpscatterdd), ~5x slower. The shuffles swap the off-diagonal
    blocks of every 2 x 2 block partition, 8 x 8 first, then 4 x 4, 2 x 2,
    1 x 1: together the transpose."""
    r = [_rev4(i) if rev else i for i in range(16)]

    def py(x, xo, xstride, y, yo, ystride):  # an intrinsic has no pure-Python form
        for i in range(16):
            for c in range(16):
                y[yo + ystride * r[c] + i] = x[xo + xstride * r[i] + c]

    @intrinsic
    def t16(typingctx, x, xo, xstride, y, yo, ystride):
        if not all(isinstance(a, types.Array) and a.dtype == types.int32 and a.ndim == 1
                   and a.layout == "C" for a in (x, y)):
            return None
        sig = types.void(x, types.intp, types.intp, y, types.intp, types.intp)

        def codegen(context, builder, signature, args):
            i32, i64 = ir.IntType(32), ir.IntType(64)
            row = ir.VectorType(i32, 16)
            xa = context.make_array(signature.args[0])(context, builder, args[0])
            ya = context.make_array(signature.args[3])(context, builder, args[3])

            def ptr(arr, off, stride, k):
                p = builder.gep(arr.data, [builder.add(off, builder.mul(stride,
                                                                         ir.Constant(i64, k)))])
                return builder.bitcast(p, row.as_pointer())

            v = [builder.load(ptr(xa, args[1], args[2], r[i]), align=4) for i in range(16)]
            for bs in (8, 4, 2, 1):
                lo = ir.Constant(ir.VectorType(i32, 16),
                                 [c if c & bs == 0 else 16 + c - bs for c in range(16)])
                hi = ir.Constant(ir.VectorType(i32, 16),
                                 [c + bs if c & bs == 0 else 16 + c for c in range(16)])
                for i in range(16):
                    if i & bs == 0:
                        v[i], v[i + bs] = (builder.shuffle_vector(v[i], v[i + bs], lo),
                                           builder.shuffle_vector(v[i], v[i + bs], hi))
            for c in range(16):
                builder.store(v[c], ptr(ya, args[4], args[5], r[c]), align=4)
            return context.get_dummy_value()

        return sig, codegen

    return py if nb.config.DISABLE_JIT else t16


_t16 = _t16_factory(False)
_t16_rev = _t16_factory(True)


@_jit
def _transpose16(x, y, off, m):
    """y[b m + a] = x[off + 16 a + b] (a < m, b < 16; m a multiple of 16), in
    16 x 16 blocks (`_t16`)."""
    for a0 in range(0, m, 16):
        _t16(x, off + 16 * a0, 16, y, a0, m)


@_jit
def _tail_fast(re, im, off, m, tab, sgn):
    """The last two stages of the transform at off (m = flen / 16): transpose
    its values into tab[7], tab[8], the middle stage of quarter 4 there (rows
    j, j + 4, j + 8, j + 12), the last stage (plain 4-sums of rows 4c..4c+3;
    outputs a, c, b, d) back into re/im[off:]."""
    tre, tim = tab[7], tab[8]
    _transpose16(re, tre, off, m)
    _transpose16(im, tim, off, m)
    for j in range(4):
        for a in range(m):
            a0 = np.uint64(j * m + a)
            a1 = a0 + np.uint64(4 * m)
            a2 = a1 + np.uint64(4 * m)
            a3 = a2 + np.uint64(4 * m)
            _bfly_fast(tre, tim, a0, a1, a2, a3, tab, np.uint64(4 + j), False, sgn)
    for c in range(4):
        for a in range(m):
            a0 = np.uint64(4 * c * m + a)
            a1 = a0 + np.uint64(m)
            a2 = a1 + np.uint64(m)
            a3 = a2 + np.uint64(m)
            xa = np.int64(tre[a0])
            ya = np.int64(tim[a0])
            xb = np.int64(tre[a1])
            yb = np.int64(tim[a1])
            xc = np.int64(tre[a2])
            yc = np.int64(tim[a2])
            xd = np.int64(tre[a3])
            yd = np.int64(tim[a3])
            o0 = np.uint64(off) + a0
            o1 = np.uint64(off) + a1
            o2 = np.uint64(off) + a2
            o3 = np.uint64(off) + a3
            re[o0] = wrap32(xa + xb + xc + xd)
            im[o0] = wrap32(ya + yb + yc + yd)
            re[o1] = wrap32(xa - xb + xc - xd)
            im[o1] = wrap32(ya - yb + yc - yd)
            re[o2] = wrap32(xa + sgn * (yb - yd) - xc)
            im[o2] = wrap32(ya - sgn * (xb - xd) - yc)
            re[o3] = wrap32(xa - sgn * (yb - yd) - xc)
            im[o3] = wrap32(ya + sgn * (xb - xd) - yc)


# The strides of the loops above (q, m) as compile-time constants, one call per
# value (numba types a literal argument as a constant): LLVM then sees each
# array's four streams a0 + {0, q, 2q, 3q} at constant distances, checks them
# for overlap as one, and vectorizes; with a run-time stride it would have to
# check every pair and leaves the loop scalar (a stage ~8x slower).
@_jit
def _stage_const(re, im, off, flen, q, tab, first, sgn):
    if q == 1024:
        _stage_fast(re, im, off, flen, 1024, tab, first, sgn)
    elif q == 256:
        _stage_fast(re, im, off, flen, 256, tab, first, sgn)
    elif q == 64:
        _stage_fast(re, im, off, flen, 64, tab, first, sgn)
    else:
        _stage_fast(re, im, off, flen, 16, tab, first, sgn)


@_jit
def _radix4_fast(re, im, off, flen, tab, sgn):
    """_radix4_q31 (sgn 1 forward, -1 inverse) on re/im[off:off + flen], flen
    in 256, 1024, 4096: the first stage and the middle ones down to groups of
    64 in place, the last two transposed (`_tail_fast`; value p of the
    transform at off + (p % 16) flen/16 + p // 16)."""
    # the first stage's inputs >> 4 as a pass of their own: in the butterfly, the
    # shift keeps LLVM from vectorizing the stage (10x slower)
    for i in range(off, off + flen):
        re[i] >>= 4
        im[i] >>= 4
    q = flen >> 2
    _stage_const(re, im, off, flen, q, tab, True, sgn)
    while q > 16:
        q >>= 2
        _stage_const(re, im, off, flen, q, tab, False, sgn)
    if flen == 4096:
        _tail_fast(re, im, off, 256, tab, sgn)
    elif flen == 1024:
        _tail_fast(re, im, off, 64, tab, sgn)
    else:
        _tail_fast(re, im, off, 16, tab, sgn)


@_jit
def natural_order(tab, re, im, nre, nim):
    """nre[k], nim[k] = re, im at position tab[0, k]: `cfft_q31_fast`'s output
    in natural order. For N = 4096 bin k = 256 h + 16 j + l is at position
    256 r(h) + 16 r(l) + r(j) (r the 4-bit reversal; tests/test_fixed_fft.py),
    so each block of 256 is a 16 x 16 transpose with its rows reversed
    (`_t16_rev`); ~4x faster than the element loop (a gather) that other
    sizes take."""
    n = re.shape[0]
    if n == 4096:
        for h in range(16):
            rh = ((h & 1) << 3) | ((h & 2) << 1) | ((h & 4) >> 1) | ((h & 8) >> 3)
            _t16_rev(re, 256 * rh, 16, nre, 256 * h, 16)
            _t16_rev(im, 256 * rh, 16, nim, 256 * h, 16)
        return
    pos = tab[0]
    for k in range(n):
        pk = np.uint64(pos[k])
        nre[k] = re[pk]
        nim[k] = im[pk]


@_jit
def cfft_q31_fast(tab, re, im, ifft_flag):
    """arm_cfft_q31 of N = re.shape[0] values held as re, im (int32, in place),
    forward (ifft_flag 0) or inverse (1), bit for bit; output k ends at
    position tab[0, k] (both directions share the butterfly order)."""
    n = re.shape[0]
    sgn = np.int64(-1 if ifft_flag else 1)
    if n & 0x55555555:
        _radix4_fast(re, im, 0, n, tab, sgn)
        return
    n2 = n >> 1
    cs, sn = tab[1], tab[2]
    for i in range(n2):
        ia = np.uint64(i)
        il = np.uint64(i + n2)
        cos_v = np.int64(cs[il])
        sin_v = np.int64(sn[il])
        xi = np.int64(re[ia]) >> 2
        yi = np.int64(im[ia]) >> 2
        xl = np.int64(re[il]) >> 2
        yl = np.int64(im[il]) >> 2
        xt = xi - xl
        yt = yi - yl
        re[ia] = xi + xl
        im[ia] = yl + yi
        p0 = _mul_r(_mul_r(0, xt, cos_v, 1), yt, sin_v, sgn)
        p1 = _mul_r(_mul_r(0, yt, cos_v, 1), xt, sin_v, -sgn)
        re[il] = wrap32(p0 << 1)
        im[il] = wrap32(p1 << 1)
    _radix4_fast(re, im, 0, n2, tab, sgn)
    _radix4_fast(re, im, n2, n2, tab, sgn)
    for i in range(n):
        re[i] = wrap32(np.int64(re[i]) << 1)
        im[i] = wrap32(np.int64(im[i]) << 1)
