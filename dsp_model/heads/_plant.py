"""The plant: driver (or point source) -> ear transfer functions for any head.

A head is plain data, one of
  * SphereHead: the rigid sphere of dsp_model.acoustics (Duda & Martens);
  * HrirSet: a measured head (SOFA SimpleFreeFieldHRIR), interpolated;
  * DevicePlant: measured driver -> ear responses (SOFA GeneralFIR-E) at the
    listener positions it holds.
and every function here takes any of them, with the array layout of
acoustics.drivers_to_ears / point_sources_to_ears: (F, P, 2, D) [left, right
ear], free-field pressure normalised to 1 m, delays absolute (r / c).

For the two heads the path is free-field propagation and piston directivity
from each driver to the head centre (acoustics.drivers_to_points, the same
factors as acoustics.drivers_to_ears), times the head's response in the
direction of the driver seen from the listener: ear pressure over the
free-field pressure at the head centre. Listener geometry is the profile's:
head centres (P, 3), the listener facing -y at yaw 0, yaw + toward +x.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from device_profiles.errors import UserError

from ..acoustics import (
    SPEED_OF_SOUND,
    drivers_to_ears,
    drivers_to_points,
    ear_positions,
    point_sources_to_ears,
    sphere_hrtf,
)
from ._hrir import HrirSet, dtft, hrtf
from ._sofa import DevicePlant


@dataclass(frozen=True)
class SphereHead:
    """The rigid sphere: radius (m) and the ears at +-ear_angle (deg) from the nose."""

    radius: float
    ear_angle: float = 90.0


def sphere_head(profile) -> SphereHead:
    """The profile's listener as a rigid sphere."""
    return SphereHead(profile.listener.head_radius, profile.listener.ear_angle)


def _yaws(yaw_deg, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(yaw_deg, float), (n,)).copy()


def _yaw_arg(yaw_deg, n: int):
    """A scalar yaw as it is (the acoustic model's own call), else one per head."""
    return float(yaw_deg) if np.ndim(yaw_deg) == 0 else _yaws(yaw_deg, n)


def source_directions(sources: np.ndarray, heads: np.ndarray,
                      yaw_deg: float | np.ndarray = 0.0) -> tuple[np.ndarray, ...]:
    """Azimuth and elevation (deg, (P, S)) of sources (S, 3) seen from heads (P, 3).

    Azimuth from where the head faces (-y turned by yaw), + toward the listener's
    right; elevation + up; also the distances (P, S) m.
    """
    heads = np.atleast_2d(np.asarray(heads, float))
    sources = np.atleast_2d(np.asarray(sources, float))
    yaw = np.deg2rad(_yaws(yaw_deg, len(heads)))[:, None]
    v = sources[None, :, :] - heads[:, None, :]  # (P, S, 3)
    r = np.linalg.norm(v, axis=-1)
    ahead = v[..., 0] * np.sin(yaw) - v[..., 1] * np.cos(yaw)
    right = v[..., 0] * np.cos(yaw) + v[..., 1] * np.sin(yaw)
    az = np.rad2deg(np.arctan2(right, ahead))
    el = np.rad2deg(np.arcsin(np.clip(v[..., 2] / r, -1.0, 1.0)))
    return az, el, r


def head_response(freqs: np.ndarray, head, sources: np.ndarray, heads: np.ndarray, *,
                  yaw_deg: float | np.ndarray = 0.0, c: float = SPEED_OF_SOUND) -> np.ndarray:
    """Ear pressure over the free-field pressure at the head centre: (F, P, 2, S).

    head: SphereHead or HrirSet; sources (S, 3); heads (P, 3); yaw_deg one or (P,).
    """
    heads = np.atleast_2d(np.asarray(heads, float))
    sources = np.atleast_2d(np.asarray(sources, float))
    if isinstance(head, SphereHead):
        a = head.radius
        ears = ear_positions(heads, yaw_deg=_yaws(yaw_deg, len(heads)), a=a,
                             ear_angle=head.ear_angle)  # (P, 2, 3)
        to_src = sources[None, :, :] - heads[:, None, :]  # (P, S, 3)
        r = np.linalg.norm(to_src, axis=-1)
        ear_dir = (ears - heads[:, None, :]) / a
        cos_t = np.einsum("pex,psx->pes", ear_dir, to_src / r[..., None])
        theta = np.arccos(np.clip(cos_t, -1.0, 1.0))
        return sphere_hrtf(freqs, theta, r[:, None, :], a=a, c=c)
    if isinstance(head, HrirSet):
        az, el, _ = source_directions(sources, heads, yaw_deg)
        return np.moveaxis(hrtf(freqs, head, az, el), -1, 2)  # (F, P, S, 2) -> (F, P, 2, S)
    raise TypeError(f"head must be a SphereHead or an HrirSet, not {type(head).__name__}")


def source_plant(freqs: np.ndarray, sources: np.ndarray, heads: np.ndarray, head, *,
                 yaw_deg: float | np.ndarray = 0.0, c: float = SPEED_OF_SOUND) -> np.ndarray:
    """Omnidirectional point sources (S, 3) to the ears of heads (P, 3): (F, P, 2, S).

    With a SphereHead this is acoustics.point_sources_to_ears (called, so a design on
    the sphere is bit for bit the acoustic model's).
    """
    heads = np.atleast_2d(np.asarray(heads, float))
    sources = np.atleast_2d(np.asarray(sources, float))
    if isinstance(head, SphereHead):
        return point_sources_to_ears(freqs, sources, heads, a=head.radius,
                                     ear_angle=head.ear_angle,
                                     yaw_deg=_yaw_arg(yaw_deg, len(heads)), c=c)
    r = np.linalg.norm(sources[None, :, :] - heads[:, None, :], axis=-1)  # (P, S)
    k = 2 * np.pi * np.asarray(freqs, float)[:, None, None] / c
    prop = np.exp(-1j * k * r[None]) / r[None]  # (F, P, S)
    return prop[:, :, None, :] * head_response(freqs, head, sources, heads,
                                               yaw_deg=yaw_deg, c=c)


def driver_plant(freqs: np.ndarray, profile, head, *, heads: np.ndarray | None = None,
                 yaw_deg: float | np.ndarray = 0.0, drivers=None,
                 c: float = SPEED_OF_SOUND) -> np.ndarray:
    """Driver -> ear transfer functions (F, P, 2, D) of a profile for any head.

    heads (P, 3) default to the profile's listener; drivers a subset of
    profile.drivers (default all); yaw_deg one or per head. With a SphereHead of
    the profile's listener this is acoustics.drivers_to_ears (called: bit for bit); with
    a DevicePlant the requested heads, yaws and drivers must be among the measured ones.
    """
    drivers = profile.drivers if drivers is None else drivers
    if heads is None:
        heads = np.array([[0.0, profile.listener.distance, 0.0]])
    heads = np.atleast_2d(np.asarray(heads, float))
    if isinstance(head, DevicePlant):
        return _measured(freqs, head, heads, _yaws(yaw_deg, len(heads)),
                         np.array([d.position for d in drivers], float))
    if isinstance(head, SphereHead):  # the acoustic model itself, bit for bit
        return drivers_to_ears(freqs, profile, heads=heads, drivers=drivers, c=c,
                               yaw_deg=_yaw_arg(yaw_deg, len(heads)), head_radius=head.radius,
                               ear_angle=head.ear_angle)
    pos = np.array([d.position for d in drivers], float)
    free = drivers_to_points(freqs, drivers, heads, c=c)  # (F, P, D)
    return free[:, :, None, :] * head_response(freqs, head, pos, heads, yaw_deg=yaw_deg, c=c)


def plant_over_heads(freqs: np.ndarray, profile, heads_seq, *, heads: np.ndarray,
                     drivers=None, c: float = SPEED_OF_SOUND) -> np.ndarray:
    """Driver -> ear transfer functions of several heads stacked along the position axis:
    (F, K * P, 2, D), head-major (the P positions of the first head, then the next's).

    heads_seq: one head object or a sequence of K; a design that works on several
    listener positions works on several heads alike, without knowing which they are.
    """
    seq = tuple(heads_seq) if isinstance(heads_seq, (tuple, list)) else (heads_seq,)
    return np.concatenate([driver_plant(freqs, profile, hd, heads=heads, drivers=drivers, c=c)
                           for hd in seq], axis=1)


def device_response(freqs: np.ndarray, plant: DevicePlant) -> np.ndarray:
    """A DevicePlant's transfer functions (F, P, 2, D) at any frequencies (its DTFT)."""
    return dtft(plant.irs, freqs, plant.fs)


def _measured(freqs, plant: DevicePlant, heads, yaws, positions) -> np.ndarray:
    tol = 1e-3  # m; and deg for yaw
    pi = []
    for h, y in zip(heads, yaws, strict=True):
        d = np.linalg.norm(plant.listener_positions - h, axis=-1)
        dy = np.abs((plant.yaw_deg - y + 180.0) % 360.0 - 180.0)
        hit = np.flatnonzero((d <= tol) & (dy <= tol))
        if not hit.size:
            raise UserError(f"{plant.source}: no measurement at listener position "
                            f"{np.round(h, 4).tolist()} m, yaw {y:g} deg; measure there "
                            "or design for the measured positions")
        pi.append(hit[0])
    di = []
    for p in positions:
        hit = np.flatnonzero(np.linalg.norm(plant.emitter_positions - p, axis=-1) <= tol)
        if not hit.size:
            raise UserError(f"{plant.source}: no emitter at driver position "
                            f"{np.round(p, 4).tolist()} m; the file's emitters are the "
                            "profile's drivers, at their positions")
        di.append(hit[0])
    return dtft(plant.irs[np.ix_(pi, [0, 1], di)], freqs, plant.fs)


def plant_firs(profile, head, heads: np.ndarray | None = None, *,
               yaw_deg: float | np.ndarray = 0.0, n_taps: int = 4096,
               fs: float | None = None, c: float = SPEED_OF_SOUND) -> np.ndarray:
    """Driver -> ear FIRs (P, 2, D, n_taps): the plant on the rfft grid of n_taps, inverse
    FFT'd (exact at the grid's bins; DC and Nyquist taken real). Choose n_taps to hold
    the longest propagation delay plus the head's response (binaural.fir_length)."""
    fs = profile.sample_rate if fs is None else fs
    freqs = np.fft.rfftfreq(n_taps, 1.0 / fs)
    h = driver_plant(freqs, profile, head, heads=heads, yaw_deg=yaw_deg, c=c)
    h[0] = h[0].real
    h[-1] = h[-1].real
    return np.moveaxis(np.fft.irfft(h, n=n_taps, axis=0), 0, -1)


def model_device_plant(profile, head, heads: np.ndarray, *, yaw_deg: float | np.ndarray = 0.0,
                       n_taps: int = 4096, fs: float | None = None) -> DevicePlant:
    """The model's plant as a DevicePlant (to write as SOFA, as a measurement would be).

    Its FIRs hold the model exactly at the bins of n_taps at fs, and interpolate in
    between; at fs / 2 a real FIR's response is real. So for a plant that designs
    exactly like the model (the CTC's grid: rfftfreq(ctc.NFFT) at the profile's
    rate with f[0] = f[1] / 4), write it at twice the profile's rate with n_taps a
    multiple of 8 * ctc.NFFT (tests/test_heads.py: the same design to 1e-9)."""
    heads = np.atleast_2d(np.asarray(heads, float))
    fs = float(profile.sample_rate if fs is None else fs)
    a = head.radius if isinstance(head, SphereHead) else profile.listener.head_radius
    return DevicePlant(
        plant_firs(profile, head, heads, yaw_deg=yaw_deg, n_taps=n_taps, fs=fs), fs, heads,
        _yaws(yaw_deg, len(heads)), np.array([d.position for d in profile.drivers], float),
        np.array([[0.0, a, 0.0], [0.0, -a, 0.0]]), f"model ({type(head).__name__})")
