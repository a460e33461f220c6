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

The decision (per bin k of an STFT, frame t)
-------------------------------------------
Two per-bin decisions share one filterbank; the profile picks one
(`[upmix] decision`). "inphase" ships, and is what the fixed-point model and
the C runtime implement (issue #23); "ratio" is the earlier rule, kept in float
for comparison.

1. Directional decision. Music is sparse in time-frequency: over a few tens of
   ms one source dominates a bin. A source panned by amplitude puts S = (d/g) M
   in the bin, *in phase* with M (or in anti-phase). Split S per frame into the
   part in phase with M and the part in quadrature,

       S_i = Re(S M*)/|M|,  S_q = Im(S M*)/|M|   (|S_i|^2 + |S_q|^2 = |S|^2)

   and smooth Pm = E|M|^2, Pi = E|S_i|^2, Pq = E|S_q|^2 over `smoothing_ms`
   (100 ms), except in a bin at an onset: with u = onset Pm / |M|^2 (onset
   1.5, Pm before the update) the one-pole coefficient is

       a = a_short + (a_onset - a_short) max(0, 1 - u^2)

   (a_onset: `onset_ms`, 15 ms), a_short while |M|^2 <= 1.5 Pm and nearly
   a_onset from 4 Pm up. Long statistics steady the decision on sustained
   notes (keys, strings, reverb tails); a pluck or a drum hit starting in a
   bin would leak into C for the length of that smoothing, and a voice note
   starting in a bin a side held would be cut for as long: the onset rule
   follows both within a frame or two. It is continuous in |M|^2 and Pm (a
   hard switch at a ratio flipped between the float and the binary32 model
   on rounding alone: -93 dB fixed against float on full-scale pink, the bar
   -100). The side-ness of the bin is

       r = (Pi + mu Pq) / Pm,      w_dir = 1 / (1 + (r / x0^2)^slope),

   a soft two-class decision, logistic in ln r, equal classes at
   |S|/|M| = x0. For an amplitude-panned source r is its squared pan index
   (d/g)^2 whatever mu is. What the quadrature weight mu < 1 buys: a
   reverberant center. A voice with a stereo reverb has, in its own bins,
   M = v + (tL + tR)/2 and S = (tL - tR)/2, the tails uncorrelated with each
   other and, over the vibrato of the note, in random phase with v; so |S|/|M|
   is about 0.15-0.4 at usual direct-to-reverberant ratios and the plain ratio
   |S|^2/|M|^2 ("ratio": mu = 1, x0 0.17) calls the voice a side and takes it
   out of C (worse than passive M). Half of that tail's S is in quadrature and
   counts mu times; the in-phase half and a wider x0 (0.21 instead of 0.17) keep
   the voice, while a side 6 dB down in its far channel (|S|/|M| = 0.33) is
   still removed. A time-panned source (far channel tau late) has
   S/M = (1 - a e^{-jwt})/(1 + a e^{-jwt}): per bin a fixed phase that turns
   with frequency; where it is in quadrature it counts less, where the delay
   wraps to a whole period it looks like an amplitude pan of the same level
   difference, so its bins split but the source is still mostly removed.
   Under sparsity C = w_dir M is the MMSE center.
   x0 may differ per band (`[upmix] center_width` as [from Hz, x0] rows, up
   to four; a band holds the bins whose centre frequency is at least its
   edge). Below 150-200 Hz most bins belong to the sides' bass and drums: a
   narrower x0 (0.17-0.18) keeps them out of C; narrower still (0.15) cuts
   the fundamental of a low lead (a tenor sax from 147 Hz). Above, the
   decision's 0.2 up to 1.5 kHz (a wider 0.21-0.22 kept more of a voice
   sharing its bins with a time-panned side, which the steering below now
   keeps, and let dry amplitude-panned sides into C), 0.22 above. A
   hard-left bin gets w = 1/(1 + x0^-3): -39.6 dB at 0.22, C = w M another
   6 dB below L.
   Precedence hold (`[upmix.hold]`, bins below max_hz). A sustained note
   through a room has, per bin, a fixed S/M of its own: L and R are the note
   through two different room responses, which over the note is exactly what
   a pan looks like (a reverberant Voice Oohs lead: |S|/|M| 0.8, in phase, in
   its strongest bin), so w_dir cuts it. Only the onset tells them apart: the
   direct sound arrives first and the tail builds up over tens of ms, so at a
   note's onset a bin's ratio is the source's own. In a bin whose |M|^2 jumps
   above `onset` x Pm the frame's own ratio t_on = |S|^2 kx / |M|^2 is held
   (all of S: at an onset S in quadrature says side as much as S in phase,
   and a side's onset mixed with what the bin held before must not read as
   center; counting it mu times held those and lost 0.1-0.3 dB on dry mixes), and
   t becomes min(t, held) for as long as |M|^2 stays within `release_db` of
   its peak since (a voice note ending over a side's held note drops its
   level: the hold ends there); the held value drifts toward t over
   `drift_ms`. Each switch is a ramp (K = `hold_ramp` = 8: onset weight b =
   clip(K - K onset Pm / |M|^2, 0, 1), full from 8/7 of the ratio; release rr =
   clip(K eh / (release |M|^2) - K, 0, 1), full 0.6 dB past it), so the float
   and binary32 forms cannot flip apart on a rounding (a hard switch in the
   onset smoothing once cost -93 dB against the float); per bin, with hh the
   hold's strength and eh the peak:

       th += b (t_on - th),  eh = max(eh, |M|^2) + b (|M|^2 - max(eh, |M|^2)),
       hh += b (1 - hh),  hh *= 1 - rr,  th += a_hold (t - th),
       t = t - hh max(t - th, 0).

   The leads it saves have their reverberant notes below 1.5 kHz; above, the
   hold changed nothing measurable, and it costs ~60 instructions a bin on the
   target, so only the bins below max_hz hold (at most fft_size / 8).
   Side attack (`[upmix] side_attack` = b). The smoothing that steadies the
   decision also lags it where a side takes over a bin a center held at about
   the same level (no onset: |M|^2 does not jump): for tens of ms C carries
   the side. The frame's own ratio r_f = (|S_i|^2 + mu |S_q|^2) / |M|^2 (0 for
   M = 0) then reads side at once, and

       r = max(r, b r_f)

   (before the hold, which caps t as before) lets it decide the bin where it
   is over 1/b times the smoothed one; a voice in a bin reads low frame by
   frame, so only its noisier frames (reverb, a side's transient) come
   through, b times. Measured on the tuning seeds: b 0.25-0.5 lifts the mixes
   closest to ffmpeg, dry amplitude-panned ones, by 0.05-0.15 dB and costs the
   reverberant ones, well ahead, 0.05-0.1; b 0.7 and up cuts a reverberant
   lead (harm on instruments_rev/12). A blend (0.85-0.9 r, the rest r_f) did
   about as well; the max acts only toward side, which is what the lag costs.
   Steering (`[upmix.hold] steering_ms`, the bins that hold). A source's S/M
   in a bin is its steering; amplitude-panned, |S/M| <= 1 (1: hard-left), so
   over time r <= 1 whatever such sources share the bin. A time-panned one
   (far channel a times, tau late) has S/M = (1 - a e^{-jwt})/(1 + a e^{-jwt}):
   near the frequencies where the delay turns it to anti-phase, |S/M| =
   (1 + a)/(1 - a), several times 1, and in phase with M. A voice sharing
   such a bin with a side 10 dB below it reads r ~ 1 (a side's ratio) and is
   cut, most of all at 150-600 Hz, where the fft 2048 of compact2 puts a
   voice's harmonics and a pad's partials in the same bins.
   Each bin keeps K, the peak of its smoothed r,

       K += a_steer (r - K) where r > K, else K *= steer_fall,

   rising over steering_ms (200) and falling over STEERING_FALL_MS (2 s: it
   carries what the bin learnt while the side played alone through the
   voice's notes), and t is read in units of it, t / max(K, 1): where K <= 1
   (amplitude pans, a center) nothing changes; where a side exaggerates its S,
   t counts that side's M-part as a hard-left source's would (a side alone
   still reads t = kx, w_dir -42 dB at x0 0.2). A max tracker (no rise time)
   followed the short statistics' peaks where two opposite-panned sources
   cancel in M for a note, and cost the dry instruments 0.1-1 dB; rising over
   100-300 ms lifts every time-panned mix and leaves the dry ones. Only the
   bins below the hold's max_hz steer (the time-panned losses are below
   1.5 kHz; steering all bins measured the same).
2. Diffuse fallback. If the side content of a band is uncorrelated left/right
   (diffuse), r says nothing about the bin and the best estimate of the center
   is linear (passive M up to a gain; on stimulus (c) nothing beats it). With
   z = S M*, per-bin statistics over DIRECTIVITY_MS (2 s),

       D = sum |E[z^2]| / sum E[|z|^2]    (sums over +-pool bins)

   is 1 when S/M keeps its phase over time in each bin (a direct source,
   amplitude- *or* time-panned) and ~0 for circular, uncorrelated sides.
   "inphase" pools the magnitudes |E z^2| (the phase of E z^2 turns with
   frequency for a time-panned source, so pooling the complex values, as
   "ratio" does, reads a Haas-widened side as diffuse and falls back to passive
   M); the magnitude of a 2 s average of a circular z^2 is biased to about
   1/sqrt(frames), so its thresholds sit higher (0.15-0.2/0.35-0.4 against
   0.1/0.2).
   Center-only bins have z = 0 and do not vote. Each frame's vote z^2/|z|^2
   weighs |z|^2 in those averages, or |z| (`[upmix] directivity_weight =
   "magnitude"`: D = sum |E[z^2/|z|]| / sum E|z|): the 4th-power weights let a
   few loud frames make the average, so a circular z^2 reads more directive
   than it is; weighted by |z| its bias is lower, and a time-panned instrument
   (whose z^2 keeps its phase only per source, so that sources taking turns in
   a bin lower D) clears thresholds that diffuse sides do not. At fft 4096 it
   gains 0.1-0.7 dB on the time-panned real instruments; at 2048 (fewer bins
   per source, more frames per average) the two weights' thresholds do not
   separate those mixes from (c), and "power" does better. With
   lam = clip((D^2 - lo^2)/(hi^2 - lo^2), 0, 1):

       w = lam * w_dir + (1 - lam),   C = w M.

   Checks: L = R gives S = 0, w = 1, C = M; hard-left gives D = 1, r = 1,
   w = 1/(1 + x0^(-2 slope)) (-42 dB for "inphase" at x0 0.2, -39.6 dB at
   0.22; -68 dB for "ratio");
   L = -R gives M = 0, C = 0.

Why not the textbook primary/ambient decomposition (Avendano-Jot, Merimaa):
it needs the coherence of M and S, and with this filterbank (85 ms frames every
10.7 ms) a short average has about one independent frame, so every bin looks
coherent; a long one (0.1-0.5 s) mixes the sources that take turns in a bin (a
voice note, then a pluck) and reads the pluck as partly incoherent. Measured
on the tuning seeds: the smaller eigenvalue of the 0.2 s (M, S) covariance as
ambience, subtracted before the ratio, or the long coherence weighting the
ratio, or a floor tracker of Ps, all gain 0.5-1 dB on the reverberant mixes
and lose 1.5-4 dB on the dry ones. The in-phase split needs no long average.

Operations per bin per frame ("inphase", float, for the fixed-point port):
|M|^2, |S|^2 (4 mul), z = S M* (4), 1/|M|^2 (one reciprocal), (Re z)^2/|M|^2
and (Im z)^2/|M|^2 (4), the onset coefficient (4 mul, 1 max), three one-poles (3),
r (1 mul + 1 reciprocal), w_dir (a table over log2 r, or a square root for the
1.5 power), z^2 and |z|^2 (4), with "magnitude" votes |z| and 1/|z| (1 square
root, 1 reciprocal, 2 mul), the side attack (2 mul, 1 max),
two one-poles on E z^2 and one on E|z|^2 (3), |E z^2| (2 mul + 1 square root,
or an alpha-max-beta-min magnitude), the +-pool sums (running sums: adds), D^2
(2 mul + 1 reciprocal), lam (1), blend (1), C = w M (2): about 30 multiplies,
3 reciprocals and 1-2 square roots; "ratio" has no 1/|M|^2 and no square
root. The precedence hold adds 12 multiplies in the bins below max_hz only, and
the steering there 2 multiplies, 1 division and 3 compares.

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

Measured (benchmarks/bench_upmix.py, studio5: fft 4096, hop 512, synthesis 1024,
100 ms; SIR of C against the center stem): the whole family of
tests/upmix_family.py, tuning and held-out seeds, against passive M and ffmpeg
`surround` tuned on the family, per latency class, is the table that
benchmark prints; the figures are in the note of issue #21. What the earlier
sessions measured on (d) alone (the voice's harmonic comb as the missing
information, the oracle mask at 15.9 dB through this synthesis, the delay cap
as the limit of long-filter synthesis) still holds and is in the notes of
issue #14.

Fixed point ("inphase", dsp_model/fixed/upmix.py and its C twin)
-----------------------------------------------------------------
* M = (L + R) >> 1, S = (L - R) >> 1 with a named floor shift; L' = Ld - C,
  R' = Rd - C in 32-bit with saturation; synthesis and OLA with one guard
  bit (Q30), C saturated once, when it is shifted back to Q31.
* Analysis with a block exponent per frame, CMSIS's arm_cfft_q31 of M + iS,
  the inverse and the synthesis in Q31.
* The per-bin decision in IEEE binary32 (the FPU both declared parts have),
  the formulas above in the same order in the model and the C, so they are
  bit-exact: its statistics span more than any 32-bit word at one exponent
  holds (4th powers of the bins), and the pseudo-floats of an integer form
  cost seven times the budget (dsp_model/fixed/upmix.py says why and how).
  The gain w becomes Q31 once per bin, C = w M in Q31.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from device_profiles import UPMIX_HOLD_DIV as HOLD_DIV

ANALYSIS_FALL = 64  # samples of the analysis window's sqrt-Hann fall (flat top before it)
DIRECTIVITY_MS = 2000.0  # time constant of the directivity index D
STEERING_FALL_MS = 2000.0  # time constant of the fall of a bin's steering K ([upmix.hold])
MAX_LATENCY_S = 1024 / 48000  # algorithmic delay cap (21.3 ms)


@dataclass(frozen=True)
class Decision:
    """The constants of one per-bin decision (see the module docstring)."""

    center_width: float  # x0: |S|/|M| at which a bin is judged half center
    slope: float  # of the logistic in ln r
    quadrature: float  # mu: weight of the part of S in quadrature with M
    lo: float  # lam goes 0 -> 1 as D goes lo -> hi (a profile's [upmix] diffuse overrides)
    hi: float
    pool: int  # D is pooled over +-pool bins
    pool_magnitudes: bool  # pool |E z^2| (True) or the complex E z^2
    onset: float  # a frame whose |M|^2 exceeds onset x Pm in a bin (inf: never)...
    onset_ms: float  # ...moves that bin's Pm, Pi, Pq toward onset_ms (see the docstring)
    hold_ramp: float = 8.0  # K: the precedence hold's onset and release ramps (docstring)


# "inphase": chosen on the family of tests/upmix_family.py (x0 0.17-0.3, slope 1.25-2,
# mu 0-1, lo/hi 0.14-0.25/0.28-0.5, pool 8-32, smoothing 40-140 ms, onset 15-25 ms at
# 1.5-4x; the choice and the seeds it saw are in the note of issue #21); "ratio": tuned
# on (d) alone by the sessions of issue #14.
DECISIONS = {
    "inphase": Decision(center_width=0.2, slope=1.5, quadrature=0.15, lo=0.2, hi=0.4,
                        pool=32, pool_magnitudes=True, onset=1.5, onset_ms=15.0),
    "ratio": Decision(center_width=0.17, slope=2.0, quadrature=1.0, lo=0.1, hi=0.2,
                      pool=16, pool_magnitudes=False, onset=math.inf, onset_ms=60.0),
}


@dataclass(frozen=True)
class UpmixDesign:
    """The plain numbers the float and fixed-point upmix share."""

    fs: int
    fft_size: int
    synthesis_size: int
    hop: int
    a_short: float  # one-pole coefficient of Pm, Pi, Pq (smoothing_ms)
    a_onset: float  # the same in a bin at an onset (the decision's onset_ms)
    a_long: float  # one-pole coefficient of the directivity statistics
    decision_name: str  # "inphase" | "ratio", a key of DECISIONS
    lo: float  # lam goes 0 -> 1 as D goes lo -> hi
    hi: float
    magnitude_votes: bool  # D weighs each frame's vote by |z| (True) or |z|^2
    center_bands: tuple[tuple[int, float], ...]  # (first bin, x0) per band, from bin 0
    # the precedence hold ([upmix.hold]): bins 0 .. hold_bins - 1 hold (0: none); a frame
    # with |M|^2 above hold_onset Pm starts one, which ends where |M|^2 falls hold_release
    # below its peak since
    hold_bins: int
    hold_onset: float
    hold_release: float  # power ratio, 10^(release_db / 10)
    a_hold: float  # one-pole coefficient of the held ratio's drift (drift_ms)
    side_attack: float  # b: t = max(t, b x the frame's own ratio) (0: off)
    # the steering of the bins that hold ([upmix.hold] steering_ms): K, the peak of r, rises
    # toward r by a_steer a frame and falls by steer_fall (both 0: off)
    a_steer: float
    steer_fall: float
    analysis_window: np.ndarray  # (fft_size,)
    synthesis_window: np.ndarray  # (fft_size,), zero but for the last synthesis_size

    @property
    def latency(self) -> int:
        return self.synthesis_size - 1

    @property
    def decision(self) -> Decision:
        return DECISIONS[self.decision_name]

    def center_widths(self) -> np.ndarray:
        """x0 of each bin 0..fft_size/2 (the bands of `center_bands`)."""
        firsts = [k for k, _ in self.center_bands]
        widths = np.array([x0 for _, x0 in self.center_bands])
        k = np.arange(self.fft_size // 2 + 1)
        return widths[np.searchsorted(firsts, k, side="right") - 1]


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
    name = getattr(s, "decision", "inphase")
    if name not in DECISIONS:
        raise ValueError(f"upmix: unknown decision {name!r} (one of {', '.join(DECISIONS)})")
    if not (ls <= n and ls % h == 0 and ls // h >= 2):
        raise ValueError(f"upmix: synthesis_size {ls} must be <= fft_size {n} and a multiple "
                         f"(>= 2x) of hop {h}")
    if (ls - 1) / fs > MAX_LATENCY_S + 1e-12:
        raise ValueError(f"upmix: latency {ls - 1} samples at {fs} Hz exceeds "
                         f"{MAX_LATENCY_S * 1e3:.1f} ms (lower synthesis_size)")
    dec = DECISIONS[name]
    lo, hi = getattr(s, "diffuse", None) or (dec.lo, dec.hi)
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError(f"upmix: diffuse thresholds {lo:g}, {hi:g} must be 0 <= lo < hi <= 1")
    weight = getattr(s, "directivity_weight", "power")
    if weight not in ("power", "magnitude"):
        raise ValueError(f"upmix: unknown directivity_weight {weight!r} (power or magnitude)")
    rows = getattr(s, "center_width", None) or ((0.0, dec.center_width),)
    if rows[0][0] != 0.0 or any(b[0] <= a[0] for a, b in zip(rows, rows[1:], strict=False)):
        raise ValueError(f"upmix: center_width bands {[list(r) for r in rows]} must start at "
                         "0 Hz and increase")
    # a band from f Hz holds the bins whose centre frequency k fs / N is at least f
    bands = tuple((math.ceil(hz * n / fs - 1e-9), float(x0)) for hz, x0 in rows)
    hold = getattr(s, "hold", None)
    # the bins whose centre frequency k fs / N is below max_hz hold
    hold_bins = math.ceil(hold.max_hz * n / fs - 1e-9) if hold else 0
    if hold_bins > n // HOLD_DIV:
        raise ValueError(f"upmix: hold max_hz {hold.max_hz:g} is above fs/{2 * HOLD_DIV} = "
                         f"{fs / (2 * HOLD_DIV):g} Hz (the fixed point holds N/{HOLD_DIV} bins)")
    steer_ms = hold.steering_ms if hold else 0.0
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
        a_onset=1.0 - math.exp(-h / (dec.onset_ms * 1e-3 * fs)),
        a_long=1.0 - math.exp(-h / (DIRECTIVITY_MS * 1e-3 * fs)),
        decision_name=name, lo=float(lo), hi=float(hi),
        magnitude_votes=weight == "magnitude", center_bands=bands, hold_bins=hold_bins,
        hold_onset=hold.onset if hold else math.inf,
        hold_release=10.0 ** (hold.release_db / 10.0) if hold else 1.0,
        a_hold=1.0 - math.exp(-h / (hold.drift_ms * 1e-3 * fs)) if hold else 0.0,
        side_attack=float(getattr(s, "side_attack", 0.0)),
        a_steer=1.0 - math.exp(-h / (steer_ms * 1e-3 * fs)) if steer_ms else 0.0,
        steer_fall=math.exp(-h / (STEERING_FALL_MS * 1e-3 * fs)) if steer_ms else 0.0,
        analysis_window=wa,
        synthesis_window=ws,
    )


def _pool(x: np.ndarray, p: int) -> np.ndarray:
    """Sum over +-p bins, edges replicated, window by window (np.convolve's direct
    sums): a difference of
    one cumsum over the spectrum cancels catastrophically ~90 dB below its
    peak (the 4th-power statistics span far more), which read as noise in D
    and w there (-62 dB against the fixed point on validate's music)."""
    return np.convolve(np.pad(x, p, mode="edge"), np.ones(2 * p + 1), mode="valid")


class Upmix:
    """Streaming upmix: `process(block (n, 2)) -> (n, 3)` = L', R', C.

    Outputs are delayed by `latency` samples (L', R' and C alike), so
    L' + C = L(t - latency) and R' + C = R(t - latency). Any split of the input
    into blocks gives the same output.
    """

    def __init__(self, settings, fs: int = 48000):
        self.design = design_upmix(settings, fs)
        self._kx = self.design.center_widths() ** -2.0  # 1 / x0^2 per bin
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
        self._pm = np.zeros(nb)  # E|M|^2
        self._pi = np.zeros(nb)  # E|S_i|^2, S in phase with M
        self._pq = np.zeros(nb)  # E|S_q|^2, S in quadrature with M
        self._zn = np.zeros(nb, dtype=complex)  # E[z^2]
        self._zd = np.zeros(nb)  # E[|z|^2]
        kh = self.design.hold_bins
        self._th = np.zeros(kh)  # the held t = r / x0^2 of the bins that hold
        self._eh = np.zeros(kh)  # |M|^2's peak since the hold began
        self._hh = np.zeros(kh)  # the hold's strength, 0..1
        self._ks = np.zeros(kh)  # the steering K: the peak of r
        self.last_gain = np.ones(nb)  # w of the last frame (for inspection)

    def _frame(self) -> None:
        d, dec = self.design, self.design.decision
        spec = np.fft.rfft(self._ms * d.analysis_window, axis=1)
        mf, sf = spec[0], spec[1]
        pm = mf.real**2 + mf.imag**2
        ps = sf.real**2 + sf.imag**2
        z = sf * np.conj(mf)
        inv_pm = np.divide(1.0, pm, out=np.zeros_like(pm), where=pm > 0)
        p_in = z.real**2 * inv_pm
        p_quad = np.where(pm > 0, z.imag**2 * inv_pm, ps)  # M = 0: all of S is a side
        a = d.a_short
        pm_before = self._pm[:d.hold_bins].copy()  # the hold's onset test reads it
        if math.isfinite(dec.onset):  # inf: no onset rule ("ratio")
            u = np.divide(dec.onset * self._pm, pm, out=np.zeros_like(pm), where=pm > 0)
            q = np.where(pm > 0, np.maximum(1.0 - u * u, 0.0), 0.0)
            a = d.a_short + (d.a_onset - d.a_short) * q
        self._pm += a * (pm - self._pm)
        self._pi += a * (p_in - self._pi)
        self._pq += a * (p_quad - self._pq)
        vote, weight = z * z, pm * ps  # each frame's z^2 / |z|^2 weighted by |z|^2
        if d.magnitude_votes:  # ... or by |z|
            weight = np.sqrt(weight)
            vote = vote * np.divide(1.0, weight, out=np.zeros_like(weight), where=weight > 0)
        self._zn += d.a_long * (vote - self._zn)
        self._zd += d.a_long * (weight - self._zd)
        # directional decision w_dir = 1 / (1 + (r / x0^2)^slope)
        side = self._pi + dec.quadrature * self._pq
        r = np.divide(side, self._pm, out=np.zeros_like(side), where=self._pm > 0)
        kh = d.hold_bins
        if d.a_steer:  # the steering K of the bins that hold: r's peak, rising, falling slowly
            rk, ks = r[:kh], self._ks
            self._ks = np.where(rk > ks, ks + d.a_steer * (rk - ks), d.steer_fall * ks)
        if d.side_attack:  # the frame's own ratio (0 for |M| = 0), b times, where it is higher
            r = np.maximum(r, d.side_attack * (p_in + dec.quadrature * p_quad) * inv_pm)
        t = r * self._kx
        if kh:  # t in units of the bin's steering (1 where it is off), then held
            t[:kh] = self._hold(t[:kh] / np.maximum(self._ks, 1.0), pm[:kh], ps[:kh],
                                inv_pm[:kh], pm_before)
        w_dir = 1.0 / (1.0 + t ** dec.slope)
        # directivity D^2 = (sum |E z^2| or |sum E z^2|)^2 / (sum E|z|^2)^2 over +-pool bins
        p = dec.pool
        if dec.pool_magnitudes:
            num = _pool(np.abs(self._zn), p) ** 2
        else:
            num = _pool(self._zn.real, p) ** 2 + _pool(self._zn.imag, p) ** 2
        den2 = _pool(self._zd, p) ** 2
        d2 = np.divide(num, den2, out=np.zeros_like(den2), where=den2 > 0)
        lo2, hi2 = d.lo**2, d.hi**2
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

    def _hold(self, t, pm, ps, inv_pm, pm_before):
        """The precedence hold (module docstring) of the bins that hold: their t,
        |M|^2, |S|^2, 1/|M|^2 (0 for |M| = 0) and Pm before the update."""
        d, k = self.design, self.design.decision.hold_ramp
        pos = pm > 0.0
        b = np.where(pos, np.clip(k - k * d.hold_onset * pm_before * inv_pm, 0.0, 1.0), 0.0)
        x = ps * inv_pm * self._kx[:len(t)]
        self._th += b * (x - self._th)
        self._eh = np.maximum(self._eh, pm)
        self._eh += b * (pm - self._eh)
        self._hh += b * (1.0 - self._hh)
        rr = np.where(pos, np.clip(k / d.hold_release * self._eh * inv_pm - k, 0.0, 1.0), 1.0)
        self._hh *= 1.0 - rr
        self._th += d.a_hold * (t - self._th)
        return t - self._hh * np.maximum(t - self._th, 0.0)

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


# Real multiply(-accumulate)s per bin per frame, by step and decision (reciprocals and
# square roots as three Newton iterations on a normalised operand).
PER_BIN_MACS = {
    "inphase": {
        "powers |M|^2 |S|^2, z = S M*": 8,
        "1/|M|^2 (reciprocal), in-phase and quadrature parts of S": 10,
        "z^2, |z|^2": 4,
        "onset coefficient: u = onset Pm / |M|^2, u^2, a": 4,
        "one-pole smoothing Pm Pi Pq Ez^2 E|z|^2": 6,
        "r: reciprocal of Pm, product, x0 scaling": 8,
        "w_dir: table over log2 r": 2,
        "|E z^2| (square root)": 8,
        "lam: (sum)^2, (sum)^2, Newton reciprocal, affine": 12,
        "blend, C = w M": 4,
    },
    "ratio": {
        "powers |M|^2 |S|^2": 4,
        "z = S M*, z^2, |z|^2": 8,
        "one-pole smoothing Pm Ps Ez^2 E|z|^2": 5,
        "w_dir: squares, k Ps^2, Newton reciprocal (3 it.), product": 11,
        "lam: |E z^2|^2, (E|z|^2)^2, Newton reciprocal, affine": 12,
        "blend, C = w M": 4,
    },
}


# the precedence hold, per bin that holds: u, the onset weight, the frame's ratio (2), the
# held ratio, peak and strength (3), the release (2), its product, the drift, min (2)
HOLD_MACS = 12
# the side attack, per bin: the frame's ratio (b x0^-2 times; its 1/|M|^2 and side power
# are the decision's), a max
SIDE_ATTACK_MACS = 2
# the steering, per bin that holds: K's rise or its fall (1), t / K (1)
STEERING_MACS = 2


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
        "per-bin decision": nb * sum(PER_BIN_MACS[d.decision_name].values()),
        "precedence hold (bins below max_hz)": d.hold_bins * HOLD_MACS,
        "side attack": nb * SIDE_ATTACK_MACS if d.side_attack else 0,
        "steering (bins below max_hz)": d.hold_bins * STEERING_MACS if d.a_steer else 0,
        "inverse real FFT": _rfft_macs(n),
        "synthesis window": d.synthesis_size,
    }
    total = sum(steps.values()) / h
    return (total, {k: v / h for k, v in steps.items()}) if detail else total
