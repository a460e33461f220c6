"""Flash and stream throughput over the emulator at 921600-baud-equivalent pacing.

For 64 KiB and 256 KiB blobs on a clean link and with 0.01% and 1% of bytes
corrupted at random (both directions), prints the wall time of the whole flash
(info, begin, data, end/verify, activate, active-hash read-back), the share of
the line's byte rate it achieved (image bytes x 10 bits / baud / time; with
--seeds, the median run and the range over the seeds), where the time went (the
data phase, and the commands around it), chunks resent (of them tail probes),
retransmit timeouts, command retries, damaged frames and the chunk-size trace;
then the streaming throughput against real time. Targets from issue #15 are
checked and printed as PASS/MISS.

    .venv/bin/python benchmarks/bench_flash.py [--quick] [--seeds 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import numpy as np

from firmware_export.blob import build_blob
from host_tools import streamer
from host_tools.emulator import DeviceConfig, Emulator, InProcessRig
from host_tools.flash_store import FlashStore
from host_tools.flasher import flash
from host_tools.transport import FaultyTransport

BAUD = 921600
LINE = BAUD / 10  # bytes/s
TARGETS = {  # (size, rate) -> (min share of line rate, max seconds or None)
    (64 * 1024, 0.0): (0.90, 0.85), (256 * 1024, 0.0): (0.90, 3.2),
    (64 * 1024, 1e-4): (0.85, None), (256 * 1024, 1e-4): (0.85, None),
    (64 * 1024, 1e-2): (0.35, None), (256 * 1024, 1e-2): (0.35, None),
}


def make_blob(size: int, seed: int) -> bytes:
    """A blob of exactly `size` bytes (header, one section, CRC)."""
    rng = random.Random(seed)
    body = size - 48 - 16 - 4
    return build_blob(target="cmsis-q31", sample_rate=48000, n_drivers=5, profile_name="bench",
                      sections={0x0011: rng.randbytes(body)})


def short_trace(trace: list[tuple[int, int]], n: int = 8) -> str:
    sizes = [s for _, s in trace]
    if len(sizes) <= 2 * n:
        return " ".join(map(str, sizes))
    return (" ".join(map(str, sizes[:n])) + f" ... ({len(sizes) - 2 * n} more) ... "
            + " ".join(map(str, sizes[-n:])))


def run_flash(size: int, rate: float, seed: int) -> dict:
    blob = make_blob(size, seed)
    em = Emulator(FlashStore(None, slot_size=512 * 1024), DeviceConfig(n_drivers=5))
    wrap_h = (lambda t: FaultyTransport(t, rate=rate, seed=seed)) if rate else None
    wrap_d = (lambda t: FaultyTransport(t, rate=rate, seed=seed + 1000)) if rate else None
    rig = InProcessRig(em, baud=BAUD, host_wrap=wrap_h, device_wrap=wrap_d)
    try:
        t0 = time.monotonic()
        res = flash(rig.device, blob)
        dt = time.monotonic() - t0
        assert em.flash.active_image() == blob
        return {"seconds": dt, "share": size / LINE / dt, "res": res,
                "bad": rig.device.link.bad_frames + em.deframer.bad_frames}
    finally:
        rig.close()


def gain_factory(blob: bytes):
    g = np.array([1, 2, 3, -1, -2], dtype=np.int64)
    return lambda x: ((x[:, :1].astype(np.int64) * g) >> 1).astype(np.int32)


def run_stream(seconds: float, baud: int | None, hash_only: bool = False) -> tuple[float, int]:
    em = Emulator(FlashStore(None, slot_size=512 * 1024), DeviceConfig(n_drivers=5),
                  processor_factory=gain_factory)
    rig = InProcessRig(em, baud=baud)
    try:
        flash(rig.device, make_blob(8 * 1024, 1))
        x, _ = streamer.make_signal("pink", fs=48000, seconds=seconds)
        res = streamer.stream(rig.device, x, hash_only=hash_only)
        return res.samples / res.seconds, res.block_size
    finally:
        rig.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="64 KiB only, one seed")
    ap.add_argument("--seeds", type=int, default=1, help="runs per case (median shown)")
    args = ap.parse_args(argv)
    sizes = [64 * 1024] if args.quick else [64 * 1024, 256 * 1024]
    print(f"flash at {BAUD} baud pacing (line {LINE / 1024:.1f} KiB/s), both directions "
          "corrupted at the given byte rate")
    print(f"{'size':>8s} {'corrupt':>8s} {'time s':>7s} {'% line':>7s} {'range':>9s} "
          f"{'data s':>7s} {'cmds s':>7s} {'resent':>7s} {'probes':>6s} {'timeouts':>8s} "
          f"{'cmd rtr':>7s} {'bad frm':>7s}  target")
    misses = 0
    for rate in (0.0, 1e-4, 1e-2):
        for size in sizes:
            runs = sorted((run_flash(size, rate, seed) for seed in range(args.seeds)),
                          key=lambda r: r["seconds"])
            r = runs[len(runs) // 2]
            share_min, t_max = TARGETS[(size, rate)]
            ok = r["share"] >= share_min and (t_max is None or r["seconds"] <= t_max)
            misses += not ok
            tgt = f">= {share_min:.0%}" + (f", <= {t_max} s" if t_max else "")
            res = r["res"]
            spread = f"{runs[-1]['share']:.0%}-{runs[0]['share']:.0%}"
            print(f"{size // 1024:>5d} KiB {rate:>8.2%} {r['seconds']:7.2f} {r['share']:7.1%} "
                  f"{spread:>9s} {res.data_seconds:7.3f} {r['seconds'] - res.data_seconds:7.3f} "
                  f"{res.resent:7d} {res.probes:6d} {res.timeouts:8d} {res.command_retries:7d} "
                  f"{r['bad']:7d}  {tgt}: {'PASS' if ok else 'MISS'}")
            print(f"{'':17s}chunk sizes: {short_trace(r['res'].chunk_trace)}")
    print()
    for baud, hash_only in ((None, False), (BAUD, False), (BAUD, True)):
        sps, block = run_stream(1.0 if baud is None else 0.25, baud, hash_only)
        where = "in-process, unpaced" if baud is None else f"{baud} baud pacing"
        what = "running hash only" if hash_only else "per-driver blocks back"
        print(f"stream 5 drivers, blocks of {block}, {what} ({where}): {sps:,.0f} samples/s "
              f"= {sps / 48000:.2f}x real time at 48 kHz")
    print("(at 921600 baud the line carries 92160 bytes/s: 8 bytes in and 20 out per sample "
          "with 5 int32 drivers, so real time needs the hash mode and a faster link)")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
