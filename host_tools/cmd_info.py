"""`soundstage info --port PORT`: what the device is and which profile it runs."""

from __future__ import annotations

import argparse

from . import protocol as P
from .cmd_flash import add_port_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="show a device's model, target and active profile")
    add_port_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    dev = P.connect(args.port, args.baud, trace=args.trace)
    try:
        print(dev.info().describe())
    finally:
        P.close(dev)
    return 0
