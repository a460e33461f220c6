"""The look-ahead peak limiter, fixed point: ``limiter_q31`` (C twin in
firmware_export/runtime/ss_kernels.c, the same steps in the same ops).

The float reference and the argument for "no overshoot" are in
dsp_model/limiter.py; this is the same recursion with every step pinned to
integers, so that the output bound holds exactly, not to a rounding:

    x_d    Q31 at the limiter's exponent E (x_d = true * 2^-E: E guard bits
           so the gain stage before it cannot saturate; E = out_shift)
    thr    the threshold at that scale, floor(T * 2^(31 - E))
    gains  Q30 (unity = 2^30 exactly, so an idle limiter changes nothing)
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from .ops_nb import div_q30_floor, shl32_sat, shr_floor

_jit = nb.njit(cache=True)

ONE_Q30 = 1 << 30
M32 = 0xFFFFFFFF
# st (int64) fields
ST_POS, ST_BOX_POS, ST_HEAD, ST_SIZE, ST_COUNT, ST_R, ST_BOX_SUM = range(7)


class LimiterQ31(NamedTuple):
    """enabled 0/1 (0: the chain has no limiter; the kernel is not called);
    lookahead L >= 0; attack_log2 a (A = 2^a <= L + 1); threshold thr in
    [1, (2^31 - 1) >> out_shift]; release Q31 one-pole coefficient in
    [0, 2^31); out_shift E in 0..30. State (zeroed / unity by the _init):
    dl int32 (D, max(L, 1)) delay lines; box int32 (A,) the last A release
    outputs; dq_val int32, dq_stamp int64 (L + 1,) the minimum-hold deque
    (values ascending from its head, sample counts mod 2^32); st int64 (7,)
    [delay pos, box pos, deque head, deque size, sample count, r, box sum]."""

    enabled: int
    lookahead: int
    attack_log2: int
    threshold: int
    release: int
    out_shift: int
    dl: np.ndarray
    box: np.ndarray
    dq_val: np.ndarray
    dq_stamp: np.ndarray
    st: np.ndarray


def limiter_q31_init(n_ch: int, lookahead: int, attack_log2: int, threshold: int,
                     release: int, out_shift: int, enabled: bool = True) -> LimiterQ31:
    """Range checks as the C _init; state reset (delay lines zero, gain unity)."""
    if not 1 <= n_ch <= 16 or not 0 <= lookahead <= 4096:
        raise ValueError(f"limiter: {n_ch} channels, lookahead {lookahead} (1..16, 0..4096)")
    if not 0 <= attack_log2 <= 12 or (1 << attack_log2) > lookahead + 1:
        raise ValueError(f"limiter: attack 2^{attack_log2} exceeds lookahead + 1 "
                         f"({lookahead + 1})")
    if not 0 <= out_shift <= 30 or not 1 <= threshold <= (2**31 - 1) >> out_shift:
        raise ValueError(f"limiter: threshold {threshold} outside 1..(2^31 - 1) >> "
                         f"{out_shift}")
    if not 0 <= release < 2**31:
        raise ValueError(f"limiter: release {release} outside 0..2^31 - 1")
    a = 1 << attack_log2
    st = np.zeros(7, np.int64)
    st[ST_R] = ONE_Q30
    st[ST_BOX_SUM] = a * ONE_Q30
    return LimiterQ31(int(bool(enabled)), int(lookahead), int(attack_log2), int(threshold),
                      int(release), int(out_shift), np.zeros((n_ch, max(lookahead, 1)), np.int32),
                      np.full(a, ONE_Q30, np.int32), np.zeros(lookahead + 1, np.int32),
                      np.zeros(lookahead + 1, np.int64), st)


def limiter_q31_disabled(n_ch: int) -> LimiterQ31:
    """A placeholder of the same type for a chain without a limiter."""
    return limiter_q31_init(n_ch, 0, 0, 1, 0, 0, enabled=False)


@_jit
def limiter_q31(inst, src, dst, block_size):
    """Linked look-ahead limiter over the D rows of src (D, >= block_size) ->
    dst (the same shape; may be src). Per sample n:

        p = max_d |x_d[n]|                         int64, exact (<= 2^31)
        t = 2^30 if p <= thr else div_q30_floor(thr, p)        Q30, t p <= thr 2^30
        h = min(t[n - L .. n])                     monotonic deque of (t, n mod 2^32):
              drop the head if n - stamp > L (mod 2^32), drop from the back
              every value >= t, push (t, n); h = the head's value
        r = h if h <= r else r + shr_floor((h - r) * release, 31)     Q30
        S = S + r - r[n - A];  s = shr_floor(S, a)                    A = 2^a
        y_d = shl32_sat(shr_floor(x_d[n - L] * s, 30), E)

    Scaling and overflow: p <= 2^31 and thr < p give t in [0, 2^30); the
    release step adds floor((h - r) rel / 2^31) < h - r, so r <= h; the box
    sum S of A <= 4097 values <= 2^30 stays below 2^43 (int64), and its floor
    average s <= the true average <= t[n - L] (every r in the window was
    held to it). x * s < 2^62 (exact in int64), and floor(x s / 2^30) is in
    [-thr, thr] for both signs; thr <= (2^31 - 1) >> E, so the final left
    shift never saturates: |y| <= thr 2^E <= T full scale. At idle (s = 2^30)
    y = x 2^E exactly. The first L outputs are the zeroed delay lines'."""
    nd = src.shape[0]
    if block_size > src.shape[1] or block_size > dst.shape[1] or block_size < 0 or \
            dst.shape[0] < nd:
        raise ValueError("block_size exceeds the src or dst length")
    la = inst.lookahead
    cap = la + 1
    amask = (1 << inst.attack_log2) - 1
    thr = np.int64(inst.threshold)
    rel = np.int64(inst.release)
    sh = inst.out_shift
    dl, box, dq_val, dq_stamp, st = inst.dl, inst.box, inst.dq_val, inst.dq_stamp, inst.st
    pos, bp, head, size = st[ST_POS], st[ST_BOX_POS], st[ST_HEAD], st[ST_SIZE]
    cnt, r, bsum = st[ST_COUNT], st[ST_R], st[ST_BOX_SUM]
    for n in range(block_size):
        p = np.int64(0)
        for d in range(nd):
            v = abs(np.int64(src[d, n]))
            if v > p:
                p = v
        t = np.int64(ONE_Q30) if p <= thr else div_q30_floor(thr, p)
        if size > 0 and ((cnt - dq_stamp[head]) & M32) > la:  # left the window
            head = head + 1 if head + 1 < cap else 0
            size -= 1
        while size > 0:
            b = head + size - 1
            if b >= cap:
                b -= cap
            if dq_val[b] < t:
                break
            size -= 1
        b = head + size
        if b >= cap:
            b -= cap
        dq_val[b] = t
        dq_stamp[b] = cnt
        size += 1
        h = np.int64(dq_val[head])
        if h <= r:
            r = h
        else:
            r = r + shr_floor((h - r) * rel, 31)
        bsum += r - box[bp]
        box[bp] = r
        bp = (bp + 1) & amask
        s = shr_floor(bsum, inst.attack_log2)
        for d in range(nd):
            x = np.int64(src[d, n])
            if la > 0:
                old = np.int64(dl[d, pos])
                dl[d, pos] = x
                x = old
            dst[d, n] = shl32_sat(shr_floor(x * s, 30), sh)
        if la > 0:
            pos = pos + 1 if pos + 1 < la else 0
        cnt = (cnt + 1) & M32
    st[ST_POS], st[ST_BOX_POS], st[ST_HEAD], st[ST_SIZE] = pos, bp, head, size
    st[ST_COUNT], st[ST_R], st[ST_BOX_SUM] = cnt, r, bsum
