"""The fixed-point primitive vocabulary: the readable specification.

Every fixed-point block in soundstage is written in these primitives (Python
model: the numba twins in ``ops_nb``; C runtime: ``firmware_export/runtime/
ss_ops.h``; same names, same argument order, same results). This module is the
*spec*: plain Python on unbounded ``int``, each op a direct transcription of
its mathematical definition, so a reader can check it by eye. Tests check the
numba and C versions against these.

Conventions (as in Opus ``fixed_generic.h`` / ITU-T ``basop32``):

* ``qN`` is a signed fractional format with N fraction bits in an (N+1)-bit
  word: Q31 in int32 is [-1, 1 - 2^-31], Q15 in int16 is [-1, 1 - 2^-15].
  ``q62`` is a Q31xQ31 product held in int64.
* ``_wrap`` = two's-complement wrap-around (intentional, Opus' ``_ovflw``);
  ``_sat`` = clamp to the range of the result word.
* Right shifts name their rounding: ``shr_floor`` (what an arithmetic shift
  does: toward -inf), ``shr_round`` (half up, toward +inf), ``shr_convergent``
  (half to even). Python's ``>>`` floors; C's ``>>`` on a negative value is
  implementation-defined and C's ``/`` truncates toward zero -- the runtime
  never uses either on a possibly-negative value outside these ops.
* "Range" states what callers may pass; outside it the result is undefined
  (the C twin may then differ).
"""

from __future__ import annotations

INT16_MIN, INT16_MAX = -(1 << 15), (1 << 15) - 1
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


# ---------------------------------------------------------------- wrap / sat
def wrap16(x: int) -> int:
    """Two's-complement wrap of any integer to int16: the unique y in
    [-2^15, 2^15) with y = x mod 2^16. Corner: wrap16(2^15) = -2^15."""
    return ((x + (1 << 15)) % (1 << 16)) - (1 << 15)


def wrap32(x: int) -> int:
    """Two's-complement wrap of any integer to int32: y in [-2^31, 2^31),
    y = x mod 2^32 (what C's (int32_t) cast does on gcc). Corner:
    wrap32(2^31) = -2^31."""
    return ((x + (1 << 31)) % (1 << 32)) - (1 << 31)


def wrap64(x: int) -> int:
    """Two's-complement wrap of any integer to int64: y in [-2^63, 2^63),
    y = x mod 2^64 (what a 64-bit accumulator does on overflow)."""
    return ((x + (1 << 63)) % (1 << 64)) - (1 << 63)


def sat_bits(x: int, n: int) -> int:
    """Saturate any integer to signed n bits: clamp to [-2^(n-1), 2^(n-1)-1].
    Range: 2 <= n <= 64."""
    lo, hi = -(1 << (n - 1)), (1 << (n - 1)) - 1
    return lo if x < lo else hi if x > hi else x


def sat16(x: int) -> int:
    """Saturate to int16: clamp to [-32768, 32767] (CMSIS __SSAT(x, 16))."""
    return sat_bits(x, 16)


def sat32(x: int) -> int:
    """Saturate to int32: clamp to [-2^31, 2^31-1] (CMSIS __SSAT(x, 32))."""
    return sat_bits(x, 32)


def sat_q63_to_q31(x: int) -> int:
    """CMSIS ``clip_q63_to_q31``: an int64 clamped to int32 *without* a shift
    (the names are the containers). Same as sat32 on x in int64."""
    return sat32(x)


# --------------------------------------------------------------------- shifts
def shr_floor(x: int, s: int) -> int:
    """floor(x / 2^s): arithmetic right shift (rounds toward -inf).
    Range: x int64, 0 <= s <= 63. Corner: shr_floor(-1, s) = -1 for s >= 0."""
    return x >> s  # Python's >> on int is exactly floor division by 2^s


def shr_round(x: int, s: int) -> int:
    """floor((x + 2^(s-1)) / 2^s) for s >= 1, x for s = 0: round to nearest,
    ties toward +inf ("half up"). Range: x int64, 0 <= s <= 62. Exact even
    where x + 2^(s-1) would overflow int64 (the twins never form that sum).
    Corner: shr_round(-3, 1) = -1 (−1.5 → −1), shr_round(3, 1) = 2."""
    if s == 0:
        return x
    return (x + (1 << (s - 1))) // (1 << s)


def shr_convergent(x: int, s: int) -> int:
    """x / 2^s rounded to nearest, ties to even ("convergent", banker's).
    Range: x int64, 0 <= s <= 62. Corner: 1.5 → 2, 2.5 → 2, −2.5 → −2."""
    if s == 0:
        return x
    q, r = divmod(x, 1 << s)  # q = floor, 0 <= r < 2^s
    half = 1 << (s - 1)
    if r > half or (r == half and q % 2 == 1):
        q += 1
    return q


def shr_floor_wrap32(x: int, s: int) -> int:
    """wrap32(floor(x / 2^s)): narrow a 64-bit accumulator to its 32 bits at
    position s (the CMSIS q31 biquad/FIR output step). Range: x int64,
    1 <= s <= 31. (C computes it from the two words without a 64-bit shift:
    lo >> s | hi << (32 - s), on uint32.)"""
    return wrap32(x >> s)


def shl64_wrap(x: int, s: int) -> int:
    """wrap64(x * 2^s): left shift of an int64 keeping the low 64 bits (bits
    shifted past bit 63 are lost). Range: x int64, 0 <= s <= 63."""
    return wrap64(x << s)


def shl32_sat(x: int, s: int) -> int:
    """sat32(x * 2^s). Range: x int32, 0 <= s <= 31."""
    return sat32(x << s)


# ------------------------------------------------------------- add / subtract
def add32_wrap(a: int, b: int) -> int:
    """wrap32(a + b). Range: a, b int32. Corner: 2^31-1 + 1 = -2^31."""
    return wrap32(a + b)


def add32_sat(a: int, b: int) -> int:
    """sat32(a + b) (CMSIS __QADD, arm_add_q31). Range: a, b int32."""
    return sat32(a + b)


def sub32_wrap(a: int, b: int) -> int:
    """wrap32(a - b). Range: a, b int32."""
    return wrap32(a - b)


def sub32_sat(a: int, b: int) -> int:
    """sat32(a - b) (CMSIS __QSUB). Range: a, b int32. Corner: 0 - (-2^31)
    = 2^31-1."""
    return sat32(a - b)


def add16_sat(a: int, b: int) -> int:
    """sat16(a + b) (CMSIS __QADD16 lane, arm_add_q15). Range: a, b int16."""
    return sat16(a + b)


def add64_wrap(a: int, b: int) -> int:
    """wrap64(a + b): 64-bit accumulator add. Range: a, b int64."""
    return wrap64(a + b)


def neg32_sat(a: int) -> int:
    """sat32(-a). Range: a int32. Corner: neg32_sat(-2^31) = 2^31-1."""
    return sat32(-a)


def abs32_sat(a: int) -> int:
    """sat32(|a|). Range: a int32. Corner: abs32_sat(-2^31) = 2^31-1."""
    return sat32(abs(a))


# ------------------------------------------------------------------- multiply
def mult_q31x31_q62(a: int, b: int) -> int:
    """a * b exactly, Q31 x Q31 -> Q62 in int64. Range: a, b int32; result in
    [-2^62 + 2^31, 2^62]. Corner: (-2^31) * (-2^31) = 2^62 (fits; no overflow
    is possible)."""
    return a * b


def mult_q15x15_q30(a: int, b: int) -> int:
    """a * b exactly, Q15 x Q15 -> Q30 in int32. Range: a, b int16; result in
    [-2^30 + 2^15, 2^30]. Corner: (-2^15) * (-2^15) = 2^30."""
    return a * b


def mult_q63x31_q62(x: int, y: int) -> int:
    """floor(x * y / 2^32): the top 64 bits of the 96-bit product, a Q63 state
    times a Q31 coefficient as Q62 (CMSIS ``mult32x64``, which computes it as
    floor(lo32(x) * y / 2^32) + hi32(x) * y -- the same number, exactly).
    Range: x int64, y int32; |result| <= 2^62."""
    return (x * y) >> 32


def mac_wrap64(acc: int, a: int, b: int) -> int:
    """wrap64(acc + a * b): multiply-accumulate into a 64-bit accumulator that
    wraps (CMSIS q31 MAC, SMLAL). Range: acc int64, a, b int32."""
    return wrap64(acc + a * b)


def mac_wrap32(acc: int, a: int, b: int) -> int:
    """wrap32(acc + a * b): multiply-accumulate into a 32-bit accumulator that
    wraps (one lane of CMSIS __SMLAD, the MAC of the *fast* q15 kernels; the
    Q flag SMLAD sets on overflow is not part of the result). Range: acc
    int32, a, b int16 (the product, at most 2^30, is exact). Corner:
    mac_wrap32(2^30, -2^15, -2^15) = 2^31 wraps to -2^31."""
    return wrap32(acc + a * b)


def mult_q31(a: int, b: int) -> int:
    """CMSIS ``arm_mult_q31`` per element: sat_bits(floor(a*b / 2^32), 31) * 2.
    Q31 x Q31 -> Q31, bit 0 always 0 (CMSIS drops it). Range: a, b int32.
    Corner: (-2^31) * (-2^31) -> 0x7FFFFFFE."""
    return sat_bits((a * b) >> 32, 31) * 2


def mult_q15(a: int, b: int) -> int:
    """CMSIS ``arm_mult_q15`` per element: sat16(floor(a*b / 2^15)).
    Range: a, b int16. Corner: (-2^15) * (-2^15) -> 32767."""
    return sat16((a * b) >> 15)


# ---------------------------------------------------------------- divide etc.
def div_trunc(a: int, b: int) -> int:
    """a / b truncated toward zero -- C99's ``/``. (Python's ``//`` floors:
    -7 // 2 = -4, div_trunc(-7, 2) = -3.) Range: int64, b != 0, not
    (a = -2^63 and b = -1)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def clz32(x: int) -> int:
    """Count of leading zero bits of x as a uint32 (CMSIS __CLZ). Range:
    0 <= x < 2^32. Corner: clz32(0) = 32."""
    return 32 - x.bit_length()


# Newton-Raphson reciprocal seed: r0 = 48/17 - 32/17 * d (the minimax line for
# 1/d on [1/2, 1), max relative error 1/17), both constants in Q29 rounded to
# nearest. Q29 so that 48/17 = 2.82 fits below 2^31.
RECIP_SEED_A_Q29 = 1515870810  # round(48/17 * 2^29)
RECIP_SEED_B_Q29 = 1010580540  # round(32/17 * 2^29)
RECIP_NEWTON_ITERATIONS = 3  # error 1/17 -> 2^-8.2 -> 2^-16.3 -> below Q30 LSB


def recip_norm_q30(d: int) -> int:
    """Reciprocal of a normalized Q31 value: about 2^61 / d, i.e. 1/d in Q30.
    Range: 2^30 <= d < 2^31 (d in [0.5, 1)); result in (2^30, 2^31].
    Algorithm (integer only, the C twin does the same steps):
      r = A - floor(B * d / 2^31)                        (seed, Q29 -> Q30 below)
      r = r * 2                                          (Q30)
      3 x:  p = floor(d * r / 2^31)      (d*r, Q30, about 1.0 = 2^30)
            r = floor(r * (2^31 - p) / 2^30)             (r * (2 - d*r), Q30)
    Accuracy: |r - 2^61/d| <= 4 (tested against exact rationals)."""
    r = RECIP_SEED_A_Q29 - ((RECIP_SEED_B_Q29 * d) >> 31)
    r = r * 2
    for _ in range(RECIP_NEWTON_ITERATIONS):
        p = shr_floor(d * r, 31)  # r may reach 2^31: a plain int64 product, <= 2^62
        r = shr_floor(r * ((1 << 31) - p), 30)
    return r


def div_q31(num: int, den: int) -> int:
    """num / den as Q31, saturated: about sat32(round(num * 2^31 / den)).
    Range: num, den int32. The ratio of two samples in the same format (the
    upmixer's projection gain); |num| <= |den| gives a result in [-1, 1].
    Algorithm: |den| normalized by clz to d in [2^30, 2^31), r = recip_norm_q30
    (d), q = shr_round(|num| * r, 30 - s) where |den| = d / 2^s, sign applied,
    then sat32. Corners: den = 0 -> INT32_MAX if num > 0, INT32_MIN if
    num < 0, 0 if num = 0; quotients beyond Q31 saturate. Accuracy: within
    2 LSB + 2^-29 relative of the exact quotient (tested)."""
    if den == 0:
        return 0 if num == 0 else (INT32_MAX if num > 0 else INT32_MIN)
    neg = (num < 0) != (den < 0)
    n, dabs = abs(num), abs(den)  # both <= 2^31, exact in int64
    s = clz32(dabs) - 1  # dabs << s in [2^30, 2^31); s = -1 for dabs = 2^31
    d = dabs << s if s >= 0 else dabs >> 1
    r = recip_norm_q30(d)
    q = shr_round(n * r, 30 - s)  # n * r <= 2^62; 30 - s in [0, 31]
    return sat32(-q if neg else q)


def div_q30_floor(num: int, den: int) -> int:
    """floor(num * 2^30 / den) exactly: the ratio num/den < 1 as a Q30 gain,
    never above the true ratio (the limiter's target gain: applied to a sample
    of magnitude den it cannot exceed num). Range: 0 <= num < den <= 2^31;
    result in [0, 2^30). (C: an unsigned 64 / 32-bit division; both operands
    are non-negative, so C's truncation and Python's floor agree.)"""
    return (num << 30) // den


# ------------------------------------------------------------------- dither
XORSHIFT32_DEFAULT_SEED = 0x2545F491


def xorshift32(state: int) -> int:
    """One step of Marsaglia's xorshift32 (shifts 13, 17, 5) on a uint32:
        x ^= x << 13 (mod 2^32);  x ^= x >> 17;  x ^= x << 5 (mod 2^32).
    A linear feedback shift register over GF(2)^32 with period 2^32 - 1 over
    the nonzero states; its characteristic polynomial (primitive, degree 32)
    is XORSHIFT32_POLY below. Range: 0 < state < 2^32 (0 is a fixed point)."""
    m = 0xFFFFFFFF
    state ^= (state << 13) & m
    state ^= state >> 17
    state ^= (state << 5) & m
    return state


# Characteristic polynomial over GF(2) of the xorshift32 (13, 17, 5) step
# matrix, bit k = coefficient of x^k:
#   x^32 + x^21 + x^20 + x^19 + x^18 + x^17 + x^15 + x^14 + x^9 + x^6 + 1
# (primitive; the tests recover it from the bit stream by Berlekamp-Massey
# and check primitivity, i.e. the period 2^32 - 1).
XORSHIFT32_POLY = 0x1_003E_C241


def as_int32(u: int) -> int:
    """Reinterpret a uint32 bit pattern as int32 (two's complement)."""
    return wrap32(u)
