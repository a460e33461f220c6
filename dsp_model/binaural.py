"""Binaural rendering in free field: per-driver signals -> the two ear signals.

The ear signals are what a listener's eardrums would get from the device (or
from a reference stereo pair of point sources) in an anechoic space, with the
plant of `dsp_model.heads`: free-field propagation, baffled-piston driver
directivity and a head, the profile's choice by default (`head=` any head
object of dsp_model.heads: the rigid sphere of dsp_model.acoustics (Duda &
Martens 1998), a measured HRIR set such as KEMAR, or measured device -> ear
responses).

Transfer functions -> FIR: the model is evaluated on the rfft grid of an
`n_taps`-point FFT (default: a power of two holding the longest propagation
delay plus 512 samples for the head and piston responses) and turned into a
causal FIR by the inverse FFT. Propagation delays are kept absolute (r / c), so
an ear signal is what a microphone at the ear records, including the time of
flight from the device, with 1/r spreading normalised to unit gain at 1 m (a
listener at 2 m gets about -6 dB: scale before writing audio). The rfft grid
is exact at its own bins; between them the FIR interpolates, and the tests check
a sinusoid at an off-grid frequency.

Listener geometry is the profile's (device_profiles/_schema.py): head centres
(P, 3), the listener facing -y (the device) turned by `yaw_deg` (+ = toward +x,
the listener's right). `facing_device_yaw` gives the yaw at which a head at any
position looks straight at the device.
"""

from __future__ import annotations

import numpy as np

from dsp_model.acoustics import SPEED_OF_SOUND, listener_positions
from dsp_model.heads import SphereHead, driver_plant, head_for, source_plant

__all__ = [
    "fir_length",
    "driver_ear_firs",
    "point_source_ear_firs",
    "apply_ear_firs",
    "ear_signals",
    "reference_pair_positions",
    "source_at",
    "reference_ear_signals",
    "facing_device_yaw",
]

_HEAD_MARGIN = 512  # samples after the direct arrival kept for head, piston and ringing


def fir_length(max_distance: float, fs: float, c: float = SPEED_OF_SOUND) -> int:
    """Power-of-two FIR length holding a propagation of `max_distance` m plus the margin."""
    need = max_distance / c * fs + _HEAD_MARGIN
    return int(2 ** np.ceil(np.log2(max(need, 1024))))


def _to_fir(h: np.ndarray, n_taps: int) -> np.ndarray:
    """(F, ...) transfer functions on the rfft grid of n_taps -> (..., n_taps) real FIRs."""
    h = np.array(h, dtype=complex)
    h[-1] = h[-1].real  # Nyquist bin of a real sequence is real
    h[0] = h[0].real
    return np.moveaxis(np.fft.irfft(h, n=n_taps, axis=0), 0, -1)


def facing_device_yaw(heads: np.ndarray) -> np.ndarray:
    """Yaw (deg, + toward +x) at which each head (P,3) looks straight at the origin."""
    heads = np.atleast_2d(np.asarray(heads, float))
    # The listener faces -y at yaw 0; the device is at (-x, -y) from the head.
    return np.rad2deg(np.arctan2(-heads[:, 0], heads[:, 1]))


def driver_ear_firs(profile, heads: np.ndarray | None = None, *,
                    yaw_deg: float | np.ndarray = 0.0, n_taps: int | None = None,
                    fs: float | None = None, head=None) -> np.ndarray:
    """Driver -> ear FIRs (P, 2, D, n_taps) [left, right ear] for head centres (P,3).

    yaw_deg: one yaw for every head, or one per head (P,); head: a head object
    (default the profile's, dsp_model.heads.head_for).
    """
    fs = profile.sample_rate if fs is None else fs
    head = head_for(profile) if head is None else head
    if heads is None:
        heads = listener_positions(profile.listener.distance)
    heads = np.atleast_2d(np.asarray(heads, float))
    pos = np.array([d.position for d in profile.drivers], float)
    if n_taps is None:
        n_taps = fir_length(float(np.max(np.linalg.norm(
            heads[:, None, :] - pos[None], axis=-1))), fs)
    freqs = np.fft.rfftfreq(n_taps, 1.0 / fs)
    yaws = np.broadcast_to(np.asarray(yaw_deg, float), (len(heads),))
    out = np.empty((len(heads), 2, profile.n_drivers, n_taps))
    for i, (pos_i, yaw) in enumerate(zip(heads, yaws, strict=True)):
        h = driver_plant(freqs, profile, head, heads=pos_i[None], yaw_deg=float(yaw))[:, 0]
        out[i] = _to_fir(h, n_taps)  # (2, D, n)
    return out


def point_source_ear_firs(sources: np.ndarray, heads: np.ndarray, *, fs: float,
                          a: float, ear_angle: float = 90.0,
                          yaw_deg: float | np.ndarray = 0.0,
                          n_taps: int | None = None, head=None) -> np.ndarray:
    """Omnidirectional point sources (S,3) -> ear FIRs (P, 2, S, n_taps).

    head: a head object (dsp_model.heads); default the rigid sphere of radius a.
    """
    head = SphereHead(a, ear_angle) if head is None else head
    sources = np.atleast_2d(np.asarray(sources, float))
    heads = np.atleast_2d(np.asarray(heads, float))
    if n_taps is None:
        n_taps = fir_length(float(np.max(np.linalg.norm(
            heads[:, None, :] - sources[None], axis=-1))), fs)
    freqs = np.fft.rfftfreq(n_taps, 1.0 / fs)
    yaws = np.broadcast_to(np.asarray(yaw_deg, float), (len(heads),))
    out = np.empty((len(heads), 2, len(sources), n_taps))
    for i, (pos_i, yaw) in enumerate(zip(heads, yaws, strict=True)):
        h = source_plant(freqs, sources, pos_i[None], head, yaw_deg=float(yaw))[:, 0]
        out[i] = _to_fir(h, n_taps)
    return out


def apply_ear_firs(signals: np.ndarray, firs: np.ndarray) -> np.ndarray:
    """Per-source signals (n, S) through ear FIRs (P, 2, S, L) -> ear signals (P, n, 2).

    Linear convolution by FFT, truncated to the input length n (like a recording
    of the same duration: the last arrivals' tails are cut).
    """
    x = np.asarray(signals, float)
    if x.ndim == 1:
        x = x[:, None]
    n, s = x.shape
    if firs.shape[2] != s:
        raise ValueError(f"{s} signals for FIRs of {firs.shape[2]} sources")
    nfft = int(2 ** np.ceil(np.log2(n + firs.shape[-1] - 1)))
    xs = np.fft.rfft(x, n=nfft, axis=0)  # (K, S)
    hs = np.fft.rfft(firs, n=nfft, axis=-1)  # (P, 2, S, K)
    ears = np.einsum("pesk,ks->pke", hs, xs)  # (P, K, 2)
    return np.fft.irfft(ears, n=nfft, axis=1)[:, :n, :]


def ear_signals(driver_signals: np.ndarray, profile, heads: np.ndarray | None = None, *,
                yaw_deg: float | np.ndarray = 0.0, n_taps: int | None = None,
                head=None) -> np.ndarray:
    """Per-driver signals (n, D) -> ear signals (P, n, 2) [left, right] in free field.

    heads (P,3) default to the profile's listener; the result keeps the P axis;
    head: a head object (default the profile's).
    """
    firs = driver_ear_firs(profile, heads, yaw_deg=yaw_deg, n_taps=n_taps, head=head)
    return apply_ear_firs(driver_signals, firs)


def source_at(head: np.ndarray, azimuth_deg: float | np.ndarray, distance: float, *,
              yaw_deg: float = 0.0) -> np.ndarray:
    """Points (N,3) at listener azimuth(s) (deg, + right, 0 = where the head faces)."""
    az = np.deg2rad(np.atleast_1d(np.asarray(azimuth_deg, float)) + yaw_deg)
    head = np.asarray(head, float).reshape(3)
    return head + np.stack([distance * np.sin(az), -distance * np.cos(az),
                            np.zeros_like(az)], axis=-1)


def reference_pair_positions(profile, head: np.ndarray | None = None, *,
                             angle: float | None = None, yaw_deg: float = 0.0) -> np.ndarray:
    """The reference stereo pair (2,3) [left, right]: point sources at -+angle (default
    the profile's virtual angle) from where the head faces, at the listener distance."""
    lis = profile.listener
    if head is None:
        head = listener_positions(lis.distance)[0]
    ang = lis.virtual_angle if angle is None else angle
    return source_at(head, [-ang, ang], lis.distance, yaw_deg=yaw_deg)


def reference_ear_signals(stereo: np.ndarray, profile, heads: np.ndarray | None = None, *,
                          yaw_deg: float | np.ndarray = 0.0, pair: np.ndarray | None = None,
                          n_taps: int | None = None, head=None) -> np.ndarray:
    """Stereo (n, 2) on a reference +-30 deg pair of point sources -> ear signals (P, n, 2).

    pair (2,3): the two source positions; default: the pair at the profile's
    virtual angle and listener distance around the profile's listener, so every
    head in `heads` hears the same fixed loudspeakers (as in a room); head: a head
    object (default the profile's).
    """
    lis = profile.listener
    if heads is None:
        heads = listener_positions(lis.distance)
    if pair is None:
        pair = reference_pair_positions(profile)
    firs = point_source_ear_firs(pair, heads, fs=profile.sample_rate, a=lis.head_radius,
                                 ear_angle=lis.ear_angle, yaw_deg=yaw_deg, n_taps=n_taps,
                                 head=head_for(profile) if head is None else head)
    return apply_ear_firs(stereo, firs)
