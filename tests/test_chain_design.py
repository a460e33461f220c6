import numpy as np
import pytest
from scipy.signal import sosfreqz

from device_profiles import load_profile
from dsp_model.chain_design import _rbj_biquad, driver_sos, plain_chain


def _resp(sos, f, fs):
    return sosfreqz(sos, worN=f, fs=fs)[1]


def test_linkwitz_riley_pair_sums_to_allpass():
    prof = load_profile("studio5")
    fs = prof.sample_rate
    f = np.geomspace(20, 20000, 200)
    # woofer low-pass at 180 Hz and mid high-pass at 180 Hz: LR4 sums flat
    lp = driver_sos(prof, "woofer")[:2]
    hp = driver_sos(prof, "mid_l")[:2]
    total = _resp(lp, f, fs) + _resp(hp, f, fs)
    assert np.allclose(np.abs(total), 1.0, atol=1e-3)
    # -6 dB each at the crossover frequency (Linkwitz-Riley)
    assert 20 * np.log10(abs(_resp(lp, [180.0], fs)[0])) == pytest.approx(-6.02, abs=0.05)


def test_sections_share_the_gain():
    # a low cutoff must not leave a section with tiny b coefficients (Q31 underflow)
    prof = load_profile("studio5")
    sos = driver_sos(prof, "woofer")
    assert np.min(np.abs(sos[:2, :3][np.abs(sos[:2, :3]) > 0])) > 1e-5


def test_peaking_eq_has_its_gain_at_f0():
    fs = 48000
    sos = _rbj_biquad("peaking", 1000.0, 1.0, 6.0, fs)[None]
    h = _resp(sos, [1000.0, 20.0, 20000.0], fs)
    assert 20 * np.log10(abs(h[0])) == pytest.approx(6.0, abs=1e-6)
    assert abs(20 * np.log10(abs(h[1]))) < 0.05


def test_plain_chain_maps_sides():
    prof = load_profile("compact2")
    ch = plain_chain(prof)
    assert ch.n_drivers == 2
    assert ch.paths[0].ratio[0][0] == 1.0 and ch.paths[0].ratio[1][0] == 0.0
    assert ch.paths[1].ratio[1][0] == 1.0
    prof5 = load_profile("studio5")
    ch5 = plain_chain(prof5)
    assert ch5.paths[0].ratio[prof5.driver_index("mid_up")][0] == 0.5
