"""Whole-chain throughput: float reference vs fixed-point model, one run.

Real-time factor = (seconds of audio at the profile's rate) / (CPU seconds
of this process, `time.process_time`: the machine is shared, wall time would
measure the neighbours), best of a few repeats, for:
  * studio5 as `dsp_model.validate.chain_design_for` gives it (the full design
    when `dsp_model.design.design_chain` exists, else plain stereo);
  * a studio5 chain with CTC-sized filters (synthetic taps: L' and R' each a
    256-tap common FIR with 64-tap ratio FIRs to the three mids plus a plain
    path to tweeter and woofer, C a 64-tap common FIR with 64-tap ratios to
    the mids plus a plain path), the cost the full design will have;
processed in one call (internal chunks of 4096) and in device blocks of 64.
Target: fixed model >= 100x real time at 48 kHz (issue #5).

Run: .venv/bin/python benchmarks/bench_chain.py
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device_profiles import load_profile  # noqa: E402
from dsp_model.chain_design import PathFilter, plain_chain  # noqa: E402
from dsp_model.fixed.chain import FixedChain  # noqa: E402
from dsp_model.float_chain import FloatChain  # noqa: E402
from dsp_model.signals import pink_noise, to_q31  # noqa: E402
from dsp_model.validate import chain_design_for  # noqa: E402
from firmware_export.quantize import quantize_chain  # noqa: E402

SECONDS = 2.0
REPEATS = 3


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


def main() -> None:
    prof = load_profile("studio5")
    fs = prof.sample_rate
    design, src = chain_design_for(prof)
    rows = [(f"studio5 ({src.split(' ')[0]})", design), ("studio5 CTC-sized (synthetic)",
                                                        ctc_sized(prof))]
    n = int(SECONDS * fs)
    xf = pink_noise(n, seed=1, level_dbfs=-20, channels=2)
    xq = to_q31(xf)
    print(f"chain throughput, {SECONDS:g} s of stereo pink noise at {fs} Hz, best of {REPEATS}, "
          "CPU time")
    print(f"{'chain':36s} {'taps':>6s} {'sections':>8s} {'block':>6s} {'float xRT':>10s} "
          f"{'fixed xRT':>10s} {'fixed/float':>11s}")
    for label, d in rows:
        q = quantize_chain(d, tolerance_db=-60)
        FixedChain(q).process(xq[:256])  # compile
        taps = d.macs_per_frame()["fir_taps"]
        secs = sum(len(s.sos) for s in d.drivers)
        for block in (None, prof.block_size):
            f_rt = rt_factor(lambda d=d: FloatChain(d).process, xf, fs, block)
            x_rt = rt_factor(lambda q=q: FixedChain(q).process, xq, fs, block)
            print(f"{label:36s} {taps:6d} {secs:8d} {block or 'all':>6} {f_rt:10.1f} "
                  f"{x_rt:10.1f} {x_rt / f_rt:11.2f}")
    print("target: fixed model >= 100x real time (issue #5)")


if __name__ == "__main__":
    main()
