"""Byte transports under the protocol: serial ports, in-process pipes, pacing, faults.

A transport has `write(bytes)`, `read(timeout) -> bytes` (waits up to
`timeout` for at least one byte, returns what is there, b"" on timeout) and
`close()`. Wrappers (`PacedTransport`, `FaultyTransport`, `BaudMismatch`)
stack on any of them; each one acts on what *its* end writes, so wrap the
host end for host->device faults and the device end for device->host faults.
"""

from __future__ import annotations

import errno
import os
import random
import select
import socket
import threading
import time

from device_profiles.errors import DeviceError, UserError


class PortError(UserError):
    """A port that cannot be opened: missing, busy, not a serial port."""


# ---- real ports ----
class SerialTransport:
    """A pyserial port (any URL `serial.serial_for_url` takes)."""

    def __init__(self, ser):
        self.ser = ser
        self.ser.timeout = 0.002

    def write(self, data: bytes) -> None:
        import serial

        try:
            self.ser.write(data)
        except serial.SerialTimeoutException:
            raise DeviceError(f"{self.ser.port}: write timed out after "
                              f"{self.ser.write_timeout} s (the device is not reading)") from None
        except serial.SerialException as e:
            raise DeviceError(f"{self.ser.port}: {e}") from None

    def read(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while True:
            n = self.ser.in_waiting
            if n:
                return self.ser.read(n)
            data = self.ser.read(1)
            if data:
                return data + (self.ser.read(self.ser.in_waiting) if self.ser.in_waiting else b"")
            if time.monotonic() >= deadline:
                return b""

    def close(self) -> None:
        self.ser.close()


def open_port(port: str, baud: int = 921600) -> SerialTransport:
    """Open a device path or pyserial URL exclusively, with one-line errors that say why."""
    import serial

    if not port:
        raise PortError("no port given (use --port; `soundstage ports` lists them)")
    is_url = "://" in port
    if not is_url and not os.path.exists(port):
        raise PortError(f"port {port}: no such device (`soundstage ports` lists the serial "
                        "ports found)")
    try:
        kw = {} if is_url else {"exclusive": True}
        ser = serial.serial_for_url(port, baudrate=baud, timeout=0.002, write_timeout=5.0, **kw)
    except serial.SerialException as e:
        msg = str(e)
        err = getattr(e, "errno", None)
        if "exclusively lock" in msg or err in (errno.EBUSY, errno.EAGAIN):
            raise PortError(f"port {port} is busy (another program has it open)") from None
        if "Inappropriate ioctl" in msg or err == errno.ENOTTY:
            raise PortError(f"{port} is not a serial port") from None
        if "Connection refused" in msg or "could not open port" in msg and is_url:
            raise PortError(f"port {port}: cannot connect ({msg})") from None
        if err == errno.EACCES or "Permission denied" in msg:
            raise PortError(f"port {port}: permission denied (add yourself to the dialout "
                            "group)") from None
        raise PortError(f"port {port}: {msg}") from None
    except ValueError as e:
        raise PortError(f"port {port}: {e}") from None
    return SerialTransport(ser)


class FdTransport:
    """A raw file descriptor (the master side of a pty)."""

    def __init__(self, fd: int):
        self.fd = fd

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.fd, view)
            except BlockingIOError:
                select.select([], [self.fd], [], 0.05)
                continue
            view = view[n:]

    def read(self, timeout: float) -> bytes:
        r, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not r:
            return b""
        try:
            return os.read(self.fd, 65536)
        except OSError as e:
            if e.errno == errno.EIO:  # no slave open: nothing to read
                time.sleep(min(timeout, 0.01))
                return b""
            raise

    def close(self) -> None:
        pass


class SocketTransport:
    """A connected TCP socket (the emulator's end of `socket://127.0.0.1:PORT`)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.closed = False

    def write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:
            self.closed = True

    def read(self, timeout: float) -> bytes:
        r, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        if not r:
            return b""
        try:
            data = self.sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.closed = True
            time.sleep(min(timeout, 0.01))
        return data

    def close(self) -> None:
        self.sock.close()


# ---- in-process ----
class _Pipe:
    def __init__(self) -> None:
        self.buf = bytearray()
        self.cond = threading.Condition()


class PipeEnd:
    """One end of an in-process full-duplex byte pipe (see `pipe_pair`)."""

    def __init__(self, rx: _Pipe, tx: _Pipe):
        self._rx, self._tx = rx, tx

    def write(self, data: bytes) -> None:
        with self._tx.cond:
            self._tx.buf += data
            self._tx.cond.notify_all()

    def read(self, timeout: float) -> bytes:
        with self._rx.cond:
            if not self._rx.buf:
                self._rx.cond.wait_for(lambda: bool(self._rx.buf), timeout=max(0.0, timeout))
            data = bytes(self._rx.buf)
            self._rx.buf.clear()
            return data

    def close(self) -> None:
        pass


def pipe_pair() -> tuple[PipeEnd, PipeEnd]:
    """(host end, device end) of an in-process link."""
    a, b = _Pipe(), _Pipe()
    return PipeEnd(a, b), PipeEnd(b, a)


# ---- wrappers ----
class PacedTransport:
    """A UART at `baud` (10 bits per byte, 8N1) under what this end writes.

    Bytes reach the other end no earlier than the line could carry them; the
    writer returns at once while its transmit buffer (`tx_buffer` bytes, like a
    driver's FIFO) has room, and blocks when it is full. Delivery runs on a
    background thread against absolute times, so sleep jitter never lowers the
    rate.
    """

    def __init__(self, inner, baud: int, *, tx_buffer: int = 4096):
        self.inner, self.baud, self.tx_buffer = inner, baud, tx_buffer
        self._free_at = 0.0
        self.idle = 0.0  # seconds the line had nothing to send between writes
        self._queue: list[tuple[float, bytes]] = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._deliver, daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        # Block while the modelled transmit queue holds more than tx_buffer bytes; the
        # model (not the delivery thread's punctuality) decides, so the rate never drifts.
        backlog = (self._free_at - time.monotonic()) * self.baud / 10.0
        excess = backlog + len(data) - max(self.tx_buffer, len(data))
        if excess > 0:
            time.sleep(excess * 10.0 / self.baud)
        with self._cond:
            now = time.monotonic()
            if self._free_at and now > self._free_at:
                self.idle += now - self._free_at  # the line sat idle waiting for this write
            self._free_at = max(self._free_at, now) + len(data) * 10.0 / self.baud
            self._queue.append((self._free_at, bytes(data)))
            self._cond.notify_all()

    def _deliver(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closed)
                if self._closed and not self._queue:
                    return
                due = self._queue[0][0]
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            with self._cond:  # everything due by now goes out together
                now = time.monotonic()
                out = []
                while self._queue and self._queue[0][0] <= now:
                    out.append(self._queue.pop(0)[1])
            if out:
                self.inner.write(b"".join(out))

    def flush(self) -> None:
        while self._queue:
            time.sleep(0.001)

    def read(self, timeout: float) -> bytes:
        return self.inner.read(timeout)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self.inner.close()


class FaultyTransport:
    """Injects link faults into what this end writes (one write = one frame).

    `script` maps the index of a write (0-based) to an action:
      "garbage"       random non-delimiter bytes before the frame
      "flip-header" / "flip-payload" / "flip-crc"   xor one byte there
      "drop"          one byte removed from the middle
      "insert"        one random byte inserted in the middle
      "truncate"      the frame cut before its end delimiter (the rest never sent)
      "dup"           the frame written twice back to back
      "late-dup"      a copy written again after the next write
      "swallow"       the frame never sent
    `rate` corrupts each byte independently with that probability.
    `mute_after` drops every write from that index on (a device gone silent).
    """

    def __init__(self, inner, *, script: dict[int, str] | None = None, rate: float = 0.0,
                 seed: int = 0, garbage_first: bytes = b"", mute_after: int | None = None):
        self.inner = inner
        self.script = dict(script or {})
        self.rate = rate
        self.rng = random.Random(seed)
        self.garbage_first = garbage_first
        self.mute_after = mute_after
        self.writes = 0
        self.corrupted_bytes = 0
        self._late: list[bytes] = []
        self.muted = False

    def _corrupt(self, data: bytes) -> bytes:
        if not self.rate:
            return data
        out = bytearray(data)
        n = len(out)
        # geometric gaps between corrupted bytes: cheap at small rates
        i = int(self.rng.expovariate(self.rate)) if self.rate < 1 else 0
        while i < n:
            out[i] ^= self.rng.randrange(1, 256)
            self.corrupted_bytes += 1
            i += 1 + int(self.rng.expovariate(self.rate))
        return bytes(out)

    def write(self, data: bytes) -> None:
        idx = self.writes
        self.writes += 1
        if self.mute_after is not None and idx >= self.mute_after:
            self.muted = True
            return
        late, self._late = self._late, []
        action = self.script.get(idx)
        out = bytearray(data)
        if self.garbage_first and idx == 0:
            out[0:0] = self.garbage_first
        body_start = 1 if out[:1] == b"\0" else 0
        mid = (body_start + len(out) - 1) // 2
        if action == "garbage":
            out[0:0] = bytes(self.rng.randrange(1, 256) for _ in range(17))
        elif action == "flip-header":
            out[body_start + 2] ^= 0x5A
        elif action == "flip-payload":
            out[mid] ^= 0x5A
        elif action == "flip-crc":
            out[len(out) - 3] ^= 0x5A
        elif action == "drop":
            del out[mid]
        elif action == "insert":
            out.insert(mid, self.rng.randrange(1, 256))
        elif action == "truncate":
            out = out[:max(body_start + 1, mid)]
        elif action == "swallow":
            out = bytearray()
        if out:
            self.inner.write(self._corrupt(bytes(out)))
        if action == "dup":
            self.inner.write(bytes(out))
        elif action == "late-dup":
            self._late.append(bytes(out))
        for x in late:
            self.inner.write(x)

    def read(self, timeout: float) -> bytes:
        return self.inner.read(timeout)

    def close(self) -> None:
        self.inner.close()


class BaudMismatch:
    """What a UART at the wrong baud rate reads: every byte garbled (never a delimiter
    that lines up with a real frame)."""

    def __init__(self, inner, seed: int = 1):
        self.inner = inner
        self.rng = random.Random(seed)

    def write(self, data: bytes) -> None:
        self.inner.write(garble(data, self.rng))

    def read(self, timeout: float) -> bytes:
        return self.inner.read(timeout)

    def close(self) -> None:
        self.inner.close()


def garble(data: bytes, rng: random.Random) -> bytes:
    """Bytes sampled at the wrong rate: framing lost, values scrambled, length changed."""
    out = bytearray()
    for b in data:
        if rng.random() < 0.5:
            out.append((b * 167 + 13) & 0xFF)
    return bytes(out)
