"""soundstage render: per-driver audio through the float design, binaural A/B preview."""

import json
import re

import bs1770
import numpy as np
import pytest
import soundfile as sf
from scipy.io import wavfile

from device_profiles import load_profile
from dsp_model.signals import pink_noise, program_noise
from host_tools.audio_io import write_audio
from host_tools.cli import main


def test_render_writes_drivers_and_binaural(tmp_path, capsys):
    fs = 48000
    x = np.zeros((fs // 2, 2))
    x[:, 0] = pink_noise(fs // 2, seed=3, level_dbfs=-20)  # hard left
    src = tmp_path / "in.wav"
    write_audio(src, x, fs)
    out, ears = tmp_path / "drivers.wav", tmp_path / "ears.wav"
    assert main(["render", str(src), "--out", str(out), "--profile", "compact2",
                 "--binaural", str(ears)]) == 0
    y, rate = sf.read(out)
    assert rate == fs and y.shape == (len(x), 2)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["channels"] == list(load_profile("compact2").driver_ids)
    e, _ = sf.read(ears)
    e_plain, _ = sf.read(tmp_path / "ears-plain.wav")
    assert e.shape == e_plain.shape == (len(x), 2)

    def ild(s):
        return 10 * np.log10(np.sum(s[:, 0].astype(float) ** 2) / np.sum(s[:, 1] ** 2))

    # a hard-left source: plain playback from drivers 10 cm apart leaves the ears
    # nearly alike (0.3 dB broadband); the processed playback (a virtual source at
    # -30 deg: a real one there gives 3.7 dB broadband on this pink noise) widens it
    assert ild(e_plain) < 1.0
    assert ild(e) > ild(e_plain) + 2.0
    assert "latency" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["float32", "pcm24"])
def test_binaural_pair_is_loudness_matched(tmp_path, capsys, fmt):
    """The A/B pair reads the same BS.1770 loudness; the louder (plain) file is the one
    scaled, by exactly the printed gain; the processed one is the driver file's ears."""
    from dsp_model.binaural import ear_signals
    from dsp_model.chain_design import plain_chain
    from dsp_model.float_chain import PassiveUpmix
    from host_tools.cmd_render import render_file

    fs = 48000
    prof = load_profile("compact2")
    x = program_noise(fs, fs=fs, seed=7)
    src, out, ears = tmp_path / "in.wav", tmp_path / "drivers.wav", tmp_path / "ears.wav"
    write_audio(src, x, fs)
    assert main(["render", str(src), "--out", str(out), "--profile", "compact2",
                 "--binaural", str(ears), "--format", fmt]) == 0
    printed = capsys.readouterr().out
    lines = [ln for ln in printed.splitlines() if "loudness-matched" in ln]
    assert len(lines) == 1 and "ears-plain.wav scaled by" in lines[0]
    gain_db = float(re.search(r"scaled by ([-+]\d+\.\d+) dB", lines[0]).group(1))
    e, _ = sf.read(ears)
    e_plain, _ = sf.read(tmp_path / "ears-plain.wav")
    assert bs1770.integrated_loudness(e) == pytest.approx(
        bs1770.integrated_loudness(e_plain), abs=0.1)
    lsb = 4 * 2.0**-23 if fmt == "pcm24" else 1e-6 * np.max(np.abs(e))  # y was rounded too
    y, _ = sf.read(out)
    assert np.max(np.abs(e - ear_signals(y, prof)[0])) <= lsb  # processed: not scaled
    y_plain, _ = render_file(plain_chain(prof), sf.read(src)[0], PassiveUpmix())
    unmatched = ear_signals(y_plain, prof)[0]
    applied = 20 * np.log10(np.sum(e_plain * unmatched) / np.sum(unmatched**2))
    assert gain_db < -10.0 and applied == pytest.approx(gain_db, abs=0.006)  # printed, 2 dp


def test_render_refuses_a_wrong_rate(tmp_path, capsys):
    src = tmp_path / "in.wav"
    write_audio(src, np.zeros((100, 2)), 44100)
    assert main(["render", str(src), "--out", str(tmp_path / "o.wav")]) == 2
    assert "--resample" in capsys.readouterr().err


def test_render_refuses_non_finite_samples(tmp_path, capsys):
    x = np.zeros((100, 2), np.float32)
    x[40, 0] = np.inf
    src = tmp_path / "in.wav"
    wavfile.write(src, 48000, x)
    out = tmp_path / "o.wav"
    assert main(["render", str(src), "--out", str(out), "--profile", "compact2"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("soundstage render: error:") and "sample 40, channel 0" in err
    assert len(err.splitlines()) == 1 and not out.exists()
