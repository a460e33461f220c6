"""`soundstage stream --port PORT SIGNAL [--save OUT.wav] [--compare]`."""

from __future__ import annotations

import argparse
import math

from device_profiles.errors import CheckFailed, UserError

from . import protocol as P
from . import streamer
from .cmd_flash import add_port_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stream", help="stream a test signal through the device's active "
                       "profile and capture the per-driver output")
    p.add_argument("signal", metavar="SIGNAL",
                   help=f"{', '.join(streamer.SIGNALS)}, or an audio file (WAV, FLAC, AIFF, RF64)")
    add_port_args(p)
    p.add_argument("--seconds", type=float, default=1.0, help="signal length (default 1 s)")
    p.add_argument("--seed", type=int, default=1, help="noise / phase seed")
    p.add_argument("--level", type=float, default=None, help="level, dBFS (signal default)")
    p.add_argument("--block", type=int, default=None, help="samples per block")
    p.add_argument("--hash", action="store_true",
                   help="ask only for the device's running hash, not the blocks")
    p.add_argument("--save", metavar="OUT.wav", default=None,
                   help="write the per-driver capture (and, for a sweep, OUT_ir.wav)")
    p.add_argument("--compare", action="store_true",
                   help="check bit-exactly against the fixed-point model of the active profile")
    p.add_argument("--blob", default=None,
                   help="the active profile's blob for --compare (default: read it back)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, *, factory=None) -> int:
    from .emulator import default_processor_factory

    factory = factory or default_processor_factory
    if not (math.isfinite(args.seconds) and args.seconds > 0):  # before the port is opened
        raise UserError(f"--seconds {args.seconds:g}: the signal length must be a positive "
                        "number of seconds")
    dev = P.connect(args.port, args.baud, trace=args.trace)
    try:
        info = dev.info()
        x, extras = streamer.make_signal(args.signal, fs=info.sample_rate, seconds=args.seconds,
                                         seed=args.seed, level_dbfs=args.level)
        res = streamer.stream(dev, x, sample_rate=info.sample_rate,
                              hash_only=args.hash and not (args.save or args.compare),
                              block=args.block)
        blob = None
        if args.compare:
            blob = _active_blob(dev, args.blob, info)
    finally:
        P.close(dev)
    rate = res.samples / max(res.seconds, 1e-9)
    print(f"streamed {args.signal}: {res.samples} samples in {res.blocks} blocks of "
          f"{res.block_size}, {res.n_drivers} drivers, {res.seconds:.2f} s "
          f"({rate:.0f} samples/s, {rate / info.sample_rate:.2f}x real time); "
          f"output sha256 {res.sha256[:16]}...")
    if args.save:
        for path in streamer.save_capture(args.save, res.output, fs=info.sample_rate,
                                          inverse=extras.get("inverse")):
            print(f"wrote {path}")
    if args.compare:
        ref = streamer.reference_output(factory, blob, x, res.block_size)
        where = streamer.first_mismatch(ref, res.output, res.block_size)
        if where:
            raise CheckFailed(f"device output differs from the fixed-point model: {where}")
        print(f"bit-exact with the fixed-point model ({res.samples} samples x "
              f"{res.n_drivers} drivers)")
    return 0


def _active_blob(dev: P.Device, path: str | None, info: P.DeviceInfo) -> bytes:
    import hashlib
    from pathlib import Path

    data = Path(path).read_bytes() if path else dev.read_active(chunk=min(info.max_chunk, 4096))
    if hashlib.sha256(data).hexdigest() != info.active_sha256:
        raise UserError(f"{path or 'read-back'}: not the device's active profile "
                        f"(sha256 {hashlib.sha256(data).hexdigest()[:16]}... vs "
                        f"{(info.active_sha256 or 'none')[:16]}...)")
    return data
