"""The acoustic model against physics: textbook limits, not against itself."""

import numpy as np
import pytest

from device_profiles import load_profile
from dsp_model.acoustics import (
    SPEED_OF_SOUND,
    drivers_to_ears,
    drivers_to_points,
    interaural_differences,
    listener_positions,
    piston_directivity,
    point_sources_to_ears,
    sphere_hrtf,
)

A = 0.0875
C = SPEED_OF_SOUND
AZIMUTHS = [15.0, 30.0, 45.0, 60.0, 90.0]


def _source_at(az_deg: float, dist: float) -> np.ndarray:
    """A source at listener azimuth az (deg, + right) for a head at the origin facing -y."""
    th = np.deg2rad(az_deg)
    return np.array([[dist * np.sin(th), -dist * np.cos(th), 0.0]])


def _ratio(az_deg: float, freqs: np.ndarray, dist: float = 50.0) -> np.ndarray:
    h = point_sources_to_ears(freqs, _source_at(az_deg, dist), np.zeros((1, 3)), a=A)
    return h[:, 0, 1, 0] / h[:, 0, 0, 0]


def test_low_frequency_limit_is_unity():
    h = sphere_hrtf(np.array([1.0, 5.0]), np.linspace(0, np.pi, 7), 1000.0, a=A)
    assert np.allclose(np.abs(h), 1.0, atol=2e-3)


def test_ipsilateral_pole_pressure_doubling():
    f = np.array([20000.0, 40000.0])  # ka = 32, 64
    h = sphere_hrtf(f, 0.0, 1000.0, a=A)
    assert np.allclose(20 * np.log10(np.abs(h)), 6.02, atol=0.3)


def test_series_two_independent_evaluations_agree():
    f = np.geomspace(20, 24000, 40)
    theta = np.linspace(0, np.pi, 9)[:, None]
    for r in (0.12, 0.5, 2.0, 30.0):
        h1 = sphere_hrtf(f, theta, r, a=A, method="recursion")
        h2 = sphere_hrtf(f, theta, r, a=A, method="scipy")
        assert np.max(np.abs(h1 - h2)) < 1e-9 * np.max(np.abs(h2))


@pytest.mark.parametrize("az", AZIMUTHS)
def test_itd_kuhn_low_frequency(az):
    f = np.arange(10.0, 210.0, 2.0)
    _, itd = interaural_differences(np.ones_like(f), _ratio(az, f), f)
    sel = f >= 50
    kuhn = 3 * A / C * np.sin(np.deg2rad(az))
    assert itd[sel].mean() == pytest.approx(kuhn, rel=0.05)


@pytest.mark.parametrize("az", AZIMUTHS)
def test_itd_woodworth_high_frequency(az):
    f = np.arange(20.0, 20000.0, 5.0)
    phase = np.unwrap(np.angle(_ratio(az, f)))
    group_delay = np.gradient(phase, 2 * np.pi * f)
    ka = 2 * np.pi * f * A / C
    th = np.deg2rad(az)
    woodworth = A / C * (th + np.sin(th))
    assert group_delay[ka >= 8].mean() == pytest.approx(woodworth, rel=0.10)
    # the measured low-frequency phase delay is larger than this group delay
    low = (f >= 50) & (f <= 200)
    assert (phase[low] / (2 * np.pi * f[low])).mean() > 1.1 * group_delay[ka >= 8].mean()


def test_left_right_symmetry():
    f = np.geomspace(50, 16000, 30)
    srcs = np.concatenate([_source_at(35, 1.5), _source_at(-35, 1.5)])
    h = point_sources_to_ears(f, srcs, np.zeros((1, 3)), a=A)
    assert np.allclose(h[:, 0, 0, 0], h[:, 0, 1, 1], rtol=1e-12, atol=1e-15)
    assert np.allclose(h[:, 0, 1, 0], h[:, 0, 0, 1], rtol=1e-12, atol=1e-15)


def test_reciprocity_of_the_sphere_series():
    # Swapping source distance and ear roles is not defined for a point ear on a
    # sphere, but the series must depend on the angle only through cos(theta),
    # so +theta and -theta give the same pressure.
    f = np.geomspace(100, 10000, 12)
    assert np.allclose(sphere_hrtf(f, 0.7, 2.0, a=A), sphere_hrtf(f, -0.7, 2.0, a=A))


def test_piston_on_axis_and_first_null():
    f = np.array([1000.0, 5000.0])
    assert np.allclose(piston_directivity(f, 0.05, np.array([1.0])), 1.0)
    b = 0.05
    fr = 8000.0
    k = 2 * np.pi * fr / C
    phi = np.arcsin(3.8317 / (k * b))
    d = piston_directivity(np.array([fr]), b, np.cos([phi - 0.05, phi, phi + 0.05]))[0]
    assert abs(d[1]) < 1e-3
    assert d[0] > 0 > d[2]  # the lobe changes sign through the null


def test_free_field_delay_and_spreading():
    prof = load_profile("compact2")
    f = np.array([100.0, 1000.0])
    pt = np.array([[0.0, 2.0, 0.0]])
    p = drivers_to_points(f, prof.drivers, pt)
    r = np.linalg.norm(pt[0] - np.array(prof.drivers[0].position))
    assert np.allclose(np.abs(p[0, 0, 0]), 1 / r, rtol=1e-3)
    expected_phase = np.angle(np.exp(-2j * np.pi * 1000 * r / C))
    assert np.angle(p[1, 0, 0] / np.abs(p[1, 0, 0])) == pytest.approx(expected_phase, abs=1e-6)


def test_drivers_to_ears_shapes_and_geometry():
    prof = load_profile("compact2")
    f = np.geomspace(100, 8000, 16)
    heads = listener_positions(prof.listener.distance, dx=[0.0, 0.05, -0.05])
    h = drivers_to_ears(f, prof, heads=heads)
    assert h.shape == (16, 3, 2, 2)
    # centred listener: the left driver is louder at the left ear than at the right
    # above a few kHz (head shadow), and the picture is mirror-symmetric
    assert np.all(np.abs(h[-4:, 0, 0, 0]) > np.abs(h[-4:, 0, 1, 0]))
    assert np.allclose(h[:, 0, 0, 0], h[:, 0, 1, 1])
    assert np.allclose(h[:, 1, 0, 0], h[:, 2, 1, 1])
