"""`soundstage emulate [--profile P] [--state FILE] [--socket PORT]`: a device on a pty."""

from __future__ import annotations

import argparse
import os
import threading
from dataclasses import replace
from pathlib import Path

from device_profiles import DEFAULT_PROFILE, UserError, load_profile

from .cmd_flash import baud_rate
from .emulator import (
    QEMU_CHAIN_LIMITS,
    DeviceConfig,
    Emulator,
    PtyHost,
    SocketHost,
    log_stderr,
)
from .flash_store import FlashStore


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("emulate", help="run an emulated device on a pseudo-terminal or a "
                       "loopback socket")
    p.add_argument("--profile", default=None,
                   help=f"profile whose hardware to emulate (target, rate, drivers; "
                   f"default {DEFAULT_PROFILE})")
    p.add_argument("--state", default=None,
                   help="flash state file (kept across restarts; default "
                   "~/.local/state/soundstage/emulator-<profile>.flash)")
    p.add_argument("--socket", type=int, default=None, metavar="PORT",
                   help="listen on 127.0.0.1:PORT instead of a pty (0: any free port)")
    p.add_argument("--baud", type=baud_rate, default=None,
                   help="pty only: garble input unless the host opened it at this baud")
    p.add_argument("--slot-size", type=int, default=512 * 1024, help="bytes per profile slot")
    p.add_argument("--blob", default=None, help="flash this blob before serving")
    p.add_argument("--chain-words", type=int, default=None, metavar="N",
                   help="python only: int32 words of chain memory (default "
                   f"{QEMU_CHAIN_LIMITS.mem32_words:,}, the qemu firmware's); a blob whose "
                   "chain needs more is refused")
    p.add_argument("--target", choices=("python", "qemu"), default="python",
                   help="python: this emulator; qemu: the C firmware on an emulated "
                   "Cortex-M4 (firmware_export/target; needs arm-none-eabi-gcc and "
                   "qemu-system-arm). Both keep the same flash layout in --state.")
    p.set_defaults(func=run)


def default_state(profile_name: str) -> Path:
    base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    return base / "soundstage" / f"emulator-{profile_name}.flash"


def preload(emu: Emulator, blob: bytes) -> None:
    """Flash `blob` into the emulator through an in-process link (the real flasher)."""
    from . import protocol as P
    from .flasher import flash
    from .transport import pipe_pair

    host, dev_end = pipe_pair()
    stop = threading.Event()
    t = threading.Thread(target=emu.serve, args=(dev_end, stop), daemon=True)
    t.start()
    try:
        flash(P.Device(P.Link(host)), blob)
    finally:
        stop.set()
        t.join(2)


def run(args: argparse.Namespace) -> int:
    prof = load_profile(args.profile)
    state = Path(args.state) if args.state else default_state(prof.name)
    state.parent.mkdir(parents=True, exist_ok=True)
    if args.target == "qemu":
        from firmware_export.target.device import serve

        if (args.socket is not None or args.baud is not None or args.blob
                or args.chain_words is not None):
            raise UserError("--target qemu takes --profile and --state only (flash with "
                            "`soundstage flash --port <pty>`)")
        if args.slot_size != 512 * 1024:
            raise UserError("--target qemu has 512 KiB slots (fixed in its firmware)")
        return serve(prof.name, state, say=lambda m: print(m, flush=True))
    limits = QEMU_CHAIN_LIMITS
    if args.chain_words is not None:
        if args.chain_words < 1:
            raise UserError(f"--chain-words {args.chain_words}: give a positive word count")
        limits = replace(limits, mem32_words=args.chain_words)
    emu = Emulator(FlashStore(state, slot_size=args.slot_size),
                   DeviceConfig.from_profile(prof, chain_limits=limits), log=log_stderr)
    if args.blob:
        preload(emu, Path(args.blob).read_bytes())
    a = emu.flash.active
    active = f"active sha256 {a.sha256[:16]}... (slot {a.slot})" if a else "no active profile"
    if args.socket is not None:
        host = SocketHost(emu, args.socket)
        where = host.url
    else:
        host = PtyHost(emu, baud=args.baud)
        where = host.path
    print(where, flush=True)
    print(f"emulating {prof.name}: {prof.target}, {prof.sample_rate} Hz, {prof.n_drivers} "
          f"drivers; state {state}; {active}. Ctrl-C stops.", flush=True)
    try:
        host.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        host.close()
        emu.store.close()
    return 0
