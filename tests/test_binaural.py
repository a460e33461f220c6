"""Free-field binaural rendering against the transfer functions and geometry."""

import numpy as np
import pytest

from device_profiles import load_profile
from dsp_model.acoustics import SPEED_OF_SOUND, drivers_to_ears, listener_positions
from dsp_model.binaural import (
    apply_ear_firs,
    driver_ear_firs,
    ear_signals,
    facing_device_yaw,
    point_source_ear_firs,
    reference_pair_positions,
    source_at,
)

FS = 48000
A = 0.0875


@pytest.fixture(scope="module")
def compact2():
    return load_profile("compact2")


@pytest.mark.parametrize("f0", [437.3, 1234.5, 6007.1])
def test_fir_matches_model_between_grid_bins(compact2, f0):
    """A sinusoid off the FIR's rfft grid: steady-state amplitude and phase at each
    ear equal the model's transfer function at that frequency."""
    head = listener_positions(2.0, dx=0.3)
    n = 8192
    t = np.arange(n) / FS
    x = np.cos(2 * np.pi * f0 * t)
    sig = np.stack([x, np.zeros(n)], axis=1)  # left driver only
    ears = ear_signals(sig, compact2, head, yaw_deg=10.0)[0]
    h = drivers_to_ears(np.array([f0]), compact2, heads=head, yaw_deg=10.0)[0, 0, :, 0]
    ss = slice(4096, n)
    for e in range(2):
        want = np.abs(h[e]) * np.cos(2 * np.pi * f0 * t[ss] + np.angle(h[e]))
        err = np.max(np.abs(ears[ss, e] - want)) / np.abs(h[e])
        assert err < 0.01, (e, err)


def test_frontal_source_symmetric_and_delayed_by_distance():
    r = 2.5
    head = np.zeros((1, 3))
    src = source_at(head[0], 0.0, r)
    f = point_source_ear_firs(src, head, fs=FS, a=A)[0, :, 0]  # (2, L)
    assert np.allclose(f[0], f[1], atol=1e-12 * np.max(np.abs(f)))
    # the peak sits at the time of flight to the centre (ears at 90 deg: grazing
    # incidence, within a few samples of the centre)
    assert abs(np.argmax(f[0]) - r / SPEED_OF_SOUND * FS) <= 4


def test_mirror_symmetry():
    head = np.zeros((1, 3))
    src = source_at(head[0], [25.0, -25.0], 1.7)
    f = point_source_ear_firs(src, head, fs=FS, a=A)[0]  # (2, 2, L)
    assert np.allclose(f[0, 0], f[1, 1], atol=1e-12)
    assert np.allclose(f[1, 0], f[0, 1], atol=1e-12)


def test_facing_device_yaw_points_at_origin():
    heads = np.array([[1.0, 1.0, 0.0], [-0.5, 2.0, 0.0], [0.0, 3.0, 0.0]])
    yaw = facing_device_yaw(heads)
    assert yaw == pytest.approx([-45.0, np.rad2deg(np.arctan2(0.5, 2.0)), 0.0])
    for h, y in zip(heads, yaw, strict=True):
        p = source_at(h, 0.0, np.linalg.norm(h), yaw_deg=y)[0]
        assert np.allclose(p, 0.0, atol=1e-12)


def test_reference_pair_geometry(compact2):
    pair = reference_pair_positions(compact2)
    head = listener_positions(compact2.listener.distance)[0]
    v = pair - head
    az = np.rad2deg(np.arctan2(v[:, 0], -v[:, 1]))
    assert az == pytest.approx([-30.0, 30.0])
    assert np.linalg.norm(v, axis=1) == pytest.approx([2.0, 2.0])


def test_apply_is_linear_convolution(compact2):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((500, 2))
    firs = driver_ear_firs(compact2, n_taps=1024)
    y = apply_ear_firs(x, firs)[0]
    want = sum(np.convolve(x[:, d], firs[0, 0, d])[:500] for d in range(2))
    assert np.allclose(y[:, 0], want, atol=1e-12)
