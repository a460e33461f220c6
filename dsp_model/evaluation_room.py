"""Depth cues in a simulated rectangular room: direct-to-reverberant ratio and
interaural coherence at the listener.

Image sources come from pyroomacoustics (`ShoeBox.image_source_model`, the
field's standard image-source tool: Allen & Berkley 1979), with one
frequency-independent wall absorption from Sabine's formula for the requested
RT60. Each image is then heard here, not by pyroomacoustics' own RIR builder:

  * at a point (no head): gain * damping / r at delay r / c, as pyroomacoustics
    does (its RIR carries 1/(4 pi r); ours 1/r, so 1 m is unit gain as in
    `dsp_model.acoustics`); used for the DRR;
  * at the two ears: the same arrival filtered by the rigid-sphere head response
    for the image's direction (a table of sphere impulse responses every 1 deg of
    source-centre-ear angle, at the listener distance); used for the coherence.

First-order reflections (`first_reflections`) are computed here without
pyroomacoustics' images: each driver is mirrored in one wall (position and axis),
and the image driver is heard at the listener through the same piston model as
the direct sound (`acoustics.drivers_to_points`), so the reflection carries each
driver's directivity toward the wall's reflection point, 1/r and the delay.

Simplifications (EVALUATION.md says what they cost): for the DRR and IACC,
drivers are omnidirectional point sources at their positions, fed with their
filtered signals (no piston directivity, no box, images do not mirror a driver's
axis); for the first reflections, no box either; everywhere, walls are
frequency-independent and specular; no air absorption; the head does not
reflect into the room. Room coordinates: the profile's axes shifted so the
device sits at `RoomSpec.device` (x across the room, y toward the listener, z up).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from dsp_model.acoustics import SPEED_OF_SOUND, ear_positions, sphere_hrtf

__all__ = ["RoomSpec", "Images", "room_images", "point_ir", "binaural_ir", "band_energy",
           "drr_db", "directivity_index", "ImageSourceError", "WALLS", "wall_reflection_factor",
           "mirror_drivers", "first_reflections"]

FRAC_TAPS = 32  # windowed-sinc fractional-delay length (even)


class ImageSourceError(RuntimeError):
    pass


@dataclass(frozen=True)
class RoomSpec:
    dims: tuple[float, float, float] = (5.0, 6.0, 2.7)  # m, x (width) y (length) z (height)
    rt60: float = 0.4  # s, Sabine
    device: tuple[float, float, float] = (2.1, 0.7, 1.2)  # device centre (off-centre in x:
    # a left/right symmetric room would make a centred source's ear signals identical)
    max_order: int = 20  # cap on the image order (tail past ~max_order * min(dims) / c is cut)

    def as_dict(self) -> dict:
        return asdict(self)

    def to_room(self, p: np.ndarray) -> np.ndarray:
        """Profile coordinates (..., 3) -> room coordinates."""
        return np.asarray(p, float) + np.asarray(self.device, float)


@dataclass(frozen=True)
class Images:
    """Image sources of one real source: positions (N,3), gain (N,), order (N,)."""

    positions: np.ndarray
    gain: np.ndarray
    order: np.ndarray


def room_images(spec: RoomSpec, sources: np.ndarray, fs: float) -> list[Images]:
    """Image sources (room coordinates) of point sources (S,3) given in room coordinates."""
    try:
        import pyroomacoustics as pra
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise ImageSourceError("pyroomacoustics is needed for the room model "
                               "(pip install pyroomacoustics)") from e
    sources = np.atleast_2d(np.asarray(sources, float))
    try:
        absorption, sabine_order = pra.inverse_sabine(spec.rt60, list(spec.dims))
    except ValueError as e:
        raise ImageSourceError(f"RT60 {spec.rt60} s in a {spec.dims} m room: {e}") from e
    order = int(min(sabine_order, spec.max_order))
    room = pra.ShoeBox(list(spec.dims), fs=int(fs), materials=pra.Material(absorption),
                       max_order=order, air_absorption=False)
    for s in sources:
        if np.any(s <= 0) or np.any(s >= np.asarray(spec.dims)):
            raise ImageSourceError(f"source {s} is outside the room {spec.dims}")
        room.add_source(list(s))
    room.add_microphone(list(np.asarray(spec.dims) / 2))  # ISM needs a receiver; unused
    room.image_source_model()
    return [Images(positions=s.images.T.copy(), gain=s.damping[0].copy(),
                   order=s.orders.copy()) for s in room.sources]


def _frac_delay_add(out: np.ndarray, row: np.ndarray, t: np.ndarray, g: np.ndarray) -> None:
    """out[row, :] += g * delta(n - t) band-limited (Hann-windowed sinc, FRAC_TAPS taps)."""
    half = FRAC_TAPS // 2
    t0 = np.floor(t).astype(int)
    frac = t - t0
    k = np.arange(-half + 1, half + 1)
    x = k[None, :] - frac[:, None]
    w = np.sinc(x) * (0.5 + 0.5 * np.cos(np.pi * x / (half + 1)))
    idx = t0[:, None] + k[None, :]
    ok = (idx >= 0) & (idx < out.shape[-1])
    rows = np.broadcast_to(row[:, None], idx.shape)
    np.add.at(out, (rows[ok], idx[ok]), (g[:, None] * w)[ok])


def point_ir(images: Images, point: np.ndarray, fs: float, length: int, *,
             max_order: int | None = None, c: float = SPEED_OF_SOUND) -> np.ndarray:
    """Impulse response (length,) at a point from the images up to `max_order`
    (None: all; 0: the direct sound only). 1/r spreading, unit gain at 1 m."""
    sel = np.ones(len(images.order), bool) if max_order is None else images.order <= max_order
    r = np.linalg.norm(images.positions[sel] - np.asarray(point, float), axis=-1)
    out = np.zeros((1, length))
    _frac_delay_add(out, np.zeros(len(r), int), r / c * fs, images.gain[sel] / r)
    return out[0]


@lru_cache(maxsize=8)
def _sphere_table(fs: float, a: float, r_ref: float, n: int = 256, bulk: int = 64,
                  step: float = 1.0, c: float = SPEED_OF_SOUND) -> np.ndarray:
    """Sphere impulse responses (T, n) for source-centre-ear angles 0..180 deg every
    `step`, relative to the free-field centre pressure, delayed by `bulk` samples."""
    freqs = np.fft.rfftfreq(n, 1.0 / fs)
    theta = np.deg2rad(np.arange(0.0, 180.0 + step / 2, step))
    h = sphere_hrtf(freqs, theta, r_ref, a=a, c=c)  # (F, T)
    h = h * np.exp(-2j * np.pi * freqs * bulk / fs)[:, None]
    h[-1] = h[-1].real
    return np.fft.irfft(h, n=n, axis=0).T


def binaural_ir(images: Images, head: np.ndarray, fs: float, length: int, *, a: float,
                ear_angle: float = 90.0, yaw_deg: float = 0.0, r_ref: float = 2.0,
                max_order: int | None = None, c: float = SPEED_OF_SOUND) -> np.ndarray:
    """Ear impulse responses (length, 2) [left, right] of a head at `head` (room coords).

    Each image's arrival is filtered by the sphere response for its angle to each
    ear (nearest 1 deg of a table computed at distance r_ref), so the far images
    get the head shadow of a plane wave from their direction.
    """
    head = np.asarray(head, float)
    sel = np.ones(len(images.order), bool) if max_order is None else images.order <= max_order
    pos, g = images.positions[sel], images.gain[sel]
    vec = pos - head
    r = np.linalg.norm(vec, axis=-1)
    if np.any(r <= a):
        raise ImageSourceError("an image source is inside the head sphere")
    u = vec / r[:, None]
    ears = ear_positions(head, yaw_deg=yaw_deg, a=a, ear_angle=ear_angle)  # (2,3)
    table = _sphere_table(float(fs), float(a), float(r_ref), c=c)
    n_t, n_h = table.shape
    bulk = 64
    out = np.zeros((length, 2))
    nfft = int(2 ** np.ceil(np.log2(length + n_h)))
    ht = np.fft.rfft(table, n=nfft, axis=-1)  # (T, K)
    for e in range(2):
        cos_t = u @ ((ears[e] - head) / a)
        b = np.rint(np.rad2deg(np.arccos(np.clip(cos_t, -1, 1)))).astype(int)
        used, inv = np.unique(b, return_inverse=True)
        trains = np.zeros((len(used), length))
        _frac_delay_add(trains, inv, r / c * fs - bulk, g / r)
        spec = np.einsum("tk,tk->k", np.fft.rfft(trains, n=nfft, axis=-1), ht[used])
        out[:, e] = np.fft.irfft(spec, n=nfft)[:length]
    return out


def band_energy(x: np.ndarray, fs: float, band: tuple[float, float], axis: int = 0) -> float:
    """Energy of x inside [band) by FFT (sum over all other axes)."""
    n = x.shape[axis]
    spec = np.fft.rfft(x, n=2 * n, axis=axis)
    f = np.fft.rfftfreq(2 * n, 1.0 / fs)
    sel = (f >= band[0]) & (f < band[1])
    p = np.abs(np.take(spec, np.nonzero(sel)[0], axis=axis)) ** 2
    return float(np.sum(p))


def drr_db(direct: np.ndarray, total: np.ndarray, fs: float,
           band: tuple[float, float]) -> float:
    """Direct-to-reverberant ratio (dB) in a band: direct energy over (total - direct)."""
    return _db_ratio(band_energy(direct, fs, band), band_energy(total - direct, fs, band))


def _sphere_directions(n: int) -> np.ndarray:
    """n nearly uniform unit vectors (Fibonacci sphere), (n, 3)."""
    i = np.arange(n) + 0.5
    z = 1 - 2 * i / n
    phi = np.pi * (1 + 5**0.5) * i
    r = np.sqrt(1 - z * z)
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=-1)


def directivity_index(drivers, irs: np.ndarray, fs: float, band: tuple[float, float], *,
                      toward: tuple[float, float, float] = (0.0, 1.0, 0.0),
                      piston: bool = True, n_dirs: int = 800, n_freqs: int = 64,
                      c: float = SPEED_OF_SOUND) -> float:
    """Far-field directivity index (dB) of drivers fed by impulse responses irs (L, D)
    toward `toward`, over a band: on-axis power over the power averaged over the
    sphere, both summed over a linear frequency grid in the band (white weighting,
    as the DRR). piston=False treats the drivers as omnidirectional points (the room
    model's sources). In a diffuse field the DRR changes by the DI change.
    """
    from dsp_model.acoustics import drivers_to_points

    freqs = np.linspace(band[0], band[1], n_freqs)
    n = np.arange(irs.shape[0])
    g = np.exp(-2j * np.pi * freqs[:, None] * n[None, :] / fs) @ irs  # (F, D)
    dirs = np.concatenate([np.asarray(toward, float)[None] / np.linalg.norm(toward),
                           _sphere_directions(n_dirs)])
    if piston:
        h = drivers_to_points(freqs, drivers, dirs, far_field=True, c=c)  # (F, P, D)
    else:
        pos = np.array([d.position for d in drivers], float)
        k = 2 * np.pi * freqs[:, None, None] / c
        h = np.exp(1j * k * (dirs @ pos.T)[None])
    p2 = np.abs(np.einsum("fpd,fd->fp", h, g)) ** 2
    return _db_ratio(float(np.sum(p2[:, 0])), float(np.sum(np.mean(p2[:, 1:], axis=1))))


# ------------------------------------------------------------------ first reflections

# wall name -> (room axis, 0: the wall at coordinate 0, 1: the wall at dims[axis]).
# +x is the listener's right, the device sits near y = 0 facing +y, +z is up.
WALLS = {"left": (0, 0), "right": (0, 1), "front": (1, 0), "back": (1, 1),
         "floor": (2, 0), "ceiling": (2, 1)}


@dataclass(frozen=True)
class _ImageDriver:
    """What acoustics.drivers_to_points reads of a driver."""

    position: tuple[float, float, float]
    orientation: tuple[float, float, float]
    radius: float


def wall_reflection_factor(spec: RoomSpec) -> float:
    """Pressure reflection factor sqrt(1 - alpha) of the room's walls (alpha: the
    energy absorption Sabine's formula gives for spec.rt60, as room_images uses;
    pyroomacoustics' first-order damping)."""
    import pyroomacoustics as pra

    try:
        alpha, _ = pra.inverse_sabine(spec.rt60, list(spec.dims))
    except ValueError as e:
        raise ImageSourceError(f"RT60 {spec.rt60} s in a {spec.dims} m room: {e}") from e
    return float(np.sqrt(1.0 - alpha))


def mirror_drivers(drivers, spec: RoomSpec, wall: str) -> list[_ImageDriver]:
    """Image drivers (room coordinates) of drivers given in profile coordinates: the
    position mirrored in the wall and the axis with its normal component negated."""
    axis, side = WALLS[wall]
    w = 0.0 if side == 0 else float(spec.dims[axis])
    out = []
    for d in drivers:
        p = spec.to_room(d.position)
        o = np.array(d.orientation, float)
        p[axis] = 2 * w - p[axis]
        o[axis] = -o[axis]
        out.append(_ImageDriver(tuple(p), tuple(o), float(d.radius)))
    return out


def first_reflections(drivers, irs: np.ndarray, fs: float, spec: RoomSpec,
                      listener: np.ndarray, band: tuple[float, float], *,
                      n_freqs: int = 256, c: float = SPEED_OF_SOUND) -> dict[str, dict]:
    """Level of each wall's first-order reflection re the direct sound at a point.

    drivers (profile coordinates) fed by impulse responses irs (L, D); listener: a
    point in room coordinates (the head centre, no head). Per wall:
      H_w(f) = rho * sum_d G_d(f) D_d(f, image -> listener) exp(-j k r'_d) / r'_d
    with r'_d the image driver's distance (the reflection path), D_d the piston
    directivity of the mirrored driver toward the listener (= the real driver's
    toward the reflection point), rho = wall_reflection_factor(spec), and the direct
    H_0(f) the same with the real drivers. level_db = 10 log10(sum_f |H_w|^2 /
    sum_f |H_0|^2) over n_freqs linearly spaced frequencies in band (white
    weighting, as the DRR). Also: delay_ms (reflection path minus direct path from
    the device centre) and off_axis_deg (the reflection point seen from the device
    centre, re the direction of the listener).
    """
    from dsp_model.acoustics import drivers_to_points

    listener = np.asarray(listener, float)
    freqs = np.linspace(band[0], band[1], n_freqs)
    n = np.arange(irs.shape[0])
    g = np.exp(-2j * np.pi * freqs[:, None] * n[None, :] / fs) @ irs  # (F, D)
    real = [_ImageDriver(tuple(spec.to_room(d.position)), tuple(d.orientation), d.radius)
            for d in drivers]
    h0 = drivers_to_points(freqs, real, listener, c=c)[:, 0, :]  # (F, D)
    e0 = float(np.sum(np.abs(np.sum(h0 * g, axis=1)) ** 2))
    rho = wall_reflection_factor(spec)
    centre = np.asarray(spec.device, float)
    to_lis = listener - centre
    out = {}
    for wall, (axis, side) in WALLS.items():
        img = mirror_drivers(drivers, spec, wall)
        hw = rho * drivers_to_points(freqs, img, listener, c=c)[:, 0, :]
        ew = float(np.sum(np.abs(np.sum(hw * g, axis=1)) ** 2))
        w = 0.0 if side == 0 else float(spec.dims[axis])
        c_img = centre.copy()
        c_img[axis] = 2 * w - c_img[axis]
        # reflection point: where the image-centre -> listener line meets the wall
        t = (w - c_img[axis]) / (listener[axis] - c_img[axis])
        to_pt = c_img + t * (listener - c_img) - centre
        cos_a = to_pt @ to_lis / (np.linalg.norm(to_pt) * np.linalg.norm(to_lis))
        out[wall] = {
            "level_db": _db_ratio(ew, e0),
            "delay_ms": float(1e3 * (np.linalg.norm(listener - c_img)
                                     - np.linalg.norm(to_lis)) / c),
            "off_axis_deg": float(np.rad2deg(np.arccos(np.clip(cos_a, -1, 1)))),
        }
    return out


def _db_ratio(num: float, den: float, floor_db: float = -200.0) -> float:
    """10 log10(num / den), floored (an exact null gives floor_db, not -inf, so the
    result stays plain JSON)."""
    if den <= 0:
        return -floor_db
    return float(max(10 * np.log10(max(num / den, 1e-300)), floor_db))
