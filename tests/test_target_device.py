"""The protocol device firmware on the emulated Cortex-M4 (qemu), driven by the
real host code (host_tools.protocol / flasher) over the qemu UART's pty.

Flash persistence, atomic activation under a killed qemu and power cuts at
single flash operations, the device's own refusals, bypass streaming, and the
flash file's layout being the one host_tools/flash_store.py reads.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from profile_helpers import profile_with_upmix, upmix_cases

from device_profiles import bundled_profiles
from firmware_export.blob import build_blob, parse_blob
from firmware_export.target import build
from firmware_export.target.device import CUT_STATUS, boot_device, build_device

# The host side of the protocol (host_tools/protocol.py, flasher, transport)
# lands separately; without it there is nothing to talk to the device with.
P = pytest.importorskip("host_tools.protocol",
                        reason="HOST PROTOCOL MISSING: host_tools/protocol.py not in the tree")
pytest.importorskip("host_tools.flasher", reason="HOST FLASHER MISSING: host_tools/flasher.py")

MISSING = build.missing_tools()
if MISSING is None and not os.path.exists("/dev/ptmx"):
    MISSING = "no /dev/ptmx: qemu cannot give the device UART a pseudo-terminal here"
if MISSING:
    warnings.warn(f"target tests skipped: {MISSING}", stacklevel=1)
needs_target = pytest.mark.skipif(MISSING is not None,
                                  reason=f"TARGET TOOLCHAIN MISSING: {MISSING}")

PROTO_H = build.SRC_DIR / "proto.h"
QEMU_BAUD = 230400  # what the qemu UART's throughput amounts to, for the host's timeouts


def test_proto_header_matches_protocol_py():
    """Every opcode, NAK code and payload size of proto.h equals protocol.py's."""
    text = PROTO_H.read_text()
    defs = {m[0]: int(m[1], 0) for m in re.findall(r"\b([A-Z_0-9]+) = (0x[0-9a-f]+|\d+)", text)}
    defs |= {m[0]: int(m[1], 0) for m in
             re.findall(r"#define ([A-Z_0-9]+) (0x[0-9a-f]+|\d+)u?\b", text)}
    for op in P.Op:
        assert defs[f"OP_{op.name}"] == op.value, op
    for nak in P.Nak:
        assert defs[f"NAK_{nak.name}"] == nak.value, nak
    for name in ("INFO_REPLY", "INFO_LIMITS", "ACTIVE_REPLY", "READ_REQ", "BEGIN_REQ",
                 "BEGIN_REPLY", "DATA_REQ", "DATA_REPLY", "ACTIVATE_REQ", "ACTIVATE_REPLY",
                 "STREAM_BEGIN_REQ", "STREAM_DATA_REQ", "STREAM_DATA_REPLY",
                 "STREAM_END_REPLY", "BYPASS_REQ"):
        assert defs[f"{name}_SIZE"] == getattr(P, name).size, name
    assert defs["PROTO_VERSION"] == P.PROTO_VERSION
    assert defs["PROTO_REPLY"] == P.REPLY
    assert defs["PROTO_NO_SLOT"] == P.NO_SLOT
    assert defs["PROTO_NOTICE"] == P.NOTICE
    config = (build.SRC_DIR / "device_config.h").read_text()
    assert "#ifndef SACK_SEQS" in config  # build_device passes protocol.py's value


def _blob(size: int, name: str, *, rate: int = 48000, drivers: int = 5, seed: int = 0) -> bytes:
    payload = np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()
    return build_blob(target="cmsis-q31", sample_rate=rate, n_drivers=drivers,
                      profile_name=name, sections={0x8000: payload})


@pytest.fixture(scope="module")
def firmware():
    if MISSING:
        pytest.skip(f"TARGET TOOLCHAIN MISSING: {MISSING}")
    return build_device("studio5")


class Session:
    """One boot of the device with a host connection."""

    def __init__(self, elf: Path, flash_file: Path, *, cut_at: int | None = None,
                 timeout: float = 0.25, retries: int = 4):
        from host_tools.transport import open_port

        self.q = boot_device(elf, flash_file, cut_at=cut_at)
        self.transport = open_port(self.q.pty)
        # qemu's UART moves ~30 kB/s, not 921600 baud: timeouts scale with this
        self.link = P.Link(self.transport, timeout=timeout, retries=retries, baud=QEMU_BAUD)
        self.dev = P.Device(self.link)

    def close(self) -> None:
        self.transport.close()
        self.q.kill()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _flash(s: Session, image: bytes, **kw):
    from host_tools.flasher import flash

    return flash(s.dev, image, **kw)


@needs_target
def test_flash_info_readback_and_persistence(firmware, tmp_path):
    from host_tools.flash_store import DeviceFlash, FlashStore

    image = _blob(10_000, "first")
    flash_file = tmp_path / "flash.bin"
    with Session(firmware.elf, flash_file) as s:
        info = s.dev.info()
        assert (info.model, info.n_drivers, info.sample_rate) == ("soundstage-m4", 5, 48000)
        assert info.active_slot is None
        result = _flash(s, image)
        assert result.status == "flashed"
        assert s.dev.read_active() == image
        again = _flash(s, image)
        assert again.status == "skipped"
        s.dev.reset()  # reloads from flash, as a reboot
        assert s.dev.info().active_sha256 == parse_blob(image).sha256
    # a reboot (new qemu) finds it in the flash file
    with Session(firmware.elf, flash_file) as s:
        info = s.dev.info()
        assert info.active_sha256 == parse_blob(image).sha256
        assert (info.active_slot, info.generation, info.active_size) == (0, 1, len(image))
    # and the host's own flash model reads the same layout
    store = FlashStore(flash_file, slot_size=info.slot_size)
    try:
        assert DeviceFlash(store).active.sha256 == parse_blob(image).sha256
    finally:
        store.close()


@needs_target
def test_info_reports_the_builds_chain_capacity(firmware, tmp_path):
    """INFO_LIMITS carries the firmware's ss_chain.h figures, the ones the Python
    emulator is sized like by default."""
    from host_tools.emulator import QEMU_CHAIN_LIMITS

    with Session(firmware.elf, tmp_path / "flash.bin") as s:
        assert s.dev.info().chain_limits == QEMU_CHAIN_LIMITS


@needs_target
def test_blob_whose_chain_does_not_fit_is_refused_before_writing(tmp_path):
    """#23 on the target: a compact2 device built with 16,384 int32 words of chain
    memory takes the passive blob; the adaptive one (about 31k words) is refused by the
    host before FLASH_BEGIN (the flash file unchanged), and by the device at ACTIVATE
    when the host skips its check; the passive profile stays active and streams
    bit-exact with the model."""
    from dsp_model.fixed.chain import processor_from_blob
    from firmware_export.target.chain import have_chain_runtime, profile_blob
    from firmware_export.verify import c_requirements
    from host_tools.flasher import IncompatibleBlob
    from host_tools.streamer import make_signal, stream

    if not have_chain_runtime():
        pytest.skip("CHAIN RUNTIME MISSING: the device cannot size a chain without ss_chain.c")
    passive, adaptive = (profile_blob(profile_with_upmix("compact2", m))
                         for m in ("passive", "adaptive"))
    need = c_requirements(adaptive)["mem32_words"]
    assert c_requirements(passive)["mem32_words"] <= 16384 < need
    fw = build_device("compact2", chain_limits={"SS_MEM32_WORDS": 16384})
    flash_file = tmp_path / "flash.bin"
    with Session(fw.elf, flash_file) as s:
        assert s.dev.info().chain_limits.mem32_words == 16384
        assert _flash(s, passive).status == "flashed"
        before = flash_file.read_bytes()
        frames: list[str] = []
        s.link.trace = frames.append
        with pytest.raises(IncompatibleBlob, match=f"needs {need:,} int32 words of chain "
                           "memory, the device has 16,384: build a smaller upmix"):
            _flash(s, adaptive)
        assert [f.split()[1] for f in frames if f.startswith("->")] == ["INFO"]
        assert flash_file.read_bytes() == before
        s.link.trace = None
        with pytest.raises(P.NakError) as err:
            _flash(s, adaptive, check=False)
        assert (err.value.op, err.value.code) == (P.Op.ACTIVATE, P.Nak.INCOMPATIBLE)
        assert (f"chain needs {need} int32 words of chain memory, the device has 16384; "
                "previous profile stays active") in str(err.value)
        assert s.dev.info().active_sha256 == parse_blob(passive).sha256
        x, _ = make_signal("pink", fs=48000, seconds=0.02, seed=2)
        assert np.array_equal(stream(s.dev, x, window=1).output, processor_from_blob(passive)(x))


@needs_target
def test_device_refuses_incompatible_blob_before_writing(firmware, tmp_path):
    flash_file = tmp_path / "flash.bin"
    with Session(firmware.elf, flash_file) as s:
        s.dev.info()
        before = flash_file.read_bytes()
        with pytest.raises(P.NakError) as err:
            _flash(s, _blob(4000, "wrong", rate=44100, drivers=2), check=False)
        assert err.value.code == P.Nak.INCOMPATIBLE
        assert "sample rate 44100 (device runs 48000)" in str(err.value)
        assert "2 drivers (device has 5)" in str(err.value)
        assert flash_file.read_bytes() == before
        assert s.dev.info().active_slot is None


@needs_target
def test_killed_mid_flash_keeps_old_profile_then_resumes(firmware, tmp_path):
    old, new = _blob(6000, "old", seed=1), _blob(60_000, "new", seed=2)
    flash_file = tmp_path / "flash.bin"
    with Session(firmware.elf, flash_file) as s:
        _flash(s, old)
    s = Session(firmware.elf, flash_file, retries=2)
    killed = threading.Event()

    def progress(acked: int, total: int, chunk: int) -> None:
        if acked > total // 3 and not killed.is_set():
            killed.set()
            s.q.kill()  # power gone, mid-transfer

    with pytest.raises(Exception) as err:  # noqa: B017 - whatever the host sees of a dead device
        _flash(s, new, progress=progress, silence=2.0)
    s.close()
    assert killed.is_set(), f"the flash ended before the kill: {err.value}"
    with Session(firmware.elf, flash_file) as s:
        assert s.dev.info().active_sha256 == parse_blob(old).sha256
        result = _flash(s, new)
        assert result.status == "flashed"
        assert result.resumed_from > 0
        assert s.dev.info().active_sha256 == parse_blob(new).sha256
        assert s.dev.read_active() == new


def _cut_run(elf: Path, base: Path, work: Path, cut: int, old: bytes, new: bytes) -> bool:
    """Flash `new` over `old` with a power cut at operation `cut`; check the
    invariant after a reboot and that a rerun completes. True if the cut hit."""
    shutil.copyfile(base, work)
    s = Session(elf, work, cut_at=cut, timeout=0.1, retries=1)
    try:
        _flash(s, new, silence=0.4)
        died = False
    except Exception:
        died = True
    finally:
        s.transport.close()
        status = s.q.proc.wait(5) if died else None
        s.q.kill()
    if died:
        assert status == CUT_STATUS, f"cut {cut}: qemu exit {status}"
    with Session(elf, work) as s:
        active = s.dev.info().active_sha256
        assert active in (parse_blob(old).sha256, parse_blob(new).sha256), f"cut {cut}: neither"
        if active != parse_blob(new).sha256:
            assert _flash(s, new).status == "flashed"
        assert s.dev.info().active_sha256 == parse_blob(new).sha256
    return died


@pytest.fixture(scope="module")
def cut_base(firmware, tmp_path_factory):
    d = tmp_path_factory.mktemp("cut")
    old, new = _blob(5000, "old", seed=3), _blob(9000, "new", seed=4)
    with Session(firmware.elf, d / "base.bin") as s:
        _flash(s, old)
    return d, old, new


@needs_target
@pytest.mark.parametrize("cut", [1, 4, 9])
def test_power_cut_leaves_old_or_new(firmware, cut_base, cut):
    d, old, new = cut_base
    assert _cut_run(firmware.elf, d / "base.bin", d / f"cut{cut}.bin", cut, old, new)


@needs_target
@pytest.mark.slow
def test_power_cut_sweep_every_operation(firmware, cut_base):
    d, old, new = cut_base
    cut = 1
    while _cut_run(firmware.elf, d / "base.bin", d / "sweep.bin", cut, old, new):
        cut += 1
        assert cut < 200
    assert cut > 8  # erases, journal, chunks, record: the sweep covered them all


@needs_target
def test_bypass_stream_and_processor_refusal(firmware, tmp_path):
    rng = np.random.default_rng(5)
    x = rng.integers(-2**31, 2**31, (100, 2), dtype=np.int64).astype("<i4")
    with Session(firmware.elf, tmp_path / "flash.bin") as s:
        link = s.link
        with pytest.raises(P.NakError) as err:
            link.command(P.Op.STREAM_BEGIN, P.STREAM_BEGIN_REQ.pack(1, 2, 0, 0, 48000))
        assert err.value.code == P.Nak.NO_PROFILE
        s.dev.set_bypass(True)
        n_drv, max_n = P.STREAM_BEGIN_REPLY.unpack(
            link.command(P.Op.STREAM_BEGIN, P.STREAM_BEGIN_REQ.pack(1, 2, 0, 0, 48000)))
        assert n_drv == 5 and max_n >= 100
        reply = link.command(P.Op.STREAM_DATA, P.STREAM_DATA_REQ.pack(0) + x.tobytes(),
                             reply_size=8 + 100 * 5 * 4)
        idx, n, nd = P.STREAM_DATA_REPLY.unpack_from(reply)
        y = np.frombuffer(reply[P.STREAM_DATA_REPLY.size:], "<i4").reshape(n, nd)
        assert (idx, n, nd) == (0, 100, 5)
        assert np.array_equal(y, x[:, [0, 1, 0, 1, 0]])
        samples, blocks, digest = P.STREAM_END_REPLY.unpack(link.command(P.Op.STREAM_END))
        assert (samples, blocks) == (100, 1)
        import hashlib

        assert digest == hashlib.sha256(y.astype("<i4").tobytes()).digest()


@needs_target
def test_garbage_and_corrupt_frames_are_dropped(firmware, tmp_path):
    with Session(firmware.elf, tmp_path / "flash.bin") as s:
        s.transport.write(os.urandom(300).replace(b"\0", b"\1") + b"\0")
        good = P.encode_frame(P.Op.GET_ACTIVE, 7, b"")
        bad = bytearray(good)
        bad[4] ^= 0x10
        s.transport.write(bytes(bad))
        deframer, notices = P.Deframer(), []
        deadline = time.monotonic() + 5
        while len(notices) < 2 and time.monotonic() < deadline:
            notices += [f for f in deframer.feed(s.transport.read(0.1)) if f.type == P.NOTICE]
        assert [f.payload[0] for f in notices] == [P.Nak.BAD_FRAME] * 2
        assert all(f.payload[1:] for f in notices)  # each says why
        assert s.dev.active()[0] is None
        assert s.dev.info().model == "soundstage-m4"


@needs_target
@pytest.mark.parametrize("profile", bundled_profiles())
def test_golden_vectors_streamed_bit_exact(profile, tmp_path):
    """Issue 16: every bundled profile's golden vectors, streamed over the
    protocol to the qemu target (ss_chain on the device), come back
    bit-exact: the first stimulus block by block, the others by the
    device's running SHA-256 of its output."""
    import hashlib

    from firmware_export.golden import load_golden
    from firmware_export.target.chain import have_chain_runtime
    from host_tools.streamer import stream

    if not have_chain_runtime():
        pytest.skip("CHAIN RUNTIME MISSING: the device cannot process audio without ss_chain.c")
    g = load_golden(profile)
    with Session(build_device(profile).elf, tmp_path / "flash.bin") as s:
        assert _flash(s, g.blob).status == "flashed"
        for i, name in enumerate(g.stimuli):
            x, want = g.inputs[name], g.outputs[name]
            # one block in flight: a pipelined host can stall for seconds on a heavily
            # loaded machine (qemu's UART takes a byte per I/O-thread turn)
            r = stream(s.dev, x, hash_only=i > 0, window=1)
            assert r.sha256 == hashlib.sha256(want.astype("<i4").tobytes()).hexdigest(), name
            if i == 0:
                bad = np.argwhere(r.output != want)
                assert not len(bad), f"{profile} {name}: first mismatch at frame/driver {bad[0]}"


@needs_target
def test_flash_over_faulty_link(firmware, tmp_path):
    """The C framing under the host's fault injector: scripted frame faults
    (garbage, flipped header/payload/CRC, dropped/inserted byte, truncation,
    duplicates) and 0.2% random byte corruption; the flash still completes
    and verifies, and the device never activates a damaged image."""
    from host_tools.flasher import flash
    from host_tools.transport import FaultyTransport

    image = _blob(30_000, "noisy", seed=9)
    script = {1: "garbage", 2: "flip-header", 3: "flip-payload", 4: "flip-crc", 5: "drop",
              6: "insert", 7: "truncate", 8: "dup", 9: "late-dup"}
    with Session(firmware.elf, tmp_path / "flash.bin") as s:
        faulty = FaultyTransport(s.transport, script=script, rate=0.002, seed=3)
        trace: list[str] = []
        dev = P.Device(P.Link(faulty, baud=QEMU_BAUD,
                              trace=lambda line: trace.append(f"{time.monotonic():.3f} {line}")))
        try:
            result = flash(dev, image)
        except Exception as e:
            tail = "\n".join(trace[-60:])
            pytest.fail(f"{type(e).__name__}: {e}\nlast frames:\n{tail}")
        assert result.status == "flashed"
        assert faulty.corrupted_bytes > 0
        clean = P.Device(P.Link(s.transport, baud=QEMU_BAUD))
        assert clean.info().active_sha256 == parse_blob(image).sha256
        assert clean.read_active() == image


@needs_target
@pytest.mark.parametrize("name,mode", upmix_cases("compact2"))
def test_soundstage_cli_against_the_target(tmp_path, capsys, name, mode):
    """`soundstage flash`, `info` and `stream --compare`, unchanged, against the
    qemu device (the profile built by `soundstage build`'s own path), with the
    shipped upmix and the adaptive one (#23)."""
    from firmware_export.target.chain import have_chain_runtime, profile_blob
    from host_tools.cli import main

    if not have_chain_runtime():
        pytest.skip("CHAIN RUNTIME MISSING: the device cannot process audio without ss_chain.c")
    blob_file = tmp_path / "compact2.blob"
    blob_file.write_bytes(profile_blob(profile_with_upmix(name, mode)))
    q = boot_device(build_device(name).elf, tmp_path / "flash.bin")
    try:
        port = ["--port", q.pty, "--baud", str(QEMU_BAUD)]
        assert main(["flash", str(blob_file), *port]) == 0
        assert main(["info", *port]) == 0
        assert parse_blob(blob_file.read_bytes()).sha256 in capsys.readouterr().out
        assert main(["stream", *port, "impulse", "--seconds", "0.05", "--compare"]) == 0
        assert "bit-exact" in capsys.readouterr().out
    finally:
        q.kill()


@needs_target
def test_cli_emulate_target_qemu_then_flash_and_info(tmp_path):
    """`soundstage emulate --target qemu` prints its pty first; the unchanged host
    commands flash a profile to it and read it back."""
    import subprocess
    import sys

    from device_profiles import load_profile
    from firmware_export.build import blob_for_profile

    proc = subprocess.Popen(
        [sys.executable, "-m", "host_tools.cli", "emulate", "--target", "qemu",
         "--profile", "compact2", "--state", str(tmp_path / "flash.bin")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = proc.stdout.readline().strip()
        assert port.startswith("/dev/"), (port, proc.stderr.read() if proc.poll() else "")
        blob = tmp_path / "compact2.blob"
        blob.write_bytes(blob_for_profile(load_profile("compact2")))
        cli = [sys.executable, "-m", "host_tools.cli"]
        flash = subprocess.run(cli + ["flash", str(blob), "--port", port, "--baud", "230400"],
                               capture_output=True, text=True, timeout=300)
        assert flash.returncode == 0, flash.stderr
        info = subprocess.run(cli + ["info", "--port", port, "--baud", "230400"],
                              capture_output=True, text=True, timeout=60)
        assert info.returncode == 0, info.stderr
        assert parse_blob(blob.read_bytes()).sha256[:16] in info.stdout.lower()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
