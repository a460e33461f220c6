"""Where the C adaptive upmix spends its instructions on the emulated Cortex-M4.

    .venv/bin/python benchmarks/bench_target_upmix.py [--frames N]

Runs ``firmware_export/runtime/ss_upmix.c`` alone on the qemu mps2-an386
target (``firmware_export/target/src/main_upmix.c``) with each bundled
profile's upmix tables, on seeded correlated noise (L = a, R = 0.6 a + 0.8 b,
2^28 rms), the first fft_size + 4 hops untimed, then N FFT frames (one per
hop) timed. Two builds:

* plain: ss_upmix.c as every product build compiles it; instructions inside
  ``upmix_q31`` per stereo sample (the figure float_chain.py quotes);
* profiling (``-DSS_UPMIX_PROFILE``): SysTick brackets between the stages of
  ``frame()`` (``src/ss_upmix_profile.h``), each stage's count less one
  bracket per interval (a back-to-back bracket calibration). The brackets
  perturb the register allocation a little: the ``residual`` row is the
  plain total minus the sum of the corrected stages.

Then, per profile, the stages against ``dsp_model.upmix.upmix_cost``'s MAC
budget, the compiled size of ss_upmix.o (per function) and the calls out of
ss_upmix (libgcc helpers for 64-bit shifts or divides would show there).

Exact instruction counts: qemu ``-icount shift=0`` + SysTick, calibrated
(firmware_export/target/README.md). Exits 2 when the toolchain is missing.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from device_profiles import bundled_profiles, load_profile  # noqa: E402
from firmware_export.target import build  # noqa: E402
from firmware_export.target.measure import build_upmix, measure_upmix  # noqa: E402

# (group, [(stage, label, unit)]); unit: what the "per unit" column divides by
GROUPS = [
    ("(1) forward: one complex FFT of M + iS", [
        ("CFFT", "arm_cfft_q31, n points (+ bit reversal)", "point"),
    ]),
    ("(2) per-bin decision, binary32 (the split of Z into M, S in pass 1)", [
        ("P1_POW", "pass 1: split, powers, z, side power, Pm Ps", "bin"),
        ("P1_WDIR", "pass 1: w_dir (VDIV, VSQRT)", "bin"),
        ("P1_Z", "pass 1: E z^2, E|z|^2, |E z^2| into the pool", "bin"),
        ("POOL", "pooling: prefix sums", "bin"),
        ("P3_W", "pass 3: window sums, D, lam, w, C = w M", "bin"),
    ]),
    ("(3) irfft_q31", [
        ("IRFFT_SPLIT", "real merge step (pairs k, N/2-k) + max scan", "bin"),
        ("IRFFT_NORM", "block exponent: shift the merged spectrum", "sample"),
        ("IRFFT_CFFT", "arm_cfft_q31 inverse, n/2 points", "point"),
    ]),
    ("(4) windows, OLA, sample loop", [
        ("WIN", "analysis: block exp. scan + window", "sample"),
        ("OLA", "synthesis window + OLA + ready", "sample"),
        ("SAMPLE", "upmix_q31 sample loop (per hop)", "sample"),
    ]),
]
# upmix_cost's steps (MACs) per group
BUDGET = {
    "(1) forward: one complex FFT of M + iS": ["forward real FFTs (M, S)"],
    "(2) per-bin decision, binary32 (the split of Z into M, S in pass 1)": ["per-bin decision"],
    "(3) irfft_q31": ["inverse real FFT"],
    "(4) windows, OLA, sample loop": ["analysis windows (M, S)", "synthesis window"],
}


def stimulus(n: int) -> np.ndarray:
    rng = np.random.default_rng(16)
    a, b = rng.standard_normal((2, n))
    return (np.stack([a, 0.6 * a + 0.8 * b], 1) * 2.0**28).astype(np.int32)


def units(r, unit: str, stage: str) -> float:
    """How many `unit`s a stage handles per FFT frame."""
    n, nb = r.fft_size, r.fft_size // 2 + 1
    fwd = 2 if stage == "WIN" else 1
    if unit == "bin":
        return nb
    if unit == "point":
        return n // 2 if stage == "IRFFT_CFFT" else n
    if stage == "OLA":
        return r.synthesis_size
    if stage == "SAMPLE":
        return r.hop
    return fwd * n


def breakdown(name: str, frames: int) -> list[str]:
    from dsp_model.upmix import upmix_cost
    from firmware_export.quantize_upmix import upmix_tables

    prof = load_profile(name)
    t = upmix_tables(prof.upmix, prof.sample_rate)
    warm = t.fft_size + 4 * t.hop
    x = stimulus(warm + frames * t.hop)
    plain = measure_upmix(t, x, warm=warm, profile=False)
    r = measure_upmix(t, x, warm=warm, profile=True)
    macs, steps = upmix_cost(prof, detail=True)
    per_frame = {s: v / r.frames for s, v in r.stages.items()}
    total = plain.instructions / plain.frames
    lines = [
        f"{name}: fft {t.fft_size}, hop {t.hop}, synthesis {t.synthesis_size}, pool "
        f"+-{t.pool}, {t.fft_size // 2 + 1} bins; {frames} frames timed after {warm} samples",
        f"  {'stage':44s} {'instr/frame':>12s} {'/sample':>8s} {'%':>5s} {'per unit':>13s}"
        f" {'MACs/sample':>11s} {'instr/MAC':>9s}",
    ]
    acc = 0.0
    for group, stages in GROUPS:
        g = sum(per_frame[s] for s, _, _ in stages)
        acc += g
        mac = sum(steps[k] for k in BUDGET[group])
        lines.append(f"  {group:44s} {g:12.0f} {g / t.hop:8.1f} {100 * g / total:5.1f} "
                     f"{'':>13s} {mac:11.1f} {g / t.hop / mac:9.1f}")
        for s, label, unit in stages:
            v = per_frame[s]
            lines.append(f"    {label:42s} {v:12.0f} {v / t.hop:8.1f} {100 * v / total:5.1f} "
                         f"{v / units(r, unit, s):8.1f}/{unit:6s}")
    lines.append(f"  {'sum of stages (profiling build, corrected)':44s} {acc:12.0f} "
                 f"{acc / t.hop:8.1f} {100 * acc / total:5.1f} {'':>13s} {macs:11.1f} "
                 f"{acc / t.hop / macs:9.1f}")
    lines.append(f"  {'plain build, inside upmix_q31':44s} {total:12.0f} {total / t.hop:8.1f} "
                 f"{100.0:5.1f}")
    lines.append(f"  {'residual (plain - sum of stages)':44s} {total - acc:12.0f} "
                 f"{(total - acc) / t.hop:8.1f} {100 * (total - acc) / total:5.1f}")
    marks = sum(r.marks.values())
    raw = (sum(r.stages.values()) + r.bracket * marks) / r.samples
    lines.append(f"  (one bracket = {r.bracket:.1f} instructions, taken out of each stage: "
                 f"{marks / r.frames:.0f} brackets per frame; profiling build uncorrected "
                 f"{raw:.0f}/sample)")
    return lines


def code_size() -> list[str]:
    fw = build_upmix(False)
    obj = next(o for s, o in fw.objects.items() if Path(s).name == "ss_upmix.c")
    text, data, bss = build.size([obj])[str(obj)]
    nm = subprocess.run(["arm-none-eabi-nm", "-S", "--size-sort", str(obj)],
                        capture_output=True, text=True, check=True).stdout.split()
    funcs = [(nm[i + 3], int(nm[i + 1], 16)) for i in range(0, len(nm) - 3, 4)
             if nm[i + 2].lower() == "t"]
    dis = subprocess.run(["arm-none-eabi-objdump", "-dr", str(obj)], capture_output=True,
                         text=True, check=True).stdout
    calls: dict[str, int] = {}
    for target in re.findall(r"R_ARM_THM_(?:CALL|JUMP24)\s+(\S+)", dis):
        calls[target] = calls.get(target, 0) + 1
    helpers = sorted(c for c in calls if c.startswith("__"))
    divs = len(re.findall(r"\t(?:udiv|sdiv)\s", dis))
    elf_dis = subprocess.run(["arm-none-eabi-objdump", "-d", str(fw.elf)], capture_output=True,
                             text=True, check=True).stdout
    in_elf = sorted(set(re.findall(r"<(__aeabi_\w+|__(?:ash|lsh|div|udiv|mod|umod)\w*)>",
                                   elf_dis)))
    return [
        f"ss_upmix.o ({build.CC} -O2 -mcpu=cortex-m4 -mthumb): text {text} B, data {data}, "
        f"bss {bss}",
        "  per function: " + ", ".join(f"{f} {s}" for f, s in sorted(funcs, key=lambda x: -x[1])),
        "  calls out of ss_upmix.o: " + ", ".join(f"{c} x{k}" for c, k in sorted(calls.items())),
        "  libgcc helpers called: " + (", ".join(helpers) if helpers else
                                      "none (64-bit shifts inline, 32-bit udiv/sdiv in hardware: "
                                      f"{divs} in the object)"),
        "  libgcc helpers in the linked ELF: " + (", ".join(in_elf) if in_elf else "none"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=32, help="FFT frames timed per profile")
    args = parser.parse_args()
    reason = build.missing_tools()
    if reason:
        print(f"bench_target_upmix: skipped: {reason}", file=sys.stderr)
        return 2
    out = ["adaptive upmix (ss_upmix.c) on cortex-m4 (qemu mps2-an386): instructions per FFT "
           "frame (one hop) and per stereo sample", ""]
    for name in bundled_profiles():
        out += breakdown(name, args.frames) + [""]
    out += code_size()
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
