"""Cost on the emulated Cortex-M4 target, from one run of the firmware.

    .venv/bin/python benchmarks/bench_target.py

1. Kernels, block 64: CMSIS-DSP's q31 biquad and FIR kernels (and the
   ``_fast_`` variants) next to the project's own (``firmware_export/runtime``,
   once present): instructions per sample per section / per tap, and the
   ratio ours / CMSIS (issue 16 asks for <= 1.2 while bit-exact).
2. Binary size (text/data/bss) of the firmware and of the runtime alone.
3. Per bundled profile, with the upmix it ships and, while that is passive, with
   the adaptive one (#23: the whole chain, the upmix included, within 300 MIPS
   for studio5 and 150 for compact2): MACs per stereo frame of the design, instructions per
   frame of the whole chain measured on the target (firmware_export/runtime's
   ss_chain; an estimate from the kernel costs if it is absent, marked as
   such), MIPS at the profile's rate against its ``mips_budget``, and whether
   the target's output equals the Python fixed-point chain's.

Exact instruction counts: qemu ``-icount shift=0`` + SysTick, calibrated
(firmware_export/target/README.md). Exits 2 when the toolchain is missing.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device_profiles import bundled_profiles, load_profile  # noqa: E402
from firmware_export.target import build  # noqa: E402
from firmware_export.target.measure import REFERENCE_SIZE, measure  # noqa: E402

# CMSIS kernel -> the project's twin (same semantics, bit-exact).
PAIRS = [
    ("arm_biquad_cascade_df1_q31", "biquad_df1_q31"),
    ("arm_biquad_cas_df1_32x64_q31", "biquad_df1_32x64_q31"),
    ("arm_fir_q31", "fir_q31"),
]
FAST = {"arm_biquad_cascade_df1_q31": "arm_biquad_cascade_df1_fast_q31",
        "arm_fir_q31": "arm_fir_fast_q31"}
RATIO_LIMIT = 1.2
GLUE = ("gain_q31", "delay_q31", "mix_sat_q31", "dac_quant_q31", "dac_quant_q31_dither")


def kernel_table(m) -> list[str]:
    lines = [
        f"kernels on cortex-m4 (qemu mps2-an386, {build.CC} -O2), block 64: instructions",
        f"per sample per section (biquads, {REFERENCE_SIZE['biquad']} sections) or per tap "
        f"(FIR, {REFERENCE_SIZE['fir']} taps); marginal = per added section/tap; "
        f"{m.instructions_per_tick:g} instructions per SysTick tick",
        f"  {'CMSIS kernel':29s} {'ours':21s} {'CMSIS':>6s} {'fast':>6s} {'ours':>6s}"
        f" {'ours/CMSIS':>13s}  {'marginal':>8s} {'ours':>6s}",
    ]
    have = set(m.kernels())
    for cmsis, ours in PAIRS:
        c = m.get(cmsis).per_sample_per_unit
        fast = f"{m.get(FAST[cmsis]).per_sample_per_unit:6.2f}" if cmsis in FAST else f"{'-':>6s}"
        if ours in have:
            o = m.get(ours).per_sample_per_unit
            ratio = o / c
            verdict = "ok" if ratio <= RATIO_LIMIT else f"OVER {RATIO_LIMIT}"
            ours_s, ratio_s = f"{o:6.2f}", f"{ratio:5.2f} {verdict}"
            slope_o = f"{m.slope(ours):6.2f}"
        else:
            ours_s, ratio_s, slope_o = f"{'n/a':>6s}", "n/a", f"{'n/a':>6s}"
        lines.append(f"  {cmsis:29s} {ours:21s} {c:6.2f} {fast} {ours_s} {ratio_s:>13s}  "
                     f"{m.slope(cmsis):8.2f} {slope_o}")
    if not any(ours in have for _, ours in PAIRS):
        lines.append("  (ours: firmware_export/runtime/ss_kernels.c not present yet)")
    glue = [c for c in m.counts if c.kernel in GLUE]
    if glue:
        lines.append("  per-sample blocks of the chain (instructions per sample, block 64): "
                     + ", ".join(f"{c.kernel}{'' if c.size == 1 else f'[{c.size} in]'} "
                                 f"{c.per_sample:.1f}" for c in glue))
    return lines


def size_table(fw_list, runtime_objs, cmsis_objs) -> list[str]:
    lines = ["binary size, bytes", f"  {'image':44s} {'text':>8s} {'data':>6s} {'bss':>8s}"]
    for label, elf in fw_list:
        t, d, b = build.size([elf])[str(elf)]
        lines.append(f"  {label:44s} {t:8d} {d:6d} {b:8d}")
    for label, objs in (("runtime alone (ss_chain, ss_blob, ss_kernels)", runtime_objs),
                        ("CMSIS-DSP kernels alone (8 files)", cmsis_objs)):
        if not objs:
            lines.append(f"  {label:44s} {'n/a':>8s}")
            continue
        sizes = build.size(objs).values()
        t, d, b = (sum(s[i] for s in sizes) for i in range(3))
        lines.append(f"  {label:44s} {t:8d} {d:6d} {b:8d}")
    return lines


def _kernel_cost(m, name: str, fallback: str) -> float:
    """Measured instructions per sample per section/tap: ours if linked, else CMSIS."""
    try:
        return m.get(name).per_sample_per_unit
    except KeyError:
        return m.get(fallback).per_sample_per_unit


def profile_table(m) -> list[str]:
    """Per profile: the quantized design's size, MACs per frame, and the
    whole chain's instructions per stereo frame measured on the target
    (ss_chain_process on 1 s of seeded noise, block = the profile's), or,
    without the chain runtime, an estimate from this run's kernel costs."""
    import numpy as np

    from dsp_model import budget
    from firmware_export.quantize import KERNEL_32X64
    from firmware_export.tables import chain_from_blob
    from firmware_export.target import chain as target_chain

    measured = target_chain.have_chain_runtime()
    df1 = _kernel_cost(m, "biquad_df1_q31", "arm_biquad_cascade_df1_q31")
    wide = _kernel_cost(m, "biquad_df1_32x64_q31", "arm_biquad_cas_df1_32x64_q31")
    fir = _kernel_cost(m, "fir_q31", "arm_fir_q31")
    lines = [
        "whole chain per stereo input frame (the profile's blob, as `soundstage build` makes it)",
        f"  {'profile':10s} {'taps':>5s} {'sect':>5s} {'32x64':>5s} {'MACs':>6s} "
        f"{'instr':>8s} {'source':>9s} {'MIPS':>7s} {'budget':>7s}  fits  bit-exact  upmix",
    ]
    cases = []
    for name in bundled_profiles():
        shipped = load_profile(name)
        cases.append((name, shipped, "shipped"))
        if shipped.upmix.mode == "passive":
            cases.append((name, replace(shipped, upmix=replace(shipped.upmix, mode="adaptive")),
                          "not shipped"))
    for name, prof, shipped in cases:
        blob = target_chain.profile_blob(prof)
        q = chain_from_blob(blob)
        taps = sum(len(p.common) for p in q.paths if len(p.common) > 0)
        taps += sum(len(r) for p in q.paths for r in p.ratio)
        cascades = list(q.drivers)
        v = getattr(q, "virtualizer", None)
        if v is not None:  # ipsi and contra cascades, each on L' and R'
            cascades += [v.ipsi, v.ipsi, v.contra, v.contra]
        sections = sum(len(c.coeffs) for c in cascades)
        n_wide = sum(int((c.kernel == KERNEL_32X64).sum()) for c in cascades)
        gains = len(q.drivers)
        macs = taps + 5 * sections + gains
        exact = "-"
        if measured:
            x = (np.random.default_rng(16).standard_normal((prof.sample_rate, 2))
                 * 2.0**28).astype(np.int32)
            r = target_chain.run_chain(blob, x, block=prof.block_size)
            instr, source = r.instructions_per_frame, "measured"
            from dsp_model.fixed.chain import processor_from_blob

            exact = "yes" if np.array_equal(r.out, processor_from_blob(blob)(x)) else "NO"
        else:
            instr = (taps * fir + (sections - n_wide) * df1 + n_wide * wide
                     + gains * budget.DRIVER_PER_SAMPLE)
            source = "estimate"
        mips = instr * prof.sample_rate / 1e6
        fits = "yes" if mips <= prof.mips_budget else "NO"
        lines.append(
            f"  {name:10s} {taps:5d} {sections:5d} {n_wide:5d} {macs:6d} {instr:8.1f} "
            f"{source:>9s} {mips:7.2f} {prof.mips_budget:7g}  {fits:4s}  {exact:9s}  "
            f"{prof.upmix.mode} ({shipped})")
    lines.append("  (sections include the virtualizer's, run on L' and R'; MACs = FIR taps")
    lines.append("   + 5 per biquad section + 1 per driver gain; measured: instructions inside")
    lines.append("   ss_chain_process over 1 s of seeded noise; bit-exact: equal to the Python")
    lines.append("   fixed-point chain's output)")
    return lines


def main() -> int:
    reason = build.missing_tools()
    if reason:
        print(f"bench_target: skipped: {reason}", file=sys.stderr)
        return 2
    kernels = [p.name for p in build.runtime_sources(build.KERNEL_SOURCES)]
    fw = build.build("bench", runtime=kernels or False)
    m = measure(fw.elf)
    kio = build.build("kernel_io", runtime=kernels or False)
    cmsis_objs = [o for s, o in fw.objects.items() if "third_party" in s]
    out = kernel_table(m) + [""]
    from firmware_export.target.device import build_device

    dev = build_device("studio5")
    # the runtime as the device links it (whole chain, blob parser, kernels)
    runtime_objs = [o for s, o in dev.objects.items() if Path(s).parent == build.RUNTIME_DIR]
    out += size_table([("device firmware (studio5)", dev.elf),
                       ("bench firmware (all kernels)", fw.elf),
                       ("kernel_io firmware", kio.elf)], runtime_objs, cmsis_objs)
    out.append("  (device bss: emulated flash 1036 KiB, UART receive ring 256 KiB, reply "
               "cache, frame buffers, the chain context)")
    out += [""] + profile_table(m)
    for f in (fw, kio, dev):
        if f.warnings:
            out += ["", f"compiler warnings ({f.elf.name}):", f.warnings.rstrip()]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
