"""`soundstage validate [PROFILE]`: fixed-point model vs float reference.

Prints per stimulus and driver the error-to-signal ratio, the max/RMS error in
output LSBs, saturation events and where, and the error spectrum of the pink
noise; exit 1 if any driver misses the profile's tolerance (dsp_model/validate.py).
"""

from __future__ import annotations

import argparse

from device_profiles import load_profile
from dsp_model.validate import format_result, validate


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="run the fixed-point model against the float reference")
    p.add_argument("profile", nargs="?", default=None, help="bundled name or TOML path")
    p.add_argument("--duration", type=float, default=1.0,
                   help="seconds of each stimulus (default 1.0)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also print the quantization report (headroom plan, kernels, errors)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    prof = load_profile(args.profile)
    if not args.duration > 0:
        from device_profiles.errors import UserError

        raise UserError(f"--duration must be positive, got {args.duration}")
    res = validate(prof, duration=args.duration)
    for line in format_result(res, verbose=args.verbose):
        print(line)
    return 0 if res.ok else 1
