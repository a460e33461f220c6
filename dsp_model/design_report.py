"""The design report: every figure of a profile's design, its filters and plots.

`design_metrics(full)` gathers the block reports (virtualizer, CTC, beamformer),
the delay alignment, the latency, the processing budget and the loudness cost
(the spatial mode's ear loudness re plain playback, dsp_model/loudness.py) into
one JSON-able dict; `violations(metrics)` lists what breaks the profile's own
limits (budget, effort limit, target curve, white-noise-gain floor, listening
window, the virtualizer's bars); `write_design` writes filters.npz, metrics.json
and PNGs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from device_profiles.errors import UserError

from .beam_metrics import beam_report, plot_beam
from .ctc import design_ctc
from .ctc_metrics import (
    cross_head_lines,
    cross_head_table,
    ctc_report,
    plot_cross_head,
    plot_ctc,
)
from .design import FullDesign
from .float_chain import FloatChain
from .heads import describe_head, head_for, head_name, heads_label
from .loudness import loudness_cost, report_rows
from .virtualizer import plot_virtualizer, virtualizer_report

FILTERS_FORMAT = 1  # version of filters.npz's key layout


def _plain(x):
    """numpy scalars/arrays to JSON types, recursively."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


def _head(full: FullDesign):
    return head_for(full.profile) if full.head is None else full.head


JUDGE_HEADS = ("sphere", "kemar")  # every design is judged on these (and its own heads)


def _design_heads(full: FullDesign) -> tuple:
    return tuple(full.design_heads) or (_head(full),)


def cross_head_inputs(full: FullDesign) -> tuple[list, list, dict]:
    """The cross-head table's designs, judging heads and the heads left out.

    Designs: the CTC as designed (labelled with its heads, "sphere+kemar"), and when
    it was made on several heads the sphere-only design next to it (what the
    multi-head design buys). Judges: JUDGE_HEADS and the design's own heads; a
    head that cannot be loaded (KEMAR not installed) is left out with the reason.
    """
    prof = full.profile
    dh = _design_heads(full)
    designs = [(heads_label(dh), full.ctc)]
    if len(dh) > 1:
        designs.append(("sphere", design_ctc(prof, full.virtualizer,
                                             head=head_for(prof, head="sphere"))))
    judges, missing = [], {}
    for name in JUDGE_HEADS:
        try:
            judges.append(head_for(prof, head=name))
        except UserError as e:
            missing[name] = str(e)
    names = {head_name(j) for j in judges}
    judges += [h for h in dh if head_name(h) not in names]
    return designs, judges, missing


def design_metrics(full: FullDesign) -> dict:
    prof = full.profile
    chain = full.chain
    head = _head(full)
    dh = _design_heads(full)
    ctc = ctc_report(prof, full.ctc, head=head, design_heads=dh if len(dh) > 1 else head)
    designs, judges, missing = cross_head_inputs(full)
    ctc["design_heads"] = [head_name(h) for h in dh]
    ctc["cross_head"] = {
        "what": "CTC median 500 Hz-6 kHz (dB, realised FIRs, log grid), worse channel; "
                "offsets: worse side",
        "rows": cross_head_table(prof, designs, judges),
        "not_judged": missing}
    return _plain({
        "profile": prof.name,
        "sample_rate": prof.sample_rate,
        "head": describe_head(head),
        "design_heads": [describe_head(h) for h in dh],
        "virtualizer": virtualizer_report(prof, full.virtualizer, head=head),
        "ctc": ctc,
        "beamformer": beam_report(prof, full.beam),
        "alignment": {
            "arrival_ms_before": {s: float(t * 1e3) for s, t in
                                  zip(("L'", "R'", "C"), full.arrivals_s, strict=True)},
            "delay_samples": {s: int(d) for s, d in
                              zip(("L'", "R'", "C"), full.alignment, strict=True)},
        },
        "latency_samples": FloatChain(chain).latency,
        "output_headroom_db": full.headroom_db,
        "loudness": loudness_cost(prof, chain, head=head),
        "budget": full.cost.as_dict(),
        "paths": [{"name": p.name, "source": p.source, "delay": p.delay,
                   "common_taps": len(p.common),
                   "ratio_taps": [len(r) for r in p.ratio]} for p in chain.paths],
    })


def violations(m: dict) -> list[str]:
    """Every way the design breaks its profile's own limits, one line each."""
    out = []
    b = m["budget"]
    if not b["fits"]:
        out.append(f"budget: {b['mips']:.1f} MIPS exceeds the profile's {b['budget_mips']:g} "
                   f"MIPS ({b['instructions_per_frame']:.0f} instructions per frame)")
    c = m["ctc"]["checks"]
    if not c["effort_within_limit"]:
        out.append(f"ctc: effort {m['ctc']['effort']['max_db']:.2f} dB exceeds the limit "
                   f"{m['ctc']['effort']['limit_db']:g} dB")
    if not c["follows_target_3db"]:
        out.append(f"ctc: cancellation strays {m['ctc']['target_follow']['max_abs_deviation_db']}"
                   " dB from the target curve (limit 3 dB where the effort limit is off)")
    for where in ("distance", "far_field"):
        bc = m["beamformer"]["checks"][where]
        if not bc["wng_min_db"]:
            out.append(f"beamformer ({where}): white-noise gain under the profile's floor")
        if not bc["window_level_median_db"]:
            out.append(f"beamformer ({where}): the listening window's edge is below -4 dB")
    for k, ok in m["virtualizer"]["checks"].items():
        if not ok:
            out.append(f"virtualizer: check {k} fails")
    return out


def headline(m: dict) -> list[str]:
    ctc, beam, v, b = m["ctc"], m["beamformer"], m["virtualizer"], m["budget"]
    bd = beam["figures"]["beam"]["distance"]
    bf = beam["figures"]["beam"]["far_field"]
    rows = [
        ("virtualizer ITD / ILD", f"{v['itd_us']['pair_mean']:.0f} us (model "
         f"{v['itd_us']['model_mean']:.0f}), {v['ild_db']['pair_mean']:.1f} dB (model "
         f"{v['ild_db']['model_mean']:.1f})"),
        ("CTC median 500 Hz-6 kHz", f"{ctc['design_point_median_db']:.1f} dB at the design point,"
         f" {ctc['dx_5cm_worst_median_db']:.1f} dB at +-5 cm"),
        ("CTC effort", f"{ctc['effort']['max_db']:.2f} dB (limit {ctc['effort']['limit_db']:g})"),
        *_unreachable_row(ctc),
        ("beam +-90 deg (2 m / far)", f"{_fig(bd, 'null_attenuation_median_db')} / "
         f"{_fig(bf, 'null_attenuation_median_db')} dB"),
        ("beam +-45 deg (2 m)", f"{_fig(bd, 'window_level_median_db')} dB"),
        ("beam WNG min (2 m)", f"{_fig(bd, 'wng_min_db')} dB"),
        ("latency", f"{m['latency_samples']} samples "
         f"({m['latency_samples'] / m['sample_rate'] * 1e3:.1f} ms)"),
        ("output headroom", f"{m['output_headroom_db']:.1f} dB"),
        *report_rows(m["loudness"]),
        ("budget", f"{b['mips']:.1f} / {b['budget_mips']:g} MIPS "
         f"({b['instructions_per_frame']:.0f} instructions/frame)"),
    ]
    w = max(len(k) for k, _ in rows)
    out = [f"  {k:<{w}}  {val}" for k, val in rows]
    cross = ctc.get("cross_head")
    if cross and cross["rows"]:
        out.append("  CTC across heads, median 500 Hz-6 kHz dB (worse channel, worse side):")
        out += ["  " + line for line in cross_head_lines(cross["rows"])]
        out += [f"  (not judged on {k}: {v})" for k, v in cross["not_judged"].items()]
    return out


def _unreachable_row(ctc: dict) -> list[tuple[str, str]]:
    """Where the design's heads disagree by more than the target allows, it gives the
    deepest cancellation they agree on; the target-follow check skips those bands."""
    ranges = ctc["target_follow"].get("target_unreachable_hz") or []
    if not ranges:
        return []
    on = "+".join(ctc.get("design_heads", [])) or "the design's head"
    bands = ", ".join(f"{a}-{b} Hz" for a, b in ranges)
    return [("CTC target unreachable", f"{bands} on {on} together (deepest common "
             "cancellation there; not judged against the target)")]


def _fig(d: dict, key: str) -> str:
    v = d.get(key)
    return f"{v:.1f}" if isinstance(v, (int, float)) else str(v)


def write_design(full: FullDesign, out_dir: str | Path, metrics: dict | None = None,
                 plots: bool = True) -> list[Path]:
    """filters.npz (every path and driver table, versioned), metrics.json, PNGs."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    m = design_metrics(full) if metrics is None else metrics
    chain = full.chain
    arrays: dict[str, np.ndarray] = {"format": np.array(FILTERS_FORMAT),
                                     "fs": np.array(chain.fs)}
    for p in chain.paths:
        arrays[f"path/{p.name}/common"] = p.common
        arrays[f"path/{p.name}/source_delay"] = np.array([p.source, p.delay])
        for d, r in zip(chain.drivers, p.ratio, strict=True):
            if len(r):
                arrays[f"path/{p.name}/ratio/{d.id}"] = r
    for d in chain.drivers:
        arrays[f"driver/{d.id}/sos"] = d.sos
        arrays[f"driver/{d.id}/gain_delay"] = np.array([d.gain, d.delay])
    v = chain.virtualizer
    if v is not None:
        arrays["virtualizer/ipsi_sos"] = v.ipsi_sos
        arrays["virtualizer/contra_sos"] = v.contra_sos
        arrays["virtualizer/contra_delay"] = np.array(v.contra_delay)
    written = [out / "filters.npz", out / "metrics.json"]
    np.savez(written[0], **arrays)
    written[1].write_text(json.dumps(m, indent=1, sort_keys=True) + "\n")
    if plots:
        import matplotlib

        matplotlib.use("Agg")
        head = {"head": _head(full)}
        for fn, args, kw in ((plot_ctc, (full.profile, full.ctc), head),
                             (plot_beam, (full.profile, full.beam), {}),
                             (plot_virtualizer, (full.profile, full.virtualizer), head)):
            res = fn(*args, out, **kw)
            if isinstance(res, (list, tuple)):
                written += [Path(r) for r in res]
        designs, judges, _ = cross_head_inputs(full)
        written += plot_cross_head(full.profile, designs, judges, out)
    return written
