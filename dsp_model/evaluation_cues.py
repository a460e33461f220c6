"""Binaural localization cues and their mapping to a perceived azimuth.

Duplex theory, as the issue asks: the interaural time difference (ITD) from the
peak of the interaural cross-correlation below 1.5 kHz (summed over third-octave
bands, each normalised, so no band dominates), the interaural level difference
(ILD) in third-octave bands above 1.5 kHz. Each cue is mapped to an
azimuth through the same cue computed for a point source in the rigid-sphere
model (`dsp_model.acoustics`) at every azimuth 0..90 deg, so the estimate reads
"the direction a sphere head would have to hear a single source from to get
these cues"; with `head=` (a measured head such as KEMAR) the curves are that
head's, so a listener judges with the head it hears with. See
dsp_model/EVALUATION.md for the limits.

Conventions: ear signals (n, 2) [left, right]; ITD > 0 and azimuth > 0 mean the
right ear leads / the source is on the right (as `interaural_differences`).
The sphere is front/back symmetric, so every estimate is a lateral angle,
reported as a frontal azimuth in [-90, 90].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from dsp_model.acoustics import SPEED_OF_SOUND
from dsp_model.heads import SphereHead, source_plant

ITD_BAND = (100.0, 1500.0)  # Hz, cross-correlation band
MAX_LAG = 1.0e-3  # s, physiological ITD range searched
ILD_CENTRES = (1600.0, 2000.0, 2500.0, 3150.0, 4000.0, 5000.0, 6300.0, 8000.0, 10000.0)
ITD_WEIGHT = 2.0  # ITD : ILD weight for a fully consistent ITD (EVALUATION.md)

__all__ = [
    "ITD_BAND", "ITD_BANDS", "ILD_CENTRES", "ITD_WEIGHT", "Cues", "CueCurves", "cues_from_spectra",
    "cues_from_signals", "cue_curves", "azimuth_from_cues", "Localization", "localize",
]


@dataclass(frozen=True)
class Cues:
    itd: float  # s, + = right ear leads (peak of the summary cross-correlogram)
    iacc: float  # peak of the broadband normalised cross-correlation in the IACC band, 0..1
    ild: np.ndarray  # (B,) dB right re left, per third-octave band of ILD_CENTRES
    itd_consistency: float = 1.0  # summary peak / number of bands: 1 = every band agrees
    ild_low: float = 0.0  # dB, level difference in the ITD band (diagnostic, not mapped)


def _band_mask(freqs: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (freqs >= lo) & (freqs < hi)


def _third_octaves(lo: float, hi: float) -> list[tuple[float, float]]:
    """Third-octave bands (edges) with nominal centres 10^(k/10) inside [lo, hi]."""
    out = []
    for k in range(0, 60):
        fc = 10 ** (k / 10)
        e0, e1 = fc * 2 ** (-1 / 6), fc * 2 ** (1 / 6)
        if e0 >= lo and e1 <= hi * 1.0001:
            out.append((e0, e1))
    return out


ITD_BANDS = tuple(_third_octaves(150.0, ITD_BAND[1]))  # centres 200 .. 1250 Hz


def _peak(vals: np.ndarray, lags: np.ndarray) -> tuple[float, float]:
    """Peak position (parabola through the top sample and its neighbours) and value."""
    k = int(np.argmax(vals))
    if 0 < k < len(vals) - 1:
        y0, y1, y2 = vals[k - 1], vals[k], vals[k + 1]
        den = y0 - 2 * y1 + y2
        if den < 0:
            frac = 0.5 * (y0 - y2) / den
            return float(lags[k] + frac * (lags[1] - lags[0])), float(y1 - 0.25 * (y0 - y2) * frac)
    return float(lags[k]), float(vals[k])


@lru_cache(maxsize=8)
def _lag_kernel(f0: float, df: float, k: int, max_lag: float, lag_step: float
                ) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of 2 pi f tau (T, K) for lags tau within +-max_lag and a uniform grid."""
    lags = np.arange(-max_lag, max_lag + lag_step / 2, lag_step)
    ph = 2 * np.pi * lags[:, None] * (f0 + df * np.arange(k))[None, :]
    return np.cos(ph), np.sin(ph)


def cues_from_spectra(xl: np.ndarray, xr: np.ndarray, freqs: np.ndarray, fs: float, *,
                      weight: np.ndarray | None = None, itd_band=ITD_BAND,
                      itd_bands=ITD_BANDS, ild_centres=ILD_CENTRES,
                      max_lag: float = MAX_LAG, lag_step: float = 5e-6) -> Cues:
    """Cues from the rfft spectra of the two ear signals (one-sided grid `freqs`).

    weight: a power weighting per bin (e.g. a stimulus spectrum when xl, xr are
    transfer functions).
    ITD: the summary cross-correlogram, the sum over third-octave bands (200-1250 Hz
    centres) of each band's normalised cross-correlation (each band weighs the same,
    as in the cross-correlation models of binaural hearing), evaluated on a
    `lag_step` grid within +-max_lag, peak refined by a parabola.
    IACC: the peak of the normalised cross-correlation of the whole `itd_band`.
    """
    freqs = np.asarray(freqs, float)
    w = np.ones_like(freqs) if weight is None else np.asarray(weight, float)
    pl, pr = w * np.abs(xl) ** 2, w * np.abs(xr) ** 2
    cross = w * xl * np.conj(xr)
    lags = np.arange(-max_lag, max_lag + lag_step / 2, lag_step)
    sel = _band_mask(freqs, min(itd_band[0], itd_bands[0][0]), max(itd_band[1], itd_bands[-1][1]))
    f = freqs[sel]
    # cc(tau) = sum_k Re(cross_k e^{j 2 pi f_k tau}); its zero-lag value is the band power
    cos_k, sin_k = _lag_kernel(float(f[0]), float(f[1] - f[0]), len(f), max_lag, lag_step)
    masks = [_band_mask(f, *b) for b in (tuple(itd_band), *itd_bands)]
    m = np.stack(masks, axis=1).astype(float)  # (K, 1 + bands)
    xm = cross[sel][:, None] * m
    cc = cos_k @ xm.real - sin_k @ xm.imag  # (T, 1 + bands)
    norm = np.sqrt((pl[sel] @ m) * (pr[sel] @ m))
    ok = norm > 1e-9 * np.max(norm[1:])
    ok[0] = norm[0] > 0
    ncc = np.where(ok, cc / np.where(ok, norm, 1.0), 0.0)
    _, iacc = _peak(ncc[:, 0], lags)
    summary = ncc[:, 1:].sum(axis=1)
    itd, top = _peak(summary, lags)
    consistency = float(np.clip(top / max(int(np.sum(ok[1:])), 1), 0.0, 1.0))
    if int(np.argmax(summary)) in (0, len(lags) - 1):
        consistency = 0.0  # no peak inside +-max_lag: the window edge is not an ITD cue
    ild = []
    for fc in ild_centres:
        b = _band_mask(freqs, fc * 2 ** (-1 / 6), fc * 2 ** (1 / 6))
        el, er = np.sum(pl[b]), np.sum(pr[b])
        ild.append(10 * np.log10((er + 1e-300) / (el + 1e-300)))
    ild_low = 10 * np.log10((np.sum(pr[sel] * m[:, 0]) + 1e-300)
                            / (np.sum(pl[sel] * m[:, 0]) + 1e-300))
    return Cues(itd=float(itd), iacc=float(max(iacc, 0.0)), ild=np.array(ild),
                itd_consistency=consistency, ild_low=float(ild_low))


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
               step: float = 1.0, c: float = SPEED_OF_SOUND, head=None) -> CueCurves:
    """Cue-vs-azimuth curves from a head (default the sphere of radius a), pink (1/f)
    weighted: the listener's own head, whose cues the listener has learnt.

    Computed from transfer functions (noise-free expected values of the signal
    estimator, same code path) for a source at `distance` from the head centre.
    head: a head object of dsp_model.heads that hears point sources (sphere, HRIR set).
    """
    head = SphereHead(a, ear_angle) if head is None else head
    az = np.arange(0.0, 90.0 + step / 2, step)
    nfft = 4096
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    freqs = freqs[freqs <= ILD_CENTRES[-1] * 2 ** (1 / 6) + 50.0]  # nothing above is used
    th = np.deg2rad(az)
    src = np.stack([distance * np.sin(th), -distance * np.cos(th), np.zeros_like(th)], -1)
    h = source_plant(freqs, src, np.zeros((1, 3)), head, c=c)
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
    itd_consistency: float  # 0..1, how well the bands agree on the ITD
    ild_low: float  # dB, level difference below 1.5 kHz (not used for the azimuth)

    @property
    def cue_conflict(self) -> float:
        """|ITD azimuth - ILD azimuth|, deg: large values mean a split or diffuse image."""
        return abs(self.azimuth_itd - self.azimuth_ild)

    def as_dict(self) -> dict:
        return {"azimuth": self.azimuth, "azimuth_itd": self.azimuth_itd,
                "azimuth_ild": self.azimuth_ild, "itd_us": self.itd * 1e6,
                "iacc": self.iacc, "ild_db": self.ild_mean, "cue_conflict": self.cue_conflict,
                "itd_consistency": self.itd_consistency, "ild_low_db": self.ild_low}


def azimuth_from_cues(cues: Cues, curves: CueCurves) -> Localization:
    az_itd = _invert_monotone(cues.itd, curves.azimuth, curves.itd)
    per_band = [_invert_monotone(v, curves.azimuth, curves.ild[:, b])
                for b, v in enumerate(cues.ild)]
    az_ild = float(np.median(per_band))
    # The ITD weighs ITD_WEIGHT times the ILD when every band agrees on it (a natural
    # source), less as the bands disagree (then the lag of the summary peak means little).
    w = ITD_WEIGHT * cues.itd_consistency
    az = (w * az_itd + az_ild) / (w + 1.0)
    return Localization(azimuth=float(az), azimuth_itd=float(az_itd), azimuth_ild=az_ild,
                        itd=cues.itd, iacc=cues.iacc, ild_mean=float(np.mean(cues.ild)),
                        itd_consistency=cues.itd_consistency, ild_low=cues.ild_low)


def localize(ears: np.ndarray, fs: float, *, a: float, ear_angle: float = 90.0,
             distance: float = 2.0, head=None) -> Localization:
    """Perceived azimuth of ear signals (n, 2), mapped through the head's cue curves
    (default the sphere of radius a)."""
    return azimuth_from_cues(cues_from_signals(ears, fs),
                             cue_curves(float(fs), float(a), float(ear_angle), float(distance),
                                        head=head))
