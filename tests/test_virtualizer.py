"""Virtualizer against the rigid-sphere model and analytic filter properties.

The pair's responses are taken from impulse responses through scipy's sosfilt
(time domain, FFT), the model's cues from acoustics.interaural_differences,
so neither side reuses the design's own evaluation code.
"""

import numpy as np
import pytest
from scipy import signal

from device_profiles import load_profile
from dsp_model.acoustics import interaural_differences, point_sources_to_ears
from dsp_model.virtualizer import (
    _allpass_sos,
    _shelf_sos,
    _thiran_sos,
    design_virtualizer,
    plot_virtualizer,
    virtualizer_report,
)

N = 1 << 14


@pytest.fixture(scope="module", params=["compact2", "studio5"])
def designed(request):
    p = load_profile(request.param)
    return p, design_virtualizer(p)


def _spectra(d, freqs):
    a, c = d.impulse_responses(N)
    k = np.round(freqs * N / d.sample_rate).astype(int)
    fa, fc = np.fft.rfft(a)[k], np.fft.rfft(c)[k]
    return k * d.sample_rate / N, fa, fc


def _model(p, freqs):
    th = np.deg2rad(-p.listener.virtual_angle)  # the virtual left speaker
    src = np.array([[50 * np.sin(th), -50 * np.cos(th), 0.0]])
    h = point_sources_to_ears(freqs, src, np.zeros((1, 3)), a=p.listener.head_radius)
    return h[:, 0, 0, 0], h[:, 0, 1, 0]  # ipsi (left), contra (right)


def test_ipsilateral_path_is_allpass(designed):
    _, d = designed
    a, _ = d.impulse_responses(N)
    mag = 20 * np.log10(np.abs(np.fft.rfft(a)))
    assert np.max(np.abs(mag)) < 0.01


def test_itd_and_ild_match_the_rigid_sphere(designed):
    p, d = designed
    f = np.unique(np.geomspace(20, 8000, 400).round())  # start low for the unwrap
    f, fa, fc = _spectra(d, f)
    f, idx = np.unique(f, return_index=True)
    fa, fc = fa[idx], fc[idx]
    ild, itd = interaural_differences(fa, fc, f)  # right (contra) re left (ipsi)
    hi, hc = _model(p, f)
    ild_m, itd_m = interaural_differences(hi, hc, f)
    band = f >= 200
    # average over 200 Hz - 8 kHz on a log grid
    assert np.mean(itd[band]) == pytest.approx(np.mean(itd_m[band]), rel=0.10)
    assert np.mean(np.abs(ild[band] - ild_m[band])) < 2.0
    # the source is on the left: the right ear lags and is quieter
    assert np.mean(itd[band]) < 0 and np.mean(ild[band]) < 0


def test_tonal_balance_of_summed_output_within_1db(designed):
    """Uncorrelated L', R': each ear gets |A|^2 + |C|^2; measured with noise."""
    _, d = designed
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 1 << 17))
    e_l, _ = d.process(x[0], x[1])
    f, pxx = signal.welch(e_l, fs=d.sample_rate, nperseg=4096)
    _, pin = signal.welch(x[0], fs=d.sample_rate, nperseg=4096)
    edges = 1000 * 2.0 ** (np.arange(-15, 15) / 3)  # third-octave bands, 31 Hz - 16 kHz
    g = [10 * np.log10(pxx[(f >= lo) & (f < hi)].sum() / pin[(f >= lo) & (f < hi)].sum())
         for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    assert np.ptp(g) < 2.0 + 0.4  # +-1 dB, plus the noise estimate's scatter
    # the exact curve, from the responses
    fr = np.geomspace(20, 20000, 200)
    _, fa, fc = _spectra(d, fr)
    t = 10 * np.log10(np.abs(fa) ** 2 + np.abs(fc) ** 2)
    assert np.ptp(t) <= 2.0


def test_process_is_the_2x2_matrix(designed):
    _, d = designed
    a, c = d.impulse_responses(256)
    imp = np.zeros(256)
    imp[0] = 1.0
    e_l, e_r = d.process(imp, np.zeros(256))
    assert np.allclose(e_l, a) and np.allclose(e_r, c)
    e_l, e_r = d.process(np.zeros(256), imp)
    assert np.allclose(e_l, c) and np.allclose(e_r, a)
    st = d.chain_stage()
    y = signal.sosfilt(st.contra_sos, imp)
    assert np.allclose(np.concatenate([np.zeros(st.contra_delay), y])[:256], c)


def test_shelf_dc_and_nyquist_gains():
    fs = 48000
    for order in (1, 2, 3):
        sos = _shelf_sos(800.0, 0.7, -6.0, order, fs)
        _, h = signal.sosfreqz(sos, worN=[0.0, fs / 2], fs=fs)
        assert abs(h[0]) == pytest.approx(1.0, abs=1e-9)
        assert 20 * np.log10(abs(h[1])) == pytest.approx(-6.0, abs=1e-6)
        assert np.all(np.abs(np.roots(np.r_[1.0, sos[0, 4:]])) < 1)


@pytest.mark.parametrize("dly", [0.5, 0.8, 1.0, 1.3, 1.49])
def test_thiran_low_frequency_delay(dly):
    w = np.array([1e-3, 0.05])  # rad/sample
    _, h = signal.sosfreqz(_thiran_sos(dly), worN=w)
    assert np.allclose(np.abs(h), 1.0)
    assert -np.angle(h[0]) / w[0] == pytest.approx(dly, rel=1e-4)
    assert -np.angle(h[1]) / w[1] == pytest.approx(dly, rel=1e-3)


def test_allpass_sections_are_allpass():
    for order in (1, 2):
        sos = _allpass_sos(2000.0, 0.7, order, 48000)
        _, h = signal.sosfreqz(sos, worN=512)
        assert np.allclose(np.abs(h), 1.0, atol=1e-12)


def test_report_checks_and_plot(designed, tmp_path):
    p, d = designed
    rep = virtualizer_report(p, d)
    assert all(rep["checks"].values()), rep["checks"]
    assert plot_virtualizer(p, d, tmp_path)[0].stat().st_size > 1000
