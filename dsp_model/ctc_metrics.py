"""CTC metrics on the realised FIRs through the plant, report and plots.

Every figure is evaluated on the realised filters (`CtcDesign.driver_filters()`)
with the plant of dsp_model.heads (free-field propagation, baffled pistons and
a head: `head=` any head object, default the profile's choice, head_for), never
on the ideal frequency-domain inverse. The head-size cases of the robustness
table (+-10% radius) exist for the sphere only. Band medians are over a
log-spaced grid (24 points per octave), so each octave weighs the same.

Cancellation = ipsi-ear power / contra-ear power for one CTC channel (dB,
positive is better); channel 0 (left ear) is judged with the right ear as
contra, channel 1 the reverse.

The cross-head table (cross_head_table) judges designs made on some heads on
others: per (design, head) the worse channel's median at the design point and
the worse side of +-2/5/10 cm sideways, +-0.5 m in depth and head yaw +-5/10
deg; plot_cross_head draws cancellation versus frequency per judging head.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from .acoustics import listener_positions
from .ctc import CtcDesign, ctc_drivers, design_ctc, drivers_band, effort_db, target_curve_db
from .heads import SphereHead, describe_head, driver_plant, head_for, head_name

__all__ = ["log_grid", "ear_responses", "cancellation_db", "robustness_cases",
           "robustness_table", "target_follow", "ipsi_deviation", "ctc_report",
           "virtual_source_fidelity", "plot_ctc", "MEDIAN_BAND", "TRADEOFF_SCALES",
           "CROSS_HEAD_CASES", "cross_head_table", "cross_head_lines", "plot_cross_head"]

MEDIAN_BAND = (500.0, 6000.0)
POINTS_PER_OCTAVE = 24
TRADEOFF_SCALES = (0.25, 1.0, 4.0)
NEAR_LIMIT_DB = 1.0  # the effort limit counts as active within this much of it


def log_grid(lo: float, hi: float, ppo: int = POINTS_PER_OCTAVE) -> np.ndarray:
    n = int(round(np.log2(hi / lo) * ppo)) + 1
    return np.geomspace(lo, hi, n)


def freq_response(filters: np.ndarray, freqs: np.ndarray, fs: float) -> np.ndarray:
    """FIR responses (..., N) at freqs -> (F, ...)."""
    n = np.arange(filters.shape[-1])
    e = np.exp(-2j * np.pi * np.outer(freqs, n) / fs)
    return np.tensordot(e, filters, axes=([1], [filters.ndim - 1]))


def _head(profile, head):
    return head_for(profile) if head is None else head


def ear_responses(profile, filters: np.ndarray, freqs: np.ndarray, *, dx: float = 0.0,
                  dy: float = 0.0, head_radius: float | None = None,
                  head=None, yaw_deg: float = 0.0) -> np.ndarray:
    """Ear pressures (F, 2 channels, 2 ears [L, R]) of per-channel driver FIRs (2, D, N).

    head: a head object (default the profile's); head_radius: the sphere's radius
    instead of the head's (a SphereHead only); yaw_deg: the head turned (+ toward
    the listener's right)."""
    heads = listener_positions(profile.listener.distance, dx=dx, dy=dy)
    head = _head(profile, head)
    if head_radius is not None:
        if not isinstance(head, SphereHead):
            raise ValueError(f"head_radius scales the sphere only, not a {type(head).__name__}")
        head = replace(head, radius=head_radius)
    h = driver_plant(freqs, profile, head, heads=heads, yaw_deg=yaw_deg,
                     drivers=ctc_drivers(profile))[:, 0]  # (F, 2 ears, D)
    g = freq_response(filters, freqs, profile.sample_rate)  # (F, 2 ch, D)
    return np.einsum("fed,fcd->fce", h, g)


def cancellation_db(e: np.ndarray) -> np.ndarray:
    """(F, 2): channel 0 left/right ear power, channel 1 right/left, in dB."""
    p = np.abs(e) ** 2 + 1e-300
    return 10 * np.log10(np.stack([p[:, 0, 0] / p[:, 0, 1], p[:, 1, 1] / p[:, 1, 0]], -1))


def robustness_cases(profile, head=None) -> list[tuple[str, dict]]:
    """(name, ear_responses keywords): the design point, sideways and depth offsets,
    and for the sphere its radius +-10%."""
    head = _head(profile, head)
    cases = [("design point", {})]
    for cm in (2, 5, 10):
        cases += [(f"dx -{cm} cm", {"dx": -cm / 100}), (f"dx +{cm} cm", {"dx": cm / 100})]
    cases += [("dy -0.5 m", {"dy": -0.5}), ("dy +0.5 m", {"dy": 0.5})]
    if isinstance(head, SphereHead):
        a = head.radius
        cases += [("head -10%", {"head_radius": 0.9 * a}),
                  ("head +10%", {"head_radius": 1.1 * a})]
    return cases


def _band(freqs, lo_hi):
    return (freqs >= lo_hi[0]) & (freqs <= lo_hi[1])


def robustness_table(profile, design: CtcDesign, band=MEDIAN_BAND, *,
                     head=None) -> list[dict]:
    """Median cancellation over `band` per case: per channel, worst and mean."""
    head = _head(profile, head)
    freqs = log_grid(*band)
    filt = design.driver_filters()
    rows = []
    for name, kw in robustness_cases(profile, head):
        c = cancellation_db(ear_responses(profile, filt, freqs, head=head, **kw))
        med = np.median(c, axis=0)
        rows.append({"case": name, **{k: float(v) for k, v in kw.items()},
                     "median_db": [round(float(m), 2) for m in med],
                     "worst_db": round(float(med.min()), 2),
                     "mean_db": round(float(med.mean()), 2)})
    return rows


def _effort_on(design: CtcDesign, freqs: np.ndarray) -> np.ndarray:
    """Realised effort (dB, (2, F)) interpolated onto freqs."""
    fe, e = effort_db(design)
    return np.stack([np.interp(freqs, fe, e[ch]) for ch in range(2)])


def target_follow(profile, design: CtcDesign, freqs: np.ndarray | None = None, *,
                  head=None) -> dict:
    """Design-point cancellation minus target, where the target asks for cancellation
    (> 0 dB) inside the CTC drivers' band, the effort limit is not active and some
    member of the design's family could meet it (design.target_unreachable).

    head: the head judged on, or the heads a design was made on together; for
    several the cancellation is the design's own criterion, the heads' mean ipsi
    power over their mean contra power (one head's curve swings around the target
    where the heads disagree: the design follows the target on their mean)."""
    lo, hi = drivers_band(ctc_drivers(profile))
    freqs = log_grid(max(lo, 100.0), min(hi, 16000.0)) if freqs is None else freqs
    heads = tuple(head) if isinstance(head, (tuple, list)) else (head,)
    power = np.mean([np.abs(ear_responses(profile, design.driver_filters(), freqs, head=h))
                     ** 2 for h in heads], axis=0)
    c = cancellation_db(np.sqrt(power))
    tgt = target_curve_db(profile, freqs)
    eff = _effort_on(design, freqs)

    def on_grid(mask):
        return np.stack([np.interp(freqs, design.design_freqs, mask[ch].astype(float)) > 0.5
                         for ch in range(2)])

    active = on_grid(design.effort_limited) | (eff >= design.effort_limit_db - NEAR_LIMIT_DB)
    unreachable = (on_grid(design.target_unreachable) if design.target_unreachable is not None
                   else np.zeros_like(active))
    judged = (tgt > 0)[None, :] & ~active & ~unreachable
    dev = c.T - tgt[None, :]
    worst = float(np.max(np.abs(dev[judged]))) if judged.any() else 0.0
    return {"max_abs_deviation_db": round(worst, 2),
            "judged_fraction": round(float(judged.mean()), 3),
            "effort_active_hz": _ranges(freqs, active.any(axis=0)),
            "target_unreachable_hz": _ranges(freqs, unreachable.any(axis=0)),
            "ok": bool(worst <= 3.0),
            "freqs": freqs, "cancellation_db": c, "target_db": tgt, "active": active}


def _ranges(freqs, mask) -> list[list[float]]:
    """Contiguous runs of mask as [first Hz, last Hz]."""
    out = []
    idx = np.nonzero(mask)[0]
    if len(idx) == 0:
        return out
    breaks = np.nonzero(np.diff(idx) > 1)[0]
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]])
    return [[round(float(freqs[a])), round(float(freqs[b]))] for a, b in zip(starts, ends,
                                                                          strict=True)]


def ipsi_deviation(profile, design: CtcDesign, freqs: np.ndarray, *,
                   head=None) -> np.ndarray:
    """Ipsi-ear level re the reference level T (one average CTC driver at unit gain),
    dB, (F, 2 channels), at the design point."""
    head = _head(profile, head)
    h = driver_plant(freqs, profile, head, drivers=ctc_drivers(profile))[:, 0]
    e = ear_responses(profile, design.driver_filters(), freqs, head=head)
    out = []
    for ch in range(2):
        t = np.mean(np.abs(h[:, ch, :]), axis=-1)
        out.append(20 * np.log10(np.abs(e[:, ch, ch]) / t))
    return np.stack(out, -1)


def ctc_report(profile, design: CtcDesign, *, tradeoff_scales=TRADEOFF_SCALES,
               head=None, design_heads=None) -> dict:
    """JSON-able CTC figures for the design report (see the module docstring); head:
    the head the design is judged on (default the profile's); design_heads: what
    the design was made on (a head or a sequence; default `head`), for the
    regularization trade-off's redesigns."""
    head = _head(profile, head)
    design_heads = head if design_heads is None else design_heads
    lo, hi = drivers_band(ctc_drivers(profile))
    freqs = log_grid(max(lo, 100.0), min(hi, 16000.0))
    # the target is followed on what the design was made on; the figures are the head's
    follow = target_follow(profile, design, freqs, head=design_heads)
    c0 = follow["cancellation_db"] if design_heads is head else target_follow(
        profile, design, freqs, head=head)["cancellation_db"]
    rob = robustness_table(profile, design, head=head)
    fe, eff = effort_db(design)
    ipsi = ipsi_deviation(profile, design, freqs, head=head)
    mid = _band(freqs, MEDIAN_BAND)
    trade = []
    for s in tradeoff_scales:
        d = design if s == design.regularization_scale else design_ctc(
            profile, design.virtualizer, regularization_scale=s, head=design_heads)
        r = {row["case"]: row for row in robustness_table(profile, d, head=head)}
        _, e = effort_db(d)
        ip = ipsi_deviation(profile, d, freqs, head=head)
        trade.append({"regularization_scale": s,
                      "design_point_db": r["design point"]["worst_db"],
                      **{f"dx_{cm}cm_worst_db": min(r[f"dx -{cm} cm"]["worst_db"],
                                                    r[f"dx +{cm} cm"]["worst_db"])
                         for cm in (2, 5, 10)},
                      "effort_max_db": round(float(e.max()), 2),
                      "ipsi_min_500_6k_db": round(float(ip[mid].min()), 2)})
    dx5 = [row["worst_db"] for row in rob if row["case"] in ("dx -5 cm", "dx +5 cm")]
    # the design point's figure is the robustness table's (its own log grid over the band)
    median0 = next(row["worst_db"] for row in rob if row["case"] == "design point")
    desc = describe_head(head)
    rep = {
        "profile": profile.name,
        "head": desc["name"],
        "drivers": list(design.drivers),
        "channels": ["left ear (nulls right)", "right ear (nulls left)"],
        "evaluation": {"distance_m": profile.listener.distance,
                       "median_band_hz": list(MEDIAN_BAND),
                       "grid": f"log, {POINTS_PER_OCTAVE} points/octave",
                       "model": f"free field + baffled piston + {desc['model']}",
                       "head": desc,
                       "filters": "realised FIRs (common * ratio)"},
        "design_point_median_db": round(median0, 2),
        "target_follow": {k: follow[k] for k in ("max_abs_deviation_db", "judged_fraction",
                                                 "effort_active_hz", "target_unreachable_hz",
                                                 "ok")},
        "robustness": rob,
        "dx_5cm_worst_median_db": round(min(dx5), 2),
        "regularization_tradeoff": trade,
        "effort": {"limit_db": design.effort_limit_db,
                   "max_db": round(float(eff.max()), 3),
                   "ok": bool(eff.max() <= design.effort_limit_db + 1e-9)},
        "ipsi_deviation_db": {
            "band_hz": [round(float(freqs[0])), round(float(freqs[-1]))],
            "min": round(float(ipsi.min()), 2), "max": round(float(ipsi.max()), 2),
            "median_band_min": round(float(ipsi[mid].min()), 2),
            "median_band_max": round(float(ipsi[mid].max()), 2),
            "below_500hz_min": round(float(ipsi[freqs < 500].min()), 2)
            if np.any(freqs < 500) else None},
        "latency_samples": design.latency,
        "taps": {"common": int(design.common.shape[-1]), "ratio": int(design.ratio.shape[-1])},
        "macs_per_sample": design.macs_per_sample(),
        "curves": {"freqs_hz": [round(float(f), 1) for f in freqs],
                   "design_point_db": np.round(c0, 2).tolist(),
                   "target_db": np.round(follow["target_db"], 2).tolist(),
                   "ipsi_deviation_db": np.round(ipsi, 2).tolist()},
    }
    if design.virtualizer is not None:
        rep["virtual_source_through_ctc"] = virtual_source_fidelity(profile, design, head=head)
    rep["checks"] = {
        "design_point_median_ge_20db": rep["design_point_median_db"] >= 20.0,
        "follows_target_3db": rep["target_follow"]["ok"],
        "effort_within_limit": rep["effort"]["ok"],
    }
    if profile.name == "compact2":
        rep["checks"]["dx_5cm_ge_10db"] = rep["dx_5cm_worst_median_db"] >= 10.0
    return rep


def virtual_source_fidelity(profile, design: CtcDesign, band=MEDIAN_BAND, *,
                            head=None) -> dict:
    """L' through virtualizer + CTC at the design point: the ears' contra/ipsi ratio
    against the virtualizer's C/A (what the CTC is meant to deliver)."""
    freqs = log_grid(*band)
    e = ear_responses(profile, design.input_filters(), freqs, head=head)  # (F, input, ear)
    a, c = design.virtualizer.freq_response(freqs)
    got = e[:, 0, 1] / e[:, 0, 0]
    want = c / a
    ild_err = 20 * np.log10(np.abs(got) / np.abs(want))
    phase_err = np.angle(got / want)
    itd_err = phase_err / (2 * np.pi * freqs)
    return {"band_hz": list(band),
            "ild_error_db_median_abs": round(float(np.median(np.abs(ild_err))), 2),
            "ild_error_db_max_abs": round(float(np.max(np.abs(ild_err))), 2),
            "itd_error_us_median_abs": round(float(np.median(np.abs(itd_err))) * 1e6, 1),
            "itd_error_us_max_abs": round(float(np.max(np.abs(itd_err))) * 1e6, 1)}


def plot_ctc(profile, design: CtcDesign, out_dir, *, head=None) -> list[Path]:
    """Write the CTC PNGs (matplotlib Agg); returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lo, hi = drivers_band(ctc_drivers(profile))
    freqs = log_grid(max(lo, 100.0), min(hi, 16000.0))
    head = _head(profile, head)
    follow = target_follow(profile, design, freqs, head=head)
    paths = []

    fig, ax = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    ax[0].semilogx(freqs, follow["target_db"], "k--", label="target")
    for ch, name in enumerate(("left ear", "right ear")):
        ax[0].semilogx(freqs, follow["cancellation_db"][:, ch], label=f"design point, {name}")
    act = follow["active"].any(axis=0)
    ax[0].fill_between(freqs, 0, 1, where=act, color="0.85",
                       transform=ax[0].get_xaxis_transform(), label="effort limit active")
    filt = design.driver_filters()
    for name, kw in robustness_cases(profile, head)[1:]:
        c = cancellation_db(ear_responses(profile, filt, freqs, head=head, **kw))
        ax[1].semilogx(freqs, c[:, 0], lw=0.9, label=name)
    ax[1].semilogx(freqs, follow["cancellation_db"][:, 0], "k", lw=2, label="design point")
    ax[0].set_ylabel("contra/ipsi attenuation, dB")
    ax[1].set_ylabel("left channel, dB")
    ax[1].set_xlabel("frequency, Hz")
    ax[0].set_title(f"{profile.name}: crosstalk cancellation (realised FIRs, "
                    f"{profile.listener.distance} m, head {describe_head(head)['name']})")
    for a in ax:
        a.grid(True, which="both", alpha=0.3)
        a.set_ylim(-5, 50)
    ax[0].legend(fontsize=7)
    ax[1].legend(fontsize=6, ncol=3)
    p = out / "ctc_cancellation.png"
    fig.tight_layout()
    fig.savefig(p, dpi=110)
    plt.close(fig)
    paths.append(p)

    fe, eff = effort_db(design)
    ipsi = ipsi_deviation(profile, design, freqs, head=head)
    fig, ax = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    sel = fe > 20
    for ch in range(2):
        ax[0].semilogx(fe[sel], eff[ch, sel], label=f"channel {ch}")
        ax[1].semilogx(freqs, ipsi[:, ch], label=f"channel {ch}")
    ax[0].axhline(design.effort_limit_db, color="r", ls="--", label="limit")
    ax[0].set_ylabel("max driver filter gain, dB")
    ax[1].set_ylabel("ipsi ear re plain, dB")
    ax[1].set_xlabel("frequency, Hz")
    for a in ax:
        a.grid(True, which="both", alpha=0.3)
        a.legend(fontsize=7)
    ax[0].set_title(f"{profile.name}: CTC effort and ipsilateral response")
    p = out / "ctc_effort_ipsi.png"
    fig.tight_layout()
    fig.savefig(p, dpi=110)
    plt.close(fig)
    paths.append(p)

    fig, ax = plt.subplots(2, 1, figsize=(8, 6))
    ax[0].plot(design.common.T)
    ax[0].set_title("common filters (per channel)")
    for d, name in enumerate(design.drivers):
        ax[1].plot(design.ratio[0, d], label=name)
    ax[1].set_title("ratio filters, channel 0")
    ax[1].legend(fontsize=7)
    for a in ax:
        a.grid(True, alpha=0.3)
        a.set_xlabel("tap")
    p = out / "ctc_filters.png"
    fig.tight_layout()
    fig.savefig(p, dpi=110)
    plt.close(fig)
    paths.append(p)
    return paths


# --- the cross-head table: designs made on some heads, judged on others ---------------

# (key, the ear_responses keywords of each side): the figure is the worse side's
CROSS_HEAD_CASES = (
    ("design_point_db", ({},)),
    *((f"dx_{cm}cm_db", ({"dx": -cm / 100}, {"dx": cm / 100})) for cm in (2, 5, 10)),
    ("dy_0.5m_db", ({"dy": -0.5}, {"dy": 0.5})),
    *((f"yaw_{deg}deg_db", ({"yaw_deg": -float(deg)}, {"yaw_deg": float(deg)}))
      for deg in (5, 10)),
)


def _worst_median(profile, filt, freqs, head, kw) -> float:
    """The worse channel's median cancellation over freqs (dB)."""
    c = cancellation_db(ear_responses(profile, filt, freqs, head=head, **kw))
    return float(np.median(c, axis=0).min())


def cross_head_table(profile, designs, judges, band=MEDIAN_BAND) -> list[dict]:
    """Each design against each head it is judged on: one row per (design, head).

    designs: (label, CtcDesign) pairs, the label naming the heads it was made on;
    judges: head objects. Each figure is the CTC median over `band` (log grid) of
    the worse channel, at the design point and, for the offsets (dx +-2/5/10 cm
    sideways, dy +-0.5 m in depth, head yaw +-5/10 deg), of the worse side.
    """
    freqs = log_grid(*band)
    rows = []
    for label, design in designs:
        filt = design.driver_filters()
        for judge in judges:
            row = {"designed_on": label, "judged_on": head_name(judge)}
            for key, sides in CROSS_HEAD_CASES:
                row[key] = round(min(_worst_median(profile, filt, freqs, judge, kw)
                                     for kw in sides), 2)
            rows.append(row)
    return rows


def cross_head_lines(rows: list[dict]) -> list[str]:
    """The cross-head table as text lines (the design report's)."""
    keys = [k for k, _ in CROSS_HEAD_CASES]
    heads = ["point", "+-2cm", "+-5cm", "+-10cm", "+-0.5m", "yaw5", "yaw10"]
    w = max(len(f"{r['designed_on']} on {r['judged_on']}") for r in rows)
    out = [f"  {'designed on / judged on':<{w}}" + "".join(f"{h:>8}" for h in heads)]
    for r in rows:
        out.append(f"  {r['designed_on'] + ' on ' + r['judged_on']:<{w}}"
                   + "".join(f"{r[k]:8.1f}" for k in keys))
    return out


def _file_tag(name: str) -> str:
    """A head's name as a file-name part ("kemar", or a .sofa file's stem)."""
    tag = Path(name).stem if name.lower().endswith(".sofa") else name
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in tag)


def plot_cross_head(profile, designs, judges, out_dir) -> list[Path]:
    """One PNG per judging head, `ctc_cancellation_head_<name>.png`: cancellation versus
    frequency of each design (realised FIRs) on that head at the design point (both
    channels) and +-5 cm sideways (worse side, left channel), with the target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lo, hi = drivers_band(ctc_drivers(profile))
    freqs = log_grid(max(lo, 100.0), min(hi, 16000.0))
    paths = []
    for judge in judges:
        name = head_name(judge)
        fig, ax = plt.subplots(figsize=(8, 5))
        ax.semilogx(freqs, target_curve_db(profile, freqs), "k--", label="target")
        for i, (label, design) in enumerate(designs):
            filt = design.driver_filters()
            c0 = cancellation_db(ear_responses(profile, filt, freqs, head=judge))
            col = f"C{i}"
            ax.semilogx(freqs, c0[:, 0], color=col, lw=1.6,
                        label=f"designed on {label}: design point, left ear")
            ax.semilogx(freqs, c0[:, 1], color=col, lw=0.8,
                        label=f"designed on {label}: design point, right ear")
            c5 = [cancellation_db(ear_responses(profile, filt, freqs, head=judge, dx=dx))[:, 0]
                  for dx in (-0.05, 0.05)]
            ax.semilogx(freqs, np.minimum(*c5), color=col, ls=":",
                        label=f"designed on {label}: +-5 cm (worse side), left ear")
        ax.set_xlabel("frequency, Hz")
        ax.set_ylabel("contra/ipsi attenuation, dB")
        ax.set_ylim(-5, 50)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
        ax.set_title(f"{profile.name}: crosstalk cancellation judged on head {name} "
                     f"(realised FIRs, {profile.listener.distance} m)")
        p = out / f"ctc_cancellation_head_{_file_tag(name)}.png"
        fig.tight_layout()
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    return paths
