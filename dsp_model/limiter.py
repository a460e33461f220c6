"""Look-ahead peak limiter, linked across drivers: design and float reference.

The last block of the chain (after every driver's gain and delay, before the
output word). One gain for all drivers, so the balance between them (the CTC
and the beam) holds while it limits. Per sample n, D drivers x_d:

    p[n] = max_d |x_d[n]|                                  linked peak
    t[n] = 1 if p[n] <= T else T / p[n]                     gain that keeps p at T
    h[n] = min(t[n - L], ..., t[n])                          minimum hold, L + 1 samples
    r[n] = h[n] if h[n] <= r[n-1]                            instant down (to the hold),
           else r[n-1] + rel * (h[n] - r[n-1])               one-pole release up
    s[n] = (r[n - A + 1] + ... + r[n]) / A                   attack: linear ramp, A samples
    y_d[n] = s[n] * x_d[n - L]                               the drivers delayed by L

No overshoot: every r[k] with k in [n - L, n] is <= h[k] <= t[n - L] (the hold
window of k contains n - L), and A <= L + 1 puts the attack window inside
that range, so s[n] <= t[n - L] and |y_d[n]| <= T for every driver. The gain
is fully down when the delayed peak arrives; the ramp starts A samples before
it. Latency: L samples (the chain reports it: float_chain.FloatChain.latency).

`LimiterStage` (chain_design) carries T, L, A and rel; `limiter_stage(settings,
fs)` makes it from the profile's [limiter]. The fixed-point twin
(dsp_model/fixed/limiter.py, `limiter_q31`) runs the same steps with T in the
limiter's Q31 scale, the gains in Q30 and exact floor division.

`program_attenuation` picks the chain's static attenuation on program
material (`signals.program_noise`, the upmix music family's long-term spectrum
at -1 dBFS peak): the smallest attenuation at which the limiter takes at most
`program_gr_db` for `program_percent` % of the samples.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from dsp_model.chain_design import LimiterStage

__all__ = ["FloatLimiter", "limiter_stage", "gain_reduction_stats", "program_attenuation"]


def limiter_stage(settings, fs: float) -> LimiterStage:
    """The profile's [limiter] (`LimiterSettings`) at fs: look-ahead in samples,
    attack the power of two nearest attack_ms (at most look-ahead + 1), release
    as a one-pole coefficient 1 - exp(-1 / (release_ms * fs))."""
    la = int(round(settings.lookahead_ms * fs / 1000.0))
    a = max(1, int(round(settings.attack_ms * fs / 1000.0)))
    att = 1 << int(round(math.log2(a)))
    while att > la + 1:
        att //= 2
    rel = 1.0 - math.exp(-1000.0 / (settings.release_ms * fs))
    return LimiterStage(threshold=float(10.0 ** (settings.threshold_db / 20.0)), lookahead=la,
                        attack=att, release=rel)


@nb.njit(cache=True)
def _limit_f64(x, y, g, m, thr, la, att, rel, dl, box, dq_val, dq_stamp, ist, fst):
    """The module docstring's recursion on m frames of x (D, >= m) -> y, gains g.
    ist int64: [delay pos, box pos, deque head, deque size, sample count];
    fst float64: [r]. y may be x."""
    nd = x.shape[0]
    cap = la + 1
    pos, bp, head, size, cnt = ist[0], ist[1], ist[2], ist[3], ist[4]
    r = fst[0]
    for n in range(m):
        p = 0.0
        for d in range(nd):
            v = abs(x[d, n])
            if v > p:
                p = v
        t = 1.0 if p <= thr else thr / p
        if size > 0 and cnt - dq_stamp[head] > la:  # expire (one at most per sample)
            head = (head + 1) % cap
            size -= 1
        while size > 0 and dq_val[(head + size - 1) % cap] >= t:
            size -= 1
        b = (head + size) % cap
        dq_val[b] = t
        dq_stamp[b] = cnt
        size += 1
        h = dq_val[head]
        if h <= r:
            r = h
        else:
            r = r + rel * (h - r)
        box[bp] = r
        bp = (bp + 1) % att
        acc = 0.0
        for k in range(att):
            acc += box[k]
        s = acc / att
        g[n] = s
        for d in range(nd):
            v = x[d, n]
            if la > 0:
                old = dl[d, pos]
                dl[d, pos] = v
                v = old
            y[d, n] = s * v
        if la > 0:
            pos = (pos + 1) % la
        cnt += 1
    ist[0], ist[1], ist[2], ist[3], ist[4] = pos, bp, head, size, cnt
    fst[0] = r


class FloatLimiter:
    """Streaming float limiter for `n_drivers` drivers (module docstring)."""

    def __init__(self, stage: LimiterStage, n_drivers: int):
        if stage.attack < 1 or stage.attack & (stage.attack - 1) or \
                stage.attack > stage.lookahead + 1:
            raise ValueError(f"limiter attack {stage.attack} is not a power of two <= "
                             f"lookahead + 1 ({stage.lookahead + 1})")
        self.stage = stage
        self.n_drivers = int(n_drivers)
        self.reset()

    @property
    def latency(self) -> int:
        return int(self.stage.lookahead)

    def reset(self) -> None:
        st = self.stage
        self._dl = np.zeros((self.n_drivers, max(st.lookahead, 1)))
        self._box = np.ones(st.attack)
        self._dq_val = np.zeros(st.lookahead + 1)
        self._dq_stamp = np.zeros(st.lookahead + 1, np.int64)
        self._ist = np.zeros(5, np.int64)
        self._fst = np.ones(1)

    def process(self, x: np.ndarray, gains: bool = False):
        """(n, D) -> (n, D) limited (and the (n,) gain with `gains`)."""
        xt = np.ascontiguousarray(np.asarray(x, dtype=np.float64).T)
        n = xt.shape[1]
        g = np.empty(n)
        st = self.stage
        _limit_f64(xt, xt, g, n, float(st.threshold), int(st.lookahead), int(st.attack),
                   float(st.release), self._dl, self._box, self._dq_val, self._dq_stamp,
                   self._ist, self._fst)
        return (xt.T.copy(), g) if gains else xt.T.copy()


def gain_reduction_stats(g: np.ndarray, percent: float, limit_db: float) -> dict:
    """Gain reduction (dB, >= 0) of a gain trace: at the `percent` percentile, the
    share of samples above `limit_db`, and the largest."""
    gr = -20.0 * np.log10(np.maximum(np.asarray(g, dtype=np.float64), 1e-12))
    return {"percentile": float(percent),
            "gr_db_at_percentile": float(np.percentile(gr, percent)),
            "share_above_limit": float(np.mean(gr > limit_db + 1e-9)),
            "limit_db": float(limit_db),
            "max_gr_db": float(np.max(gr)) if len(gr) else 0.0}


def program_attenuation(y: np.ndarray, stage: LimiterStage, *, percent: float,
                        limit_db: float, max_db: float) -> tuple[float, dict]:
    """Smallest static attenuation (dB, 0..max_db, to 0.01 dB) at which the
    limiter, fed the driver signals `y` (n, D; the chain without attenuation on
    the program) times the attenuation, reduces the gain by at most `limit_db`
    at the `percent` percentile of the samples. Returns it and the gain
    reduction figures at it (`gain_reduction_stats`)."""
    n_drv = y.shape[1]

    def stats(att_db: float) -> dict:
        _, g = FloatLimiter(stage, n_drv).process(y * 10.0 ** (-att_db / 20.0), gains=True)
        return gain_reduction_stats(g[stage.lookahead:], percent, limit_db)

    lo, hi = 0.0, max(float(max_db), 0.0)
    if stats(lo)["gr_db_at_percentile"] <= limit_db:
        return lo, stats(lo)
    while hi - lo > 0.01:
        mid = 0.5 * (lo + hi)
        if stats(mid)["gr_db_at_percentile"] <= limit_db:
            hi = mid
        else:
            lo = mid
    return hi, stats(hi)
