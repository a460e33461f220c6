"""Crosstalk cancellation / null-steering: regularized inverse realised as RTF FIRs.

Channel convention: CTC channel 0 carries the signal meant for the LEFT ear and
nulls the RIGHT ear; channel 1 the reverse. Without a virtualizer the channels
are the upmix outputs L', R' ("left input nulls the right ear"). With a
virtualizer (dsp_model.virtualizer) in front, the 2x2 IIR matrix of the
virtual +-30 deg pair makes the ear signals e_L = A L' + C R', e_R = C L' + A R'
and these feed the CTC channels: per input the driver filters are
W_left * A + W_right * C, exactly the combined form, but the cheap IIR part is
applied once per input instead of being folded into long FIRs.
`CtcDesign.input_filters()` returns the folded per-input FIRs for the float
reference.

Design (per channel, on an FFT grid of NFFT points):
  1. ideal spatial filter per frequency: the regularized maximum-contrast
     solution r = (R_c + beta s I)^-1 conj(h_i), R_c the contra-ear correlation
     over the design positions (the design point and +-DESIGN_SPREAD sideways,
     SIDE_WEIGHT each: the zone is not fitted to one point), h_i the design
     point's ipsi-ear row, s = tr(R_c)/D. beta -> 0 is the exact 2x2 inverse
     (or the multi-position least-squares null), beta -> inf the matched
     filter; past it the family blends on toward plain playback (all drivers
     in phase) for targets below what the matched filter gives. beta(f) is the
     largest (least effort) that meets the target + MARGIN_DB at the design
     point, raised where the effort would pass the limit + IPSI_LOSS_DB.
     Several heads (design_ctc(head=(h1, h2, ...))) are more design positions:
     R_c sums over every head's positions, the design point counts on each,
     and the contrast is the heads' mean ipsi power over their mean contra
     power. Where the heads disagree by more than the target allows, no member
     meets it (studio5 on the sphere and KEMAR: 518-5204 Hz); the design takes
     the deepest member there and records the band as `target_unreachable`
     (widened by the ratio FIRs' resolution fs/Nr, which cannot follow a
     narrower switch), and the target-follow check judges the rest.
  2. ratio filters (RTF, short): r normalised by a reference driver, the one
     loudest at the ipsi ear (its ratio filter is then a pure delay), and
     fitted as Nr-tap FIRs by weighted least squares: contra-ear rows at each
     design position weighted by the leakage r has there (so the error is
     small relative to it); the ipsi row, stronger where the target is below
     LF_TARGET_DB (keeps the level where little cancellation is asked); a
     small ridge. The realised contrast is compared with the wanted one and
     the request corrected (PASSES). The contrast depends on the ratio
     filters only. A driver may get fewer taps than Nr ([ctc]
     driver_ratio_taps: the middle ones, around the modeling delay): studio5's
     up-firing mid, whose ratio stays small and slow below 1 kHz, so that the
     side mids' ratios, which make the turn from the null to plain playback,
     can be longer for the same MACs.
  3. common filter (long): c = T e^{-jw m_r} / (h_i . r_fir), T the ipsi-ear
     level one average CTC driver gives at unit gain (filter gain 0 dB = one
     driver playing the signal plainly), clipped per frequency so that
     |c r_d| <= the effort limit (the ipsi level drops instead: "ipsi
     deviation" in the report), realised as an Nc-tap windowed FIR around a
     modeling delay of COMMON_DELAY_FRACTION * Nc.
The ipsi ear then receives T delayed by `latency` = common + ratio modeling
delay (plus the acoustic propagation).

Effort = max over drivers and frequency of |common * ratio_d| (the driver
filter gain), in dB; it never exceeds profile.ctc.effort_limit_db (checked on
the realised FIRs on a dense grid, and enforced by a final scale if needed).

Known limit: below ~400 Hz short ratio filters cannot turn from the null (side
mode) to plain playback (in phase) within a few hundred Hz, so the effort limit
there costs ipsi level (re T at the design point, 150/200/250/300 Hz): studio5
(152-tap side-mid ratios, 48 taps for mid_up; designed on the sphere and KEMAR,
judged on the sphere) -8/-6/-4/-2 dB, with 96 taps for all three it was
-13/-8/-6/-4; compact2 (one 192-tap ratio per channel) -5/-4/-3/-3 dB. A plain
low-frequency path beside a high-passed CTC would need a low-pass FIR per
channel flat at 200 Hz and some 30 dB down by 500 Hz (Kaiser's estimate ~250
taps each, ~55 MIPS for the pair).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .acoustics import SPEED_OF_SOUND, listener_positions
from .budget import effective_taps
from .heads import head_for, plant_over_heads

__all__ = ["CtcDesign", "design_ctc", "target_curve_db", "ctc_drivers", "drivers_band",
           "effort_db", "head_lag", "DESIGN_SPREAD", "MARGIN_DB"]

NFFT = 2048  # design grid (fs / NFFT = 23 Hz at 48 kHz)
# Sideways offsets (m) designed for together with the centre, by CTC driver count.
# Two drivers have one spatial degree of freedom, so side positions only cost
# depth; three or more can place the contra-ear nulls off centre: with the
# sides at +-7 cm the centre still meets the target and +-5 cm gains 1-2 dB.
DESIGN_SPREAD = {2: 0.03, 3: 0.07}
SIDE_WEIGHT = 10.0  # weight of each side position relative to the centre
MARGIN_DB = 1.0  # aim this much above the target so the realised FIRs land on it
IPSI_LOSS_DB = 3.0  # ipsi level given up before cancellation where the effort binds
EFFORT_MARGIN_DB = 0.3  # design under the limit by this much; realised check is exact
REF_RULE = "ipsi"
PASSES = 3  # ratio fit / request correction passes
LF_TARGET_DB = 12.0  # below this target the fit keeps the ipsi level (plain playback)
HEAD_LAG_MAX_S = 1e-3  # the largest bulk delay between two heads' plants the design aligns
LF_IPSI_W = 10.0  # higher gains little and loses the target at 1.5 m (studio5)
CENTRE_FIT_W = 3.0  # the design point weighs more than the side positions in the fit
COMMON_DELAY_FRACTION = 0.3  # of the common taps; the inverse needs more causal tail
IPSI_W = 0.3  # ipsi row weight in the ratio fit
RIDGE = 0.05  # ridge toward the ideal ratio
N_BLEND = 10  # members between the matched filter and plain playback
BETA_GRID = np.logspace(-7.0, 4.0, 56)


@dataclass
class CtcDesign:
    """Realised CTC filters (plain data; float64).

    common: (2, Nc) FIR per CTC channel (0: left ear / nulls right, 1: right ear).
    ratio: (2, D, Nr) FIR per channel and CTC driver; ratio[ch, ref[ch]] is a pure
        delay of `ratio_delay` samples (0 MACs on a target).
    drivers: CTC driver ids (order of the D axis).
    latency: samples, total modeling delay (common + ratio) of the ipsi-ear path,
        on top of the acoustic propagation.
    """

    profile: str
    sample_rate: int
    drivers: tuple[str, ...]
    common: np.ndarray
    ratio: np.ndarray
    latency: int
    common_delay: int
    ratio_delay: int
    reference: tuple[int, int]  # per channel, the index of the pure-delay ratio filter
    effort_limit_db: float
    regularization_scale: float
    design_freqs: np.ndarray = field(repr=False)
    beta: np.ndarray = field(repr=False)  # (2, F) regularization per channel (inf: plain blend)
    effort_limited: np.ndarray = field(repr=False)  # (2, F) bool, limit active at design
    virtualizer: object | None = None
    design_offsets: tuple[float, ...] = ()
    # (2, F) bool: no member of the regularization family meets the target at the
    # design point (over several heads: the heads disagree by more than the target
    # allows), so the design gives the deepest cancellation it can there
    target_unreachable: np.ndarray | None = field(default=None, repr=False)

    def driver_filters(self) -> np.ndarray:
        """Full per-channel, per-driver FIRs (2, D, Nc + Nr - 1): common * ratio."""
        nc, nr = self.common.shape[-1], self.ratio.shape[-1]
        out = np.zeros((2, self.ratio.shape[1], nc + nr - 1))
        for ch in range(2):
            for d in range(self.ratio.shape[1]):
                out[ch, d] = np.convolve(self.common[ch], self.ratio[ch, d])
        return out

    def input_filters(self, n: int | None = None) -> np.ndarray:
        """Per input (L', R') driver FIRs (2, D, N) with the virtualizer folded in.

        Without a virtualizer these are the driver filters. The IIR parts are
        truncated to n taps (default: the CTC length + 512).
        """
        g = self.driver_filters()
        if self.virtualizer is None:
            return g
        n = g.shape[-1] + 512 if n is None else n
        a, c = self.virtualizer.impulse_responses(n)
        out = np.zeros((2, g.shape[1], n))
        for d in range(g.shape[1]):
            # L' -> left-ear channel through A, right-ear channel through C
            out[0, d] = (np.convolve(a, g[0, d]) + np.convolve(c, g[1, d]))[:n]
            out[1, d] = (np.convolve(c, g[0, d]) + np.convolve(a, g[1, d]))[:n]
        return out

    @property
    def n_drivers(self) -> int:
        return self.ratio.shape[1]

    def macs_per_sample(self) -> dict:
        """Multiply-accumulates per input sample frame (both channels)."""
        nc, nr = self.common.shape[-1], self.ratio.shape[-1]
        d = self.n_drivers
        common = 2 * nc
        # the reference driver's ratio is a pure delay; a shorter ratio filter
        # (driver_ratio_taps) runs its non-zero taps only (leading zeros as a delay)
        ratio = sum(effective_taps(self.ratio[ch, k]) for ch in range(2) for k in range(d)
                    if k != self.reference[ch])
        mixing = 2 * d  # sum of the two channels per driver
        out = {"common": common, "ratio": ratio, "mixing_adds": mixing,
               "ctc_total": common + ratio,
               "ratio_if_all_fir": 2 * d * nr}
        if self.virtualizer is not None:
            out["virtualizer_biquad_sections"] = 2 * self.virtualizer.n_sections
        return out


def ctc_drivers(profile):
    return tuple(profile.driver(i) for i in profile.ctc.drivers)


def target_curve_db(profile, freqs: np.ndarray) -> np.ndarray:
    """The profile's target cancellation (dB) interpolated on log frequency; held flat
    outside the given points."""
    pts = np.asarray(profile.ctc.target, float)
    lf = np.log(np.maximum(np.asarray(freqs, float), 1e-3))
    return np.interp(lf, np.log(pts[:, 0]), pts[:, 1])


def drivers_band(drivers) -> tuple[float, float]:
    """The band every one of `drivers` plays (Hz): the CTC's working range."""
    return max(d.band[0] for d in drivers), min(d.band[1] for d in drivers)


def head_lag(h0: np.ndarray, h1: np.ndarray, freqs: np.ndarray, band: tuple[float, float],
             max_lag_s: float = HEAD_LAG_MAX_S) -> float:
    """The delay (s) by which plant h1 lags h0 (both (F, ...), on freqs): the peak of
    their cross-correlation over `band`, on a 1 us grid within +-max_lag_s."""
    sel = (freqs >= band[0]) & (freqs <= band[1])
    x = np.sum((np.conj(h0) * h1)[sel].reshape(int(sel.sum()), -1), axis=1)
    lags = np.arange(-max_lag_s, max_lag_s + 0.5e-6, 1e-6)
    corr = np.abs(np.exp(2j * np.pi * np.outer(lags, freqs[sel])) @ x)
    return float(lags[int(np.argmax(corr))])


def _align_heads(h: np.ndarray, freqs: np.ndarray, p: int, band) -> np.ndarray:
    """Every head's plant (the blocks of p positions along axis 1) advanced by its lag
    behind the first head's at the design point. Head models differ by a bulk delay
    that means nothing to a listener (KEMAR's, through its diffuse-field
    equalisation, sits ~170 us behind the sphere's at studio5's design point); left
    in, the heads' ipsi rows average out above a few kHz and the common filter
    delivers the level T at a phase that matches no head (studio5, left-only
    program: the right ear at -3.8 dB re the left instead of -13)."""
    out = h.copy()
    for j in range(1, h.shape[1] // p):
        lag = head_lag(h[:, 0], h[:, j * p], freqs, band)
        out[:, j * p:(j + 1) * p] *= np.exp(2j * np.pi * freqs * lag)[:, None, None, None]
    return out


def _design_heads(profile, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """Head centres (P,3) [centre, -spread, +spread] and their weights."""
    if spread > 0:
        dx = np.array([0.0, -spread, spread])
        w = np.array([1.0, SIDE_WEIGHT, SIDE_WEIGHT])
    else:
        dx, w = np.array([0.0]), np.array([1.0])
    return listener_positions(profile.listener.distance, dx=dx), w / w.sum()


def _tikhonov_family(hc: np.ndarray, w: np.ndarray, hi: np.ndarray, betas: np.ndarray):
    """r(beta) = (R_c + beta s I)^-1 conj(h_i) for every frequency and beta.

    hc (F,P,D) contra rows, w (P,) weights, hi (F,D) ipsi row at the design point.
    Returns r (F, B, D).
    """
    f, _, d = hc.shape
    rc = np.einsum("p,fpa,fpb->fab", w, hc.conj(), hc)
    s = np.real(np.trace(rc, axis1=1, axis2=2)) / d + 1e-300
    eye = np.eye(d)
    m = rc[:, None] + betas[None, :, None, None] * s[:, None, None, None] * eye
    rhs = np.broadcast_to(hi.conj()[:, None, :, None], (f, len(betas), d, 1))
    return np.linalg.solve(m, rhs)[..., 0]


def _blend_plain(r_last: np.ndarray, hi: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Blend the most regularized member toward plain playback (every driver fed the
    same signal), both normalised to the same ipsi-ear response: alpha (F,) or (F,A)."""
    d = hi.shape[-1]
    rm = r_last / np.sum(r_last * hi, -1, keepdims=True)
    rp = np.ones(d) / np.sum(hi, -1, keepdims=True)
    a = alpha[..., None]
    if a.ndim == 3:
        return (1 - a) * rm[:, None, :] + a * rp[:, None, :]
    return (1 - a) * rm + a * rp


def _family(hc, w, hi):
    """The regularization family on the coordinate u = 0..len(BETA_GRID)+N_BLEND-1:
    Tikhonov members, then blends toward plain playback (for targets below what
    the matched filter gives). (F, U, D)."""
    fam = _tikhonov_family(hc, w, hi, BETA_GRID)
    alphas = np.arange(1, N_BLEND + 1) / N_BLEND
    blend = _blend_plain(fam[:, -1], hi, np.broadcast_to(alphas, (len(hi), N_BLEND)))
    return np.concatenate([fam, blend], axis=1)


def _member(hc, w, hi, u, scale):
    """Solutions at fractional coordinates u (F,); beta scaled by `scale`.
    Returns r (F,D), beta (F,) (inf in the blend range), alpha (F,)."""
    nb = len(BETA_GRID)
    lb = np.interp(np.minimum(u, nb - 1), np.arange(nb), np.log10(BETA_GRID))
    beta = 10 ** lb * scale
    r = _tikhonov_family_single(hc, w, hi, beta)
    alpha = np.clip((u - (nb - 1)) / N_BLEND, 0.0, 1.0)
    if np.any(alpha > 0):
        r = np.where((alpha > 0)[:, None], _blend_plain(r, hi, alpha), r)
        beta = np.where(alpha > 0, np.inf, beta)
    return r, beta, alpha


def _contrast_effort(r, hc, w, hi, t, his=None):
    """Cancellation (dB) and effort (dB) of spatial filters r ((F,B,D) or (F,D)).

    Cancellation: ipsi power at the design point over the contra power averaged
    over the design positions with weights w (hc (F,P,D)); with several heads
    (his (F,K,D), each head's ipsi row at its design point) the ipsi power is the
    heads' mean, as the contra power is, not the power of their mean row (their
    ipsi phases part above a few kHz, and the mean row's power would read the
    cancellation low and ask for more). Effort: the driver gain
    T max|r_d| / |h_i . r| needed to deliver the level T to the ipsi ear.
    """
    rb = r if r.ndim == 3 else r[:, None, :]
    g = np.einsum("fbd,fd->fb", rb, hi)
    y = np.einsum("fbd,fpd->fbp", rb, hc)
    leak = np.einsum("fbp,p->fb", np.abs(y) ** 2, w)
    ag = np.abs(g) + 1e-300
    pi = ag**2 if his is None else np.mean(
        np.abs(np.einsum("fbd,fkd->fbk", rb, his)) ** 2, axis=-1) + 1e-300
    canc = 10 * np.log10(pi / (leak + 1e-300))
    effort = 20 * np.log10(t[:, None] * np.max(np.abs(rb), axis=-1) / ag + 1e-300)
    if r.ndim == 2:
        return canc[:, 0], effort[:, 0], g[:, 0]
    return canc, effort, g


def _choose_beta(canc, effort, target_db, limit_db):
    """Per frequency, the family coordinate u (fractional index into the family,
    increasing = more regularized) where the design-point cancellation meets the
    target with the least effort (the largest such u, interpolated between
    members), then raised until the effort is under the limit. Returns
    (u (F,), limited (F,) bool)."""
    f, b = canc.shape
    lb = np.arange(b, dtype=float)
    nt = len(BETA_GRID)
    out = np.zeros(f)
    limited = np.zeros(f, bool)
    for k in range(f):
        # blends toward plain playback only where the matched filter already
        # exceeds the target (elsewhere a blend can meet it by an accidental,
        # position-sensitive null)
        top = b if canc[k, nt - 1] >= target_db[k] else nt
        ok = np.nonzero(canc[k, :top] >= target_db[k])[0]
        if len(ok) == 0:
            i, x = int(np.argmax(canc[k])), None
        else:
            i = ok[-1]
            x = lb[i]
            if i + 1 < b:  # interpolate the crossing between i and i+1
                c0, c1 = canc[k, i], canc[k, i + 1]
                if c0 > c1:
                    x = lb[i] + (lb[i + 1] - lb[i]) * (c0 - target_db[k]) / (c0 - c1)
        if effort[k, i] > limit_db or (i + 1 < b and x is not None and x > lb[i]
                                       and effort[k, i + 1] > limit_db):
            under = np.nonzero(effort[k, i:] <= limit_db)[0]
            if len(under) == 0:
                x = lb[-1]
            else:
                j = i + under[0]
                x = lb[j]
                if j > i and effort[k, j - 1] > effort[k, j]:
                    e0, e1 = effort[k, j - 1], effort[k, j]
                    x = lb[j - 1] + (lb[j] - lb[j - 1]) * (e0 - limit_db) / (e0 - e1)
            limited[k] = True
        out[k] = lb[i] if x is None else x
    return out, limited


def _at_resolution(mask: np.ndarray, width: int) -> np.ndarray:
    """mask with every gap of at most `width` bins between two Trues filled, then
    every run widened by `width` bins on each side."""
    out = mask.copy()
    idx = np.nonzero(mask)[0]
    for a, b in zip(idx[:-1], idx[1:], strict=True):
        if 1 < b - a <= width:
            out[a:b] = True
    return np.convolve(out.astype(float), np.ones(2 * width + 1), mode="same") > 0.5


def _fit_ratio(r_target, freqs, fs, nr, delay, ref, rows, support=None):
    """Weighted LS fit of FIR ratio filters to r_target (F,D) (reference component 1).

    rows (F,K,D): error rows; the cost is sum_f |rows(f) (r(f) - r_target(f) e^{-jwm})|^2.
    The reference driver's filter is fixed to a delay of `delay` samples, so only
    the other drivers' taps are unknowns. support (D,): taps each driver's filter may
    use (default nr), the middle ones: n in [delay - s // 2, delay - s // 2 + s);
    the rest are zero.
    """
    f, d = r_target.shape
    w = 2 * np.pi * freqs / fs
    tgt = r_target * np.exp(-1j * w * delay)[:, None]
    free = [i for i in range(d) if i != ref]
    rf = rows[:, :, free]  # (F, K, Df)
    b = np.einsum("fkd,fd->fk", rf, tgt[:, free])  # the reference part is exact
    # Normal equations without forming the (F K) x (Df Nr) matrix: the rows are
    # row(f) (x) e^{-jwn}, so the Gram matrix is block-Toeplitz in n - n':
    #   M[(i,n),(j,n')] = Re sum_f Q_f[i,j] e^{jw(n-n')},  Q_f = rf^H rf
    #   v[(i,n)]        = Re sum_f (rf^H b)_f[i] e^{jwn}
    q = np.einsum("fki,fkj->fij", rf.conj(), rf)
    lags = np.arange(-(nr - 1), nr)
    qlag = np.einsum("fij,fl->ijl", q, np.exp(1j * np.outer(w, lags))).real
    n = np.arange(nr)
    toe = n[:, None] - n[None, :] + nr - 1
    nf = len(free)
    m = qlag[:, :, toe].transpose(0, 2, 1, 3).reshape(nf * nr, nf * nr)
    u = np.einsum("fki,fk->fi", rf.conj(), b)
    v = np.einsum("fi,fn->in", u, np.exp(1j * np.outer(w, n))).real.reshape(-1)
    keep = np.ones(nf * nr, bool)
    for j, di in enumerate(free):
        s = nr if support is None else support[di]
        if s < nr:
            keep[j * nr:(j + 1) * nr] = (n >= delay - s // 2) & (n < delay - s // 2 + s)
    m, v = m[np.ix_(keep, keep)], v[keep]
    x = np.zeros(nf * nr)
    x[keep] = np.linalg.solve(m + 1e-12 * np.trace(m) / len(m) * np.eye(len(m)), v)
    taps = np.zeros((d, nr))
    taps[ref, delay] = 1.0
    for j, di in enumerate(free):
        taps[di] = x[j * nr:(j + 1) * nr]
    return taps


def _freqz(taps: np.ndarray, freqs: np.ndarray, fs: float) -> np.ndarray:
    """Frequency response of FIRs (..., N) at freqs: (F, ...)."""
    n = np.arange(taps.shape[-1])
    e = np.exp(-2j * np.pi * np.outer(freqs, n) / fs)  # (F,N)
    return np.tensordot(e, taps, axes=([1], [taps.ndim - 1]))


def _fit_common(c_target, nc, delay, nfft):
    """Windowed-IFFT FIR (Nc taps) of a response given on the rfft grid, delayed by `delay`."""
    w = 2 * np.pi * np.arange(nfft // 2 + 1) / nfft
    h = np.fft.irfft(c_target * np.exp(-1j * w * delay), nfft)
    taps = h[:nc].copy()
    # Tukey-like taper on both ends, flat around the modeling delay
    n = np.arange(nc)
    win = np.ones(nc)
    lo = max(delay // 2, 1)
    hi = max((nc - delay) // 2, 1)
    win[:lo] = 0.5 - 0.5 * np.cos(np.pi * n[:lo] / lo)
    tail = n[nc - hi:] - (nc - hi)
    win[nc - hi:] = 0.5 + 0.5 * np.cos(np.pi * (tail + 1) / hi)
    return taps * win


def _reference_driver(r: np.ndarray, hi: np.ndarray) -> int:
    """The driver whose ratio filter is a pure delay: REF_RULE "ipsi" takes the one
    loudest at the ipsi ear (below 1 kHz, where the ratio filters must turn from
    null to plain playback), "share" the one with the largest share of |r|."""
    if REF_RULE == "share":
        share = np.mean(np.abs(r) / np.linalg.norm(r, axis=-1, keepdims=True), axis=0)
        return int(np.argmax(share))
    return int(np.argmax(np.mean(np.abs(hi[: len(hi) // 24]), axis=0)))


def _design_channel(h, wpos, centre, target, limit, ipsi_loss_db, margin_db, scale, fs, nr, nc,
                    ratio_delay, common_delay, nfft, freqs, ch, support):
    """One CTC channel (ipsi ear = ch). Returns common taps, ratio taps, ref, beta,
    limited, unreachable."""
    ipsi, contra = ch, 1 - ch
    hc = h[:, :, contra, :]
    # the design point's ipsi row; over several heads their mean (the order of the
    # heads does not matter; studio5 on the sphere and KEMAR, aligned: 22.2 / 20.3 dB
    # at the design point; with the first head's row 20.3 / 20.9, with KEMAR's
    # first 25.2 / 19.3, measured before the heads were aligned and the contrast
    # took their mean ipsi power)
    his = None if centre.sum() == 1 else h[:, centre > 0, ipsi, :]
    hi = h[:, 0, ipsi, :] if his is None else np.mean(his, axis=1)
    t = np.mean(np.abs(hi), axis=-1)
    dn = hi.shape[-1]
    # 1. ideal per-frequency solution: the family member meeting the target with
    #    the least effort. beta is chosen on the design point's contrast; the side
    #    positions shape the family (depth at the centre traded for width).
    fam = _family(hc, wpos, hi)
    wcrit = centre / centre.sum()  # the design point (on every head, alike)
    canc, effort, _ = _contrast_effort(fam, hc, wcrit, hi, t, his)
    u, limited = _choose_beta(canc, effort, target + margin_db,
                              limit + ipsi_loss_db - EFFORT_MARGIN_DB)
    # the ratio FIRs resolve fs / nr (the half-width of an nr-tap window's main lobe):
    # a reachable gap narrower than that between unreachable ranges, and that much
    # at their edges, they cannot follow either
    unreachable = _at_resolution(np.max(canc, axis=1) < target, int(round(nfft / nr)))
    r, beta, _ = _member(hc, wpos, hi, u, scale)
    ref = _reference_driver(r, hi)
    rn = r / r[:, ref:ref + 1]
    # 2. FIR ratio filters: weighted LS fit of r*, the weights being the leakage a
    #    fit error causes at each design position relative to the leakage r* has
    #    there (at least what the target allows), plus the ipsi row and a ridge.
    #    The realised contrast is compared with the wanted one and the request
    #    corrected (a few passes), except where the effort limit decides.
    want = target + margin_db
    request = want.copy()
    for _ in range(PASSES):
        g = np.sum(rn * hi, -1)
        allowed = np.abs(g) * 10 ** (-(np.maximum(target, 6.0) + margin_db) / 20)
        rows = []
        for p in range(len(wpos)):
            scale_p = np.maximum(np.abs(np.sum(rn * hc[:, p, :], -1)), allowed)
            rows.append((CENTRE_FIT_W if centre[p] else 1.0) * hc[:, p, :] / scale_p[:, None])
        rows.append((IPSI_W * np.where(target < LF_TARGET_DB, LF_IPSI_W, 1.0))[:, None] * hi
                    / (np.abs(g)[:, None] + 1e-300))
        rows.extend(RIDGE * np.broadcast_to(np.eye(dn)[k], (len(freqs), dn)) for k in range(dn))
        taps = _fit_ratio(rn, freqs, fs, nr, ratio_delay, ref, np.stack(rows, axis=1), support)
        rr = _freqz(taps, freqs, fs)  # (F, D)
        if scale != 1.0:
            break
        got, _, _ = _contrast_effort(rr, hc, wcrit, hi, t, his)
        miss = np.where(limited, 0.0, got - want)
        miss = np.convolve(miss, np.ones(5) / 5, mode="same")
        if np.max(np.abs(miss[target > 0])) < 0.5:
            break
        request = request - np.clip(miss, -6, 6)
        u, limited = _choose_beta(canc, effort, request,
                                  limit + ipsi_loss_db - EFFORT_MARGIN_DB)
        r, beta, _ = _member(hc, wpos, hi, u, scale)
        rn = r / r[:, ref:ref + 1]
    # 3. common filter: ipsi-ear level T, clipped to the effort limit
    gg = np.sum(rr * hi, -1)
    mx = np.max(np.abs(rr), -1)
    lim_lin = 10 ** ((limit - EFFORT_MARGIN_DB) / 20)
    # the ratio filters' modeling delay stays in the path (gg contains it), so the
    # ipsi ear receives T delayed by common_delay + ratio_delay = latency
    c_target = t * np.exp(-2j * np.pi * freqs * ratio_delay / fs) / (gg + 1e-300)
    eff = np.abs(c_target) * mx / lim_lin
    clip = eff > 1.0
    c_target[clip] /= eff[clip]
    c_taps = _fit_common(c_target, nc, common_delay, nfft)
    return c_taps, taps, ref, beta, limited | clip, unreachable


def design_ctc(profile, virtualizer=None, *, regularization_scale: float = 1.0,
               design_spread: float | None = None, margin_db: float = MARGIN_DB,
               ipsi_loss_db: float = IPSI_LOSS_DB, nfft: int = NFFT,
               model=None, head=None) -> CtcDesign:
    """Design the CTC for a profile (see the module docstring).

    regularization_scale multiplies the chosen beta(f): < 1 deeper at the design
    point, > 1 shallower and (usually) wider. ipsi_loss_db: where the effort
    limit is active, up to this much ipsi-ear level is given up before the
    cancellation is (the cancellation costs little effort, the level a lot).
    head: the head object the plant is evaluated with (dsp_model.heads; default the
    profile's choice, heads.head_for), or a sequence of them: the design is then made
    on all of them together, their plants stacked along the position axis
    (heads.plant_over_heads) as more design positions (each head's positions weigh
    1/K of one head's; the design point's ipsi row, which sets the delivered level,
    is the mean of the heads'). model: optional callable (freqs, heads (P,3))
    -> H (F, P, 2 ears, D) replacing the plant (tests use a free-field one).
    """
    fs = profile.sample_rate
    cfg = profile.ctc
    nc, nr = cfg.common_taps, cfg.ratio_taps
    drivers = ctc_drivers(profile)
    dn = len(drivers)
    if dn < 2:
        raise ValueError(f"CTC needs at least 2 drivers, profile {profile.name} lists {dn}")
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    freqs[0] = freqs[1] / 4  # avoid f = 0 in the acoustic model
    if design_spread is None:
        design_spread = DESIGN_SPREAD[min(dn, 3)]
    heads, wpos = _design_heads(profile, design_spread)
    if model is None:
        head = head_for(profile) if head is None else head
        h = plant_over_heads(freqs, profile, head, heads=heads, drivers=drivers)  # (F,KP,2,D)
    else:
        h = model(freqs, heads)
    k = h.shape[1] // len(heads)  # heads designed on together
    wpos = np.tile(wpos, k) / k
    centre = np.tile(np.eye(len(heads))[0], k)
    # remove the bulk propagation delay (the filters see relative delays only)
    dist = np.linalg.norm(np.array([d.position for d in drivers]) - heads[0], axis=1).min()
    h = h * np.exp(2j * np.pi * freqs * dist / SPEED_OF_SOUND)[:, None, None, None]
    if k > 1:
        h = _align_heads(h, freqs, len(heads), drivers_band(drivers))
    target = target_curve_db(profile, freqs)
    ratio_delay = nr // 2
    support = tuple(cfg.driver_ratio_taps.get(i, nr) for i in cfg.drivers)
    common_delay = int(round(nc * COMMON_DELAY_FRACTION))
    commons = np.zeros((2, nc))
    ratios = np.zeros((2, dn, nr))
    betas = np.zeros((2, len(freqs)))
    limited = np.zeros((2, len(freqs)), bool)
    unreachable = np.zeros((2, len(freqs)), bool)
    refs = []
    for ch in range(2):
        commons[ch], ratios[ch], ref, betas[ch], limited[ch], unreachable[ch] = _design_channel(
            h, wpos, centre, target, cfg.effort_limit_db, ipsi_loss_db, margin_db,
            regularization_scale, fs, nr, nc, ratio_delay, common_delay, nfft, freqs, ch, support)
        refs.append(ref)
    design = CtcDesign(
        profile=profile.name, sample_rate=fs, drivers=tuple(cfg.drivers),
        common=commons, ratio=ratios, latency=common_delay + ratio_delay,
        common_delay=common_delay, ratio_delay=ratio_delay, reference=tuple(refs),
        effort_limit_db=cfg.effort_limit_db, regularization_scale=regularization_scale,
        design_freqs=freqs, beta=betas, effort_limited=limited,
        virtualizer=virtualizer,
        design_offsets=tuple(float(x) for x in heads[:, 0]),
        target_unreachable=unreachable,
    )
    _enforce_effort(design)
    return design


def _tikhonov_family_single(hc, w, hi, beta):
    rc = np.einsum("p,fpa,fpb->fab", w, hc.conj(), hc)
    d = hc.shape[-1]
    s = np.real(np.trace(rc, axis1=1, axis2=2)) / d + 1e-300
    m = rc + (beta * s)[:, None, None] * np.eye(d)
    return np.linalg.solve(m, hi.conj()[..., None])[..., 0]


def effort_db(design: CtcDesign, nfft: int = 16384) -> tuple[np.ndarray, np.ndarray]:
    """Driver filter gain max over drivers (dB) per frequency, per channel: (freqs, (2,F))."""
    g = design.driver_filters()
    spec = np.abs(np.fft.rfft(g, nfft, axis=-1))  # (2,D,F)
    freqs = np.fft.rfftfreq(nfft, 1.0 / design.sample_rate)
    return freqs, 20 * np.log10(spec.max(axis=1) + 1e-300)


def _enforce_effort(design: CtcDesign) -> None:
    """Scale a channel's common filter down if the realised effort exceeds the limit."""
    _, e = effort_db(design)
    for ch in range(2):
        excess = e[ch].max() - design.effort_limit_db
        if excess > 0:
            design.common[ch] *= 10 ** (-(excess + 1e-3) / 20)
