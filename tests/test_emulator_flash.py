"""Flashing and streaming against the emulator: in-process links and a real pty."""

import argparse
import hashlib
import os
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from profile_helpers import profile_with_upmix, upmix_cases

from device_profiles.errors import DeviceError
from firmware_export.blob import BlobError, build_blob
from host_tools import cmd_stream, streamer
from host_tools import protocol as P
from host_tools.cli import main
from host_tools.emulator import (
    QEMU_CHAIN_LIMITS,
    DeviceConfig,
    Emulator,
    InProcessRig,
    PtyHost,
    default_processor_factory,
)
from host_tools.flash_store import FlashFaults, FlashStore, PowerCut
from host_tools.flasher import IncompatibleBlob, flash

SLOT = 64 * 1024
CFG = DeviceConfig(n_drivers=3, sample_rate=48000)


def make_blob(seed: int, size: int = 9000, **kw) -> bytes:
    args = dict(target="cmsis-q31", sample_rate=48000, n_drivers=3, profile_name=f"p{seed}")
    args.update(kw)
    gains = np.array([seed % 7 + 1, -(seed % 5) - 1, 3], dtype="<i4").tobytes()
    rng = random.Random(seed)
    return build_blob(sections={0x8001: gains,
                                0x0011: bytes(rng.randrange(256) for _ in range(size))},
                      **args)


def gain_factory(blob: bytes):
    """Test processor: driver d = (L + R) * g[d] >> 1, gains from section 0x8001, wrap int32."""
    from firmware_export.blob import parse_blob

    g = np.frombuffer(parse_blob(blob).sections[0x8001], dtype="<i4").astype(np.int64)

    def process(x):
        s = (x[:, 0].astype(np.int64) + x[:, 1]) >> 1
        return (s[:, None] * g[None, :]).astype(np.uint64).astype(np.uint32).view(np.int32)

    return process


def new_rig(tmp_path, faults=None, **kw) -> InProcessRig:
    store = FlashStore(tmp_path / "flash.bin", slot_size=SLOT, faults=faults)
    return InProcessRig(Emulator(store, CFG, processor_factory=gain_factory), **kw)


@pytest.fixture
def rig(tmp_path):
    r = new_rig(tmp_path)
    yield r
    r.close()


def active_sha(rig) -> str | None:
    return rig.device.active()[3]


def test_flash_activates_verifies_and_survives_restart(rig, tmp_path):
    blob = make_blob(1)
    res = flash(rig.device, blob)
    assert res.status == "flashed" and res.slot == 0 and res.generation == 1
    assert active_sha(rig) == hashlib.sha256(blob).hexdigest()
    rig.power_cycle(FlashStore(tmp_path / "flash.bin", slot_size=SLOT))
    info = rig.reconnect().info()
    assert info.active_sha256 == hashlib.sha256(blob).hexdigest() and info.active_slot == 0


def test_same_image_skipped_force_rewrites_other_slot(rig):
    blob = make_blob(2)
    flash(rig.device, blob)
    msgs = []
    assert flash(rig.device, blob, say=msgs.append).status == "skipped"
    assert "already active" in msgs[0] and "--force" in msgs[0]
    res = flash(rig.device, blob, force=True)
    assert res.status == "flashed" and res.slot == 1 and res.generation == 2


def test_second_profile_goes_to_other_slot_and_keeps_alternating(rig):
    a, b = make_blob(3), make_blob(4)
    assert flash(rig.device, a).slot == 0
    assert flash(rig.device, b).slot == 1
    assert flash(rig.device, a).slot == 0
    assert rig.emulator.flash.active_image() == a


@pytest.mark.parametrize("kw,what", [
    (dict(target="generic-q15"), "target generic-q15"),
    (dict(sample_rate=44100), "sample rate 44100"),
    (dict(n_drivers=5), "5 drivers"),
])
def test_incompatible_blob_refused_before_anything_is_written(rig, kw, what):
    ops = rig.emulator.store.ops
    with pytest.raises(IncompatibleBlob, match=what):
        flash(rig.device, make_blob(5, **kw))
    # and the device refuses it by itself when the host does not check
    with pytest.raises(P.NakError, match="INCOMPATIBLE") as ei:
        flash(rig.device, make_blob(5, **kw), check=False)
    assert what.split()[0] in str(ei.value)
    assert rig.emulator.store.ops == ops  # not one erase or write


SKIPPED_NO_LIMITS = ("chain memory check skipped: the device does not report its capacity "
                     "(firmware from before INFO_LIMITS)")


def test_device_without_chain_limits_still_flashes_and_the_skip_is_a_note(tmp_path):
    """A device from before INFO_LIMITS (a 92-byte INFO reply): the host flashes as
    before and says that it skipped the chain check only through `note` (--verbose)."""
    em = Emulator(FlashStore(None, slot_size=SLOT), replace(CFG, chain_limits=None),
                  processor_factory=gain_factory)
    r = InProcessRig(em)
    try:
        assert len(r.device.link.command(P.Op.INFO)) == P.INFO_REPLY.size
        assert r.device.info().chain_limits is None
        said, notes = [], []
        assert flash(r.device, make_blob(3), say=said.append, note=notes.append).status \
            == "flashed"
        assert (said, notes) == ([], [SKIPPED_NO_LIMITS])
    finally:
        r.close()


def test_emulator_default_chain_capacity_is_the_qemu_builds():
    """QEMU_CHAIN_LIMITS: the figures firmware_export/target builds the device with."""
    import re

    from firmware_export.target.chain import CHAIN_LIMITS
    from firmware_export.verify import RUNTIME_DIR

    figs = {k: int(v) for k, v in (d.split("=") for d in CHAIN_LIMITS)}
    header = (RUNTIME_DIR / "ss_chain.h").read_text()
    figs["SS_MAX_BLOCK"] = int(re.search(r"#define SS_MAX_BLOCK (\d+)", header)[1])
    assert QEMU_CHAIN_LIMITS == P.ChainLimits(
        figs["SS_MEM32_WORDS"], figs["SS_MEM64_WORDS"], figs["SS_MAX_BLOCK"],
        figs["SS_MAX_PATHS"], figs["SS_MAX_FEEDS"], figs["SS_MAX_CASCADES"])
    assert DeviceConfig().chain_limits == QEMU_CHAIN_LIMITS


@pytest.fixture(scope="module")
def compact2_blobs():
    """compact2's blob with the passive upmix (3.5k int32 words of chain memory) and with
    the adaptive one (fft 2048: about 31k), and what the adaptive one needs."""
    try:
        from firmware_export.build import blob_for_profile
        from firmware_export.verify import c_requirements
    except ImportError as e:
        pytest.skip(f"export stage not in this tree: {e}")
    from device_profiles import load_profile

    passive, adaptive = (blob_for_profile(load_profile(profile_with_upmix("compact2", m)))
                         for m in ("passive", "adaptive"))
    return passive, adaptive, c_requirements(adaptive)


SMALL_CHAIN = replace(QEMU_CHAIN_LIMITS, mem32_words=16384)  # ss_chain.h's default pool


def test_blob_whose_chain_does_not_fit_is_refused_before_anything_is_written(compact2_blobs):
    """#23: on a device with 16,384 int32 words of chain memory compact2's passive blob
    flashes; the adaptive one is refused by the host in one line before FLASH_BEGIN
    (not one flash operation), and by the device itself at ACTIVATE when the host skips
    its check; the passive profile stays active and streams."""
    from device_profiles import load_profile
    from firmware_export.blob import parse_blob

    passive, adaptive, need = compact2_blobs
    cfg = DeviceConfig.from_profile(load_profile("compact2"), chain_limits=SMALL_CHAIN)
    em = Emulator(FlashStore(None, slot_size=SLOT), cfg)
    r = InProcessRig(em)
    try:
        assert r.device.info().chain_limits == SMALL_CHAIN
        assert flash(r.device, passive).status == "flashed"
        frames: list[str] = []
        r.device.link.trace = frames.append
        ops = em.store.ops
        with pytest.raises(IncompatibleBlob) as ei:
            flash(r.device, adaptive)
        assert str(ei.value) == (
            f"blob 'compact2' does not fit this device: needs {need['mem32_words']:,} int32 "
            "words of chain memory, the device has 16,384: build a smaller upmix ([upmix] "
            "fft_size) or flash a device with more chain memory (nothing written)")
        assert [f.split()[1] for f in frames if f.startswith("->")] == ["INFO"]
        assert em.store.ops == ops
        with pytest.raises(P.NakError) as ei:
            flash(r.device, adaptive, check=False)
        assert (ei.value.op, ei.value.code) == (P.Op.ACTIVATE, P.Nak.INCOMPATIBLE)
        assert (f"chain needs {need['mem32_words']} int32 words of chain memory, the device "
                "has 16384; previous profile stays active") in str(ei.value)
        assert "\n" not in str(ei.value)
        assert r.device.info().active_sha256 == parse_blob(passive).sha256
        x, _ = streamer.make_signal("pink", fs=48000, seconds=0.02, seed=2)
        out = streamer.stream(r.device, x).output
        assert np.array_equal(out, default_processor_factory(passive)(x))
    finally:
        r.close()
    # the same blob fits the default (qemu-sized) device
    r = InProcessRig(Emulator(FlashStore(None, slot_size=SLOT),
                              replace(cfg, chain_limits=QEMU_CHAIN_LIMITS)))
    try:
        assert flash(r.device, adaptive).status == "flashed"
    finally:
        r.close()


def test_wrong_format_version_refused_by_device(tmp_path):
    r = InProcessRig(Emulator(FlashStore(None, slot_size=SLOT),
                              DeviceConfig(n_drivers=3, format_version=2)))
    try:
        with pytest.raises(IncompatibleBlob, match="blob format 1"):
            flash(r.device, make_blob(6))
        with pytest.raises(P.NakError, match="blob format 1"):
            flash(r.device, make_blob(6), check=False)
        assert r.emulator.store.ops == 0
    finally:
        r.close()


def test_too_large_and_truncated_blob(rig):
    with pytest.raises(IncompatibleBlob, match="slot holds"):
        flash(rig.device, make_blob(7, size=SLOT + 10))
    with pytest.raises(BlobError, match="truncated"):
        flash(rig.device, make_blob(7)[:-100])


def test_write_failure_leaves_old_profile(tmp_path):
    old = make_blob(8)
    r = new_rig(tmp_path, faults=FlashFaults())
    try:
        flash(r.device, old)
        r.emulator.store.faults.fail_write_at = r.emulator.store.ops + 4
        with pytest.raises(P.NakError, match="FLASH_ERROR.*failed"):
            flash(r.device, make_blob(9))
        assert active_sha(r) == hashlib.sha256(old).hexdigest()
    finally:
        r.close()


def test_readback_mismatch_refused_then_clean_rerun(tmp_path):
    old, new = make_blob(10), make_blob(11)
    r = new_rig(tmp_path, faults=FlashFaults())
    try:
        flash(r.device, old)
        r.emulator.store.faults.readback_flip = True
        with pytest.raises(P.NakError, match="VERIFY_FAILED"):
            flash(r.device, new)
        assert active_sha(r) == hashlib.sha256(old).hexdigest()
        r.emulator.store.faults.readback_flip = False
        res = flash(r.device, new)
        assert res.resumed_from == 0  # the failed session was dropped, not resumed
        assert active_sha(r) == hashlib.sha256(new).hexdigest()
    finally:
        r.close()


def _cut_and_check(tmp_path, n: int, old: bytes, new: bytes) -> str:
    """Flash `new` over `old` with the power cut at operation n after the old flash;
    restart; the active profile must be exactly old or new; a rerun must finish."""
    path = tmp_path / f"cut{n}.bin"
    path.unlink(missing_ok=True)
    r = InProcessRig(Emulator(FlashStore(path, slot_size=SLOT, faults=FlashFaults()), CFG),
                     link_timeout=0.02, retries=1)
    try:
        flash(r.device, old)
        base = r.emulator.store.ops
        r.emulator.store.faults.cut_at = base + n
        try:
            flash(r.device, new, silence=0.05)
            outcome = "completed"
        except DeviceError:
            outcome = "cut"
        assert r.emulator.dead == (outcome == "cut")
        r.power_cycle(FlashStore(path, slot_size=SLOT))
        dev = r.reconnect()
        sha = dev.active()[3]
        assert sha in (hashlib.sha256(old).hexdigest(), hashlib.sha256(new).hexdigest()), n
        assert r.emulator.flash.active_image() in (old, new)
        flash(dev, new)
        assert dev.active()[3] == hashlib.sha256(new).hexdigest()
        return outcome
    finally:
        r.close()
        r.emulator.store.close()


def _ops_for_one_flash(tmp_path, old, new) -> int:
    store = FlashStore(None, slot_size=SLOT)
    r = InProcessRig(Emulator(store, CFG))
    try:
        flash(r.device, old)
        base = store.ops
        flash(r.device, new)
        return store.ops - base
    finally:
        r.close()


def test_five_random_power_cuts(tmp_path):
    old, new = make_blob(12, size=6000), make_blob(13, size=7000)
    total = _ops_for_one_flash(tmp_path, old, new)
    for n in random.Random(5).sample(range(1, total + 1), 5):
        assert _cut_and_check(tmp_path, n, old, new) == "cut"


@pytest.mark.slow
def test_power_cut_sweep_over_every_flash_operation(tmp_path):
    old, new = make_blob(14, size=6000), make_blob(15, size=7000)
    total = _ops_for_one_flash(tmp_path, old, new)
    outcomes = [_cut_and_check(tmp_path, n, old, new) for n in range(1, total + 2)]
    assert outcomes[:-1] == ["cut"] * total and outcomes[-1] == "completed"


def test_host_killed_mid_flash_then_rerun_resumes(rig):
    old, new = make_blob(16), make_blob(17, size=40000)
    flash(rig.device, old)

    class Killed(Exception):
        pass

    def die_at_half(done, total, chunk):
        if done > total // 2:
            raise Killed

    with pytest.raises(Killed):
        flash(rig.device, new, progress=die_at_half, start_chunk=1024)
    assert active_sha(rig) == hashlib.sha256(old).hexdigest()
    dev = rig.reconnect()  # a new host process
    res = flash(dev, new)
    assert res.resumed_from >= 16384 and res.resumed_from % 4096 == 0
    assert active_sha(rig) == hashlib.sha256(new).hexdigest()


def test_resume_survives_device_restart(rig, tmp_path):
    new = make_blob(18, size=30000)
    rig.device.link.retries = 2
    rig.emulator.silent_at_offset = 20000  # the device hangs there
    with pytest.raises(P.NoAnswer, match="stopped answering"):
        flash(rig.device, new, silence=0.2)
    rig.emulator.silent_at_offset = None
    rig.power_cycle(FlashStore(tmp_path / "flash.bin", slot_size=SLOT))
    res = flash(rig.reconnect(), new)
    assert 12288 <= res.resumed_from <= 20000
    assert active_sha(rig) == hashlib.sha256(new).hexdigest()


# ---- streaming ----


def test_stream_blocks_hash_and_compare(rig):
    blob = make_blob(19)
    flash(rig.device, blob)
    x, _ = streamer.make_signal("pink", fs=48000, seconds=0.05, seed=3)
    res = streamer.stream(rig.device, x, block=333)
    ref = streamer.reference_output(gain_factory, blob, x, 333)
    # an independent check of the test processor on a few samples
    g = [19 % 7 + 1, -(19 % 5) - 1, 3]
    k = 100
    s = (int(x[k, 0]) + int(x[k, 1])) >> 1
    assert [int(v) for v in res.output[k]] == [np.int32(np.uint32((s * gi) % 2**32))
                                               for gi in g]
    assert streamer.first_mismatch(ref, res.output, 333) is None
    assert res.sha256 == streamer.hash_output(ref)
    hashed = streamer.stream(rig.device, x, hash_only=True, block=333)
    assert hashed.output is None and hashed.sha256 == res.sha256
    bad = ref.copy()
    bad[700, 2] += 1
    msg = streamer.first_mismatch(bad, res.output, 333)
    assert msg.startswith("first mismatch at driver 2, block 2, sample 34")


def test_stream_bypass_and_errors(rig):
    x = np.arange(20, dtype=np.int32).reshape(10, 2)
    with pytest.raises(P.NakError, match="NO_PROFILE"):
        streamer.stream(rig.device, x)
    rig.device.set_bypass(True)
    out = streamer.stream(rig.device, x).output
    assert np.array_equal(out, x[:, [0, 1, 0]])
    with pytest.raises(P.NakError, match="rate 44100"):
        streamer.stream(rig.device, x, sample_rate=44100)


def test_default_factory_without_fixed_chain_is_a_clear_device_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "dsp_model.fixed.chain", None)
    with pytest.raises(DeviceError, match="no fixed-point chain"):
        default_processor_factory(b"")


def test_stream_save_writes_captures_and_sweep_irs(rig, tmp_path):
    from scipy.io import wavfile

    flash(rig.device, make_blob(20))
    x, extras = streamer.make_signal("sweep", fs=48000, seconds=0.2, level_dbfs=-20)
    res = streamer.stream(rig.device, x)
    paths = streamer.save_capture(str(tmp_path / "cap.wav"), res.output, fs=48000,
                                  inverse=extras["inverse"])
    fs, cap = wavfile.read(paths[0])
    assert fs == 48000 and cap.dtype == np.int32 and np.array_equal(cap, res.output)
    _, ir = wavfile.read(paths[1])
    assert ir.shape[1] == 3
    # gains 7 and 3 on drivers 0 and 2 (no wrap at -20 dBFS): the IR peaks scale with them
    peaks = np.abs(ir).max(axis=0)
    assert peaks[2] / peaks[0] == pytest.approx(3 / (20 % 7 + 1), rel=0.05)


# Three short FIR drivers (Q15 taps on (L + R) / 2, state kept across blocks). Each has a
# zero at Nyquist: the sweep stops at 0.95 fs/2, so a response there would ring in the
# deconvolved IR and its truncation at t = 0 would leak into the band compared below.
FIR_TAPS = [np.array([0.1, 0.3, 0.3, 0.1]),
            np.convolve([0, 0, 0.7, -0.35, 0.1], [0.25, 0.5, 0.25]),
            np.array([0.5, 0, -0.5])]


def fir_factory(blob: bytes):
    q = [np.round(t * 2**15).astype(np.int64) for t in FIR_TAPS]
    hist = np.zeros(8, np.int64)

    def process(x):
        nonlocal hist
        s = np.concatenate([hist, (x[:, 0].astype(np.int64) + x[:, 1]) >> 1])
        y = np.stack([(np.convolve(s, t)[8:len(s)] + (1 << 14)) >> 15 for t in q], axis=1)
        hist = s[-8:]
        return y.astype(np.int32)

    return process


@pytest.mark.parametrize("level", [None, -20.0])
def test_sweep_ir_is_the_system_ir_at_any_level(tmp_path, level):
    """The saved sweep IR equals the device's impulse response (the capture of an
    `impulse`, divided by its amplitude): same peak, same level in band, whatever the
    sweep level (it used to carry the sweep amplitude: 0.501 at -6 dBFS, 0.1 at -20)."""
    from scipy.io import wavfile

    from dsp_model.signals import from_q31

    store = FlashStore(tmp_path / "fir.bin", slot_size=SLOT)
    rig = InProcessRig(Emulator(store, CFG, processor_factory=fir_factory))
    try:
        flash(rig.device, make_blob(26))
        x, extras = streamer.make_signal("sweep", fs=48000, seconds=1.0, level_dbfs=level)
        res = streamer.stream(rig.device, x)
        paths = streamer.save_capture(str(tmp_path / "sw.wav"), res.output, fs=48000,
                                      inverse=extras["inverse"])
        imp, _ = streamer.make_signal("impulse", fs=48000, seconds=0.1, level_dbfs=level)
        h = from_q31(streamer.stream(rig.device, imp).output) / from_q31(imp[0, 0])
    finally:
        rig.close()
    _, ir = wavfile.read(paths[1])
    assert ir.shape == h.shape == (4800, 3)
    assert np.array_equal(np.argmax(np.abs(ir), axis=0), np.argmax(np.abs(h), axis=0))
    f = np.fft.rfftfreq(len(h), 1 / 48000)
    band = (f >= 300) & (f <= 3000)
    db = 20 * np.log10(np.abs(np.fft.rfft(ir, axis=0)[band])
                       / np.abs(np.fft.rfft(h, axis=0)[band]))
    assert np.abs(db).max() < 0.1


# ---- the real commands over a real pty ----


@pytest.fixture
def pty_device(tmp_path):
    em = Emulator(FlashStore(tmp_path / "pty.bin", slot_size=SLOT), CFG,
                  processor_factory=gain_factory)
    host = PtyHost(em, baud=921600).start()
    yield host
    host.close()


def test_cli_flash_info_stream_compare_over_pty(pty_device, tmp_path, capsys, monkeypatch):
    blob_path = tmp_path / "p.blob"
    blob_path.write_bytes(make_blob(21))
    port = pty_device.path
    assert main(["flash", str(blob_path), "--port", port]) == 0
    out = capsys.readouterr().out
    assert "verified and active" in out
    assert "chain memory" not in out  # the skipped check is a --verbose note
    assert main(["flash", str(blob_path), "--port", port]) == 0
    assert "skipped" in capsys.readouterr().out
    assert main(["flash", str(blob_path), "--port", port, "--force", "-v"]) == 0
    out = capsys.readouterr().out  # (a test blob: no chain tables to size)
    assert "chain memory check skipped: C runtime refused the blob: SS_ERR_MISSING" in out
    assert "verified and active" in out
    assert main(["info", "--port", port]) == 0
    assert hashlib.sha256(blob_path.read_bytes()).hexdigest() in capsys.readouterr().out
    monkeypatch.setattr("host_tools.emulator.default_processor_factory", gain_factory)
    assert main(["stream", "multitone", "--port", port, "--seconds", "0.05", "--compare",
                 "--save", str(tmp_path / "out.wav")]) == 0
    out = capsys.readouterr().out
    assert "bit-exact" in out and "out.wav" in out


def test_cli_compare_reports_first_mismatch(pty_device, tmp_path, capsys):
    blob_path = tmp_path / "p.blob"
    blob_path.write_bytes(make_blob(22))
    assert main(["flash", str(blob_path), "--port", pty_device.path]) == 0

    def off_by_one(blob):
        p = gain_factory(blob)
        return lambda x: p(x) + np.array([0, 0, 1], dtype=np.int32)

    args = argparse.Namespace(port=pty_device.path, baud=921600, trace=False, signal="impulse",
                              seconds=0.02, seed=1, level=None, block=None, hash=False,
                              save=None, compare=True, blob=str(blob_path))
    with pytest.raises(Exception, match="driver 2, block 0, sample 0"):
        cmd_stream.run(args, factory=off_by_one)


def test_cli_subprocess_flash_over_pty(pty_device, tmp_path):
    blob_path = tmp_path / "p.blob"
    blob_path.write_bytes(make_blob(23))
    exe = [sys.executable, "-m", "host_tools.cli"]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    ok = subprocess.run(exe + ["flash", str(blob_path), "--port", pty_device.path], env=env,
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "verified and active" in ok.stdout


def test_cli_device_at_another_baud_is_one_line_error(pty_device, capsys):
    assert main(["info", "--port", pty_device.path, "--baud", "115200"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no device answers" in err[0] and "115200" in err[0]


def test_power_cut_raises_in_flash_layer():
    s = FlashStore(None, slot_size=SLOT, faults=FlashFaults(cut_at=2))
    s.write(0x3000, b"\x00" * 8)
    with pytest.raises(PowerCut):
        s.write(0x3008, b"\x00" * 8)
    assert s.read(0x3008, 8) == b"\x00" * 4 + b"\xff" * 4  # torn: half written


@pytest.mark.parametrize("name,mode", upmix_cases("compact2"))
def test_bundled_profile_flashed_and_streamed_bit_exact_over_pty(tmp_path, capsys, name, mode):
    """The whole path with the real stages: export builds compact2's blob (its shipped
    upmix, and the adaptive one), the flasher sends it over a pty, the emulator streams
    through the fixed-point chain, and --compare checks the device against the same
    chain on the host."""
    try:
        from dsp_model.fixed.chain import processor_from_blob  # noqa: F401
        from firmware_export.build import blob_for_profile  # noqa: F401
    except ImportError as e:
        pytest.skip(f"export stage or fixed-point chain not in this tree: {e}")
    from device_profiles import load_profile

    profile = profile_with_upmix(name, mode)
    prof = load_profile(profile)
    em = Emulator(FlashStore(tmp_path / "c2.bin", slot_size=SLOT), DeviceConfig.from_profile(prof))
    host = PtyHost(em).start()
    try:
        assert main(["flash", profile, "--port", host.path]) == 0
        assert "verified and active" in capsys.readouterr().out
        assert main(["stream", "pink", "--port", host.path, "--seconds", "0.1",
                     "--compare"]) == 0
        assert "bit-exact" in capsys.readouterr().out
    finally:
        host.close()


def test_wav_signal_in_and_errors(rig, tmp_path):
    from scipy.io import wavfile

    from device_profiles.errors import UserError

    flash(rig.device, make_blob(24))
    mono = (np.arange(500) * 37 % 2000 - 1000).astype(np.int16)
    wavfile.write(tmp_path / "m.wav", 48000, mono)
    x, _ = streamer.make_signal(str(tmp_path / "m.wav"), fs=48000)
    assert x.shape == (500, 2) and np.array_equal(x[:, 0], mono.astype(np.int32) << 16)
    res = streamer.stream(rig.device, x)
    assert np.array_equal(res.output, streamer.reference_output(gain_factory, make_blob(24),
                                                                x, res.block_size))
    wavfile.write(tmp_path / "r.wav", 44100, mono)
    with pytest.raises(UserError, match="44100 Hz, the device runs at 48000"):
        streamer.make_signal(str(tmp_path / "r.wav"), fs=48000)
    with pytest.raises(UserError, match="not one of sweep"):
        streamer.make_signal("chirp", fs=48000)


def test_file_signal_read_by_audio_io_with_its_checks(tmp_path, capsys):
    """stream reads audio file signals with host_tools.audio_io (as upmix and render do):
    uint8 and 24-bit PCM (WAV and FLAC) convert exactly to Q31, broken files get one line,
    never a traceback."""
    import struct
    import warnings

    from scipy.io import wavfile

    from device_profiles.errors import UserError
    from host_tools.audio_io import write_audio

    u8 = np.array([0, 64, 128, 255], np.uint8)
    wavfile.write(tmp_path / "u8.wav", 48000, u8)
    x, _ = streamer.make_signal(str(tmp_path / "u8.wav"), fs=48000)
    assert np.array_equal(x[:, 1], (u8.astype(np.int32) - 128) << 24)
    for name in ("p24.wav", "p24.flac"):
        write_audio(tmp_path / name, np.array([[0.5, -1.0], [2**-23, 0.25]]), 48000, "pcm24")
        x, _ = streamer.make_signal(str(tmp_path / name), fs=48000)
        assert np.array_equal(x, np.array([[2**30, -2**31], [2**8, 2**29]]))
    good = tmp_path / "g.wav"
    wavfile.write(good, 48000, np.zeros((100, 2), np.int16))
    b = good.read_bytes()
    odd = bytearray(b[:-1])
    struct.pack_into("<I", odd, 40, len(odd) - 44)  # data chunk not a whole frame
    nan = np.zeros((50, 2), np.float32)
    nan[7, 1] = np.nan
    wavfile.write(tmp_path / "nan.wav", 48000, nan)
    cases = {"head.wav": (b[:30], "damaged or truncated audio file"),
             "data.wav": (b[:-10], "truncated file .its 'data' chunk declares 400 bytes"),
             "odd.wav": (bytes(odd), "not a whole number of 4-byte frames"),
             "nan.wav": (None, "non-finite sample .nan. at sample 7, channel 1")}
    for name, (content, msg) in cases.items():
        if content is not None:
            (tmp_path / name).write_bytes(content)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(UserError, match=msg) as e:
                streamer.make_signal(str(tmp_path / name), fs=48000)
        assert "\n" not in str(e.value)
    for bad in ("0", "-1", "nan"):  # refused before the port is opened
        assert main(["stream", "sweep", "--port", "/dev/null", "--seconds", bad]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "--seconds" in err and "positive" in err
    with pytest.raises(UserError, match="positive"):
        streamer.make_signal("pink", fs=48000, seconds=0)


def test_ports_command_lists_or_says_none(capsys):
    assert main(["ports"]) == 0
    assert capsys.readouterr().out.strip()


def test_sequence_numbers_wrap_during_a_flash(rig):
    blob = make_blob(25, size=20000)
    rig.device.link._seq = 0xFFF8  # wraps after a few chunks
    res = flash(rig.device, blob, start_chunk=256)
    assert res.status == "flashed" and rig.device.link._seq < 0x100
    assert rig.emulator.flash.active_image() == blob


def test_docs_match_the_code():
    """Figures the docs quote, checked against the code that defines them."""
    import re

    from device_profiles import load_profile
    from dsp_model.upmix import upmix_cost
    from firmware_export.build import blob_for_profile
    from host_tools import cli
    from host_tools.cmd_flash import ProgressBar
    from host_tools.flasher import TX_BUFFER

    root = Path(__file__).resolve().parents[1]
    # PROTOCOL.md's trace: no FLASH_DATA chunk above the host's cap (offset + 2 KiB)
    proto = (root / "host_tools" / "PROTOCOL.md").read_text()
    lens = [int(n) for n in re.findall(r"-> FLASH_DATA seq=\d+ len=(\d+)", proto)]
    assert lens and max(lens) == 4 + TX_BUFFER // 2
    assert f"chunk {TX_BUFFER // 2}`" in ProgressBar.__doc__
    # BLOB_FORMAT.md's section-type table lists every section the bundled blobs carry
    fmt = (root / "firmware_export" / "BLOB_FORMAT.md").read_text()
    table = fmt.split("Section types are")[1].split("## ")[0]
    listed = {int(x, 16) for x in re.findall(r"^\| (0x[0-9A-Fa-f]{4}) \|", table, re.M)}
    from firmware_export.blob import parse_blob

    for name in ("studio5", "compact2"):
        assert set(parse_blob(blob_for_profile(load_profile(name))).sections) <= listed
    # compact2.toml quotes studio5's upmix as shipped
    s5 = load_profile("studio5")
    c2 = (root / "device_profiles" / "compact2.toml").read_text()
    assert (f"studio5's {s5.upmix.fft_size}/{s5.upmix.hop} costs "
            f"{round(upmix_cost(s5))}") in c2
    assert f"hop {s5.upmix.hop} takes" in fmt
    # README's exit codes say what the CLI's docstring says
    readme = " ".join((root / "README.md").read_text().split())
    doc = " ".join(cli.__doc__.split())
    assert doc.split("exit code: ")[1] in readme
