"""`soundstage flash BLOB|PROFILE --port PORT [--baud N] [--force]`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from device_profiles.errors import UserError
from firmware_export.blob import MAGIC

from . import protocol as P
from .flasher import flash


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("flash", help="flash a profile blob (or a profile) into a device")
    p.add_argument("image", metavar="BLOB|PROFILE",
                   help="a .blob file, or a profile (bundled name or TOML) to build first")
    add_port_args(p)
    p.add_argument("--force", action="store_true",
                   help="flash even if this image is already active")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="say which checks were skipped and why")
    p.set_defaults(func=run)


def baud_rate(text: str) -> int:
    """argparse type: a positive integer baud rate."""
    try:
        baud = int(text)
    except ValueError:
        baud = 0
    if baud <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a baud rate (give a positive "
                                         "integer, e.g. 921600 or 115200)")
    return baud


def add_port_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", required=True,
                   help="device path or pyserial URL (/dev/ttyUSB0, /dev/pts/N, "
                   "socket://127.0.0.1:PORT, loop://)")
    p.add_argument("--baud", type=baud_rate, default=921600, help="baud rate (default 921600)")
    p.add_argument("--trace", action="store_true",
                   help="print every frame (opcode names and hex) to stderr")


def load_image(arg: str) -> bytes:
    """Blob bytes from a .blob file, or built from a profile by the export stage.

    A file that is neither (no blob magic, not a TOML file with a [device] table, e.g.
    a WAV) is refused in one line before anything else happens."""
    path = Path(arg)
    if path.is_file():
        data = path.read_bytes()
        if data[:4] == MAGIC or path.suffix == ".blob":
            return data
        why = _not_a_profile(data, toml_suffix=path.suffix == ".toml")
        if why:
            raise UserError(f"{arg}: not a soundstage blob (bad magic) nor a profile TOML "
                            f"({why}); give a .blob file or a profile")
    try:
        from firmware_export.build import blob_for_profile
    except ImportError:
        raise UserError(f"{arg}: flashing a profile needs the export stage "
                        "(firmware_export.build), which this build lacks; give a .blob "
                        "file") from None
    from device_profiles import load_profile

    return blob_for_profile(load_profile(arg))


def _not_a_profile(data: bytes, *, toml_suffix: bool) -> str | None:
    """Why `data` cannot be a profile TOML, or None if it may be one (the profile
    loader then reports what is wrong inside it)."""
    import tomllib

    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except tomllib.TOMLDecodeError as e:
        return f"not valid TOML: {e}" if toml_suffix else "not valid TOML"
    if not toml_suffix and "device" not in doc:
        return "no [device] table"
    return None


class ProgressBar:
    """`[#####.....]  45%  118.0/262.1 KiB  84.2 KiB/s  chunk 2048` on stderr, drawn only
    when stderr is a terminal (a log or a pipe gets just the result line)."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.enabled = self.stream.isatty()
        self.t0 = time.monotonic()
        self.last = 0.0
        self.start_bytes: int | None = None

    def __call__(self, done: int, total: int, chunk: int = 0) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self.start_bytes is None:
            self.start_bytes = done
        if now - self.last < 0.1 and done < total:
            return
        self.last = now
        frac = done / total if total else 1.0
        fill = int(frac * self.width)
        rate = (done - self.start_bytes) / max(now - self.t0, 1e-6) / 1024
        extra = f"  chunk {chunk}" if chunk else ""
        self.stream.write(f"\r[{'#' * fill}{'.' * (self.width - fill)}] {frac * 100:5.1f}%  "
                          f"{done / 1024:.1f}/{total / 1024:.1f} KiB  {rate:.1f} KiB/s{extra}  ")
        self.stream.flush()

    def close(self) -> None:
        if self.start_bytes is not None:
            self.stream.write("\n")
            self.stream.flush()


def run(args: argparse.Namespace) -> int:
    image = load_image(args.image)
    from firmware_export.blob import BlobError, parse_blob

    try:
        blob = parse_blob(image)  # a bad file is refused before the port is even opened
    except BlobError as e:
        raise BlobError(f"{args.image}: {e}") from None
    dev = P.connect(args.port, args.baud, trace=args.trace)
    bar = ProgressBar()
    try:
        res = flash(dev, image, force=args.force, progress=bar, say=print,
                    note=print if args.verbose else lambda m: None)
    finally:
        bar.close()
        P.close(dev)
    if res.status == "skipped":
        return 0
    kib_s = (res.size - res.resumed_from) / max(res.data_seconds, 1e-6) / 1024
    resumed = f", resumed at byte {res.resumed_from}" if res.resumed_from else ""
    print(f"flashed '{blob.profile_name}' ({res.size} bytes, sha256 {res.sha256[:16]}...) "
          f"into slot {res.slot}, generation {res.generation}: verified and active in "
          f"{res.seconds:.2f} s ({kib_s:.1f} KiB/s, {res.resent} chunks resent{resumed})")
    return 0
