"""Midrange beamformer: metrics against analytic free-field cases, the bundled designs
against the issue-13 figures.

Analytic references (free field, e^{-j k r} / r sources, far-field plane-wave limit):
  * two omni sources on the y axis at +-d/2 fed 1 and -exp(-j w tau) (delay and
    subtract): p(theta) ~ exp(j k d/2 cos) - exp(-j w tau) exp(-j k d/2 cos), zero
    where k d cos(theta) = -w tau, i.e. cos(theta_null) = -c tau / d at any frequency;
  * two omni sources on the x axis at +-d/2 fed equally: |p(90)/p(0)| = |cos(k d/2)|;
  * a front/back-symmetric piston (the model's 2 J1(x)/x on the whole sphere): on-axis
    over mean power = Q/2 with Q = (ka)^2 / (1 - J1(2ka)/(ka)) the baffled-piston
    directivity factor (Kinsler et al.), since the rear half radiates like the front.
"""

import dataclasses
import json

import numpy as np
import pytest
from scipy.special import j1

from device_profiles import Driver, load_profile
from dsp_model.acoustics import SPEED_OF_SOUND
from dsp_model.beam_metrics import (
    band_grid,
    beam_report,
    design_feeds,
    directivity_index,
    mismatch_null_depth,
    pattern,
    pattern_figures,
    plot_beam,
    steering,
    tradeoff_table,
    wng_db,
)
from dsp_model.beamformer import (
    design_beamformer,
    mirror_groups,
    per_frequency_weights,
    plain_mix,
)

C = SPEED_OF_SOUND


def _omni(did: str, pos, axis=(0.0, 1.0, 0.0)) -> Driver:
    return Driver(id=did, role="mid", position=tuple(pos), orientation=axis, radius=1e-7,
                  band=(100.0, 10000.0))


@pytest.fixture(scope="module")
def studio5():
    return load_profile("studio5")


@pytest.fixture(scope="module")
def studio5_design(studio5):
    return design_beamformer(studio5)


@pytest.fixture(scope="module")
def studio5_report(studio5, studio5_design):
    return beam_report(studio5, studio5_design)


# ------------------------------------------------------------ metrics, analytic


@pytest.mark.parametrize("tau_frac", [0.25, 0.5, 0.8])
def test_delay_and_subtract_null_angle(tau_frac):
    d = 0.04
    tau = tau_frac * d / C
    f = np.array([1000.0])
    drv = [_omni("front", (0, d / 2, 0)), _omni("back", (0, -d / 2, 0))]
    h = np.array([[1.0, -np.exp(-2j * np.pi * f[0] * tau)]])
    az = np.arange(0.0, 180.001, 0.01)
    p = np.abs(pattern(h, steering(f, drv, az, distance=None))[0])
    expected = np.degrees(np.arccos(-C * tau / d))
    assert az[np.argmin(p)] == pytest.approx(expected, abs=0.02)
    assert p.min() / p.max() < 1e-3


def test_broadside_pair_attenuation_at_90():
    d = 0.10
    f = np.array([C / (3 * d)])  # k d / 2 = pi / 3: |cos| = 1/2 -> 6.02 dB
    drv = [_omni("l", (-d / 2, 0, 0)), _omni("r", (d / 2, 0, 0))]
    fig = pattern_figures(np.full((1, 2), 0.5), f, drv, distance=None,
                          null_angles=(-90.0, 90.0), window=45.0)
    assert fig["null_attenuation_median_db"] == pytest.approx(20 * np.log10(2), abs=1e-6)
    k = 2 * np.pi * f[0] / C
    assert fig["window_level_median_db"] == pytest.approx(
        20 * np.log10(abs(np.cos(k * d / 2 * np.sin(np.pi / 4)))), abs=1e-6)


def test_steering_of_a_source_at_the_origin_is_one_at_any_distance():
    f = np.geomspace(200, 8000, 7)
    drv = [_omni("o", (0, 0, 0))]
    for dist in (0.5, 2.0, None):
        a = steering(f, drv, np.arange(-180, 180, 30.0), distance=dist)
        assert np.allclose(a, 1.0, atol=1e-9)


def test_listening_distance_tends_to_far_field():
    p = load_profile("studio5")
    drv = [p.driver(i) for i in p.beamformer.drivers]
    f = np.array([500.0, 3000.0])
    az = np.array([0.0, 45.0, 90.0, 180.0])
    near = steering(f, drv, az, distance=2000.0)
    far = steering(f, drv, az, distance=None)
    assert np.allclose(near, far, atol=1e-3)


def test_wng_single_driver_is_0_db_and_n_in_phase_is_10_log_n():
    p = load_profile("studio5")
    drv = [p.driver("mid_up")]
    f = band_grid((400, 4000), 6)
    a0 = steering(f, drv, np.array([0.0]), distance=2.0)[:, 0]
    assert np.allclose(wng_db(1.0 / a0, a0), 0.0, atol=1e-9)
    a = np.exp(1j * np.linspace(0, 2, 3))[None, :] * np.ones((len(f), 1))
    assert np.allclose(wng_db(np.conj(a) / 3, a), 10 * np.log10(3), atol=1e-9)


def test_single_driver_beam_design_has_0_db_wng_and_flat_axis(studio5):
    bf = dataclasses.replace(studio5.beamformer, drivers=("mid_up",))
    prof = dataclasses.replace(studio5, beamformer=bf)
    d = design_beamformer(prof)
    f = band_grid(bf.band)
    fig = pattern_figures(design_feeds(d, f), f, [prof.driver("mid_up")], distance=2.0,
                          null_angles=bf.null_angles, window=bf.listening_window)
    assert fig["wng_min_db"] == pytest.approx(0.0, abs=1e-9)
    assert fig["on_axis_max_dev_db"] < 0.05


@pytest.mark.parametrize("ka", [0.5, 2.0, 4.0])
def test_directivity_index_of_a_piston(ka):
    b = 0.02
    f = np.array([ka * C / (2 * np.pi * b)])
    drv = [Driver(id="p", role="mid", position=(0, 0, 0), orientation=(0, 1, 0), radius=b,
                  band=(100.0, 20000.0))]
    q = ka**2 / (1 - j1(2 * ka) / ka)
    di = directivity_index(np.ones((1, 1)), f, drv, distance=None, n_points=4000)
    assert di[0] == pytest.approx(10 * np.log10(q / 2), abs=0.05)


def test_mismatch_without_errors_reproduces_the_nominal_null(studio5, studio5_design):
    f = band_grid(studio5.beamformer.band)
    drv = [studio5.driver(i) for i in studio5.beamformer.drivers]
    h = design_feeds(studio5_design, f)
    nominal = pattern_figures(h, f, drv, distance=2.0, null_angles=(-90.0, 90.0), window=45.0)
    r = mismatch_null_depth(h, f, drv, distance=2.0, null_angles=(-90.0, 90.0), gain_db=0.0,
                            angle_deg=0.0, draws=3)
    assert r["median_db"] == pytest.approx(nominal["null_attenuation_median_db"], abs=1e-9)


# ------------------------------------------------------------ design structure


def test_mirror_groups(studio5):
    drv = [studio5.driver(i) for i in studio5.beamformer.drivers]
    assert mirror_groups(drv, [0, 90, -90, 45, -45, 180]) == ((0, 1), (2,))
    assert mirror_groups(drv, [0, 90, 45]) == ((0,), (1,), (2,))


def test_per_frequency_weights_meet_their_constraints(studio5):
    bf = studio5.beamformer
    drv = [studio5.driver(i) for i in bf.drivers]
    f = band_grid(bf.band, 6)
    w, mu = per_frequency_weights(f, drv, distance=2.0, null_angles=bf.null_angles,
                                  window=bf.listening_window, wng_min_db=bf.wng_min_db)
    a = steering(f, drv, np.array([0.0, 45.0, -45.0]), distance=2.0)
    p = pattern(w, a)
    assert np.allclose(p[:, 0], 1.0, atol=1e-9)  # on axis exactly 0 dB
    assert np.all(20 * np.log10(np.abs(p[:, 1:])) >= -3.9 - 1e-3)
    assert np.all(wng_db(w, a[:, 0]) >= bf.wng_min_db)
    assert np.allclose(w[:, 0], w[:, 1])  # mirror pair tied
    assert np.all(mu > 0)


def test_design_object(studio5, studio5_design):
    d = studio5_design
    assert d.driver_ids == ("mid_l", "mid_r", "mid_up")
    assert d.firs.shape == (3, studio5.beamformer.taps)
    assert d.latency == studio5.beamformer.taps // 2
    assert d.band == tuple(studio5.beamformer.band)
    assert np.array_equal(d.firs[0], d.firs[1])
    assert d.macs_per_sample == 2 * studio5.beamformer.taps
    assert np.all(np.isfinite(d.firs))


def test_on_axis_is_a_delay_over_the_whole_lower_range(studio5, studio5_design):
    """Out of band the centre is plain mixing at 0 dB on axis: full band, no step."""
    f = np.geomspace(100, 4000, 60)
    drv = [studio5.driver(i) for i in studio5.beamformer.drivers]
    a0 = steering(f, drv, np.array([0.0]), distance=2.0)[:, 0]
    on = np.sum(a0 * design_feeds(studio5_design, f), axis=1)
    assert np.max(np.abs(20 * np.log10(np.abs(on)))) < 0.5
    assert np.max(np.abs(np.angle(on))) < 0.1  # latency removed: ~zero phase


# ------------------------------------------------------------ bundled figures


@pytest.mark.parametrize("where", ["distance", "far_field"])
def test_studio5_meets_the_issue_figures(studio5_report, where):
    fig = studio5_report["figures"]["beam"][where]
    assert fig["null_attenuation_median_db"] >= 15.0
    assert fig["window_level_median_db"] >= -4.0
    assert fig["on_axis_max_dev_db"] <= 1.0
    assert fig["wng_min_db"] >= -10.0
    assert studio5_report["meets_figures"]
    plain = studio5_report["figures"]["plain_mix"][where]
    assert fig["null_attenuation_median_db"] > plain["null_attenuation_median_db"] + 10


def test_studio5_design_has_less_rear_energy_than_nulls_only(studio5):
    rows = {r["label"]: r for r in tradeoff_table(studio5)}
    bundled = rows["bundled"]["distance"]
    nulls_only = rows["rear weight 0 (nulls only)"]["distance"]
    assert bundled["rear_180_median_db"] < nulls_only["rear_180_median_db"]
    assert bundled["null_attenuation_median_db"] >= 15.0


def test_compact2_is_the_two_source_pattern(tmp_path):
    """Two drivers mirrored in x: on-axis fixed leaves no freedom, so the beam is the
    in-phase pair: |p(90)/p(0)| = |cos(k d/2)| 2J1(kb)/(kb) in the far field."""
    prof = load_profile("compact2")
    d = design_beamformer(prof)
    f = band_grid(prof.beamformer.band, 6)
    drv = [prof.driver(i) for i in prof.beamformer.drivers]
    p = pattern(design_feeds(d, f), steering(f, drv, np.array([0.0, 90.0]), distance=None))
    k = 2 * np.pi * f / C
    x = k * drv[0].radius
    expected = np.abs(np.cos(k * 0.05) * 2 * j1(x) / x)
    assert np.allclose(np.abs(p[:, 1] / p[:, 0]), expected, rtol=0.02, atol=1e-3)
    rep = beam_report(prof, d)
    json.dumps(rep)
    assert rep["figures"]["beam"]["distance"]["null_attenuation_median_db"] < 15.0
    assert not rep["meets_figures"]


def test_report_is_json_and_plots_are_written(studio5, studio5_design, studio5_report,
                                              tmp_path):
    text = json.dumps(studio5_report)
    assert "tradeoff_per_frequency" in text and "mismatch" in text
    rob = studio5_report["mismatch"]["distance"]["gain_and_angle"]
    assert rob["draws"] == 50 and rob["seed"] == 13
    assert 5.0 < rob["median_db"] <= studio5_report["figures"]["beam"]["distance"][
        "null_attenuation_median_db"] + 1.0
    paths = plot_beam(studio5, studio5_design, tmp_path)
    assert len(paths) == 3
    for p in paths:
        assert (tmp_path / p.split("/")[-1]).stat().st_size > 10_000


def test_plain_mix_is_equal_feeds(studio5):
    d = plain_mix(studio5)
    assert np.allclose(d.firs, 1 / 3) and d.latency == 0


@pytest.mark.slow
def test_realized_tradeoff_follows_the_per_frequency_one(studio5):
    per_f = {r["label"]: r for r in tradeoff_table(studio5)}
    real = {r["label"]: r for r in tradeoff_table(studio5, realized=True)}
    for label, row in real.items():
        for where in ("distance", "far_field"):
            assert row[where]["wng_min_db"] >= per_f[label][where]["wng_min_db"] - 2.0
            assert row[where]["window_level_median_db"] == pytest.approx(
                per_f[label][where]["window_level_median_db"], abs=1.0)


def test_asymmetric_nulls_use_the_multi_dof_path(studio5):
    """One null at +90 only: no mirror tying, two degrees of freedom (heuristic path)."""
    bf = dataclasses.replace(studio5.beamformer, null_angles=(90.0,))
    prof = dataclasses.replace(studio5, beamformer=bf)
    d = design_beamformer(prof)
    assert len(d.groups) == 3 and d.macs_per_sample == 3 * bf.taps
    f = band_grid(bf.band)
    drv = [prof.driver(i) for i in bf.drivers]
    fig = pattern_figures(design_feeds(d, f), f, drv, distance=2.0, null_angles=(90.0,),
                          window=bf.listening_window)
    assert fig["null_attenuation_median_db"] >= 15.0
    assert fig["on_axis_max_dev_db"] <= 1.0
    assert fig["wng_min_db"] >= bf.wng_min_db
