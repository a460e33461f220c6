"""`soundstage profile show|check|list`."""

from __future__ import annotations

import argparse
import json

from device_profiles import bundled_profiles, load_profile


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("profile", help="show, check or list device profiles")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = ps.add_parser("show", help="print the resolved profile (defaults filled in)")
    show.add_argument("profile", nargs="?", default=None, help="bundled name or TOML path")
    show.add_argument("--json", action="store_true", help="print as JSON")
    show.set_defaults(func=_show)
    check = ps.add_parser("check", help="validate a profile and name every problem")
    check.add_argument("profile", help="bundled name or TOML path")
    check.set_defaults(func=_check)
    ls = ps.add_parser("list", help="list the bundled profiles")
    ls.set_defaults(func=_list)


def _show(args: argparse.Namespace) -> int:
    prof = load_profile(args.profile)
    if args.json:
        print(json.dumps(prof.to_dict(), indent=2))
        return 0
    print(format_profile(prof.to_dict()))
    return 0


def format_profile(d: dict, indent: str = "") -> str:
    lines = []
    for k, v in d.items():
        if isinstance(v, dict):
            lines.append(f"{indent}{k}:")
            lines.append(format_profile(v, indent + "  "))
        elif isinstance(v, (list, tuple)) and v and isinstance(v[0], dict):
            lines.append(f"{indent}{k}:")
            for item in v:
                lines.append(f"{indent}  - " + ", ".join(f"{a}={b}" for a, b in item.items()))
        else:
            lines.append(f"{indent}{k}: {v}")
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> int:
    prof = load_profile(args.profile)
    print(f"{prof.source}: ok ({prof.name}, {prof.n_drivers} drivers, {prof.sample_rate} Hz, "
          f"{prof.target})")
    return 0


def _list(args: argparse.Namespace) -> int:
    for name in bundled_profiles():
        prof = load_profile(name)
        print(f"{name:12s} {prof.n_drivers} drivers  {prof.sample_rate} Hz  {prof.target:12s} "
              f"{prof.description}")
    return 0
