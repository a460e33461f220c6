"""CMSIS-DSP's Q31 complex FFT on the emulated Cortex-M4, alone and inside the upmix.

    .venv/bin/python benchmarks/bench_target_fft.py

1. ``arm_cfft_q31`` (vendored CMSIS-DSP 1.10.3, through ``ss_cfft_q31``;
   ``src/main_fft.c``): instructions per call, forward and inverse, with its
   bit reversal (and ``arm_bitreversal_32`` alone), n = 256 .. 4096 complex
   points, and per butterfly-equivalent (n/2 log2 n radix-2 butterflies).
2. In the same run, the upmix (``ss_upmix.c``, profiling build, each bundled
   profile's tables): its forward analysis, one
   ``arm_cfft_q31`` of n points on M + iS plus the split into the M and S
   spectra, and its inverse, since #23's inverse round ``arm_cfft_q31`` of
   n/2 points after a block-exponent shift (and the real merge, shown apart):
   instructions per stereo sample, against the n/2-point call alone. (The
   table below is from before that round: the own radix 2 it replaced.)

The forward radix-2 FFTs this replaced are gone from the tree; their figures
(benchmarks/bench_target_upmix.py at cf53c6c, same target and compiler):
studio5 (fft 4096, hop 512) 2 real FFTs 6,492 instructions per stereo sample
(120.5 per butterfly), compact2 (2048/512) 3,013.

Measured 2026-12-06 (this script, +-5 instructions from one build to the next
with the code's placement; the forward totals against the radix-2
pair they replaced: studio5 6,492 -> 1,153 (5.6x), compact2 3,013 -> 597
(5.0x)):

    n   forward   inverse   bitrev  fwd/bfly
  256     21223     21223     2285      20.7
  512     55239     55239     4570      24.0
 1024    105184    105184     9429      20.5
 2048    261544    261544    18853      23.2
 4096    501920    501920    38306      20.4
                                         per stereo sample   studio5  compact2
  forward: arm_cfft_q31 of n points on M + iS                  980.5     510.9
  forward: split into the M and S spectra                      172.1      86.1
  inverse: own radix-2 cfft of n/2 + bit reversal             2133.8     976.9
  inverse: arm_cfft_q31 of n/2 would be                        510.8     205.4
  own / CMSIS, n/2-point inverse                                4.18      4.76

The whole upmix (benchmarks/bench_target_upmix.py, plain build, inside
upmix_q31, per stereo sample): studio5 16,590 -> 11,120, compact2 8,053 ->
5,576 (the decision, unchanged, is 6,507 / 3,259 of it).

Exact instruction counts: qemu ``-icount shift=0`` + SysTick, calibrated
(firmware_export/target/README.md). Exits 2 when the toolchain is missing.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from device_profiles import bundled_profiles, load_profile  # noqa: E402
from firmware_export.target import build  # noqa: E402
from firmware_export.target.measure import measure_fft, measure_upmix  # noqa: E402


def cfft_table(m) -> list[str]:
    lines = [f"arm_cfft_q31 on cortex-m4 (qemu mps2-an386, {build.CC} -O2): instructions per "
             "call (bit reversal included) and per radix-2 butterfly equivalent (n/2 log2 n)",
             f"  {'n':>5s} {'forward':>9s} {'inverse':>9s} {'bitrev':>8s} {'fwd/bfly':>9s}"]
    for n in sorted({c.size for c in m.counts}):
        fwd = m.get("arm_cfft_q31_fwd", n).instructions_per_call
        inv = m.get("arm_cfft_q31_inv", n).instructions_per_call
        rev = m.get("arm_bitreversal_32", n).instructions_per_call
        bfly = n // 2 * int(math.log2(n))
        lines.append(f"  {n:5d} {fwd:9.0f} {inv:9.0f} {rev:8.0f} {fwd / bfly:9.1f}")
    return lines


def upmix_rows(name: str, m) -> list[str]:
    from firmware_export.quantize_upmix import upmix_tables

    prof = load_profile(name)
    t = upmix_tables(prof.upmix, prof.sample_rate)
    n, h = t.fft_size, t.hop
    warm = n + 4 * h
    rng = np.random.default_rng(16)
    a, b = rng.standard_normal((2, warm + 8 * h))
    x = (np.stack([a, 0.6 * a + 0.8 * b], 1) * 2.0**28).astype(np.int32)
    r = measure_upmix(t, x, warm=warm, profile=True)
    per = {s: v / r.samples for s, v in r.stages.items()}
    own = per["IRFFT_NORM"] + per["IRFFT_CFFT"]
    cmsis_inv = m.get("arm_cfft_q31_inv", n // 2).instructions_per_call / h
    rows = [
        (f"forward: arm_cfft_q31 of {n} points on M + iS (the split is in the decision)",
         per["CFFT"], ""),
        (f"inverse: block-exponent shift + arm_cfft_q31 of {n // 2}", own,
         f"(real merge {per['IRFFT_SPLIT']:.1f})"),
        (f"inverse: arm_cfft_q31 of {n // 2} alone", cmsis_inv,
         f"(in the upmix / alone {own / cmsis_inv:.2f})"),
    ]
    return [f"{name}: fft {n}, hop {h}; instructions per stereo sample (profiling build, "
            "brackets taken out)"] + [f"  {label:48s} {v:8.1f}  {note}".rstrip()
                                      for label, v, note in rows]


def main() -> int:
    reason = build.missing_tools()
    if reason:
        print(f"bench_target_fft: skipped: {reason}", file=sys.stderr)
        return 2
    m = measure_fft()
    out = cfft_table(m) + [""]
    for name in bundled_profiles():
        out += upmix_rows(name, m) + [""]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
