"""numba twins of the primitives in ``ops`` (same names, same results).

These are what the kernels call. Each works in int64 (numba's machine int)
and forms no intermediate that could overflow int64 except where the op is
defined to wrap; ``ops`` (unbounded Python ints) is the specification and
``tests/test_fixed_ops.py`` checks every op here against it. Results are int64
scalars holding the value of the named result word; storing them into an
int32/int16 array is then exact.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .ops import (
    INT16_MAX,
    INT16_MIN,
    INT32_MAX,
    INT32_MIN,
    RECIP_NEWTON_ITERATIONS,
    RECIP_SEED_A_Q29,
    RECIP_SEED_B_Q29,
)

_jit = nb.njit(cache=True)

M32 = 0xFFFFFFFF


@_jit
def wrap16(x):
    return np.int64(np.int16(np.int64(x)))


@_jit
def wrap32(x):
    return np.int64(np.int32(np.int64(x)))


@_jit
def wrap64(x):
    return np.int64(x)


@_jit
def sat_bits(x, n):
    x = np.int64(x)
    hi = (np.int64(1) << (n - 1)) - 1
    lo = -hi - 1
    return lo if x < lo else (hi if x > hi else x)


@_jit
def sat16(x):
    x = np.int64(x)
    return np.int64(INT16_MIN) if x < INT16_MIN else (np.int64(INT16_MAX) if x > INT16_MAX else x)


@_jit
def sat32(x):
    x = np.int64(x)
    return np.int64(INT32_MIN) if x < INT32_MIN else (np.int64(INT32_MAX) if x > INT32_MAX else x)


@_jit
def sat_q63_to_q31(x):
    return sat32(x)


@_jit
def shr_floor(x, s):
    return np.int64(x) >> s  # numba's >> on signed ints is arithmetic


@_jit
def shr_round(x, s):
    # floor(x/2^s) + (bit s-1 of x): no x + 2^(s-1) that could overflow.
    x = np.int64(x)
    if s == 0:
        return x
    return (x >> s) + ((x >> (s - 1)) & 1)


@_jit
def shr_convergent(x, s):
    x = np.int64(x)
    if s == 0:
        return x
    q = x >> s
    r = x - (q << s)  # 0 <= r < 2^s, exact (q << s is x with low bits cleared)
    half = np.int64(1) << (s - 1)
    if r > half or (r == half and (q & 1) == 1):
        q += 1
    return q


@_jit
def shr_floor_wrap32(x, s):
    return wrap32(np.int64(x) >> s)


@_jit
def shl64_wrap(x, s):
    return np.int64(x) << s  # numba int64 << wraps (keeps low 64 bits)


@_jit
def shl32_sat(x, s):
    return sat32(np.int64(x) << s)  # |x| < 2^31, s <= 31: exact in int64


@_jit
def add32_wrap(a, b):
    return wrap32(np.int64(a) + np.int64(b))


@_jit
def add32_sat(a, b):
    return sat32(np.int64(a) + np.int64(b))


@_jit
def sub32_wrap(a, b):
    return wrap32(np.int64(a) - np.int64(b))


@_jit
def sub32_sat(a, b):
    return sat32(np.int64(a) - np.int64(b))


@_jit
def add16_sat(a, b):
    return sat16(np.int64(a) + np.int64(b))


@_jit
def add64_wrap(a, b):
    return np.int64(a) + np.int64(b)  # numba int64 + wraps


@_jit
def neg32_sat(a):
    return sat32(-np.int64(a))


@_jit
def abs32_sat(a):
    return sat32(abs(np.int64(a)))


@_jit
def mult_q31x31_q62(a, b):
    return np.int64(a) * np.int64(b)


@_jit
def mult_q15x15_q30(a, b):
    return np.int64(a) * np.int64(b)


@_jit
def mult_q63x31_q62(x, y):
    # CMSIS mult32x64: floor(lo32(x)*y / 2^32) + hi32(x)*y; no term overflows.
    x = np.int64(x)
    y = np.int64(y)
    return (((x & M32) * y) >> 32) + ((x >> 32) * y)


@_jit
def mac_wrap64(acc, a, b):
    return np.int64(acc) + np.int64(a) * np.int64(b)


@_jit
def mac_wrap32(acc, a, b):
    return wrap32(np.int64(acc) + np.int64(a) * np.int64(b))  # exact in int64, then wrap


@_jit
def mult_q31(a, b):
    return sat_bits((np.int64(a) * np.int64(b)) >> 32, 31) * 2


@_jit
def mult_q15(a, b):
    return sat16((np.int64(a) * np.int64(b)) >> 15)


@_jit
def div_trunc(a, b):
    a = np.int64(a)
    b = np.int64(b)
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


@_jit
def clz32(x):
    x = np.int64(x) & M32
    if x == 0:
        return np.int64(32)
    n = np.int64(0)
    if x <= 0x0000FFFF:
        n += 16
        x <<= 16
    if x <= 0x00FFFFFF:
        n += 8
        x <<= 8
    if x <= 0x0FFFFFFF:
        n += 4
        x <<= 4
    if x <= 0x3FFFFFFF:
        n += 2
        x <<= 2
    if x <= 0x7FFFFFFF:
        n += 1
    return n


@_jit
def recip_norm_q30(d):
    d = np.int64(d)
    r = RECIP_SEED_A_Q29 - ((RECIP_SEED_B_Q29 * d) >> 31)
    r = r * 2
    for _ in range(RECIP_NEWTON_ITERATIONS):
        p = shr_floor(d * r, 31)  # r may reach 2^31: int64 product <= 2^62
        r = shr_floor(r * ((np.int64(1) << 31) - p), 30)
    return r


@_jit
def div_q31(num, den):
    num = np.int64(num)
    den = np.int64(den)
    if den == 0:
        if num == 0:
            return np.int64(0)
        return np.int64(INT32_MAX) if num > 0 else np.int64(INT32_MIN)
    neg = (num < 0) != (den < 0)
    n = abs(num)
    dabs = abs(den)
    s = clz32(dabs) - 1
    d = (dabs << s) if s >= 0 else (dabs >> 1)
    r = recip_norm_q30(d)
    q = shr_round(n * r, 30 - s)
    return sat32(-q if neg else q)


@_jit
def div_q30_floor(num, den):
    return (np.int64(num) << 30) // np.int64(den)


@_jit
def xorshift32(state):
    x = np.int64(state) & M32
    x ^= (x << 13) & M32
    x ^= x >> 17
    x ^= (x << 5) & M32
    return x


@_jit
def as_int32(u):
    return wrap32(u)
