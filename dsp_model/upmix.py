"""Upmix: stereo L, R to L', R', C with L' + C = L and R' + C = R exactly.

Signal model
------------
M = (L + R)/2, S = (L - R)/2. A center source (identical in L and R) lives in
M only. A source p panned with gains (gL, gR) puts g p in M and d p in S
(g = (gL + gR)/2, d = (gL - gR)/2), so its M-part is *fully correlated with S*
(M_p = (g/d) S_p). Uncorrelated left/right content (reverb, the stems of
stimulus (c)) puts equal, mutually uncorrelated power into M and S. The center
is the part of M that is not correlated with S; L' = L - C and R' = R - C carry
the rest, so the sum is exact by construction (to float rounding, < -300 dB).

Why not the exact projection. Per bin, the least-squares projection
C = M - a S, a = E[M S*]/E[|S|^2], is the minimum-variance estimate with unit
gain for L = R (MVDR with steering vector (1, 1)) and is exact for a center
plus *one* panned source. On music it fails: the coefficient needs long
averaging (the cross term c p* must average out), and sources panned left and
right give E[M S*] of opposite signs that cancel, so two sides in a bin look
like uncorrelated noise. Measured on stimulus (d): about 9 dB SIR at best
(4096-point analysis, 5 ms statistics) while it loses 1-3 dB on (c); the
Wiener gain 1 - |coherence(M, S)|^2 derived from it (exact for a center plus
one panned source) reaches only ~5.5 dB on (d). A broadband a is no better
than passive M (DESIGN.md).

The decision used here (per bin k of an STFT, frame t)
-----------------------------------------------------
1. Directional decision. Music is sparse in time-frequency: over a few ms one
   source dominates a bin. With short-time powers Pm = E|M|^2, Ps = E|S|^2
   (one-pole, `smoothing_ms`), r = Ps/Pm is 0 for a center bin and (d/g)^2, the
   squared pan index of the dominant source, for a side bin (1 for hard pan or
   anti-phase). The weight is a soft two-class decision, logistic in ln r:

       w_dir = 1 / (1 + (r / x0^2)^2) = Pm^2 / (Pm^2 + Ps^2 / x0^4)

   i.e. the posterior probability "center dominates" when the log-likelihood
   ratio of the two classes is linear in ln r (slope 2) with the classes equal
   at |S|/|M| = x0 = CENTER_WIDTH (0.17: a source with gR/gL = 0.71, 3.0 dB
   off center, is half center). Under sparsity E[c | M, class] is M for the
   center class and 0 otherwise, so C = w_dir M is the MMSE center, and it is
   the part of M uncorrelated with S: side bins (where M is explained by S)
   are removed, center bins have S = 0.
2. Diffuse fallback. If the side content of a band is uncorrelated left/right
   (diffuse), r is an F-distributed random variable that says nothing about
   the bin and the best estimate of the center is linear (passive M up to a
   gain; on stimulus (c) nothing beats it). The directivity index

       D = |E[z^2]| / E[|z|^2],  z = S M*   (over DIRECTIVITY_MS, pooled over
                                              +-DIRECTIVITY_POOL bins)

   is 1 when S/M has a fixed phase in the band (amplitude or time panning; z^2
   does not care whether the source is left or right, unlike E[M S*]), and
   ~0 for circular, uncorrelated sides. Center-only bins have z = 0 and do not
   vote. With lam = clip((D^2 - lo^2)/(hi^2 - lo^2), 0, 1):

       w = lam * w_dir + (1 - lam),   C = w M.

   Checks: L = R gives S = 0, w = 1, C = M; hard-left gives D = 1, r = 1,
   w = x0^4/(1 + x0^4) (-66 dB); L = -R gives M = 0, C = 0.

Filterbank (low delay, long analysis)
-------------------------------------
Frequency resolution decides how sparse music looks, delay is capped at 1024
samples at 48 kHz. A Mauler-Martin style asymmetric window pair does both: the
analysis window spans `fft_size` samples (a long sqrt-Hann rise over
fft_size - synthesis_size/2 samples, flat from there, and a short sqrt-Hann
fall over the last ANALYSIS_FALL = 64 samples), the synthesis window is
non-zero only on the last `synthesis_size` samples and makes analysis x
synthesis a periodic Hann of that length, which overlap-adds to a constant at
`hop`. The latency is synthesis_size - 1 samples; L and R are delayed by the
same amount.

Why the flat top and the short fall: the gain of a frame only reaches the
output through its last synthesis_size samples, so the spectrum it is
decided on (and applied to) should weigh those samples evenly. A sqrt-Hann
fall over synthesis_size/2 samples (the textbook pair) weighs the newest
half of the output span down and the decision lags the signal it gates;
with the flat top (d) gains 0.2-0.3 dB at fft 4096 and 2048 (seeds 5-8), with
(a)-(c) unchanged. Shorter falls (32) change nothing more, longer ones (768
and up) make the synthesis window amplify the frame end and lose 0.5-8 dB.

Measured (benchmarks/bench_upmix.py; studio5: fft 4096, hop 512, synthesis
1024, 20 ms; SIR of C against the center stem, dB)
---------------------------------------------------------------------------
  (c) stationary stems: 2.77 (passive M 2.99); (d) music-like mix: 11.88
  (passive M 1.04, ffmpeg surround default 2.76, ffmpeg tuned with <= 1024
  samples delay 10.18, ffmpeg tuned without a delay limit 12.50 at 128 ms).
  Hard-left leak -68 dB, L = -R leak exactly 0, L = R residual < -300 dB.
  Cost ~506 MACs per stereo frame (upmix_cost). Without the diffuse fallback
  (lam = 1) (d) gains ~0.4 dB but (c) falls to -5 dB. Other seeds of (d)
  (6, 7, 8): 13.35, 13.43, 9.83 (ffmpeg at <= 1024 samples: 11.4, 10.4, 8.4;
  ffmpeg 8192/0.75/fcx 8: 12.8, 13.1, 9.1). Hop 256 (1012 MACs): (d) 12.00,
  seeds 6-8 13.44, 13.58, 9.89. compact2's budget settings (fft 2048, hop 512,
  20 ms, 242 MACs per frame): (c) 2.89, (d) 11.01, seeds 6-8 13.09, 12.34, 8.26.
  Before the flat-top window, x0 = 0.17 and 20 ms (x0 0.15, 5 ms): (d) 11.48,
  seeds 6-8 12.97, 12.79, 9.19.

Where the gap to "tuned ffmpeg + 1 dB" (13.5 on seed 5) stands. The limit is
the synthesis span, i.e. the latency cap: with this filterbank even the oracle
mask |C|^2/(|C|^2 + |M - C|^2), computed from the stems, scores only 15.9 dB
(synthesis 2048: 17.2, 4096: 17.9; the decision above scores 12.6 and 13.2
there). Within the cap, what was measured on seeds 5-8 and did not close the
gap: least-squares optimal lookup tables w(features) fitted on the stems
(cross-validated over seeds) for features ln r, the phase of S M*, r pooled
over +-1 or +-3 bins, r of the previous frame, the bin's level, its octave
(all within +-0.4 dB of the logistic, so the per-bin decision is at the
ceiling of what (M, S) tell); the projection C = M - a S with a tracked per
bin (plain or side-weighted; 4-6 dB) or with the true pans of the stems,
blended with w M or chosen per bin by least |C| (+0.2 dB at best); sparse
(L1 shortest-path) 2-of-3 source selection with the true pans (8.5-10.7 dB);
a short (512-2048) window for the decision or combined with the long one;
smoothing w across bins (loses 0.5-4 dB); other product windows (triangle,
steeper crossfades: +-0.05 dB); fft 8192 (+0.2-0.6 dB at 2x the cost);
fast-attack/slow-release statistics (+0.1 dB); a lower directivity threshold
(+0.1-0.4 dB, mostly seed 5, costs (c) 0.15-0.6 dB).

Applying the same masks as a long filter instead of through the 1024-sample
synthesis window (the mask's impulse response on the unwindowed frame, by
circular or truncated linear convolution, frames crossfaded by a triangle)
scores 12.7-12.9 on seed 5, but only because it needs 1535-2047 samples of
delay: the newest output sample must be final when the newest frame is, so a
frame can serve at most the last 1024 samples, and at latency 1023 the long
filter loses its future half (11.4). The limit is the delay cap, not the
window shape. ffmpeg by delay class on seed 5 (sweep of bench_upmix.py):
<= 21 ms 10.18, 32 ms 10.58, 43 ms (win 4096, its default) 11.67, 64 ms 11.93,
85 ms 12.32, 128 ms 12.50; this upmix at 21 ms scores 11.88.

Where the missing information is: the voice's harmonic comb. A lookup table
over (ln r, "bin within +-2 bins of a harmonic of the voice's f0") fitted on
three seeds and scored on the fourth gains 0.8-1.8 dB over the same table
without the flag (seed 5: 12.22 -> 13.65) when f0 comes from the center stem
(an oracle pitch). With f0 estimated blind, by a harmonic sum over the
first-pass center estimate w M (150-420 Hz) gated by harmonicity, the gain
drops to -0.3..+0.7 dB (seed 5: 12.64): the comb of the plucks and the pad
leaking through w M pulls the estimate. A center pitch tracker robust to
that is the lever left; it is not in the firmware's budget as planned.

Fixed-point plan (for the fixed-point model; no square roots anywhere)
---------------------------------------------------------------------
* M = (L + R) >> 1, S = (L - R) >> 1 with a named floor shift; L' = Ld - C,
  R' = Rd - C in 32-bit with saturation. Headroom: 0 <= w <= 1 per bin, but
  overlap-adding frames with different gains can put a sample of C above the
  largest |M|, so the synthesis and OLA run with one guard bit (Q30) and C is
  saturated once, when it is shifted back to Q31.
* Analysis: window in Q31, arm_rfft_q31 (scales down by N), block exponent
  per frame. Powers |M|^2, |S|^2, z = S M* as 64-bit products, kept per bin as
  mantissa + exponent (the one-pole coefficients a = 1 - exp(-hop/(tau fs))
  are design-time Q31 constants).
* w_dir = Pm^2 / (Pm^2 + k Ps^2), k = x0^-4: normalise Pm, Ps by one common
  shift (CLZ of the larger; the ratio does not change), square to Q31,
  k Ps^2 = (Ps^2 << 11) * (k / 2^11) saturating, then ONE reciprocal of the
  denominator (in [Pm^2, ...]): integer Newton reciprocal, denominator
  normalised to [0.5, 1), seed y0 = 48/17 - 32/17 d, three iterations
  y <- y (2 - d y) (>= 30 bits), w = Pm^2 * y in Q31 (0 <= w <= 1, saturate).
* lam: normalise Re/Im E[z^2] and E|z|^2 by one common shift, D^2 =
  |E z^2|^2 / (E|z|^2)^2 with ONE Newton reciprocal, then the affine clip with
  the design-time constant 1/(hi^2 - lo^2). The +-4 bin pooling is a running
  sum (adds only). Zero denominators give w = 1 / lam = 0 (their numerators are
  zero too).
* Synthesis: C bins = w * M (Q31 x Q31), arm_rfft_q31 inverse, Q31 synthesis
  window on the last synthesis_size samples, OLA.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CENTER_WIDTH = 0.17  # |S|/|M| at which a bin is judged half center (x0)
ANALYSIS_FALL = 64  # samples of the analysis window's sqrt-Hann fall (flat top before it)
DIRECTIVITY_MS = 2000.0  # time constant of the directivity index D
DIRECTIVITY_POOL = 16  # D is pooled over +-this many bins
DIRECTIVITY_LO, DIRECTIVITY_HI = 0.1, 0.2  # lam goes 0 -> 1 as D goes lo -> hi
MAX_LATENCY_S = 1024 / 48000  # algorithmic delay cap (21.3 ms)


@dataclass(frozen=True)
class UpmixDesign:
    """The plain numbers the float and fixed-point upmix share."""

    fs: int
    fft_size: int
    synthesis_size: int
    hop: int
    a_short: float  # one-pole coefficient of Pm, Ps (smoothing_ms)
    a_long: float  # one-pole coefficient of the directivity statistics
    k: float  # x0^-4
    analysis_window: np.ndarray  # (fft_size,)
    synthesis_window: np.ndarray  # (fft_size,), zero but for the last synthesis_size

    @property
    def latency(self) -> int:
        return self.synthesis_size - 1


def _hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


def _settings(s):
    """Accept a Profile or its UpmixSettings."""
    return getattr(s, "upmix", s)


def design_upmix(settings, fs: int = 48000) -> UpmixDesign:
    """Windows and coefficients from `profile.upmix` (or a Profile); validates the cap."""
    s = _settings(settings)
    fs = getattr(settings, "sample_rate", fs)
    n, h = int(s.fft_size), int(s.hop)
    ls = int(getattr(s, "synthesis_size", 0) or min(n, 1024))
    if not (ls <= n and ls % h == 0 and ls // h >= 2):
        raise ValueError(f"upmix: synthesis_size {ls} must be <= fft_size {n} and a multiple "
                         f"(>= 2x) of hop {h}")
    if (ls - 1) / fs > MAX_LATENCY_S + 1e-12:
        raise ValueError(f"upmix: latency {ls - 1} samples at {fs} Hz exceeds "
                         f"{MAX_LATENCY_S * 1e3:.1f} ms (lower synthesis_size)")
    half = ls // 2
    fall = min(ANALYSIS_FALL, half)
    wa = np.ones(n)
    wa[: n - half] = np.sqrt(_hann(2 * (n - half))[: n - half])
    wa[n - fall:] = np.sqrt(0.5 + 0.5 * np.cos(np.pi * (np.arange(fall) + 0.5) / fall))
    ws = np.zeros(n)
    tail = wa[n - ls:]  # zero only where the Hann is zero too (fft_size == synthesis_size)
    ws[n - ls:] = np.divide(_hann(ls), tail, out=np.zeros(ls), where=tail > 0) * (2.0 * h / ls)
    return UpmixDesign(
        fs=fs, fft_size=n, synthesis_size=ls, hop=h,
        a_short=1.0 - math.exp(-h / (s.smoothing_ms * 1e-3 * fs)),
        a_long=1.0 - math.exp(-h / (DIRECTIVITY_MS * 1e-3 * fs)),
        k=CENTER_WIDTH ** -4, analysis_window=wa, synthesis_window=ws,
    )


def _pool(x: np.ndarray, p: int) -> np.ndarray:
    """Sum over +-p bins, edges replicated (a running sum on the target)."""
    c = np.cumsum(np.pad(x, p, mode="edge"))
    c = np.concatenate([[0.0], c])
    return c[2 * p + 1:] - c[: -2 * p - 1]


class Upmix:
    """Streaming upmix: `process(block (n, 2)) -> (n, 3)` = L', R', C.

    Outputs are delayed by `latency` samples (L', R' and C alike), so
    L' + C = L(t - latency) and R' + C = R(t - latency). Any split of the input
    into blocks gives the same output.
    """

    def __init__(self, settings, fs: int = 48000):
        self.design = design_upmix(settings, fs)
        self.latency = self.design.latency
        self.fs = self.design.fs
        self.reset()

    def reset(self) -> None:
        d = self.design
        nb = d.fft_size // 2 + 1
        self._ms = np.zeros((2, d.fft_size))  # analysis history: M, S
        self._lr = np.zeros((self.latency, 2))  # delay line for L, R
        self._ola = np.zeros(d.synthesis_size)
        self._ready = np.zeros(d.hop)
        self._phase = 0  # input samples since the last frame boundary
        self._pm = np.zeros(nb)
        self._ps = np.zeros(nb)
        self._zn = np.zeros(nb, dtype=complex)  # E[z^2]
        self._zd = np.zeros(nb)  # E[|z|^2]
        self.last_gain = np.ones(nb)  # w of the last frame (for inspection)

    def _frame(self) -> None:
        d = self.design
        spec = np.fft.rfft(self._ms * d.analysis_window, axis=1)
        mf, sf = spec[0], spec[1]
        pm = mf.real**2 + mf.imag**2
        ps = sf.real**2 + sf.imag**2
        z = sf * np.conj(mf)
        self._pm += d.a_short * (pm - self._pm)
        self._ps += d.a_short * (ps - self._ps)
        self._zn += d.a_long * (z * z - self._zn)
        self._zd += d.a_long * (pm * ps - self._zd)
        # directional decision w_dir = Pm^2 / (Pm^2 + k Ps^2)
        pm2 = self._pm**2
        den = pm2 + d.k * self._ps**2
        w_dir = np.divide(pm2, den, out=np.ones_like(den), where=den > 0)
        # directivity D^2 = |E z^2|^2 / (E|z|^2)^2, pooled over neighbouring bins
        p = DIRECTIVITY_POOL
        zr, zi, zd = _pool(self._zn.real, p), _pool(self._zn.imag, p), _pool(self._zd, p)
        num, den2 = zr**2 + zi**2, zd**2
        d2 = np.divide(num, den2, out=np.zeros_like(den2), where=den2 > 0)
        lo2, hi2 = DIRECTIVITY_LO**2, DIRECTIVITY_HI**2
        lam = np.clip((d2 - lo2) * (1.0 / (hi2 - lo2)), 0.0, 1.0)
        w = lam * w_dir + (1.0 - lam)
        self.last_gain = w
        c = np.fft.irfft(w * mf, d.fft_size)[-d.synthesis_size:] * \
            d.synthesis_window[-d.synthesis_size:]
        h = d.hop
        self._ola[:-h] = self._ola[h:]
        self._ola[-h:] = 0.0
        self._ola += c
        self._ready = self._ola[:h].copy()

    def process(self, block: np.ndarray) -> np.ndarray:
        x = np.asarray(block, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"upmix: expected a block of shape (n, 2), got {x.shape}")
        n = len(x)
        out = np.empty((n, 3))
        h = self.design.hop
        i = 0
        while i < n:
            take = min(n - i, h - self._phase)
            seg = x[i:i + take]
            buf = np.concatenate([self._lr, seg])
            delayed = buf[:take]
            self._lr = buf[take:]
            ms = np.stack([(seg[:, 0] + seg[:, 1]) * 0.5, (seg[:, 0] - seg[:, 1]) * 0.5])
            self._ms = np.concatenate([self._ms[:, take:], ms], axis=1)
            # the sample that completes a hop is output from the new frame
            q = self._phase + np.arange(take)
            c = np.empty(take)
            if self._phase + take == h:
                c[:-1] = self._ready[q[:-1] + 1]
                self._frame()
                c[-1] = self._ready[0]
            else:
                c[:] = self._ready[q + 1]
            out[i:i + take, 0] = delayed[:, 0] - c
            out[i:i + take, 1] = delayed[:, 1] - c
            out[i:i + take, 2] = c
            self._phase = (self._phase + take) % h
            i += take
        return out


def upmix(x: np.ndarray, settings, fs: int = 48000) -> np.ndarray:
    """Whole-signal convenience: one `Upmix` over x (n, 2); output delayed by its latency."""
    return Upmix(settings, fs).process(x)


def _rfft_macs(n: int) -> float:
    """Real FFT of n points as an n/2 complex radix-2 FFT plus the split step, in real MACs."""
    return n * math.log2(n / 2) + 2 * n


# Real multiply(-accumulate)s per bin per frame, by step (see the fixed-point plan).
PER_BIN_MACS = {
    "powers |M|^2 |S|^2": 4,
    "z = S M*, z^2, |z|^2": 8,
    "one-pole smoothing Pm Ps Ez^2 E|z|^2": 5,
    "w_dir: squares, k Ps^2, Newton reciprocal (3 it.), product": 11,
    "lam: |E z^2|^2, (E|z|^2)^2, Newton reciprocal, affine": 12,
    "blend, C = w M": 4,
}


def upmix_cost(profile, detail: bool = False):
    """MACs per stereo sample frame (one L, R pair) of the upmix for `profile`.

    Counts real multiplies / multiply-accumulates; adds, shifts and the delay
    line are free. With detail=True returns (total, {step: MACs per frame}).
    """
    d = design_upmix(profile)
    n, nb, h = d.fft_size, d.fft_size // 2 + 1, d.hop
    steps = {
        "analysis windows (M, S)": 2 * n,
        "forward real FFTs (M, S)": 2 * _rfft_macs(n),
        "per-bin decision": nb * sum(PER_BIN_MACS.values()),
        "inverse real FFT": _rfft_macs(n),
        "synthesis window": d.synthesis_size,
    }
    total = sum(steps.values()) / h
    return (total, {k: v / h for k, v in steps.items()}) if detail else total
