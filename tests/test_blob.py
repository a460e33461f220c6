"""Profile blob container: layout pinned by hand-built bytes, round trip, mutation fuzz."""

import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from device_profiles.errors import UserError
from firmware_export.blob import (
    SEC_BIQUADS,
    SEC_FIR,
    SEC_META,
    BlobError,
    build_blob,
    crc32,
    parse_blob,
    section_name,
)


def _example(**kw) -> bytes:
    args = dict(target="cmsis-q31", sample_rate=48000, n_drivers=5, profile_name="studio5",
                sections={SEC_META: b"hello", SEC_BIQUADS: bytes(range(12)), 0x1234: b""})
    args.update(kw)
    return build_blob(**args)


def test_crc_check_value():
    assert crc32(b"123456789") == 0xCBF43926


def test_layout_matches_spec_by_hand():
    """Build the expected bytes with struct, independent of the writer's code path."""
    s1, s2 = b"abc", b"\x01\x02\x03\x04"
    table_end = 48 + 2 * 16
    off1, off2 = table_end, table_end + 4  # s1 padded to 4
    total = off2 + 4 + 4
    head = (b"SSPB" + struct.pack("<HHIHHIHH", 1, 48, total, 2, 3, 44100, 2, 0)
            + b"demo".ljust(24, b"\0"))
    table = (struct.pack("<HHIII", 0x0001, 0, off1, 3, zlib.crc32(s1))
             + struct.pack("<HHIII", 0x0011, 0, off2, 4, zlib.crc32(s2)))
    body = head + table + s1 + b"\0" + s2
    expected = body + struct.pack("<I", zlib.crc32(body))
    got = build_blob(target="generic-q15", sample_rate=44100, n_drivers=3, profile_name="demo",
                     sections={SEC_FIR: s2, SEC_META: s1})
    assert got == expected
    b = parse_blob(expected)
    assert (b.target, b.sample_rate, b.n_drivers, b.profile_name) == ("generic-q15", 44100, 3,
                                                                      "demo")
    assert b.sections == {SEC_META: s1, SEC_FIR: s2}
    import hashlib

    assert b.sha256 == hashlib.sha256(expected).hexdigest()


def test_round_trip_keeps_unknown_section_types():
    b = parse_blob(_example())
    assert b.sections[0x1234] == b""
    assert b.sections[SEC_META] == b"hello"
    assert section_name(0x1234) == "0x1234" and section_name(SEC_FIR) == "fir"
    assert b.format_version == 1 and b.target_id == 1


@pytest.mark.parametrize("kw,msg", [
    (dict(target="dsp56k"), "target"),
    (dict(n_drivers=0), "driver count"),
    (dict(profile_name="x" * 25), "profile name"),
    (dict(sample_rate=0), "sample rate"),
])
def test_build_rejects_bad_fields(kw, msg):
    with pytest.raises(BlobError, match=msg):
        _example(**kw)


def _refix_crc(data: bytearray) -> bytes:
    data[-4:] = struct.pack("<I", zlib.crc32(bytes(data[:-4])))
    return bytes(data)


@pytest.mark.parametrize("mutate,msg", [
    (lambda d: d[:-1], "truncated"),
    (lambda d: d[:40], "truncated"),
    (lambda d: d + b"\0\0\0\0", "oversized"),
    (lambda d: b"XXXX" + d[4:], "bad magic"),
    (lambda d: d[:4] + b"\x07\x00" + d[6:], "format version 7"),
    (lambda d: d[:-8] + bytes([d[-8] ^ 1]) + d[-7:], "whole-blob CRC"),
    (lambda d: _refix_crc(bytearray(d[:12]) + b"\x09\x00" + bytearray(d[14:])), "target id 9"),
    # section 0's length grown past the end, whole CRC recomputed so the field check is reached
    (lambda d: _refix_crc(bytearray(d[:48 + 8]) + struct.pack("<I", 10**6)
                          + bytearray(d[48 + 12:])), "runs past"),
    # section payload byte changed, whole CRC fixed: the section CRC must catch it
    (lambda d: _refix_crc(bytearray(d[:-5]) + bytes([d[-5] ^ 0x80]) + bytearray(d[-4:])),
     "CRC-32"),
])
def test_parse_rejects_with_one_line(mutate, msg):
    with pytest.raises(BlobError, match=msg) as ei:
        parse_blob(mutate(_example()))
    assert "\n" not in str(ei.value)
    assert isinstance(ei.value, UserError)


BASE = _example()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutations_always_blob_error(data):
    """Truncation, bit flips, insertions and oversize: a clean BlobError or the original."""
    blob = bytearray(BASE)
    kind = data.draw(st.sampled_from(["truncate", "flip", "insert", "extend", "refix"]))
    if kind == "truncate":
        blob = blob[:data.draw(st.integers(0, len(blob) - 1))]
    elif kind == "flip":
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] ^= 1 << data.draw(st.integers(0, 7))
    elif kind == "insert":
        i = data.draw(st.integers(0, len(blob)))
        blob[i:i] = data.draw(st.binary(min_size=1, max_size=8))
    elif kind == "extend":
        blob += data.draw(st.binary(min_size=1, max_size=64))
    else:  # flip inside the header/table and repair the whole CRC: reaches the field checks
        i = data.draw(st.integers(0, 48 + 3 * 16 - 1))
        blob[i] ^= 1 << data.draw(st.integers(0, 7))
        blob = bytearray(_refix_crc(blob))
    if bytes(blob) == BASE:
        return
    try:
        parse_blob(bytes(blob))
    except BlobError as e:
        assert "\n" not in str(e) and str(e)
    else:
        # only a mutation that keeps every field valid may pass (e.g. a name byte, refix)
        assert kind == "refix"


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.integers(0, 0xFFFF), st.binary(max_size=40), max_size=6),
       st.sampled_from(["cmsis-q31", "generic-q15"]), st.integers(1, 16))
def test_round_trip_property(sections, target, n):
    raw = build_blob(target=target, sample_rate=96000, n_drivers=n, profile_name="p",
                     sections=sections)
    b = parse_blob(raw)
    assert b.sections == sections and b.target == target and b.n_drivers == n
    assert len(raw) % 4 == 0
