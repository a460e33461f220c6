"""The protocol device firmware on the emulated target (``src/main_device.c``).

:func:`build_device` compiles it for a profile (target id, sample rate and
driver count are fixed at build time, as on a real product);
:func:`boot_device` boots it under qemu with UART0 on a pseudo-terminal and
the emulated flash in a file, and returns once the device answers, so
``soundstage flash/info/stream --port <pty>`` can talk to it at once::

    .venv/bin/python -m firmware_export.target.device --profile studio5
"""

from __future__ import annotations

import argparse
import os
import select
import sys
import time
from pathlib import Path

from . import build, run

DEVICE_SOURCES = ["device.c", "frame.c", "store.c", "flash.c", "crc32.c", "sha256.c"]
DEFAULT_FLASH = "soundstage-flash.bin"
# The whole-chain runtime the stream processor links (firmware_export/runtime).
CHAIN_SOURCES = ["ss_chain.c", "ss_blob.c", "ss_kernels.c", "ss_upmix.c", "ss_cfft.c"]
CUT_STATUS = 86  # exit status of a power cut (src/flash.h)
FLASH_FILE_SIZE = 0x3000 + 2 * 512 * 1024  # src/flash.h FLASH_SIZE (flash_store.py layout)


def build_device(profile: str | None = None, *, target_id: int | None = None,
                 sample_rate: int | None = None, n_drivers: int | None = None,
                 chain_limits: dict[str, int] | None = None) -> build.Firmware:
    """The device firmware for a bundled profile (or explicit figures); `chain_limits`
    replaces figures of `chain.CHAIN_LIMITS` (``{"SS_MEM32_WORDS": 16384}``: a device
    with less chain memory)."""
    if profile is not None:
        from device_profiles import load_profile
        from firmware_export.blob import TARGET_IDS

        prof = load_profile(profile)
        target_id = target_id or TARGET_IDS[prof.target]
        sample_rate = sample_rate or prof.sample_rate
        n_drivers = n_drivers or prof.n_drivers
    defines = [f"SS_DEV_TARGET_ID={target_id or 1}", f"SS_DEV_SAMPLE_RATE={sample_rate or 48000}",
               f"SS_DEV_N_DRIVERS={n_drivers or 5}", "UART_RX_RING=262144u"]
    try:  # protocol figures that are tuning, not layout: from the one source
        from host_tools.protocol import SACK_SEQS

        defines.append(f"SACK_SEQS={SACK_SEQS}u")
    except ImportError:
        pass
    chain = build.runtime_sources(CHAIN_SOURCES)
    have_chain = len(chain) == len(CHAIN_SOURCES)
    processor = "processor_chain.c" if have_chain else "processor_none.c"
    sources = [build.SRC_DIR / s for s in DEVICE_SOURCES] + [build.SRC_DIR / processor]
    from .chain import CHAIN_LIMITS

    limits = dict(d.split("=") for d in CHAIN_LIMITS) | (chain_limits or {})
    return build.build("device", cmsis=have_chain, extra_sources=sources,
                       defines=defines + ([f"{k}={v}" for k, v in limits.items()]
                                          if have_chain else []),
                       runtime=CHAIN_SOURCES if have_chain else False)


def _ping(fd: int, timeout: float) -> bool:
    """Send INFO on fd and wait for any reply frame."""
    from host_tools import protocol as P

    os.write(fd, P.encode_frame(P.Op.INFO, 0, b""))
    deframer = P.Deframer()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        r, _, _ = select.select([fd], [], [], left)
        if r and any(f.is_reply for f in deframer.feed(os.read(fd, 4096))):
            return True
    return False


def boot_device(elf: Path, flash_file: Path, *, cut_at: int | None = None,
                ready_timeout: float = 10.0) -> run.Qemu:
    """Boot the device firmware; returns once it answers on its pty (``.pty``)."""
    flash_file = Path(flash_file).resolve()
    args = [f"flash={flash_file}"] + ([f"cut={cut_at}"] if cut_at else [])
    q = run.Qemu(elf, cwd=flash_file.parent, args=args, icount=False)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if q.proc.poll() is not None:
            break
        try:
            if _ping(q._hold, 0.3):
                return q
        except OSError:  # the pty went away: qemu exited
            q.proc.wait(5)
            break
    q.kill()
    if q.proc.returncode == 2:
        from device_profiles.errors import UserError

        raise UserError(f"flash file {flash_file}: cannot be opened, or not "
                        f"{FLASH_FILE_SIZE} bytes (delete it to start over)")
    raise RuntimeError(f"the target device did not answer on {q.pty} within {ready_timeout} s "
                       f"(qemu exit status {q.proc.returncode})")


def serve(profile: str | None = None, flash_file: str | Path = DEFAULT_FLASH,
          say=print) -> int:
    """Build (if needed) and boot the device for `profile`, print its pty, run
    until qemu exits or Ctrl-C. The body of ``soundstage emulate --target qemu``.

    The flash file has the layout of host_tools/flash_store.py (512 KiB slots),
    so the Python emulator and the qemu target can take turns on one file.
    """
    reason = build.missing_tools()
    if reason:
        from device_profiles.errors import UserError

        raise UserError(f"the qemu target needs its toolchain: {reason}")
    import signal

    fw = build_device(profile or "studio5")
    q = boot_device(fw.elf, Path(flash_file))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so `finally` stops qemu
    say(q.pty)  # first line: the port alone, as `soundstage emulate` prints it
    say(f"qemu target device ({profile or 'studio5'}): Cortex-M4 firmware under qemu "
        f"mps2-an386; flash {Path(flash_file).resolve()}. Ctrl-C stops.")
    try:
        return q.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        q.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="boot the protocol device under qemu")
    parser.add_argument("--profile", default=None, help="bundled profile (default studio5)")
    parser.add_argument("--flash", default=DEFAULT_FLASH, help="emulated flash file")
    args = parser.parse_args(argv)
    if build.missing_tools():
        print(f"error: {build.missing_tools()}", file=sys.stderr)
        return 2
    from device_profiles.errors import SoundstageError

    try:
        return serve(args.profile, args.flash, say=lambda m: print(m, flush=True))
    except SoundstageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
