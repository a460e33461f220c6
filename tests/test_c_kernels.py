"""The C runtime's ops and kernels vs the Python spec/model, bit for bit.

The C is built once per session with the strict flags (C99, -Wall -Wextra
-Werror -pedantic, -O2) into a shared library and driven through ctypes:

* ss_ops.h: every op against ``dsp_model.fixed.ops`` (the spec) on corner
  cases and seeded random values -- both with GCC's native arithmetic shift
  and with the portable path (``-U__GNUC__``).
* ss_kernels.c: every kernel against the numba model (itself bit-exact to
  cmsisdsp, see test_fixed_kernels_cmsis.py) on seeded random data, streamed
  in several block sizes (1, odd, mixed, longer than max_block), in place,
  with guard words after every output buffer; the state arrays must agree
  too (same layout).
* The fast q15 kernels (32-bit wrapping accumulator) also against
  ``cmsisdsp`` directly, streamed in the same chunks: every post-shift,
  sums that wrap the accumulator, blocks 1, 7, 64 across calls, in place.
"""

from __future__ import annotations

import ctypes as ct

import cmsisdsp as cm
import numpy as np
import pytest

from dsp_model import fixed as F
from dsp_model.fixed import ops
from firmware_export._cbuild import RUNTIME_DIR, build_shared

I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1
I16_MIN, I16_MAX = -(1 << 15), (1 << 15) - 1
GUARD = 0x5A5A5A5A

# op name -> C parameter types (the shim casts int64 arguments to these)
OPS = {
    "wrap16": ["int64_t"],
    "wrap32": ["int64_t"],
    "sat16": ["int64_t"],
    "sat32": ["int64_t"],
    "sat_q63_to_q31": ["int64_t"],
    "sat_bits": ["int64_t", "int"],
    "shr_floor": ["int64_t", "int"],
    "shr_round": ["int64_t", "int"],
    "shr_convergent": ["int64_t", "int"],
    "shl64_wrap": ["int64_t", "int"],
    "shr_floor_wrap32": ["int64_t", "int"],
    "shl32_sat": ["int32_t", "int"],
    "add32_wrap": ["int32_t", "int32_t"],
    "add32_sat": ["int32_t", "int32_t"],
    "sub32_wrap": ["int32_t", "int32_t"],
    "sub32_sat": ["int32_t", "int32_t"],
    "add16_sat": ["int16_t", "int16_t"],
    "add64_wrap": ["int64_t", "int64_t"],
    "neg32_sat": ["int32_t"],
    "abs32_sat": ["int32_t"],
    "mult_q31x31_q62": ["int32_t", "int32_t"],
    "mult_q15x15_q30": ["int16_t", "int16_t"],
    "mult_q63x31_q62": ["int64_t", "int32_t"],
    "mac_wrap64": ["int64_t", "int32_t", "int32_t"],
    "mac_wrap32": ["int32_t", "int16_t", "int16_t"],
    "mult_q31": ["int32_t", "int32_t"],
    "mult_q15": ["int16_t", "int16_t"],
    "div_trunc": ["int64_t", "int64_t"],
    "clz32": ["uint32_t"],
    "recip_norm_q30": ["int64_t"],
    "div_q31": ["int32_t", "int32_t"],
    "div_q30_floor": ["int64_t", "int64_t"],
    "xorshift32": ["uint32_t"],
    "as_int32": ["uint32_t"],
}


def _shim_source() -> str:
    lines = ['#include "ss_ops.h"', ""]
    for name, types in OPS.items():
        params = ", ".join(f"int64_t a{i}" for i in range(len(types)))
        args = ", ".join(f"({t})a{i}" for i, t in enumerate(types))
        lines.append(f"int64_t t_{name}({params}) {{ return (int64_t){name}({args}); }}")
    return "\n".join(lines) + "\n"


def _load(path):
    lib = ct.CDLL(str(path))
    for name, types in OPS.items():
        fn = getattr(lib, f"t_{name}", None)
        if fn is not None:
            fn.argtypes = [ct.c_int64] * len(types)
            fn.restype = ct.c_int64
    return lib


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("ss_c")
    (d / "ss_ops_shim.c").write_text(_shim_source())
    return d


@pytest.fixture(scope="session")
def lib(build_dir):
    so = build_shared([RUNTIME_DIR / "ss_kernels.c", build_dir / "ss_ops_shim.c"], build_dir)
    return _load(so)


@pytest.fixture(scope="session", params=["gnuc", "portable"])
def ops_lib(request, build_dir, lib):
    if request.param == "gnuc":
        return lib
    # Without __GNUC__, ss_ops.h takes its fully portable paths (no native
    # >> on negatives, no __builtin_clz): they must give the same numbers.
    so = build_shared([build_dir / "ss_ops_shim.c"], build_dir / "portable", ["-U__GNUC__"])
    return _load(so)


# ==================================================================== ops
rng = np.random.default_rng(6)
E32 = [I32_MIN, I32_MIN + 1, -(1 << 30), -3, -1, 0, 1, 3, 1 << 30, I32_MAX - 1, I32_MAX]
E16 = [-32768, -32767, -1, 0, 1, 32766, 32767]
E64 = [-(1 << 63), -(1 << 63) + 1, -(1 << 62), -(1 << 32) - 1, -5, -1, 0, 1, 5]
E64 += [(1 << 32) + 1, 1 << 62, (1 << 63) - 2, (1 << 63) - 1]


def _r(lo, hi, n=150):
    return [int(v) for v in rng.integers(lo, hi, n, endpoint=True, dtype=np.int64)]


R32, R16, R64 = (
    E32 + _r(I32_MIN, I32_MAX),
    E16 + _r(-32768, 32767),
    E64 + _r(-(1 << 63), (1 << 63) - 1),
)
DOMAIN = {"int64_t": R64, "int32_t": R32, "int16_t": R16, "uint32_t": _r(0, 0xFFFFFFFF)}
SPECIAL = {
    "shr_floor": [(v, s) for v in R64[:40] for s in range(63)],
    "shr_round": [(v, s) for v in R64[:40] for s in range(63)],
    "shr_convergent": [(v, s) for v in R64[:40] for s in range(63)],
    "shl64_wrap": [(v, s) for v in R64[:40] for s in range(64)],
    "shr_floor_wrap32": [(v, s) for v in R64[:60] for s in range(1, 32)],
    "shl32_sat": [(v, s) for v in R32[:40] for s in range(32)],
    "sat_bits": [(v, n) for v in R64[:40] for n in (2, 8, 16, 24, 31, 32, 63, 64)],
    "div_trunc": [(a, b or 1) for a, b in zip(R64, R64[::-1], strict=True) if a != -(1 << 63)],
    "recip_norm_q30": [(d,) for d in [1 << 30, (1 << 31) - 1] + _r(1 << 30, (1 << 31) - 1)],
    "clz32": [(v,) for v in [0, 1, 0x80000000, 0xFFFFFFFF] + DOMAIN["uint32_t"]],
    # 0 <= num < den <= 2^31: edges (den a power of two, num = den - 1, 0, tiny
    # den) and random pairs over every magnitude (the divlu correction steps)
    "div_q30_floor": [(n, d) for d in [1, 2, 3, 65535, 65536, 65537, (1 << 30) - 1, 1 << 30,
                                      (1 << 30) + 1, (1 << 31) - 1, 1 << 31]
                      for n in {0, 1, d // 2, d - 2, d - 1} if 0 <= n < d]
                     + [(int(n) % int(d), int(d)) for d in
                        (np.exp2(rng.uniform(0, 31, 3000)).astype(np.int64) + 1)
                        for n in rng.integers(0, 1 << 31, 1)],
    "xorshift32": [(v,) for v in [1, 0xFFFFFFFF] + [d or 1 for d in DOMAIN["uint32_t"]]],
}


def _cases(name):
    if name in SPECIAL:
        return SPECIAL[name]
    cols = [DOMAIN[t] for t in OPS[name]]
    if len(cols) == 1:
        return [(v,) for v in cols[0]]
    edge = [(a, b) for a in cols[0][:12] for b in cols[1][:12]]
    rnd = list(zip(cols[0], cols[1][::-1], strict=False))
    if len(cols) == 3:
        return [(a, b, c) for (a, b), c in zip(edge + rnd, cols[2] * 4, strict=False)]
    return edge + rnd


@pytest.mark.parametrize("name", list(OPS))
def test_c_op_matches_spec(ops_lib, name):
    fn = getattr(ops_lib, f"t_{name}")
    spec = getattr(ops, name)
    for args in _cases(name):
        assert fn(*args) == spec(*args), f"{name}{args}"


# ================================================================ kernels
P32, P16, P64 = ct.POINTER(ct.c_int32), ct.POINTER(ct.c_int16), ct.POINTER(ct.c_int64)


def ptr(a):
    return a.ctypes.data_as({np.int32: P32, np.int16: P16, np.int64: P64}[a.dtype.type])


class BiquadQ31(ct.Structure):
    _fields_ = [
        ("num_stages", ct.c_uint32),
        ("state", P32),
        ("coeffs", P32),
        ("post_shift", ct.c_int8),
    ]


class Biquad32x64(ct.Structure):
    _fields_ = [
        ("num_stages", ct.c_uint32),
        ("state", P64),
        ("coeffs", P32),
        ("post_shift", ct.c_int8),
    ]


class BiquadQ15(ct.Structure):
    _fields_ = [
        ("num_stages", ct.c_int8),
        ("state", P16),
        ("coeffs", P16),
        ("post_shift", ct.c_int8),
    ]


class FirQ31(ct.Structure):
    _fields_ = [
        ("num_taps", ct.c_uint16),
        ("state", P32),
        ("coeffs", P32),
        ("max_block", ct.c_uint32),
    ]


class FirQ15(ct.Structure):
    _fields_ = [
        ("num_taps", ct.c_uint16),
        ("state", P16),
        ("coeffs", P16),
        ("max_block", ct.c_uint32),
    ]


class DelayQ31(ct.Structure):
    _fields_ = [("delay", ct.c_uint32), ("pos", ct.c_uint32), ("buf", P32)]


class DelayQ15(ct.Structure):
    _fields_ = [("delay", ct.c_uint32), ("pos", ct.c_uint32), ("buf", P16)]


class GainQ31(ct.Structure):
    _fields_ = [("scale_fract", ct.c_int32), ("shift", ct.c_int8)]


class GainQ15(ct.Structure):
    _fields_ = [("scale_fract", ct.c_int16), ("shift", ct.c_int8)]


class DacQuant(ct.Structure):
    _fields_ = [("word_length", ct.c_uint8), ("dither", ct.c_uint8), ("lfsr", ct.c_uint32)]


def _sig(n, bits=32, seed=0):
    r = np.random.default_rng(seed)
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    x = r.integers(lo, hi, n, endpoint=True, dtype=np.int64)
    x[: n // 8] = r.choice([lo, hi, lo + 1, hi - 1, 0, -1], n // 8)  # full-scale bursts
    x[n // 2 : n // 2 + n // 8] >>= 8  # a quiet stretch
    return np.ascontiguousarray(x.astype(np.int32 if bits == 32 else np.int16))


def _chunks(n, sizes):
    out, i, k = [], 0, 0
    while i < n:
        m = min(sizes[k % len(sizes)], n - i)
        out.append((i, m))
        i, k = i + m, k + 1
    return out


SPLITS = [[1], [3, 1, 7], [64], [17, 4, 100], [1000]]


def _run_c(cfn, inst, x, sizes, in_place=False):
    """Stream x through a C kernel in chunks; check guard words; return y."""
    n = len(x)
    if in_place:
        buf = np.concatenate(
            [x, np.full(8, GUARD & 0x7FFF if x.dtype == np.int16 else GUARD, x.dtype)]
        )
        for a, m in _chunks(n, sizes):
            p = buf[a:].ctypes.data_as(ct.c_void_p)
            cfn(ct.byref(inst), p, p, m)
        y = buf
    else:
        y = np.full(n + 8, GUARD & 0x7FFF if x.dtype == np.int16 else GUARD, x.dtype)
        for a, m in _chunks(n, sizes):
            cfn(
                ct.byref(inst),
                x[a:].ctypes.data_as(ct.c_void_p),
                y[a:].ctypes.data_as(ct.c_void_p),
                m,
            )
    guard = GUARD & 0x7FFF if x.dtype == np.int16 else GUARD
    assert np.all(y[n:] == guard), "C kernel wrote past block_size"
    return y[:n]


def _run_py(kernel, inst, x):
    y = np.zeros_like(x)
    kernel(inst, x, y, len(x))
    return y


def _cfn(lib, name):
    fn = getattr(lib, name)
    fn.restype = None
    return fn


@pytest.mark.parametrize("post_shift", [0, 1, 3])
@pytest.mark.parametrize("kind", ["q31", "32x64"])
def test_biquad_q31_c_vs_model(lib, post_shift, kind):
    r = np.random.default_rng(post_shift)
    n_st = 4
    b = r.integers(I32_MIN, I32_MAX, (n_st, 3), endpoint=True) >> 2
    rad, th = r.uniform(0.5, 0.9999, n_st), r.uniform(0, np.pi, n_st)
    a = np.column_stack([2 * rad * np.cos(th), -(rad**2)]) * 2.0 ** (31 - post_shift)
    a = np.clip(np.round(a), I32_MIN, I32_MAX)  # post_shift 0: |a1| >= 1 saturates
    c = np.ascontiguousarray(np.hstack([b, a]).astype(np.int32).reshape(-1))
    if kind == "q31":
        py_init, py_k, cname, S, sdt = (
            F.biquad_df1_q31_init,
            F.biquad_df1_q31,
            "biquad_df1_q31",
            BiquadQ31,
            np.int32,
        )
    else:
        py_init, py_k, cname, S, sdt = (
            F.biquad_df1_32x64_q31_init,
            F.biquad_df1_32x64_q31,
            "biquad_df1_32x64_q31",
            Biquad32x64,
            np.int64,
        )
    x = _sig(1000, seed=post_shift)
    ref_inst = py_init(c, post_shift)
    ref = _run_py(py_k, ref_inst, x)
    for sizes in SPLITS:
        for in_place in (False, True):
            st = np.full(4 * n_st, 7, sdt)
            inst = S()
            _cfn(lib, cname + "_init")(ct.byref(inst), n_st, ptr(c), ptr(st), post_shift)
            assert not st.any()
            y = _run_c(_cfn(lib, cname), inst, x, sizes, in_place)
            assert np.array_equal(y, ref), (sizes, in_place)
            assert np.array_equal(st, ref_inst.state)


def test_biquad_q31_c_wraps_like_model(lib):
    c = np.full(5, I32_MIN, np.int32)
    x = np.full(33, I32_MIN, np.int32)
    for post_shift in range(4):
        ref = _run_py(F.biquad_df1_q31, F.biquad_df1_q31_init(c, post_shift), x)
        st = np.zeros(4, np.int32)
        inst = BiquadQ31()
        _cfn(lib, "biquad_df1_q31_init")(ct.byref(inst), 1, ptr(c), ptr(st), post_shift)
        assert np.array_equal(_run_c(_cfn(lib, "biquad_df1_q31"), inst, x, [33]), ref)


def test_biquad_q15_c_vs_model(lib):
    r = np.random.default_rng(15)
    for post_shift in (0, 2, 14, 15):  # 14, 15: acc >> shift wraps to 32 bits before it clips
        c = r.integers(-32768, 32767, (3, 6), endpoint=True).astype(np.int16)
        c[:, 1] = 0
        c = np.ascontiguousarray(c.reshape(-1))
        x = _sig(700, 16, seed=post_shift)
        ref_inst = F.biquad_df1_q15_init(c, post_shift)
        ref = _run_py(F.biquad_df1_q15, ref_inst, x)
        for sizes in SPLITS:
            st = np.zeros(12, np.int16)
            inst = BiquadQ15()
            _cfn(lib, "biquad_df1_q15_init")(ct.byref(inst), 3, ptr(c), ptr(st), post_shift)
            assert np.array_equal(_run_c(_cfn(lib, "biquad_df1_q15"), inst, x, sizes), ref)
            assert np.array_equal(st, ref_inst.state)


# ------------------------------------------ fast q15 (32-bit accumulator)
FAST_SPLITS = [[1], [7], [64], [3, 1, 7, 64], [1000]]


def _cmsis_stream(fn, inst, x, sizes):
    return np.concatenate([fn(inst, x[a : a + m]) for a, m in _chunks(len(x), sizes)])


def _biquad_fast_c(lib, c, post_shift, x, sizes, in_place=False):
    n_st = len(c) // 6
    st = np.full(4 * n_st, 7, np.int16)
    inst = BiquadQ15()
    _cfn(lib, "biquad_df1_fast_q15_init")(ct.byref(inst), n_st, ptr(c), ptr(st), post_shift)
    assert not st.any()
    return _run_c(_cfn(lib, "biquad_df1_fast_q15"), inst, x, sizes, in_place), st


def _biquad_fast_cmsis(c, post_shift, x, sizes):
    inst = cm.arm_biquad_casd_df1_inst_q15()
    n_st = len(c) // 6
    cm.arm_biquad_cascade_df1_init_q15(inst, n_st, c, np.zeros(4 * n_st, np.int16), post_shift)
    return _cmsis_stream(cm.arm_biquad_cascade_df1_fast_q15, inst, x, sizes)


def _acc_wraps(c, post_shift, x):
    """How many of the exact sums b0 x[n] + ... + a2 y[n-2] (every stage)
    leave int32, i.e. wrap the fast kernel's accumulator."""
    count = 0
    for k in range(len(c) // 6):
        ck = c[6 * k : 6 * k + 6]
        y = _run_py(F.biquad_df1_fast_q15, F.biquad_df1_fast_q15_init(ck, post_shift), x)
        b0, _, b1, b2, a1, a2 = (int(v) for v in ck)
        xs = [0, 0] + [int(v) for v in x]
        ys = [0, 0] + [int(v) for v in y]
        count += sum(
            not I32_MIN <= b0 * xs[n + 2] + b1 * xs[n + 1] + b2 * xs[n] + a1 * ys[n + 1]
            + a2 * ys[n] <= I32_MAX
            for n in range(len(x))
        )
        x = y
    return count


def _fast_coeffs(r, n_st, post_shift, kind):
    """{b0, 0, b1, b2, a1, a2} per stage. "wrapping": random signs,
    magnitudes 0.5 .. 1.0 of Q15 (sum |c| > 2: full-scale sums wrap the 32
    bits). "scaled": poles of radius <= 0.9 and |b| <= 0.6 as real values,
    i.e. Q15 scaled by 2^-post_shift (most outputs neither clipped nor 0:
    the shift and the floor are visible at every post-shift)."""
    if kind == "wrapping":
        mag = r.integers(1 << 14, 1 << 15, (n_st, 6))
        c = np.where(r.integers(0, 2, (n_st, 6)) == 1, mag, -mag)
    else:
        rad, th = r.uniform(0.3, 0.9, n_st), r.uniform(0, np.pi, n_st)
        b = r.uniform(-0.6, 0.6, (n_st, 3))
        b[:, 0] = r.choice([-1, 1], n_st) * r.uniform(0.5, 0.6, n_st)  # b0 != 0 at any shift
        c = np.column_stack([b[:, 0], b[:, 0], b[:, 1:], 2 * rad * np.cos(th), -(rad**2)])
        c = np.round(c * 2.0 ** (15 - post_shift))
    c = c.clip(I16_MIN, I16_MAX).astype(np.int16)
    c[:, 1] = 0  # the pad: CMSIS multiplies it, so it must be 0
    return np.ascontiguousarray(c.reshape(-1))


@pytest.mark.parametrize("kind", ["wrapping", "scaled"])
@pytest.mark.parametrize("post_shift", range(16))
def test_biquad_fast_q15_c_vs_model_and_cmsis(lib, post_shift, kind):
    """Full-scale random input through 3 stages, every post-shift, C vs the
    model vs cmsisdsp streamed in the same chunks (1, 7, 64, mixed, whole),
    in place and not; the state too. (Unlike the precise kernel, acc >> shift
    cannot wrap at post_shift 14, 15: acc is already 32 bits; there the
    "scaled" set checks the shift by 1 and 0 before the saturation.)"""
    r = np.random.default_rng(1500 + post_shift)
    c = _fast_coeffs(r, 3, post_shift, kind)
    x = _sig(700, 16, seed=post_shift)
    ref_inst = F.biquad_df1_fast_q15_init(c, post_shift)
    ref = _run_py(F.biquad_df1_fast_q15, ref_inst, x)
    assert np.array_equal(_biquad_fast_cmsis(c, post_shift, x, [len(x)]), ref)
    if kind == "wrapping":
        assert _acc_wraps(c, post_shift, x) > 0  # the data does reach the 32-bit wrap
    else:
        assert np.mean((ref != I16_MIN) & (ref != I16_MAX) & (ref != 0)) > 0.5  # unclipped
    for sizes in FAST_SPLITS:
        cm_ref = _biquad_fast_cmsis(c, post_shift, x, sizes)
        for in_place in (False, True):
            y, st = _biquad_fast_c(lib, c, post_shift, x, sizes, in_place)
            assert np.array_equal(y, ref), (sizes, in_place)
            assert np.array_equal(y, cm_ref), (sizes, in_place)
            assert np.array_equal(st, ref_inst.state), (sizes, in_place)


def test_biquad_fast_q15_c_wraps_accumulator_like_cmsis(lib):
    """Every coefficient and sample -1.0 (the sum leaves int32 at the second
    product), every post-shift; and b = -1.0 feed-forward only, post_shift
    0: 2^30 -> 32767, then 2^31 and 3 * 2^30 wrap negative -> -32768 where
    a saturating accumulator would give 32767."""
    x = np.full(40, I16_MIN, np.int16)
    c = np.array([I16_MIN, 0, I16_MIN, I16_MIN, I16_MIN, I16_MIN], np.int16)
    for post_shift in range(16):
        ref = _run_py(F.biquad_df1_fast_q15, F.biquad_df1_fast_q15_init(c, post_shift), x)
        assert np.array_equal(_biquad_fast_cmsis(c, post_shift, x, [len(x)]), ref)
        for sizes in ([1], [7], [40]):
            y, _ = _biquad_fast_c(lib, c, post_shift, x, sizes, in_place=sizes == [7])
            assert np.array_equal(y, ref), (post_shift, sizes)
    ff = np.array([I16_MIN, 0, I16_MIN, I16_MIN, 0, 0], np.int16)
    y, _ = _biquad_fast_c(lib, ff, 0, x, [1])
    assert y.tolist() == [I16_MAX] + [I16_MIN] * (len(x) - 1)
    assert np.array_equal(_biquad_fast_cmsis(ff, 0, x, [1]), y)


def _fir_fast_c(lib, h, max_block, x, sizes, in_place=False):
    st = np.full(len(h) + max_block - 1, 7, np.int16)
    inst = FirQ15()
    _cfn(lib, "fir_fast_q15_init")(ct.byref(inst), len(h), ptr(h), ptr(st), max_block)
    assert not st.any()
    return _run_c(_cfn(lib, "fir_fast_q15"), inst, x, sizes, in_place), st


def _fir_fast_cmsis(h, max_block, x, sizes):
    # cmsisdsp: state for the largest block, so every chunk <= max_block
    inst = cm.arm_fir_instance_q15()
    cm.arm_fir_init_q15(inst, len(h), h, np.zeros(len(h) + max_block - 1, np.int16))
    return _cmsis_stream(cm.arm_fir_fast_q15, inst, x, [min(s, max_block) for s in sizes])


@pytest.mark.parametrize("num_taps", [1, 2, 5, 6, 32, 128])
@pytest.mark.parametrize("max_block", [1, 7, 64])
def test_fir_fast_q15_c_vs_model_and_cmsis(lib, num_taps, max_block):
    """Full-scale taps on full-scale input (the 32-bit sum wraps once
    sum |h| >= 2), and the same taps >> 6 (it does not). cmsisdsp only for
    even tap counts (its q15 FIR needs them); the model for every count."""
    r = np.random.default_rng(num_taps * 1000 + max_block)
    h_full = r.integers(I16_MIN, I16_MAX, num_taps, endpoint=True).astype(np.int16)
    x = _sig(600, 16, seed=num_taps + 1)
    for h in (h_full, (h_full >> 6).astype(np.int16)):
        ref_inst = F.fir_fast_q15_init(h, max_block)
        ref = _run_py(F.fir_fast_q15, ref_inst, x)
        if num_taps % 2 == 0:
            assert np.array_equal(_fir_fast_cmsis(h, max_block, x, [max_block]), ref)
        for sizes in FAST_SPLITS:
            cm_ref = _fir_fast_cmsis(h, max_block, x, sizes) if num_taps % 2 == 0 else ref
            for in_place in (False, True):
                y, st = _fir_fast_c(lib, h, max_block, x, sizes, in_place)
                assert np.array_equal(y, ref), (sizes, in_place)
                assert np.array_equal(y, cm_ref), (sizes, in_place)
                assert np.array_equal(st[: num_taps - 1], ref_inst.state[: num_taps - 1])
    if num_taps >= 6:  # the full-scale taps do reach the 32-bit wrap
        precise = _run_py(F.fir_q15, F.fir_q15_init(h_full, max_block), x)
        assert not np.array_equal(precise, _run_py(F.fir_fast_q15,
                                                   F.fir_fast_q15_init(h_full, max_block), x))


def test_fir_fast_q15_c_wraps_accumulator_like_cmsis(lib):
    """Taps and input all -1.0: m products make m * 2^30 mod 2^32 -- 2^30
    -> 32767, 2^31 wraps to -2^31 -> -32768, 3 * 2^30 -> -2^30 -> -32768,
    4 * 2^30 -> 0 -> 0 -- where a saturating accumulator gives 32767."""
    x = np.full(80, I16_MIN, np.int16)
    for num_taps in (2, 4, 6, 64):
        h = np.full(num_taps, I16_MIN, np.int16)
        k = np.arange(1, len(x) + 1).clip(max=num_taps)  # products in output n
        expect = [ops.sat16(ops.wrap32(int(m) << 30) >> 15) for m in k]
        assert expect[:3] == [I16_MAX, I16_MIN, I16_MIN]
        assert num_taps < 4 or expect[3] == 0
        assert _fir_fast_cmsis(h, 80, x, [80]).tolist() == expect
        for sizes in ([1], [7], [64]):
            y, _ = _fir_fast_c(lib, h, 64, x, sizes, in_place=sizes == [7])
            assert y.tolist() == expect, (num_taps, sizes)


@pytest.mark.parametrize("num_taps", [1, 2, 5, 31, 128])
@pytest.mark.parametrize("max_block", [1, 7, 64])
def test_fir_c_vs_model(lib, num_taps, max_block):
    r = np.random.default_rng(num_taps * 100 + max_block)
    for bits, py_init, py_k, cname, S in (
        (32, F.fir_q31_init, F.fir_q31, "fir_q31", FirQ31),
        (16, F.fir_q15_init, F.fir_q15, "fir_q15", FirQ15),
    ):
        dt = np.int32 if bits == 32 else np.int16
        h = r.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1, num_taps, endpoint=True).astype(
            dt
        )
        x = _sig(600, bits, seed=num_taps)
        ref_inst = py_init(h, max_block)
        ref = _run_py(py_k, ref_inst, x)
        for sizes in SPLITS:
            st = np.zeros(num_taps + max_block - 1, dt)
            inst = S()
            _cfn(lib, cname + "_init")(ct.byref(inst), num_taps, ptr(h), ptr(st), max_block)
            y = _run_c(_cfn(lib, cname), inst, x, sizes, in_place=sizes == [3, 1, 7])
            assert np.array_equal(y, ref), (bits, sizes)
            assert np.array_equal(st[: num_taps - 1], ref_inst.state[: num_taps - 1])


@pytest.mark.parametrize("delay", [0, 1, 5, 64, 700])
def test_delay_c_vs_model(lib, delay):
    for bits, py_init, py_k, cname, S in (
        (32, F.delay_q31_init, F.delay_q31, "delay_q31", DelayQ31),
        (16, F.delay_q15_init, F.delay_q15, "delay_q15", DelayQ15),
    ):
        dt = np.int32 if bits == 32 else np.int16
        x = _sig(600, bits, seed=delay)
        ref = _run_py(py_k, py_init(delay), x)
        for sizes in SPLITS:
            buf = np.ones(max(delay, 1), dt)
            inst = S()
            _cfn(lib, cname + "_init")(ct.byref(inst), delay, ptr(buf))
            y = _run_c(_cfn(lib, cname), inst, x, sizes, in_place=sizes == [17, 4, 100])
            assert np.array_equal(y, ref)


def test_gain_c_vs_model(lib):
    x = _sig(500)
    for g, shift in [(I32_MIN, 0), (I32_MAX, 3), (123456789, -5), (-987654321, 30), (1, -31)]:
        ref = _run_py(F.gain_q31, F.gain_q31_init(g, shift), x)
        inst = GainQ31()
        _cfn(lib, "gain_q31_init")(ct.byref(inst), g, shift)
        assert np.array_equal(_run_c(_cfn(lib, "gain_q31"), inst, x, [7, 64]), ref)
    x = _sig(500, 16)
    for g, shift in [(-32768, 0), (32767, 15), (-1234, 4)]:
        ref = _run_py(F.gain_q15, F.gain_q15_init(g, shift), x)
        inst = GainQ15()
        _cfn(lib, "gain_q15_init")(ct.byref(inst), g, shift)
        assert np.array_equal(_run_c(_cfn(lib, "gain_q15"), inst, x, [1, 64]), ref)


def test_add_and_mix_c_vs_model(lib):
    for bits, add, mix, cadd, cmix, P in (
        (32, F.add_q31, F.mix_sat_q31, "add_q31", "mix_sat_q31", P32),
        (16, F.add_q15, F.mix_sat_q15, "add_q15", "mix_sat_q15", P16),
    ):
        srcs = np.stack([_sig(300, bits, seed=s) for s in range(4)])
        n = srcs.shape[1]
        ref = np.zeros_like(srcs[0])
        add(srcs[0], srcs[1], ref, n)
        y = np.full(n + 8, 0x55, srcs.dtype)
        _cfn(lib, cadd)(ptr(srcs[0]), ptr(srcs[1]), ptr(y), n)
        assert np.array_equal(y[:n], ref) and np.all(y[n:] == 0x55)
        mix(srcs, ref, n)
        arr = (P * 4)(*[ptr(s) for s in srcs])
        _cfn(lib, cmix)(arr, 4, ptr(y), n)
        assert np.array_equal(y[:n], ref) and np.all(y[n:] == 0x55)


@pytest.mark.parametrize(
    "word, dither", [(16, False), (16, True), (24, True), (31, True), (32, True)]
)
def test_dac_quant_c_vs_model(lib, word, dither):
    x = _sig(2000, seed=word)
    py_inst = F.dac_quant_q31_init(word, dither, seed=0xC0FFEE)
    ref = _run_py(F.dac_quant_q31, py_inst, x)
    for sizes in SPLITS:
        inst = DacQuant()
        _cfn(lib, "dac_quant_q31_init")(ct.byref(inst), word, int(dither), 0xC0FFEE)
        assert np.array_equal(_run_c(_cfn(lib, "dac_quant_q31"), inst, x, sizes), ref)
        assert inst.lfsr == int(py_inst.lfsr[0])
    inst = DacQuant()
    _cfn(lib, "dac_quant_q31_init")(ct.byref(inst), word, 1, 0)  # seed 0 -> default, as Python
    assert inst.lfsr == int(F.dac_quant_q31_init(word, True, seed=0).lfsr[0])
