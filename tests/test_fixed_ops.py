"""The primitive vocabulary: numba twins vs the plain spec, and the spec vs
independent definitions (exact rationals, numpy casts, the cmsisdsp package).

Vectors: hand-picked corner cases (the -1 x -1 product, wrap edges, negative
values under every rounding) plus seeded random draws over each op's range.
"""

from __future__ import annotations

import math
from fractions import Fraction

import cmsisdsp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp_model.fixed import ops, ops_nb

I16 = (-(1 << 15), (1 << 15) - 1)
I32 = (-(1 << 31), (1 << 31) - 1)
I64 = (-(1 << 63), (1 << 63) - 1)
EDGE32 = [I32[0], I32[0] + 1, -(1 << 30), -3, -2, -1, 0, 1, 2, 3, 1 << 30, I32[1] - 1, I32[1]]
EDGE16 = [I16[0], I16[0] + 1, -1, 0, 1, I16[1] - 1, I16[1]]
EDGE64 = [I64[0], I64[0] + 1, -(1 << 62), -(1 << 32) - 1, -(1 << 31), -5, -3, -1, 0, 1, 3, 5]
EDGE64 += [(1 << 31), (1 << 32) + 1, 1 << 62, I64[1] - 1, I64[1]]

rng = np.random.default_rng(20261125)


def rand(lo, hi, n=400):
    return [int(v) for v in rng.integers(lo, hi, n, endpoint=True, dtype=np.int64)]


R32, R16, R64 = rand(*I32), rand(*I16), rand(*I64)
SHIFTS = list(range(0, 63))


def same(name, *args):
    spec = getattr(ops, name)(*args)
    fast = int(getattr(ops_nb, name)(*args))
    assert fast == spec, f"{name}{args}: numba {fast} != spec {spec}"
    return spec


# ------------------------------------------------- numba twin == spec, unary
@pytest.mark.parametrize(
    "name, values",
    [
        ("wrap16", EDGE32 + EDGE16 + R32),
        ("wrap32", EDGE64 + R64),
        ("wrap64", EDGE64 + R64),
        ("sat16", EDGE32 + EDGE16 + R32),
        ("sat32", EDGE64 + R64),
        ("sat_q63_to_q31", EDGE64 + R64),
        ("neg32_sat", EDGE32 + R32),
        ("abs32_sat", EDGE32 + R32),
        ("clz32", [0, 1, 2, 3, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]),
        ("as_int32", [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]),
    ],
)
def test_unary_twin(name, values):
    for v in values:
        same(name, v)


@pytest.mark.parametrize("name", ["shr_floor", "shr_round", "shr_convergent", "shl64_wrap"])
def test_shift_twin(name):
    for v in EDGE64 + R64[:100]:
        for s in SHIFTS:
            same(name, v, s)


def test_shr_floor_wrap32_twin_and_definition():
    for v in EDGE64 + R64[:100]:
        for s in range(1, 32):
            assert same("shr_floor_wrap32", v, s) == ops.wrap32(ops.shr_floor(v, s))


def test_shl32_sat_twin():
    for v in EDGE32 + R32[:100]:
        for s in range(32):
            same("shl32_sat", v, s)


@pytest.mark.parametrize(
    "name, dom",
    [
        ("add32_wrap", (EDGE32, R32)),
        ("add32_sat", (EDGE32, R32)),
        ("sub32_wrap", (EDGE32, R32)),
        ("sub32_sat", (EDGE32, R32)),
        ("add16_sat", (EDGE16, R16)),
        ("add64_wrap", (EDGE64, R64)),
        ("mult_q31x31_q62", (EDGE32, R32)),
        ("mult_q15x15_q30", (EDGE16, R16)),
        ("mult_q31", (EDGE32, R32)),
        ("mult_q15", (EDGE16, R16)),
    ],
)
def test_binary_twin(name, dom):
    edge, rnd = dom
    for a in edge:
        for b in edge:
            same(name, a, b)
    for a, b in zip(rnd, rnd[1:] + rnd[:1], strict=True):
        same(name, a, b)


def test_mult_q63x31_q62_twin_and_cmsis_form():
    for x in EDGE64 + R64:
        for y in EDGE32 + R32[:20]:
            spec = same("mult_q63x31_q62", x, y)
            # CMSIS mult32x64 form: floor(lo32(x)*y / 2^32) + hi32(x)*y
            assert spec == (((x & 0xFFFFFFFF) * y) >> 32) + ((x >> 32) * y)


def test_mac_wrap64_twin():
    for acc in EDGE64 + R64[:50]:
        for a, b in [(I32[0], I32[0]), (I32[1], I32[0]), (I32[1], I32[1]), (-1, 1)]:
            same("mac_wrap64", acc, a, b)
    for acc, a, b in zip(R64, R32, R32[::-1], strict=True):
        same("mac_wrap64", acc, a, b)


def test_mac_wrap32_twin_and_smlad():
    """The 32-bit MAC of the fast q15 kernels: twin == spec, and two of them
    are CMSIS none.h's __SMLAD (int32 sum of both lane products and acc,
    wrapping) on packed q15 pairs."""
    for acc in EDGE32 + R32[:50]:
        for a, b in [(I16[0], I16[0]), (I16[1], I16[0]), (I16[1], I16[1]), (-1, 1), (0, 5)]:
            same("mac_wrap32", acc, a, b)
    for acc, a, b in zip(R32, R16, R16[::-1], strict=True):
        same("mac_wrap32", acc, a, b)
    assert ops.mac_wrap32(1 << 30, I16[0], I16[0]) == I32[0]  # 2^31 wraps
    for acc, a, b, c, d in zip(R32, R16, R16[1:], R16[2:], R16[3:], strict=False):
        smlad = np.int32(np.int64(a) * c + np.int64(b) * d + acc)  # numpy: wraps
        assert ops.mac_wrap32(ops.mac_wrap32(acc, a, c), b, d) == int(smlad)


def test_div_trunc_twin_and_c_semantics():
    cases = [(-7, 2), (7, -2), (-7, -2), (7, 2), (0, -3), (I64[0] + 1, -1), (I64[0], 1)]
    cases += list(zip(R64[:200], [b or 1 for b in R32[:200]], strict=True))
    for a, b in cases:
        q = same("div_trunc", a, b)
        assert q == math.trunc(Fraction(a, b))  # C99: toward zero
    assert ops.div_trunc(-7, 2) == -3 and -7 // 2 == -4  # the pinned difference


def test_sat_bits_twin():
    for v in EDGE64 + R64[:50]:
        for n in (2, 8, 16, 24, 31, 32, 48, 63, 64):
            same("sat_bits", v, n)


# ------------------------------------------------ spec vs independent truth
def test_shift_specs_against_rationals():
    for v in EDGE64 + R64[:60]:
        for s in SHIFTS:
            f = Fraction(v, 1 << s)
            assert ops.shr_floor(v, s) == math.floor(f)
            assert ops.shr_round(v, s) == math.floor(f + Fraction(1, 2))  # half up
            assert ops.shr_convergent(v, s) == round(f)  # Python rounds half to even
    # named corners
    assert ops.shr_round(-3, 1) == -1 and ops.shr_round(3, 1) == 2
    assert [ops.shr_convergent(v, 1) for v in (3, 5, -5, -3)] == [2, 2, -2, -2]
    assert ops.shr_floor(-1, 40) == -1


def test_wrap_sat_specs_against_numpy():
    a = np.array(EDGE64 + R64, dtype=np.int64)
    assert [ops.wrap32(int(v)) for v in a] == a.astype(np.int32).tolist()
    assert [ops.wrap16(int(v)) for v in a] == a.astype(np.int16).tolist()
    assert [ops.sat32(int(v)) for v in a] == np.clip(a, *I32).tolist()
    assert ops.wrap32(1 << 31) == I32[0] and ops.wrap64(1 << 63) == I64[0]
    assert ops.mult_q31x31_q62(I32[0], I32[0]) == 1 << 62


def test_clz32_spec():
    for v in [1, 2, 0x80000000, 0xFFFFFFFF] + [abs(r) for r in R32[:100]]:
        assert ops.clz32(v) == 32 - len(bin(v)) + 2
    assert ops.clz32(0) == 32


def test_mult_q31_q15_add_against_cmsisdsp():
    a = np.array(EDGE32 + R32, np.int32)
    b = np.array(EDGE32[::-1] + R32[::-1], np.int32)
    ref = cmsisdsp.arm_mult_q31(a, b)
    assert [ops.mult_q31(int(x), int(y)) for x, y in zip(a, b, strict=True)] == ref.tolist()
    assert ops.mult_q31(I32[0], I32[0]) == 0x7FFFFFFE
    ref = cmsisdsp.arm_add_q31(a, b)
    assert [ops.add32_sat(int(x), int(y)) for x, y in zip(a, b, strict=True)] == ref.tolist()
    a16 = np.array(EDGE16 + R16, np.int16)
    b16 = np.array(EDGE16[::-1] + R16[::-1], np.int16)
    ref = cmsisdsp.arm_mult_q15(a16, b16)
    assert [ops.mult_q15(int(x), int(y)) for x, y in zip(a16, b16, strict=True)] == ref.tolist()
    ref = cmsisdsp.arm_add_q15(a16, b16)
    assert [ops.add16_sat(int(x), int(y)) for x, y in zip(a16, b16, strict=True)] == ref.tolist()


# ------------------------------------------------------- division / recip
def test_recip_norm_accuracy_and_twin():
    ds = [1 << 30, (1 << 30) + 1, 3 << 29, (1 << 31) - 2, (1 << 31) - 1]
    ds += rand(1 << 30, (1 << 31) - 1, 300)
    for d in ds:
        r = same("recip_norm_q30", d)
        exact = Fraction(1 << 61, d)
        assert abs(r - exact) <= 4, (d, r, float(exact))


def _div_ok(num, den):
    q = same("div_q31", num, den)
    if den == 0:
        assert q == (0 if num == 0 else (I32[1] if num > 0 else I32[0]))
        return
    exact = Fraction(num * (1 << 31), den)
    clamped = min(max(exact, I32[0]), I32[1])
    assert abs(q - clamped) <= 2 + abs(clamped) / (1 << 29), (num, den, q, float(exact))


def test_div_q30_floor_twin_and_exact():
    """floor(num 2^30 / den) for 0 <= num < den <= 2^31, never above the ratio."""
    pairs = [(0, 1), (0, 1 << 31), ((1 << 31) - 1, 1 << 31), (1, 2), (2, 3),
             ((1 << 30) - 1, 1 << 30)]
    pairs += [(int(n) % int(d), int(d)) for d, n in zip(rand(1, 1 << 31, 300),
                                                        rand(0, (1 << 31) - 1, 300), strict=True)]
    for num, den in pairs:
        q = same("div_q30_floor", num, den)
        assert q == (num << 30) // den
        assert 0 <= q < 1 << 30 and q * den <= num << 30 < (q + 1) * den


def test_div_q31_corners():
    for num in EDGE32:
        for den in EDGE32:
            _div_ok(num, den)
    assert ops.div_q31(1 << 30, I32[0]) == -(1 << 30)  # 0.5 / -1
    assert ops.div_q31(I32[0], I32[0]) == I32[1]  # -1 / -1 = 1 saturates


@settings(max_examples=300, deadline=None)
@given(st.integers(*I32), st.integers(*I32))
def test_div_q31_property(num, den):
    _div_ok(num, den)


# ------------------------------------------------------------------ LFSR
def _berlekamp_massey(bits):
    c, b, ell, m = 1, 1, 0, 1
    for n, bit in enumerate(bits):
        d = bit
        for i in range(1, ell + 1):
            d ^= ((c >> i) & 1) & bits[n - i]
        if d == 0:
            m += 1
        elif 2 * ell <= n:
            c, b, ell, m = c ^ (b << m), c, n + 1 - ell, 1
        else:
            c ^= b << m
            m += 1
    return c, ell


def _gf2_powmod(e, p, deg):
    def mul(a, b):
        r = 0
        while b:
            if b & 1:
                r ^= a
            b >>= 1
            a <<= 1
            if (a >> deg) & 1:
                a ^= p
        return r

    r, a = 1, 2
    while e:
        if e & 1:
            r = mul(r, a)
        a = mul(a, a)
        e >>= 1
    return r


def test_xorshift32_is_the_documented_primitive_lfsr():
    s, bits = 1, []
    for _ in range(128):
        s2 = ops.xorshift32(s)
        assert int(ops_nb.xorshift32(s)) == s2
        s = s2
        bits.append(s & 1)
    conn, ell = _berlekamp_massey(bits)
    assert ell == 32
    charpoly = int(format(conn, "033b")[::-1], 2)  # reciprocal of the connection poly
    assert charpoly == ops.XORSHIFT32_POLY
    period = (1 << 32) - 1
    assert _gf2_powmod(period, charpoly, 32) == 1
    for prime in (3, 5, 17, 257, 65537):  # 2^32 - 1 = 3 * 5 * 17 * 257 * 65537
        assert _gf2_powmod(period // prime, charpoly, 32) != 1
    assert ops.xorshift32(0) == 0  # why the seed must be nonzero


def test_readme_example_runs():
    """Examples in docs run as tests."""
    import re
    from pathlib import Path

    text = (Path(ops.__file__).parent / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README example missing"
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})
