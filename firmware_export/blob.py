"""Profile blob: the binary container a device flashes (spec: BLOB_FORMAT.md).

`build_blob` writes one, `parse_blob` reads one back and validates every
length and CRC before it returns anything; every problem is a `BlobError`
(a `UserError`) with a one-line message that names the field and the figures.
The section *contents* (coefficient tables) belong to the export stage; this
module only frames them. Section types are an open set of u16 ids: the named
ones are listed in `SECTION_TYPES`, any other id is carried through unchanged.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass, field

from device_profiles.errors import UserError

MAGIC = b"SSPB"
FORMAT_VERSION = 1
SUPPORTED_FORMAT_VERSIONS = (1,)

# Target ids are part of the format: never renumber, only append.
TARGET_IDS = {"cmsis-q31": 1, "generic-q15": 2}
TARGET_NAMES = {v: k for k, v in TARGET_IDS.items()}

# Named section types (open enum: unknown ids are valid and kept as they are).
SEC_META = 0x0001  # profile metadata (export stage defines the layout)
SEC_BIQUADS = 0x0010  # biquad cascades, CMSIS order
SEC_FIR = 0x0011  # FIR tap tables
SEC_DELAYS = 0x0012  # per-path delays
SEC_GAINS = 0x0013  # per-driver gains and output word
SEC_UPMIX = 0x001D  # adaptive upmix tables (retired: 0x0014 integer decision, 0x0017 no
# onset, 0x0018 no directivity weight, 0x0019 one center width, 0x001A no precedence hold,
# 0x001B no side attack, 0x001C no steering)
SEC_VENDOR = 0x8000  # 0x8000..0xFFFF: free for experiments
SECTION_TYPES = {
    SEC_META: "meta", SEC_BIQUADS: "biquads", SEC_FIR: "fir", SEC_DELAYS: "delays",
    SEC_GAINS: "gains", SEC_UPMIX: "upmix", SEC_VENDOR: "vendor",
}

HEADER = struct.Struct("<4sHHIHHIHH24s")  # magic .. profile_name: 48 bytes
SECTION = struct.Struct("<HHIII")  # type, reserved, offset, length, crc32: 16 bytes
TRAILER = struct.Struct("<I")  # CRC-32 over everything before it
HEADER_SIZE = HEADER.size
ALIGN = 4
MAX_SECTIONS = 64
MAX_DRIVERS = 16
NAME_BYTES = 24
MAX_BLOB_SIZE = 16 * 1024 * 1024


class BlobError(UserError):
    """A blob that cannot be built or does not validate."""


def section_name(sec_type: int) -> str:
    return SECTION_TYPES.get(sec_type, f"0x{sec_type:04x}")


def crc32(data: bytes) -> int:
    """CRC-32 (IEEE 802.3, reflected, init/xorout 0xFFFFFFFF) as in zlib."""
    return zlib.crc32(data) & 0xFFFFFFFF


@dataclass(frozen=True)
class Blob:
    """A validated blob: its header fields, its sections and the raw bytes."""

    raw: bytes = field(repr=False)
    format_version: int
    target: str
    target_id: int
    sample_rate: int
    n_drivers: int
    profile_name: str
    sections: dict[int, bytes] = field(repr=False)

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the whole blob: the image identity the device reports."""
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def size(self) -> int:
        return len(self.raw)


def _pad(n: int) -> int:
    return (-n) % ALIGN


def build_blob(*, target: str, sample_rate: int, n_drivers: int, profile_name: str,
               sections: dict[int, bytes]) -> bytes:
    """Frame `sections` (type id -> bytes) into a blob; sections are stored in id order."""
    if target not in TARGET_IDS:
        raise BlobError(f"target {target!r} unknown (known: {', '.join(TARGET_IDS)})")
    if not 0 < sample_rate < 2**32:
        raise BlobError(f"sample rate {sample_rate} out of range")
    if not 1 <= n_drivers <= MAX_DRIVERS:
        raise BlobError(f"driver count {n_drivers} out of range 1..{MAX_DRIVERS}")
    name = profile_name.encode("utf-8")
    if len(name) > NAME_BYTES or b"\0" in name:
        raise BlobError(f"profile name {profile_name!r} longer than {NAME_BYTES} bytes "
                        "or contains NUL")
    if len(sections) > MAX_SECTIONS:
        raise BlobError(f"{len(sections)} sections, at most {MAX_SECTIONS}")
    types = sorted(sections)
    for t in types:
        if not 0 <= t <= 0xFFFF:
            raise BlobError(f"section type {t} does not fit in u16")
    table_end = HEADER_SIZE + SECTION.size * len(types)
    pos = table_end
    table = bytearray()
    body = bytearray()
    for t in types:
        data = bytes(sections[t])
        table += SECTION.pack(t, 0, pos, len(data), crc32(data))
        body += data + b"\0" * _pad(len(data))
        pos += len(data) + _pad(len(data))
    total = pos + TRAILER.size
    if total > MAX_BLOB_SIZE:
        raise BlobError(f"blob would be {total} bytes, at most {MAX_BLOB_SIZE}")
    head = HEADER.pack(MAGIC, FORMAT_VERSION, HEADER_SIZE, total, TARGET_IDS[target], n_drivers,
                       sample_rate, len(types), 0, name)
    out = head + bytes(table) + bytes(body)
    return out + TRAILER.pack(crc32(out))


def parse_header(data: bytes) -> dict:
    """Check and decode the fixed header only (enough to test compatibility)."""
    if len(data) < HEADER_SIZE + TRAILER.size:
        raise BlobError(f"truncated: {len(data)} bytes, a blob has at least "
                        f"{HEADER_SIZE + TRAILER.size}")
    (magic, version, header_size, total, target_id, n_drivers, rate, n_sec, flags,
     name) = HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        raise BlobError(f"bad magic {magic!r}, expected {MAGIC!r} (not a profile blob)")
    if version not in SUPPORTED_FORMAT_VERSIONS:
        raise BlobError(f"format version {version} unsupported (this tool reads "
                        f"{', '.join(map(str, SUPPORTED_FORMAT_VERSIONS))})")
    if header_size != HEADER_SIZE:
        raise BlobError(f"header size {header_size}, expected {HEADER_SIZE}")
    if total != len(data):
        what = "truncated" if total > len(data) else "oversized"
        raise BlobError(f"{what}: header says {total} bytes, got {len(data)}")
    if flags != 0:
        raise BlobError(f"header flags 0x{flags:04x} set, expected 0")
    if target_id not in TARGET_NAMES:
        raise BlobError(f"target id {target_id} unknown")
    if not 1 <= n_drivers <= MAX_DRIVERS:
        raise BlobError(f"driver count {n_drivers} out of range 1..{MAX_DRIVERS}")
    if rate == 0:
        raise BlobError("sample rate 0")
    if n_sec > MAX_SECTIONS:
        raise BlobError(f"{n_sec} sections, at most {MAX_SECTIONS}")
    raw_name = name.rstrip(b"\0")
    if b"\0" in raw_name or name[len(raw_name):].strip(b"\0"):
        raise BlobError("profile name field is not NUL-padded")
    try:
        profile_name = raw_name.decode("utf-8")
    except UnicodeDecodeError:
        raise BlobError("profile name is not UTF-8") from None
    return {"format_version": version, "total": total, "target_id": target_id,
            "target": TARGET_NAMES[target_id], "n_drivers": n_drivers, "sample_rate": rate,
            "n_sections": n_sec, "profile_name": profile_name}


def parse_blob(data: bytes) -> Blob:
    """Validate every length and CRC, then return the blob's fields and sections."""
    data = bytes(data)
    h = parse_header(data)
    end = len(data) - TRAILER.size
    (want,) = TRAILER.unpack_from(data, end)
    got = crc32(data[:end])
    if got != want:
        raise BlobError(f"whole-blob CRC-32 0x{got:08x} does not match stored 0x{want:08x}")
    n_sec = h["n_sections"]
    table_end = HEADER_SIZE + SECTION.size * n_sec
    if table_end > end:
        raise BlobError(f"section table ({n_sec} entries) runs past the end of the blob")
    sections: dict[int, bytes] = {}
    pos = table_end
    for i in range(n_sec):
        t, reserved, off, length, crc = SECTION.unpack_from(data, HEADER_SIZE + SECTION.size * i)
        label = f"section {i} ({section_name(t)})"
        if reserved != 0:
            raise BlobError(f"{label}: reserved field 0x{reserved:04x}, expected 0")
        if t in sections:
            raise BlobError(f"{label}: type appears twice")
        if off != pos:
            raise BlobError(f"{label}: offset {off}, expected {pos} (sections are packed "
                            "in table order)")
        if length > end - off:
            raise BlobError(f"{label}: length {length} at offset {off} runs past the data "
                            f"end {end}")
        body = data[off:off + length]
        if crc32(body) != crc:
            raise BlobError(f"{label}: CRC-32 0x{crc32(body):08x} does not match stored "
                            f"0x{crc:08x}")
        pad = _pad(length)
        if off + length + pad > end or data[off + length:off + length + pad].strip(b"\0"):
            raise BlobError(f"{label}: padding after the section is missing or not zero")
        sections[t] = body
        pos = off + length + pad
    if pos != end:
        raise BlobError(f"{end - pos} stray bytes between the last section and the CRC")
    return Blob(raw=data, format_version=h["format_version"], target=h["target"],
                target_id=h["target_id"], sample_rate=h["sample_rate"],
                n_drivers=h["n_drivers"], profile_name=h["profile_name"], sections=sections)
