"""Centre-channel midrange beamformer: nulls toward the side walls, wide main lobe.

Design, per frequency f (linear + log grid over the band and its transitions), in
the span of the mirror groups (drivers that are mirror images in x get one weight):

  * steering vectors a(theta, f) (dsp_model.beam_metrics: free field, baffled
    pistons, 1/r and the origin's delay removed) at the listening distance and in
    the far field;
  * LCMV with diagonal loading: w* minimises
        sum_null |a_n^T w|^2 (null angles, both distances) + rear_weight |a_180^T w|^2
        + mu mean|a0|^2 ||w||^2        subject to a0^T w = 1 (0 dB on axis at 2 m);
  * window floor: the level at +-listening_window must be >= lobe_floor_db. With G
    groups, G - 1 complex degrees of freedom remain after the on-axis constraint;
    studio5 (mid pair + up mid) has one: w = w* + lam v, the cost grows as |lam|^2
    and each floor is a disc lam must stay out of. It is solved by tangent
    half-planes (|p| >= Re(p e^{-j phi}) >= g, phi the phase at the current point,
    a few updates): the nearest point of a convex polygon, exact at a fixed point
    and continuous in frequency, so the weights stay smooth enough for short FIRs
    (the nearest point outside the discs themselves flips between branches). More
    degrees of freedom use an active-set magnitude least-squares heuristic;
  * mu is the smallest loading meeting WNG >= wng_min_db (+0.3 dB for the FIR fit),
    found by bisection per frequency, times `loading_scale` (> 1 trades null depth
    for white-noise gain; < 1 can break the floor).

Outside the band the centre goes to the beam drivers as plain mixing: equal-magnitude
feeds time-aligned on axis, scaled to 0 dB on axis (the scale is held above the
band, so the drivers' own directivity roll-off is left to the per-driver EQ).
Weights cross-fade (raised cosine in log frequency) over 0.5 octave below the band
and 0.4 octave above it: the centre is full band, on axis within 0.1 dB from 100 Hz.
Those are the targets; a 128-tap FIR (375 Hz resolution) cannot follow the fade
at 280-400 Hz, so the realised feeds stay superdirective below the band (WNG -9 to
-5 dB, the largest driver gain +11 to +16 dB re plain mixing from 100 to 300 Hz,
where the 180 Hz mid high-pass takes over). `plain_weight_below` trades that
against the nulls at the bottom of the band; 256 taps reach plain mixing below
~150 Hz.

Realisation: one causal FIR of `taps` taps per mirror group, modelling delay taps/2
(the latency), fitted by weighted least squares in the *pattern* domain (errors
weighted by how they show on axis, at the null angles, in the window and around the
circle, both distances) plus a light term toward the per-frequency weights that
bounds effort; normal equations are block-Toeplitz in the lag. One filter output
feeds both drivers of a mirror pair, so studio5 costs 2 x taps MACs per sample.

RTF split (common filter + short ratio filters, as in the CTC) vs per-group FIRs,
studio5, medians at 2 m / far field (measured, same per-frequency targets; RTF =
the side-pair filter as common, the up-mid ratio alternately refitted):
    2 x 64   = 128 MACs  12.8 / 14.1 dB at +-90, on axis 1.1 dB off (fails)
    2 x 96   = 192 MACs  15.2 / 17.2 dB, -3.7 dB at +-45, on axis 0.5 dB
    2 x 128  = 256 MACs  16.8 / 19.3 dB, -3.8 dB at +-45, on axis 0.4 dB (bundled)
    RTF 128 + 16 = 144   18.5 / 17.2 dB, but -4.1 dB at +-45, on axis 1.1 dB
    RTF 128 + 32 = 160   15.8 / 15.9 dB, on axis 1.0 dB and -4.4 dB below the band
    RTF 128 + 64 = 192   14.4 / 16.6 dB
With only two distinct filters after mirror tying, the ratio (up mid / side pair)
flips sign across the low transition and passes through zero near 1.1 kHz, so a
short ratio filter does not hold the figures; plain per-group FIRs are used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dsp_model.beam_metrics import (
    band_grid,
    beam_report,
    design_feeds,
    plot_beam,
    steering,
    wng_db,
)

__all__ = [
    "BeamDesign",
    "beam_report",
    "design_feeds",
    "plot_beam",
    "LOBE_FLOOR_DB",
    "design_beamformer",
    "plain_mix",
    "per_frequency_weights",
    "mirror_groups",
]

LOBE_FLOOR_DB = -3.9  # level held at +-listening_window, dB re on axis (figure: >= -4)
INNER_FLOOR_DB = None  # floor inside the window (dB), None: held at the window edge only
REAR_WEIGHT = 0.1  # weight of the 180 deg term next to each null term
BASE_LOADING = 1e-4  # diagonal loading where the WNG floor does not bind
WNG_MARGIN_DB = 0.3  # design WNG above the floor, room for the FIR fit
LOW_TRANSITION_OCT = 0.5  # cross-fade to plain mixing below the band
HIGH_TRANSITION_OCT = 0.4  # and above it
FIT_PPO = 24  # extra log-spaced fit points per octave around the band
_FIT_NULL_W = 3.0  # pattern-fit weights: null angles in band
_FIT_ON_AXIS_W = 3.0  # on axis, everywhere
_FIT_BAND_W = 1.0  # window angles in band
_FIT_OTHER_W = 0.3  # other angles in band
_FIT_OUT_W = 0.05  # other angles out of band
_FIT_EFFORT_W = 0.1  # weight-domain term toward the per-frequency weights
_FIT_EFFORT_OUT_W = 0.1  # the same below the low transition
_LOBE_WEIGHT = 30.0  # multi-DOF heuristic: weight pulling window angles to the floor
_LOBE_ITERS = 6  # tangent half-plane updates (exact floor at a fixed point)
_BISECT_STEPS = 24
_WINDOW_STEP = 5.0  # deg between constrained angles inside the window
_FIT_ANGLES = (0.0, 30.0, -30.0, 60.0, -60.0, 120.0, -120.0, 150.0, -150.0, 180.0)


@dataclass(frozen=True, eq=False)
class BeamDesign:
    """Beamformer filters for the centre channel: one FIR per beam driver.

    firs[i] feeds driver driver_ids[i]; the on-axis response is a pure delay of
    `latency` samples (re a source at the device centre) inside the band.
    groups: indices of drivers with identical FIRs (one filter output feeds all of
    a group), so the cost is len(groups) * taps MACs per sample.
    """

    driver_ids: tuple[str, ...]
    firs: np.ndarray  # (D, taps) float64
    latency: int  # samples
    band: tuple[float, float]  # Hz
    sample_rate: int
    groups: tuple[tuple[int, ...], ...]
    settings: dict = field(default_factory=dict)
    design_freqs: np.ndarray | None = None  # (F,) Hz, per-frequency design grid
    design_weights: np.ndarray | None = None  # (F, D) complex, without the latency
    loading: np.ndarray | None = None  # (F,) diagonal loading used

    @property
    def taps(self) -> int:
        return int(self.firs.shape[1])

    @property
    def macs_per_sample(self) -> int:
        return len(self.groups) * self.taps if self.taps > 1 else len(self.groups)


def _beam_drivers(profile):
    return [profile.driver(i) for i in profile.beamformer.drivers]


def mirror_groups(drivers, angles=()) -> tuple[tuple[int, ...], ...]:
    """Groups of driver indices that are mirror images in x (position, axis, radius).

    Tying is only valid when the angle set the design uses is mirror-symmetric; pass
    it in `angles` (deg), otherwise every driver is its own group.
    """
    angs = np.round(np.mod(np.asarray(angles, float) + 180.0, 360.0) - 180.0, 6)
    mirrored = np.round(np.mod(-angs + 180.0, 360.0) - 180.0, 6)
    if angs.size and not np.all(np.isin(mirrored, angs)):
        return tuple((i,) for i in range(len(drivers)))
    flip = np.array([-1.0, 1.0, 1.0])
    groups, used = [], set()
    for i, d in enumerate(drivers):
        if i in used:
            continue
        g = [i]
        for j in range(i + 1, len(drivers)):
            e = drivers[j]
            if (j not in used and abs(d.radius - e.radius) < 1e-9
                    and np.allclose(np.array(d.position) * flip, e.position, atol=1e-6)
                    and np.allclose(np.array(d.orientation) * flip, e.orientation, atol=1e-6)):
                g.append(j)
        used.update(g)
        groups.append(tuple(g))
    return tuple(groups)


def _window_angles(window: float) -> np.ndarray:
    """Angles (deg) where the lobe floor is held: 0 < |theta| <= window, step <= 7.5."""
    n = max(int(np.ceil(window / _WINDOW_STEP)), 1)
    pos = window * np.arange(1, n + 1) / n
    return np.concatenate([pos, -pos])


def _outer(a: np.ndarray) -> np.ndarray:
    """sum_k conj(a_k) a_k^T for a (F, K, D) -> (F, D, D)."""
    return np.einsum("fkd,fke->fde", a.conj(), a)


def per_frequency_weights(freqs: np.ndarray, drivers, *, distance: float, null_angles,
                          window: float, wng_min_db: float, loading_scale: float = 1.0,
                          lobe_floor_db: float | None = LOBE_FLOOR_DB,
                          rear_weight: float = REAR_WEIGHT,
                          inner_floor_db: float | None = INNER_FLOOR_DB,
                          groups: tuple[tuple[int, ...], ...] | None = None,
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Per-frequency weights (F, D) (on-axis = 1 at `distance`) and the loading (F,).

    The weights live in the span of the mirror groups (one weight per group, every
    driver of a group gets it). With G groups, G - 1 complex degrees of freedom are
    left once on-axis is fixed: with none (compact2) the weights are the on-axis
    solution; with one (studio5) the window floor is met exactly (`_lobe_exact`);
    with more, an active-set magnitude least-squares heuristic (`_lobe_heuristic`).
    The loading is the smallest meeting the WNG floor (bisection in log mu, per
    frequency), times loading_scale.
    """
    freqs = np.asarray(freqs, float)
    nulls = np.asarray(null_angles, float)
    win = _window_angles(window) if inner_floor_db is not None else np.array([window, -window])
    if groups is None:
        groups = mirror_groups(drivers, np.concatenate([nulls, win, [0.0, 180.0]]))
    sel = _group_matrix(len(drivers), groups)
    az = np.concatenate([[0.0, 180.0], nulls, win])
    an = steering(freqs, drivers, az, distance=distance)
    af = steering(freqs, drivers, nulls, distance=None)
    a0_drv = an[:, 0]
    an, af = an @ sel, af @ sel  # group steering (F, A, G)
    k0 = 2 + len(nulls)
    prob = _Problem(
        a0=an[:, 0], al=an[:, k0:],
        q_fix=_outer(np.concatenate([an[:, 2:k0], af], axis=1))
        + rear_weight * _outer(an[:, 1:2]),
        effort=np.diag(sel.sum(axis=0)) * np.mean(np.abs(a0_drv) ** 2, axis=1)[:, None, None],
        floor=None if lobe_floor_db is None else 10 ** (np.where(
            np.isclose(np.abs(win), window), lobe_floor_db,
            lobe_floor_db if inner_floor_db is None else min(lobe_floor_db, inner_floor_db)) / 20))

    floor = wng_min_db + WNG_MARGIN_DB

    def wng(mu):
        return wng_db(prob.weights(mu) @ sel.T, a0_drv)

    mu = np.full(len(freqs), BASE_LOADING)
    need = wng(mu) < floor
    if need.any():
        lo, hi = np.full(len(freqs), np.log10(BASE_LOADING)), np.full(len(freqs), 4.0)
        for _ in range(_BISECT_STEPS):
            mid = 0.5 * (lo + hi)
            good = wng(10**mid) >= floor
            hi = np.where(good, mid, hi)
            lo = np.where(good, lo, mid)
        mu = np.where(need, 10**hi, mu)
    mu = mu * loading_scale
    return prob.weights(mu) @ sel.T, mu


@dataclass
class _Problem:
    """Per-frequency quadratic problem in group space (see per_frequency_weights)."""

    a0: np.ndarray  # (F, G) on-axis
    al: np.ndarray  # (F, K, G) window angles
    q_fix: np.ndarray  # (F, G, G) null + rear terms
    effort: np.ndarray  # (F, G, G) ||w||^2 over drivers, times mean |a0|^2
    floor: np.ndarray | None  # (K,) window floor per angle, linear, or None

    def weights(self, mu: np.ndarray) -> np.ndarray:
        q = self.q_fix + mu[:, None, None] * self.effort
        ng = self.a0.shape[1]
        if ng == 1:
            return 1.0 / self.a0
        if ng == 2 or self.floor is None:
            # min w^H q w  s.t.  a0^T w = 1  (then the exact window floor if 1 DOF)
            x = np.linalg.solve(q, self.a0.conj()[..., None])[..., 0]
            w = x / np.sum(self.a0 * x, axis=1, keepdims=True)
            if ng == 2 and self.floor is not None:
                w = self._lobe_exact(q, w)
            return w
        return self._lobe_heuristic(q)

    def _lobe_exact(self, q: np.ndarray, w_star: np.ndarray) -> np.ndarray:
        """One degree of freedom: w = w_star + lam v with a0^T v = 0. The cost is
        kappa |lam|^2 + const: w_star minimises it on the line, so the cross term
        vanishes and the cheapest lam is the one nearest 0. The floor |p_k| >= g_k is
        made convex by asking Re(p_k exp(-j phi_k)) >= g_k (which implies it), phi_k
        the phase of p_k at w_star: a half-plane in lam per window angle. The
        nearest point of the polygon is 0, the projection onto one edge or a vertex;
        all are tried. A convex projection moves continuously with frequency, so the
        weights stay smooth enough for short FIRs (the exact non-convex floor flips
        between branches)."""
        g = self.floor[None, :]
        v = np.stack([self.a0[:, 1], -self.a0[:, 0]], axis=1)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        c0 = np.einsum("fkd,fd->fk", self.al, w_star)
        b0 = np.einsum("fkd,fd->fk", self.al, v)
        lam = np.zeros(len(c0), complex)
        for _ in range(_LOBE_ITERS):
            rot = np.exp(-1j * np.angle(c0 + b0 * lam[:, None]))
            lam = self._nearest_in_polygon(c0 * rot, b0 * rot, g)
        return w_star + lam[:, None] * v

    @staticmethod
    def _nearest_in_polygon(c, b, g):
        """Smallest lam with Re(c_k + b_k lam) >= g_k for all k (nearest point of a
        convex polygon to 0); the least-violating candidate if the polygon is empty."""
        d = g - c.real  # Re(b lam) >= d; Re(b lam) = Re(b) x - Im(b) y
        n = np.stack([b.real, -b.imag], axis=-1)  # (F, K, 2)
        nn = np.maximum(np.sum(n * n, axis=-1), 1e-300)
        cands = [np.zeros((len(c), 2))]
        cands += list(np.moveaxis((np.maximum(d, 0) / nn)[..., None] * n, 1, 0))
        i, j = np.triu_indices(c.shape[1], 1)
        ni, nj, di, dj = n[:, i], n[:, j], d[:, i], d[:, j]  # vertices by Cramer's rule
        det = ni[..., 0] * nj[..., 1] - ni[..., 1] * nj[..., 0]
        ok = np.abs(det) > 1e-12 * nn[:, i] * nn[:, j]
        det = np.where(ok, det, 1.0)
        vx = (di * nj[..., 1] - dj * ni[..., 1]) / det
        vy = (ni[..., 0] * dj - nj[..., 0] * di) / det
        verts = np.where(ok[..., None], np.stack([vx, vy], axis=-1), np.nan)
        cands += list(np.moveaxis(verts, 1, 0))
        cand = np.stack(cands, axis=1)  # (F, C, 2)
        viol = np.max(d[:, None, :] - np.einsum("fcx,fkx->fck", cand, n), axis=2)
        viol = np.where(np.isnan(viol), np.inf, viol)
        tol = 1e-9 * np.max(np.abs(d), axis=1, keepdims=True)
        norm = np.linalg.norm(np.nan_to_num(cand, nan=np.inf), axis=2)
        feasible = viol <= tol
        # nearest feasible point; if the polygon is empty, the least-violating one
        key = np.where(feasible, norm, np.inf)
        pick = np.where(feasible.any(axis=1), np.argmin(key, axis=1), np.argmin(viol, axis=1))
        best = cand[np.arange(len(cand)), pick]
        return best[:, 0] + 1j * best[:, 1]

    def _lobe_heuristic(self, q: np.ndarray) -> np.ndarray:
        """More than one degree of freedom: window angles below the floor are pulled
        to g exp(j arg p) with a large weight, phases updated, repeated (active set)."""
        g = self.floor
        al = self.al

        def solve(beta, t):
            qq = q + np.einsum("fk,fkd,fke->fde", beta, al.conj(), al)
            b = np.einsum("fk,fkd,fk->fd", beta, al.conj(), t)
            x = np.linalg.solve(qq, np.stack([b, self.a0.conj()], axis=-1))
            xb, xa = x[..., 0], x[..., 1]
            lam = (1 - np.sum(self.a0 * xb, axis=1)) / np.sum(self.a0 * xa, axis=1)
            return xb + lam[:, None] * xa

        active = np.zeros(al.shape[:2], bool)
        w = solve(np.zeros(al.shape[:2]), np.zeros(al.shape[:2], complex))
        for it in range(_LOBE_ITERS):
            p = np.einsum("fkd,fd->fk", al, w)
            new = (np.abs(p) < g[None, :] * (1 - 1e-3)) & ~active
            active |= new
            w = solve(_LOBE_WEIGHT * active, g[None, :] * np.exp(1j * np.angle(p)))
            if not new.any() and it > 2:
                break
        return w


def _ramp(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def _fit_grid(band, fs, taps) -> np.ndarray:
    nfft = max(16 * taps, 1024)
    lin = np.arange(nfft // 2 + 1) * fs / nfft
    lo = band[0] * 2 ** (-LOW_TRANSITION_OCT - 0.5)
    hi = min(band[1] * 2 ** (HIGH_TRANSITION_OCT + 0.5), 0.99 * fs / 2)
    return np.unique(np.concatenate([lin, band_grid((lo, hi), FIT_PPO)]))


def _toeplitz_normal(q: np.ndarray, r: np.ndarray, freqs: np.ndarray, fs: float, taps: int):
    """Real normal equations of  sum_f || B(f) E(f) h - t(f) ||^2  for real taps h (G, N),
    from q(f) = B^H B (F, G, G) and r(f) = B^H t (F, G): block-Toeplitz in the lag."""
    ng = q.shape[1]
    lags = np.arange(-(taps - 1), taps)
    e = np.exp(2j * np.pi * freqs[:, None] * lags[None, :] / fs)  # (F, 2N-1)
    t = np.real(np.einsum("fgh,fm->ghm", q, e))  # (G, G, 2N-1)
    n = np.arange(taps)
    idx = n[:, None] - n[None, :] + taps - 1
    big = np.block([[t[i, j][idx] for j in range(ng)] for i in range(ng)])
    rhs = np.real(np.einsum("fg,fn->gn", r, e[:, taps - 1:])).reshape(-1)
    return big, rhs


def _group_matrix(n_drivers: int, groups) -> np.ndarray:
    """(D, G) 0/1 matrix: driver d belongs to group g."""
    sel = np.zeros((n_drivers, len(groups)))
    for k, grp in enumerate(groups):
        sel[list(grp), k] = 1.0
    return sel


def _fit_firs(fg, fs, taps, drivers, groups, w_full, angs, *, dist, band, nulls,
              window, plain_weight_below: float = _FIT_EFFORT_OUT_W) -> np.ndarray:
    """One causal FIR (G, taps) per mirror group: weighted least squares in the pattern
    domain over the fit grid fg, both distances.

    Rows per frequency and angle: a_theta^T H(f) - a_theta^T W(f), with W the
    per-frequency weights (latency included); weights: on axis everywhere, the null
    angles and the window in band, lighter elsewhere; plus an effort term
    ||H(f) - W(f)|| that keeps the filter gains near the designed ones.
    """
    sel = _group_matrix(len(drivers), groups)
    inband = (fg >= band[0]) & (fg <= band[1])
    is_null = np.isin(angs, nulls)
    is_win = np.abs(angs) <= window
    base = np.where(inband[:, None], _FIT_OTHER_W, _FIT_OUT_W) * np.ones(len(angs))
    base[:, is_win] = np.where(inband, _FIT_BAND_W, _FIT_OUT_W)[:, None]
    base[:, is_null] = np.where(inband, _FIT_NULL_W, _FIT_OUT_W)[:, None]
    base[:, angs == 0.0] = _FIT_ON_AXIS_W
    w2 = base**2
    # effort term: light in band, heavier outside (plain mixing there, not a beam)
    lo_edge = band[0] * 2 ** -LOW_TRANSITION_OCT
    ew = np.where((fg < lo_edge), plain_weight_below, _FIT_EFFORT_W) ** 2
    q = ew[:, None, None] * np.einsum("dg,dh->gh", sel, sel)[None]
    r = ew[:, None] * (w_full @ sel)
    for dist_i in (dist, None):
        a = steering(fg, drivers, angs, distance=dist_i)  # (F, A, D)
        b = a @ sel  # (F, A, G)
        t = np.einsum("fad,fd->fa", a, w_full)
        q = q + np.einsum("fa,fag,fah->fgh", w2, b.conj(), b)
        r = r + np.einsum("fa,fag,fa->fg", w2, b.conj(), t)
    big, rhs = _toeplitz_normal(q, r, fg, fs, taps)
    big += 1e-9 * np.trace(big) / len(big) * np.eye(len(big))
    return np.linalg.solve(big, rhs).reshape(len(groups), taps)


def design_beamformer(profile, *, loading_scale: float = 1.0, wng_min_db: float | None = None,
                      lobe_floor_db: float | None = LOBE_FLOOR_DB,
                      rear_weight: float = REAR_WEIGHT,
                      inner_floor_db: float | None = INNER_FLOOR_DB,
                      plain_weight_below: float = _FIT_EFFORT_OUT_W,
                      taps: int | None = None) -> BeamDesign:
    """Design the centre-channel beamformer FIRs for profile.beamformer.

    loading_scale multiplies the per-frequency diagonal loading (1: just meets the WNG
    floor); wng_min_db, taps default to the profile; lobe_floor_db=None drops the
    window constraint (pure null steering); inner_floor_db also holds a floor at 5 deg
    steps inside the window; rear_weight weights the 180 deg term; plain_weight_below
    is the FIR-fit weight pulling the feeds toward plain mixing below the low
    transition (0.1: the band edge keeps its nulls and the superdirective feeds run on
    below the band, up to ~+15 dB re plain mixing at 250 Hz with 128 taps; 1.0 brings
    that to ~+10 dB and costs ~2.5 dB of median null depth).
    """
    bf = profile.beamformer
    fs = profile.sample_rate
    taps = int(bf.taps if taps is None else taps)
    wmin = float(bf.wng_min_db if wng_min_db is None else wng_min_db)
    drivers = _beam_drivers(profile)
    dist = profile.listener.distance
    band = (float(bf.band[0]), float(bf.band[1]))
    nulls = tuple(float(a) for a in bf.null_angles)
    win = float(bf.listening_window)
    delay = taps // 2

    fg = _fit_grid(band, fs, taps)
    lf = np.log2(np.maximum(fg, 1.0))
    alpha = (_ramp((lf - np.log2(band[0]) + LOW_TRANSITION_OCT) / LOW_TRANSITION_OCT)
             * _ramp((np.log2(band[1]) + HIGH_TRANSITION_OCT - lf) / HIGH_TRANSITION_OCT))
    active = alpha > 0
    angs = np.unique(np.concatenate([_FIT_ANGLES, nulls, _window_angles(win)]))
    groups = mirror_groups(drivers, angs)
    w_beam, mu = per_frequency_weights(
        fg[active], drivers, distance=dist, null_angles=nulls, window=win,
        wng_min_db=wmin, loading_scale=loading_scale,
        rear_weight=rear_weight, lobe_floor_db=lobe_floor_db,
        inner_floor_db=inner_floor_db, groups=groups)

    # plain mixing out of band: equal magnitudes, aligned on axis, 0 dB on axis
    a0 = steering(fg, drivers, np.array([0.0]), distance=dist)[:, 0]
    a0_held = steering(np.minimum(fg, band[1]), drivers, np.array([0.0]), distance=dist)[:, 0]
    w_plain = np.exp(-1j * np.angle(a0)) / np.sum(np.abs(a0_held), axis=1, keepdims=True)
    w_full = w_plain.copy()
    w_full[active] = alpha[active, None] * w_beam + (1 - alpha[active, None]) * w_plain[active]
    w_full = w_full * np.exp(-2j * np.pi * fg * delay / fs)[:, None]

    h = _fit_firs(fg, fs, taps, drivers, groups, w_full, angs, dist=dist, band=band,
                  nulls=nulls, window=win, plain_weight_below=plain_weight_below)
    sel = _group_matrix(len(drivers), groups)
    firs = sel @ h

    settings = {"wng_min_db": wmin, "loading_scale": float(loading_scale),
                "lobe_floor_db": lobe_floor_db, "inner_floor_db": inner_floor_db,
                "rear_weight": float(rear_weight),
                "plain_weight_below": float(plain_weight_below),
                "taps": taps, "modelling_delay": delay}
    return BeamDesign(driver_ids=tuple(bf.drivers), firs=firs, latency=delay, band=band,
                      sample_rate=fs, groups=groups, settings=settings,
                      design_freqs=fg[active], design_weights=w_beam, loading=mu)


def plain_mix(profile) -> BeamDesign:
    """Plain matrix mixing of the same drivers: every beam driver gets C / N, no filter."""
    bf = profile.beamformer
    n = len(bf.drivers)
    return BeamDesign(driver_ids=tuple(bf.drivers), firs=np.full((n, 1), 1.0 / n), latency=0,
                      band=(float(bf.band[0]), float(bf.band[1])),
                      sample_rate=profile.sample_rate, groups=(tuple(range(n)),),
                      settings={"plain_mix": True})
