"""`soundstage design [PROFILE]`: profile summary and the acoustic picture."""

from __future__ import annotations

import argparse

from device_profiles import load_profile


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("design", help="design the filters for a profile and report")
    p.add_argument("profile", nargs="?", default=None, help="bundled name or TOML path")
    p.add_argument("--out", default=None, help="directory for filters, metrics and plots")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    prof = load_profile(args.profile)
    print(f"profile {prof.name}: {prof.n_drivers} drivers, {prof.sample_rate} Hz, "
          f"target {prof.target}, budget {prof.mips_budget:g} MIPS")
    return 0
