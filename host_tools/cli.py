"""`soundstage` command line: parses arguments and hands them to plain functions.

Each subcommand lives in its own `cmd_<name>.py` with `register(subparsers)`;
this file only wires them and turns errors into one line and an exit code:
0 ok, 1 a check failed or the device failed (no answer, a NAK, a protocol
error), 2 usage or input error (including a missing, busy or non-serial port,
or a blob refused as incompatible before writing), 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from device_profiles.errors import SoundstageError

# Order is the order shown in --help.
COMMANDS = [
    "profile",
    "design",
    "upmix",
    "render",
    "evaluate",
    "validate",
    "build",
    "verify",
    "flash",
    "stream",
    "info",
    "ports",
    "emulate",
]


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("soundstage")
    except Exception:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


class OneLineErrorParser(argparse.ArgumentParser):
    """Usage errors (a bad or missing argument) in one line, exit 2, like every other error;
    `--help` still shows the usage. Subcommand parsers inherit this class."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="soundstage",
        description="Spatial audio for compact multi-driver speakers: design, fixed-point "
        "model, firmware export, serial tools.",
    )
    parser.add_argument("--version", action="version", version=f"soundstage {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"host_tools.cmd_{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        rc = args.func(args)
    except SoundstageError as e:
        print(f"soundstage {args.command}: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print(f"soundstage {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
