"""HRIR sets (SOFA SimpleFreeFieldHRIR): loading, onsets, interpolation between directions.

Directions are the listener's, in the profile's convention (binaural.source_at):
azimuth in degrees from where the head faces, + toward the listener's right,
in (-180, 180]; elevation + up. SOFA's spherical convention is the listener's
frame with +x ahead, +y left, +z up and azimuth counter-clockwise from +x
(+90 = left), so

    azimuth = -azimuth_SOFA (wrapped to (-180, 180]),  elevation = elevation_SOFA,

and the left ear is the receiver at +y (SOFA ReceiverPosition).

Onsets: threshold detection. Each impulse response is oversampled 8x
(resample_poly) and its onset is the first time |h| reaches -20 dB of its peak,
with linear interpolation between the two samples around the crossing. Chosen
over a minimum-phase/excess-phase split because the interpolation keeps each
response whole (magnitude and the all-pass residue both), so the delay only has
to align neighbouring directions consistently; a threshold onset does that, is
the usual ITD measure, and is defined for any response. Measured on MIT
KEMAR's horizontal plane (44.1 kHz, leave-one-out, 500 Hz-6 kHz, complex
error): thresholds of -12, -20 and -30 dB, a -20 dB threshold after a 3 kHz
low-pass and a minimum-phase cross-correlation all give a median of -34 to
-35 dB; -20 and -30 dB have the best worst case (-11 dB, the shadowed ear near
100 deg), the others have directions where the onset jumps a cycle (worst
-2 to +1 dB).

Interpolation between measured directions: each measured response H_m is
split into its onset delay tau_m and the onset-aligned response
A_m(f) = H_m(f) exp(+j 2 pi f tau_m). For a requested direction the weights
w_m of its neighbours are the barycentric coordinates of the direction in the
measured grid's spherical triangulation (the convex hull of the unit vectors,
so any grid works: on a ring of constant elevation the interpolation is linear
between the two measured azimuths around the target; a set measured on one
ring alone interpolates linearly in azimuth). Triangles with an edge longer
than 2 max_gap_deg (across a hole, such as KEMAR's unmeasured bottom) are not
used: a direction there takes its nearest measurement. Delays and aligned
responses are interpolated separately, tau = sum w_m tau_m and
A = sum w_m A_m, and recombined with the fractional delay in the frequency
domain, H = A exp(-j 2 pi f (tau - t_ref)). The complex spectra are
interpolated: magnitude and unwrapped phase apart gain 0.2 dB in the median
on KEMAR and break where two neighbours' unwrapped phases differ by 2 pi
(worst +4.6 dB); without the onset alignment the median is -22 dB. Responses
are evaluated by their DTFT at the requested frequencies, so nothing is
rounded to an FFT grid. A direction more than `max_gap_deg` (15) from every
measurement is refused (UserError).

Normalisation, so a measured head means what the sphere does (ear pressure
over the free-field pressure at the head centre, delays from the centre's):
  * equalize=True: each ear is diffuse-field equalised to the rigid sphere of
    radius `sphere_radius` at the measurement distance (the mean power over the
    measured directions, uniform weights, set to the sphere's mean power over
    the whole sphere) with a minimum-phase filter, its gain clipped to
    +-20 dB. This removes what every direction shares: the measurement
    loudspeaker, microphone and ear canal (KEMAR's raw front response is
    -11 dB at 500 Hz and +9 dB at 2 kHz next to the sphere's).
  * t_ref: the time in the responses that stands for the arrival at the head
    centre: the measured onsets at the direction nearest straight ahead minus
    the sphere's onsets (same estimator) for that direction, both low-passed
    alike (8-12 kHz raised cosine) first, since a threshold onset moves with
    the bandwidth and files differ in it.
The measurement distance is not corrected for (sets measured at 1-2 m are used
as they are for drivers at 1-3 m).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

import numpy as np
from scipy.signal import fftconvolve, resample_poly
from scipy.spatial import ConvexHull, QhullError

from device_profiles.errors import UserError

from ..acoustics import SPEED_OF_SOUND, sphere_hrtf
from ._sofa import array, cartesian, directions, open_sofa, require, resample, sampling_rate

ONSET_THRESHOLD_DB = -20.0
ONSET_OVERSAMPLE = 8
MAX_GAP_DEG = 15.0
EQ_CLIP_DB = 20.0
T_REF_BAND = (8000.0, 12000.0)  # Hz, the common band of the centre-reference onsets

HRIR_CONVENTIONS = ("SimpleFreeFieldHRIR",)


@dataclass(frozen=True, eq=False)
class HrirSet:
    """A measured head: HRIRs per direction.

    azimuth, elevation (M,) deg in the profile's convention (module doc);
    distance (M,) m; irs (M, 2, N) [left, right] at fs; onsets (M, 2) s, the
    threshold onsets of irs; t_ref s, the time in irs of the arrival at the
    head centre; max_gap_deg: how far a requested direction may be from the
    nearest measurement; source: the file.
    """

    azimuth: np.ndarray
    elevation: np.ndarray
    distance: np.ndarray
    irs: np.ndarray
    fs: float
    onsets: np.ndarray
    t_ref: float
    max_gap_deg: float = MAX_GAP_DEG
    source: str = ""


def onset_delays(irs: np.ndarray, fs: float, *, threshold_db: float = ONSET_THRESHOLD_DB,
                 oversample: int = ONSET_OVERSAMPLE) -> np.ndarray:
    """Threshold onsets (s) of impulse responses (..., N): the first time |h|, oversampled,
    reaches threshold_db below its peak, interpolated linearly between samples."""
    x = np.asarray(irs, float)
    # only the part up to the latest peak (and a margin) is oversampled: the onset is before it
    end = min(x.shape[-1], int(np.max(np.argmax(np.abs(x), axis=-1))) + 64)
    xu = np.abs(resample_poly(x[..., :end], oversample, 1, axis=-1))
    thr = xu.max(axis=-1, keepdims=True) * 10 ** (threshold_db / 20)
    i = np.argmax(xu >= thr, axis=-1)
    ip = np.maximum(i - 1, 0)
    e0 = np.take_along_axis(xu, ip[..., None], -1)[..., 0]
    e1 = np.take_along_axis(xu, i[..., None], -1)[..., 0]
    frac = (thr[..., 0] - e0) / np.maximum(e1 - e0, 1e-300)
    t = np.where(i > 0, ip + frac, 0.0)
    return t / (oversample * fs)


def _unit(azimuth_deg, elevation_deg) -> np.ndarray:
    """Unit vectors (..., 3) in the listener's frame: x ahead, y right, z up."""
    az, el = np.deg2rad(azimuth_deg), np.deg2rad(elevation_deg)
    return np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], axis=-1)


def _wrap180(deg: np.ndarray) -> np.ndarray:
    return -((-np.asarray(deg, float) + 180.0) % 360.0 - 180.0) + 0.0  # (-180, 180], no -0


def load_hrir_set(path, fs: float | None = None, *, equalize: bool = True,
                  sphere_radius: float = 0.0875, max_gap_deg: float = MAX_GAP_DEG,
                  c: float = SPEED_OF_SOUND) -> HrirSet:
    """Read a SimpleFreeFieldHRIR SOFA file as an HrirSet at `fs` (default: the file's rate).

    Bad files raise a one-line UserError (missing variables, another
    convention, a rate that cannot be resampled, a listener not facing +x).
    """
    sd = open_sofa(path, HRIR_CONVENTIONS)
    require(sd, ("Data.IR", "Data.SamplingRate", "SourcePosition", "ReceiverPosition"))
    fs_file = sampling_rate(sd)
    if sd.dims.get("R") != 2:
        raise UserError(f"{sd.path}: {sd.dims.get('R')} receivers; an HRIR set has two ears")
    ir = array(sd, "Data.IR", ("M", "R", "N"))
    az_sofa, el, r = directions(sd)
    ears = cartesian(sd, "ReceiverPosition", array(sd, "ReceiverPosition", ("R", "C")))
    for name, want in (("ListenerView", (1.0, 0.0, 0.0)), ("ListenerUp", (0.0, 0.0, 1.0))):
        if sd.has(name):
            v = cartesian(sd, name, array(sd, name, ("M", "C")))
            v = v / np.linalg.norm(v, axis=-1, keepdims=True)
            if np.any(v @ np.array(want) < 1 - 1e-6):
                raise UserError(f"{sd.path}: {name} is not {list(want)}; only the SOFA "
                                "default listener orientation is supported: rotate the "
                                "source positions instead")
    if ears[0, 1] == ears[1, 1]:
        raise UserError(f"{sd.path}: ReceiverPosition does not tell the left (+y) from the "
                        "right (-y) ear; write the ears at (0, +a, 0) and (0, -a, 0)")
    order = [0, 1] if ears[0, 1] > ears[1, 1] else [1, 0]
    ir = ir[:, order]
    if sd.has("Data_Delay"):
        delay = array(sd, "Data.Delay", ("M", "R"))[:, order]
        if np.any(delay != np.round(delay)) or np.any(delay < 0):
            raise UserError(f"{sd.path}: Data.Delay holds fractional or negative delays; "
                            "write them into Data.IR")
        n_pad = int(delay.max())
        if n_pad:
            out = np.zeros(ir.shape[:2] + (ir.shape[2] + n_pad,))
            for m, e in np.ndindex(*ir.shape[:2]):
                d = int(delay[m, e])
                out[m, e, d:d + ir.shape[2]] = ir[m, e]
            ir = out
    if np.any(r <= 0):
        raise UserError(f"{sd.path}: SourcePosition at the listener (distance 0); "
                        "an HRIR set needs the source directions")
    fs_out = fs_file if fs is None else float(fs)
    ir = resample(sd.path, ir, fs_file, fs)
    hset = HrirSet(_wrap180(-az_sofa), el, r, ir, fs_out, np.zeros(ir.shape[:2]), 0.0,
                   max_gap_deg, sd.path)
    if equalize:
        hset = replace(hset, irs=_diffuse_field_equalize(hset, sphere_radius, c))
    return _with_onsets(hset, sphere_radius, c)


def _with_onsets(hset: HrirSet, sphere_radius: float, c: float) -> HrirSet:
    """Onsets of every response, and t_ref: the direction nearest straight ahead, its
    responses' onsets minus the sphere's for that direction, both band-limited alike
    (below T_REF_BAND: a threshold onset moves with the bandwidth, and files differ in it)."""
    onsets = onset_delays(hset.irs, hset.fs)
    front = int(np.argmax(_unit(hset.azimuth, hset.elevation) @ np.array([1.0, 0.0, 0.0])))
    n = int(2 ** np.ceil(np.log2(4 * hset.irs.shape[-1])))
    f = np.fft.rfftfreq(n, 1.0 / hset.fs)
    lead = n // 4  # the sphere's centre arrival, samples
    h_front = np.fft.rfft(hset.irs[front], n, axis=-1).T  # (F, 2)
    h_sph = sphere_hrtf(f, _sphere_theta(hset.azimuth[front], hset.elevation[front]),
                        hset.distance[front], a=sphere_radius, c=c)
    h_sph = h_sph * np.exp(-2j * np.pi * f * lead / hset.fs)[:, None]
    lp = _lowpass(f)[:, None]
    on = onset_delays(np.fft.irfft(np.concatenate([h_front, h_sph], 1) * lp, n, axis=0).T,
                      hset.fs)
    t_ref = np.mean(on[:2] - (on[2:] - lead / hset.fs))
    return replace(hset, onsets=onsets, t_ref=float(t_ref))


def _lowpass(f: np.ndarray) -> np.ndarray:
    """Zero-phase raised-cosine low-pass, 1 below T_REF_BAND[0], 0 above T_REF_BAND[1]."""
    lo, hi = T_REF_BAND
    return np.cos(np.pi / 2 * np.clip((f - lo) / (hi - lo), 0.0, 1.0)) ** 2


def _sphere_theta(azimuth, elevation, ear_angle: float = 90.0) -> np.ndarray:
    """Angle (rad) between a direction and each ear (..., 2) [left, right] of a sphere."""
    u = _unit(azimuth, elevation)
    ears = _unit(np.array([-ear_angle, ear_angle]), np.zeros(2))  # (2, 3)
    return np.arccos(np.clip(u @ ears.T, -1.0, 1.0))


def _diffuse_field_equalize(hset: HrirSet, a: float, c: float) -> np.ndarray:
    """The set's irs convolved with each ear's minimum-phase diffuse-field equaliser."""
    m_, _, n_ = hset.irs.shape
    nfft = int(2 ** np.ceil(np.log2(4 * n_)))
    f = np.fft.rfftfreq(nfft, 1.0 / hset.fs)
    p_meas = np.mean(np.abs(np.fft.rfft(hset.irs, nfft, axis=-1)) ** 2, axis=0)  # (2, F)
    theta = np.linspace(0.0, np.pi, 91)
    w = np.sin(theta) / np.sum(np.sin(theta))
    r = float(np.median(hset.distance))
    p_sph = np.abs(sphere_hrtf(f, theta, r, a=a, c=c)) ** 2 @ w  # (F,)
    gain_db = 10 * np.log10(p_sph / np.maximum(p_meas, 1e-30))
    log_gain = np.log(10.0) / 20 * np.clip(gain_db, -EQ_CLIP_DB, EQ_CLIP_DB)
    # minimum phase by the folded real cepstrum
    cep = np.fft.irfft(log_gain, nfft, axis=-1)
    fold = np.zeros(nfft)
    fold[0], fold[1:nfft // 2], fold[nfft // 2] = 1.0, 2.0, 1.0
    eq = np.fft.irfft(np.exp(np.fft.rfft(cep * fold, nfft, axis=-1)), nfft, axis=-1)
    eq = eq[:, : nfft // 2] * np.hanning(nfft)[nfft // 2:]  # fade the tail out
    return fftconvolve(hset.irs, eq[None], axes=-1)


# --- interpolation ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Grid:
    units: np.ndarray  # (M, 3)
    simplices: np.ndarray | None  # (T, 3) or None for a single ring
    inverses: np.ndarray | None  # (T, 3, 3)


_GRIDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # HrirSet -> _Grid


def _grid(hset: HrirSet) -> _Grid:
    """The set's triangulation, built once per set (sets are immutable)."""
    if hset not in _GRIDS:
        _GRIDS[hset] = _triangulate(hset)
    return _GRIDS[hset]


def _triangulate(hset: HrirSet) -> _Grid:
    """The spherical triangulation, without the facets that span a hole in the grid (an
    edge longer than 2 max_gap_deg, e.g. across KEMAR's unmeasured bottom, or through the
    centre): a direction there takes its nearest measurement."""
    u = _unit(hset.azimuth, hset.elevation)
    try:
        hull = ConvexHull(u)
    except QhullError:  # coplanar: one ring of directions
        return _Grid(u, None, None)
    tri = hull.simplices
    mats = np.transpose(u[tri], (0, 2, 1))  # columns are the vertices
    edge_cos = np.einsum("tij,tij->tj", mats, np.roll(mats, 1, axis=2)).min(axis=1)
    ok = (np.abs(np.linalg.det(mats)) > 1e-9) & (
        edge_cos >= np.cos(np.deg2rad(2 * hset.max_gap_deg)))
    return _Grid(u, tri[ok], np.linalg.inv(mats[ok]))


def interpolation_weights(hset: HrirSet, azimuth, elevation) -> tuple[np.ndarray, np.ndarray]:
    """Neighbours (T, 3) and weights (T, 3) (summing to 1) for T directions (flattened).

    A direction farther than hset.max_gap_deg from every measurement raises a
    one-line UserError.
    """
    az = np.ravel(np.asarray(azimuth, float))
    el = np.ravel(np.broadcast_to(np.asarray(elevation, float), np.shape(azimuth)))
    t = _unit(az, el)  # (T, 3)
    g = _grid(hset)
    cos_near = t @ g.units.T  # (T, M)
    nearest = np.argmax(cos_near, axis=1)
    gap = np.rad2deg(np.arccos(np.clip(cos_near[np.arange(len(t)), nearest], -1, 1)))
    if np.any(gap > hset.max_gap_deg):
        k = int(np.argmax(gap))
        raise UserError(f"{hset.source}: no measurement within {hset.max_gap_deg:g} deg of "
                        f"azimuth {az[k]:.1f} deg, elevation {el[k]:.1f} deg (the nearest is "
                        f"{gap[k]:.1f} deg away); use a set that covers the drivers' "
                        "directions")
    idx = np.repeat(nearest[:, None], 3, axis=1)
    w = np.zeros((len(t), 3))
    w[:, 0] = 1.0
    if g.simplices is None:
        _ring_weights(hset, az, idx, w)
        return idx, w
    lam = np.einsum("kij,tj->tki", g.inverses, t)  # (T, K, 3)
    inside = np.all(lam >= -1e-9, axis=-1)
    for i in range(len(t)):
        hits = np.flatnonzero(inside[i])
        if hits.size:  # else: outside the measured cover but within max_gap: nearest
            lk = lam[i, hits[0]]
            idx[i], w[i] = g.simplices[hits[0]], lk / lk.sum()
    return idx, w


def _ring_weights(hset: HrirSet, az: np.ndarray, idx: np.ndarray, w: np.ndarray) -> None:
    """Linear interpolation in azimuth on a single ring (elevation is not interpolated;
    across a gap wider than 2 max_gap_deg the nearest measurement)."""
    order = np.argsort(hset.azimuth)
    ring = hset.azimuth[order]
    for i, a in enumerate(az):
        j = np.searchsorted(ring, a) % len(ring)
        lo, hi = order[j - 1], order[j]
        span = (hset.azimuth[hi] - hset.azimuth[lo]) % 360.0
        x = ((a - hset.azimuth[lo]) % 360.0) / span if span > 0 else 0.0
        if 0 < span <= 2 * hset.max_gap_deg and x <= 1.0:
            idx[i, :2], w[i, :2] = (lo, hi), (1.0 - x, x)


def dtft(irs: np.ndarray, freqs: np.ndarray, fs: float) -> np.ndarray:
    """Transfer functions (F, ...) of FIRs (..., N) at any frequencies (Hz, below fs / 2)."""
    f = np.asarray(freqs, float)
    if np.any(np.abs(f) > fs / 2 * (1 + 1e-12)):
        raise ValueError(f"frequencies up to {np.max(np.abs(f)):g} Hz above the responses' "
                         f"Nyquist frequency {fs / 2:g} Hz: load them at a higher rate")
    x = np.asarray(irs, float)
    n = np.arange(x.shape[-1])
    out = np.empty((len(f),) + x.shape[:-1], complex)
    flat = x.reshape(-1, x.shape[-1])
    for s in range(0, len(f), 256):
        e = np.exp(-2j * np.pi * np.outer(n, f[s:s + 256]) / fs)  # (N, chunk)
        out[s:s + 256] = (flat @ e).T.reshape((-1,) + x.shape[:-1])
    return out


def hrtf(freqs: np.ndarray, hset: HrirSet, azimuth, elevation=0.0) -> np.ndarray:
    """Interpolated HRTFs (F, *shape, 2) [left, right] at directions of one shape.

    Ear pressure over the free-field pressure at the head centre, delays from
    the centre's arrival (t_ref); the interpolation is in the module doc.
    """
    shape = np.broadcast(np.asarray(azimuth), np.asarray(elevation)).shape
    az, el = np.broadcast_arrays(np.asarray(azimuth, float), np.asarray(elevation, float))
    idx, w = interpolation_weights(hset, az.ravel(), el.ravel())  # (T, 3)
    used, where = np.unique(idx, return_inverse=True)
    where = where.reshape(idx.shape)
    f = np.asarray(freqs, float)
    phase = 2j * np.pi * f[:, None, None]
    aligned = dtft(hset.irs[used], f, hset.fs) * np.exp(phase * hset.onsets[used])  # (F,U,2)
    a = np.einsum("tk,ftke->fte", w, aligned[:, where])  # (F, T, 2)
    tau = np.einsum("tk,tke->te", w, hset.onsets[idx])  # (T, 2)
    h = a * np.exp(-phase * (tau - hset.t_ref))
    return h.reshape((len(f),) + shape + (2,))


def select(hset: HrirSet, keep: np.ndarray) -> HrirSet:
    """The set with only the measurements `keep` (boolean (M,) or indices); t_ref kept."""
    return replace(hset, azimuth=hset.azimuth[keep], elevation=hset.elevation[keep],
                   distance=hset.distance[keep], irs=hset.irs[keep],
                   onsets=hset.onsets[keep])
