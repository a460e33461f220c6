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

from .ops_nb import div_q30_floor, shr_floor, shr_floor_wrap32

_jit = nb.njit(cache=True)

ONE_Q30 = 1 << 30
M32 = 0xFFFFFFFF
# st (int64) fields
ST_POS, ST_BOX_POS, ST_HEAD, ST_SIZE, ST_COUNT, ST_R, ST_BOX_SUM = range(7)


class LimiterQ31(NamedTuple):
    """enabled 0/1 (0: the chain has no limiter; the kernel is not called);
    lookahead L >= 0; attack_log2 a (A = 2^a <= L + 1); threshold thr in
    [1, (2^31 - 1) >> out_shift]; release Q31 one-pole coefficient in
    [0, 2^31); out_shift E in 0..29; max_block: samples per pass (longer
    blocks are cut). State (zeroed / unity by the _init): dl int32
    (D, max(L, 1)) delay lines; box int32 (A,) the last A release outputs,
    each floor(r / A); dq_val int32, dq_stamp uint32 (L + 1,) the
    minimum-hold deque (values ascending from its head, sample counts mod
    2^32); st int64 (7,) [delay pos, box pos, deque head, deque size, sample
    count, r, box sum]; work uint32 (max_block,) scratch (peaks, then gains)."""

    enabled: int
    lookahead: int
    attack_log2: int
    threshold: int
    release: int
    out_shift: int
    max_block: int
    dl: np.ndarray
    box: np.ndarray
    dq_val: np.ndarray
    dq_stamp: np.ndarray
    st: np.ndarray
    work: np.ndarray


def limiter_q31_init(n_ch: int, lookahead: int, attack_log2: int, threshold: int,
                     release: int, out_shift: int, max_block: int = 64,
                     enabled: bool = True) -> LimiterQ31:
    """Range checks as the C _init; state reset (delay lines zero, gain unity)."""
    if not 1 <= n_ch <= 16 or not 0 <= lookahead <= 4096:
        raise ValueError(f"limiter: {n_ch} channels, lookahead {lookahead} (1..16, 0..4096)")
    if not 0 <= attack_log2 <= 12 or (1 << attack_log2) > lookahead + 1:
        raise ValueError(f"limiter: attack 2^{attack_log2} exceeds lookahead + 1 "
                         f"({lookahead + 1})")
    if not 0 <= out_shift <= 29 or not 1 <= threshold <= (2**31 - 1) >> out_shift:
        raise ValueError(f"limiter: threshold {threshold} outside 1..(2^31 - 1) >> "
                         f"{out_shift}")
    if not 0 <= release < 2**31:
        raise ValueError(f"limiter: release {release} outside 0..2^31 - 1")
    if max_block < 1:
        raise ValueError(f"limiter: max_block {max_block} < 1")
    a = 1 << attack_log2
    st = np.zeros(7, np.int64)
    st[ST_R] = ONE_Q30
    st[ST_BOX_SUM] = ONE_Q30  # A entries of floor(2^30 / A) = 2^(30 - a)
    return LimiterQ31(int(bool(enabled)), int(lookahead), int(attack_log2), int(threshold),
                      int(release), int(out_shift), int(max_block),
                      np.zeros((n_ch, max(lookahead, 1)), np.int32),
                      np.full(a, ONE_Q30 >> attack_log2, np.int32),
                      np.zeros(lookahead + 1, np.int32), np.zeros(lookahead + 1, np.uint32), st,
                      np.zeros(max_block, np.uint32))


def limiter_q31_disabled(n_ch: int) -> LimiterQ31:
    """A placeholder of the same type for a chain without a limiter."""
    return limiter_q31_init(n_ch, 0, 0, 1, 0, 0, 1, enabled=False)


@_jit
def limiter_q31(inst, src, dst, block_size):
    """Linked look-ahead limiter over the D rows of src (D, >= block_size) ->
    dst (the same shape; may be src). Per sample n:

        p = max_d |x_d[n]|                         exact (<= 2^31, uint32)
        t = 2^30 if p <= thr else div_q30_floor(thr, p)        Q30, t p <= thr 2^30
        h = min(t[n - L .. n])                     monotonic deque of (t, n mod 2^32):
              drop the head if n - stamp > L (mod 2^32), drop from the back
              every value >= t, push (t, n); h = the head's value
        r = h if h <= r else r + shr_floor((h - r) * release, 31)     Q30
        s = floor(r[n - A + 1] / A) + ... + floor(r[n] / A)         A = 2^a,
              a running 32-bit sum of the box entries floor(r / A) = r >> a
        y_d = shr_floor_wrap32(x_d[n - L] * s, 30 - E)   (exact: y_d fits int32)

    Three passes per chunk of at most max_block samples, as the C twin: the
    peaks of the chunk into work, the gain recursion (work: peaks -> gains),
    then per driver the delay line (in runs up to its wrap) and the gain.

    Scaling and overflow: p <= 2^31 and thr < p give t in [0, 2^30); the
    release step adds floor((h - r) rel / 2^31) < h - r, so r <= h; the box
    sum is at most 2^30 (int32) and s <= the true average of the r's <=
    t[n - L] (every r in the window was held to it: the window ends at n and
    starts no earlier than n - L as A <= L + 1). x * s < 2^62 (exact in
    int64) and |x s| <= thr 2^30, so floor(x s / 2^(30 - E)) lies in
    [-thr 2^E, thr 2^E] for both signs and thr 2^E <= 2^31 - 1: the narrowing
    to 32 bits never wraps (E <= 29 keeps the shift in 1..30), no saturation
    is needed, |y| <= T full scale. At idle (s = 2^30) y = x 2^E
    exactly. The first L outputs are the zeroed delay lines'."""
    nd = src.shape[0]
    if block_size > src.shape[1] or block_size > dst.shape[1] or block_size < 0 or \
            dst.shape[0] < nd:
        raise ValueError("block_size exceeds the src or dst length")
    la = inst.lookahead
    cap = la + 1
    al = inst.attack_log2
    amask = (1 << al) - 1
    thr = np.int64(inst.threshold)
    rel = np.int64(inst.release)
    ysh = 30 - inst.out_shift
    dl, box, dq_val, dq_stamp, st, work = (inst.dl, inst.box, inst.dq_val, inst.dq_stamp,
                                           inst.st, inst.work)
    i0 = 0
    while i0 < block_size:
        m = min(inst.max_block, block_size - i0)
        # pass 1: the linked peak of every frame
        for n in range(m):
            work[n] = 0
        for d in range(nd):
            for n in range(m):
                v = abs(np.int64(src[d, i0 + n]))
                if v > np.int64(work[n]):
                    work[n] = v
        # pass 2: the gain recursion (work: peaks -> gains)
        head, size, cnt = st[ST_HEAD], st[ST_SIZE], st[ST_COUNT]
        r, bp, bsum = st[ST_R], st[ST_BOX_POS], st[ST_BOX_SUM]
        for n in range(m):
            p = np.int64(work[n])
            if p <= thr and size == 1 and la > 0 and dq_val[head] == ONE_Q30:
                # idle (t = 2^30 after t = 2^30): the steps below would keep the
                # one entry, not expired (its stamp is the previous sample's, la
                # >= 1), pop it (2^30 >= t) and push t at the same slot; only its
                # stamp changes. ~2x faster than the general steps' stores and
                # reloads
                dq_stamp[head] = cnt
                h = np.int64(ONE_Q30)
            else:
                t = np.int64(ONE_Q30) if p <= thr else div_q30_floor(thr, p)
                if size > 0 and ((cnt - np.int64(dq_stamp[head])) & M32) > la:  # left the window
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
            q = r >> al  # r >= 0: floor(r / A)
            bsum += q - box[bp]
            box[bp] = q
            bp = (bp + 1) & amask
            work[n] = bsum
            cnt = (cnt + 1) & M32
        st[ST_HEAD], st[ST_SIZE], st[ST_COUNT] = head, size, cnt
        st[ST_R], st[ST_BOX_POS], st[ST_BOX_SUM] = r, bp, bsum
        # pass 3: per driver, the delay line (in runs up to its wrap) and the gain
        pos = st[ST_POS]
        for d in range(nd):
            if la > 0:
                k = pos
                n = 0
                while n < m:
                    run = min(la - k, m - n)
                    # 1-D views and one counter: the loop LLVM vectorizes
                    # (2-D indexing with a second counter kept it scalar)
                    ring, w = dl[d, k:k + run], work[n:n + run]
                    x, y = src[d, i0 + n:i0 + n + run], dst[d, i0 + n:i0 + n + run]
                    for j in range(run):
                        old = np.int64(ring[j])
                        ring[j] = x[j]  # x read before y is written: dst may be src
                        y[j] = shr_floor_wrap32(old * np.int64(w[j]), ysh)
                    n += run
                    k = k + run if k + run < la else 0
            else:
                for n in range(m):
                    dst[d, i0 + n] = shr_floor_wrap32(np.int64(src[d, i0 + n]) * np.int64(work[n]),
                                                      ysh)
        if la > 0:
            st[ST_POS] = (pos + m) % la
        i0 += m
