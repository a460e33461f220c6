"""Real-time factors, all measured in the same run, as ratios (issue #5).

One table, for:
  * the float reference chain and the fixed-point model on the full studio5
    chain (`dsp_model.validate.chain_design_for`: the full design when
    `dsp_model.design.design_chain` exists, else plain stereo) with the upmix
    studio5 ships and with the other one (`[upmix] mode`, passive and
    adaptive: #23 asks >= 100x real time with the adaptive one), and on a
    studio5 chain with CTC-sized filters (synthetic taps: L' and R' each a
    256-tap common FIR with 64-tap ratio FIRs to the three mids plus a plain
    path to tweeter and woofer, C a 64-tap common FIR with 64-tap ratios to
    the mids plus a plain path), each processed in one call (internal chunks
    of 4096) and in device blocks of 64;
  * one biquad cascade (`bench_fixed_kernels.biquad_case`: 4 sections, Q31,
    one channel): a naive per-sample fxpmath implementation (timed on a
    short signal, its rate extrapolated), cmsisdsp
    `arm_biquad_cascade_df1_q31`, and our numba `biquad_df1_q31` kernel --
    in one call and per block of 64; numba is checked bit-exact to cmsisdsp.

xRT = seconds of audio at the profile's rate (the chains: the stereo input,
every driver output; the biquad: its one channel) / CPU seconds of this
process (`time.process_time`: the machine is shared, wall time would measure
the neighbours), best of a few repeats. The ratio columns divide each xRT by
the float chain's (one call) and by cmsisdsp's on the biquad (one call).
Targets: fixed model >= 100x real time at 48 kHz; numba biquad within 2x of
cmsisdsp. The kernel-level detail (FIR, 32x64, C) is bench_fixed_kernels.py.

Run: .venv/bin/python benchmarks/bench_chain.py   (about 30 s)
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_fixed_kernels as bk  # noqa: E402
import cmsisdsp as cm  # noqa: E402

from device_profiles import load_profile  # noqa: E402
from device_profiles._schema import UPMIX_MODES  # noqa: E402
from dsp_model import fixed as F  # noqa: E402
from dsp_model.chain_design import PathFilter, plain_chain  # noqa: E402
from dsp_model.fixed.chain import FixedChain  # noqa: E402
from dsp_model.float_chain import FloatChain  # noqa: E402
from dsp_model.signals import pink_noise, to_q31  # noqa: E402
from dsp_model.validate import chain_design_for  # noqa: E402
from firmware_export.quantize import quantize_chain  # noqa: E402

SECONDS = 2.0
REPEATS = 3
BLOCK = 64
FXP_SAMPLES = 200  # the fxpmath biquad runs ~100 samples/s: a short signal


def ctc_sized(profile):
    """studio5's driver stages with synthetic CTC/beamformer-sized path filters."""
    base = plain_chain(profile)
    rng = np.random.default_rng(0)
    ids = profile.driver_ids
    mids = [ids.index(i) for i in ("mid_l", "mid_r", "mid_up")]

    def fir(n, peak):
        h = rng.standard_normal(n) * np.exp(-np.arange(n) / (n / 4))
        return h / np.sum(np.abs(h)) * peak

    paths = []
    for name, src, nc in (("ctc_l", 0, 256), ("ctc_r", 1, 256), ("beam_c", 2, 64)):
        ratio = tuple(fir(64, 1.5) if d in mids else np.array([]) for d in range(len(ids)))
        paths.append(PathFilter(name, src, 0, fir(nc, 3.0), ratio))
        plain = tuple(np.array([]) if d in mids else np.array([0.5 if src < 2 else 1.0])
                      for d in range(len(ids)))
        paths.append(PathFilter(name + "_plain", src, 128 if src < 2 else 32, np.array([1.0]),
                                plain))
    return replace(base, paths=tuple(paths))


def rt_factor(fn, x, fs, block=None):
    best = np.inf
    for _ in range(REPEATS):
        proc = fn()
        t = time.process_time()
        if block is None:
            proc(x)
        else:
            for i in range(0, len(x), block):
                proc(x[i:i + block])
        best = min(best, time.process_time() - t)
    return len(x) / fs / best


def biquad_rows(fs):
    """(label, block, xRT) of the one-channel biquad cascade: fxpmath, cmsisdsp
    and numba, one call and per block; numba checked bit-exact to cmsisdsp."""
    n = int(SECONDS * fs)
    sos, coeffs, flat, ps, _xf, x = bk.biquad_case(n)
    n_st = len(sos)
    y = np.empty_like(x)

    def cmsis(block):
        inst = cm.arm_biquad_casd_df1_inst_q31()
        cm.arm_biquad_cascade_df1_init_q31(inst, n_st, flat, np.zeros(4 * n_st, np.int32), ps)
        if block is None:
            return cm.arm_biquad_cascade_df1_q31(inst, x)
        return np.concatenate([cm.arm_biquad_cascade_df1_q31(inst, x[a:a + block])
                               for a in range(0, n, block)])

    def numba(block):
        inst = F.biquad_df1_q31_init(flat, ps)
        if block is None:
            F.biquad_df1_q31(inst, x, y, n)
            return
        for a in range(0, n, block):
            m = min(block, n - a)
            F.biquad_df1_q31(inst, x[a:a + m], y[a:a + m], m)

    rows = []
    t = time.process_time()
    bk.fxp_biquad(coeffs, ps, x[:FXP_SAMPLES])
    fxp_rt = FXP_SAMPLES / fs / (time.process_time() - t)
    rows.append((f"biquad x{n_st}: naive fxpmath per sample ({FXP_SAMPLES} samples)", None,
                 fxp_rt))
    for block in (None, BLOCK):
        ref = cmsis(block)
        t_c = bk.best_time(lambda b=block: cmsis(b), 5, time.process_time)
        numba(block)
        assert np.array_equal(y, ref), "numba biquad not bit-exact to cmsisdsp"
        t_n = bk.best_time(lambda b=block: numba(b), 5, time.process_time)
        rows.append((f"biquad x{n_st}: cmsisdsp arm_biquad_cascade_df1_q31", block,
                     n / fs / t_c))
        rows.append((f"biquad x{n_st}: numba biquad_df1_q31", block, n / fs / t_n))
    return rows


def main() -> None:
    prof = load_profile("studio5")
    fs = prof.sample_rate
    chains = []
    for mode in (prof.upmix.mode, *(m for m in UPMIX_MODES if m != prof.upmix.mode)):
        design, src = chain_design_for(replace(prof, upmix=replace(prof.upmix, mode=mode)))
        name = src.split(" ")[0].rsplit(".", 1)[-1]  # e.g. design_chain
        chains.append((f"studio5 ({name}, {mode} upmix)", design))
    chains.append(("studio5 CTC-sized (synthetic)", ctc_sized(prof)))
    n = int(SECONDS * fs)
    xf = pink_noise(n, seed=1, level_dbfs=-20, channels=2)
    xq = to_q31(xf)
    rows = []  # (label, block, xRT)
    for label, d in chains:
        q = quantize_chain(d, tolerance_db=-60)
        FixedChain(q).process(xq[:256])  # compile
        taps = d.macs_per_frame()["fir_taps"]
        secs = sum(len(s.sos) for s in d.drivers)
        info = f"{label}, {taps} taps, {secs} sections"
        for block in (None, prof.block_size):
            rows.append((f"float reference chain: {info}", block,
                         rt_factor(lambda d=d: FloatChain(d).process, xf, fs, block)))
            rows.append((f"fixed-point model: {info}", block,
                         rt_factor(lambda q=q: FixedChain(q).process, xq, fs, block)))
    rows += biquad_rows(fs)

    float_rt = rows[0][2]  # the full studio5 float chain, one call
    cmsis_rt = next(r for lbl, b, r in rows if "cmsisdsp" in lbl and b is None)
    print(f"Real-time factors at {fs} Hz, all measured in this run (CPU time, best of "
          f"{REPEATS}-5; {SECONDS:g} s of -20 dBFS stereo pink noise for the chains)")
    w = max(len(r[0]) for r in rows)
    print(f"{'':{w}s} {'block':>6s} {'xRT':>10s} {'/ float ref':>12s} {'/ cmsisdsp':>11s}")
    for label, block, rt in rows:
        print(f"{label:{w}s} {block or 'all':>6} {rt:10.4g} {rt / float_rt:12.3g} "
              f"{rt / cmsis_rt:11.3g}")

    def pick(key, block=None):
        return next(r for lbl, b, r in rows if key in lbl and b == block)

    fixed_rt = pick("fixed-point model: studio5 (")
    print(f"fixed model / float reference (studio5, one call): {fixed_rt / float_rt:.2f}x")
    for mode in UPMIX_MODES:
        rt = pick(f"fixed-point model: studio5 ({name}, {mode} upmix)")
        print(f"fixed model, {mode} upmix: {rt:.0f}x real time (one call; target >= 100x)")
    print(f"numba biquad / cmsisdsp: {pick('numba') / cmsis_rt:.2f} (one call), "
          f"{pick('numba', BLOCK) / pick('cmsisdsp', BLOCK):.2f} (per block of {BLOCK}); "
          "target >= 0.5")
    print(f"cmsisdsp / naive fxpmath: {cmsis_rt / pick('fxpmath'):.3g}")


if __name__ == "__main__":
    main()
