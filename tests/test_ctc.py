"""CTC against physics: closed-form free-field inverses, independent evaluation of
the realised FIRs, and the bundled profiles' figures (issue 13)."""

import dataclasses

import numpy as np
import pytest

from device_profiles import load_profile
from dsp_model import ctc
from dsp_model.acoustics import SPEED_OF_SOUND, drivers_to_ears, listener_positions
from dsp_model.ctc_metrics import ctc_report, log_grid, plot_ctc, robustness_table
from dsp_model.virtualizer import design_virtualizer

EAR = 0.0875
SOURCES = np.array([[-0.05, 0.03, 0.0], [0.05, 0.03, 0.0]])


def free_field(freqs, heads):
    """Two point sources to two ear points (no head): exp(-jkr)/r, (F, P, 2, 2)."""
    heads = np.atleast_2d(heads)
    ears = heads[:, None, :] + np.array([[-EAR, 0, 0], [EAR, 0, 0]])[None]
    r = np.linalg.norm(ears[:, :, None, :] - SOURCES[None, None], axis=-1)
    k = 2 * np.pi * np.asarray(freqs, float)[:, None, None, None] / SPEED_OF_SOUND
    return np.exp(-1j * k * r[None]) / r[None]


def fir_response(taps, freqs, fs):
    """Independent FIR evaluation: the DTFT sum at arbitrary frequencies."""
    n = np.arange(taps.shape[-1])
    return np.einsum("...n,fn->f...", taps, np.exp(-2j * np.pi * np.outer(freqs, n) / fs))


def cancellation(h, g):
    """h (F, 2 ears, D), g (F, 2 ch, D) -> (F, 2): ch0 L/R power, ch1 R/L (dB)."""
    e = np.einsum("fed,fcd->fce", h, g)
    return 20 * np.log10(np.abs(np.stack([e[:, 0, 0] / e[:, 0, 1], e[:, 1, 1] / e[:, 1, 0]], -1)))


def test_unregularized_2x2_solution_is_the_closed_form_inverse():
    """beta -> 0 (1e-12 of the contra power; exactly 0 is singular for one position)."""
    f = np.array([300.0, 1000.0, 4000.0])
    h = free_field(f, np.array([[0.0, 2.0, 0.0]]))[:, 0]  # (F, ears, drivers)
    for ch in range(2):
        r = ctc._tikhonov_family_single(h[:, None, 1 - ch, :], np.array([1.0]), h[:, ch, :],
                                        np.full(len(f), 1e-12))
        adj = np.linalg.inv(h)[:, :, ch]  # column ch of H^-1: delivers to ear ch only
        ratio = r / adj
        assert np.allclose(ratio, ratio[:, :1], rtol=1e-6)  # same up to a scalar
        leak = np.abs(np.sum(r * h[:, 1 - ch, :], -1)) / np.abs(np.sum(r * h[:, ch, :], -1))
        assert np.all(leak < 1e-6)


def _flat_target(profile, db, limit=60.0):
    return dataclasses.replace(profile, ctc=dataclasses.replace(
        profile.ctc, target=((100.0, db), (10000.0, db)), effort_limit_db=limit))


def test_realised_fir_inverse_cancels_in_free_field():
    """Near-zero regularization: the realised FIRs approach full cancellation at the
    design point of a free-field two-source setup (evaluated in closed form)."""
    p = _flat_target(load_profile("compact2"), 40.0)
    d = ctc.design_ctc(p, regularization_scale=1e-6, model=free_field, design_spread=0.0)
    f = np.geomspace(500, 6000, 60)
    c = cancellation(free_field(f, [[0.0, 2.0, 0.0]])[:, 0],
                     fir_response(d.driver_filters(), f, p.sample_rate))
    assert np.median(c) > 45.0 and c.min() > 40.0


@pytest.mark.parametrize("db", [15.0, 30.0])
def test_free_field_design_follows_a_flat_target(db):
    p = _flat_target(load_profile("compact2"), db)
    d = ctc.design_ctc(p, model=free_field, design_spread=0.0)
    f = np.geomspace(500, 6000, 60)
    c = cancellation(free_field(f, [[0.0, 2.0, 0.0]])[:, 0],
                     fir_response(d.driver_filters(), f, p.sample_rate))
    assert np.all(np.abs(c - db) < 3.0)


@pytest.fixture(scope="module", params=["compact2", "studio5"])
def bundled(request):
    p = load_profile(request.param)
    d = ctc.design_ctc(p, design_virtualizer(p))
    return p, d


def test_rtf_structure(bundled):
    p, d = bundled
    nd = len(p.ctc.drivers)
    assert d.common.shape == (2, p.ctc.common_taps)
    assert d.ratio.shape == (2, nd, p.ctc.ratio_taps)
    assert d.drivers == tuple(p.ctc.drivers)
    full = d.driver_filters()
    # [ctc] driver_ratio_taps: that driver's ratio keeps its middle taps only
    support = [p.ctc.driver_ratio_taps.get(i, p.ctc.ratio_taps) for i in p.ctc.drivers]
    n = np.arange(p.ctc.ratio_taps)
    for ch in range(2):
        ref = d.reference[ch]
        delta = np.zeros(p.ctc.ratio_taps)
        delta[d.ratio_delay] = 1.0
        assert np.array_equal(d.ratio[ch, ref], delta)
        for k in range(nd):
            assert np.allclose(full[ch, k], np.convolve(d.common[ch], d.ratio[ch, k]))
            lo = d.ratio_delay - support[k] // 2
            outside = (n < lo) | (n >= lo + support[k])
            assert not np.any(d.ratio[ch, k, outside])
            if k != ref:
                assert d.ratio[ch, k, lo] != 0 and d.ratio[ch, k, lo + support[k] - 1] != 0
    assert d.latency == d.common_delay + d.ratio_delay
    macs = d.macs_per_sample()
    ratio_macs = sum(support[k] for ch in range(2) for k in range(nd) if k != d.reference[ch])
    assert macs["ctc_total"] == 2 * p.ctc.common_taps + ratio_macs
    if p.ctc.driver_ratio_taps:  # studio5: mid_up 48 taps, the side mids 152
        assert ratio_macs < 2 * (nd - 1) * p.ctc.ratio_taps


def test_latency_is_the_ipsi_path_delay(bundled):
    """The ipsi ear's phase slope (acoustic propagation removed) equals `latency`."""
    p, d = bundled
    f = np.linspace(1000.0, 4000.0, 100)
    drv = [p.driver(i) for i in p.ctc.drivers]
    h = drivers_to_ears(f, p, drivers=drv)[:, 0]
    e = np.einsum("fed,fcd->fce", h, fir_response(d.driver_filters(), f, p.sample_rate))
    dist = np.linalg.norm(np.array([x.position for x in drv]) - [0, p.listener.distance, 0],
                          axis=1).min()
    for ch in range(2):
        ph = np.unwrap(np.angle(e[:, ch, ch] * np.exp(2j * np.pi * f * dist / SPEED_OF_SOUND)))
        slope = -np.polyfit(2 * np.pi * f, ph, 1)[0] * p.sample_rate
        assert slope == pytest.approx(d.latency, abs=1.0)


def test_effort_limit_holds_on_a_dense_grid(bundled):
    p, d = bundled
    spec = np.abs(np.fft.rfft(d.driver_filters(), 1 << 15, axis=-1))
    assert 20 * np.log10(spec.max()) <= p.ctc.effort_limit_db + 1e-9


def test_left_channel_nulls_the_right_ear_at_the_design_point(bundled):
    """Independent evaluation: acoustic model x DTFT of the taps, 500 Hz - 6 kHz."""
    p, d = bundled
    f = log_grid(500.0, 6000.0)
    h = drivers_to_ears(f, p, drivers=[p.driver(i) for i in p.ctc.drivers])[:, 0]
    c = cancellation(h, fir_response(d.driver_filters(), f, p.sample_rate))
    assert np.median(c[:, 0]) >= 20.0 and np.median(c[:, 1]) >= 20.0


def test_cancellation_zone_shrinks_with_offset(bundled):
    """Physics: the cancellation is local; the worse channel's median falls as the
    head moves sideways (the other channel may first improve: its null moves)."""
    p, d = bundled
    f = log_grid(500.0, 6000.0)
    dx = np.array([0.0, 0.02, 0.05, 0.10])
    h = drivers_to_ears(f, p, heads=listener_positions(p.listener.distance, dx=dx),
                        drivers=[p.driver(i) for i in p.ctc.drivers])
    g = fir_response(d.driver_filters(), f, p.sample_rate)
    med = [np.median(cancellation(h[:, i], g), axis=0).min() for i in range(len(dx))]
    assert med[0] > med[1] > med[2] > med[3]


def test_bundled_report_meets_issue_figures(bundled, tmp_path):
    p, d = bundled
    rep = ctc_report(p, d, tradeoff_scales=())
    assert rep["design_point_median_db"] >= 20.0
    assert rep["target_follow"]["ok"], rep["target_follow"]
    assert rep["effort"]["ok"]
    if p.name == "compact2":
        assert rep["dx_5cm_worst_median_db"] >= 10.0
    import json

    json.dumps({k: v for k, v in rep.items()})
    paths = plot_ctc(p, d, tmp_path)
    assert all(q.stat().st_size > 1000 for q in paths)


def test_virtual_source_cues_survive_the_ctc(bundled):
    """With the virtualizer folded in, L' at the design point arrives at the ears with
    the virtualizer's contra/ipsi ratio C/A (the CTC delivers the binaural signal)."""
    p, d = bundled
    f = log_grid(500.0, 6000.0)
    h = drivers_to_ears(f, p, drivers=[p.driver(i) for i in p.ctc.drivers])[:, 0]
    e = np.einsum("fed,fcd->fce", h, fir_response(d.input_filters(), f, p.sample_rate))
    a, c = d.virtualizer.freq_response(f)
    err_db = 20 * np.log10(np.abs(e[:, 0, 1] / e[:, 0, 0])) - 20 * np.log10(np.abs(c / a))
    assert np.median(np.abs(err_db)) < 1.0 and np.max(np.abs(err_db)) < 2.0


def test_less_regularization_is_deeper_at_the_design_point():
    p = load_profile("compact2")
    f = log_grid(500.0, 6000.0)
    h = drivers_to_ears(f, p, drivers=[p.driver(i) for i in p.ctc.drivers])[:, 0]
    med = []
    for s in (0.25, 4.0):
        d = ctc.design_ctc(p, regularization_scale=s)
        med.append(np.median(cancellation(h, fir_response(d.driver_filters(), f,
                                                          p.sample_rate))[:, 0]))
    assert med[0] > med[1] + 5.0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["compact2", "studio5"])
@pytest.mark.parametrize("distance", [1.5, 2.5, 3.0])
def test_design_follows_the_target_at_other_distances(name, distance):
    p0 = load_profile(name)
    p = dataclasses.replace(p0, listener=dataclasses.replace(p0.listener, distance=distance))
    rep = ctc_report(p, ctc.design_ctc(p), tradeoff_scales=())
    assert rep["target_follow"]["ok"], rep["target_follow"]
    assert rep["design_point_median_db"] >= 20.0 and rep["effort"]["ok"]


def test_compact2_low_regularization_matches_the_independent_reference():
    """DESIGN.md: two drivers 10 cm apart at 2 m, sphere head, Tikhonov inverse gave
    about 30 dB at the design point, about 12 dB at +-5 cm, 2-8 dB at +-10 cm
    (an independent model); a lightly regularized compact2 design lands there."""
    p = load_profile("compact2")
    d = ctc.design_ctc(p, regularization_scale=0.25)
    rows = {r["case"]: r for r in robustness_table(p, d)}
    assert rows["design point"]["worst_db"] >= 26.0
    for side in ("-", "+"):
        assert 9.0 <= rows[f"dx {side}5 cm"]["mean_db"] <= 15.0
        assert 1.0 <= min(rows[f"dx {side}10 cm"]["median_db"]) <= 9.0
        assert max(rows[f"dx {side}10 cm"]["median_db"]) <= 9.0


# Ipsi-ear level re T (one average CTC driver at unit gain) at the lowest CTC
# frequencies of the designs the profiles ship (on their own heads), and the floors a
# regression would break. Measured, dB at 150/200/250/300/400 Hz: studio5 on the
# sphere and KEMAR -8.1/-5.6/-3.7/-2.4/-1.0 and -7.5/-4.8/-3.3/-2.1/-1.0 (with
# 192/96 taps for every driver -12.6/-8.4/-5.5/-3.6/-1.2 and -11.8/-7.6/-5.2/-3.3/-1.2);
# compact2 on the sphere -5.2/-4.2/-3.4/-3.0/-2.6.
LF_FREQS = np.array([150.0, 200.0, 250.0, 300.0, 400.0])
LF_IPSI_FLOOR_DB = {
    ("studio5", "sphere"): (-10.0, -7.0, -4.6, -3.0, -1.5),
    ("studio5", "kemar"): (-9.5, -6.2, -4.2, -2.7, -1.5),
    ("compact2", "sphere"): (-6.0, -5.0, -4.0, -3.5, -3.0),
}


@pytest.mark.parametrize("name", ["compact2", "studio5"])
def test_low_frequency_ipsi_level_of_the_shipped_design(name):
    """Issue 24: where the target asks for little cancellation the CTC keeps the ipsi
    level. Recomputed independently: scipy.signal.freqz of the realised driver FIRs
    through the plant (heads.driver_plant) at the design point; the report's
    ipsi_deviation gives the same figures. studio5 also still meets the target
    there (within 1 dB) on both heads: the level is not bought with cancellation
    the target asks for."""
    import os

    from scipy.signal import freqz

    import dsp_model.heads as heads
    from dsp_model.ctc_metrics import ipsi_deviation

    p = load_profile(name)
    if name == "studio5" and not os.path.isfile(heads.KEMAR_SOFA):
        pytest.skip(f"KEMAR SOFA NOT INSTALLED: {heads.KEMAR_SOFA} is missing")
    hs = heads.heads_for(p)
    d = ctc.design_ctc(p, head=hs if len(hs) > 1 else hs[0])
    g = d.driver_filters()
    tgt = ctc.target_curve_db(p, LF_FREQS)
    for head in hs:
        h = heads.driver_plant(LF_FREQS, p, head, drivers=ctc.ctc_drivers(p))[:, 0]
        for ch in range(2):
            gd = np.stack([freqz(g[ch, k], worN=LF_FREQS, fs=p.sample_rate)[1]
                           for k in range(g.shape[1])], -1)  # (F, D)
            e = np.einsum("fed,fd->fe", h, gd)
            t = np.mean(np.abs(h[:, ch, :]), axis=-1)
            ipsi = 20 * np.log10(np.abs(e[:, ch]) / t)
            floor = LF_IPSI_FLOOR_DB[name, heads.head_name(head)]
            assert np.all(ipsi >= floor), (heads.head_name(head), ch, ipsi.round(2))
            assert np.allclose(ipsi, ipsi_deviation(p, d, LF_FREQS, head=head)[:, ch],
                               atol=0.01)
            if name == "studio5":
                canc = 20 * np.log10(np.abs(e[:, ch] / e[:, 1 - ch]))
                assert np.all(canc[1:] >= tgt[1:] - 1.0), (heads.head_name(head), canc)
