"""`soundstage build [PROFILE] --out DIR`: what the firmware build needs.

Writes <profile>_tables.h / <profile>_tables.c (CMSIS-layout tables and
#defines), <profile>.blob (the flashable image) and manifest.json (every
artifact with its SHA-256) into DIR (default out/<profile>); the logic is
firmware_export/build.py. A design the quantizer's checks refuse is one
error line naming the stage, the filter and the figure (exit 1).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from device_profiles import load_profile
from firmware_export.build import build_profile, design_source


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="export C tables, header, profile blob and manifest")
    p.add_argument("profile", nargs="?", default=None, help="bundled name or TOML path")
    p.add_argument("--out", default=None, help="output directory (default out/<profile>)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    prof = load_profile(args.profile)
    out = Path(args.out) if args.out else Path("out") / prof.name
    res = build_profile(prof, out)
    print(f"profile {prof.name}: {prof.n_drivers} drivers, {prof.sample_rate} Hz, target "
          f"{prof.target}, design {design_source()[0]}")
    for rel, sha in res.artifacts.items():
        print(f"  {out / rel}  sha256 {sha}")
    print(f"  {res.manifest}")
    return 0
