"""Fixed-point kernel throughput, all measured in the same run.

One table: samples/s and the ratio to cmsisdsp for
  * a 4-section Q31 biquad cascade (8th-order band-pass, 48 kHz):
    (a) scipy float sosfilt, (b) our numba biquad_df1_q31, (c) cmsisdsp
    arm_biquad_cascade_df1_q31, (d) a naive per-sample fxpmath biquad
    (run on a short input and extrapolated), (e) the C kernel via ctypes;
    plus the 32x64 variant (numba, cmsisdsp, C); the numba kernels also as
    their one-stage-per-pass ``*_direct`` references;
  * a 128-tap Q31 FIR: numba (SIMD ``fir_q31`` and the plain-loop
    ``fir_q31_direct``), cmsisdsp, C.
Each figure is the best of several repeats over 2^16 samples (processed in
blocks of 64, the way a device would) except fxpmath. The numba and C
kernels are also checked bit-exact against cmsisdsp on the same data here.

Run: .venv/bin/python benchmarks/bench_fixed_kernels.py
"""

from __future__ import annotations

import ctypes as ct
import sys
import tempfile
import time
from pathlib import Path

import cmsisdsp as cm
import numpy as np
from fxpmath import Fxp
from scipy import signal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dsp_model import fixed as F  # noqa: E402
from firmware_export._cbuild import RUNTIME_DIR, build_shared  # noqa: E402

N = 1 << 16
BLOCK = 64
REPEATS = 5
FXP_SAMPLES = 200


def best_time(fn, repeats=REPEATS, clock=time.perf_counter):
    """Best of `repeats` timings of fn() after one warm-up call, by `clock`
    (bench_chain passes time.process_time)."""
    fn()  # warm-up (numba compile, caches)
    best = float("inf")
    for _ in range(repeats):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best


def biquad_case(n=N, seed=0):
    """The benchmark cascade: a 4-section (8th-order Butterworth band-pass,
    200-4000 Hz at 48 kHz) Q31 biquad, and uniform +-0.25 input. Returns
    (sos, coeffs (n, 5) int32, flat coeffs, post_shift, x float, x int32)."""
    rng = np.random.default_rng(seed)
    sos = signal.butter(4, [200, 4000], "bandpass", fs=48000, output="sos")
    coeffs, ps = F.quantize_sos_q31(sos)
    flat = np.ascontiguousarray(coeffs.reshape(-1))
    xf = rng.uniform(-0.25, 0.25, n)
    x = np.round(xf * 2**31).astype(np.int32)
    return sos, coeffs, flat, ps, xf, x


def blocks(n):
    return [(i, min(BLOCK, n - i)) for i in range(0, n, BLOCK)]


def fxp_biquad(sos_q, post_shift, x):
    """Naive per-sample DF1 biquad cascade on fxpmath scalars (Q31 data and
    coefficients, 64-bit Q62 accumulator, truncation). Only for timing."""
    cfg = dict(signed=True, n_word=32, n_frac=31, rounding="floor", overflow="wrap")
    acc_cfg = dict(signed=True, n_word=64, n_frac=62, rounding="floor", overflow="wrap")
    coefs = [[Fxp(v / 2**31, **cfg) for v in row] for row in sos_q]
    gain = 2**post_shift
    state = [[Fxp(0, **cfg) for _ in range(4)] for _ in sos_q]
    out = []
    for v in x:
        s = Fxp(v / 2**31, **cfg)
        for (b0, b1, b2, a1, a2), st in zip(coefs, state, strict=True):
            acc = Fxp(b0 * s + b1 * st[0] + b2 * st[1] + a1 * st[2] + a2 * st[3], **acc_cfg)
            y = Fxp(acc * gain, **cfg)
            st[1], st[0], st[3], st[2] = st[0], s, st[2], y
            s = y
        out.append(s)
    return out


def main():
    sos, coeffs, flat, ps, xf, x = biquad_case()
    n_st = len(sos)
    y = np.empty_like(x)
    bl = blocks(N)

    so = build_shared([RUNTIME_DIR / "ss_kernels.c"], Path(tempfile.gettempdir()) / "ss_bench")
    lib = ct.CDLL(str(so))
    P32, P64 = ct.POINTER(ct.c_int32), ct.POINTER(ct.c_int64)

    class CBiquad(ct.Structure):
        _fields_ = [("n", ct.c_uint32), ("s", P32), ("c", P32), ("ps", ct.c_int8)]

    class CBiquad64(ct.Structure):
        _fields_ = [("n", ct.c_uint32), ("s", P64), ("c", P32), ("ps", ct.c_int8)]

    class CFir(ct.Structure):
        _fields_ = [("n", ct.c_uint16), ("s", P32), ("c", P32), ("mb", ct.c_uint32)]

    rows = []  # (name, seconds, samples)

    # (a) scipy float
    rows.append(
        ("biquad x4: scipy sosfilt (float64)", best_time(lambda: signal.sosfilt(sos, xf)), N)
    )

    # (b) numba, block by block through the public kernel
    def run_numba():
        inst = F.biquad_df1_q31_init(flat, ps)
        for a, m in bl:
            F.biquad_df1_q31(inst, x[a : a + m], y[a : a + m], m)

    rows.append(("biquad x4: numba biquad_df1_q31", best_time(run_numba), N))
    y_numba = y.copy()

    # (b') numba, one call (what a chain's own njit loop sees)
    def run_numba_whole():
        F.biquad_df1_q31(F.biquad_df1_q31_init(flat, ps), x, y, N)

    rows.append(("biquad x4: numba, one call", best_time(run_numba_whole), N))
    assert np.array_equal(y, y_numba)

    def run_numba_direct():  # one stage per pass (the kernel pairs stages)
        F.biquad_df1_q31_direct(F.biquad_df1_q31_init(flat, ps), x, y, N)

    rows.append(("biquad x4: numba biquad_df1_q31_direct, one call", best_time(run_numba_direct),
                 N))
    assert np.array_equal(y, y_numba)

    # (c) cmsisdsp
    def run_cmsis():
        inst = cm.arm_biquad_casd_df1_inst_q31()
        cm.arm_biquad_cascade_df1_init_q31(inst, n_st, flat, np.zeros(4 * n_st, np.int32), ps)
        return [cm.arm_biquad_cascade_df1_q31(inst, x[a : a + m]) for a, m in bl]

    rows.append(("biquad x4: cmsisdsp arm_biquad_cascade_df1_q31", best_time(run_cmsis), N))
    ref = np.concatenate(run_cmsis())
    assert np.array_equal(y_numba, ref), "numba biquad not bit-exact to cmsisdsp"

    def run_cmsis_whole():
        inst = cm.arm_biquad_casd_df1_inst_q31()
        cm.arm_biquad_cascade_df1_init_q31(inst, n_st, flat, np.zeros(4 * n_st, np.int32), ps)
        return cm.arm_biquad_cascade_df1_q31(inst, x)

    rows.append(("biquad x4: cmsisdsp, one call", best_time(run_cmsis_whole), N))

    # (d) fxpmath, short input, extrapolated
    t0 = time.perf_counter()
    fxp_biquad(coeffs, ps, x[:FXP_SAMPLES])
    rows.append(
        ("biquad x4: naive fxpmath per sample (extrap.)", time.perf_counter() - t0, FXP_SAMPLES)
    )

    # (e) C via ctypes
    cst = np.zeros(4 * n_st, np.int32)
    cinst = CBiquad()
    lib.biquad_df1_q31_init(
        ct.byref(cinst), n_st, flat.ctypes.data_as(P32), cst.ctypes.data_as(P32), ps
    )
    xp = [x[a:].ctypes.data_as(P32) for a, _ in bl]
    yp = [y[a:].ctypes.data_as(P32) for a, _ in bl]
    sizes = [m for _, m in bl]

    def run_c():
        cst[:] = 0
        for i, m in enumerate(sizes):
            lib.biquad_df1_q31(ct.byref(cinst), xp[i], yp[i], m)

    rows.append(("biquad x4: C biquad_df1_q31 (ctypes, per block)", best_time(run_c), N))
    assert np.array_equal(y, ref), "C biquad not bit-exact to cmsisdsp"

    def run_c_whole():
        cst[:] = 0
        lib.biquad_df1_q31(ct.byref(cinst), x.ctypes.data_as(P32), y.ctypes.data_as(P32), N)

    rows.append(("biquad x4: C, one call", best_time(run_c_whole), N))

    # 32x64 variant
    def run_numba64():
        F.biquad_df1_32x64_q31(F.biquad_df1_32x64_q31_init(flat, ps), x, y, N)

    rows.append(("biquad 32x64 x4: numba, one call", best_time(run_numba64), N))
    y64 = y.copy()

    def run_numba64_direct():
        F.biquad_df1_32x64_q31_direct(F.biquad_df1_32x64_q31_init(flat, ps), x, y, N)

    rows.append(("biquad 32x64 x4: numba _direct, one call", best_time(run_numba64_direct), N))
    assert np.array_equal(y, y64)

    def run_cmsis64():
        inst = cm.arm_biquad_cas_df1_32x64_ins_q31()
        cm.arm_biquad_cas_df1_32x64_init_q31(inst, n_st, flat, np.zeros(4 * n_st, np.int64), ps)
        return cm.arm_biquad_cas_df1_32x64_q31(inst, x)

    rows.append(("biquad 32x64 x4: cmsisdsp, one call", best_time(run_cmsis64), N))
    assert np.array_equal(y64, run_cmsis64())
    cst64 = np.zeros(4 * n_st, np.int64)
    cinst64 = CBiquad64()
    lib.biquad_df1_32x64_q31_init(
        ct.byref(cinst64), n_st, flat.ctypes.data_as(P32), cst64.ctypes.data_as(P64), ps
    )

    def run_c64():
        cst64[:] = 0
        lib.biquad_df1_32x64_q31(ct.byref(cinst64), x.ctypes.data_as(P32), y.ctypes.data_as(P32), N)

    rows.append(("biquad 32x64 x4: C, one call", best_time(run_c64), N))
    assert np.array_equal(y, y64)

    # FIR 128 taps
    taps = F.quantize_fir_q31(signal.firwin(128, 0.25) * 0.9)
    nt = len(taps)

    def run_fir_numba():
        inst = F.fir_q31_init(taps, BLOCK)
        for a, m in bl:
            F.fir_q31(inst, x[a : a + m], y[a : a + m], m)

    rows.append(("FIR 128: numba fir_q31", best_time(run_fir_numba), N))
    yf = y.copy()

    def run_fir_cmsis():
        inst = cm.arm_fir_instance_q31()
        cm.arm_fir_init_q31(inst, nt, taps, np.zeros(nt + BLOCK - 1, np.int32))
        return [cm.arm_fir_q31(inst, x[a : a + m]) for a, m in bl]

    rows.append(("FIR 128: cmsisdsp arm_fir_q31", best_time(run_fir_cmsis), N))
    assert np.array_equal(yf, np.concatenate(run_fir_cmsis()))

    def run_fir_whole(kernel=F.fir_q31):
        kernel(F.fir_q31_init(taps, 4096), x, y, N)

    rows.append(("FIR 128: numba fir_q31 (SIMD), one call", best_time(run_fir_whole), N))
    assert np.array_equal(y, yf)
    rows.append(("FIR 128: numba fir_q31_direct, one call",
                 best_time(lambda: run_fir_whole(F.fir_q31_direct)), N))
    assert np.array_equal(y, yf)

    def run_fir_cmsis_whole():
        inst = cm.arm_fir_instance_q31()
        cm.arm_fir_init_q31(inst, nt, taps, np.zeros(nt + N - 1, np.int32))
        return cm.arm_fir_q31(inst, x)

    rows.append(("FIR 128: cmsisdsp, one call", best_time(run_fir_cmsis_whole), N))
    assert np.array_equal(yf, run_fir_cmsis_whole())
    fst = np.zeros(nt + BLOCK - 1, np.int32)
    finst = CFir()
    lib.fir_q31_init(ct.byref(finst), nt, taps.ctypes.data_as(P32), fst.ctypes.data_as(P32), BLOCK)

    def run_fir_c():
        fst[:] = 0
        for i, m in enumerate(sizes):
            lib.fir_q31(ct.byref(finst), xp[i], yp[i], m)

    rows.append(("FIR 128: C fir_q31 (ctypes, per block)", best_time(run_fir_c), N))
    assert np.array_equal(y, yf)

    # table
    rate = {name: n / t for name, t, n in rows}
    # like with like: per-block rows vs cmsisdsp per block, whole-signal rows
    # (one call, scipy, fxpmath) vs cmsisdsp in one call
    base = {
        ("biquad x4", False): rate["biquad x4: cmsisdsp arm_biquad_cascade_df1_q31"],
        ("biquad x4", True): rate["biquad x4: cmsisdsp, one call"],
        ("biquad 32x64 x4", True): rate["biquad 32x64 x4: cmsisdsp, one call"],
        ("FIR 128", False): rate["FIR 128: cmsisdsp arm_fir_q31"],
        ("FIR 128", True): rate["FIR 128: cmsisdsp, one call"],
    }
    print(f"Fixed-point kernels, {N} samples (best of {REPEATS}), all in this run")
    print(f"{'kernel':52s} {'samples/s':>11s} {'x realtime':>11s} {'vs cmsisdsp':>12s}")
    for name, _t, _n in rows:
        group = name.split(":")[0]
        whole = "one call" in name or "scipy" in name or "fxpmath" in name
        r = rate[name]
        print(f"{name:52s} {r:11.4g} {r / 48000:11.4g} {r / base[(group, whole)]:12.3g}")
    print("x realtime: one channel at 48 kHz. vs cmsisdsp: speed ratio (>1 faster) against")
    print(f"cmsisdsp run the same way: per block of {BLOCK} (one Python call per block), or")
    print("one call over the whole signal (scipy, fxpmath and the 'one call' rows).")


if __name__ == "__main__":
    main()
