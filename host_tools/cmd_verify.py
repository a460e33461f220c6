"""`soundstage verify [PROFILE]`: Python model and host C runtime vs the
golden vectors (tests/golden/<profile>/) and vs each other.

Prints pass, or the first differing driver, block and sample with both
values; exit 1 on any mismatch. Without PROFILE every bundled profile is
verified. The logic is firmware_export/verify.py. `--current` also checks
that the golden vectors were made from the blob the current design builds
(else they are stale: `python -m firmware_export.golden --update`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from device_profiles import bundled_profiles, load_profile
from firmware_export.golden import stale
from firmware_export.verify import verify_profile


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="bit-exactness: Python model and host C runtime vs the "
                       "golden vectors")
    p.add_argument("profile", nargs="?", default=None,
                   help="bundled profile name or TOML path (default: every bundled profile)")
    p.add_argument("--golden", type=Path, default=None,
                   help="golden vector root (default tests/golden)")
    p.add_argument("--current", action="store_true",
                   help="also fail if the golden vectors are stale for the current design")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # a TOML path keeps its path for --current: its design, not the bundled one of its name
    profiles = [args.profile] if args.profile else bundled_profiles()
    rc = 0
    for profile in profiles:
        res = verify_profile(load_profile(profile).name, args.golden)
        for line in res.lines():
            print(line)
        rc |= not res.ok
        if args.current:
            why = stale(profile, args.golden)
            if why:
                print(f"  stale: {why}")
                rc = 1
    return int(rc)
