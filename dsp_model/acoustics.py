"""Acoustic model: driver -> ear transfer functions of a compact speaker.

Three factors, each a textbook model (vectorised over frequency, sources and
listener positions):
  * free-field propagation of a point source, exp(-j w r / c) / r, with r in
    metres so a source 1 m away has unit gain;
  * driver directivity of a baffled circular piston of radius b,
    D = 2 J1(kb sin phi) / (kb sin phi), phi the angle off the driver's axis
    (first off-axis null where kb sin phi = 3.832). The formula is symmetric
    front/back; a real box shadows its rear half, which matters only for
    drivers firing away from the listener (the profiles have none);
  * the head as a rigid sphere of radius a (Duda & Martens 1998, JASA 104,
    3048), the exact series for a point source at any distance r >= a:
        H = -(rho/mu) e^{-i mu rho} sum_m (2m+1) P_m(cos theta) h_m(mu rho) / h_m'(mu)
    with mu = ka, rho = r/a, h_m the spherical Hankel function of the first
    kind, theta the angle between the source and the ear seen from the centre.
    H is the pressure at the ear relative to the free-field pressure at the
    head centre with the head absent. The physics convention is e^{-i w t};
    we return the conjugate, so delays read exp(-j w tau) as in DSP.

Coordinates are the profile's (device_profiles/_schema.py): device at the
origin, +y toward the listener, +x the listener's right, +z up; the listener
faces -y. Head yaw is positive toward the listener's right.
"""

from __future__ import annotations

import numpy as np
from scipy.special import eval_legendre, j1, spherical_jn, spherical_yn

SPEED_OF_SOUND = 343.0  # m/s, air at 20 C

__all__ = [
    "SPEED_OF_SOUND",
    "sphere_hrtf",
    "piston_directivity",
    "ear_positions",
    "point_sources_to_ears",
    "drivers_to_ears",
    "drivers_to_points",
    "listener_positions",
    "interaural_differences",
]


def _n_terms(mu: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Series terms needed per frequency: up to ~ka the terms are O(1), beyond it
    they fall like rho^-m; 1e-10 relative is reached at m ~ ka + 23/ln(rho) + 10."""
    tail = 23.0 / np.log(np.maximum(rho, 1.05))
    return np.minimum(np.ceil(mu + tail + 10.0), 400).astype(int)


def _hankel_scipy(m: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """h_m(x) and h_m'(x) from scipy's spherical Bessel functions."""
    h = spherical_jn(m, x) + 1j * spherical_yn(m, x)
    dh = spherical_jn(m, x, derivative=True) + 1j * spherical_yn(m, x, derivative=True)
    return h, dh


def sphere_hrtf(freqs: np.ndarray, theta: np.ndarray, r: np.ndarray, *, a: float,
                c: float = SPEED_OF_SOUND, method: str = "recursion") -> np.ndarray:
    """Rigid-sphere transfer function (ear pressure / free-field centre pressure).

    freqs (F,) Hz; theta, r broadcastable arrays: angle source-centre-ear (rad) and
    source distance from the centre (m, > a). Returns complex (F, *broadcast shape).
    method "recursion" uses the upward recurrence of h_m (stable: h_m grows with m);
    "scipy" uses scipy.special. They are independent evaluations of one series.
    """
    f = np.asarray(freqs, dtype=float).reshape((-1,) + (1,) * np.ndim(np.broadcast(theta, r)))
    theta, r = np.broadcast_arrays(np.asarray(theta, float), np.asarray(r, float))
    if np.any(r <= a):
        raise ValueError(f"source distance must exceed the head radius a={a} m")
    mu = 2 * np.pi * np.maximum(f, 1e-3) * a / c  # avoid ka = 0 exactly
    rho = r / a
    mu, rho, cos_t = np.broadcast_arrays(mu, rho, np.cos(theta))
    nmax = _n_terms(mu, rho)
    x_src = mu * rho
    total = np.zeros(mu.shape, dtype=complex)
    if method == "scipy":
        for m in range(int(nmax.max()) + 1):
            active = m <= nmax
            hs, _ = _hankel_scipy(m, np.where(active, x_src, 1.0))
            _, dh = _hankel_scipy(m, np.where(active, mu, 1.0))
            term = (2 * m + 1) * eval_legendre(m, cos_t) * hs / dh
            total += np.where(active, term, 0.0)
    elif method == "recursion":
        # h_0(x) = -i e^{ix}/x, h_1(x) = -e^{ix}(x + i)/x^2,
        # h_{m+1} = (2m+1)/x h_m - h_{m-1},  h_m' = h_{m-1} - (m+1)/x h_m,
        # Legendre: (m+1) P_{m+1} = (2m+1) x P_m - m P_{m-1}.
        def h01(x):
            e = np.exp(1j * x)
            return -1j * e / x, -e * (x + 1j) / x**2

        hs_prev, hs = h01(x_src)
        ha_prev, ha = h01(mu)
        p_prev, p = np.ones_like(cos_t), cos_t
        # m = 0 term: h_0' = -h_1
        total += hs_prev / (-ha)
        with np.errstate(over="ignore", invalid="ignore"):
            for m in range(1, int(nmax.max()) + 1):
                active = m <= nmax
                dh = ha_prev - (m + 1) / mu * ha
                total += np.where(active, (2 * m + 1) * p * hs / dh, 0.0)
                hs_prev, hs = hs, (2 * m + 1) / x_src * hs - hs_prev
                ha_prev, ha = ha, (2 * m + 1) / mu * ha - ha_prev
                p_prev, p = p, ((2 * m + 1) * cos_t * p - m * p_prev) / (m + 1)
    else:
        raise ValueError(f"method must be 'recursion' or 'scipy', not {method!r}")
    h = -(rho / mu) * np.exp(-1j * mu * rho) * total
    return np.conj(h)


def piston_directivity(freqs: np.ndarray, radius: float, cos_phi: np.ndarray,
                       c: float = SPEED_OF_SOUND) -> np.ndarray:
    """Baffled-piston directivity 2 J1(kb sin phi)/(kb sin phi), real, (F, *cos_phi.shape)."""
    f = np.asarray(freqs, float).reshape((-1,) + (1,) * np.ndim(cos_phi))
    sin_phi = np.sqrt(np.clip(1.0 - np.asarray(cos_phi, float) ** 2, 0.0, 1.0))
    x = 2 * np.pi * f / c * radius * sin_phi
    safe = np.where(x < 1e-8, 1.0, x)
    return np.where(x < 1e-8, 1.0, 2.0 * j1(safe) / safe)


def ear_positions(head: np.ndarray, *, yaw_deg: float | np.ndarray = 0.0, a: float,
                  ear_angle: float = 90.0) -> np.ndarray:
    """Ear positions (..., 2, 3) [left, right] for head centres (..., 3).

    The listener faces -y (the device); each ear sits at +-ear_angle from the nose
    in the horizontal plane, at radius a. Yaw turns the head toward +x.
    """
    head = np.asarray(head, float)
    yaw = np.deg2rad(np.asarray(yaw_deg, float))[..., None]
    ang = np.deg2rad(np.array([-ear_angle, ear_angle])) + yaw  # left, right
    offs = np.stack([a * np.sin(ang), -a * np.cos(ang), np.zeros_like(ang)], axis=-1)
    return head[..., None, :] + offs


def point_sources_to_ears(freqs: np.ndarray, sources: np.ndarray, heads: np.ndarray, *,
                          a: float, ear_angle: float = 90.0, yaw_deg: float = 0.0,
                          c: float = SPEED_OF_SOUND, method: str = "recursion") -> np.ndarray:
    """Omnidirectional point sources (S,3) to the ears of heads (P,3): (F, P, 2, S).

    Each path is free-field propagation to the head centre times the sphere factor.
    """
    sources = np.atleast_2d(np.asarray(sources, float))
    heads = np.atleast_2d(np.asarray(heads, float))
    ears = ear_positions(heads, yaw_deg=yaw_deg, a=a, ear_angle=ear_angle)  # (P,2,3)
    to_src = sources[None, :, :] - heads[:, None, :]  # (P,S,3)
    r = np.linalg.norm(to_src, axis=-1)  # (P,S)
    ear_dir = (ears - heads[:, None, :]) / a  # (P,2,3)
    cos_t = np.einsum("pex,psx->pes", ear_dir, to_src / r[..., None])
    theta = np.arccos(np.clip(cos_t, -1.0, 1.0))  # (P,2,S)
    sph = sphere_hrtf(freqs, theta, r[:, None, :], a=a, c=c, method=method)
    k = 2 * np.pi * np.asarray(freqs, float) / c
    prop = np.exp(-1j * k[:, None, None, None] * r[None, :, None, :]) / r[None, :, None, :]
    return sph * prop


def listener_positions(distance: float, *, dx: np.ndarray | float = 0.0,
                       dy: np.ndarray | float = 0.0) -> np.ndarray:
    """Head centres (P,3) for sideways offsets dx and depth offsets dy (m)."""
    dx, dy = np.broadcast_arrays(np.atleast_1d(dx), np.atleast_1d(dy))
    return np.stack([dx, distance + dy, np.zeros_like(dx)], axis=-1).astype(float)


def _driver_arrays(drivers) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pos = np.array([d.position for d in drivers], float)
    ori = np.array([d.orientation for d in drivers], float)
    rad = np.array([d.radius for d in drivers], float)
    return pos, ori, rad


def _directivity(freqs, pos, ori, rad, targets, c) -> np.ndarray:
    """(F, P, D) piston directivity of each driver toward each target point (P,3)."""
    vec = targets[:, None, :] - pos[None, :, :]  # (P,D,3)
    cos_phi = np.einsum("pdx,dx->pd", vec, ori) / np.linalg.norm(vec, axis=-1)
    out = np.empty((len(np.atleast_1d(freqs)),) + cos_phi.shape)
    for i, b in enumerate(rad):
        out[..., i] = piston_directivity(freqs, b, cos_phi[:, i], c=c)
    return out


def drivers_to_ears(freqs: np.ndarray, profile, *, heads: np.ndarray | None = None,
                    yaw_deg: float = 0.0, head_radius: float | None = None,
                    drivers=None, c: float = SPEED_OF_SOUND,
                    method: str = "recursion", ear_angle: float | None = None) -> np.ndarray:
    """Driver -> ear transfer functions H (F, P, 2, D) for a profile.

    heads: (P,3) head centres (default: the profile's listener position);
    drivers: a subset of profile.drivers (default all). Ear order [left, right].
    head_radius, ear_angle: the sphere's (default the profile's listener).
    Directivity is taken toward the head centre (the head is small next to the
    distance, and the ears differ from it by the sphere factor).
    """
    lis = profile.listener
    a = lis.head_radius if head_radius is None else head_radius
    drivers = profile.drivers if drivers is None else drivers
    if heads is None:
        heads = listener_positions(lis.distance)
    heads = np.atleast_2d(np.asarray(heads, float))
    pos, ori, rad = _driver_arrays(drivers)
    ear_angle = lis.ear_angle if ear_angle is None else ear_angle
    h = point_sources_to_ears(freqs, pos, heads, a=a, ear_angle=ear_angle,
                              yaw_deg=yaw_deg, c=c, method=method)
    d = _directivity(freqs, pos, ori, rad, heads, c)  # (F,P,D)
    return h * d[:, :, None, :]


def drivers_to_points(freqs: np.ndarray, drivers, points: np.ndarray, *,
                      far_field: bool = False, c: float = SPEED_OF_SOUND) -> np.ndarray:
    """Free-field pressure (no head) from each driver at points (P,3): (F, P, D).

    far_field=True evaluates the plane-wave limit in the direction of each point:
    the phase from the projection of the driver position on that direction and no
    1/r differences, normalised to 1 m (the pattern an infinitely distant observer
    sees). Otherwise exact spherical spreading, normalised to 1 m.
    """
    points = np.atleast_2d(np.asarray(points, float))
    pos, ori, rad = _driver_arrays(drivers)
    k = 2 * np.pi * np.asarray(freqs, float)[:, None, None] / c
    if far_field:
        u = points / np.linalg.norm(points, axis=-1, keepdims=True)  # (P,3)
        proj = u @ pos.T  # (P,D): path-length advance toward u
        p = np.exp(1j * k * proj[None])
        d = _directivity(freqs, pos, ori, rad, u * 1e6, c)
    else:
        r = np.linalg.norm(points[:, None, :] - pos[None, :, :], axis=-1)  # (P,D)
        p = np.exp(-1j * k * r[None]) / r[None]
        d = _directivity(freqs, pos, ori, rad, points, c)
    return p * d


def interaural_differences(h_left: np.ndarray, h_right: np.ndarray,
                           freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ILD (dB, right re left) and interaural phase delay (s, left-ear lag) per frequency.

    Positive ITD means the sound reaches the right ear first (source on the right).
    The phase is unwrapped along frequency, so start the grid low (< 100 Hz).
    """
    ratio = h_right / h_left
    ild = 20 * np.log10(np.abs(ratio))
    phase = np.unwrap(np.angle(ratio), axis=0)
    w = 2 * np.pi * np.asarray(freqs, float).reshape((-1,) + (1,) * (ratio.ndim - 1))
    return ild, phase / w
