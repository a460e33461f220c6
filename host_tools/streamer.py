"""Stream test signals through a connected device and check what comes back.

Plain functions: `make_signal` (the named stimuli, from dsp_model.signals, or an
audio file), `stream` (send int32 stereo blocks, collect the per-driver blocks or
the device's running hash), `reference_output` (the same blocks through a
processor from a processor factory) and `first_mismatch`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from device_profiles.errors import CheckFailed, UserError
from dsp_model import signals

from . import protocol as P

SIGNALS = ("sweep", "pink", "impulse", "multitone")
# STREAM_BEGIN loads the active chain on the device (the emulator compiles it the first
# time, seconds on a cold numba cache): the command waits like one with device work.
STREAM_BEGIN_WORK = 2.0


def make_signal(name: str, *, fs: int, seconds: float = 1.0, seed: int = 1,
                level_dbfs: float | None = None) -> tuple[np.ndarray, dict]:
    """(int32 (n, 2) Q31 stereo, extras) for a named signal or a WAV file path.

    extras holds what analysis needs later (the sweep's inverse filter).
    Every named signal drives both channels with the same samples, except pink
    noise, which is independent per channel.
    """
    if not (np.isfinite(seconds) and seconds > 0):
        raise UserError(f"--seconds {seconds:g}: the signal length must be a positive "
                        "number of seconds")
    n = int(round(seconds * fs))
    if n < 1 and name in SIGNALS:
        raise UserError(f"--seconds {seconds:g}: shorter than one sample at {fs} Hz; "
                        "give a longer signal")
    extras: dict = {}
    if name == "sweep":
        level = -6.0 if level_dbfs is None else level_dbfs
        x = signals.exp_sweep(seconds, fs=fs, level_dbfs=level)
        # the inverse filter is made for a 0 dBFS sweep: divided by the sweep's amplitude,
        # the deconvolved capture is the system's own impulse response at any level
        extras["inverse"] = signals.exp_sweep_inverse(seconds, fs=fs) / signals.db_to_amp(level)
        x = np.stack([x, x], axis=1)
    elif name == "pink":
        x = signals.pink_noise(n, seed=seed, channels=2,
                               level_dbfs=-20.0 if level_dbfs is None else level_dbfs)
    elif name == "impulse":
        x = signals.impulse(n, amplitude=0.5 if level_dbfs is None
                            else signals.db_to_amp(level_dbfs))
        x = np.stack([x, x], axis=1)
    elif name == "multitone":
        x = signals.multitone(n, fs=fs, seed=seed,
                              level_dbfs=-12.0 if level_dbfs is None else level_dbfs)
        x = np.stack([x, x], axis=1)
    else:
        return read_file(name, fs=fs), extras
    return signals.to_q31(x), extras


def read_file(path: str, *, fs: int) -> np.ndarray:
    """A mono or stereo audio file as int32 Q31 stereo; its rate must be the device's.

    Read by host_tools.audio_io (the reader of upmix and render: WAV, FLAC, AIFF, RF64;
    8/16/24/32-bit PCM or float; one-line errors for empty, unknown, truncated or
    non-finite files), then converted to Q31: integer PCM exactly (v << (32 - bits)),
    float rounded and saturated to [-1, 1).
    """
    from .audio_io import read_stereo

    if not Path(path).is_file():
        raise UserError(f"signal {path!r}: not one of {', '.join(SIGNALS)} and no such file")
    x, rate = read_stereo(path)
    if rate != fs:
        raise UserError(f"{path}: {rate} Hz, the device runs at {fs} Hz (resample it first)")
    return signals.to_q31(x)


@dataclass
class StreamResult:
    output: np.ndarray | None  # int32 (n, n_drivers); None in hash mode
    sha256: str  # the device's SHA-256 of every output byte (int32 LE, sample-major)
    n_drivers: int
    block_size: int
    blocks: int
    samples: int
    seconds: float


def stream(dev: P.Device, x: np.ndarray, *, sample_rate: int | None = None,
           hash_only: bool = False, block: int | None = None, window: int = 4,
           window_bytes: int = 12 * 1024,
           progress: Callable[[int, int], None] | None = None) -> StreamResult:
    """Send int32 (n, 2) through the device's active profile, block by block.

    Up to `window` blocks, and at most `window_bytes` of requests plus expected replies,
    are in flight (go-back-N; the byte limit keeps both directions inside a pty's or a
    UART driver's buffers, so host and device never both block writing). Without an
    explicit `block`, blocks are sized so that two fit. The device processes blocks
    strictly in order and NAKs STREAM_ORDER for one that skips ahead; the host
    then resends from the first unanswered block. A resent block keeps its
    sequence number, so a block the device already processed is answered from
    its reply cache and never processed twice.
    """
    x = np.ascontiguousarray(x, dtype=np.int32)
    if x.ndim != 2 or x.shape[1] != 2 or len(x) == 0:
        raise UserError(f"stream input must be int32 (n, 2) with n > 0, got {x.shape}")
    link = dev.link
    t0 = time.monotonic()
    rate = sample_rate or dev.info().sample_rate
    mode = P.STREAM_MODE_HASH if hash_only else P.STREAM_MODE_BLOCKS
    rep = link.command(P.Op.STREAM_BEGIN, P.STREAM_BEGIN_REQ.pack(P.STREAM_FMT_INT32, 2, mode,
                                                                  0, rate),
                       extra_time=STREAM_BEGIN_WORK)
    n_drivers, max_samples = P.unpack(P.STREAM_BEGIN_REPLY, rep, "STREAM_BEGIN")
    fit = (P.MAX_PAYLOAD - 1 - P.STREAM_DATA_REPLY.size) // (4 * n_drivers)
    per_sample = 8 + (0 if hash_only else 4 * n_drivers)
    two_fit = max(1, (window_bytes // 2 - 64) // per_sample)
    block = max(1, min(block or two_fit, max_samples, fit))
    window = max(1, min(window, window_bytes // (block * per_sample + 64)))
    bodies = _send_blocks(link, x, block, n_drivers, hash_only, window, progress)
    outs, digest = [], hashlib.sha256()
    if not hash_only:
        for body, start in zip(bodies, range(0, len(x), block), strict=True):
            digest.update(body)
            m = min(block, len(x) - start)
            outs.append(np.frombuffer(body, dtype="<i4").reshape(m, n_drivers).astype(np.int32))
    k = len(bodies) - 1
    end = link.command(P.Op.STREAM_END, reply_size=P.STREAM_END_REPLY.size)
    samples, blocks, sha = P.unpack(P.STREAM_END_REPLY, end, "STREAM_END")
    if samples != len(x) or blocks != k + 1:
        raise P.ProtocolError(f"device counted {samples} samples in {blocks} blocks, sent "
                              f"{len(x)} in {k + 1}")
    if not hash_only and digest.hexdigest() != sha.hex():
        raise CheckFailed("received blocks do not hash to the device's stream SHA-256 "
                          "(link delivered altered data)")
    out = np.concatenate(outs) if outs else None
    return StreamResult(out, sha.hex(), n_drivers, block, k + 1, len(x),
                        time.monotonic() - t0)


def _send_blocks(link: P.Link, x: np.ndarray, block: int, n_drivers: int, hash_only: bool,
                 window: int, progress) -> list[bytes]:
    starts = list(range(0, len(x), block))
    n = len(starts)
    reqs = [P.STREAM_DATA_REQ.pack(k) + x[s0:s0 + block].astype("<i4").tobytes()
            for k, s0 in enumerate(starts)]
    seqs = [link.next_seq() for _ in range(n)]
    by_seq = {q: k for k, q in enumerate(seqs)}
    bodies: list[bytes | None] = [None] * n
    sent_at, tries, epoch_of = [0.0] * n, [0] * n, [0] * n
    reply_size = (32 if hash_only else block * n_drivers * 4) + 16
    window = max(1, window)
    rto = link.op_timeout(len(reqs[0]), reply_size, 0.2) + link.line_time(
        (window - 1) * (len(reqs[0]) + reply_size))
    base = nxt = epoch = 0
    while base < n:
        while nxt < n and nxt - base < window:
            if tries[nxt] > link.retries:
                raise P.NoAnswer(f"no reply to STREAM_DATA block {nxt} after {tries[nxt]} "
                                 f"tries at {link.baud} baud")
            link.send(P.Op.STREAM_DATA, reqs[nxt], seqs[nxt], lead=tries[nxt] > 0)
            tries[nxt] += 1
            sent_at[nxt], epoch_of[nxt] = time.monotonic(), epoch
            nxt += 1
        wait = sent_at[base] + rto - time.monotonic()
        for f in link.poll(max(0.0005, min(wait, 0.05))):
            k = by_seq.get(f.seq)
            if f.type != (P.Op.STREAM_DATA | P.REPLY) or k is None or bodies[k] is not None:
                link.stats.stale_replies += 1
                continue
            if f.payload[:1] == bytes([P.Nak.STREAM_ORDER]):
                if epoch_of[k] == epoch:  # an earlier block was lost: go back to it
                    nxt, epoch = base, epoch + 1
                continue
            data = link.check(P.Op.STREAM_DATA, f)
            idx, m, nd = P.unpack(P.STREAM_DATA_REPLY, data, "STREAM_DATA", exact=False)
            body = data[P.STREAM_DATA_REPLY.size:]
            want = min(block, len(x) - starts[k])
            if (idx, m, nd) != (k, want, n_drivers) or len(body) != (
                    32 if hash_only else want * nd * 4):
                raise P.ProtocolError(f"stream reply for block {idx} ({m} x {nd}, "
                                      f"{len(body)} bytes), expected block {k} "
                                      f"({want} x {n_drivers})")
            bodies[k] = body
            while base < n and bodies[base] is not None:
                base += 1
                if progress:
                    progress(min(len(x), starts[base - 1] + block), len(x))
        if base < n and time.monotonic() - sent_at[base] > rto and nxt > base:
            link.stats.timeouts += 1
            nxt, epoch = base, epoch + 1  # nothing for the oldest block: go back to it
    return bodies  # type: ignore[return-value]


def reference_output(factory: Callable, blob: bytes, x: np.ndarray, block: int) -> np.ndarray:
    """What the processor `factory(blob)` makes of x, fed in the same blocks as the device."""
    proc = factory(blob)
    x = np.ascontiguousarray(x, dtype=np.int32)
    return np.concatenate([np.asarray(proc(x[i:i + block]), dtype=np.int32)
                           for i in range(0, len(x), block)])


def first_mismatch(expected: np.ndarray, got: np.ndarray, block: int) -> str | None:
    """None if identical, else where they first differ: driver, block, sample, both values."""
    if expected.shape != got.shape:
        return f"shape differs: expected {expected.shape}, device {got.shape}"
    diff = np.nonzero(expected != got)
    if not len(diff[0]):
        return None
    k = int(diff[0].min())
    d = int(diff[1][diff[0] == k].min())
    return (f"first mismatch at driver {d}, block {k // block}, sample {k % block} "
            f"(overall sample {k}): expected {int(expected[k, d])}, device {int(got[k, d])}")


def hash_output(y: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(y, dtype="<i4").tobytes()).hexdigest()


def save_capture(path: str, y: np.ndarray, *, fs: int, inverse: np.ndarray | None = None,
                 ir_seconds: float = 0.1) -> list[str]:
    """Write the per-driver capture (int32 WAV, one channel per driver); for a sweep also
    the deconvolved per-driver impulse responses (float32 WAV, `<stem>_ir.wav`). With
    make_signal's `extras["inverse"]` (scaled by 1 / sweep amplitude) that is the
    system's own impulse response, whatever the sweep level."""
    from scipy.io import wavfile

    out = Path(path)
    wavfile.write(out, fs, np.ascontiguousarray(y, dtype=np.int32))
    written = [str(out)]
    if inverse is not None:
        ir = signals.deconvolve_sweep(signals.from_q31(y), inverse, int(ir_seconds * fs))
        ir_path = out.with_name(out.stem + "_ir.wav")
        wavfile.write(ir_path, fs, ir.astype(np.float32))
        written.append(str(ir_path))
    return written
