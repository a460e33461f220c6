"""Link and session faults: each one ends with the new profile active and verified, or a
one-line error, a nonzero exit and the old profile still active; a rerun then finishes."""

import hashlib
import random
import struct

import pytest

from device_profiles.errors import DeviceError, SoundstageError
from firmware_export.blob import build_blob
from host_tools import protocol as P
from host_tools.cli import main
from host_tools.emulator import DeviceConfig, Emulator, InProcessRig, SocketHost
from host_tools.flash_store import FlashStore
from host_tools.flasher import flash
from host_tools.transport import BaudMismatch, FaultyTransport

SLOT = 64 * 1024
CFG = DeviceConfig(n_drivers=2, max_chunk=1024)


def blob(seed: int, size: int = 6000) -> bytes:
    rng = random.Random(seed)
    return build_blob(target="cmsis-q31", sample_rate=48000, n_drivers=2,
                      profile_name=f"f{seed}",
                      sections={0x0010: bytes(rng.randrange(256) for _ in range(size))})


OLD, NEW = blob(1), blob(2)
SHA_OLD, SHA_NEW = (hashlib.sha256(b).hexdigest() for b in (OLD, NEW))


def rig_with(tmp_path, *, host=None, device=None, **kw) -> InProcessRig:
    """A device that already runs OLD; faults wrap the host's or the device's end after that."""
    path = tmp_path / "flash.bin"
    path.unlink(missing_ok=True)
    em = Emulator(FlashStore(path, slot_size=SLOT), CFG)
    r = InProcessRig(em, host_wrap=lambda t: _Switch(t), device_wrap=lambda t: _Switch(t),
                     link_timeout=0.03, retries=kw.pop("retries", 6), **kw)
    flash(r.device, OLD)
    r.host_end.arm(host)
    r.device_end.arm(device)
    r.reconnect()
    return r


class _Switch:
    """Passes bytes through until armed with a fault wrapper."""

    def __init__(self, inner):
        self.inner = inner
        self.active = inner

    def arm(self, make):
        self.active = make(self.inner) if make else self.inner

    def write(self, data):
        self.active.write(data)

    def read(self, timeout):
        return self.active.read(timeout)

    def close(self):
        pass


def finish_or_clean_error(r: InProcessRig, **kw) -> str:
    try:
        res = flash(r.device, NEW, silence=0.3, **kw)
    except DeviceError as e:
        assert "\n" not in str(e) and e.exit_code == 1
        assert r.emulator.flash.active.sha256 == SHA_OLD  # old profile intact
        return "error"
    assert res.sha256 == SHA_NEW
    assert r.emulator.flash.active.sha256 == SHA_NEW
    assert r.emulator.flash.active_image() == NEW
    return "done"


def rerun_completes(r: InProcessRig) -> None:
    r.host_end.arm(None)
    r.device_end.arm(None)
    flash(r.reconnect(), NEW)
    assert r.emulator.flash.active.sha256 == SHA_NEW


ACTIONS = ["garbage", "flip-header", "flip-payload", "flip-crc", "drop", "insert", "truncate",
           "dup", "late-dup"]
# host writes: 0 INFO, 1 BEGIN, 2.. data, then END / ACTIVATE / GET_ACTIVE
FAST_INDICES = [0, 1, 3, 9, 10]


@pytest.mark.parametrize("side", ["host", "device"])
@pytest.mark.parametrize("action", ACTIONS)
def test_single_link_fault_finishes_correctly(tmp_path, side, action):
    for idx in FAST_INDICES:
        wrap = lambda t, i=idx: FaultyTransport(t, script={i: action}, seed=i)  # noqa: E731
        r = rig_with(tmp_path, **{side: wrap})
        try:
            assert finish_or_clean_error(r) == "done", (side, action, idx)
        finally:
            r.close()


@pytest.mark.slow
@pytest.mark.parametrize("side", ["host", "device"])
@pytest.mark.parametrize("action", ACTIONS + ["swallow"])
def test_single_link_fault_at_every_frame(tmp_path, side, action):
    for idx in range(16):
        wrap = lambda t, i=idx: FaultyTransport(t, script={i: action}, seed=i)  # noqa: E731
        r = rig_with(tmp_path, **{side: wrap})
        try:
            assert finish_or_clean_error(r) == "done", (side, action, idx)
        finally:
            r.close()


@pytest.mark.parametrize("side", ["host", "device"])
def test_lost_last_chunk_or_ack_is_probed_not_timed_out(tmp_path, side):
    """The last chunk (or its ack) lost: no later ack can reveal it, so the host resends it
    once its ack is overdue by about a round trip instead of waiting out a timeout."""
    # host writes: 0 INFO, 1 BEGIN, 2-7 the six 1 KiB chunks; device writes: 0 INFO,
    # 1 BEGIN, then one ack per chunk (unpaced, each chunk is read on its own)
    idx = 7
    wrap = lambda t: FaultyTransport(t, script={idx: "swallow"})  # noqa: E731
    r = rig_with(tmp_path, **{side: wrap})
    try:
        res = flash(r.device, NEW, start_chunk=1024)
        assert r.emulator.flash.active.sha256 == SHA_NEW
        assert res.probes >= 1 and res.timeouts == 0, (res.probes, res.timeouts)
    finally:
        r.close()


def test_garbage_before_first_frame(tmp_path):
    junk = bytes(random.Random(3).randrange(1, 256) for _ in range(300))
    r = rig_with(tmp_path, host=lambda t: FaultyTransport(t, garbage_first=junk),
                 device=lambda t: FaultyTransport(t, garbage_first=junk))
    try:
        assert finish_or_clean_error(r) == "done"
    finally:
        r.close()


@pytest.mark.parametrize("rate", [0.002, 0.01])
def test_random_corruption_both_ways(tmp_path, rate):
    r = rig_with(tmp_path, host=lambda t: FaultyTransport(t, rate=rate, seed=11),
                 device=lambda t: FaultyTransport(t, rate=rate, seed=12), retries=10)
    try:
        assert finish_or_clean_error(r) == "done"
        assert r.device.link.bad_frames + r.emulator.deframer.bad_frames > 0
    finally:
        r.close()


@pytest.mark.parametrize("where", [0, 3000, 5999])  # 0%, 50%, 99% of the image
def test_device_silent_mid_flash(tmp_path, where):
    r = rig_with(tmp_path, retries=2)
    r.emulator.silent_at_offset = where
    try:
        with pytest.raises(P.NoAnswer, match="stopped answering during FLASH_DATA") as ei:
            flash(r.device, NEW, silence=0.1)
        assert "\n" not in str(ei.value) and "rerun to resume" in str(ei.value)
        assert r.emulator.flash.active.sha256 == SHA_OLD
        r.emulator.silent_at_offset = None
        r.power_cycle(FlashStore(tmp_path / "flash.bin", slot_size=SLOT))
        rerun_completes(r)
    finally:
        r.close()


def test_stale_host_after_reconnect_uses_device_offset(tmp_path):
    r = rig_with(tmp_path)
    try:
        big = blob(3, size=20000)

        def stop_at_60(done, total, chunk):
            if done > total * 0.6:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            flash(r.device, big, progress=stop_at_60)
        r.power_cycle(FlashStore(tmp_path / "flash.bin", slot_size=SLOT))
        # a host that thinks its old session goes on: the device has none in RAM... but it
        # resumed it from the journal, so a chunk in range is accepted; one past the end is not
        dev = r.reconnect()
        with pytest.raises(P.NakError, match="BAD_OFFSET") as ei:
            dev.link.command(P.Op.FLASH_DATA, struct.pack("<I", len(big)) + b"x" * 16)
        assert "\n" not in str(ei.value)
        journal = r.emulator.flash.session.offset
        res = flash(dev, big)
        assert res.resumed_from == journal > 0
        assert r.emulator.flash.active_image() == big
    finally:
        r.close()


def test_data_without_session_is_refused(tmp_path):
    r = rig_with(tmp_path)
    try:
        with pytest.raises(P.NakError, match="NO_SESSION"):
            r.device.link.command(P.Op.FLASH_DATA, struct.pack("<I", 0) + b"x" * 16)
        assert r.emulator.flash.active.sha256 == SHA_OLD
    finally:
        r.close()


def _begin(dev, image):
    from firmware_export.blob import parse_blob

    b = parse_blob(image)
    return dev.link.command(P.Op.FLASH_BEGIN, P.BEGIN_REQ.pack(
        b.size, bytes.fromhex(b.sha256), b.target_id, b.format_version, b.sample_rate,
        b.n_drivers, 0))


def test_out_of_range_offset_and_oversized_chunk_with_valid_crc(tmp_path):
    r = rig_with(tmp_path)
    try:
        _begin(r.device, NEW)
        with pytest.raises(P.NakError, match="BAD_OFFSET"):
            r.device.link.command(P.Op.FLASH_DATA, struct.pack("<I", len(NEW) - 4) + b"12345678")
        with pytest.raises(P.NakError, match="CHUNK_TOO_BIG"):
            r.device.link.command(P.Op.FLASH_DATA, struct.pack("<I", 0) + bytes(2048))
        with pytest.raises(P.NakError, match="INCOMPLETE"):
            r.device.link.command(P.Op.FLASH_END)
        with pytest.raises(P.NakError, match="HASH_MISMATCH"):
            r.device.link.command(P.Op.ACTIVATE, bytes(32))
        assert r.emulator.flash.active.sha256 == SHA_OLD
        rerun_completes(r)
    finally:
        r.close()


def test_missing_flash_end_keeps_old_then_rerun_resumes_at_end(tmp_path):
    r = rig_with(tmp_path)
    try:
        _begin(r.device, NEW)
        for off in range(0, len(NEW), 1024):
            r.device.link.command(P.Op.FLASH_DATA, struct.pack("<I", off) + NEW[off:off + 1024])
        # the host dies here: no FLASH_END, no ACTIVATE
        r.power_cycle(FlashStore(tmp_path / "flash.bin", slot_size=SLOT))
        assert r.emulator.flash.active.sha256 == SHA_OLD
        res = flash(r.reconnect(), NEW)
        assert res.resumed_from == len(NEW)
        assert r.emulator.flash.active.sha256 == SHA_NEW
    finally:
        r.close()


def test_device_at_another_baud(tmp_path):
    r = rig_with(tmp_path, host=lambda t: BaudMismatch(t), device=lambda t: BaudMismatch(t),
                 retries=2)
    try:
        with pytest.raises(P.NoAnswer, match="no reply to INFO after 3 tries"):
            flash(r.device, NEW)
        assert r.emulator.flash.active.sha256 == SHA_OLD
    finally:
        r.close()


# ---- through the CLI: one line on stderr, nonzero exit ----


def _one_line_error(capsys, rc, expect_rc, *words):
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == expect_rc, err
    assert len(err) == 1, err
    for w in words:
        assert w in err[0]


def test_cli_port_errors(tmp_path, capsys):
    p = tmp_path / "x.blob"
    p.write_bytes(NEW)
    _one_line_error(capsys, main(["flash", str(p), "--port", "/dev/ttyNOPE9"]), 2,
                    "no such device")
    _one_line_error(capsys, main(["flash", str(p), "--port", "/dev/null"]), 2,
                    "not a serial port")
    _one_line_error(capsys, main(["info", "--port", "socket://127.0.0.1:1"]), 2,
                    "socket://127.0.0.1:1")


def test_cli_busy_port(tmp_path, capsys):
    import serial

    from host_tools.emulator import PtyHost

    em = Emulator(FlashStore(None, slot_size=SLOT), CFG)
    host = PtyHost(em).start()
    holder = serial.Serial(host.path, exclusive=True)
    try:
        _one_line_error(capsys, main(["info", "--port", host.path]), 2, "busy")
    finally:
        holder.close()
        host.close()


def test_cli_truncated_blob_and_profile_without_export(tmp_path, capsys, monkeypatch):
    import sys

    p = tmp_path / "t.blob"
    p.write_bytes(NEW[:-10])
    _one_line_error(capsys, main(["flash", str(p), "--port", "/dev/null"]), 2, "truncated")
    monkeypatch.setitem(sys.modules, "firmware_export.build", None)
    _one_line_error(capsys, main(["flash", "compact2", "--port", "/dev/null"]), 2,
                    "give a .blob file")


@pytest.mark.parametrize("cmd", [["flash", "x.blob"], ["info"], ["stream", "sweep"]])
@pytest.mark.parametrize("baud", ["0", "-9600", "fast"])
def test_cli_bad_baud_is_one_line_usage_error(capsys, cmd, baud):
    with pytest.raises(SystemExit) as e:
        main([*cmd, "--port", "loop://", "--baud", baud])
    _one_line_error(capsys, e.value.code, 2, f"soundstage {cmd[0]}: error: argument --baud",
                    f"{baud!r} is not a baud rate", "positive integer")


def test_cli_emulate_bad_baud_and_missing_port_are_one_line(capsys):
    with pytest.raises(SystemExit) as e:
        main(["emulate", "--baud", "0"])
    _one_line_error(capsys, e.value.code, 2, "argument --baud", "not a baud rate")
    with pytest.raises(SystemExit) as e:
        main(["info"])
    _one_line_error(capsys, e.value.code, 2, "required: --port", "soundstage info --help")


def test_cli_flash_a_file_neither_blob_nor_profile(tmp_path, capsys):
    wav = tmp_path / "some.wav"
    wav.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\xff\xfe")
    _one_line_error(capsys, main(["flash", str(wav), "--port", "/dev/null"]), 2,
                    f"{wav}: not a soundstage blob (bad magic) nor a profile TOML")
    txt = tmp_path / "notes.txt"
    txt.write_text("title = 'not a profile'\n")
    _one_line_error(capsys, main(["flash", str(txt), "--port", "/dev/null"]), 2,
                    "nor a profile TOML (no [device] table)")
    bad = tmp_path / "bad.toml"
    bad.write_text("[device\n")
    _one_line_error(capsys, main(["flash", str(bad), "--port", "/dev/null"]), 2,
                    "nor a profile TOML (not valid TOML: ")
    short = tmp_path / "short.blob"
    short.write_bytes(b"hello")
    _one_line_error(capsys, main(["flash", str(short), "--port", "/dev/null"]), 2,
                    f"{short}: truncated")


def test_cli_socket_silent_device_and_nak(tmp_path, capsys):
    em = Emulator(FlashStore(tmp_path / "s.bin", slot_size=SLOT), CFG)
    host = SocketHost(em).start()
    try:
        ok = tmp_path / "ok.blob"
        ok.write_bytes(OLD)
        assert main(["flash", str(ok), "--port", host.url]) == 0
        capsys.readouterr()
        wrong = tmp_path / "w.blob"
        wrong.write_bytes(build_blob(target="generic-q15", sample_rate=48000, n_drivers=2,
                                     profile_name="w", sections={}))
        _one_line_error(capsys, main(["flash", str(wrong), "--port", host.url]), 2,
                        "target generic-q15", "nothing written")
        em.silent_at_offset = 5000  # past the first 4 KiB sector: that much is journaled
        new = tmp_path / "new.blob"
        new.write_bytes(NEW)
        _one_line_error(capsys, main(["flash", str(new), "--port", host.url]), 1,
                        "stopped answering", "rerun to resume")
        assert em.flash.active.sha256 == SHA_OLD
        em.silent_at_offset = None
        em.restart()
        assert main(["flash", str(new), "--port", host.url]) == 0
        assert "resumed at byte 4096" in capsys.readouterr().out
        assert em.flash.active.sha256 == SHA_NEW
    finally:
        host.close()


def test_errors_are_soundstage_errors():
    assert issubclass(P.NakError, SoundstageError) and issubclass(P.NoAnswer, DeviceError)


# ---- streaming through a faulty link: every block processed exactly once, in order ----


@pytest.mark.parametrize("host_script,dev_script,rate,block", [
    ({3: "swallow", 5: "flip-payload", 6: "truncate"}, {}, 0.0, 300),
    ({}, {2: "swallow", 4: "late-dup", 7: "dup", 8: "flip-crc"}, 0.0, 300),
    ({}, {}, 0.0005, 32),  # no adaptive block size in streaming: small blocks on noise
])
def test_stream_through_faults_is_exact(tmp_path, host_script, dev_script, rate, block):
    import numpy as np

    from host_tools import streamer

    em = Emulator(FlashStore(None, slot_size=SLOT), CFG, processor_factory=_stateful)
    r = InProcessRig(em, host_wrap=lambda t: FaultyTransport(t, script=host_script, rate=rate,
                                                             seed=5),
                     device_wrap=lambda t: FaultyTransport(t, script=dev_script, rate=rate,
                                                           seed=6),
                     link_timeout=0.03, retries=10)
    try:
        flash(r.device, OLD)
        x = (np.arange(2000 * 2, dtype=np.int64).reshape(2000, 2) * 7919 % 2**20).astype(
            np.int32)
        res = streamer.stream(r.device, x, block=block, window=4)
        ref = streamer.reference_output(_stateful, OLD, x, block)
        assert streamer.first_mismatch(ref, res.output, block) is None
        assert res.sha256 == streamer.hash_output(ref)
    finally:
        r.close()


def _stateful(blob):
    """A processor with state across blocks (running sum): a block processed twice or
    skipped changes every later sample."""
    import numpy as np

    acc = np.zeros(2, dtype=np.int64)

    def process(x):
        nonlocal acc
        c = np.cumsum(x.astype(np.int64), axis=0) + acc
        acc = c[-1].copy()
        return (c % 2**31).astype(np.int32)

    return process


def test_reset_reboots_from_flash_keeping_the_profile(tmp_path):
    r = rig_with(tmp_path)
    try:
        r.device.set_bypass(True)
        assert r.device.info().bypass
        r.device.reset()
        info = r.device.info()
        assert not info.bypass and info.active_sha256 == SHA_OLD
    finally:
        r.close()
