"""The designed chain as one plain data object, and the per-driver stage design.

`ChainDesign` is what the design stage hands downstream: the float reference
chain runs it, `firmware_export` quantizes it, nothing re-derives it. Signal
flow (../shared/DESIGN.md):

    L, R -> upmix -> u = (L', R', C)
    for each path p (any number; each reads one upmix output u[source_p]):
        y_p = common_p * delay_p(u[source_p])     (one long filter per path)
        feed_{p,d} = ratio_{p,d} * y_p            (short filter per driver, RTF form)
    driver d: z_d = sum_p feed_{p,d} -> sos_d (crossover, EQ) -> gain_d -> delay_d

A source may have several paths: e.g. L' through the CTC (long common filter,
ratio filters to the CTC drivers) and L' plainly to the woofer (common [1.0],
a scalar ratio). FIR taps are float64 arrays; an empty ratio array means path
p does not feed driver d (no cost). SOS are scipy's (n, 6) with a0 = 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter

from device_profiles import Profile, UpmixHold

# Sources a path can read: the upmix outputs, then (only when the design has a
# virtualizer stage) the binaural signals of the virtual +-30 deg pair.
SOURCES = ("L'", "R'", "C", "e_L", "e_R")


@dataclass(frozen=True)
class PathFilter:
    """One path from an upmix output (L', R' or C) to every driver, RTF form."""

    name: str
    source: int  # index into SOURCES
    delay: int  # samples, before `common`
    common: np.ndarray  # (Nc,) FIR
    ratio: tuple[np.ndarray, ...]  # per driver, (Nr_d,) FIR or empty
    modeling_delay: int = 0  # bulk delay the FIRs were designed with (latency report)


@dataclass(frozen=True)
class VirtualizerStage:
    """Crosstalk simulation of the virtual +-30 deg pair, computed once per frame:

        e_L = ipsi * L' + contra * R',    e_R = contra * L' + ipsi * R'

    ipsi: all-pass sos; contra: `contra_delay` samples then low-pass sos (its gain
    included). e_L, e_R are sources 3 and 4 of the paths.
    """

    ipsi_sos: np.ndarray  # (n, 6)
    contra_sos: np.ndarray  # (m, 6)
    contra_delay: int


@dataclass(frozen=True)
class LimiterStage:
    """Look-ahead peak limiter after the per-driver stage, one gain for all
    drivers (dsp_model/limiter.py): the drivers are delayed by `lookahead`
    samples, the gain is the minimum over the look-ahead window of
    min(1, threshold / max_d |x_d|), released by a one-pole, then averaged
    over `attack` samples (a power of two <= lookahead + 1), so it is fully
    down when the delayed peak arrives."""

    threshold: float  # linear re full scale: no output sample beyond it
    lookahead: int  # samples (part of the chain latency)
    attack: int  # samples, a power of two, <= lookahead + 1
    release: float  # one-pole coefficient per sample: r += release * (h - r)


@dataclass(frozen=True)
class DriverStage:
    """Per-driver stage: crossover and EQ biquads, gain, delay."""

    id: str
    sos: np.ndarray  # (n_sections, 6), scipy layout
    gain: float  # linear
    delay: int  # samples


@dataclass(frozen=True)
class ChainDesign:
    profile_name: str
    fs: int
    target: str
    block_size: int
    paths: tuple[PathFilter, ...]
    drivers: tuple[DriverStage, ...]
    output_word: int
    upmix_fft_size: int
    upmix_hop: int
    upmix_smoothing_ms: float
    virtualizer: VirtualizerStage | None = None
    upmix_decision: str = "inphase"  # dsp_model.upmix.DECISIONS
    upmix_mode: str = "passive"  # the upmix the chain runs: "adaptive" or "passive"
    upmix_diffuse: tuple[float, float] | None = None  # the profile's [upmix] diffuse
    upmix_directivity_weight: str = "power"  # the profile's [upmix] directivity_weight
    # the profile's [upmix] center_width: ((from Hz, x0), ...) or None
    upmix_center_width: tuple[tuple[float, float], ...] | None = None
    upmix_hold: UpmixHold | None = None  # the profile's [upmix.hold]
    upmix_side_attack: float = 0.0  # the profile's [upmix] side_attack
    limiter: LimiterStage | None = None  # after the drivers' delays, before the output

    @property
    def n_drivers(self) -> int:
        return len(self.drivers)

    def macs_per_frame(self) -> dict[str, int]:
        """Multiply-accumulates per stereo input frame, per stage (upmix excluded)."""
        fir = sum(len(p.common) + sum(len(r) for r in p.ratio) for p in self.paths)
        biquads = sum(5 * len(d.sos) for d in self.drivers)
        return {"fir_taps": fir, "biquad_macs": biquads, "gain": self.n_drivers}


# ---------------------------------------------------------------- driver stage

def _rbj_biquad(kind: str, f0: float, q: float, gain_db: float, fs: float) -> np.ndarray:
    """One biquad of the RBJ Audio EQ Cookbook (peaking, low/high shelf), sos row."""
    a = 10 ** (gain_db / 40.0)
    w0 = 2 * np.pi * f0 / fs
    alpha = np.sin(w0) / (2 * q)
    cw = np.cos(w0)
    if kind == "peaking":
        b = [1 + alpha * a, -2 * cw, 1 - alpha * a]
        den = [1 + alpha / a, -2 * cw, 1 - alpha / a]
    elif kind in ("lowshelf", "highshelf"):
        s = 2 * np.sqrt(a) * alpha
        sign = 1 if kind == "lowshelf" else -1
        b = [a * ((a + 1) - sign * (a - 1) * cw + s),
             sign * 2 * a * ((a - 1) - sign * (a + 1) * cw),
             a * ((a + 1) - sign * (a - 1) * cw - s)]
        den = [(a + 1) + sign * (a - 1) * cw + s,
               -sign * 2 * ((a - 1) + sign * (a + 1) * cw),
               (a + 1) + sign * (a - 1) * cw - s]
    else:
        raise ValueError(f"unknown EQ type {kind!r} (peaking, lowshelf, highshelf)")
    return np.concatenate([np.array(b) / den[0], np.array(den) / den[0]])


def _linkwitz_riley(order: int, hz: float, btype: str, fs: float) -> np.ndarray:
    """Linkwitz-Riley of even `order`: a Butterworth of order/2, squared.

    Each Butterworth section from scipy carries its own unit passband gain when
    designed one pole pair at a time, so no section holds the whole gain (scipy's
    `butter(..., output='sos')` puts it all in the first section, where a low
    cutoff's b coefficients underflow Q31).
    """
    half = butter(order // 2, hz, btype=btype, fs=fs, output="sos")
    half = _spread_gain(half)
    return np.concatenate([half, half])


def _spread_gain(sos: np.ndarray) -> np.ndarray:
    """Give every section the same share of the overall gain, then normalise each
    section's numerator so its peak passband gain is the share (keeps |b| small)."""
    sos = np.array(sos, dtype=float)
    n = len(sos)
    if n == 1:
        return sos
    w = np.linspace(0, np.pi, 2048)
    gains = []
    for s in sos:
        z = np.exp(-1j * w)
        h = (s[0] + s[1] * z + s[2] * z**2) / (s[3] + s[4] * z + s[5] * z**2)
        gains.append(np.max(np.abs(h)))
    total = float(np.prod(gains))
    share = total ** (1.0 / n)
    for s, g in zip(sos, gains, strict=True):
        s[:3] *= share / g
    return sos


def driver_sos(profile: Profile, driver_id: str) -> np.ndarray:
    """Crossover (Linkwitz-Riley from the role's band) then EQ, as scipy sos (n, 6).

    Sections are ordered high-pass, low-pass, EQ: the high-pass removes the low
    end before the EQ boosts anything, which keeps the internal headroom small.
    """
    d = profile.driver(driver_id)
    fs = profile.sample_rate
    hp, lp = profile.crossover.bands[d.role]
    order = profile.crossover.order
    rows = []
    if hp > 0:
        rows.append(_linkwitz_riley(order, hp, "highpass", fs))
    if lp > 0:
        rows.append(_linkwitz_riley(order, lp, "lowpass", fs))
    for e in d.eq:
        rows.append(_rbj_biquad(e["type"], e["hz"], e.get("q", 0.707), e["gain_db"], fs)[None])
    if not rows:
        return np.array([[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]])
    return np.concatenate(rows)


def driver_stages(profile: Profile) -> tuple[DriverStage, ...]:
    return tuple(
        DriverStage(id=d.id, sos=driver_sos(profile, d.id), gain=float(10 ** (d.gain_db / 20)),
                    delay=d.delay_samples)
        for d in profile.drivers
    )


# ---------------------------------------------------------------- plain mixing

# plain stereo feeds (from L, from R) by the side a driver sits on
PLAIN_GAINS = {"left": (1.0, 0.0), "right": (0.0, 1.0), "centre": (0.5, 0.5)}


def driver_side(driver) -> str:
    """Which side a driver sits on, seen by the listener (1 cm dead zone)."""
    x = driver.position[0]
    return "left" if x < -0.01 else "right" if x > 0.01 else "centre"


def plain_chain(profile: Profile) -> ChainDesign:
    """Plain stereo playback on the device: no virtualizer, CTC or beamformer.

    Left drivers play L, right drivers R, centre drivers (L+R)/2, through the same
    per-driver stage. Since L = L' + C and R = R' + C, the centre path feeds every
    driver with unit gain. This is the A/B reference for rendering and evaluation.
    """
    one = np.array([1.0])
    side_l = tuple(np.array([PLAIN_GAINS[driver_side(d)][0]]) for d in profile.drivers)
    side_r = tuple(np.array([PLAIN_GAINS[driver_side(d)][1]]) for d in profile.drivers)
    center = tuple(one.copy() for _ in profile.drivers)
    return assemble(profile, (
        PathFilter("side_l", 0, 0, one.copy(), side_l),
        PathFilter("side_r", 1, 0, one.copy(), side_r),
        PathFilter("center", 2, 0, one.copy(), center),
    ))


def assemble(profile: Profile, paths: tuple[PathFilter, ...],
             virtualizer: VirtualizerStage | None = None) -> ChainDesign:
    n_sources = 5 if virtualizer is not None else 3
    for p in paths:
        if not 0 <= p.source < n_sources:
            raise ValueError(f"path {p.name}: source {p.source} is not one of "
                             f"{', '.join(SOURCES[:n_sources])} (0..{n_sources - 1})")
        if len(p.ratio) != profile.n_drivers:
            raise ValueError(f"path {p.name}: {len(p.ratio)} ratio filters for "
                             f"{profile.n_drivers} drivers")
    up = profile.upmix
    return ChainDesign(
        profile_name=profile.name, fs=profile.sample_rate, target=profile.target,
        block_size=profile.block_size, paths=paths, drivers=driver_stages(profile),
        output_word=profile.output.word_length, upmix_fft_size=up.fft_size,
        upmix_hop=up.hop, upmix_smoothing_ms=up.smoothing_ms, virtualizer=virtualizer,
        upmix_decision=up.decision, upmix_mode=up.mode, upmix_diffuse=up.diffuse,
        upmix_directivity_weight=up.directivity_weight, upmix_center_width=up.center_width,
        upmix_hold=up.hold, upmix_side_attack=up.side_attack,
    )
