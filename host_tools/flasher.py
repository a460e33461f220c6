"""Flash a profile blob into a connected device: plain functions, no argument parsing.

`flash(device, blob_bytes)` checks the blob against the device, skips an image
that is already active, opens (or resumes) a flash session, streams the image
with a window of outstanding chunks whose size adapts to the link, verifies,
activates and reads the active hash back. It returns a `FlashResult` only when
the device reports the new image active; anything else raises.
"""

from __future__ import annotations

import math
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from device_profiles.errors import CheckFailed, UserError
from firmware_export.blob import Blob, parse_blob

from . import protocol as P

DATA_OVERHEAD = 16  # wire bytes per data frame besides the chunk: offset, header, CRC, COBS, 0x00


class IncompatibleBlob(UserError):
    """The blob is for another device (target, format, rate or driver count)."""


def compatibility_problems(info: P.DeviceInfo, blob: Blob) -> list[str]:
    """Every way `blob` does not fit the device `info` describes (empty: it fits)."""
    problems = []
    if blob.target_id != info.target_id:
        problems.append(f"target {blob.target} (device runs {info.target})")
    if blob.format_version != info.format_version:
        problems.append(f"blob format {blob.format_version} (device reads "
                        f"{info.format_version})")
    if blob.sample_rate != info.sample_rate:
        problems.append(f"sample rate {blob.sample_rate} Hz (device runs {info.sample_rate})")
    if blob.n_drivers != info.n_drivers:
        problems.append(f"{blob.n_drivers} drivers (device has {info.n_drivers})")
    if blob.size > info.slot_size:
        problems.append(f"{blob.size} bytes (slot holds {info.slot_size})")
    return problems


class ChunkSizer:
    """Chunk size from the link's observed loss: shrink on losses, grow on clean runs.

    Keeps decayed counts of wire bytes sent and frames lost (a lost data frame,
    a lost ack, a NAK or a timeout all count), estimates the per-byte error rate
    e and picks the chunk c that maximizes goodput c/(c+o) * (1-e)^(c+o), o the
    per-frame overhead: c = (-o + sqrt(o^2 + 4o/e)) / 2. Growth is limited to 2x
    per step so one lucky run does not jump back to the maximum.
    """

    def __init__(self, max_chunk: int, *, min_chunk: int = 16, start: int | None = None,
                 overhead: int = DATA_OVERHEAD, decay: float = 0.97):
        self.max, self.min, self.o, self.decay = max_chunk, min_chunk, overhead, decay
        self.size = min(start or max_chunk, max_chunk)
        self.loss_w = 0.0
        self.bytes_w = 0.0
        self.trace: list[tuple[int, int]] = [(0, self.size)]  # (acked bytes, new size)

    def _update(self, nbytes: int, lost: bool, at: int) -> None:
        self.loss_w = self.loss_w * self.decay + (1.0 if lost else 0.0)
        self.bytes_w = self.bytes_w * self.decay + nbytes + self.o
        e = self.loss_w / self.bytes_w if self.bytes_w else 0.0
        if e <= 1e-7:
            want = self.max
        else:
            want = (-self.o + math.sqrt(self.o * self.o + 4 * self.o / e)) / 2
        want = int(max(self.min, min(self.max, want, 2 * self.size)))
        want = max(self.min, want - want % 8) if want < self.max else want
        if want != self.size and (lost or want > self.size):
            self.size = want
            self.trace.append((at, want))

    def ok(self, nbytes: int, at: int = 0) -> None:
        self._update(nbytes, False, at)

    def lost(self, nbytes: int, at: int = 0) -> None:
        self._update(nbytes, True, at)


@dataclass
class _Piece:
    offset: int
    length: int
    seq: int = -1
    sent_at: float = 0.0
    order: int = -1
    attempts: int = 0


@dataclass
class FlashResult:
    status: str  # "flashed" or "skipped"
    sha256: str
    size: int
    resumed_from: int = 0
    seconds: float = 0.0
    data_seconds: float = 0.0
    frames_sent: int = 0
    resent: int = 0
    timeouts: int = 0
    bad_frames: int = 0
    chunk_trace: list[tuple[int, int]] = field(default_factory=list)
    slot: int | None = None
    generation: int = 0


def _say_nothing(msg: str) -> None:
    pass


def flash(dev: P.Device, image: bytes, *, force: bool = False, check: bool = True,
          progress: Callable[[int, int, int], None] | None = None,
          say: Callable[[str], None] = _say_nothing, window_bytes: int = 12 * 1024,
          start_chunk: int | None = None, silence: float | None = None,
          max_attempts: int = 12) -> FlashResult:
    """Flash `image` (a blob) into `dev`; see the module docstring.

    progress(acked_bytes, total, chunk_size) is called as the device acknowledges.
    `check=False` skips the host-side compatibility check (tests use it to reach the
    device's own refusal). `silence`: seconds without any answer before the host
    asks the device whether it is still there (a command with the link's retries;
    no answer to that ends the flash).
    """
    t0 = time.monotonic()
    blob = parse_blob(image)
    link = dev.link
    info = dev.info()
    if check and (problems := compatibility_problems(info, blob)):
        raise IncompatibleBlob(f"blob '{blob.profile_name}' does not fit this device: "
                               + "; ".join(problems) + " (nothing written)")
    if info.active_sha256 == blob.sha256 and not force:
        say(f"profile '{blob.profile_name}' (sha256 {blob.sha256[:16]}...) is already active "
            f"in slot {info.active_slot}: skipped (--force rewrites it)")
        return FlashResult("skipped", blob.sha256, blob.size, slot=info.active_slot,
                           generation=info.generation, seconds=time.monotonic() - t0)
    begin = P.BEGIN_REQ.pack(blob.size, bytes.fromhex(blob.sha256), blob.target_id,
                             blob.format_version, blob.sample_rate, blob.n_drivers, 0)
    reply = link.command(P.Op.FLASH_BEGIN, begin, extra_time=0.1)
    if len(reply) != P.BEGIN_REPLY.size:
        raise P.ProtocolError(f"FLASH_BEGIN reply of {len(reply)} bytes")
    resume, max_chunk, window = P.BEGIN_REPLY.unpack(reply)
    if resume > blob.size:
        raise P.ProtocolError(f"device resumes at {resume}, past the image end {blob.size}")
    if resume:
        say(f"resuming at byte {resume} of {blob.size} (the device's offset)")
    res = FlashResult("flashed", blob.sha256, blob.size, resumed_from=resume)
    sizer = ChunkSizer(max_chunk, start=start_chunk)
    stats0 = (link.stats.frames_sent, link.stats.timeouts)
    td = time.monotonic()
    if resume < blob.size:
        _send_image(link, blob.raw, resume, sizer, res, window=window,
                    window_bytes=window_bytes, progress=progress, silence=silence,
                    max_attempts=max_attempts)
    res.data_seconds = time.monotonic() - td
    res.chunk_trace = sizer.trace
    got = link.command(P.Op.FLASH_END, extra_time=blob.size / 2e6 + 0.05)
    if len(got) != P.END_REPLY.size or got.hex() != blob.sha256:
        raise CheckFailed(f"device reports image sha256 {got.hex()[:16]}..., sent "
                          f"{blob.sha256[:16]}...; previous profile still active")
    act = link.command(P.Op.ACTIVATE, bytes.fromhex(blob.sha256), extra_time=0.2)
    slot, gen, sha = P.ACTIVATE_REPLY.unpack(act)
    a_slot, a_gen, _, a_sha = dev.active()
    if a_sha != blob.sha256 or sha.hex() != blob.sha256:
        raise CheckFailed(f"after activate the device reports active sha256 "
                          f"{(a_sha or 'none')[:16]}..., expected {blob.sha256[:16]}...")
    res.slot, res.generation = a_slot, a_gen
    res.seconds = time.monotonic() - t0
    res.frames_sent = link.stats.frames_sent - stats0[0]
    res.timeouts += link.stats.timeouts - stats0[1]
    res.bad_frames = link.bad_frames
    return res


def _send_image(link: P.Link, image: bytes, start: int, sizer: ChunkSizer, res: FlashResult,
                *, window: int, window_bytes: int, progress, silence: float | None,
                max_attempts: int) -> None:
    """Selective-repeat pipeline: up to `window` chunks in flight, each acked by sequence
    number; the device's contiguous offset in every ack covers lost acks."""
    size = len(image)
    next_off = start
    contiguous = start
    outstanding: dict[int, _Piece] = {}
    resend: list[_Piece] = []
    order = 0
    rto_max = link.timeout + 2.0 * link.line_time(window_bytes + 2 * sizer.max)
    rto = rto_max
    srtt = rttvar = None  # smoothed round trip and its spread (Jacobson/Karn, as in TCP)
    probe_after = silence if silence is not None else max(0.3, 2 * rto_max)
    last_rx = time.monotonic()
    window = max(1, min(window, 256))

    def lose(p: _Piece) -> None:
        outstanding.pop(p.seq, None)
        res.resent += 1
        sizer.lost(p.length, contiguous)
        if p.attempts >= max_attempts:
            raise P.NoAnswer(f"chunk at byte {p.offset} of {size} did not get through after "
                             f"{p.attempts} tries; link too noisy")
        if p.length > sizer.size:  # re-split a lost chunk at the new, smaller size
            for off in range(p.offset, p.offset + p.length, sizer.size):
                resend.append(_Piece(off, min(sizer.size, p.offset + p.length - off)))
        else:
            resend.append(p)

    while contiguous < size:
        now = time.monotonic()
        inflight = sum(p.length for p in outstanding.values())
        while len(outstanding) < window and inflight < window_bytes:
            if resend:
                p = resend.pop(0)
                if p.offset + p.length <= contiguous:
                    continue
            elif next_off < size:
                p = _Piece(next_off, min(sizer.size, size - next_off))
                next_off += p.length
            else:
                break
            if p.seq < 0:
                p.seq = link.next_seq()
            link.send(P.Op.FLASH_DATA, P.DATA_REQ.pack(p.offset)
                      + image[p.offset:p.offset + p.length], p.seq, lead=p.attempts > 0)
            p.attempts += 1
            p.sent_at = now = time.monotonic()
            p.order, order = order, order + 1
            outstanding[p.seq] = p
            inflight += p.length
        if not outstanding and not resend and next_off >= size:
            next_off = contiguous  # everything sent, device still short: its offset rules
            continue
        wait = min((p.sent_at + rto for p in outstanding.values()), default=now + 0.01) - now
        for f in link.poll(max(0.0005, min(wait, 0.05))):
            if f.type == P.NOTICE:
                last_rx = time.monotonic()
                continue
            p = outstanding.get(f.seq)
            if p is None or f.type != (P.Op.FLASH_DATA | P.REPLY):
                link.stats.stale_replies += 1
                continue
            last_rx = time.monotonic()
            if f.payload[:1] == bytes([P.Nak.CHUNK_TOO_BIG]) and p.length > sizer.min:
                sizer.max = max(sizer.min, p.length // 2)
                sizer.size = min(sizer.size, sizer.max)
                lose(p)
                continue
            data = link.check(P.Op.FLASH_DATA, f)
            if len(data) < P.DATA_REPLY.size or (len(data) - P.DATA_REPLY.size) % 2:
                raise P.ProtocolError(f"FLASH_DATA ack of {len(data)} bytes")
            off, contig = P.DATA_REPLY.unpack_from(data)
            if off != p.offset:
                raise P.ProtocolError(f"ack for offset {off}, sent {p.offset}")
            sacked = struct.unpack_from(f"<{(len(data) - P.DATA_REPLY.size) // 2}H", data,
                                        P.DATA_REPLY.size)
            contiguous = max(contiguous, contig)
            if p.attempts == 1:  # Karn: time only chunks sent once
                r = last_rx - p.sent_at
                if srtt is None:
                    srtt, rttvar = r, r / 2
                else:
                    rttvar = 0.75 * rttvar + 0.25 * abs(srtt - r)
                    srtt = 0.875 * srtt + 0.125 * r
                rto = min(rto_max, max(0.01, srtt + 4 * rttvar + 0.005))
            for q in [p] + [outstanding[s] for s in sacked if s in outstanding and s != p.seq]:
                outstanding.pop(q.seq, None)
                sizer.ok(q.length, contiguous)
            for q in list(outstanding.values()):
                if q.offset + q.length <= contiguous:  # its ack was lost; the offset covers it
                    del outstanding[q.seq]
                elif q.order < p.order:  # sent before p, not acked: lost on the way
                    lose(q)
        now = time.monotonic()
        for q in list(outstanding.values()):
            if q.offset + q.length <= contiguous:
                del outstanding[q.seq]
            elif now - q.sent_at > min(rto_max, rto * 2 ** (q.attempts - 1)):
                res.timeouts += 1
                lose(q)
        if now - last_rx > probe_after:  # quiet link: is the device still there?
            try:
                link.command(P.Op.GET_ACTIVE, reply_size=P.ACTIVE_REPLY.size)
            except P.NoAnswer as e:
                pct = 100 * contiguous // size
                raise P.NoAnswer(f"device stopped answering during FLASH_DATA at {pct}% "
                                 f"({contiguous} of {size} bytes acknowledged, "
                                 f"{res.resent} chunks resent; then {e}); rerun to "
                                 "resume") from None
            last_rx = time.monotonic()
        if progress:
            progress(contiguous, size, sizer.size)
