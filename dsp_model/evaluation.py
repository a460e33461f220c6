"""Psychoacoustic evaluation of a chain design: width, depth and listening zones.

What a listener would hear, estimated from binaural signals of the acoustic
model (dsp_model/EVALUATION.md defines each metric and its limits):

  * width: perceived azimuth of a hard-left and a hard-right panned source
    (pink noise) at the listener, for the reference +-30 deg stereo pair of
    point sources, plain playback on the device and the processed design;
    width = az(right) - az(left), and the fraction of the reference width;
  * depth: in a simulated shoebox room, the direct-to-reverberant ratio (head
    centre, no head) and the interaural coherence (sphere head) of the centre
    channel through the design's centre path (beamformer) vs plain matrix mixing;
  * zones: width and phantom-centre azimuth over a grid of listener positions,
    each listener facing the device;
  * loudness: how many LU quieter the processed design plays than plain playback
    at the listener's ears (BS.1770, on music-spectrum noise; dsp_model/loudness.py,
    the same figure `soundstage design` reports).

Per-driver signals come from the float reference chain (`dsp_model.float_chain.
render`). The upmix is, by default, an oracle: the test stimuli are built from
known stems, so a hard-panned source goes to L' (or R') and a centred one to C,
which measures the spatial rendering without the upmix's errors ("passive" or
any `Upmix` factory can be passed instead). The processed design comes from
`processed_design(profile)`: `dsp_model.design.design_chain`.

The head (`evaluate(..., head=)`, default the profile's choice, heads.head_for)
is the one the processed design is made on, the one every listener hears the
device and the reference pair with, and the one whose cues the localizer maps
to an azimuth (measured device -> ear responses hear the reference pair and
localize with the profile's sphere, heads.source_head). The room's IACC stays
on the rigid sphere (evaluation_room's binaural image sources).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dsp_model.acoustics import SPEED_OF_SOUND, listener_positions
from dsp_model.binaural import (
    apply_ear_firs,
    driver_ear_firs,
    facing_device_yaw,
    fir_length,
    point_source_ear_firs,
    reference_pair_positions,
)
from dsp_model.chain_design import ChainDesign, plain_chain
from dsp_model.evaluation_cues import Localization, cue_curves, localize
from dsp_model.evaluation_room import (
    RoomSpec,
    binaural_ir,
    directivity_index,
    drr_db,
    first_reflections,
    point_ir,
    room_images,
)
from dsp_model.float_chain import FloatChain, PassiveUpmix, render
from dsp_model.heads import describe_head, head_for, source_head
from dsp_model.loudness import loudness_cost
from dsp_model.signals import pink_noise

__all__ = [
    "processed_design", "StemUpmix", "STIMULI", "stimulus", "driver_feeds", "Condition",
    "device_condition", "reference_condition", "localize_conditions", "width_summary",
    "ZoneGrid", "zone_maps", "zone_summary", "lateral_profile", "center_path_irs",
    "room_depth", "chain_latency",
    "EvaluationSettings", "evaluate",
]

STIMULI = ("left", "right", "center")
# stems (L', R', C) of each stimulus, as multiples of one pink-noise signal
_STEMS = {"left": (1.0, 0.0, 0.0), "right": (0.0, 1.0, 0.0), "center": (0.0, 0.0, 1.0)}


def processed_design(profile, head=None) -> tuple[ChainDesign, str]:
    """The full processed design (on `head`, default the profile's) and where it came
    from."""
    from dsp_model.design import design_chain

    return design_chain(profile, head), "dsp_model.design.design_chain"


class StemUpmix:
    """Oracle upmix: returns known stems (n, 3) [L', R', C] block by block, whatever
    the input. Lets the evaluation feed a test stimulus to exactly one path source."""

    latency = 0

    def __init__(self, stems: np.ndarray):
        self.stems = np.asarray(stems, float)
        self.pos = 0

    def process(self, block: np.ndarray) -> np.ndarray:
        n = len(block)
        out = self.stems[self.pos:self.pos + n]
        self.pos += n
        if len(out) != n:
            raise ValueError("StemUpmix ran past its stems")
        return out

    def reset(self) -> None:
        self.pos = 0


def stimulus(name: str, n: int, *, seed: int = 9, level_dbfs: float = -20.0
             ) -> tuple[np.ndarray, np.ndarray]:
    """(stereo (n,2), stems (n,3)) of a test stimulus: pink noise panned hard left,
    hard right, or centred (L = R, all in C)."""
    x = pink_noise(n, seed=seed, level_dbfs=level_dbfs)
    g = np.array(_STEMS[name])
    stems = x[:, None] * g[None, :]
    stereo = np.stack([stems[:, 0] + stems[:, 2], stems[:, 1] + stems[:, 2]], axis=1)
    return stereo, stems


def driver_feeds(design: ChainDesign, stereo: np.ndarray, stems: np.ndarray, *,
                 upmix: str | Callable = "oracle",
                 render_fn: Callable = render) -> np.ndarray:
    """Per-driver signals (n, D) of a stimulus through the chain.

    upmix: "oracle" (the known stems), "passive", or a factory `design -> Upmix`.
    """
    if upmix == "oracle":
        up = StemUpmix(stems)
    elif upmix == "passive":
        up = PassiveUpmix()
    else:
        up = upmix
    return render_fn(design, stereo, upmix=up)


@dataclass
class Condition:
    """A way of playing stereo at the listener: per-stimulus source signals (n, S)
    and a function heads (P,3), yaws (P,) -> ear FIRs (P, 2, S, L)."""

    name: str
    inputs: dict[str, np.ndarray]
    firs: Callable[[np.ndarray, np.ndarray], np.ndarray]
    note: str = ""
    latency: int = 0  # samples of chain latency before the sound starts


def device_condition(name: str, profile, design: ChainDesign, n: int, *,
                     upmix: str | Callable = "oracle", seed: int = 9,
                     render_fn: Callable = render, note: str = "", head=None) -> Condition:
    inputs = {s: driver_feeds(design, *stimulus(s, n, seed=seed), upmix=upmix,
                              render_fn=render_fn) for s in STIMULI}
    return Condition(name, inputs,
                     lambda heads, yaws: driver_ear_firs(profile, heads, yaw_deg=yaws,
                                                         n_taps=_taps(profile, heads),
                                                         head=head),
                     note, chain_latency(design))


def chain_latency(design: ChainDesign) -> int:
    """Declared latency of a design (paths + largest driver delay), upmix excluded."""
    return FloatChain(design, upmix=PassiveUpmix()).latency + max(
        (d.delay for d in design.drivers), default=0)


def reference_condition(profile, n: int, *, seed: int = 9, angle: float | None = None,
                        head=None) -> Condition:
    """The reference pair: point sources at -+virtual_angle around the nominal listener,
    fixed in space (a listener elsewhere hears the same loudspeakers); head: the
    listener's (default the profile's)."""
    pair = reference_pair_positions(profile, angle=angle)
    lis = profile.listener
    ears = source_head(head_for(profile) if head is None else head, profile)
    inputs = {s: stimulus(s, n, seed=seed)[0] for s in STIMULI}
    return Condition(
        "reference", inputs,
        lambda heads, yaws: point_source_ear_firs(
            pair, heads, fs=profile.sample_rate, a=lis.head_radius, ear_angle=lis.ear_angle,
            yaw_deg=yaws, n_taps=_taps(profile, heads), head=ears),
        f"point sources at +-{lis.virtual_angle if angle is None else angle:g} deg, "
        f"{lis.distance:g} m")


def _taps(profile, heads: np.ndarray) -> int:
    r = float(np.max(np.linalg.norm(np.atleast_2d(heads), axis=-1))) + 1.5
    return fir_length(r, profile.sample_rate)


def _skip(profile, heads: np.ndarray, design_latency: int = 0) -> int:
    """Samples to drop at the start: the longest arrival plus chain start-up."""
    r = float(np.max(np.linalg.norm(np.atleast_2d(heads), axis=-1))) + 1.5
    return int(r / SPEED_OF_SOUND * profile.sample_rate) + 2048 + design_latency


def localize_conditions(profile, conditions: list[Condition], heads: np.ndarray,
                        yaws: np.ndarray, *, chunk: int = 8, head=None
                        ) -> dict[str, dict[str, list[Localization]]]:
    """Localization of every stimulus of every condition at every head: [cond][stim][p];
    head: whose cues map to an azimuth (default the profile's; see the module doc)."""
    lis = profile.listener
    fs = profile.sample_rate
    heads = np.atleast_2d(heads)
    yaws = np.broadcast_to(np.asarray(yaws, float), (len(heads),))
    cues = source_head(head_for(profile) if head is None else head, profile)
    cue_curves(float(fs), float(lis.head_radius), float(lis.ear_angle), float(lis.distance),
               head=cues)
    out: dict[str, dict[str, list[Localization]]] = {}
    skip = _skip(profile, heads, max((c.latency for c in conditions), default=0))
    for cond in conditions:
        res: dict[str, list[Localization]] = {s: [] for s in cond.inputs}
        for i in range(0, len(heads), chunk):
            firs = cond.firs(heads[i:i + chunk], yaws[i:i + chunk])
            for s, x in cond.inputs.items():
                ears = apply_ear_firs(x, firs)
                for e in ears:
                    res[s].append(localize(e[skip:], fs, a=lis.head_radius,
                                           ear_angle=lis.ear_angle, distance=lis.distance,
                                           head=cues))
        out[cond.name] = res
    return out


def width_summary(loc: dict[str, list[Localization]], index: int = 0) -> dict:
    """Per-condition numbers at one head: azimuths, width, centre image."""
    lft, rgt, ctr = loc["left"][index], loc["right"][index], loc["center"][index]
    return {
        "left": lft.as_dict(), "right": rgt.as_dict(), "center": ctr.as_dict(),
        "width_deg": rgt.azimuth - lft.azimuth,
        "width_itd_deg": rgt.azimuth_itd - lft.azimuth_itd,
        "width_ild_deg": rgt.azimuth_ild - lft.azimuth_ild,
    }


# ------------------------------------------------------------------ zones

@dataclass(frozen=True)
class ZoneGrid:
    """Listener head centres over a rectangle in front of the device (profile coords)."""

    x: tuple[float, float] = (-1.5, 1.5)  # m, sideways
    y: tuple[float, float] = (0.5, 3.5)  # m, distance from the device plane
    nx: int = 7
    ny: int = 7

    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        """Grid coordinates; a single point sits in the middle of its range."""
        def ax(lim, n):
            return np.array([0.5 * (lim[0] + lim[1])]) if n == 1 else np.linspace(*lim, n)
        return ax(self.x, self.nx), ax(self.y, self.ny)

    def heads(self) -> np.ndarray:
        xs, ys = self.axes()
        gx, gy = np.meshgrid(xs, ys)  # (ny, nx)
        return np.stack([gx.ravel(), gy.ravel(), np.zeros(gx.size)], axis=-1)


def zone_maps(profile, conditions: list[Condition], grid: ZoneGrid, *, head=None) -> dict:
    """Width and centre-image maps (ny, nx) per condition; listeners face the device."""
    heads = grid.heads()
    yaws = facing_device_yaw(heads)
    loc = localize_conditions(profile, conditions, heads, yaws, head=head)
    xs, ys = grid.axes()
    out = {"x": xs.tolist(), "y": ys.tolist(), "conditions": {}}
    shape = (grid.ny, grid.nx)
    for name, res in loc.items():
        width = np.array([r.azimuth - lf.azimuth for r, lf in zip(res["right"], res["left"],
                                                                  strict=True)])
        center = np.array([c.azimuth for c in res["center"]])
        c_itd = np.array([c.itd for c in res["center"]]) * 1e6
        conflict = np.array([c.cue_conflict for c in res["center"]])
        out["conditions"][name] = {
            "width_deg": width.reshape(shape).tolist(),
            "center_azimuth_deg": center.reshape(shape).tolist(),
            "center_itd_us": c_itd.reshape(shape).tolist(),
            "center_cue_conflict_deg": conflict.reshape(shape).tolist(),
        }
    return out


def zone_summary(zones: dict, ref_width: float) -> dict:
    """Per condition: width median/min/max over the zone, the fraction of positions
    keeping at least half the reference sweet-spot width, centre-image RMS and max
    azimuth, and the spread (std) of the centre ITD."""
    out = {}
    for name, m in zones["conditions"].items():
        w = np.array(m["width_deg"])
        c = np.array(m["center_azimuth_deg"])
        itd = np.array(m["center_itd_us"])
        out[name] = {
            "width_median_deg": float(np.median(w)), "width_min_deg": float(w.min()),
            "width_max_deg": float(w.max()),
            "fraction_half_reference_width": float(np.mean(w >= 0.5 * ref_width)),
            "center_rms_deg": float(np.sqrt(np.mean(c**2))),
            "center_max_abs_deg": float(np.max(np.abs(c))),
            "center_itd_std_us": float(np.std(itd)),
        }
    return out


def lateral_profile(profile, conditions: list[Condition], offsets: np.ndarray,
                    ref_width: float, *, head=None) -> dict:
    """Width and centre azimuth for sideways offsets (m) at the listener distance, each
    listener facing the device: the fine cut through the sweet spot that a 0.5 m
    grid misses (crosstalk cancellation is local, DESIGN.md). `half_width_m`: the
    largest |offset| out to which the width stays >= half `ref_width` on both sides
    (0 if not even at the centre; a lower bound at the ends of `offsets`)."""
    offsets = np.asarray(offsets, float)
    heads = listener_positions(profile.listener.distance, dx=offsets)
    loc = localize_conditions(profile, conditions, heads, facing_device_yaw(heads), head=head)
    out = {"offset_m": offsets.tolist(), "conditions": {}}
    for name, res in loc.items():
        width = np.array([r.azimuth - lf.azimuth for r, lf in zip(res["right"], res["left"],
                                                                  strict=True)])
        ok = width >= 0.5 * ref_width
        half = 0.0
        for d in np.unique(np.abs(offsets)):
            if np.all(ok[np.abs(offsets) <= d + 1e-9]):
                half = float(d)
            else:
                break
        out["conditions"][name] = {
            "width_deg": width.tolist(),
            "center_azimuth_deg": [c.azimuth for c in res["center"]],
            "half_width_m": half if ok[np.argmin(np.abs(offsets))] else 0.0,
        }
    return out


# ------------------------------------------------------------------ depth (room)

def center_path_irs(design: ChainDesign, length: int = 4096, *,
                    render_fn: Callable = render) -> np.ndarray:
    """Impulse responses (length, D) from the centre upmix output C to every driver."""
    n = length
    stems = np.zeros((n, 3))
    stems[0, 2] = 1.0
    return render_fn(design, np.zeros((n, 2)), upmix=StemUpmix(stems))


def room_depth(profile, designs: dict[str, ChainDesign], spec: RoomSpec | None = None, *,
               band: tuple[float, float] | None = None, ir_length: float | None = None,
               render_fn: Callable = render) -> dict:
    """DRR (head centre, no head) and interaural coherence (sphere head) of the centre
    channel for each design, in the beamformer band, in a shoebox room.

    Drivers are omnidirectional point sources at their positions fed by the design's
    centre-path impulse responses (see evaluation_room for the simplifications).
    IACC is the peak of the normalised interaural cross-correlation within +-1 ms in
    the band, for the whole response and for its first 80 ms (IACC_E).

    first_reflections: per wall, the first-order reflection of the centre channel at
    the head centre re the direct sound, in the band, per design (image drivers with
    piston directivity: evaluation_room.first_reflections), and change_db = processed
    - plain when both designs are given (negative: the design sends less to that wall).
    """
    from dsp_model.evaluation_cues import cues_from_signals

    spec = RoomSpec() if spec is None else spec
    fs = profile.sample_rate
    lis = profile.listener
    band = tuple(profile.beamformer.band) if band is None else band
    drv = spec.to_room(np.array([d.position for d in profile.drivers]))
    head = spec.to_room(listener_positions(lis.distance)[0])
    images = room_images(spec, drv, fs)
    if ir_length is None:
        ir_length = min(1.2 * spec.rt60, 0.6)
    n = int(ir_length * fs)
    pt_tot = np.stack([point_ir(im, head, fs, n) for im in images], axis=1)  # (n, D)
    pt_dir = np.stack([point_ir(im, head, fs, n, max_order=0) for im in images], axis=1)
    bi = np.stack([binaural_ir(im, head, fs, n, a=lis.head_radius, ear_angle=lis.ear_angle,
                               r_ref=lis.distance) for im in images], axis=2)  # (n, 2, D)
    t_direct = np.linalg.norm(head - drv, axis=-1).min() / SPEED_OF_SOUND
    out = {"room": spec.as_dict(), "band_hz": list(band), "listener_room_position": head.tolist(),
           "designs": {}}
    refl: dict[str, dict] = {}
    for name, design in designs.items():
        g = center_path_irs(design, render_fn=render_fn)  # (L, D)

        def through(irs, g=g):  # sum_d g_d * irs_d
            m = irs.shape[0] + g.shape[0] - 1
            k = int(2 ** np.ceil(np.log2(m)))
            gs = np.fft.rfft(g, n=k, axis=0)
            hs = np.fft.rfft(irs, n=k, axis=0)
            if hs.ndim == 3:
                y = np.einsum("ked,kd->ke", hs, gs)
            else:
                y = np.sum(hs * gs, axis=1)
            return np.fft.irfft(y, n=k, axis=0)[:m]

        tot, dirc = through(pt_tot), through(pt_dir)
        ears = through(bi)
        # direct sound: first time of flight + the chain's declared latency (not the
        # peak of the direct response, which a beam may have nulled at the listener)
        ch = FloatChain(design, upmix=PassiveUpmix())
        lat = int(t_direct * fs) + ch.latency + min(d.delay for d in design.drivers)
        early_end = lat + int(0.080 * fs)
        lo = max(lat - int(0.005 * fs), 0)
        kw = {"itd_band": band}
        full = cues_from_signals(ears[lo:], fs, **kw)
        early = cues_from_signals(ears[lo:early_end], fs, **kw)
        dir_ears = through(np.stack([binaural_ir(im, head, fs, n, a=lis.head_radius,
                                                 ear_angle=lis.ear_angle, r_ref=lis.distance,
                                                 max_order=0) for im in images], axis=2))
        anech = cues_from_signals(dir_ears[lo:], fs, **kw)
        out["designs"][name] = {
            "drr_db": drr_db(dirc, tot, fs, band),
            "drr_broadband_db": drr_db(dirc, tot, fs, (100.0, fs / 2 * 0.9)),
            "iacc": full.iacc, "iacc_early": early.iacc, "iacc_anechoic": anech.iacc,
            "direct_arrival_ms": 1e3 * lat / fs, "first_direct_path_ms": float(1e3 * t_direct),
            "di_db": directivity_index(profile.drivers, g, fs, band),
            "di_omni_db": directivity_index(profile.drivers, g, fs, band, piston=False),
        }
        for wall, v in first_reflections(profile.drivers, g, fs, spec, head, band).items():
            w = refl.setdefault(wall, {"delay_ms": v["delay_ms"],
                                       "off_axis_deg": v["off_axis_deg"], "level_db": {}})
            w["level_db"][name] = v["level_db"]
    for w in refl.values():
        if {"plain", "processed"} <= set(w["level_db"]):
            w["change_db"] = w["level_db"]["processed"] - w["level_db"]["plain"]
    out["first_reflections"] = {
        "band_hz": list(band), "point": "head centre, no head",
        "model": "image drivers (position and axis mirrored), piston directivity, 1/r, "
                 "delay; wall pressure reflection factor sqrt(1 - Sabine absorption)",
        "walls": refl}
    return out


# ------------------------------------------------------------------ everything

@dataclass
class EvaluationSettings:
    duration: float = 0.5  # s of pink noise per stimulus
    grid: ZoneGrid = field(default_factory=ZoneGrid)
    room: RoomSpec = field(default_factory=RoomSpec)
    upmix: str | Callable = "oracle"
    seed: int = 9
    lateral: tuple[float, float, int] = (-0.3, 0.3, 13)  # m, m, points: sweet-spot cut


def evaluate(profile, settings: EvaluationSettings | None = None, *,
             design: ChainDesign | None = None, design_source: str | None = None,
             render_fn: Callable = render, head=None) -> dict:
    """Width at the listener, zone maps and room depth for plain vs processed playback.

    head: the head object (default the profile's; see the module docstring).
    Returns a JSON-able dict (the `evaluation.json` of `soundstage evaluate`).
    """
    st = EvaluationSettings() if settings is None else settings
    fs = profile.sample_rate
    given, head = head, head_for(profile) if head is None else head
    if design is None:  # no head given: on the profile's heads (all of `heads`)
        design, design_source = processed_design(profile, given)
    plain = plain_chain(profile)
    n = int(st.duration * fs) + _skip(profile, st.grid.heads(),
                                      max(chain_latency(design), chain_latency(plain)))
    conds = [
        reference_condition(profile, n, seed=st.seed, head=head),
        device_condition("plain", profile, plain, n, upmix=st.upmix, seed=st.seed,
                         render_fn=render_fn, note="plain_chain", head=head),
        device_condition("processed", profile, design, n, upmix=st.upmix, seed=st.seed,
                         render_fn=render_fn, note=design_source or "given", head=head),
    ]
    lis = profile.listener
    at = listener_positions(lis.distance)
    loc = localize_conditions(profile, conds, at, np.zeros(1), head=head)
    width = {c.name: width_summary(loc[c.name]) for c in conds}
    ref_w = width["reference"]["width_deg"]
    for w in width.values():
        w["fraction_of_reference"] = w["width_deg"] / ref_w if ref_w else float("nan")
    zones = zone_maps(profile, conds, st.grid, head=head)
    lateral = lateral_profile(profile, conds, np.linspace(*st.lateral[:2], st.lateral[2]),
                              ref_w, head=head)
    depth = room_depth(profile, {"plain": plain, "processed": design}, st.room,
                       render_fn=render_fn)
    return {
        "profile": profile.name,
        "fs": fs,
        "design_source": design_source or "given",
        "upmix": st.upmix if isinstance(st.upmix, str) else repr(st.upmix),
        "stimulus": {"signal": "pink noise", "duration_s": st.duration, "seed": st.seed},
        "listener": {"distance_m": lis.distance, "head_radius_m": lis.head_radius,
                     "reference_angle_deg": lis.virtual_angle},
        "head": describe_head(head),
        "conditions": {c.name: c.note for c in conds},
        "width": width,
        "zones": zones,
        "zone_summary": zone_summary(zones, ref_w),
        "lateral": lateral,
        "depth": depth,
        "loudness": loudness_cost(profile, design, head=head),
    }
