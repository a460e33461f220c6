"""Loudness (dsp_model/loudness.py): the BS.1770 meter against the recommendation,
the program noise against music, and the design's loudness cost against its ear signals."""

import json

import bs1770
import numpy as np
import pytest
import upmix_stimuli as stim

from device_profiles import load_profile
from dsp_model.binaural import ear_signals
from dsp_model.chain_design import plain_chain
from dsp_model.design import design_chain
from dsp_model.float_chain import FloatChain, PassiveUpmix
from dsp_model.loudness import integrated_loudness, loudness_cost, matching_gains_db
from dsp_model.signals import db_to_amp, pink_noise, program_noise

FS = 48000


def _sine(seconds: float, dbfs: float, f: float = 997.0) -> np.ndarray:
    t = np.arange(int(seconds * FS)) / FS
    return db_to_amp(dbfs) * np.sin(2 * np.pi * f * t)


@pytest.mark.parametrize("meter", ["dsp_model", "reference"])
def test_997_hz_sine_reads_the_recommendations_value(meter):
    """BS.1770-4: a 0 dBFS 997 Hz sine in the left, centre or right channel reads
    -3.01 LKFS; the same in L and R (two channels, powers summed) 3.01 LU more."""
    def lufs(x):
        return integrated_loudness(x, FS) if meter == "dsp_model" else bs1770.integrated_loudness(x)

    s = _sine(5.0, -20.0)
    assert lufs(np.stack([s, 0 * s], axis=1)) == pytest.approx(-23.01, abs=0.01)
    assert lufs(np.stack([0 * s, s], axis=1)) == pytest.approx(-23.01, abs=0.01)
    assert lufs(np.stack([s, s], axis=1)) == pytest.approx(-20.00, abs=0.01)


def test_meter_agrees_with_the_recommendation_through_both_gates():
    """Program noise, a passage 30 dB down (under the relative gate), silence (under
    the absolute one), then louder pink noise: the meter reads what the
    recommendation's formulas give, and the gates matter here (not gating would
    read more than 1 LU lower)."""
    x = np.concatenate([
        program_noise(3 * FS, fs=FS, seed=1, peak_dbfs=-6.0),
        db_to_amp(-30.0) * program_noise(FS, fs=FS, seed=2, peak_dbfs=-6.0),
        np.zeros((FS, 2)),
        pink_noise(2 * FS, seed=3, level_dbfs=-15.0, channels=2),
    ])
    ref = bs1770.integrated_loudness(x)
    assert integrated_loudness(x, FS) == pytest.approx(ref, abs=0.005)
    ungated = -0.691 + 10 * np.log10(bs1770.block_powers(x).mean(axis=0).sum())
    assert ungated < ref - 1.0


def test_two_channels_sum_their_powers():
    e = pink_noise(2 * FS, seed=4, level_dbfs=-25.0)
    one = integrated_loudness(np.stack([e, 0 * e], axis=1), FS)
    assert integrated_loudness(np.stack([e, e], axis=1), FS) == pytest.approx(
        one + 10 * np.log10(2), abs=0.005)


def test_shorter_than_a_block_is_refused():
    with pytest.raises(ValueError, match="0.4 s block"):
        integrated_loudness(np.zeros((int(0.39 * FS), 2)), FS)
    assert integrated_loudness(np.zeros((FS, 2)), FS) == -np.inf


def test_matching_attenuates_the_louder_only():
    assert matching_gains_db(-30.0, -10.0) == (0.0, -20.0)
    assert matching_gains_db(-10.0, -30.0) == (-20.0, 0.0)
    assert matching_gains_db(-12.0, -12.0) == (0.0, 0.0)
    assert matching_gains_db(-np.inf, -10.0) is None


@pytest.fixture(scope="module")
def designs():
    return {name: (load_profile(name), design_chain(load_profile(name)))
            for name in ("compact2", "studio5")}


@pytest.mark.parametrize("name", ["compact2", "studio5"])
def test_program_noise_costs_what_music_costs(designs, name):
    """The design's stand-in for music gives the loudness cost of the upmix's music
    mix (d) within 1 LU below it and 2 LU above it (a conservative stand-in is
    allowed more): with the adaptive upmix compact2 reads 14.0 against 12.4 (the
    noise's independent sides keep more of it in L', R', which the CTC costs)."""
    prof, design = designs[name]
    lr = stim.music_mix(4.0, seed=5).lr
    music = loudness_cost(prof, design, lr * (db_to_amp(-1.0) / np.max(np.abs(lr))))
    noise = loudness_cost(prof, design)
    assert music["stimulus"]["peak_dbfs"] == pytest.approx(-1.0)
    assert music["cost_lu"] - 1.0 <= noise["cost_lu"] <= music["cost_lu"] + 2.0


def _latency_free(design, x, upmix=None):
    ch = FloatChain(design, upmix=upmix)
    return ch.process(np.concatenate([x, np.zeros((ch.latency, 2))]))[ch.latency:]


def test_design_metrics_carry_the_loudness_of_the_ear_signals(designs, tmp_path, capsys):
    """`soundstage design --out` writes the loudness cost into metrics.json and the
    report; recomputed here from the named stimulus, the design's binaural model and
    the recommendation's meter, it is the same figure."""
    from host_tools.cli import main

    prof, design = designs["studio5"]
    main(["design", "studio5", "--out", str(tmp_path), "--no-plots"])
    out = capsys.readouterr().out
    m = json.loads((tmp_path / "metrics.json").read_text())["loudness"]
    st = m["stimulus"]
    assert st["signal"].startswith("signals.program_noise") and st["seconds"] <= 5.0
    x = program_noise(int(round(st["seconds"] * FS)), fs=FS, seed=st["seed"],
                      peak_dbfs=st["peak_dbfs"])
    y = _latency_free(design, x)
    y_plain = _latency_free(plain_chain(prof), x, PassiveUpmix())
    spatial = bs1770.integrated_loudness(ear_signals(y, prof)[0])
    plain = bs1770.integrated_loudness(ear_signals(y_plain, prof)[0])
    assert m["spatial_lufs"] == pytest.approx(spatial, abs=0.01)
    assert m["plain_lufs"] == pytest.approx(plain, abs=0.01)
    assert m["cost_lu"] == pytest.approx(plain - spatial, abs=0.01)
    assert m["peak_driver_dbfs"] == pytest.approx(20 * np.log10(np.max(np.abs(y))), abs=1e-6)
    assert m["peak_driver"] == prof.drivers[int(np.argmax(np.max(np.abs(y), axis=0)))].id
    assert f"{m['cost_lu']:.1f} LU quieter than plain stereo" in out
    assert f"{m['peak_driver_dbfs']:.1f} dBFS ({m['peak_driver']})" in out
