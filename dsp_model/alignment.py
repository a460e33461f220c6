"""Delay alignment: what each source of the chain sounds like at the listener, and
the integer delays that bring the faster sources in line with the slowest.

A source (L', R' or C) reaches the ears through all its paths, every driver's
stage and the plant (dsp_model.heads, with the head the design is made on).
Its arrival time is the magnitude-weighted least-squares slope of the
unwrapped phase over a band (its group delay where it carries energy); the
target ear is the left ear for L', the right for R'
and both for C.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import freqz, sosfreqz

from device_profiles import Profile

from .heads import driver_plant, head_for

TARGET_EARS = {0: (0,), 1: (1,), 2: (0, 1)}  # source -> ears it is meant for


def _fir_response(taps: np.ndarray, freqs: np.ndarray, fs: float) -> np.ndarray:
    if len(taps) == 0:
        return np.zeros(len(freqs), dtype=complex)
    return freqz(taps, worN=freqs, fs=fs)[1]


def driver_feeds(design, freqs: np.ndarray) -> np.ndarray:
    """Electrical response (F, 3 sources, D drivers) from each upmix output to each
    driver's output terminal, through paths, driver stages, gains and delays."""
    fs = design.fs
    w = 2 * np.pi * np.asarray(freqs) / fs
    # how each upmix output reaches each path source: identity for L', R', C; the
    # virtualizer's 2x2 matrix for e_L = A L' + C R' and e_R = C L' + A R'
    reach = np.zeros((len(freqs), 3, 5), dtype=complex)
    for s in range(3):
        reach[:, s, s] = 1.0
    v = design.virtualizer
    if v is not None:
        a = sosfreqz(v.ipsi_sos, worN=freqs, fs=fs)[1] if len(v.ipsi_sos) else 1.0
        c = sosfreqz(v.contra_sos, worN=freqs, fs=fs)[1] * np.exp(-1j * w * v.contra_delay)
        reach[:, 0, 3], reach[:, 1, 3] = a, c
        reach[:, 0, 4], reach[:, 1, 4] = c, a
    feeds = np.zeros((len(freqs), 3, design.n_drivers), dtype=complex)
    for p in design.paths:
        common = _fir_response(p.common, freqs, fs) * np.exp(-1j * w * p.delay)
        for d, r in enumerate(p.ratio):
            if len(r):
                feeds[:, :, d] += (reach[:, :, p.source]
                                   * (common * _fir_response(r, freqs, fs))[:, None])
    for d, st in enumerate(design.drivers):
        stage = sosfreqz(st.sos, worN=freqs, fs=fs)[1] * st.gain * np.exp(-1j * w * st.delay)
        feeds[:, :, d] *= stage[:, None]
    return feeds


def source_to_ears(profile: Profile, design, freqs: np.ndarray,
                   heads: np.ndarray | None = None, *, head=None) -> np.ndarray:
    """Acoustic response (F, P, 2 ears, 3 sources) of each upmix output at the ears
    (head: a head object, default the profile's)."""
    head = head_for(profile) if head is None else head
    h = driver_plant(freqs, profile, head, heads=heads)  # (F, P, 2, D)
    return np.einsum("fped,fsd->fpes", h, driver_feeds(design, freqs))


def arrival_time(response: np.ndarray, freqs: np.ndarray, sel: np.ndarray | None = None) -> float:
    """Group delay (s): the magnitude-weighted LS slope of the unwrapped phase over
    the selected bins (unwrapped along the whole grid first)."""
    phase = np.unwrap(np.angle(response))
    sel = np.ones(len(freqs), bool) if sel is None else sel
    w = 2 * np.pi * np.asarray(freqs)[sel]
    mag = np.abs(response)[sel]
    phase = phase[sel]
    wt = mag / (mag.max() + 1e-300)
    a = np.vstack([w, np.ones_like(w)]).T * wt[:, None]
    slope, _ = np.linalg.lstsq(a, phase * wt, rcond=None)[0]
    return float(-slope)


def source_arrivals(profile: Profile, design, band: tuple[float, float] = (200.0, 4000.0),
                    step_hz: float = 5.0, *, head=None) -> np.ndarray:
    """Arrival time (s) of each source at its target ear(s), shape (3,).

    A linear grid from 20 Hz with a 5 Hz step unwraps any delay under 100 ms.
    """
    f = np.arange(20.0, band[1] + step_hz, step_hz)
    resp = source_to_ears(profile, design, f, head=head)[:, 0]  # (F, 2, 3)
    sel = f >= band[0]
    out = np.zeros(3)
    for s, ears in TARGET_EARS.items():
        out[s] = np.mean([arrival_time(resp[:, e, s], f, sel) for e in ears])
    return out


def alignment_delays(arrivals_s: np.ndarray, fs: float) -> np.ndarray:
    """Integer delays (samples) that hold back the faster sources to the slowest."""
    lag = (np.max(arrivals_s) - np.asarray(arrivals_s)) * fs
    return np.round(lag).astype(int)
