"""Device profile: the plain data object every later stage receives.

Coordinates (metres), used by every module:
  origin at the device centre; +y from the device toward the listener (the
  device's front); +x the listener's right; +z up. The listener's head centre
  sits at (0, listener.distance, 0) facing -y (toward the device).
  Azimuth seen from the device: 0 deg toward the listener, +90 deg toward +x.
  Azimuth seen from the listener: 0 deg straight ahead (the device), + right.
Only distances and dot products are used, so handedness never matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

SAMPLE_RATES = (44100, 48000, 96000)
TARGETS = ("cmsis-q31", "generic-q15")
ROLES = ("tweeter", "mid", "woofer", "full")
EQ_TYPES = ("peaking", "lowshelf", "highshelf")
HEADS = ("sphere", "kemar")  # named heads; anything else is a path to a .sofa file
UPMIX_DECISIONS = ("inphase", "ratio")  # dsp_model/upmix.py: the per-bin center decisions
# what each frame's vote weighs in the diffuse fallback's D (dsp_model/upmix.py): |z|^2
# ("power") or |z| ("magnitude"), z = S M*
UPMIX_DIRECTIVITY_WEIGHTS = ("power", "magnitude")
# bands of the center width x0 ([upmix] center_width as [from Hz, x0] rows): at most this
# many, so the blob's decision has a fixed size (firmware_export/quantize_upmix.py)
UPMIX_WIDTH_BANDS = 4
# the precedence hold ([upmix.hold]) holds at most fft_size / this many bins (its state is
# that much of the spectrum in the fixed point): max_hz below fs / 16, 3 kHz at 48 kHz
UPMIX_HOLD_DIV = 8
# the chain's upmix: "adaptive" (dsp_model/upmix.py, fixed twin dsp_model/fixed/upmix.py)
# or "passive" (C = M, L' = S, R' = -S: two adds and a shift per frame)
UPMIX_MODES = ("adaptive", "passive")


@dataclass(frozen=True)
class Driver:
    id: str
    role: str
    position: tuple[float, float, float]
    orientation: tuple[float, float, float]  # unit vector, the driver's axis
    radius: float  # radiating radius, m (baffled piston)
    band: tuple[float, float]  # usable band, Hz
    gain_db: float = 0.0
    delay_samples: int = 0
    eq: tuple[dict, ...] = ()  # {"type", "hz", "q", "gain_db"}


@dataclass(frozen=True)
class Listener:
    distance: float  # m, device centre to head centre
    virtual_angle: float  # deg, the virtual stereo pair sits at +-this
    head_radius: float  # m
    ear_angle: float  # deg, each ear at +-ear_angle from the nose
    # the head the design and its evaluation hear with (dsp_model.heads.head_for):
    # "sphere" (the rigid sphere of head_radius), "kemar" (MIT KEMAR, measured HRIRs)
    # or a path to a .sofa file (an HRIR set or measured device -> ear responses;
    # a relative path is taken from the profile's folder when loaded)
    head: str = "sphere"
    # the heads the CTC is designed on together (`heads = ["sphere", "kemar"]`, a robust
    # design): empty for one head (`head`); when given, `head` is its first entry (the
    # head the rest of the design and its reports use) and the profile may not set
    # `head` as well
    heads: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpmixHold:
    """[upmix.hold]: the precedence hold of the per-bin decision (dsp_model/upmix.py)."""

    onset: float  # |M|^2 above onset x E|M|^2 in a bin starts a hold of that frame's ratio
    release_db: float  # the hold ends when |M|^2 falls this far below its peak since
    drift_ms: float  # the held ratio drifts toward the smoothed one with this time constant
    max_hz: float  # only the bins below this hold
    # the steering of those bins (dsp_model/upmix.py): their ratio is read in units of its
    # peak K where K > 1, K rising toward the ratio over this time (0: off)
    steering_ms: float = 0.0


@dataclass(frozen=True)
class UpmixSettings:
    fft_size: int  # analysis frame of the per-band decision
    hop: int
    smoothing_ms: float  # time constant of the per-band statistics
    synthesis_size: int = 1024  # synthesis window; the upmix latency is synthesis_size - 1
    # per-bin center decision (dsp_model/upmix.py): "inphase" (robust to reverb and time
    # panning; the form the fixed-point model implements) or "ratio" (|S|^2/|M|^2, float only)
    decision: str = "inphase"
    # which upmix the chain runs (float, fixed, C, device): see UPMIX_MODES
    mode: str = "passive"
    # (lo, hi) of the diffuse fallback's directivity D (None: the decision's own); the
    # bias of D on diffuse sides grows with fft_size, so the thresholds follow it
    diffuse: tuple[float, float] | None = None
    # the weight of each frame's vote in D: see UPMIX_DIRECTIVITY_WEIGHTS
    directivity_weight: str = "power"
    # x0, the |S|/|M| at which a bin is judged half center, per band: ((from Hz, x0), ...),
    # the first from 0 Hz (None: the decision's own, one band)
    center_width: tuple[tuple[float, float], ...] | None = None
    # the precedence hold ([upmix.hold]; None: none)
    hold: UpmixHold | None = None
    # the side attack b (dsp_model/upmix.py): t = max(t, b x the frame's own ratio), so a
    # side starting in a bin a center held leaves C within the frame (0: off)
    side_attack: float = 0.0


@dataclass(frozen=True)
class VirtualizerSettings:
    lowpass_order: int  # contralateral delayed low-pass order
    allpass_order: int  # ipsilateral all-pass order


@dataclass(frozen=True)
class CtcSettings:
    drivers: tuple[str, ...]
    target: tuple[tuple[float, float], ...]  # (Hz, dB) contra/ipsi cancellation target
    effort_limit_db: float  # max |filter gain|, dB
    common_taps: int  # long common filter per input channel (RTF form)
    ratio_taps: int  # short per-driver ratio filters
    # per-driver override of ratio_taps (driver id -> taps, at most ratio_taps): that
    # driver's ratio filter keeps only its middle taps, centred on the modeling delay
    driver_ratio_taps: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BeamformerSettings:
    drivers: tuple[str, ...]
    band: tuple[float, float]  # Hz
    null_angles: tuple[float, ...]  # deg, device azimuth
    listening_window: float  # deg, main lobe must cover +-this
    wng_min_db: float  # white-noise-gain floor
    taps: int


@dataclass(frozen=True)
class CrossoverSettings:
    order: int  # Linkwitz-Riley order (even)
    bands: dict[str, tuple[float, float]]  # role -> (high-pass Hz, low-pass Hz), 0 = none


@dataclass(frozen=True)
class OutputSettings:
    word_length: int  # DAC word, bits
    dither: bool
    tolerance_db: float  # fixed vs float error-to-signal bar, dB


@dataclass(frozen=True)
class LimiterSettings:
    """Look-ahead peak limiter at the end of the chain, one gain for all drivers
    (dsp_model/limiter.py). The static attenuation before it is chosen on program
    material so that it limits by at most `program_gr_db` for `program_percent` %
    of the time (the worst-case sine is the limiter's job)."""

    threshold_db: float  # dBFS: no driver sample beyond this
    lookahead_ms: float  # the limiter's delay (counted in the chain latency)
    attack_ms: float  # gain ramp; runs over a power of two samples <= lookahead + 1
    release_ms: float  # one-pole release time constant
    program_gr_db: float = 3.0
    program_percent: float = 99.0


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    sample_rate: int
    target: str
    block_size: int
    mips_budget: float  # million instructions per second at sample_rate
    drivers: tuple[Driver, ...]
    listener: Listener
    upmix: UpmixSettings
    virtualizer: VirtualizerSettings
    ctc: CtcSettings
    beamformer: BeamformerSettings
    crossover: CrossoverSettings
    output: OutputSettings
    source: str = field(default="", compare=False)
    limiter: LimiterSettings | None = None  # [limiter]; None: no limiter

    @property
    def n_drivers(self) -> int:
        return len(self.drivers)

    @property
    def driver_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.drivers)

    def driver(self, driver_id: str) -> Driver:
        for d in self.drivers:
            if d.id == driver_id:
                return d
        raise KeyError(driver_id)

    def driver_index(self, driver_id: str) -> int:
        return self.driver_ids.index(driver_id)

    @property
    def nyquist(self) -> float:
        return self.sample_rate / 2.0

    def to_dict(self) -> dict:
        """The resolved profile as plain TOML-able data (for `profile show`)."""
        from dataclasses import asdict

        d = asdict(self)
        d.pop("source")
        return d


def unit(v: tuple[float, float, float]) -> tuple[float, float, float]:
    n = math.sqrt(sum(c * c for c in v))
    return (v[0] / n, v[1] / n, v[2] / n)
