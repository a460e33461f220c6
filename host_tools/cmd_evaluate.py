"""`soundstage evaluate [PROFILE] --out DIR`: width, depth, listening zones, loudness.

Writes DIR/evaluation.json, DIR/width.png, DIR/zones_width.png,
DIR/zones_center.png, DIR/zones_lateral.png and DIR/room.png, and prints a
summary table. The metrics are defined in dsp_model/EVALUATION.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from device_profiles import load_profile
from device_profiles.errors import UserError

from .cmd_design import add_head_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="psychoacoustic evaluation: width, depth, listening "
                       "zones, loudness")
    p.add_argument("profile", nargs="?", default=None, help="bundled name or TOML path")
    p.add_argument("--out", required=True, help="directory for evaluation.json and plots")
    p.add_argument("--duration", type=float, default=0.5,
                   help="seconds of pink noise per stimulus (default 0.5)")
    p.add_argument("--grid", type=int, nargs=2, default=(7, 7), metavar=("NX", "NY"),
                   help="listener grid over 3 m x 3 m in front of the device (default 7 7)")
    p.add_argument("--lateral", type=int, default=13, metavar="N",
                   help="points of the sweet-spot cut over -0.3..0.3 m (default 13)")
    p.add_argument("--rt60", type=float, default=0.4, help="room reverberation time, s")
    p.add_argument("--upmix", choices=("oracle", "passive"), default="oracle",
                   help="oracle: test stems go straight to L'/R'/C (default); passive: C=(L+R)/2")
    p.add_argument("--no-plots", action="store_true", help="write evaluation.json only")
    add_head_option(p)
    p.set_defaults(func=run)


def summary_lines(res: dict) -> list[str]:
    from dsp_model.loudness import report_rows

    w = res["width"]
    lines = [f"evaluation of {res['profile']} (processed = {res['design_source']}, "
             f"upmix {res['upmix']}, head {res['head']['name']})",
             "width at the listener (deg; + = right)",
             f"  {'condition':11s}{'left':>8s}{'right':>8s}{'centre':>8s}{'width':>8s}"
             f"{'of ref':>8s}{'ITD w':>8s}{'ILD w':>8s}"]
    for name, v in w.items():
        lines.append(f"  {name:11s}{v['left']['azimuth']:8.1f}{v['right']['azimuth']:8.1f}"
                     f"{v['center']['azimuth']:8.1f}{v['width_deg']:8.1f}"
                     f"{100 * v['fraction_of_reference']:7.0f}%"
                     f"{v['width_itd_deg']:8.1f}{v['width_ild_deg']:8.1f}")
    d = res["depth"]
    lo, hi = d["band_hz"]
    lines += [f"centre channel in a {'x'.join(f'{x:g}' for x in d['room']['dims'])} m room, "
              f"RT60 {d['room']['rt60']:g} s, {lo:g}-{hi:g} Hz",
              f"  {'design':11s}{'DRR dB':>8s}{'IACC':>8s}{'IACC_E':>8s}{'DI dB':>8s}"]
    for name, v in d["designs"].items():
        lines.append(f"  {name:11s}{v['drr_db']:8.2f}{v['iacc']:8.3f}{v['iacc_early']:8.3f}"
                     f"{v['di_db']:8.2f}")
    fr = d.get("first_reflections")
    if fr:
        names = list(next(iter(fr["walls"].values()))["level_db"])
        lo, hi = fr["band_hz"]
        lines += [f"first reflection of the centre re direct sound at the listener, "
                  f"{lo:g}-{hi:g} Hz, dB",
                  f"  {'wall':11s}" + "".join(f"{n:>11s}" for n in names)
                  + f"{'change':>9s}{'delay ms':>10s}{'off axis':>10s}"]
        for wall, v in fr["walls"].items():
            ch = f"{v['change_db']:9.2f}" if "change_db" in v else f"{'':9s}"
            lines.append(f"  {wall:11s}" + "".join(f"{v['level_db'][n]:11.2f}" for n in names)
                         + f"{ch}{v['delay_ms']:10.2f}{v['off_axis_deg']:10.1f}")
    z = res["zone_summary"]
    g = res["zones"]
    lines += [f"listening zone: {len(g['x'])}x{len(g['y'])} positions, "
              f"x {g['x'][0]:g}..{g['x'][-1]:g} m, y {g['y'][0]:g}..{g['y'][-1]:g} m, "
              "facing the device",
              f"  {'condition':11s}{'width med':>10s}{'>=half ref':>11s}{'ctr rms':>9s}"
              f"{'ctr max':>9s}{'ITD sd us':>10s}"]
    for name, v in z.items():
        lines.append(f"  {name:11s}{v['width_median_deg']:10.1f}"
                     f"{100 * v['fraction_half_reference_width']:10.0f}%"
                     f"{v['center_rms_deg']:9.1f}{v['center_max_abs_deg']:9.1f}"
                     f"{v['center_itd_std_us']:10.1f}")
    lat = res["lateral"]
    off = lat["offset_m"]
    lines.append(f"sweet spot, sideways {off[0]:g}..{off[-1]:g} m at the listener distance: "
                 "half-width keeping >= half the reference width")
    for name, v in lat["conditions"].items():
        lines.append(f"  {name:11s}{v['half_width_m']:8.3f} m   width "
                     + " ".join(f"{w:.0f}" for w in v["width_deg"]))
    loud = res["loudness"]
    lines.append(f"loudness of the processed design re plain playback (its own upmix, "
                 f"{loud['upmix']})")
    lines += [f"  {k}: {v}" for k, v in report_rows(loud)]
    return lines


def _plots(res: dict, out: Path, profile) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    # width at the listener
    w = res["width"]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    names = list(w)
    for i, name in enumerate(names):
        for stim, mk in (("left", "<"), ("center", "o"), ("right", ">")):
            v = w[name][stim]
            ax.plot(v["azimuth"], i, mk, color="k", ms=8)
            ax.plot([v["azimuth_itd"], v["azimuth_ild"]], [i + 0.15, i + 0.15], "|-",
                    color="0.6", ms=6)
    ax.set_yticks(range(len(names)), names)
    ax.axvline(-profile.listener.virtual_angle, color="C0", lw=0.8, ls=":")
    ax.axvline(profile.listener.virtual_angle, color="C0", lw=0.8, ls=":")
    ax.set_xlabel("perceived azimuth, deg (grey: ITD ... ILD estimates)")
    ax.set_xlim(-90, 90)
    ax.set_title(f"{res['profile']}: hard-left / centre / hard-right at the listener")
    fig.tight_layout()
    fig.savefig(out / "width.png", dpi=110)
    plt.close(fig)
    written.append("width.png")

    # zone maps
    z = res["zones"]
    xs, ys = np.array(z["x"]), np.array(z["y"])
    conds = list(z["conditions"])
    for key, fname, label, cmap, lim in (
        ("width_deg", "zones_width.png", "width of a hard-panned pair, deg", "viridis", (0, 90)),
        ("center_azimuth_deg", "zones_center.png", "centre image azimuth re device, deg",
         "RdBu_r", (-45, 45)),
    ):
        fig, axes = plt.subplots(1, len(conds), figsize=(4 * len(conds), 3.8), sharey=True)
        for ax, name in zip(np.atleast_1d(axes), conds, strict=True):
            m = np.array(z["conditions"][name][key])
            im = ax.pcolormesh(xs, ys, m, shading="nearest", cmap=cmap, vmin=lim[0], vmax=lim[1])
            for (iy, ix), v in np.ndenumerate(m):
                ax.text(xs[ix], ys[iy], f"{v:.0f}", ha="center", va="center", fontsize=7,
                        color="w" if key == "width_deg" and v < 45 else "k")
            ax.plot([0], [0], "ks", ms=8)
            ax.set_title(name)
            ax.set_xlabel("x, m")
            ax.set_aspect("equal")
        np.atleast_1d(axes)[0].set_ylabel("distance from device, m")
        fig.colorbar(im, ax=axes, label=label, shrink=0.85)
        fig.savefig(out / fname, dpi=110)
        plt.close(fig)
        written.append(fname)

    # sweet-spot cut
    lat = res["lateral"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8, 3))
    off = np.array(lat["offset_m"]) * 100
    for name, v in lat["conditions"].items():
        a1.plot(off, v["width_deg"], "o-", ms=3, label=name)
        a2.plot(off, v["center_azimuth_deg"], "o-", ms=3, label=name)
    a1.set_xlabel("sideways offset, cm")
    a1.set_ylabel("width, deg")
    a2.set_xlabel("sideways offset, cm")
    a2.set_ylabel("centre azimuth re device, deg")
    a1.legend(fontsize=7)
    for a in (a1, a2):
        a.grid(alpha=0.3)
    fig.suptitle("through the sweet spot (listener facing the device)")
    fig.tight_layout()
    fig.savefig(out / "zones_lateral.png", dpi=110)
    plt.close(fig)
    written.append("zones_lateral.png")

    # room depth bars
    d = res["depth"]["designs"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(7, 3))
    names = list(d)
    a1.bar(names, [d[n]["drr_db"] for n in names], color=["0.6", "C0"][: len(names)])
    a1.set_ylabel("DRR, dB")
    a1.axhline(0, color="k", lw=0.6)
    x = np.arange(len(names))
    a2.bar(x - 0.2, [d[n]["iacc"] for n in names], 0.4, label="IACC")
    a2.bar(x + 0.2, [d[n]["iacc_early"] for n in names], 0.4, label="IACC_E (80 ms)")
    a2.set_xticks(x, names)
    a2.set_ylim(0, 1)
    a2.legend(fontsize=7)
    lo, hi = res["depth"]["band_hz"]
    fig.suptitle(f"centre channel in the room, {lo:g}-{hi:g} Hz")
    fig.tight_layout()
    fig.savefig(out / "room.png", dpi=110)
    plt.close(fig)
    written.append("room.png")
    return written


def run(args: argparse.Namespace) -> int:
    from dsp_model.evaluation import EvaluationSettings, ZoneGrid, evaluate
    from dsp_model.evaluation_room import ImageSourceError, RoomSpec
    from dsp_model.heads import head_for

    prof = load_profile(args.profile)
    head = head_for(prof, head=args.head)
    if args.duration <= 0 or min(args.grid) < 1 or args.rt60 <= 0 or args.lateral < 1:
        raise UserError(f"--duration {args.duration}, --grid {args.grid}, --rt60 "
                        f"{args.rt60}, --lateral {args.lateral}: expected positive values")
    st = EvaluationSettings(duration=args.duration, grid=ZoneGrid(nx=args.grid[0],
                                                                  ny=args.grid[1]),
                            room=RoomSpec(rt60=args.rt60), upmix=args.upmix,
                            lateral=(-0.3, 0.3, args.lateral))
    try:
        # no --head: the profile's head(s), the design on all of `[listener] heads`
        res = evaluate(prof, st, head=None if args.head is None else head)
    except ImageSourceError as e:
        raise UserError(str(e)) from e
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(res, indent=1) + "\n")
    written = ["evaluation.json"]
    if not args.no_plots:
        written += _plots(res, out, prof)
    for line in summary_lines(res):
        print(line)
    print(f"wrote {', '.join(written)} to {out}")
    return 0
