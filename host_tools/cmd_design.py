"""`soundstage design [PROFILE]`: profile summary and the acoustic picture."""

from __future__ import annotations

import argparse

import numpy as np

from device_profiles import load_profile
from dsp_model.acoustics import interaural_differences
from dsp_model.heads import describe_head, driver_plant, head_for, heads_for, heads_label

REPORT_FREQS = (250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("design", help="design the filters for a profile and report")
    p.add_argument("profile", nargs="?", default=None, help="bundled name or TOML path")
    p.add_argument("--out", default=None, help="directory for filters, metrics and plots")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    add_head_option(p)
    p.set_defaults(func=run)


def add_head_option(p: argparse.ArgumentParser) -> None:
    """--head, shared by design, render and evaluate."""
    p.add_argument("--head", default=None, metavar="HEAD",
                   help='the listener\'s head: "sphere", "kemar" (MIT KEMAR, from libmysofa1) '
                        "or a path to a .sofa file (default: the profile's [listener] head, "
                        "or its heads, designed on together; --head designs on that one)")


def acoustic_summary(prof, head=None) -> list[str]:
    """ILD and ITD each driver produces at the listener (free field, the head: default
    the profile's)."""
    head = head_for(prof) if head is None else head
    f = np.concatenate([np.arange(20.0, 250.0, 10.0), np.array(REPORT_FREQS)])
    h = driver_plant(f, prof, head)[:, 0]  # (F, 2, D)
    ild, itd = interaural_differences(h[:, 0, :], h[:, 1, :], f)
    header = "  driver    " + "".join(f"{int(x):>7d}" for x in REPORT_FREQS) + "  Hz"
    lines = []
    for title, table, fmt in (
        ("interaural level difference, dB (right re left)", ild, "{:7.2f}"),
        ("interaural time difference, us (+ = right ear first)", itd * 1e6, "{:7.1f}"),
    ):
        lines += [title, header]
        for i, d in enumerate(prof.drivers):
            vals = "".join(fmt.format(table[f == x, i][0]) for x in REPORT_FREQS)
            lines.append(f"  {d.id:10s}{vals}")
    return lines


def run(args: argparse.Namespace) -> int:
    from dsp_model.design import design_full
    from dsp_model.design_report import design_metrics, headline, violations, write_design

    prof = load_profile(args.profile)
    design_heads = heads_for(prof, head=args.head)  # --head: that one head only
    head = design_heads[0]
    lis = prof.listener
    print(f"profile {prof.name}: {prof.n_drivers} drivers, {prof.sample_rate} Hz, "
          f"target {prof.target}, budget {prof.mips_budget:g} MIPS")
    print(f"listener at {lis.distance:g} m, head radius {lis.head_radius * 100:g} cm, "
          f"virtual pair at +-{lis.virtual_angle:g} deg, head {describe_head(head)['name']}"
          + (f", CTC designed on {heads_label(design_heads)}" if len(design_heads) > 1 else ""))
    for line in acoustic_summary(prof, head):
        print(line)
    full = design_full(prof, heads=design_heads)
    metrics = design_metrics(full)
    print(f"design of {prof.name}:")
    for line in headline(metrics):
        print(line)
    if args.out:
        files = write_design(full, args.out, metrics, plots=not args.no_plots)
        print(f"wrote {len(files)} files to {args.out} (filters.npz, metrics.json, plots)")
    bad = violations(metrics)
    for line in bad:
        print(f"VIOLATION {line}")
    return 1 if bad else 0
