"""Beam-pattern metrics for the centre-channel beamformer (and plain matrix mixing).

Conventions (device_profiles/_schema.py): azimuth seen from the device, 0 deg
toward the listener, +90 deg toward +x, in the horizontal plane z = 0.

Steering vectors a(theta, f) are the free-field pressures of each driver
(dsp_model.acoustics.drivers_to_points, baffled-piston directivity) at a point
of the circle of radius `distance` around the device centre, multiplied by
distance * exp(+j k distance): the 1/r level and the bulk propagation delay of
the device centre are removed, so a point source at the origin has a(theta) = 1
at every distance, and the listening-distance vector tends to the far-field one
(`far_field=True`) as the distance grows. A pattern is p = a^T H, H (F, D) the
driver feeds (filter responses); every level is in dB re on-axis (theta = 0)
unless it says "absolute".

White-noise gain (WNG) of feeds H at frequency f:
    WNG = |a0^T H|^2 / (||H||^2 * mean_d |a0_d|^2),   a0 the on-axis vector,
so one driver alone scores 0 dB and N equal drivers in phase 10 log10 N; it is
the on-axis output per unit of summed driver effort, normalised by the average
driver's on-axis sensitivity, and its inverse scales how much uncorrelated
driver errors show in the nulls.

Band medians are over a log-spaced grid (`band_grid`, 24 points per octave by
default), never over linear FFT bins.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from dsp_model.acoustics import SPEED_OF_SOUND, drivers_to_points

__all__ = [
    "FIGURE_LIMITS",
    "band_grid",
    "beam_report",
    "design_feeds",
    "plot_beam",
    "taps_options",
    "tradeoff_table",
    "steering",
    "fir_response",
    "pattern",
    "wng_db",
    "directivity_index",
    "pattern_figures",
    "mismatch_null_depth",
]

DEFAULT_PPO = 24  # log-grid points per octave for band medians


def band_grid(band: tuple[float, float], ppo: int = DEFAULT_PPO) -> np.ndarray:
    """Log-spaced frequencies (Hz) covering band, ppo points per octave, ends included."""
    lo, hi = float(band[0]), float(band[1])
    if not 0 < lo < hi:
        raise ValueError(f"band must satisfy 0 < lo < hi, got {band}")
    n = int(np.ceil(np.log2(hi / lo) * ppo)) + 1
    return np.geomspace(lo, hi, n)


def _circle(azimuths_deg: np.ndarray, radius: float) -> np.ndarray:
    th = np.deg2rad(np.asarray(azimuths_deg, float))
    return np.stack([radius * np.sin(th), radius * np.cos(th), np.zeros_like(th)], axis=-1)


def steering(freqs: np.ndarray, drivers, points_or_az, *, distance: float | None,
             c: float = SPEED_OF_SOUND) -> np.ndarray:
    """Normalised steering vectors (F, P, D) toward azimuths (deg, horizontal plane) or
    toward points (P, 3) (directions, for far field; positions otherwise).

    distance=None: far field (plane-wave limit); else the circle/points at that range,
    with the 1/r level and the origin's propagation delay removed (module docstring).
    """
    freqs = np.atleast_1d(np.asarray(freqs, float))
    pts = np.asarray(points_or_az, float)
    if pts.ndim == 1:
        pts = _circle(pts, 1.0 if distance is None else distance)
    if distance is None:
        return drivers_to_points(freqs, drivers, pts, far_field=True, c=c)
    r = np.linalg.norm(pts, axis=-1)  # (P,)
    k = 2 * np.pi * freqs / c
    h = drivers_to_points(freqs, drivers, pts, far_field=False, c=c)
    return h * (r * np.exp(1j * k[:, None] * r))[..., None]


def fir_response(firs: np.ndarray, freqs: np.ndarray, fs: float) -> np.ndarray:
    """Frequency responses (F, D) of FIRs (D, N) at freqs (Hz)."""
    firs = np.atleast_2d(np.asarray(firs, float))
    n = np.arange(firs.shape[1])
    e = np.exp(-2j * np.pi * np.asarray(freqs, float)[:, None] * n[None, :] / fs)
    return e @ firs.T


def pattern(h: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Pattern (F, P) of feeds h (F, D) through steering vectors a (F, P, D)."""
    return np.einsum("fpd,fd->fp", a, h)


def wng_db(h: np.ndarray, a0: np.ndarray) -> np.ndarray:
    """White-noise gain (F,) in dB of feeds h (F, D) for on-axis vectors a0 (F, D)."""
    num = np.abs(np.sum(a0 * h, axis=-1)) ** 2
    den = np.sum(np.abs(h) ** 2, axis=-1) * np.mean(np.abs(a0) ** 2, axis=-1)
    return 10 * np.log10(np.maximum(num, 1e-30) / np.maximum(den, 1e-30))


def _sphere_points(n: int) -> np.ndarray:
    """n near-uniform unit vectors (Fibonacci lattice, equal area per point)."""
    i = np.arange(n) + 0.5
    z = 1 - 2 * i / n
    phi = np.pi * (1 + 5**0.5) * i
    s = np.sqrt(1 - z * z)
    return np.stack([s * np.cos(phi), s * np.sin(phi), z], axis=-1)


def directivity_index(h: np.ndarray, freqs: np.ndarray, drivers, *, distance: float | None,
                      n_points: int = 600) -> np.ndarray:
    """Directivity index (F,) in dB: on-axis power over the mean power on the whole
    sphere (equal-area lattice) at `distance` (None: far field)."""
    u = _sphere_points(n_points)
    pts = u if distance is None else u * distance
    a = steering(freqs, drivers, pts, distance=distance)
    a0 = steering(freqs, drivers, np.array([0.0]), distance=distance)
    p_all = pattern(h, a)
    p0 = pattern(h, a0)[:, 0]
    return 10 * np.log10(np.abs(p0) ** 2 / np.mean(np.abs(p_all) ** 2, axis=1))


def _median(x) -> float:
    return float(np.median(x))


def pattern_figures(h: np.ndarray, freqs: np.ndarray, drivers, *, distance: float | None,
                    null_angles, window: float) -> dict:
    """Headline figures of feeds h (F, D) on the log grid freqs, at one distance.

    attenuation at the null angles re on-axis (per frequency the worst null angle,
    then median/min over the band); level at +-window (per frequency the lower side;
    median and min) and the lowest level anywhere inside the window; on-axis
    absolute level (0 dB = target) max deviation; level at 180 deg and the rear
    half-plane energy (mean |p|^2 over 90 < |theta| <= 180) re on-axis; WNG min.
    """
    nulls = np.asarray(null_angles, float)
    win = np.arange(-window, window + 0.1, 5.0)
    rear = np.arange(95.0, 180.1, 5.0)
    rear = np.concatenate([rear, -rear[:-1]])
    az = np.concatenate([[0.0, 180.0, window, -window], nulls, win, rear])
    a = steering(freqs, drivers, az, distance=distance)
    p = pattern(h, a)
    p0 = p[:, :1]
    rel = 20 * np.log10(np.maximum(np.abs(p), 1e-15) / np.abs(p0))
    k = 4 + len(nulls)
    att = -np.max(rel[:, 4:k], axis=1)  # worst null per frequency
    edge = np.min(rel[:, 2:4], axis=1)
    inside_all = rel[:, k:k + len(win)]
    fi, ai = np.unravel_index(np.argmin(inside_all), inside_all.shape)
    inside = np.min(inside_all, axis=1)
    rear_e = 10 * np.log10(np.mean(np.abs(p[:, k + len(win):]) ** 2, axis=1)
                           / np.abs(p0[:, 0]) ** 2)
    on = 20 * np.log10(np.abs(p0[:, 0]))
    wng = wng_db(h, a[:, 0])
    return {
        "null_attenuation_median_db": _median(att),
        "null_attenuation_min_db": float(att.min()),
        "window_level_median_db": _median(edge),
        "window_level_min_db": float(edge.min()),
        "window_inside_min_db": float(inside.min()),
        "window_inside_min_at_hz_deg": [float(freqs[fi]), float(win[ai])],
        "on_axis_max_dev_db": float(np.max(np.abs(on))),
        "on_axis_range_db": [float(on.min()), float(on.max())],
        "rear_180_median_db": _median(rel[:, 1]),
        "rear_half_energy_median_db": _median(rear_e),
        "wng_min_db": float(wng.min()),
        "wng_median_db": _median(wng),
    }


def _rotate(v: np.ndarray, axis: np.ndarray, ang: float) -> np.ndarray:
    """Rodrigues rotation of v about unit axis by ang (rad)."""
    return (v * np.cos(ang) + np.cross(axis, v) * np.sin(ang)
            + axis * np.dot(axis, v) * (1 - np.cos(ang)))


def mismatch_null_depth(h: np.ndarray, freqs: np.ndarray, drivers, *, distance: float | None,
                        null_angles, gain_db: float = 0.5, angle_deg: float = 5.0,
                        draws: int = 50, seed: int = 13) -> dict:
    """Null depth under random driver mismatch: per draw each driver gets a gain error
    uniform in +-gain_db and its axis tilted by an angle uniform in +-angle_deg about a
    random axis perpendicular to it; the band-median attenuation at the worst null angle
    per draw, summarised over the draws (median, 10th percentile, min)."""
    rng = np.random.default_rng(seed)
    az = np.concatenate([[0.0], np.asarray(null_angles, float)])
    depths = np.empty(draws)
    for i in range(draws):
        g = 10 ** (rng.uniform(-gain_db, gain_db, len(drivers)) / 20)
        moved = []
        for d in drivers:
            o = np.asarray(d.orientation, float)
            t = rng.normal(size=3)
            t -= o * np.dot(t, o)
            t /= np.linalg.norm(t)
            o2 = _rotate(o, t, np.deg2rad(rng.uniform(-angle_deg, angle_deg)))
            moved.append(dataclasses.replace(d, orientation=tuple(o2)))
        a = steering(freqs, moved, az, distance=distance)
        p = pattern(h * g[None, :], a)
        rel = 20 * np.log10(np.maximum(np.abs(p[:, 1:]), 1e-15) / np.abs(p[:, :1]))
        depths[i] = np.median(-np.max(rel, axis=1))
    return {"draws": draws, "seed": seed, "gain_db": gain_db, "angle_deg": angle_deg,
            "median_db": float(np.median(depths)),
            "p10_db": float(np.percentile(depths, 10)), "min_db": float(depths.min())}


# ---------------------------------------------------------------- design report

FIGURE_LIMITS = {  # issue 13, studio5: band medians unless named min/max
    "null_attenuation_median_db": 15.0,  # >=
    "window_level_median_db": -4.0,  # >=
    "on_axis_max_dev_db": 1.0,  # <=
}
TRADEOFF_SETTINGS = (  # (label, design_beamformer keyword arguments)
    ("bundled", {}),
    ("WNG >= -6 dB", {"wng_min_db": -6.0}),
    ("WNG >= 0 dB", {"wng_min_db": 0.0}),
    ("loading x10", {"loading_scale": 10.0}),
    ("no window floor", {"lobe_floor_db": None}),
    ("no window floor, WNG >= -6 dB", {"lobe_floor_db": None, "wng_min_db": -6.0}),
    ("no window floor, WNG >= 0 dB", {"lobe_floor_db": None, "wng_min_db": 0.0}),
    ("floor -9 dB inside the window", {"inner_floor_db": -9.0}),
    ("rear weight 0 (nulls only)", {"rear_weight": 0.0}),
    ("rear weight 1", {"rear_weight": 1.0}),
)


def design_feeds(design, freqs: np.ndarray) -> np.ndarray:
    """Driver feeds (F, D) of a BeamDesign at freqs (Hz), its latency removed."""
    freqs = np.asarray(freqs, float)
    h = fir_response(design.firs, freqs, design.sample_rate)
    return h * np.exp(2j * np.pi * freqs * design.latency / design.sample_rate)[:, None]


def _beam_drivers(profile):
    return [profile.driver(i) for i in profile.beamformer.drivers]


def _rows(profile, h, freqs) -> dict:
    bf = profile.beamformer
    drivers = _beam_drivers(profile)
    return {name: pattern_figures(h, freqs, drivers, distance=dist, null_angles=bf.null_angles,
                                  window=bf.listening_window)
            for name, dist in (("distance", profile.listener.distance), ("far_field", None))}


def _checks(fig: dict, wng_min: float) -> dict:
    return {
        "null_attenuation_median_db": fig["null_attenuation_median_db"]
        >= FIGURE_LIMITS["null_attenuation_median_db"],
        "window_level_median_db": fig["window_level_median_db"]
        >= FIGURE_LIMITS["window_level_median_db"],
        "on_axis_max_dev_db": fig["on_axis_max_dev_db"] <= FIGURE_LIMITS["on_axis_max_dev_db"],
        "wng_min_db": fig["wng_min_db"] >= wng_min,
    }


def tradeoff_table(profile, settings=TRADEOFF_SETTINGS, *, realized: bool = False) -> list[dict]:
    """Null depth vs window level vs WNG for several regularisation settings.

    realized=False evaluates the per-frequency weights on the log grid (fast: what the
    geometry allows before the FIR realisation); True designs and evaluates the FIRs.
    """
    from dsp_model.beamformer import design_beamformer, per_frequency_weights

    bf = profile.beamformer
    freqs = band_grid(bf.band)
    drivers = _beam_drivers(profile)
    rows = []
    for label, kw in settings:
        if realized:
            h = design_feeds(design_beamformer(profile, **kw), freqs)
        else:
            pf = {k: v for k, v in kw.items() if k != "taps"}
            pf.setdefault("wng_min_db", bf.wng_min_db)
            h, _ = per_frequency_weights(freqs, drivers, distance=profile.listener.distance,
                                         null_angles=bf.null_angles,
                                         window=bf.listening_window, **pf)
        figs = _rows(profile, h, freqs)
        row = {"label": label, "settings": {k: v for k, v in kw.items()}}
        for where, f in figs.items():
            row[where] = {k: f[k] for k in (
                "null_attenuation_median_db", "window_level_median_db", "window_level_min_db",
                "window_inside_min_db", "rear_180_median_db", "rear_half_energy_median_db",
                "wng_min_db")}
        rows.append(row)
    return rows


def taps_options(profile, taps=(64, 96, 128, 192)) -> list[dict]:
    """Cost vs figures: the bundled settings realised with other FIR lengths."""
    from dsp_model.beamformer import design_beamformer

    freqs = band_grid(profile.beamformer.band)
    out = []
    for n in taps:
        d = design_beamformer(profile, taps=n)
        figs = _rows(profile, design_feeds(d, freqs), freqs)
        row = {"taps": n, "macs_per_sample": d.macs_per_sample, "latency_samples": d.latency}
        for where, f in figs.items():
            row[where] = {k: f[k] for k in ("null_attenuation_median_db",
                                            "window_level_median_db", "on_axis_max_dev_db",
                                            "wng_min_db")}
            row[where]["meets"] = bool(all(_checks(f, profile.beamformer.wng_min_db).values()))
        out.append(row)
    return out


def beam_report(profile, design) -> dict:
    """Every beamformer figure for one profile and design, as plain JSON-able data."""
    from dsp_model.beamformer import plain_mix

    bf = profile.beamformer
    drivers = _beam_drivers(profile)
    dist = profile.listener.distance
    freqs = band_grid(bf.band)
    plain = plain_mix(profile)
    h_beam, h_plain = design_feeds(design, freqs), design_feeds(plain, freqs)
    beam, plain_rows = _rows(profile, h_beam, freqs), _rows(profile, h_plain, freqs)
    checks = {k: _checks(v, bf.wng_min_db) for k, v in beam.items()}

    curve_f = band_grid(bf.band, 12)
    hb, hp = design_feeds(design, curve_f), design_feeds(plain, curve_f)
    curves = {"freqs_hz": curve_f.tolist()}
    for where, dd in (("distance", dist), ("far_field", None)):
        az = np.concatenate([[0.0], np.asarray(bf.null_angles, float),
                             [bf.listening_window, -bf.listening_window, 180.0]])
        a = steering(curve_f, drivers, az, distance=dd)
        for name, h in (("beam", hb), ("plain", hp)):
            p = pattern(h, a)
            rel = 20 * np.log10(np.maximum(np.abs(p), 1e-15) / np.abs(p[:, :1]))
            n = len(bf.null_angles)
            curves[f"{name}_{where}"] = {
                "on_axis_db": (20 * np.log10(np.abs(p[:, 0]))).tolist(),
                "null_attenuation_db": (-np.max(rel[:, 1:1 + n], axis=1)).tolist(),
                "window_level_db": np.min(rel[:, 1 + n:3 + n], axis=1).tolist(),
                "rear_180_db": rel[:, 3 + n].tolist(),
                "wng_db": wng_db(h, a[:, 0]).tolist(),
                "di_db": directivity_index(h, curve_f, drivers, distance=dd).tolist(),
            }
    full_f = np.geomspace(100.0, min(12000.0, 0.45 * profile.sample_rate), 80)
    a0 = steering(full_f, drivers, np.array([0.0]), distance=dist)[:, 0]
    hf = design_feeds(design, full_f)
    on_full = 20 * np.log10(np.abs(np.sum(a0 * hf, axis=1)))
    wng_full = wng_db(hf, a0)
    below = full_f < bf.band[0]
    n_drv = len(drivers)
    full = {"freqs_hz": full_f.tolist(), "on_axis_db": on_full.tolist(),
            "wng_db": wng_full.tolist(),
            "wng_min_db": float(wng_full.min()),
            "on_axis_max_dev_below_band_top_db": float(np.max(np.abs(
                on_full[full_f <= bf.band[1]]))),
            # effort of the realised beam below the band: largest driver gain re the
            # plain-mixing feed 1/N (0 dB = plain mixing)
            "below_band_max_gain_re_plain_db": {
                f"{fq:.0f}": float(20 * np.log10(np.max(np.abs(h)) * n_drv))
                for fq, h in zip(full_f[below][::8], hf[below][::8], strict=True)}}

    robust = {}
    for where, dd in (("distance", dist), ("far_field", None)):
        kw = {"distance": dd, "null_angles": bf.null_angles}
        robust[where] = {
            "gain_and_angle": mismatch_null_depth(h_beam, freqs, drivers, **kw),
            "gain_only": mismatch_null_depth(h_beam, freqs, drivers, angle_deg=0.0, **kw),
            "angle_only": mismatch_null_depth(h_beam, freqs, drivers, gain_db=0.0, **kw),
        }

    ids = design.driver_ids
    return {
        "profile": profile.name,
        "band_hz": list(design.band),
        "drivers": list(ids),
        "filter_groups": [[ids[i] for i in g] for g in design.groups],
        "taps": design.taps,
        "latency_samples": design.latency,
        "macs_per_sample": design.macs_per_sample,
        "settings": design.settings,
        "conditions": {
            "distance_m": dist,
            "far_field": "plane-wave limit (acoustics.drivers_to_points far_field=True)",
            "plane": "horizontal, z = 0; azimuth 0 toward the listener, +90 toward +x",
            "grid": f"log-spaced, {DEFAULT_PPO} points per octave, {len(freqs)} points "
                    f"over {bf.band[0]:g}-{bf.band[1]:g} Hz; medians over this grid",
            "levels": "dB re on axis at the same distance; on-axis in dB re the 0 dB target",
            "null_attenuation": "per frequency the worse of the null angles",
            "window_level": "per frequency the lower of +-listening_window",
            "wng": "|a0^T h|^2 / (||h||^2 mean|a0|^2): 0 dB for one driver alone",
            "di": "on-axis power over the mean over the whole sphere (600-point lattice)",
            "model": "free field, baffled pistons (front/back symmetric), no box shadowing",
        },
        "limits": dict(FIGURE_LIMITS, wng_min_db=bf.wng_min_db),
        "figures": {"beam": beam, "plain_mix": plain_rows},
        "checks": checks,
        "meets_figures": bool(all(all(c.values()) for c in checks.values())),
        "curves": curves,
        "full_band": full,
        "tradeoff_per_frequency": tradeoff_table(profile),
        "taps_options": taps_options(profile),
        "mismatch": robust,
    }


def _freq_axis(ax, lo: float, hi: float) -> None:
    from matplotlib.ticker import NullFormatter

    ax.set_xscale("log")
    ticks = [t for t in (125, 250, 500, 1000, 2000, 4000, 8000, 16000) if lo <= t <= hi]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t / 1000:g}k" if t >= 1000 else str(t) for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())


def plot_beam(profile, design, out_dir) -> list[str]:
    """PNG plots: pattern heatmaps (azimuth x frequency, beam vs plain mixing, listening
    distance and far field), polar plots at a few frequencies, DI / WNG / on-axis curves."""
    import pathlib

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dsp_model.beamformer import plain_mix

    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    bf = profile.beamformer
    drivers = _beam_drivers(profile)
    dist = profile.listener.distance
    plain = plain_mix(profile)
    paths = []

    f = np.geomspace(bf.band[0] / 2, min(bf.band[1] * 2, 0.45 * profile.sample_rate), 120)
    az = np.arange(-180.0, 180.1, 2.0)
    fig, axes = plt.subplots(2, 2, figsize=(11, 8), sharex=True, sharey=True)
    for i, (name, des) in enumerate((("beamformer", design), ("plain mixing", plain))):
        h = design_feeds(des, f)
        for j, (where, dd) in enumerate(((f"{dist:g} m", dist), ("far field", None))):
            p = pattern(h, steering(f, drivers, az, distance=dd))
            rel = 20 * np.log10(np.maximum(np.abs(p), 1e-15) / np.abs(p[:, [len(az) // 2]]))
            ax = axes[i, j]
            m = ax.pcolormesh(f, az, rel.T, vmin=-30, vmax=6, cmap="viridis", shading="auto")
            _freq_axis(ax, f[0], f[-1])
            for y in (*bf.null_angles, bf.listening_window, -bf.listening_window):
                ax.axhline(y, color="w", lw=0.5, ls="--")
            for x in bf.band:
                ax.axvline(x, color="w", lw=0.5)
            ax.set_title(f"{profile.name} {name}, {where}")
            ax.set_ylabel("azimuth (deg)")
            ax.set_xlabel("frequency (Hz)")
    fig.colorbar(m, ax=axes, label="dB re on axis")
    p1 = out / "beam_heatmap.png"
    fig.savefig(p1, dpi=90)
    plt.close(fig)
    paths.append(str(p1))

    fpol = [fq for fq in (500.0, 1000.0, 2000.0, 3000.0, 4000.0) if bf.band[0] <= fq <= bf.band[1]]
    th = np.arange(-180.0, 180.1, 1.0)
    fig, axes = plt.subplots(1, len(fpol), figsize=(4 * len(fpol), 4.2),
                             subplot_kw={"projection": "polar"})
    for ax, fq in zip(np.atleast_1d(axes), fpol, strict=True):
        for des, dd, style, lab in ((design, dist, "-", f"beam {dist:g} m"),
                                    (design, None, "--", "beam far"),
                                    (plain, dist, ":", f"plain {dist:g} m")):
            p = pattern(design_feeds(des, [fq]), steering([fq], drivers, th, distance=dd))[0]
            lev = np.maximum(20 * np.log10(np.abs(p) / np.abs(p[len(th) // 2])), -40)
            ax.plot(np.deg2rad(th), lev + 40, style, label=lab)
        ax.set_theta_zero_location("N")
        ax.set_theta_direction(-1)
        ax.set_rticks([10, 20, 30, 40])
        ax.set_yticklabels(["-30", "-20", "-10", "0"])
        ax.set_title(f"{fq:g} Hz")
    np.atleast_1d(axes)[0].legend(loc="upper left", bbox_to_anchor=(-0.25, 1.12), fontsize=7)
    p2 = out / "beam_polar.png"
    fig.savefig(p2, dpi=90)
    plt.close(fig)
    paths.append(str(p2))

    fc = band_grid(bf.band, 12)
    fw = np.geomspace(100.0, min(12000.0, 0.45 * profile.sample_rate), 150)
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for des, name in ((design, "beam"), (plain, "plain")):
        hc = design_feeds(des, fc)
        for dd, ls in ((dist, "-"), (None, "--")):
            where = f"{dist:g} m" if dd else "far"
            axes[0, 0].semilogx(fc, directivity_index(hc, fc, drivers, distance=dd), ls,
                                label=f"{name} {where}")
        hw = design_feeds(des, fw)
        a0 = steering(fw, drivers, np.array([0.0]), distance=dist)[:, 0]
        axes[0, 1].semilogx(fw, wng_db(hw, a0), label=name)
        axes[1, 0].semilogx(fw, 20 * np.log10(np.abs(np.sum(a0 * hw, axis=1))), label=name)
    az = np.concatenate([[0.0], np.asarray(bf.null_angles, float), [bf.listening_window]])
    for dd, ls in ((dist, "-"), (None, "--")):
        p = pattern(design_feeds(design, fc), steering(fc, drivers, az, distance=dd))
        rel = 20 * np.log10(np.abs(p) / np.abs(p[:, :1]))
        where = f"{dist:g} m" if dd else "far"
        axes[1, 1].semilogx(fc, np.max(rel[:, 1:-1], axis=1), ls, label=f"nulls {where}")
        axes[1, 1].semilogx(fc, rel[:, -1], ls, label=f"+-{bf.listening_window:g} deg {where}")
    axes[0, 1].axhline(bf.wng_min_db, color="k", lw=0.5)
    for ax, t in zip(axes.flat, ("directivity index (dB)", f"WNG (dB), {dist:g} m",
                                 f"on-axis level (dB), {dist:g} m",
                                 "level re on axis (dB), beam"), strict=True):
        _freq_axis(ax, *ax.get_xlim())
        ax.set_title(t)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
        ax.set_xlabel("frequency (Hz)")
    p3 = out / "beam_di_wng.png"
    fig.tight_layout()
    fig.savefig(p3, dpi=90)
    plt.close(fig)
    paths.append(str(p3))
    return paths
