"""The limiter's cost on the target: the whole chain of a bundled profile on
the qemu Cortex-M4 (``firmware_export/target/chain.py``), with and without
its limiter, on a quiet program (the limiter idle: no division) and on a
loud program (0 dBFS peak: a few samples over the threshold) and on a
full-scale square wave (over the threshold on almost every sample: one
``div_q30_floor``, a 64-bit library division, each).

    PYTHONPATH=. python benchmarks/bench_target_limiter.py [profile ...]

Prints instructions per stereo frame for each run, the difference (the
limiter), and checks that the target's output equals the fixed-point model's
bit for bit. Needs arm-none-eabi-gcc and qemu-system-arm.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np

from device_profiles import load_profile
from dsp_model.fixed.chain import FixedChain
from dsp_model.signals import program_noise, square, to_q31
from firmware_export.build import quantized_for
from firmware_export.tables import chain_to_blob
from firmware_export.target.chain import build_chain, run_chain


def main(argv: list[str]) -> int:
    names = argv or ["compact2", "studio5"]
    elf = build_chain().elf
    for name in names:
        prof = load_profile(name)
        fs = prof.sample_rate
        q = quantized_for(prof)
        n = fs // 4
        sq = square(n, period=fs // 250)
        stims = {"quiet (-30 dBFS peak)": to_q31(program_noise(n, fs=fs, seed=7,
                                                                peak_dbfs=-30.0)),
                 "loud (0 dBFS peak)": to_q31(program_noise(n, fs=fs, seed=7, peak_dbfs=0.0)),
                 "FS square L/-R": to_q31(np.stack([sq, -sq], axis=1))}
        rows = []
        for sname, x in stims.items():
            # the limiter's input (the gains leave out_shift guard bits for it)
            pre = FixedChain(replace(q, limiter=None)).process(x).astype(np.int64)
            share = float(np.mean(np.max(np.abs(pre), axis=1) > q.limiter.threshold))
            per = {}
            for label, qq in (("with", q), ("without", replace(q, limiter=None))):
                r = run_chain(chain_to_blob(qq), x, block=prof.block_size, elf=elf)
                want = FixedChain(qq).process(x)
                assert np.array_equal(r.out, want), f"{name} {sname} {label}: target != model"
                per[label] = r.instructions_per_frame
            rows.append((f"{sname} ({100 * share:.0f}% over)", per["with"], per["without"]))
        lim = q.limiter
        print(f"{name}: limiter L={lim.lookahead} A={1 << lim.attack_log2} E={lim.out_shift}, "
              f"{q.n_drivers} drivers, block {prof.block_size} (target = model bit for bit)")
        for sname, w, wo in rows:
            print(f"  {sname:32s} chain {w:8.1f} instr/frame, without limiter {wo:8.1f}: "
                  f"limiter {w - wo:6.1f} instr/frame ({(w - wo) * fs / 1e6:.2f} MIPS)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
