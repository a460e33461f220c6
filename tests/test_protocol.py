"""Protocol layer: COBS, frames, resync, command() with retries, NAKs, stale replies."""

import os
import random
import struct
import time
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host_tools import protocol as P
from host_tools.emulator import DeviceConfig, Emulator, InProcessRig
from host_tools.flash_store import FlashStore
from host_tools.flasher import ChunkSizer
from host_tools.transport import FaultyTransport, pipe_pair

# ---- COBS and frames, checked against hand-made bytes ----


@pytest.mark.parametrize("raw,enc", [
    (b"", b"\x01"),
    (b"\x00", b"\x01\x01"),
    (b"\x00\x00", b"\x01\x01\x01"),
    (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33"),
    (b"\x11\x22\x33\x44", b"\x05\x11\x22\x33\x44"),
    (bytes(range(1, 255)), b"\xff" + bytes(range(1, 255)) + b"\x01"),
])
def test_cobs_known_vectors(raw, enc):
    # vectors from the COBS paper / Wikipedia examples (254-byte run: FF block, then 01)
    assert P.cobs_encode(raw) == enc
    assert P.cobs_decode(enc) == raw


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1200))
def test_cobs_round_trip_and_no_zero(data):
    enc = P.cobs_encode(data)
    assert 0 not in enc
    assert P.cobs_decode(enc) == data
    assert len(enc) <= len(data) + len(data) // 254 + 1


def test_frame_layout_by_hand():
    payload = b"\x01\x00\x02"
    body = struct.pack("<BHH", 0x11, 0x1234, 3) + payload
    body += struct.pack("<I", zlib.crc32(body))
    wire = P.encode_frame(0x11, 0x1234, payload)
    assert wire == b"\0" + P.cobs_encode(body) + b"\0"
    (f,) = P.Deframer().feed(wire)
    assert (f.type, f.seq, f.payload) == (0x11, 0x1234, payload)


def test_deframer_resyncs_after_garbage_truncation_and_flips():
    d = P.Deframer()
    good = P.encode_frame(P.Op.INFO, 7, b"abc")
    truncated = P.encode_frame(P.Op.INFO, 8, b"lost")[:-3]  # delimiter never arrives
    flipped = bytearray(P.encode_frame(P.Op.INFO, 9, b"xyz"))
    flipped[4] ^= 0x40
    stream = os.urandom(50).replace(b"\0", b"\1") + good + truncated + good + bytes(flipped) + good
    frames = []
    for i in range(0, len(stream), 7):  # arrives in pieces
        frames += d.feed(stream[i:i + 7])
    assert [f.seq for f in frames] == [7, 7, 7]
    assert d.bad_frames >= 3


def test_deframer_drops_overlong_run():
    d = P.Deframer()
    d.feed(b"\x05" * (2 * P.MAX_FRAME + 10))
    assert d.bad_frames == 1
    assert [f.seq for f in d.feed(P.encode_frame(1, 3, b""))] == [3]


# ---- command() against the emulator ----


@pytest.fixture
def rig():
    r = InProcessRig(Emulator(FlashStore(None, slot_size=64 * 1024), DeviceConfig(n_drivers=2)))
    yield r
    r.close()


def test_info_round_trip(rig):
    info = rig.device.info()
    assert info.n_drivers == 2 and info.target == "cmsis-q31" and info.active_slot is None
    assert "no" not in info.describe() or "none" in info.describe()


def test_nak_is_one_line_with_name_and_reason(rig):
    with pytest.raises(P.NakError) as ei:
        rig.device.link.command(P.Op.FLASH_DATA, struct.pack("<I", 0) + b"x")
    e = ei.value
    assert e.code == P.Nak.NO_SESSION
    assert "NO_SESSION" in str(e) and "flash begin" in str(e) and "\n" not in str(e)


def test_unknown_opcode_nak(rig):
    with pytest.raises(P.NakError, match="UNKNOWN_OP"):
        rig.device.link.command(0x55)


def test_no_device_gives_no_answer_quickly():
    host, _dev = pipe_pair()
    link = P.Link(host, timeout=0.02, retries=2)
    t = time.monotonic()
    with pytest.raises(P.NoAnswer, match=r"no reply to INFO after 3 tries") as ei:
        P.Device(link).info()
    assert time.monotonic() - t < 1.0
    assert "\n" not in str(ei.value)


def test_stale_and_duplicate_replies_are_dropped(rig):
    link = rig.device.link
    # a reply to a sequence number nobody asked for arrives first: dropped, counted
    rig.device_end.write(P.encode_frame(P.Op.INFO | P.REPLY, (link._seq + 77) & 0xFFFF,
                                        b"\0" + bytes(P.INFO_REPLY.size)))
    assert rig.device.info().n_drivers == 2
    assert link.stats.stale_replies >= 1


def test_late_duplicate_reply_never_leaves_host_one_behind():
    em = Emulator(FlashStore(None, slot_size=64 * 1024), DeviceConfig(n_drivers=2))
    # every device reply is also sent again after the next one
    script = {i: "late-dup" for i in range(50)}
    r = InProcessRig(em, device_wrap=lambda t: FaultyTransport(t, script=script))
    try:
        for _ in range(5):
            slot, gen, size, sha = r.device.active()
            assert slot is None
            assert r.device.info().n_drivers == 2  # answers match what was asked
        assert r.device.link.stats.stale_replies >= 4
    finally:
        r.close()


def test_retry_reuses_sequence_and_device_answers_from_cache():
    em = Emulator(FlashStore(None, slot_size=64 * 1024), DeviceConfig(n_drivers=2))
    # the device's first reply is swallowed: the host retries the same seq
    r = InProcessRig(em, device_wrap=lambda t: FaultyTransport(t, script={1: "swallow"}),
                     link_timeout=0.05)
    try:
        r.device.info()  # write 0
        handled = em.frames_handled
        r.device.set_bypass(True)  # reply (write 1) swallowed, retried
        assert r.device.link.stats.retries >= 1
        assert em.frames_handled == handled + 1  # executed once, answered twice
        assert em.bypass
    finally:
        r.close()


def test_damaged_replies_are_resent_at_once_and_earn_tries():
    em = Emulator(FlashStore(None, slot_size=64 * 1024), DeviceConfig(n_drivers=2))
    # the device's first 5 replies arrive with a flipped payload byte (CRC fails, header
    # intact): the device is there, so each is retried at once, beyond the 3 tries
    script = {i: "flip-payload" for i in range(5)}
    r = InProcessRig(em, device_wrap=lambda t: FaultyTransport(t, script=script), retries=2)
    try:
        t = time.monotonic()
        r.device.set_bypass(True)
        assert time.monotonic() - t < 0.2  # no timeouts, no backoff
        st = r.device.link.stats
        assert st.retries == 5 and st.timeouts == 0
        assert em.frames_handled == 1  # executed once, answered from the cache after
    finally:
        r.close()


def test_deframer_tells_noise_from_garbage():
    d = P.Deframer()
    hit = bytearray(P.encode_frame(P.Op.INFO | P.REPLY, 0x1234, b"\0" + bytes(range(1, 40))))
    hit[30] ^= 0x10
    d.feed(bytes(hit))
    assert d.crc_errors == 1 and (P.Op.INFO | P.REPLY, 0x1234) in d.damaged_heads
    d.feed(bytes([0x33, 0x05, 0x01, 0x02, 0x00]))  # garbage: not a frame hit by noise
    assert d.bad_frames == 2 and d.crc_errors == 1
    assert d.good_bytes == 0 and d.bad_bytes == len(hit) - 1 + 5


def test_command_with_device_work_retries_before_the_work_estimate():
    em = Emulator(FlashStore(None, slot_size=64 * 1024), DeviceConfig(n_drivers=2))
    r = InProcessRig(em, device_wrap=lambda t: FaultyTransport(t, script={0: "swallow"}),
                     link_timeout=0.03)
    try:
        t = time.monotonic()
        r.device.link.command(P.Op.BYPASS, b"\1", extra_time=1.0)  # its reply is lost
        assert time.monotonic() - t < 0.3
        assert em.frames_handled == 1
    finally:
        r.close()


def test_trace_prints_opcode_names_and_hex(rig):
    lines = []
    rig.device.link.trace = lines.append
    rig.device.active()
    assert lines[0].startswith("-> GET_ACTIVE seq=")
    assert lines[1].startswith("<- GET_ACTIVE ok") and "ff 00 00" in lines[1]


def test_op_timeout_scales_with_size():
    link = P.Link(None, baud=115200, timeout=0.1)
    assert link.op_timeout(4096) > link.op_timeout(16) + 0.6  # 2 x 4 KiB at 11.5 kB/s


def test_chunk_sizer_shrinks_on_loss_and_grows_back():
    s = ChunkSizer(2048)
    assert 256 <= s.size <= 1024  # no evidence yet: a middle size
    for _ in range(5):
        s.lost(s.size)
    small = s.size
    assert small < 128
    for _ in range(2000):
        s.ok(s.size)
    assert s.size == 2048 and len(s.trace) > 3
    assert min(size for _, size in s.trace) == small


def test_chunk_sizer_grows_only_as_clean_bytes_add_up():
    s = ChunkSizer(2048)
    sent = 0
    while sent < 16 * 1024:
        sent += s.size
        s.ok(s.size)
    assert s.size <= 1024  # 16 KiB clean is no proof that 2 KiB frames get through
    while sent < 1024 * 1024:
        sent += s.size
        s.ok(s.size)
    assert s.size == 2048


@pytest.mark.parametrize("e,lo,hi", [(1e-4, 200, 800), (1e-3, 64, 256), (1e-2, 24, 64)])
def test_chunk_sizer_settles_near_the_best_size(e, lo, hi):
    """Frames hit at random with per-byte rate e: the size settles near the c that
    maximizes c/(c+16) * (1-e)^(c+16) (about 390, 120 and 33 bytes)."""
    rng = random.Random(5)
    s = ChunkSizer(2048)
    sizes = []
    for _ in range(3000):
        c = s.size
        sizes.append(c)
        (s.ok if rng.random() < (1 - e) ** (c + 16) else s.lost)(c)
    tail = sorted(sizes[1000:])
    assert lo <= tail[len(tail) // 2] <= hi


def test_chunk_sizer_seeded_by_the_commands_before_the_data():
    clean, noisy = ChunkSizer(2048), ChunkSizer(2048)
    clean.seed(0, 6, 400)
    noisy.seed(4, 10, 700)  # 4 of 10 frames damaged
    assert noisy.size <= 64 < 256 <= clean.size


# ---- the device survives anything with a valid CRC ----

OPS = [int(o) for o in P.Op] + [0x00, 0x7F, 0x55]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 0xFFFF),
                          st.binary(max_size=80)), min_size=1, max_size=12))
def test_emulator_answers_any_valid_frame_with_ok_or_nak(requests):
    em = Emulator(FlashStore(None, slot_size=8192), DeviceConfig(n_drivers=2, max_chunk=64))
    for op, seq, payload in requests:
        if op == P.Op.BYPASS and payload:
            payload = payload[:1]
        replies = [f for w in em.feed(P.encode_frame(op, seq, payload)) for f in
                   P.Deframer().feed(w)]
        assert not em.dead and not em.hung
        answers = [f for f in replies if f.type == (op | P.REPLY) and f.seq == seq]
        # every request gets its answer at once, except data chunks, acked in groups
        assert answers or op == P.Op.FLASH_DATA
        for f in answers:
            assert f.payload[0] == 0 or f.payload[0] in P.NAK_REASONS
    em.feed(P.encode_frame(P.Op.INFO, 1))  # still alive and answering


def test_info_carries_the_chain_capacity_and_old_replies_still_parse():
    """INFO_LIMITS is appended to INFO_REPLY: a reply without it (a device from before)
    parses with chain_limits None, one with it round-trips, bytes past it (a later
    device's fields) are ignored, and a reply cut inside it is refused."""
    limits = P.ChainLimits(16384, 256, 64, 16, 64, 64)
    new = P.DeviceInfo(1, 1, 1, 5, 48000, 4096, 8, 512 * 1024, None, False, 0, 0, None,
                       "0.1.0", "m", limits)
    data = new.pack()
    assert len(data) == P.INFO_REPLY.size + P.INFO_LIMITS.size
    assert P.DeviceInfo.unpack(data) == new
    assert P.DeviceInfo.unpack(data + b"\1\2\3").chain_limits == limits
    old = P.DeviceInfo.unpack(data[:P.INFO_REPLY.size])
    assert old.chain_limits is None and old.n_drivers == 5
    assert "chain memory: not reported" in old.describe()
    assert "chain memory: 16,384 int32 + 256 int64 words, block 64" in new.describe()
    with pytest.raises(P.ProtocolError, match="expected 92 or at least 108"):
        P.DeviceInfo.unpack(data[:P.INFO_REPLY.size + 4])


def test_chain_shortfalls_name_each_figure_over_the_capacity():
    limits = P.ChainLimits(16384, 256, 64, 16, 64, 64)
    need = {"mem32_words": 30729, "mem64_words": 16, "n_paths": 3, "n_feeds": 65,
            "n_cascades": 8}
    assert limits.shortfalls(need) == ["30,729 int32 words of chain memory, the device has "
                                       "16,384", "65 feeds, the device has 64"]
    assert limits.shortfalls(need, grouped=False)[0].startswith("30729 int32 words")
    assert limits.shortfalls(dict(need, mem32_words=16384, n_feeds=64)) == []
