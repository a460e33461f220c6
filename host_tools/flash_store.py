"""The emulated device's flash: NOR semantics, a file behind it, fault injection, and
the two-slot layout with a double-buffered active record and a resume journal.

Flash model (`FlashStore`): erase sets a 4 KiB sector to 0xFF, a write can only
clear bits (new = old AND data, like NOR), every erase and write is one
*operation*, counted from 1. `FlashFaults.cut_at=N` stops the device at its
N-th operation, half done (a torn write or half-erased sector), by raising
`PowerCut`; `fail_write_at=N` makes that write report failure without writing;
`readback_flip` flips one bit in everything read back from a slot.

Layout (`DeviceFlash`), sector = 4096 bytes:

    0x0000  active record, copy A      magic "SSAR", generation, slot, size, sha256, CRC-32
    0x1000  active record, copy B      the valid copy with the higher generation wins
    0x2000  resume journal             head (slot, size, sha256, blob header) + CRC, then
                                       8-byte entries (contiguous offset, CRC) appended
    0x3000  slot 0                     slot_size bytes
    ...     slot 1

Why each step is safe to cut (see PROTOCOL.md "Power cuts"):
- begin erases the journal, then writes the journal head; each slot sector is
  erased when the first chunk touches it (sectors below the journaled offset
  are complete and never erased again);
- an entry (a sector boundary) is appended only after the data below it is written;
- activate erases the *older* record copy and writes the new record there:
  a torn record fails its CRC and the other copy (the old profile) stays;
- only after the record is written is the journal erased; a journal left over
  for the slot that is now active is ignored.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from device_profiles.errors import UserError

SECTOR = 4096
REC_A, REC_B, JOURNAL, SLOTS = 0x0000, 0x1000, 0x2000, 0x3000
ACTIVE_REC = struct.Struct("<4sIBxxxI32s")  # + CRC-32
JOURNAL_HEAD = struct.Struct("<4sBxxxI32sHHIH")  # slot, size, sha, target, format, rate, drv
JOURNAL_HEAD_SIZE = 64
JOURNAL_ENTRY = struct.Struct("<II")  # contiguous offset, crc32(index, offset)
JOURNAL_CAPACITY = (SECTOR - JOURNAL_HEAD_SIZE) // JOURNAL_ENTRY.size


class PowerCut(Exception):
    """The simulated device lost power in the middle of a flash operation."""


class FlashFailure(Exception):
    """A flash write or erase reported failure."""


@dataclass
class FlashFaults:
    cut_at: int | None = None  # stop at this operation (1-based), half done
    fail_write_at: int | None = None  # this write reports failure, nothing written
    readback_flip: bool = False  # reads from the slots return one flipped bit


def _crc(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


class FlashStore:
    """Byte-addressed NOR flash, mirrored to `path` (None: memory only)."""

    def __init__(self, path: str | Path | None = None, *, slot_size: int = 512 * 1024,
                 faults: FlashFaults | None = None):
        if slot_size % SECTOR:
            raise UserError(f"slot size {slot_size} is not a multiple of {SECTOR}")
        self.slot_size = slot_size
        self.size = SLOTS + 2 * slot_size
        self.faults = faults or FlashFaults()
        self.ops = 0
        self._fd = None
        if path is None:
            self.mem = bytearray(b"\xff" * self.size)
            return
        path = Path(path)
        if path.exists():
            data = path.read_bytes()
            if len(data) != self.size:
                raise UserError(f"flash state {path}: {len(data)} bytes, expected {self.size} "
                                f"(slot size {slot_size}); delete it to start over")
            self.mem = bytearray(data)
        else:
            self.mem = bytearray(b"\xff" * self.size)
            path.write_bytes(self.mem)
        self._fd = os.open(path, os.O_RDWR)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _persist(self, addr: int, n: int) -> None:
        if self._fd is not None and n > 0:
            os.pwrite(self._fd, bytes(self.mem[addr:addr + n]), addr)

    def _next_op(self) -> bool:
        """Count one operation; True if the power is cut during it."""
        self.ops += 1
        return self.faults.cut_at == self.ops

    def erase(self, addr: int) -> None:
        if addr % SECTOR or not 0 <= addr < self.size:
            raise ValueError(f"erase at 0x{addr:x} is not a sector start")
        cut = self._next_op()
        n = SECTOR // 2 if cut else SECTOR
        self.mem[addr:addr + n] = b"\xff" * n
        self._persist(addr, n)
        if cut:
            raise PowerCut(f"power cut during erase of 0x{addr:x} (operation {self.ops})")

    def write(self, addr: int, data: bytes) -> None:
        if not 0 <= addr <= self.size - len(data):
            raise ValueError(f"write of {len(data)} bytes at 0x{addr:x} outside the flash")
        cut = self._next_op()
        if self.faults.fail_write_at == self.ops:
            raise FlashFailure(f"write of {len(data)} bytes at 0x{addr:x} failed")
        n = len(data) // 2 if cut else len(data)
        old = self.mem[addr:addr + n]
        new = (int.from_bytes(old, "little") & int.from_bytes(data[:n], "little")).to_bytes(
            n, "little")
        self.mem[addr:addr + n] = new
        self._persist(addr, n)
        if cut:
            raise PowerCut(f"power cut during write at 0x{addr:x} (operation {self.ops})")

    def read(self, addr: int, n: int) -> bytes:
        data = bytes(self.mem[addr:addr + n])
        if self.faults.readback_flip and addr >= SLOTS and data:
            b = bytearray(data)
            b[len(b) // 2] ^= 0x04
            data = bytes(b)
        return data


@dataclass(frozen=True)
class ActiveRecord:
    generation: int
    slot: int
    size: int
    sha256: str
    copy: int  # which record sector holds it (0 = A, 1 = B)


@dataclass
class Session:
    """A flash in progress: where it goes, what it is, how far it got."""

    slot: int
    size: int
    sha256: str
    header: tuple[int, int, int, int]  # target_id, format, rate, drivers
    offset: int = 0  # contiguous bytes journaled (a sector multiple, or the size)
    entries: int = 0
    erased: set[int] = field(default_factory=set)  # sectors erased this boot


class DeviceFlash:
    """Two profile slots, the active record and the resume journal over a FlashStore."""

    def __init__(self, store: FlashStore):
        self.store = store
        self.active: ActiveRecord | None = None
        self.session: Session | None = None
        self.load()

    # -- boot --
    def load(self) -> None:
        recs = [r for r in (self._read_record(0), self._read_record(1)) if r]
        self.active = max(recs, key=lambda r: r.generation) if recs else None
        self.session = self._read_journal()
        if self.session and self.active and self.session.slot == self.active.slot:
            self.session = None  # left over from the flash that became active

    def _read_record(self, copy: int) -> ActiveRecord | None:
        raw = self.store.read((REC_A, REC_B)[copy], ACTIVE_REC.size + 4)
        body, (crc,) = raw[:-4], struct.unpack("<I", raw[-4:])
        if _crc(body) != crc:
            return None
        magic, gen, slot, size, sha = ACTIVE_REC.unpack(body)
        if magic != b"SSAR" or slot not in (0, 1) or size > self.store.slot_size:
            return None
        return ActiveRecord(gen, slot, size, sha.hex(), copy)

    def _read_journal(self) -> Session | None:
        raw = self.store.read(JOURNAL, JOURNAL_HEAD.size + 4)
        body, (crc,) = raw[:-4], struct.unpack("<I", raw[-4:])
        if _crc(body) != crc:
            return None
        magic, slot, size, sha, tid, fmt, rate, drv = JOURNAL_HEAD.unpack(body)
        if magic != b"SSRJ" or slot not in (0, 1) or size > self.store.slot_size:
            return None
        s = Session(slot, size, sha.hex(), (tid, fmt, rate, drv))
        for i in range(JOURNAL_CAPACITY):
            off, ecrc = JOURNAL_ENTRY.unpack(self.store.read(
                JOURNAL + JOURNAL_HEAD_SIZE + i * JOURNAL_ENTRY.size, JOURNAL_ENTRY.size))
            if ecrc != _crc(struct.pack("<II", i, off)) or off < s.offset or off > size:
                break
            s.offset, s.entries = off, i + 1
        return s

    # -- slots --
    def slot_addr(self, slot: int) -> int:
        return SLOTS + slot * self.store.slot_size

    def inactive_slot(self) -> int:
        return 1 - self.active.slot if self.active else 0

    def active_image(self) -> bytes:
        if not self.active:
            return b""
        return bytes(self.store.mem[self.slot_addr(self.active.slot):][:self.active.size])

    def read_active(self, offset: int, n: int) -> bytes:
        return self.store.read(self.slot_addr(self.active.slot) + offset, n)

    # -- flashing --
    def begin(self, size: int, sha256: str, header: tuple[int, int, int, int]) -> int:
        """Open (or resume) a session for this image; returns the offset to continue from."""
        s = self.session
        if s and s.sha256 == sha256 and s.size == size and s.header == header:
            return s.offset
        slot = self.inactive_slot()
        self.session = None
        self.store.erase(JOURNAL)
        head = JOURNAL_HEAD.pack(b"SSRJ", slot, size, bytes.fromhex(sha256), *header)
        self.store.write(JOURNAL, head + struct.pack("<I", _crc(head)))
        self.session = Session(slot, size, sha256, header)
        return 0

    def write_chunk(self, offset: int, data: bytes) -> None:
        """Write into the session's slot, erasing each sector the first time it is touched
        (sectors below the journaled offset hold valid data and are never erased)."""
        s = self.session
        base = self.slot_addr(s.slot)
        for sec in range(offset // SECTOR, (offset + len(data) - 1) // SECTOR + 1):
            if sec >= s.offset // SECTOR and sec not in s.erased:
                self.store.erase(base + sec * SECTOR)
                s.erased.add(sec)
        self.store.write(base + offset, data)

    def journal(self, contiguous: int) -> None:
        """Record that [0, contiguous) is written (call after those writes returned);
        only sector boundaries (and the image end) are journaled."""
        s = self.session
        if contiguous < s.size:
            contiguous -= contiguous % SECTOR
        if contiguous <= s.offset or s.entries >= JOURNAL_CAPACITY:
            return
        i = s.entries
        self.store.write(JOURNAL + JOURNAL_HEAD_SIZE + i * JOURNAL_ENTRY.size,
                         JOURNAL_ENTRY.pack(contiguous, _crc(struct.pack("<II", i, contiguous))))
        s.offset, s.entries = contiguous, i + 1

    def slot_sha256(self, slot: int, size: int) -> str:
        return hashlib.sha256(self.store.read(self.slot_addr(slot), size)).hexdigest()

    def drop_session(self) -> None:
        self.session = None
        self.store.erase(JOURNAL)

    def activate(self) -> ActiveRecord:
        """Make the session's slot active: new record into the older copy, then drop the
        journal. The caller has verified the slot."""
        s = self.session
        gen = self.active.generation + 1 if self.active else 1
        copy = 1 - self.active.copy if self.active else 0
        addr = (REC_A, REC_B)[copy]
        body = ACTIVE_REC.pack(b"SSAR", gen, s.slot, s.size, bytes.fromhex(s.sha256))
        self.store.erase(addr)
        self.store.write(addr, body + struct.pack("<I", _crc(body)))
        self.active = ActiveRecord(gen, s.slot, s.size, s.sha256, copy)
        self.drop_session()
        return self.active
