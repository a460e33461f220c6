"""Virtualizer: crosstalk simulation of a +-virtual_angle stereo pair.

For a source at -virtual_angle (the virtual left speaker) the left ear is
ipsilateral: it gets A, an all-pass (magnitude exactly 1, so the direct sound's
tonal balance is untouched); the right ear gets C, a delayed low-pass shelf:

    C(z) = gain * z^-delay * Thiran_1(frac) * LowShelf(z)

LowShelf is a low-pass with a finite stop-band floor (the rigid-sphere
contralateral/ipsilateral ratio at 30 deg falls from 0 dB at low frequencies to
about -5 dB at 1 kHz and -7..-10 dB above, it does not keep falling): per
second-order section H(s) = (f s^2 + sqrt(f) w/Q s + w^2) / (s^2 + w/Q s + w^2),
DC gain 1, high-frequency gain f (the floor), bilinear-transformed with
pre-warping at the cutoff w. The fractional part of the delay is a first-order
Thiran all-pass (delay in [0.5, 1.5) samples), kept in `contra_sos`.

The parameters (delay, cutoff, Q, floor, gain and the ipsi all-pass's corner
and Q) are fitted on the realised digital filters to the listener's head
(`head=`, default the profile's choice; the rigid-sphere model
acoustics.point_sources_to_ears for "sphere"; heads.source_plant, source 50 m
away at the virtual angle):
interaural level difference in dB and interaural phase delay, log-spaced
frequencies, with the tonal balance of the summed output held within +-1 dB.

Tonal balance of the summed output: the ear power for uncorrelated L', R'
(the upmix takes the correlated centre out) is |A|^2 + |C|^2 = 1 + |C|^2 per ear;
it must stay within +-1 dB (peak-to-peak 2 dB) from 20 Hz to 20 kHz. The mono
sum |A + C| (fully correlated inputs) combs, as a real stereo pair does at the
ear; it is reported for information.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, signal

from .heads import describe_head, head_for, source_head, source_plant

__all__ = ["VirtualizerDesign", "design_virtualizer", "relative_hrtf", "sphere_relative_hrtf",
           "virtualizer_report", "plot_virtualizer", "pair_cues"]

SOURCE_DISTANCE = 50.0  # m, "far" source for the model's relative HRTF
FIT_BAND = (100.0, 16000.0)
METRIC_BAND = (200.0, 8000.0)
TONAL_BAND = (20.0, 20000.0)
TONAL_P2P_MAX = 1.8  # dB, design margin under the +-1 dB requirement
POINTS_PER_OCTAVE = 24


@dataclass
class VirtualizerDesign:
    """Plain filter data (scipy sos format, float64).

    ipsi_sos: (n, 6) all-pass (empty (0, 6) = identity).
    contra_sos: (m, 6) low-pass shelf sections + the Thiran fractional-delay section.
    contra_delay: integer delay (samples) of the contralateral path.
    contra_frac_delay: fractional delay (samples, in [0.5, 1.5)) realised by the
        Thiran section; total contra delay = contra_delay + contra_frac_delay.
    contra_gain: linear gain of the contralateral path.
    """

    sample_rate: int
    virtual_angle: float
    ipsi_sos: np.ndarray
    contra_sos: np.ndarray
    contra_delay: int
    contra_frac_delay: float
    contra_gain: float
    lowpass: dict = field(default_factory=dict)  # cutoff_hz, q, floor_db, order
    allpass: dict = field(default_factory=dict)  # f0_hz, q, order

    @property
    def n_sections(self) -> int:
        """Biquad sections per input channel (ipsi + contra paths)."""
        return len(self.ipsi_sos) + len(self.contra_sos)

    @property
    def contra_delay_total(self) -> float:
        return self.contra_delay + self.contra_frac_delay

    def freq_response(self, freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(A, C) complex responses of the ipsi and contra paths at freqs (Hz)."""
        freqs = np.asarray(freqs, float)
        a = _sos_response(self.ipsi_sos, freqs, self.sample_rate)
        c = _sos_response(self.contra_sos, freqs, self.sample_rate)
        c = c * self.contra_gain * np.exp(-2j * np.pi * freqs * self.contra_delay
                                          / self.sample_rate)
        return a, c

    def impulse_responses(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(a, c): the two paths' impulse responses truncated to n samples."""
        x = np.zeros(n)
        x[0] = 1.0
        a = signal.sosfilt(self.ipsi_sos, x) if len(self.ipsi_sos) else x.copy()
        c = np.zeros(n)
        if self.contra_delay < n:
            c[self.contra_delay:] = self.contra_gain * signal.sosfilt(
                self.contra_sos, x)[:n - self.contra_delay]
        return a, c

    def contra_sos_with_gain(self) -> np.ndarray:
        """contra_sos with contra_gain folded into the first section's numerator."""
        sos = np.array(self.contra_sos, dtype=float, copy=True)
        sos[0, :3] *= self.contra_gain
        return sos

    def chain_stage(self):
        """The chain's VirtualizerStage (dsp_model.chain_design): gain folded in."""
        from .chain_design import VirtualizerStage

        return VirtualizerStage(ipsi_sos=np.array(self.ipsi_sos, dtype=float),
                                contra_sos=self.contra_sos_with_gain(),
                                contra_delay=int(self.contra_delay))

    def process(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ear signals (e_L, e_R) = (A L + C R, C L + A R) for inputs L', R'."""
        def ipsi(x):
            return signal.sosfilt(self.ipsi_sos, x) if len(self.ipsi_sos) else np.array(x, float)

        def contra(x):
            y = self.contra_gain * signal.sosfilt(self.contra_sos, x)
            return np.concatenate([np.zeros(self.contra_delay), y])[:len(x)]

        return ipsi(left) + contra(right), contra(left) + ipsi(right)


def _sos_response(sos: np.ndarray, freqs: np.ndarray, fs: float) -> np.ndarray:
    if len(sos) == 0:
        return np.ones(len(freqs), complex)
    _, h = signal.sosfreqz(sos, worN=freqs, fs=fs)
    return h


def log_grid(lo: float, hi: float, ppo: int = POINTS_PER_OCTAVE) -> np.ndarray:
    return np.geomspace(lo, hi, int(round(np.log2(hi / lo) * ppo)) + 1)


def relative_hrtf(profile, freqs: np.ndarray, angle: float | None = None, *,
                  head=None) -> np.ndarray:
    """Contra/ipsi ratio h_R / h_L of a head (default the profile's) for a far source at
    -angle (left)."""
    lis = profile.listener
    head = source_head(head_for(profile) if head is None else head, profile)
    th = np.deg2rad(-(lis.virtual_angle if angle is None else angle))
    src = np.array([[SOURCE_DISTANCE * np.sin(th), -SOURCE_DISTANCE * np.cos(th), 0.0]])
    h = source_plant(freqs, src, np.zeros((1, 3)), head)[:, 0, :, 0]
    return h[:, 1] / h[:, 0]


def sphere_relative_hrtf(profile, freqs: np.ndarray, angle: float | None = None) -> np.ndarray:
    """Rigid-sphere contra/ipsi ratio for a far source at -angle (left): h_R / h_L."""
    from .heads import sphere_head

    return relative_hrtf(profile, freqs, angle, head=sphere_head(profile))


def pair_cues(ratio: np.ndarray, freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ILD (dB, contra re ipsi) and ITD (s, contra lag, phase delay) of a ratio C/A.

    The phase is unwrapped along the (log) grid, which must start low enough
    (< 100 Hz) for the unwrap to be unambiguous.
    """
    ild = 20 * np.log10(np.abs(ratio))
    itd = -np.unwrap(np.angle(ratio)) / (2 * np.pi * freqs)
    return ild, itd


def _shelf_sos(fc: float, q: float, floor_db: float, order: int, fs: float) -> np.ndarray:
    """Low-pass shelf of `order` (second-order sections + one first-order), DC gain 1,
    Nyquist gain floor_db, bilinear with pre-warping at fc."""
    wp = 2 * fs * np.tan(np.pi * fc / fs)
    n2, n1 = divmod(order, 2)
    f_sec = 10 ** (floor_db / 20 / order)  # floor per order, spread evenly
    rows = []
    for _ in range(n2):
        f2 = f_sec**2
        b = [f2, np.sqrt(f2) * wp / q, wp**2]
        a = [1.0, wp / q, wp**2]
        bz, az = signal.bilinear(b, a, fs)
        rows.append(np.concatenate([bz, az]) / az[0])
    if n1:
        bz, az = signal.bilinear([f_sec, wp], [1.0, wp], fs)
        rows.append(np.concatenate([bz, [0.0], az, [0.0]]) / az[0])
    return np.array(rows).reshape(-1, 6)


def _allpass_sos(f0: float, q: float, order: int, fs: float) -> np.ndarray:
    if order == 0:
        return np.zeros((0, 6))
    w0 = 2 * fs * np.tan(np.pi * f0 / fs)
    rows = []
    n2, n1 = divmod(order, 2)
    for _ in range(n2):
        bz, az = signal.bilinear([1.0, -w0 / q, w0**2], [1.0, w0 / q, w0**2], fs)
        rows.append(np.concatenate([bz, az]) / az[0])
    if n1:
        bz, az = signal.bilinear([-1.0, w0], [1.0, w0], fs)
        rows.append(np.concatenate([bz, [0.0], az, [0.0]]) / az[0])
    return np.array(rows)


def _thiran_sos(d: float) -> np.ndarray:
    """First-order Thiran all-pass with low-frequency delay d samples (0.5 <= d < 1.5)."""
    a1 = (1.0 - d) / (1.0 + d)
    return np.array([[a1, 1.0, 0.0, 1.0, a1, 0.0]])


def _build(x, profile) -> VirtualizerDesign:
    fs = profile.sample_rate
    cfg = profile.virtualizer
    delay, lfc, lq, floor_db, gain_db, lf0, lq0 = x
    dint = int(np.floor(delay - 0.5))
    frac = float(delay - dint)
    fc, q, f0, q0 = np.exp(lfc), np.exp(lq), np.exp(lf0), np.exp(lq0)
    contra = np.concatenate([_shelf_sos(fc, q, floor_db, cfg.lowpass_order, fs),
                             _thiran_sos(frac)])
    return VirtualizerDesign(
        sample_rate=fs, virtual_angle=profile.listener.virtual_angle,
        ipsi_sos=_allpass_sos(f0, q0, cfg.allpass_order, fs), contra_sos=contra,
        contra_delay=dint, contra_frac_delay=frac, contra_gain=10 ** (gain_db / 20),
        lowpass={"cutoff_hz": float(fc), "q": float(q), "floor_db": float(floor_db),
                 "order": cfg.lowpass_order},
        allpass={"f0_hz": float(f0), "q": float(q0), "order": cfg.allpass_order})


def _tonal_curve(design: VirtualizerDesign, freqs: np.ndarray) -> np.ndarray:
    a, c = design.freq_response(freqs)
    return 10 * np.log10(np.abs(a) ** 2 + np.abs(c) ** 2)


def design_virtualizer(profile, head=None) -> VirtualizerDesign:
    """Fit the virtualizer to the head's relative HRTF at the virtual angle (head:
    default the profile's)."""
    fs = profile.sample_rate
    freqs = log_grid(20.0, FIT_BAND[1])
    model = relative_hrtf(profile, freqs, head=head)
    ild_m, itd_m = pair_cues(model, freqs)
    fit = (freqs >= FIT_BAND[0]) & (freqs <= FIT_BAND[1])
    inband = (freqs >= METRIC_BAND[0]) & (freqs <= METRIC_BAND[1])
    w = np.where(inband, 1.0, 0.3)[fit]
    tonal_f = log_grid(*TONAL_BAND, ppo=6)
    itd_scale = 0.05 * np.mean(itd_m[inband])  # 5 % of the ITD weighs like 1 dB of ILD

    def residuals(x):
        d = _build(x, profile)
        a, c = d.freq_response(freqs)
        ild, itd = pair_cues(c / a, freqs)
        t = _tonal_curve(d, tonal_f)
        p2p = t.max() - t.min()
        return np.concatenate([w * (ild - ild_m)[fit], w * ((itd - itd_m) / itd_scale)[fit],
                               [30.0 * max(0.0, p2p - TONAL_P2P_MAX)]])

    hf_itd = float(np.mean(itd_m[freqs > 4000]))
    x0 = np.array([hf_itd * fs, np.log(1000.0), np.log(0.7), -7.0, -0.5,
                   np.log(3000.0), np.log(0.7)])
    lo = np.array([1.0, np.log(200.0), np.log(0.3), -20.0, -6.0, np.log(50.0), np.log(0.2)])
    hi = np.array([60.0, np.log(8000.0), np.log(3.0), 0.0, 3.0, np.log(0.45 * fs), np.log(3.0)])
    res = optimize.least_squares(residuals, x0, bounds=(lo, hi), x_scale="jac")
    return _build(res.x, profile)


def _model_name(profile, head) -> str:
    h = source_head(head_for(profile) if head is None else head, profile)
    d = describe_head(h)
    if d["name"] == "sphere":
        return f"rigid sphere a={d['radius_m']} m"
    return f"head {d['name']}"


def virtualizer_report(profile, design: VirtualizerDesign, *, head=None) -> dict:
    """JSON-able figures: ipsi all-pass flatness, ITD/ILD vs the head's (default the
    profile's), tonal balance."""
    freqs = log_grid(20.0, 20000.0)
    model = relative_hrtf(profile, freqs, head=head)
    a, c = design.freq_response(freqs)
    ild_m, itd_m = pair_cues(model, freqs)
    ild, itd = pair_cues(c / a, freqs)
    band = (freqs >= METRIC_BAND[0]) & (freqs <= METRIC_BAND[1])
    dense = np.linspace(1.0, design.sample_rate / 2, 4096)
    a_dense, _ = design.freq_response(dense)
    tonal = _tonal_curve(design, freqs)
    tband = (freqs >= TONAL_BAND[0]) & (freqs <= TONAL_BAND[1])
    centre = 0.5 * (tonal[tband].max() + tonal[tband].min())
    mono = 20 * np.log10(np.abs(a + c))
    itd_mean, itd_mean_m = float(np.mean(itd[band])), float(np.mean(itd_m[band]))
    rep = {
        "virtual_angle_deg": design.virtual_angle,
        "model": f"{_model_name(profile, head)}, source {SOURCE_DISTANCE} m",
        "band_hz": list(METRIC_BAND),
        "ipsi_allpass_max_dev_db": float(np.max(np.abs(20 * np.log10(np.abs(a_dense))))),
        "itd_us": {"pair_mean": round(itd_mean * 1e6, 1), "model_mean": round(itd_mean_m * 1e6, 1),
                   "rel_error_of_mean": round(abs(itd_mean / itd_mean_m - 1), 4),
                   "mean_abs_rel_error": round(float(np.mean(np.abs(itd[band] / itd_m[band] - 1))),
                                               4)},
        "ild_db": {"pair_mean": round(float(np.mean(ild[band])), 2),
                   "model_mean": round(float(np.mean(ild_m[band])), 2),
                   "error_of_mean": round(float(abs(np.mean(ild[band] - ild_m[band]))), 2),
                   "mean_abs_error": round(float(np.mean(np.abs(ild[band] - ild_m[band]))), 2)},
        "tonal_balance_db": {"band_hz": list(TONAL_BAND),
                             "max_dev": round(float(np.max(np.abs(tonal[tband] - centre))), 3),
                             "peak_to_peak": round(float(np.ptp(tonal[tband])), 3)},
        "filters": {"contra_delay_samples": design.contra_delay_total,
                    "contra_gain_db": round(float(20 * np.log10(design.contra_gain)), 2),
                    "lowpass": design.lowpass, "allpass": design.allpass,
                    "biquad_sections_per_input": design.n_sections},
        "curves": {"freqs_hz": np.round(freqs, 1).tolist(),
                   "tonal_db": np.round(tonal - centre, 3).tolist(),
                   "mono_sum_db": np.round(mono, 2).tolist(),
                   "ild_pair_db": np.round(ild, 2).tolist(),
                   "ild_model_db": np.round(ild_m, 2).tolist(),
                   "itd_pair_us": np.round(itd * 1e6, 1).tolist(),
                   "itd_model_us": np.round(itd_m * 1e6, 1).tolist()},
    }
    rep["checks"] = {
        "ipsi_allpass_001db": rep["ipsi_allpass_max_dev_db"] <= 0.01,
        "itd_10pct": rep["itd_us"]["rel_error_of_mean"] <= 0.10,
        "ild_2db": rep["ild_db"]["mean_abs_error"] <= 2.0,
        "tonal_1db": rep["tonal_balance_db"]["max_dev"] <= 1.0,
    }
    return rep


def plot_virtualizer(profile, design: VirtualizerDesign, out_dir, *, head=None):
    """PNG of ILD / ITD (pair vs model) and the tonal-balance curve."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    full = virtualizer_report(profile, design, head=head)
    rep, model = full["curves"], full["model"].split(",")[0]
    f = np.array(rep["freqs_hz"])
    fig, ax = plt.subplots(3, 1, figsize=(8, 8), sharex=True)
    ax[0].semilogx(f, rep["ild_model_db"], "k--", label=model)
    ax[0].semilogx(f, rep["ild_pair_db"], label="virtualizer C/A")
    ax[0].set_ylabel("ILD, dB")
    ax[1].semilogx(f, rep["itd_model_us"], "k--", label=model)
    ax[1].semilogx(f, rep["itd_pair_us"], label="virtualizer C/A")
    ax[1].set_ylabel("ITD (phase delay), us")
    ax[2].semilogx(f, rep["tonal_db"], label="|A|^2+|C|^2 (uncorrelated L', R')")
    ax[2].semilogx(f, np.array(rep["mono_sum_db"]) - 6.02, lw=0.8, label="|A+C| - 6 dB (mono)")
    ax[2].axhspan(-1, 1, color="0.9")
    ax[2].set_ylim(-15, 3)
    ax[2].set_ylabel("tonal balance, dB")
    ax[2].set_xlabel("frequency, Hz")
    for a in ax:
        a.grid(True, which="both", alpha=0.3)
        a.legend(fontsize=7)
        a.axvspan(*METRIC_BAND, color="C2", alpha=0.05)
    ax[0].set_title(f"{profile.name}: virtualizer at +-{design.virtual_angle:g} deg")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    p = out / "virtualizer.png"
    fig.tight_layout()
    fig.savefig(p, dpi=110)
    plt.close(fig)
    return [p]
