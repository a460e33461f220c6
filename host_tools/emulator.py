"""Device emulator: speaks the protocol (PROTOCOL.md) over any transport, a pty or a
loopback socket, keeps its two profile slots in a flash file (flash_store.py) and
runs streamed audio through a processor built from the active blob.

The processor comes from a *processor factory*:
`factory(blob: bytes) -> process(x: int32 (n, 2)) -> int32 (n, n_drivers)`,
called once per stream; `process` keeps its state between blocks.
`default_processor_factory` uses the fixed-point chain (`dsp_model.fixed.chain`).
"""

from __future__ import annotations

import hashlib
import os
import select
import socket
import struct
import sys
import termios
import threading
import time
import tty
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from device_profiles.errors import DeviceError

from . import protocol as P
from .flash_store import SECTOR, DeviceFlash, FlashFailure, FlashStore, PowerCut
from .transport import FdTransport, SocketTransport, garble

Processor = Callable[[np.ndarray], np.ndarray]
ProcessorFactory = Callable[[bytes], Processor]

FW_VERSION = "0.1.0"
MODEL = "soundstage-emu"
REPLY_CACHE = 1024
# Data chunks are acknowledged once per batch that arrives together (one read), at the
# latest after ACK_EVERY chunks or ACK_BYTES bytes, or when the line is quiet ACK_DELAY s.
ACK_EVERY = 1
ACK_GROUP = 6  # a batch is acknowledged in groups of this many chunks
ACK_BYTES = 1024
ACK_DELAY = 0.002
PRIME_SAMPLES = 5000  # more than one compiled chunk, so every path of the chain runs
NOTICE_GAP = 0.005  # at most one damaged-frame notice per this many seconds


def default_processor_factory(blob: bytes) -> Processor:
    """The fixed-point chain for this blob (`dsp_model.fixed.chain.processor_from_blob`)."""
    try:
        from dsp_model.fixed.chain import processor_from_blob
    except ImportError:
        raise DeviceError("stream: this emulator build has no fixed-point chain "
                          "(dsp_model.fixed.chain is not available); start it with a "
                          "processor factory") from None
    return processor_from_blob(blob)


def bypass_processor(n_drivers: int) -> Processor:
    """Bypass: driver d gets input channel d % 2 unchanged."""
    cols = [d % 2 for d in range(n_drivers)]
    return lambda x: np.ascontiguousarray(x[:, cols], dtype=np.int32)


# The chain the qemu device firmware can build: its ss_chain.h figures
# (firmware_export/target/chain.py CHAIN_LIMITS, SS_MAX_BLOCK's default of 64).
QEMU_CHAIN_LIMITS = P.ChainLimits(mem32_words=131072, mem64_words=32768, max_block=64,
                                  max_paths=32, max_feeds=256, max_cascades=256)


@dataclass
class DeviceConfig:
    """What the emulated hardware is: fixed at build time on a real device.
    `chain_limits` None: a device from before INFO_LIMITS (reports and checks nothing)."""

    target_id: int = 1
    sample_rate: int = 48000
    n_drivers: int = 5
    format_version: int = 1
    max_chunk: int = 4096
    window: int = 128  # frames the device can have queued (the host's pipeline limit)
    max_stream_samples: int = 1024
    chain_limits: P.ChainLimits | None = QEMU_CHAIN_LIMITS

    @classmethod
    def from_profile(cls, profile, **kw) -> DeviceConfig:
        from firmware_export.blob import TARGET_IDS

        return cls(target_id=TARGET_IDS[profile.target], sample_rate=profile.sample_rate,
                   n_drivers=profile.n_drivers, **kw)


class _Ranges:
    """Received byte ranges of the image (chunks may arrive out of order)."""

    def __init__(self, contiguous: int = 0):
        self.r: list[list[int]] = [[0, contiguous]] if contiguous else []

    def add(self, a: int, b: int) -> None:
        out, placed = [], False
        for s, e in self.r:
            if e < a or s > b:
                if s > b and not placed:
                    out.append([a, b])
                    placed = True
                out.append([s, e])
            else:
                a, b = min(a, s), max(b, e)
        if not placed:
            out.append([a, b])
        self.r = sorted(out)

    @property
    def contiguous(self) -> int:
        return self.r[0][1] if self.r and self.r[0][0] == 0 else 0


class _Nak(Exception):
    def __init__(self, code: P.Nak, detail: str = ""):
        self.code, self.detail = code, detail


class Emulator:
    """One device. `feed(bytes) -> [reply frames]`; `serve(transport, stop)` loops on it.

    Faults: `silent_at_offset` makes the device hang (no more answers) once a
    flash chunk at or past that offset arrives; a `PowerCut` from the flash
    leaves it dead until `restart()`.
    """

    def __init__(self, store: FlashStore, config: DeviceConfig | None = None, *,
                 processor_factory: ProcessorFactory = default_processor_factory,
                 silent_at_offset: int | None = None, log: Callable[[str], None] | None = None):
        self.store = store
        self.config = config or DeviceConfig()
        self.factory = processor_factory
        self._primed = False  # a processor has run once (compiled) on this device
        self.silent_at_offset = silent_at_offset
        self.log = log
        self.dead = False  # power cut: nothing until restart
        self.hung = False
        self.frames_handled = 0
        self.restart()

    # -- lifecycle --
    def restart(self, store: FlashStore | None = None) -> None:
        """Reboot: RAM state gone, everything reloaded from flash."""
        if store is not None:
            self.store = store
        self.flash = DeviceFlash(self.store)
        s = self.flash.session
        self.ranges = _Ranges(s.offset if s else 0)
        self.recent: list[int] = []
        self._seq = 0
        self._last_off = 0
        self._ack_due: list[tuple[int, int]] = []  # (seq, offset) accepted, not yet acked
        self._ack_keys: dict[int, int] = {}
        self._ack_bytes = 0
        self._notice_at = 0.0
        self.verified = False
        self.bypass = False
        self.stream = None
        self.cache: OrderedDict[int, tuple[int, int, list[bytes]]] = OrderedDict()
        self.deframer = P.Deframer()
        self.dead = False
        self.hung = False

    # -- bytes in, frames out --
    def feed(self, data: bytes) -> list[bytes]:
        if self.dead or self.hung:
            return []
        out: list[bytes] = []
        bad = self.deframer.bad_frames
        frames = self.deframer.feed(data)
        now = time.monotonic()
        if self.deframer.bad_frames > bad and now - self._notice_at > NOTICE_GAP:
            self._notice_at = now  # tell the host at once instead of staying silent
            out.append(P.encode_frame(P.NOTICE, 0, bytes([P.Nak.BAD_FRAME])
                                      + self.deframer.last_error.encode()[:60], lead=False))
        for f in frames:
            if f.is_reply:
                continue
            try:
                out.extend(self._handle(f))
                if len(self._ack_due) >= ACK_GROUP:  # keep acks short: one per group
                    out.extend(self.flush_acks())
            except PowerCut as e:
                self.dead = True
                if self.log:
                    self.log(str(e))
                return out
            if self.hung:
                return []
        if len(self._ack_due) >= ACK_EVERY or self._ack_bytes >= ACK_BYTES:
            out.extend(self.flush_acks())
        return out

    def flush_acks(self) -> list[bytes]:
        """One acknowledgement for the data chunks accepted since the last one: it carries
        the newest chunk's seq and offset, the contiguous count and (SACK) the seqs of the
        latest chunks accepted. It is the cached answer for each of them."""
        if not self._ack_due or self.dead or self.hung:
            return []
        seq, off = self._ack_due[-1]
        contig = self.ranges.contiguous
        # SACK: every chunk of this batch (newest first), topped up with older ones
        batch = [q for q, _ in reversed(self._ack_due)][:P.SACK_MAX]
        sack = batch + [q for q in self.recent if q not in batch][:max(0, P.SACK_SEQS
                                                                        - len(batch))]
        payload = b"\0" + P.DATA_REPLY.pack(off, contig) + struct.pack(f"<{len(sack)}H", *sack)
        wire = [P.encode_frame(P.Op.FLASH_DATA | P.REPLY, seq, payload, lead=False)]
        for q, _ in self._ack_due:
            self._remember(q, P.Op.FLASH_DATA, self._ack_keys.pop(q, 0), wire)
        self._ack_due, self._ack_bytes = [], 0
        return wire

    def _remember(self, seq: int, op: int, key: int, wire: list[bytes]) -> None:
        self.cache[seq] = (op, key, wire)
        if len(self.cache) > REPLY_CACHE:
            self.cache.popitem(last=False)

    def _handle(self, f: P.Frame) -> list[bytes]:
        key = P.crc32(f.payload)
        cached = self.cache.get(f.seq)
        if cached and cached[0] == f.type and cached[1] == key and f.type != P.Op.FLASH_DATA:
            return cached[2]  # a retry of a request already done: same answer, not redone
        # (a repeated data chunk is written again - the same bytes, harmless on NOR - so its
        # ack carries the current contiguous count and SACK list, not stale ones)
        self.frames_handled += 1
        self._seq = f.seq
        after_reply = None
        try:
            data = self._dispatch(f)
            if isinstance(data, tuple):
                data, after_reply = data
            payload = b"\0" + data
        except _Nak as n:
            payload = bytes([n.code]) + n.detail.encode("utf-8")[:200]
        except FlashFailure as e:
            payload = bytes([P.Nak.FLASH_ERROR]) + str(e).encode()
        if self.hung:
            return []
        if f.type == P.Op.FLASH_DATA and payload[0] == 0:  # acknowledged with the next ack
            self._ack_due.append((f.seq, self._last_off))
            self._ack_keys[f.seq] = key
            self._ack_bytes += len(f.payload)
            return []
        wire = self.flush_acks() + [P.encode_frame(f.type | P.REPLY, f.seq, payload,
                                                   lead=False)]
        if f.type != P.Op.INFO and payload[0] != P.Nak.STREAM_ORDER:  # (that one is transient)
            self._remember(f.seq, f.type, key, wire[-1:])
        if after_reply:
            after_reply()
        return wire

    def _dispatch(self, f: P.Frame):
        op, p = f.type, f.payload
        handler = _HANDLERS.get(op)
        if handler is None:
            raise _Nak(P.Nak.UNKNOWN_OP, f"opcode 0x{op:02x}")
        return handler(self, p)

    # -- requests --
    def _info(self, p: bytes) -> bytes:
        self.cache.clear()  # a new host session starts with INFO
        c, a = self.config, self.flash.active
        return P.DeviceInfo(
            P.PROTO_VERSION, c.format_version, c.target_id, c.n_drivers, c.sample_rate,
            c.max_chunk, c.window, self.store.slot_size, a.slot if a else None, self.bypass,
            a.size if a else 0, a.generation if a else 0, a.sha256 if a else None,
            FW_VERSION, MODEL, c.chain_limits).pack()

    def _get_active(self, p: bytes) -> bytes:
        a = self.flash.active
        if not a:
            return P.ACTIVE_REPLY.pack(P.NO_SLOT, 0, 0, bytes(32))
        return P.ACTIVE_REPLY.pack(a.slot, a.generation, a.size, bytes.fromhex(a.sha256))

    def _read_active(self, p: bytes) -> bytes:
        _need(p, P.READ_REQ.size)
        off, n = P.READ_REQ.unpack(p)
        a = self.flash.active
        if not a:
            raise _Nak(P.Nak.NO_PROFILE)
        if off + n > a.size or n > self.config.max_chunk:
            raise _Nak(P.Nak.BAD_OFFSET, f"read {n} bytes at {off}, image is {a.size}")
        return self.flash.read_active(off, n)

    def _flash_begin(self, p: bytes) -> bytes:
        _need(p, P.BEGIN_REQ.size)
        size, sha, tid, fmt, rate, drivers, flags = P.BEGIN_REQ.unpack(p)
        c = self.config
        from firmware_export.blob import TARGET_NAMES

        problems = []
        if tid != c.target_id:
            problems.append(f"target {TARGET_NAMES.get(tid, tid)} (device runs "
                            f"{TARGET_NAMES.get(c.target_id, c.target_id)})")
        if fmt != c.format_version:
            problems.append(f"blob format {fmt} (device reads {c.format_version})")
        if rate != c.sample_rate:
            problems.append(f"sample rate {rate} (device runs {c.sample_rate})")
        if drivers != c.n_drivers:
            problems.append(f"{drivers} drivers (device has {c.n_drivers})")
        if problems:
            raise _Nak(P.Nak.INCOMPATIBLE, "; ".join(problems))
        if size == 0 or size > self.store.slot_size:
            raise _Nak(P.Nak.TOO_LARGE, f"{size} bytes, slot holds {self.store.slot_size}")
        self.stream = None
        resume = self.flash.begin(size, sha.hex(), (tid, fmt, rate, drivers))
        self.ranges = _Ranges(resume)
        self.verified = False
        return P.BEGIN_REPLY.pack(resume, c.max_chunk, c.window)

    def _flash_data(self, p: bytes) -> bytes:
        _need(p, P.DATA_REQ.size, exact=False)
        (off,) = P.DATA_REQ.unpack_from(p)
        chunk = p[P.DATA_REQ.size:]
        s = self.flash.session
        if s is None:
            raise _Nak(P.Nak.NO_SESSION, f"chunk at {off}")
        if len(chunk) > self.config.max_chunk:
            raise _Nak(P.Nak.CHUNK_TOO_BIG, f"{len(chunk)} bytes, max {self.config.max_chunk}")
        if not chunk or off + len(chunk) > s.size:
            raise _Nak(P.Nak.BAD_OFFSET, f"{len(chunk)} bytes at {off}, image is {s.size}")
        if self.silent_at_offset is not None and off + len(chunk) > self.silent_at_offset:
            self.hung = True
            return b""
        self.flash.write_chunk(off, chunk)
        self.recent = ([self._seq] + [q for q in self.recent if q != self._seq])[:P.SACK_SEQS]
        self._last_off = off
        before = self.ranges.contiguous
        self.ranges.add(off, off + len(chunk))
        contig = self.ranges.contiguous
        if contig // SECTOR > before // SECTOR or (contig == s.size and before != s.size):
            self.flash.journal(contig)
        return b""  # the reply is built by flush_acks()

    def _flash_end(self, p: bytes) -> bytes:
        s = self.flash.session
        if s is None:
            raise _Nak(P.Nak.NO_SESSION)
        have = self.ranges.contiguous
        if have < s.size:
            raise _Nak(P.Nak.INCOMPLETE, f"have {have} of {s.size} bytes")
        got = self.flash.slot_sha256(s.slot, s.size)
        if got != s.sha256:
            self.flash.drop_session()
            self.ranges = _Ranges()
            raise _Nak(P.Nak.VERIFY_FAILED, f"slot {s.slot} reads back sha256 {got[:16]}..., "
                       f"image is {s.sha256[:16]}...; session dropped")
        self.verified = True
        return P.END_REPLY.pack(bytes.fromhex(got))

    def _activate(self, p: bytes) -> bytes:
        _need(p, P.ACTIVATE_REQ.size)
        sha = p.hex()
        a, s = self.flash.active, self.flash.session
        if s is None and a and a.sha256 == sha:  # already done (a lost reply, re-asked)
            return P.ACTIVATE_REPLY.pack(a.slot, a.generation, bytes.fromhex(a.sha256))
        if s is None:
            raise _Nak(P.Nak.NO_SESSION)
        if s.sha256 != sha:
            raise _Nak(P.Nak.HASH_MISMATCH, f"session image is {s.sha256[:16]}...")
        if not self.verified:
            if self.ranges.contiguous < s.size:
                raise _Nak(P.Nak.INCOMPLETE, f"have {self.ranges.contiguous} of {s.size}")
            if self.flash.slot_sha256(s.slot, s.size) != s.sha256:
                raise _Nak(P.Nak.VERIFY_FAILED, "slot does not match the image")
        self._check_chain_fits(self.store.read(self.flash.slot_addr(s.slot), s.size))
        a = self.flash.activate()
        self.verified = False
        self.ranges = _Ranges()
        return P.ACTIVATE_REPLY.pack(a.slot, a.generation, bytes.fromhex(a.sha256))

    def _check_chain_fits(self, image: bytes) -> None:
        """NAK INCOMPATIBLE, before the record is written, when the blob's chain needs
        more than `config.chain_limits` (the target's device.c does the same with
        ss_chain_requirements). A blob the C runtime cannot size is left to STREAM_BEGIN,
        as on the target."""
        lim = self.config.chain_limits
        if lim is None:
            return
        try:
            from firmware_export._cbuild import CBuildError
            from firmware_export.headers import runtime_requirements
            from firmware_export.verify import ChainLoadError
        except ImportError:
            return
        try:
            need = runtime_requirements(image, lim.max_block)
        except (CBuildError, ChainLoadError):
            return
        if short := lim.shortfalls(need, grouped=False):
            raise _Nak(P.Nak.INCOMPATIBLE, "chain needs " + "; ".join(short)
                       + "; previous profile stays active")

    def _stream_begin(self, p: bytes) -> bytes:
        _need(p, P.STREAM_BEGIN_REQ.size)
        fmt, ch, mode, _, rate = P.STREAM_BEGIN_REQ.unpack(p)
        a, c = self.flash.active, self.config
        if not a and not self.bypass:
            raise _Nak(P.Nak.NO_PROFILE, "flash a profile first")
        if fmt != P.STREAM_FMT_INT32 or ch != 2 or mode not in (0, 1):
            raise _Nak(P.Nak.STREAM_STATE, f"format {fmt}, {ch} channels, mode {mode}: "
                       "device takes format 1 (int32 LE), 2 channels, mode 0/1")
        if rate != c.sample_rate:
            raise _Nak(P.Nak.STREAM_STATE, f"rate {rate}, device runs {c.sample_rate}")
        if self.bypass:
            proc = bypass_processor(c.n_drivers)
        else:
            try:
                proc = self._load_processor(self.flash.active_image())
            except DeviceError as e:
                raise _Nak(P.Nak.PROCESSOR, str(e)) from None
            except Exception as e:  # a broken processor must not kill the device
                raise _Nak(P.Nak.PROCESSOR, f"{type(e).__name__}: {e}") from None
        self.stream = {"proc": proc, "mode": mode, "next": 0, "samples": 0,
                       "hash": hashlib.sha256()}
        return P.STREAM_BEGIN_REPLY.pack(c.n_drivers, c.max_stream_samples)

    def _load_processor(self, image: bytes) -> Processor:
        """A fresh processor for `image`. The first one of this device is primed on a
        throwaway instance first: the fixed-point chain compiles on its first call (seconds
        with a cold numba cache), and a device that stopped reading that long mid-stream
        would stall the host's writes. STREAM_BEGIN's reply waits for it instead, and the
        host gives STREAM_BEGIN the patience of a command with device work."""
        if not self._primed:
            warm = self.factory(image)
            for n in (1, PRIME_SAMPLES):
                warm(np.zeros((n, 2), np.int32))
            self._primed = True
        return self.factory(image)

    def _stream_data(self, p: bytes) -> bytes:
        st, c = self.stream, self.config
        if st is None:
            raise _Nak(P.Nak.STREAM_STATE, "no stream open")
        _need(p, P.STREAM_DATA_REQ.size, exact=False)
        (idx,) = P.STREAM_DATA_REQ.unpack_from(p)
        body = p[P.STREAM_DATA_REQ.size:]
        if idx != st["next"]:
            raise _Nak(P.Nak.STREAM_ORDER, f"block {idx}, expected {st['next']}")
        n = len(body) // 8
        if len(body) % 8 or not 0 < n <= c.max_stream_samples:
            raise _Nak(P.Nak.BAD_PAYLOAD, f"{len(body)} sample bytes (need n*8, "
                       f"n <= {c.max_stream_samples})")
        x = np.frombuffer(body, dtype="<i4").reshape(n, 2).astype(np.int32)
        try:
            y = np.asarray(st["proc"](x))
        except Exception as e:
            raise _Nak(P.Nak.PROCESSOR, f"{type(e).__name__}: {e}") from None
        if y.shape != (n, c.n_drivers):
            raise _Nak(P.Nak.PROCESSOR, f"processor returned shape {y.shape}, "
                       f"expected {(n, c.n_drivers)}")
        out = y.astype("<i4").tobytes()
        st["hash"].update(out)
        st["next"] += 1
        st["samples"] += n
        head = P.STREAM_DATA_REPLY.pack(idx, n, c.n_drivers)
        return head + (st["hash"].digest() if st["mode"] == P.STREAM_MODE_HASH else out)

    def _stream_end(self, p: bytes) -> bytes:
        st = self.stream
        if st is None:
            raise _Nak(P.Nak.STREAM_STATE, "no stream open")
        self.stream = None
        return P.STREAM_END_REPLY.pack(st["samples"], st["next"], st["hash"].digest())

    def _bypass(self, p: bytes) -> bytes:
        _need(p, P.BYPASS_REQ.size)
        self.bypass = bool(p[0])
        return bytes([int(self.bypass)])

    def _reset(self, p: bytes):
        return b"", self.restart

    # -- serving --
    def serve(self, transport, stop: threading.Event, *, baud_check=None) -> None:
        """Answer requests on `transport` until `stop` is set."""
        while not stop.is_set():
            data = transport.read(ACK_DELAY if self._ack_due else 0.05)
            if not data:
                for wire in self.flush_acks():  # the line went quiet: ack what arrived
                    transport.write(wire)
                if getattr(transport, "closed", False):
                    return
                continue
            if baud_check is not None:
                data = baud_check(data)
            for wire in self.feed(data):
                transport.write(wire)


_HANDLERS = {
    P.Op.INFO: Emulator._info, P.Op.GET_ACTIVE: Emulator._get_active,
    P.Op.READ_ACTIVE: Emulator._read_active, P.Op.FLASH_BEGIN: Emulator._flash_begin,
    P.Op.FLASH_DATA: Emulator._flash_data, P.Op.FLASH_END: Emulator._flash_end,
    P.Op.ACTIVATE: Emulator._activate, P.Op.STREAM_BEGIN: Emulator._stream_begin,
    P.Op.STREAM_DATA: Emulator._stream_data, P.Op.STREAM_END: Emulator._stream_end,
    P.Op.BYPASS: Emulator._bypass, P.Op.RESET: Emulator._reset,
}


def _need(p: bytes, n: int, *, exact: bool = True) -> None:
    if (len(p) != n) if exact else (len(p) < n):
        raise _Nak(P.Nak.BAD_PAYLOAD, f"{len(p)} bytes, expected {'' if exact else '>= '}{n}")


# ---- hosting the emulator on a pty or a socket ----
_BAUDS = {getattr(termios, f"B{b}"): b for b in (9600, 19200, 38400, 57600, 115200, 230400,
                                                  460800, 921600) if hasattr(termios, f"B{b}")}


class PtyHost:
    """A pseudo-terminal whose slave path (`/dev/pts/N`) the host opens like a serial port.

    With `baud`, bytes that arrive while the host has the pty set to another
    baud rate are garbled, as a real UART at the wrong rate would read them.
    """

    def __init__(self, emulator: Emulator, *, baud: int | None = None):
        self.emulator = emulator
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self.baud = baud
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        import random

        self._rng = random.Random(7)

    def _check(self, data: bytes) -> bytes:
        if self.baud is None:
            return data
        speed = _BAUDS.get(termios.tcgetattr(self.master)[4])
        return data if speed in (None, self.baud) else garble(data, self._rng)

    def serve_forever(self) -> None:
        self.emulator.serve(FdTransport(self.master), self.stop, baud_check=self._check)

    def start(self) -> PtyHost:
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        if self.thread:
            self.thread.join(2)
        os.close(self.master)
        os.close(self._slave)


class SocketHost:
    """A TCP listener on 127.0.0.1; the host connects with `socket://127.0.0.1:PORT`."""

    def __init__(self, emulator: Emulator, port: int = 0):
        self.emulator = emulator
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.port}"
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        while not self.stop.is_set():
            r, _, _ = select.select([self.sock], [], [], 0.1)
            if not r:
                continue
            conn, _ = self.sock.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            t = SocketTransport(conn)
            self.emulator.deframer = P.Deframer()
            self.emulator.serve(t, self.stop)
            conn.close()

    def start(self) -> SocketHost:
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        if self.thread:
            self.thread.join(2)
        self.sock.close()


class InProcessRig:
    """An emulator on a thread and a connected host `Device`, over an in-process pipe.

    `baud` paces both directions like a UART; `host_wrap` / `device_wrap` wrap the
    host's or the device's end (e.g. a FaultyTransport) so faults hit what that
    side sends. `reconnect()` gives a fresh link (a new host process);
    `power_cycle()` restarts the device from its flash file.
    """

    def __init__(self, emulator: Emulator, *, baud: int | None = None, host_wrap=None,
                 device_wrap=None, link_timeout: float = 0.05, retries: int = 8):
        from .transport import PacedTransport, pipe_pair

        self.emulator = emulator
        self._stop = threading.Event()
        host, dev = pipe_pair()
        if baud:
            host, dev = PacedTransport(host, baud), PacedTransport(dev, baud)
        self.host_end = host_wrap(host) if host_wrap else host
        self.device_end = device_wrap(dev) if device_wrap else dev
        self._thread = threading.Thread(target=emulator.serve, args=(self.device_end, self._stop),
                                        daemon=True)
        self._thread.start()
        self.link_kw = dict(baud=baud or 921600, timeout=link_timeout, retries=retries)
        self.device = self.reconnect()

    def reconnect(self) -> P.Device:
        """A new host session on the same line (what a rerun of the CLI gets)."""
        self.device = P.Device(P.Link(self.host_end, **self.link_kw))
        return self.device

    def power_cycle(self, store: FlashStore | None = None) -> None:
        """Stop the device thread, reboot the emulator from flash, serve again."""
        self._stop.set()
        self._thread.join(2)
        self.emulator.restart(store)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.emulator.serve,
                                        args=(self.device_end, self._stop), daemon=True)
        self._thread.start()
        self.host_end.read(0.0)  # drop anything the old session left on the line

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)


def log_stderr(msg: str) -> None:
    print(f"emulator: {msg}", file=sys.stderr)


__all__ = ["DeviceConfig", "Emulator", "InProcessRig", "PtyHost", "SocketHost",
           "default_processor_factory",
           "bypass_processor", "ProcessorFactory"]
