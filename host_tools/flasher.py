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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from device_profiles.errors import CheckFailed, UserError
from firmware_export.blob import Blob, parse_blob

from . import protocol as P

DATA_OVERHEAD = 16  # wire bytes per data frame besides the chunk: offset, header, CRC, COBS, 0x00
RTO_MIN = 0.03  # s: the device thread (or a USB-serial latency timer) may pause this long
# The host writes the next data frame only when its transmit queue (modelled at the link's
# baud) holds less than TX_LEAD s: enough to keep the line busy while the host reads acks,
# short enough that it never blocks in write() behind a full driver buffer (blocked, it
# reads no acks: round trips, loss detection and chunk sizing all lag by the whole queue).
TX_LEAD = 0.008
TAIL_PROBE_MIN = 0.002  # s: earliest tail probe after a chunk's last byte left
TAIL_PROBE_SPAN = 0.05  # s: probe only while the device answered this recently
TX_BUFFER = 4096  # bytes a UART driver takes without blocking; chunks stay <= half of it


class IncompatibleBlob(UserError):
    """The blob is for another device (target, format, rate, driver count, slot size or
    chain memory)."""


# what to do about a chain that does not fit (its pools are mostly the adaptive upmix's)
CHAIN_HINT = "build a smaller upmix ([upmix] fft_size) or flash a device with more chain memory"


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


def chain_problems(info: P.DeviceInfo, image: bytes,
                   note: Callable[[str], None]) -> list[str]:
    """Every figure of the blob's chain (pool words, paths, feeds, cascades) above what
    the device reports it can build (`INFO_LIMITS`); the needs are asked of the C runtime
    itself (`ss_chain_requirements`, host build), for the device's block size. Empty, and
    `note` says why, when the device does not report its capacity or the blob cannot be
    sized here (the device checks again at ACTIVATE)."""
    if info.chain_limits is None:
        note("chain memory check skipped: the device does not report its capacity (firmware "
             "from before INFO_LIMITS)")
        return []
    try:
        from firmware_export._cbuild import CBuildError
        from firmware_export.headers import runtime_requirements
        from firmware_export.verify import ChainLoadError
    except ImportError as e:
        note(f"chain memory check skipped: the C runtime is not in this build ({e})")
        return []
    try:
        need = runtime_requirements(image, info.chain_limits.max_block)
    except (CBuildError, ChainLoadError) as e:
        note(f"chain memory check skipped: {str(e).splitlines()[0]}")
        return []
    return [f"needs {s}" for s in info.chain_limits.shortfalls(need)]


class ChunkSizer:
    """Chunk size from the link's observed loss: shrink on losses, grow as clean bytes add up.

    Keeps counts of wire bytes, frames and lost frames (a lost data frame, a NAK, a
    timeout or an overdue tail chunk all count), decayed per byte with a memory of
    `memory` bytes, and estimates the per-byte error rate e two ways, taking the larger:
    (lost + 1) / (bytes + `prior`), one pseudo-loss over `prior` bytes, so that only
    clean bytes seen earn big chunks (after B clean bytes, c is about sqrt(o (B +
    prior))); and from the lost share f of frames of mean wire size n, e = -ln(1-f)/n,
    which stays right when most frames are hit. It picks the chunk c that maximizes
    goodput c/(c+o) * (1-e)^(c+o), o the per-frame overhead: c = (-o + sqrt(o^2 +
    4o/e)) / 2, growing at most 2x per step. `seed(lost, frames, nbytes)` adds what the
    commands before the data phase saw of the link.
    """

    def __init__(self, max_chunk: int, *, min_chunk: int = 16, start: int | None = None,
                 overhead: int = DATA_OVERHEAD, memory: float = 512 * 1024,
                 prior: float = 16 * 1024):
        self.max, self.min, self.o = max_chunk, min_chunk, overhead
        self.memory, self.prior = memory, prior
        self.loss_w = self.frames_w = self.bytes_w = 0.0
        self.size = min(start, max_chunk) if start else self._want(max_chunk)
        self.trace: list[tuple[int, int]] = [(0, self.size)]  # (acked bytes, new size)

    def error_rate(self) -> float:
        """The per-byte error rate the chunk size is chosen for."""
        e = (self.loss_w + 1.0) / (self.bytes_w + self.prior)
        if self.loss_w and self.frames_w:
            f = min(0.95, self.loss_w / self.frames_w)
            e = max(e, -math.log1p(-f) * self.frames_w / self.bytes_w)
        return e

    def _want(self, cap: int) -> int:
        e = self.error_rate()
        want = (-self.o + math.sqrt(self.o * self.o + 4 * self.o / e)) / 2
        want = int(max(self.min, min(self.max, want, cap)))
        return max(self.min, want - want % 8) if want < self.max else want

    def seed(self, lost: int, frames: int, nbytes: int) -> None:
        """Evidence from before the data phase: `frames` frames, `nbytes` wire bytes in
        all, `lost` of them damaged; the size is chosen afresh."""
        self.loss_w += lost
        self.frames_w += frames
        self.bytes_w += nbytes
        self.size = self._want(self.max)
        self.trace = [(0, self.size)]

    def _update(self, nbytes: int, lost: bool, at: int) -> None:
        n = nbytes + self.o
        d = math.exp(-n / self.memory)
        self.loss_w = self.loss_w * d + lost
        self.frames_w = self.frames_w * d + 1.0
        self.bytes_w = self.bytes_w * d + n
        want = self._want(2 * self.size)
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
    probes: int = 0  # tail chunks resent early (nothing left to send, ack overdue)
    command_retries: int = 0  # retries of the commands around the data phase
    rtt: float | None = None  # smoothed data-chunk round trip (last byte out to ack in)
    bad_frames: int = 0
    chunk_trace: list[tuple[int, int]] = field(default_factory=list)
    slot: int | None = None
    generation: int = 0


def _say_nothing(msg: str) -> None:
    pass


def flash(dev: P.Device, image: bytes, *, force: bool = False, check: bool = True,
          progress: Callable[[int, int, int], None] | None = None,
          say: Callable[[str], None] = _say_nothing,
          note: Callable[[str], None] = _say_nothing, window_bytes: int = 12 * 1024,
          start_chunk: int | None = None, silence: float | None = None,
          max_attempts: int = 40) -> FlashResult:
    """Flash `image` (a blob) into `dev`; see the module docstring.

    progress(acked_bytes, total, chunk_size) is called as the device acknowledges.
    `say` gets what the user should see, `note` details (--verbose).
    `check=False` skips the host-side compatibility check (tests use it to reach the
    device's own refusal). `silence`: seconds without any answer before the host
    asks the device whether it is still there (a command with the link's retries;
    no answer to that ends the flash).
    """
    t0 = time.monotonic()
    blob = parse_blob(image)
    link = dev.link
    retries0 = link.stats.retries
    info = dev.info()
    if check:
        chain = chain_problems(info, image, note)
        if problems := compatibility_problems(info, blob) + chain:
            hint = f": {CHAIN_HINT}" if chain else ""
            raise IncompatibleBlob(f"blob '{blob.profile_name}' does not fit this device: "
                                   + "; ".join(problems) + f"{hint} (nothing written)")
    if info.active_sha256 == blob.sha256 and not force:
        say(f"profile '{blob.profile_name}' (sha256 {blob.sha256[:16]}...) is already active "
            f"in slot {info.active_slot}: skipped (--force rewrites it)")
        return FlashResult("skipped", blob.sha256, blob.size, slot=info.active_slot,
                           generation=info.generation, seconds=time.monotonic() - t0)
    begin = P.BEGIN_REQ.pack(blob.size, bytes.fromhex(blob.sha256), blob.target_id,
                             blob.format_version, blob.sample_rate, blob.n_drivers, 0)
    reply = link.command(P.Op.FLASH_BEGIN, begin, extra_time=0.1)
    resume, max_chunk, window = P.unpack(P.BEGIN_REPLY, reply, "FLASH_BEGIN")
    if resume > blob.size:
        raise P.ProtocolError(f"device resumes at {resume}, past the image end {blob.size}")
    if resume:
        say(f"resuming at byte {resume} of {blob.size} (the device's offset)")
    res = FlashResult("flashed", blob.sha256, blob.size, resumed_from=resume)
    # the first chunk size from what the commands so far saw of the line
    sizer = ChunkSizer(min(max_chunk, TX_BUFFER // 2), start=start_chunk)
    if not start_chunk:
        sizer.seed(*link.line_evidence())
    stats0 = (link.stats.frames_sent, link.stats.timeouts)
    td = time.monotonic()
    if resume < blob.size:
        _send_image(link, blob.raw, resume, sizer, res, window=window,
                    window_bytes=window_bytes, progress=progress, silence=silence,
                    max_attempts=max_attempts)
    res.data_seconds = time.monotonic() - td
    if res.rtt is not None:  # the data phase timed the device: commands use it too
        link.note_turnaround(res.rtt)
    res.chunk_trace = sizer.trace
    got = link.command(P.Op.FLASH_END, extra_time=blob.size / 2e6 + 0.05)
    if len(got) != P.END_REPLY.size or got.hex() != blob.sha256:
        raise CheckFailed(f"device reports image sha256 {got.hex()[:16]}..., sent "
                          f"{blob.sha256[:16]}...; previous profile still active")
    act = link.command(P.Op.ACTIVATE, bytes.fromhex(blob.sha256), extra_time=0.2)
    slot, gen, sha = P.unpack(P.ACTIVATE_REPLY, act, "ACTIVATE")
    a_slot, a_gen, _, a_sha = dev.active()
    if a_sha != blob.sha256 or sha.hex() != blob.sha256:
        raise CheckFailed(f"after activate the device reports active sha256 "
                          f"{(a_sha or 'none')[:16]}..., expected {blob.sha256[:16]}...")
    res.slot, res.generation = a_slot, a_gen
    res.seconds = time.monotonic() - t0
    res.frames_sent = link.stats.frames_sent - stats0[0]
    res.timeouts += link.stats.timeouts - stats0[1]
    res.command_retries = link.stats.retries - retries0
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
    outstanding: dict[int, _Piece] = {}  # by seq, in send order (oldest first)
    resend: deque[_Piece] = deque()
    done: set[int] = set()  # seqs the device acknowledged (acked or SACKed)
    order = 0
    inflight = 0
    rto_max = link.timeout + 2.0 * link.line_time(window_bytes + 2 * sizer.max)
    # slow start: bytes in flight grow with every ack up to window_bytes (from 2 KiB, so
    # that on a noisy link some of the first chunks arrive and their acks time the rest)
    cap = max(2 * sizer.size, 2048)
    # smoothed round trip and its spread (Jacobson/Karn, as in TCP), seeded from the last
    # command's round trip plus the first chunk's line time
    srtt = rttvar = None
    rto = link.timeout + 2.0 * link.line_time(cap + 2 * DATA_OVERHEAD)
    if link.last_rtt is not None:
        srtt = link.last_rtt + link.line_time(sizer.size + 2 * DATA_OVERHEAD)
        rttvar = srtt / 2
        rto = min(rto, max(RTO_MIN, srtt + 4 * rttvar + 0.005))
    probe_after = silence if silence is not None else max(0.3, 2 * rto_max)
    probe_span = TAIL_PROBE_SPAN
    last_rx = time.monotonic()
    line_free = 0.0  # when our transmit queue will have drained (at the link's baud)
    window = max(1, min(window, 1024))

    def drop(q: _Piece) -> None:
        nonlocal inflight
        if outstanding.pop(q.seq, None) is not None:
            inflight -= q.length

    def lose(q: _Piece) -> None:
        drop(q)
        res.resent += 1
        sizer.lost(q.length, contiguous)
        if q.attempts >= max_attempts:
            raise P.NoAnswer(f"chunk at byte {q.offset} of {size} did not get through after "
                             f"{q.attempts} tries; link too noisy")
        if q.length > sizer.size:  # re-split a lost chunk at the new, smaller size
            resend.extend(split(q))
        else:
            resend.append(q)

    def split(q: _Piece) -> list[_Piece]:
        """`q` cut into near-equal pieces (multiples of 8 bytes) of at most the chunk size."""
        n = -(-q.length // sizer.size)
        step = -(-q.length // n)
        step = min(step + -step % 8, sizer.size)
        return [_Piece(off, min(step, q.offset + q.length - off))
                for off in range(q.offset, q.offset + q.length, step)]

    def oldest() -> _Piece:
        return next(iter(outstanding.values()))

    def tail_waits(now: float) -> bool:
        """Nothing else may go and the line is idle while the device answers: no later
        ack will reveal a loss, only a resend of the oldest chunk can."""
        room = len(outstanding) < window and inflight < min(cap, window_bytes)
        return (bool(outstanding) and not (room and (resend or next_off < size))
                and line_free <= now and now - last_rx < probe_span)

    def probe_at(q: _Piece) -> float:
        """When a tail chunk is overdue: its round trip plus 4x the spread, at least
        TAIL_PROBE_MIN and its own line time (a probe never costs more than it waited)."""
        base = rto if srtt is None else srtt + 4 * rttvar
        return q.sent_at + max(TAIL_PROBE_MIN, base, link.line_time(q.length))

    while contiguous < size:
        now = time.monotonic()
        while line_free - now < TX_LEAD:
            room = len(outstanding) < window and inflight < min(cap, window_bytes)
            if room and resend:
                p = resend.popleft()
                if p.offset + p.length <= contiguous or p.seq in done:
                    continue  # arrived after all (a late ack or SACK said so)
            elif room and next_off < size:
                p = _Piece(next_off, min(sizer.size, size - next_off))
                next_off += p.length
            elif tail_waits(now) and now >= probe_at(oldest()):
                # nothing else may go and the line is idle (the tail, or a full window), so
                # no later ack will reveal a loss: resend the oldest unacked chunk after
                # about one round trip instead of waiting out its timeout (a duplicate is
                # harmless)
                res.probes += 1
                lose(oldest())  # a loss as far as the chunk size goes; no timer backoff
                continue
            else:
                break
            if p.seq < 0:
                p.seq = link.next_seq()
                done.discard(p.seq)  # seqs wrap at 2^16 on long flashes
            nbytes = link.send(P.Op.FLASH_DATA, P.DATA_REQ.pack(p.offset)
                               + image[p.offset:p.offset + p.length], p.seq,
                               lead=p.attempts > 0)
            p.attempts += 1
            # when its last byte leaves the UART: timers and round trips count from there,
            # so our own transmit queue never looks like a slow device
            now = time.monotonic()
            line_free = max(line_free, now) + link.line_time(nbytes)
            p.sent_at = line_free
            p.order, order = order, order + 1
            outstanding[p.seq] = p
            inflight += p.length
        if not outstanding and not resend and next_off >= size:
            next_off = contiguous  # everything sent, device still short: its offset rules
            continue
        limit = min(rto_max, rto)
        wait = (oldest().sent_at + limit - now) if outstanding else 0.01
        if ((resend or next_off < size) and len(outstanding) < window
                and inflight < min(cap, window_bytes)):
            wait = min(wait, line_free - TX_LEAD - now)  # wake when the line needs more
        elif outstanding and now - last_rx < probe_span:
            wait = min(wait, max(line_free, probe_at(oldest())) - now)  # probe when due
        for f in link.poll(max(0.0005, min(wait, 0.05))):
            if f.type == P.NOTICE:
                last_rx = time.monotonic()
                link.stats.notices += 1
                continue
            if f.type != (P.Op.FLASH_DATA | P.REPLY):
                link.stats.stale_replies += 1
                continue
            last_rx = time.monotonic()
            p = outstanding.get(f.seq)
            if f.payload[:1] == bytes([P.Nak.CHUNK_TOO_BIG]) and p and p.length > sizer.min:
                sizer.max = max(sizer.min, p.length // 2)
                sizer.size = min(sizer.size, sizer.max)
                lose(p)
                continue
            data = link.check(P.Op.FLASH_DATA, f)
            if len(data) < P.DATA_REPLY.size or (len(data) - P.DATA_REPLY.size) % 2:
                raise P.ProtocolError(f"FLASH_DATA ack of {len(data)} bytes")
            off, contig = P.DATA_REPLY.unpack_from(data)
            if p is not None and off != p.offset:
                raise P.ProtocolError(f"ack for offset {off}, sent {p.offset}")
            sacked = struct.unpack_from(f"<{(len(data) - P.DATA_REPLY.size) // 2}H", data,
                                        P.DATA_REPLY.size)
            contiguous = max(contiguous, contig)
            done.update(sacked)
            done.add(f.seq)
            if p is not None and last_rx < p.sent_at:
                # acked before its last byte left, as modelled: the line is faster than
                # the baud says (a USB CDC port); our queue has drained that much sooner
                line_free -= p.sent_at - last_rx
            if p is not None and p.attempts == 1:  # Karn: time only chunks sent once
                r = max(0.0005, last_rx - p.sent_at)
                if srtt is None:
                    srtt, rttvar = r, r / 2
                else:
                    rttvar = 0.75 * rttvar + 0.25 * abs(srtt - r)
                    srtt = 0.875 * srtt + 0.125 * r
                rto = min(rto_max, max(RTO_MIN, srtt + 4 * rttvar + 0.005))
                res.rtt = srtt
            for q in [outstanding[s] for s in (f.seq, *sacked) if s in outstanding]:
                drop(q)
                sizer.ok(q.length, contiguous)
                cap = min(window_bytes, cap + q.length + sizer.size)
            if p is None:  # an ack for a chunk already given up on: its news is used above
                continue
            while outstanding:  # sent before p and not acked: lost on the way (or its ack)
                q = oldest()
                if q.order > p.order:
                    break
                if q.offset + q.length <= contiguous:
                    drop(q)  # its ack was lost; the contiguous count covers it
                else:
                    lose(q)
        now = time.monotonic()
        timed_out = False
        while outstanding:  # oldest first: the rest were sent later
            q = oldest()
            if q.offset + q.length <= contiguous:
                drop(q)
            elif now - q.sent_at > limit:
                if tail_waits(now) and now >= probe_at(q):
                    res.probes += 1  # we woke past its timeout, its probe was due first
                else:
                    res.timeouts += 1
                    timed_out = True
                lose(q)
            else:
                break
        if timed_out and srtt is not None:  # back off, but at most 4x the measured timeout
            rto = min(rto_max, 2 * rto, 4 * max(RTO_MIN, srtt + 4 * rttvar + 0.005))
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
