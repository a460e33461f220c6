"""`soundstage ports`: the serial ports this machine has."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ports", help="list serial ports")
    p.set_defaults(func=run)


def list_ports() -> list[tuple[str, str, str]]:
    from serial.tools import list_ports as lp

    return sorted((p.device, p.description or "", p.hwid or "") for p in lp.comports())


def run(args: argparse.Namespace) -> int:
    ports = list_ports()
    if not ports:
        print("no serial ports found (an emulator prints its /dev/pts/N path; pyserial URLs "
              "such as socket://127.0.0.1:PORT work too)")
    for dev, desc, hwid in ports:
        print(f"{dev:20s} {desc:30s} {hwid}")
    return 0
