"""Device protocol layer: COBS framing, frame header and CRC, opcodes, NAKs, `command()`.

Spec: PROTOCOL.md. This module knows bytes, frames and request/response; what
a command *means* lives in the host commands (flasher, streamer) and the
device (emulator). Both sides import the payload layouts from here, so the
host and the device cannot disagree about a field.
"""

from __future__ import annotations

import random
import struct
import sys
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import astuple, dataclass, field
from enum import IntEnum

from device_profiles.errors import DeviceError

PROTO_VERSION = 1
DELIM = 0x00
REPLY = 0x80  # reply type = request opcode | REPLY
NOTICE = 0xFF  # device -> host, seq 0: "a frame arrived damaged" (payload: BAD_FRAME, why)
HDR = struct.Struct("<BHH")  # type, seq, payload length
CRC = struct.Struct("<I")  # CRC-32 (zlib) over header + payload
MAX_PAYLOAD = 0xFFFF
MAX_FRAME = HDR.size + MAX_PAYLOAD + CRC.size


class Op(IntEnum):
    INFO = 0x01
    GET_ACTIVE = 0x02
    READ_ACTIVE = 0x03
    FLASH_BEGIN = 0x10
    FLASH_DATA = 0x11
    FLASH_END = 0x12
    ACTIVATE = 0x13
    STREAM_BEGIN = 0x20
    STREAM_DATA = 0x21
    STREAM_END = 0x22
    BYPASS = 0x30
    RESET = 0x31


class Nak(IntEnum):
    BAD_PAYLOAD = 1
    UNKNOWN_OP = 2
    INCOMPATIBLE = 3
    TOO_LARGE = 4
    NO_SESSION = 5
    BAD_OFFSET = 6
    CHUNK_TOO_BIG = 7
    INCOMPLETE = 8
    VERIFY_FAILED = 9
    FLASH_ERROR = 10
    HASH_MISMATCH = 11
    NO_PROFILE = 12
    STREAM_ORDER = 13
    STREAM_STATE = 14
    PROCESSOR = 15
    BAD_FRAME = 16


# One line per NAK code: what the device is telling the host (the detail follows it).
NAK_REASONS = {
    Nak.BAD_PAYLOAD: "request payload has the wrong length or a bad field",
    Nak.UNKNOWN_OP: "opcode not implemented by this device",
    Nak.INCOMPATIBLE: "blob does not fit this device",
    Nak.TOO_LARGE: "image larger than a profile slot",
    Nak.NO_SESSION: "no flash session (send flash begin first)",
    Nak.BAD_OFFSET: "chunk offset/length outside the image",
    Nak.CHUNK_TOO_BIG: "chunk larger than the device's maximum",
    Nak.INCOMPLETE: "flash end before every byte arrived",
    Nak.VERIFY_FAILED: "image read back from flash does not match its SHA-256",
    Nak.FLASH_ERROR: "flash write or erase failed",
    Nak.HASH_MISMATCH: "hash does not match the flash session",
    Nak.NO_PROFILE: "no active profile",
    Nak.STREAM_ORDER: "stream block out of order",
    Nak.STREAM_STATE: "no stream open / wrong stream parameters",
    Nak.PROCESSOR: "device cannot process audio for this profile",
    Nak.BAD_FRAME: "a frame arrived damaged (CRC, length or COBS)",
}

# ---- payload layouts (little-endian), shared by host and device ----
INFO_REPLY = struct.Struct("<BBHHIHHIBBII32s16s16s")
# proto_version, format_version, target_id, n_drivers, sample_rate, max_chunk, window,
# slot_size, active_slot (0xFF none), bypass, active_size, generation, active_sha256,
# fw_version, model
INFO_LIMITS = struct.Struct("<IIHHHH")  # appended to INFO_REPLY (devices since the adaptive
# upmix; an older reply ends before it): the chain memory the device can give a profile,
# int32 pool words, int64 pool words, then its block size and its path, feed and cascade
# counts (ss_chain.h SS_MEM32_WORDS, SS_MEM64_WORDS, SS_MAX_BLOCK, SS_MAX_PATHS,
# SS_MAX_FEEDS, SS_MAX_CASCADES)
ACTIVE_REPLY = struct.Struct("<BII32s")  # slot (0xFF none), generation, size, sha256
READ_REQ = struct.Struct("<IH")  # offset, length
BEGIN_REQ = struct.Struct("<I32sHHIHH")  # size, sha256, target_id, format, rate, drivers, flags
BEGIN_REPLY = struct.Struct("<IHH")  # resume offset, max_chunk, window
DATA_REQ = struct.Struct("<I")  # offset, then the chunk
DATA_REPLY = struct.Struct("<II")  # offset echo, contiguous bytes received; then the u16
# sequence numbers of the latest chunks accepted, newest first (SACK): every chunk this ack
# answers, topped up to SACK_SEQS with older ones
SACK_SEQS = 12  # at least this many (when there are), at most SACK_MAX
SACK_MAX = 64
END_REPLY = struct.Struct("<32s")  # sha256 of the slot as read back
ACTIVATE_REQ = struct.Struct("<32s")
ACTIVATE_REPLY = struct.Struct("<BI32s")  # slot, generation, sha256
STREAM_BEGIN_REQ = struct.Struct("<BBBBI")  # format (1=int32 LE), channels (2), mode, 0, rate
STREAM_BEGIN_REPLY = struct.Struct("<HH")  # n_drivers, max samples per block
STREAM_DATA_REQ = struct.Struct("<I")  # block index, then n*2 int32
STREAM_DATA_REPLY = struct.Struct("<IHH")  # block index, n, n_drivers; then data or sha256
STREAM_END_REPLY = struct.Struct("<II32s")  # samples, blocks, sha256 of all output bytes
BYPASS_REQ = struct.Struct("<B")
STREAM_FMT_INT32 = 1
STREAM_MODE_BLOCKS = 0
STREAM_MODE_HASH = 1
NO_SLOT = 0xFF


class ProtocolError(DeviceError):
    """The link delivered something that is not a valid answer."""


class NoAnswer(DeviceError):
    """The device did not answer a request (after retries)."""


class NakError(DeviceError):
    """The device refused a request and said why."""

    def __init__(self, op: int, code: int, detail: str):
        self.op, self.code, self.detail = op, code, detail
        name = Nak(code).name if code in Nak._value2member_map_ else f"NAK{code}"
        reason = NAK_REASONS.get(code, "unknown NAK code")
        extra = f": {detail}" if detail else ""
        super().__init__(f"device refused {op_name(op)}: {name} ({reason}){extra}")


def unpack(layout: struct.Struct, data: bytes, what: str, *, exact: bool = True) -> tuple:
    """Decode a reply payload; a wrong length is a ProtocolError, never a struct.error."""
    if (len(data) != layout.size) if exact else (len(data) < layout.size):
        raise ProtocolError(f"{what} reply of {len(data)} bytes, expected "
                            f"{'' if exact else 'at least '}{layout.size}")
    return layout.unpack_from(data)


def op_name(t: int) -> str:
    base = t & ~REPLY
    name = Op(base).name if base in Op._value2member_map_ else f"0x{base:02x}"
    return name


def crc32(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


# ---- COBS (Cheshire & Baker 1999): no 0x00 inside a frame, 0x00 ends it ----
def cobs_encode(data: bytes) -> bytes:
    out = bytearray()
    for block in bytes(data).split(b"\0"):
        while len(block) >= 254:
            out.append(0xFF)
            out += block[:254]
            block = block[254:]
        out.append(len(block) + 1)
        out += block
    return bytes(out)


def cobs_decode(enc: bytes) -> bytes:
    out = bytearray()
    i, n = 0, len(enc)
    while i < n:
        code = enc[i]
        if code == 0:
            raise ValueError("zero byte inside a COBS frame")
        j = i + code
        if j > n:
            raise ValueError("COBS block runs past the frame end")
        out += enc[i + 1:j]
        i = j
        if code < 0xFF and i < n:
            out.append(0)
    return bytes(out)


@dataclass(frozen=True)
class Frame:
    type: int
    seq: int
    payload: bytes

    @property
    def is_reply(self) -> bool:
        return bool(self.type & REPLY)


def encode_frame(ftype: int, seq: int, payload: bytes = b"", *, lead: bool = True) -> bytes:
    """One frame on the wire: [0x00] COBS(header + payload + CRC) 0x00."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    body = HDR.pack(ftype, seq & 0xFFFF, len(payload)) + bytes(payload)
    body += CRC.pack(crc32(body))
    return (b"\0" if lead else b"") + cobs_encode(body) + b"\0"


CRC_MISMATCH = "frame CRC mismatch"


def decode_frame(enc: bytes) -> Frame:
    """Decode one delimiter-free COBS frame; ValueError names what is wrong."""
    body = cobs_decode(enc)
    if len(body) < HDR.size + CRC.size:
        raise ValueError(f"frame of {len(body)} bytes is shorter than header + CRC")
    ftype, seq, length = HDR.unpack_from(body)
    if HDR.size + length + CRC.size != len(body):
        raise ValueError(f"header length {length} does not match frame ({len(body)} bytes)")
    (want,) = CRC.unpack_from(body, len(body) - CRC.size)
    if crc32(body[:-CRC.size]) != want:
        raise ValueError(CRC_MISMATCH)
    return Frame(ftype, seq, body[HDR.size:HDR.size + length])


def damaged_head(enc: bytes) -> tuple[int, int] | None:
    """(type, seq) from the start of a frame that failed to decode, if its first COBS
    blocks still give a header; None otherwise."""
    out = bytearray()
    i, n = 0, len(enc)
    while i < n and len(out) < 3:
        code = enc[i]
        if code == 0:
            return None
        out += enc[i + 1:i + code]
        i += code
        if code < 0xFF and i < n:
            out.append(0)
    return (out[0], out[1] | out[2] << 8) if len(out) >= 3 else None


class Deframer:
    """Splits a byte stream on 0x00, drops anything that is not a valid frame.

    Garbage, a truncated frame (its bytes join the next frame's and fail the
    CRC), flipped/dropped/inserted bytes: all end as one counted bad frame,
    and the first delimiter afterwards resynchronizes.

    Counts what it saw, for the link-quality estimate: `good_bytes` / `bad_bytes`
    (wire bytes of valid and of dropped frames) and `crc_errors`, the dropped frames
    whose COBS structure and length were intact and only the CRC failed: a real frame
    at the right baud hit by line noise (a receiver at the wrong baud practically
    never produces one). `damaged_heads` keeps (type, seq) of the latest dropped frames
    whose header still decodes: a damaged reply that names the request it answers.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.bad_frames = 0
        self.crc_errors = 0
        self.damaged_heads: deque[tuple[int, int]] = deque(maxlen=32)
        self.good_bytes = 0
        self.bad_bytes = 0
        self.last_error = ""

    def feed(self, data: bytes) -> list[Frame]:
        frames = []
        self._buf += data
        if DELIM not in data:
            if len(self._buf) > 2 * MAX_FRAME:
                self.bad_bytes += len(self._buf)
                self._buf.clear()
                self.bad_frames += 1
                self.last_error = "overlong run without a delimiter"
            return frames
        *parts, rest = bytes(self._buf).split(b"\0")
        self._buf = bytearray(rest)
        for p in parts:
            if not p:
                continue
            try:
                frames.append(decode_frame(p))
                self.good_bytes += len(p) + 1
            except ValueError as e:
                self.bad_frames += 1
                self.bad_bytes += len(p) + 1
                self.crc_errors += e.args[0] == CRC_MISMATCH
                self.last_error = str(e)
                if (head := damaged_head(p)) is not None:
                    self.damaged_heads.append(head)
        return frames


def _hex(b: bytes, n: int = 24) -> str:
    s = b[:n].hex(" ")
    return s + (f" ... (+{len(b) - n})" if len(b) > n else "")


@dataclass
class LinkStats:
    frames_sent: int = 0
    bytes_sent: int = 0
    frames_received: int = 0
    retries: int = 0
    timeouts: int = 0
    stale_replies: int = 0
    naks: int = 0
    notices: int = 0  # NOTICE frames: the device got a damaged frame from us


@dataclass
class Link:
    """Host end of the protocol over a transport (anything with write/read/close).

    `command()` sends one request and waits for the reply with the same
    sequence number and opcode; replies with another sequence number (late
    duplicates, answers to an earlier try) are counted and dropped. A retry
    resends the *same* sequence number, so the device can answer a duplicate
    from its reply cache instead of executing it twice.
    """

    transport: object
    baud: int = 921600
    timeout: float = 0.05  # base per-command timeout, s (plus the size-scaled part)
    retries: int = 8
    backoff: float = 0.01  # s before the first retry, doubled after each, at most 0.1
    trace: Callable[[str], None] | None = None
    stats: LinkStats = field(default_factory=LinkStats)

    def __post_init__(self) -> None:
        self._seq = random.randrange(0x10000)
        self._deframer = Deframer()
        self._pending: list[Frame] = []  # frames read past the reply a command waited for
        self.last_rtt: float | None = None  # round trip of the last command answered at once
        self.cmd_srtt: float | None = None  # smoothed device turnaround (line time removed)

    # -- sequence numbers and raw frames --
    def next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFFFF
        return self._seq

    def line_time(self, n_bytes: int) -> float:
        """Seconds to move n bytes at the link's baud (10 bits per byte)."""
        return n_bytes * 10.0 / self.baud

    def send(self, op: int, payload: bytes, seq: int, *, lead: bool = True) -> int:
        wire = encode_frame(op, seq, payload, lead=lead)
        if self.trace:
            self.trace(f"-> {op_name(op)} seq={seq} len={len(payload)} | {_hex(payload)}")
        self.transport.write(wire)
        self.stats.frames_sent += 1
        self.stats.bytes_sent += len(wire)
        return len(wire)

    def poll(self, timeout: float) -> list[Frame]:
        """Frames that arrive within `timeout` (returns as soon as at least one did, or a
        damaged one)."""
        if self._pending:
            frames, self._pending = self._pending, []
            return frames
        deadline = time.monotonic() + timeout
        bad = self.bad_frames
        while True:
            data = self.transport.read(max(0.0, deadline - time.monotonic()))
            frames = self._deframer.feed(data) if data else []
            if frames or self.bad_frames > bad:  # a damaged frame is news too
                self.stats.frames_received += len(frames)
                if self.trace:
                    for f in frames:
                        self.trace(self._describe_reply(f))
                return frames
            if time.monotonic() >= deadline:
                return []

    @property
    def bad_frames(self) -> int:
        return self._deframer.bad_frames

    def line_evidence(self) -> tuple[int, int, int]:
        """(damaged, frames, wire bytes) so far, both directions as far as the host can
        tell: frames it sent and received, damaged ones it received or the device
        reported (NOTICE)."""
        d, st = self._deframer, self.stats
        return (d.bad_frames + st.notices, st.frames_sent + st.frames_received + d.bad_frames,
                st.bytes_sent + d.good_bytes + d.bad_bytes)

    @staticmethod
    def _describe_reply(f: Frame) -> str:
        status = f.payload[:1]
        if status and status[0]:
            code = status[0]
            name = Nak(code).name if code in Nak._value2member_map_ else str(code)
            return (f"<- {op_name(f.type)} NAK {name} seq={f.seq} "
                    f"{f.payload[1:].decode('utf-8', 'replace')}")
        return f"<- {op_name(f.type)} ok seq={f.seq} len={len(f.payload)} | {_hex(f.payload[1:])}"

    def check(self, op: int, f: Frame) -> bytes:
        """The one place a reply status is turned into data or a NakError."""
        if not f.payload:
            raise ProtocolError(f"empty reply to {op_name(op)}")
        if f.payload[0] != 0:
            self.stats.naks += 1
            raise NakError(op, f.payload[0], f.payload[1:].decode("utf-8", "replace"))
        return f.payload[1:]

    def note_turnaround(self, r: float) -> None:
        """A measured device turnaround (round trip less line time), s: smoothed into the
        command timeout's base."""
        self.cmd_srtt = r if self.cmd_srtt is None else 0.8 * self.cmd_srtt + 0.2 * r

    def op_timeout(self, n_request: int, n_reply: int = 64, extra: float = 0.0) -> float:
        """Base + both directions' line time (x2 margin) + the device's own work. The base
        is `timeout`, or 4x the measured command round trip once one is known (at least
        15 ms), whichever is smaller."""
        base = self.timeout
        if self.cmd_srtt is not None:
            base = min(base, max(0.015, 4 * self.cmd_srtt))
        return base + 2.0 * self.line_time(n_request + n_reply + 16) + extra

    def command(self, op: int, payload: bytes = b"", *, reply_size: int = 64,
                extra_time: float = 0.0, retries: int | None = None) -> bytes:
        """Send a request, wait for its reply; retry; raise on NAK or silence.

        A try ends at the timeout, or as soon as a damaged frame arrives (most likely
        the reply). If the device showed it is there (a NOTICE, a damaged frame whose
        header names this request's reply, or one intact but for its CRC), the retry
        goes out at once and the budget grows by one try (up to 4x); after silence or
        garbage it waits a backoff first. Only silence grows the timeout."""
        retries = self.retries if retries is None else retries
        seq = self.next_seq()
        # Tries time out as for a command without device work. While the device may still
        # be busy (`extra_time` is its estimate of the work; the host waits up to 2x that
        # per try it has), silent tries are free and their timeouts grow up to extra_time:
        # a retry costs a few bytes and is answered from the device's reply cache once the
        # work is done, and if the request or the reply was lost it gets the answer
        # without waiting out the whole estimate.
        t = t0 = self.op_timeout(len(payload), reply_size)
        first = time.monotonic()
        patience = 2 * (retries + 1) * extra_time
        waited = 0.0
        # tries; a device that shows it is there (a NOTICE, or a reply that arrived intact
        # but for line noise) earns one more each, up to 4x
        budget = retries + 1
        attempt = notices = quiet = 0
        alive = False
        while attempt < budget:
            if attempt:
                self.stats.retries += 1
                if not alive:  # silence or garbage: back off from the second time on
                    quiet += 1
                    pause = min(0.1, self.backoff * 2 ** (quiet - 2)) if quiet > 1 else 0.0
                    time.sleep(pause)
                    waited += pause
                # else the device is there and its answer was hit by noise: resend at once
            attempt += 1
            self.send(op, payload, seq, lead=True)
            start = time.monotonic()
            deadline = start + t
            damaged = alive = False
            bad0, crc0 = self.bad_frames, self._deframer.crc_errors
            while not damaged and (left := deadline - time.monotonic()) > 0:
                frames = self.poll(min(left, 0.005))
                for i, f in enumerate(frames):
                    if f.seq == seq and f.type == (op | REPLY):
                        self._pending = frames[i + 1:] + self._pending
                        self.last_rtt = time.monotonic() - start if attempt == 1 else None
                        if self.last_rtt is not None and not extra_time:
                            self.note_turnaround(max(0.0, self.last_rtt - self.line_time(
                                len(payload) + len(f.payload) + 24)))
                        return self.check(op, f)
                    if f.type == NOTICE:  # the device is there; our frame was damaged
                        notices += 1
                        self.stats.notices += 1
                        damaged = alive = True
                    else:
                        self.stats.stale_replies += 1
                if self.bad_frames > bad0:  # a frame (most likely the reply) came damaged
                    damaged = True
                    ours = (op | REPLY, seq) in self._deframer.damaged_heads
                    alive = alive or ours or self._deframer.crc_errors > crc0
                    if ours and attempt == 1 and not extra_time:  # it still times the device
                        self.note_turnaround(max(0.0, time.monotonic() - start - self.line_time(
                            len(payload) + reply_size + 24)))
            waited += time.monotonic() - start
            if alive:
                budget = min(budget + 1, 4 * (retries + 1))
            if not damaged:
                self.stats.timeouts += 1
                if time.monotonic() - first < patience:
                    budget += 1
                    t = min(t * 1.5, max(t0 * 4, extra_time))
                else:
                    t = min(t * 1.5, t0 * 4)
        why = f"; last bad frame: {self._deframer.last_error}" if self.bad_frames else ""
        heard = f"; the device reported {notices} damaged frames" if notices else ""
        raise NoAnswer(f"no reply to {op_name(op)} after {attempt} tries over "
                       f"{waited:.1f} s at {self.baud} baud{heard}{why}")


def print_trace(line: str) -> None:
    print(line, file=sys.stderr)


# ---- device information as data ----
@dataclass(frozen=True)
class ChainLimits:
    """What chain the device can build (`INFO_LIMITS`): its C runtime's compile-time pool
    sizes and counts. A blob's needs come from `ss_chain_requirements` for `max_block`."""

    mem32_words: int
    mem64_words: int
    max_block: int
    max_paths: int
    max_feeds: int
    max_cascades: int

    # (need key of ss_chain_requirements, limit field, what it is)
    _FIGURES = (("mem32_words", "mem32_words", "int32 words of chain memory"),
                ("mem64_words", "mem64_words", "int64 words of chain memory"),
                ("n_paths", "max_paths", "paths"),
                ("n_feeds", "max_feeds", "feeds"),
                ("n_cascades", "max_cascades", "biquad cascades"))

    def shortfalls(self, need: dict[str, int], *, grouped: bool = True) -> list[str]:
        """Each figure of `need` (ss_chain_requirements' names) above this device's;
        `grouped=False` writes the numbers as the target's NAK does (no separators)."""
        f = "{:,}" if grouped else "{}"
        return [f"{f.format(need[k])} {what}, the device has {f.format(getattr(self, lim))}"
                for k, lim, what in self._FIGURES if need[k] > getattr(self, lim)]

    def describe(self) -> str:
        return (f"{self.mem32_words:,} int32 + {self.mem64_words:,} int64 words, block "
                f"{self.max_block}, {self.max_paths} paths, {self.max_feeds} feeds, "
                f"{self.max_cascades} cascades")


@dataclass(frozen=True)
class DeviceInfo:
    proto_version: int
    format_version: int
    target_id: int
    n_drivers: int
    sample_rate: int
    max_chunk: int
    window: int
    slot_size: int
    active_slot: int | None
    bypass: bool
    active_size: int
    generation: int
    active_sha256: str | None
    fw_version: str
    model: str
    chain_limits: ChainLimits | None = None  # None: a device from before INFO_LIMITS

    @property
    def target(self) -> str:
        from firmware_export.blob import TARGET_NAMES

        return TARGET_NAMES.get(self.target_id, f"target#{self.target_id}")

    def pack(self) -> bytes:
        return INFO_REPLY.pack(
            self.proto_version, self.format_version, self.target_id, self.n_drivers,
            self.sample_rate, self.max_chunk, self.window, self.slot_size,
            NO_SLOT if self.active_slot is None else self.active_slot, int(self.bypass),
            self.active_size, self.generation,
            bytes.fromhex(self.active_sha256) if self.active_sha256 else bytes(32),
            self.fw_version.encode()[:16], self.model.encode()[:16]) + (
            INFO_LIMITS.pack(*astuple(self.chain_limits)) if self.chain_limits else b"")

    @classmethod
    def unpack(cls, data: bytes) -> DeviceInfo:
        """INFO_REPLY, then INFO_LIMITS if the device sends it; bytes past those are
        fields of a later device and ignored."""
        full = INFO_REPLY.size + INFO_LIMITS.size
        if len(data) != INFO_REPLY.size and len(data) < full:
            raise ProtocolError(f"device info of {len(data)} bytes, expected {INFO_REPLY.size}"
                                f" or at least {full}")
        (pv, fv, tid, nd, rate, mc, win, slot_size, slot, byp, asize, gen, sha, fw,
         model) = INFO_REPLY.unpack_from(data)
        limits = (ChainLimits(*INFO_LIMITS.unpack_from(data, INFO_REPLY.size))
                  if len(data) >= full else None)
        return cls(pv, fv, tid, nd, rate, mc, win, slot_size, None if slot == NO_SLOT else slot,
                   bool(byp), asize, gen, None if slot == NO_SLOT else sha.hex(),
                   fw.rstrip(b"\0").decode("utf-8", "replace"),
                   model.rstrip(b"\0").decode("utf-8", "replace"), limits)

    def describe(self) -> str:
        active = (f"slot {self.active_slot}, gen {self.generation}, {self.active_size} bytes, "
                  f"sha256 {self.active_sha256}" if self.active_slot is not None else "none")
        return (f"model: {self.model} (firmware {self.fw_version}, protocol "
                f"{self.proto_version})\n"
                f"target: {self.target}, blob format {self.format_version}, "
                f"{self.n_drivers} drivers, {self.sample_rate} Hz\n"
                f"max chunk: {self.max_chunk} bytes, window {self.window}, slot size "
                f"{self.slot_size} bytes\n"
                f"chain memory: "
                f"{self.chain_limits.describe() if self.chain_limits else 'not reported'}\n"
                f"active profile: {active}\n"
                f"bypass: {'on' if self.bypass else 'off'}")


@dataclass
class Device:
    """A connected device: typed wrappers over `Link.command` for the simple requests."""

    link: Link

    def info(self, retries: int | None = None) -> DeviceInfo:
        return DeviceInfo.unpack(self.link.command(
            Op.INFO, reply_size=INFO_REPLY.size + INFO_LIMITS.size, retries=retries))

    def active(self) -> tuple[int | None, int, int, str | None]:
        """(slot, generation, size, sha256 hex) of the active profile; slot None if none."""
        data = self.link.command(Op.GET_ACTIVE, reply_size=ACTIVE_REPLY.size)
        if len(data) != ACTIVE_REPLY.size:
            raise ProtocolError(f"GET_ACTIVE reply of {len(data)} bytes")
        slot, gen, size, sha = ACTIVE_REPLY.unpack(data)
        if slot == NO_SLOT:
            return None, gen, 0, None
        return slot, gen, size, sha.hex()

    def read_active(self, *, chunk: int = 1024, progress=None) -> bytes:
        slot, _, size, _ = self.active()
        if slot is None:
            raise DeviceError("device has no active profile to read back")
        out = bytearray()
        while len(out) < size:
            n = min(chunk, size - len(out))
            data = self.link.command(Op.READ_ACTIVE, READ_REQ.pack(len(out), n), reply_size=n)
            if len(data) != n:
                raise ProtocolError(f"READ_ACTIVE returned {len(data)} bytes, asked {n}")
            out += data
            if progress:
                progress(len(out), size)
        return bytes(out)

    def set_bypass(self, on: bool) -> None:
        self.link.command(Op.BYPASS, BYPASS_REQ.pack(int(on)))

    def reset(self) -> None:
        self.link.command(Op.RESET)


def connect(port: str, baud: int = 921600, *, trace: bool = False,
            retries: int | None = None) -> Device:
    """Open `port` (device path or pyserial URL) and check a device answers INFO."""
    from .transport import open_port

    t = open_port(port, baud)
    link = Link(t, baud=baud, trace=print_trace if trace else None)
    if retries is not None:
        link.retries = retries
    dev = Device(link)
    try:
        dev.info()
    except NoAnswer as e:
        t.close()
        raise NoAnswer(f"{port}: no device answers ({e}); is it running, and at {baud} baud "
                       "(--baud)?") from None
    return dev


def close(dev: Device) -> None:
    dev.link.transport.close()
