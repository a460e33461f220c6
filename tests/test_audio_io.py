"""Audio file reading/writing (host_tools.audio_io, on soundfile) and the `soundstage upmix`
command."""

from __future__ import annotations

import struct

import numpy as np
import pytest
import soundfile as sf
from scipy.io import wavfile

from device_profiles.errors import UserError
from host_tools.audio_io import read_audio, read_stereo, write_audio
from host_tools.cli import main


@pytest.mark.parametrize("dtype, scale", [(np.int16, 2.0**15), (np.int32, 2.0**31),
                                          (np.float32, 1.0), (np.float64, 1.0)])
def test_reads_pcm_and_float_scaled(tmp_path, dtype, scale):
    rng = np.random.default_rng(1)
    if np.issubdtype(dtype, np.integer):
        raw = rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max, (500, 2), dtype=dtype)
    else:
        raw = rng.uniform(-1, 1, (500, 2)).astype(dtype)
    p = tmp_path / "x.wav"
    wavfile.write(p, 44100, raw)
    x, fs = read_audio(p)
    assert fs == 44100 and x.dtype == np.float64 and x.shape == (500, 2)
    assert np.array_equal(x, raw.astype(np.float64) / scale)


def test_pcm24_bytes_and_roundtrip(tmp_path):
    p = tmp_path / "x24.wav"
    x = np.array([[0.5, -1.0], [1.0, 0.25 / 2**21], [-0.5, 2.0]])
    write_audio(p, x, 48000, "pcm24")
    b = p.read_bytes()
    # header: PCM (1), 2 channels, 48000 Hz, 6 bytes per frame, 24 bits
    fmt = struct.unpack("<HHIIHH", b[20:36])
    assert fmt == (1, 2, 48000, 48000 * 6, 6, 24)
    data = b[44:]
    assert data[:6] == bytes([0x00, 0x00, 0x40, 0x00, 0x00, 0x80])  # +0.5, -1.0
    assert data[6:12] == bytes([0xFF, 0xFF, 0x7F, 0x01, 0x00, 0x00])  # +1 saturates, 1 LSB
    assert data[12:18] == bytes([0x00, 0x00, 0xC0, 0xFF, 0xFF, 0x7F])  # -0.5, +2 saturates
    y, fs = read_audio(p)
    assert fs == 48000
    assert np.array_equal(y, np.clip(np.round(x * 2**23), -(2**23), 2**23 - 1) / 2**23)


def test_float32_write_roundtrip(tmp_path):
    x = np.random.default_rng(2).uniform(-1, 1, (300, 3))
    write_audio(tmp_path / "f.wav", x, 48000)
    y, fs = read_audio(tmp_path / "f.wav")
    assert y.shape == (300, 3) and np.array_equal(y, x.astype(np.float32).astype(np.float64))


def test_mono_is_duplicated_and_channel_count_checked(tmp_path):
    wavfile.write(tmp_path / "m.wav", 48000, np.arange(10, dtype=np.int16))
    x, _ = read_stereo(tmp_path / "m.wav", 48000)
    assert x.shape == (10, 2) and np.array_equal(x[:, 0], x[:, 1])
    wavfile.write(tmp_path / "c3.wav", 48000, np.zeros((10, 3), np.int16))
    with pytest.raises(UserError, match="3 channels; only mono or stereo"):
        read_stereo(tmp_path / "c3.wav", 48000)


def test_sample_rate_mismatch_and_resample(tmp_path):
    fs_in, f0 = 44100, 1000.0
    t = np.arange(fs_in) / fs_in
    wavfile.write(tmp_path / "s.wav", fs_in, (0.5 * np.sin(2 * np.pi * f0 * t)).astype(np.float32))
    with pytest.raises(UserError, match="44100 Hz.*48000 Hz.*--resample"):
        read_stereo(tmp_path / "s.wav", 48000)
    x, fs = read_stereo(tmp_path / "s.wav", 48000, resample=True)
    assert fs == 48000 and len(x) == 48000
    spec = np.abs(np.fft.rfft(x[:, 0] * np.hanning(len(x))))
    assert np.argmax(spec) == pytest.approx(f0, abs=1)  # 1 Hz bins at 48000 points
    assert np.sqrt(np.mean(x[2000:-2000, 0] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=1e-3)


def test_bad_files_give_one_line_errors(tmp_path):
    good = tmp_path / "g.wav"
    wavfile.write(good, 48000, np.zeros((1000, 2), np.int16))
    b = good.read_bytes()
    cases = {
        "empty.wav": (b"", "empty file"),
        "text.wav": (b"hello, not audio at all", "not an audio file libsndfile reads"),
        "cut.wav": (b[:-10], r"truncated file \(its 'data' chunk declares 4000 bytes, 3990 "
                    "present"),
        "head.wav": (b[:40], "damaged or truncated audio file"),
    }
    wavfile.write(tmp_path / "zero.wav", 48000, np.zeros((0, 2), np.int16))
    cases["zero.wav"] = ((tmp_path / "zero.wav").read_bytes(), "no samples")
    for name, (content, msg) in cases.items():
        p = tmp_path / name
        p.write_bytes(content)
        with pytest.raises(UserError, match=msg) as e:
            read_audio(p)
        assert "\n" not in str(e.value)
    with pytest.raises(UserError, match="no such file"):
        read_audio(tmp_path / "missing.wav")


def test_upmix_command_writes_lprime_rprime_c(tmp_path, capsys):
    rng = np.random.default_rng(3)
    x = rng.uniform(-0.5, 0.5, (12_000, 2))
    src = tmp_path / "in.wav"
    write_audio(src, x, 48000, "pcm24")
    out = tmp_path / "out.wav"
    assert main(["upmix", str(src), "--out", str(out), "--profile", "compact2"]) == 0
    assert "latency 1023 samples" in capsys.readouterr().out
    y, fs = sf.read(out, dtype="float32")
    assert fs == 48000 and sf.info(out).subtype == "FLOAT" and y.shape == (12_000, 3)
    xin, _ = read_audio(src)
    # aligned with the input: L' + C = L, R' + C = R to float32 precision
    assert np.max(np.abs(y[:, 0] + y[:, 2] - xin[:, 0])) < 1e-6
    assert np.max(np.abs(y[:, 1] + y[:, 2] - xin[:, 1])) < 1e-6


def test_upmix_command_refuses_bad_input(tmp_path, capsys):
    wavfile.write(tmp_path / "q.wav", 48000, np.zeros((100, 4), np.int16))
    assert main(["upmix", str(tmp_path / "q.wav"), "--out", str(tmp_path / "o.wav")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("soundstage upmix: error:") and "4 channels" in err
    assert len(err.splitlines()) == 1
    wavfile.write(tmp_path / "r.wav", 32000, np.zeros((100, 2), np.int16))
    assert main(["upmix", str(tmp_path / "r.wav"), "--out", str(tmp_path / "o.wav")]) == 2
    assert "--resample" in capsys.readouterr().err
    assert not (tmp_path / "o.wav").exists()
    # an output FLAC cannot hold is refused before the input is read
    assert main(["upmix", str(tmp_path / "missing.wav"), "--out", str(tmp_path / "o.flac")]) == 2
    err = capsys.readouterr().err.strip()
    assert "o.flac: FLAC holds integer PCM only" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_float_samples_refused(tmp_path, capsys, bad):
    x = np.zeros((200, 2), np.float32)
    x[123, 1] = bad
    x[150, 0] = np.nan
    p = tmp_path / "bad.wav"
    wavfile.write(p, 48000, x)
    with pytest.raises(UserError, match=r"bad.wav: non-finite sample .* at sample 123, "
                       r"channel 1 \(2 in all\)") as e:
        read_audio(p)
    assert "\n" not in str(e.value)
    out = tmp_path / "o.wav"
    assert main(["upmix", str(p), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("soundstage upmix: error:") and "non-finite" in err
    assert len(err.splitlines()) == 1 and not out.exists()


def test_frames_cut_mid_frame_and_short_fmt_are_one_line(tmp_path):
    good = tmp_path / "g.wav"
    wavfile.write(good, 48000, np.zeros((100, 2), np.int16))
    b = bytearray(good.read_bytes()[:-1])
    struct.pack_into("<I", b, 40, len(b) - 44)  # data length consistent, but 399.75 frames
    (tmp_path / "odd.wav").write_bytes(bytes(b))
    with pytest.raises(UserError, match="not a whole number of 4-byte frames"):
        read_audio(tmp_path / "odd.wav")
    (tmp_path / "fmt.wav").write_bytes(good.read_bytes()[:30])
    with pytest.raises(UserError, match=r"damaged or truncated audio file \(.*No 'data' chunk"):
        read_audio(tmp_path / "fmt.wav")


def _corners_and_noise(bits: int, n: int = 500) -> np.ndarray:
    """(n + 7, 2) int64 b-bit samples: both extremes, their neighbours, -1, 0, 1, then
    seeded uniform ones."""
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    c = np.array([lo, lo + 1, -1, 0, 1, hi - 1, hi])
    rng = np.random.default_rng(bits)
    return np.concatenate([np.stack([c, c[::-1]], axis=1),
                           rng.integers(lo, hi, (n, 2), endpoint=True)])


@pytest.mark.parametrize("bits", [8, 16, 24, 32])
def test_wav_pcm_reads_as_exact_q31(tmp_path, bits):
    """Integer samples v written by the stdlib wave module (an independent writer: b-bit
    little-endian two's complement, 8-bit unsigned with 128 as zero) read back as v / 2^(b-1):
    times 2^31 that is v << (32 - b), the Q31 word, exactly."""
    import wave

    v = _corners_and_noise(bits)
    nbytes = bits // 8
    raw = (v + 128 if bits == 8 else v).astype("<i8").view(np.uint8).reshape(-1, 8)[:, :nbytes]
    p = tmp_path / f"pcm{bits}.wav"
    with wave.open(str(p), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(nbytes)
        w.setframerate(48000)
        w.writeframes(raw.tobytes())
    x, fs = read_audio(p)
    q31 = x * 2.0**31
    assert fs == 48000 and np.array_equal(q31, np.round(q31))
    assert np.array_equal(q31.astype(np.int64), v << (32 - bits))


@pytest.mark.parametrize("container, bits", [("AIFF", 8), ("AIFF", 16), ("AIFF", 24),
                                             ("AIFF", 32), ("FLAC", 8), ("FLAC", 16),
                                             ("FLAC", 24)])
def test_aiff_and_flac_pcm_read_as_exact_q31(tmp_path, container, bits):
    """b-bit samples v written by soundfile's integer writer (int32 v << (32 - b)) read back
    as exactly v << (32 - b) in Q31. The AIFF's sample bytes are checked to be v itself
    (big-endian b-bit), so writer and reader are not only each other's inverse; FLAC is
    lossless and has no second codec here, so for it the round trip is the check."""
    v = _corners_and_noise(bits)
    p = tmp_path / f"x{bits}.{container.lower()}"
    sf.write(p, (v << (32 - bits)).astype(np.int32), 44100, format=container,
             subtype="PCM_S8" if bits == 8 else f"PCM_{bits}")
    if container == "AIFF":
        b = p.read_bytes()
        at = b.index(b"SSND") + 16  # chunk id, size, offset, block size
        nbytes = bits // 8
        want = v.astype(">i8").view(np.uint8).reshape(-1, 8)[:, 8 - nbytes:].tobytes()
        assert b[at:at + len(want)] == want
    x, fs = read_audio(p)
    assert fs == 44100 and np.array_equal((x * 2.0**31).astype(np.int64), v << (32 - bits))


@pytest.mark.parametrize("name, container", [("x.wav", "WAV"), ("x.flac", "FLAC"),
                                             ("x.aiff", "AIFF"), ("x.AIF", "AIFF"),
                                             ("x.rf64", "RF64"), ("x.out", "WAV")])
def test_pcm24_round_trip_in_each_container(tmp_path, name, container):
    x = np.random.default_rng(4).uniform(-1.1, 1.1, (400, 2))  # some beyond full scale
    p = tmp_path / name
    write_audio(p, x, 44100, "pcm24")
    info = sf.info(p)
    assert (info.format, info.subtype, info.samplerate) == (container, "PCM_24", 44100)
    y, fs = read_audio(p)
    assert fs == 44100
    assert np.array_equal(y, np.clip(np.round(x * 2**23), -(2**23), 2**23 - 1) / 2**23)


def test_float32_round_trip_in_aiff_and_rf64_and_flac_refused(tmp_path):
    x = np.random.default_rng(5).uniform(-1, 1, (300, 3))
    for name in ("x.aiff", "x.rf64"):
        write_audio(tmp_path / name, x, 48000)
        assert sf.info(tmp_path / name).subtype == "FLOAT"
        y, _ = read_audio(tmp_path / name)
        assert np.array_equal(y, x.astype(np.float32).astype(np.float64))
    with pytest.raises(UserError, match="x.flac: FLAC holds integer PCM only.*--format pcm24"):
        write_audio(tmp_path / "x.flac", x, 48000)
    assert not (tmp_path / "x.flac").exists()
    with pytest.raises(UserError, match="unknown output format 'pcm16'"):
        write_audio(tmp_path / "x.wav", x, 48000, "pcm16")
    with pytest.raises(UserError, match="cannot write .*folder exists") as e:
        write_audio(tmp_path / "no" / "x.wav", x, 48000)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("name, msg", [
    ("x.aiff", r"truncated file \(its 'SSND' chunk declares 1808 bytes, 1798 present\)"),
    ("x.rf64", r"truncated file \(the header declares 300 frames, 298 present\)"),
    ("x.flac", r"damaged or truncated audio file \(flac decoder lost sync\)"),
])
def test_truncated_aiff_rf64_flac_give_one_line(tmp_path, name, msg):
    """libsndfile reads what is left of a cut AIFF or RF64 without an error (its log
    says so) and stops a cut FLAC with one: each is refused, in one line."""
    p = tmp_path / name
    write_audio(p, np.random.default_rng(6).uniform(-1, 1, (300, 2)), 48000, "pcm24")
    p.write_bytes(p.read_bytes()[:-10])
    with pytest.raises(UserError, match=msg) as e:
        read_audio(p)
    assert "\n" not in str(e.value) and "copy or export it again" in str(e.value)


def test_aiff_with_fewer_frames_than_its_comm_chunk_is_truncated(tmp_path):
    """Cut two frames and mend the FORM and SSND sizes: only the COMM chunk's frame count
    still tells the file is short."""
    p = tmp_path / "x.aiff"
    write_audio(p, np.zeros((300, 2)), 48000, "pcm24")
    b = bytearray(p.read_bytes()[:-12])
    at = b.index(b"SSND")
    struct.pack_into(">I", b, 4, len(b) - 8)
    struct.pack_into(">I", b, at + 4, len(b) - at - 8)
    p.write_bytes(bytes(b))
    with pytest.raises(UserError, match=r"the header declares 300 frames, 298 present"):
        read_audio(p)


def test_streamed_and_padded_wavs_are_read(tmp_path):
    """What libsndfile rightly accepts stays accepted: a WAV written to a pipe (RIFF and
    data sizes 0xFFFFFFFF), one with a chunk after the data, one with bytes after the
    RIFF chunk."""
    x = np.random.default_rng(7).uniform(-1, 1, (200, 2))
    write_audio(tmp_path / "g.wav", x, 48000, "pcm24")
    good = tmp_path.joinpath("g.wav").read_bytes()
    piped = bytearray(good)
    struct.pack_into("<I", piped, 4, 0xFFFFFFFF)
    struct.pack_into("<I", piped, 40, 0xFFFFFFFF)
    listed = bytearray(good + b"LIST" + struct.pack("<I", 8) + b"INFOabcd")
    struct.pack_into("<I", listed, 4, len(listed) - 8)
    files = {"piped.wav": piped, "listed.wav": listed, "padded.wav": good + bytes(7)}
    want, _ = read_audio(tmp_path / "g.wav")
    for name, content in files.items():
        tmp_path.joinpath(name).write_bytes(bytes(content))
        y, _ = read_audio(tmp_path / name)
        assert np.array_equal(y, want), name
