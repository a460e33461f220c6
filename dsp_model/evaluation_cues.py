"""Binaural localization cues and their mapping to a perceived azimuth.

Duplex theory, as the issue asks: the interaural time difference (ITD) from the
peak of the interaural cross-correlation below 1.5 kHz, the interaural level
difference (ILD) in third-octave bands above 1.5 kHz. Each cue is mapped to an
azimuth through the same cue computed for a point source in the rigid-sphere
model (`dsp_model.acoustics`) at every azimuth 0..90 deg, so the estimate reads
"the direction a sphere head would have to hear a single source from to get
these cues". See dsp_model/EVALUATION.md for the limits.

Conventions: ear signals (n, 2) [left, right]; ITD > 0 and azimuth > 0 mean the
right ear leads / the source is on the right (as `interaural_differences`).
The sphere is front/back symmetric, so every estimate is a lateral angle,
reported as a frontal azimuth in [-90, 90].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from dsp_model.acoustics import SPEED_OF_SOUND, point_sources_to_ears

ITD_BAND = (100.0, 1500.0)  # Hz, cross-correlation band
MAX_LAG = 1.0e-3  # s, physiological ITD range searched
ILD_CENTRES = (1600.0, 2000.0, 2500.0, 3150.0, 4000.0, 5000.0, 6300.0, 8000.0, 10000.0)
ITD_WEIGHT = 2.0 / 3.0  # low-frequency ITD dominates broadband localization (see EVALUATION.md)

__all__ = [
    "ITD_BAND", "ILD_CENTRES", "ITD_WEIGHT", "Cues", "CueCurves", "cues_from_spectra",
    "cues_from_signals", "cue_curves", "azimuth_from_cues", "Localization", "localize",
]


@dataclass(frozen=True)
class Cues:
    itd: float  # s, + = right ear leads
    iacc: float  # peak of the normalised cross-correlation in the ITD band, 0..1
    ild: np.ndarray  # (B,) dB right re left, per third-octave band of ILD_CENTRES


def _band_mask(freqs: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (freqs >= lo) & (freqs < hi)


def cues_from_spectra(xl: np.ndarray, xr: np.ndarray, freqs: np.ndarray, fs: float, *,
                      weight: np.ndarray | None = None, itd_band=ITD_BAND,
                      ild_centres=ILD_CENTRES, max_lag: float = MAX_LAG,
                      upsample: int = 4) -> Cues:
    """Cues from the rfft spectra of the two ear signals (one-sided grid `freqs`).

    weight: a power weighting per bin (e.g. a stimulus spectrum when xl, xr are
    transfer functions). The cross-correlation is the inverse FFT of the band-limited
    cross-spectrum, zero-padded `upsample` times, peak refined by a parabola.
    """
    freqs = np.asarray(freqs, float)
    w = np.ones_like(freqs) if weight is None else np.asarray(weight, float)
    pl, pr = w * np.abs(xl) ** 2, w * np.abs(xr) ** 2
    band = _band_mask(freqs, *itd_band)
    cross = np.where(band, w * xl * np.conj(xr), 0.0)
    # Frequency grid -> a time grid: bins are df apart, so lags are 1/(nfft df).
    df = freqs[1] - freqs[0]
    nfft = int(round(fs / df)) * upsample
    cc = np.fft.irfft(cross, n=nfft)
    norm = np.sqrt(np.sum(np.where(band, pl, 0)) * np.sum(np.where(band, pr, 0)))
    norm = norm / nfft * 2.0  # irfft scaling of a one-sided sum (DC/Nyquist are out of band)
    dt = 1.0 / (df * nfft)
    m = int(np.ceil(max_lag / dt))
    lags = np.concatenate([np.arange(0, m + 1), np.arange(-m, 0)])
    vals = cc[lags]
    k = int(np.argmax(vals))
    frac = 0.0
    if 0 < k < len(vals) - 1 and lags[k - 1] == lags[k] - 1 and lags[k + 1] == lags[k] + 1:
        y0, y1, y2 = vals[k - 1], vals[k], vals[k + 1]
        den = y0 - 2 * y1 + y2
        frac = 0.5 * (y0 - y2) / den if den < 0 else 0.0
    elif k == len(vals) - 1 or k == m:  # edge of the lag window: no refinement
        frac = 0.0
    itd = (lags[k] + frac) * dt
    iacc = float(vals[k] / norm) if norm > 0 else 0.0
    ild = []
    for fc in ild_centres:
        sel = _band_mask(freqs, fc * 2 ** (-1 / 6), fc * 2 ** (1 / 6))
        el, er = np.sum(pl[sel]), np.sum(pr[sel])
        ild.append(10 * np.log10((er + 1e-300) / (el + 1e-300)))
    return Cues(itd=float(itd), iacc=iacc, ild=np.array(ild))


def cues_from_signals(ears: np.ndarray, fs: float, **kw) -> Cues:
    """Cues of ear signals (n, 2). Zero-padded to avoid circular wrap of the lags."""
    ears = np.asarray(ears, float)
    n = len(ears)
    nfft = int(2 ** np.ceil(np.log2(n + int(MAX_LAG * fs) + 1)))
    spec = np.fft.rfft(ears, n=nfft, axis=0)
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    return cues_from_spectra(spec[:, 0], spec[:, 1], freqs, fs, **kw)


@dataclass(frozen=True)
class CueCurves:
    """The sphere model's cues for a single point source at azimuth 0..90 deg."""

    azimuth: np.ndarray  # (A,) deg
    itd: np.ndarray  # (A,) s, made non-decreasing
    ild: np.ndarray  # (A, B) dB
    ild_centres: tuple[float, ...]
    distance: float


@lru_cache(maxsize=16)
def cue_curves(fs: float, a: float, ear_angle: float = 90.0, distance: float = 2.0,
               step: float = 1.0, c: float = SPEED_OF_SOUND) -> CueCurves:
    """Cue-vs-azimuth curves from the sphere model, pink (1/f) weighted.

    Computed from transfer functions (noise-free expected values of the signal
    estimator, same code path) for a source at `distance` from the head centre.
    """
    az = np.arange(0.0, 90.0 + step / 2, step)
    nfft = 4096
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    th = np.deg2rad(az)
    src = np.stack([distance * np.sin(th), -distance * np.cos(th), np.zeros_like(th)], -1)
    h = point_sources_to_ears(freqs, src, np.zeros((1, 3)), a=a, ear_angle=ear_angle, c=c)
    w = 1.0 / np.maximum(freqs, 1.0)
    itd, ild = [], []
    for i in range(len(az)):
        cu = cues_from_spectra(h[:, 0, 0, i], h[:, 0, 1, i], freqs, fs, weight=w)
        itd.append(cu.itd)
        ild.append(cu.ild)
    return CueCurves(azimuth=az, itd=np.maximum.accumulate(np.array(itd)), ild=np.array(ild),
                     ild_centres=ILD_CENTRES, distance=distance)


def _invert_monotone(value: float, x: np.ndarray, y: np.ndarray) -> float:
    """Azimuth for a cue value on a curve y(x), x >= 0, using its rising part only
    (up to the curve's maximum); odd symmetry for negative values; clamps at the ends."""
    top = int(np.argmax(y))
    xs, ys = x[: top + 1], np.maximum.accumulate(y[: top + 1])
    v = abs(value)
    # plateaus in ys would make interp ambiguous: take the first x reaching v
    az = float(np.interp(v, ys, xs)) if v < ys[-1] else float(xs[-1])
    return np.sign(value) * az


@dataclass(frozen=True)
class Localization:
    azimuth: float  # deg, combined estimate
    azimuth_itd: float  # deg, from the ITD alone
    azimuth_ild: float  # deg, median over the ILD bands
    itd: float  # s
    iacc: float
    ild_mean: float  # dB, mean over bands

    @property
    def cue_conflict(self) -> float:
        """|ITD azimuth - ILD azimuth|, deg: large values mean a split or diffuse image."""
        return abs(self.azimuth_itd - self.azimuth_ild)

    def as_dict(self) -> dict:
        return {"azimuth": self.azimuth, "azimuth_itd": self.azimuth_itd,
                "azimuth_ild": self.azimuth_ild, "itd_us": self.itd * 1e6,
                "iacc": self.iacc, "ild_db": self.ild_mean, "cue_conflict": self.cue_conflict}


def azimuth_from_cues(cues: Cues, curves: CueCurves) -> Localization:
    az_itd = _invert_monotone(cues.itd, curves.azimuth, curves.itd)
    per_band = [_invert_monotone(v, curves.azimuth, curves.ild[:, b])
                for b, v in enumerate(cues.ild)]
    az_ild = float(np.median(per_band))
    az = ITD_WEIGHT * az_itd + (1 - ITD_WEIGHT) * az_ild
    return Localization(azimuth=float(az), azimuth_itd=float(az_itd), azimuth_ild=az_ild,
                        itd=cues.itd, iacc=cues.iacc, ild_mean=float(np.mean(cues.ild)))


def localize(ears: np.ndarray, fs: float, *, a: float, ear_angle: float = 90.0,
             distance: float = 2.0) -> Localization:
    """Perceived azimuth of ear signals (n, 2), mapped through the sphere model."""
    return azimuth_from_cues(cues_from_signals(ears, fs),
                             cue_curves(float(fs), float(a), float(ear_angle), float(distance)))
