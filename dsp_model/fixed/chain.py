"""The bit-accurate fixed-point chain: runs a `QuantizedChain` on int32 samples.

Written only with the kernels of ``dsp_model.fixed.kernels`` (themselves only
``ops`` primitives) plus one block defined here, ``upmix_passive_q31``, in the
same style. The C runtime runs the same kernels in the same order, so a line
here maps to a line there:

    in (n, 2) int32 Q31 -> upmix_passive_q31 (mode 0) or upmix_q31 (mode 1,
              dsp_model/fixed/upmix.py) -> u[0..2] (L', R', C)
    virtualizer (if the chain has one), per side s in (L', R'):
              ipsi cascades on a copy of u[s]; delay_q31(contra_delay) then the
              contra cascades; u[3] = e_L = mix_sat(ipsi(L'), contra(R')),
              u[4] = e_R = mix_sat(contra(L'), ipsi(R'))
    path p:   delay_q31(u[source_p]) -> fir_q31(common_p)     (skipped if empty)
    feed p,d: fir_q31(ratio_{p,d})                            (skipped if empty)
    driver d: mix_sat_q31(its feeds, path order)
              biquad sections in order; consecutive sections with the same
              kernel and post_shift run as one cascade instance (bit-identical
              to one instance per section: a cascade stage reads the previous
              stage's stored Q31 output either way)
              gain_q31 -> delay_q31
    limiter (if the chain has one): limiter_q31 over all drivers' rows at
              once (dsp_model/fixed/limiter.py; the gain stage then writes
              at the limiter's exponent), then per driver
              dac_quant_q31 (output_word, dither)
    out (n, D) int32: the DAC code of each driver, right-justified
              (24-bit words: [-2^23, 2^23 - 1]).

Zero taps cost nothing: a table whose natural-order taps start (or end) with
zeros runs as a delay line plus the trimmed FIR (the CTC's pure-delay
reference ratio becomes one tap), and identical trimmed tables of one path
are computed once and copied. Both are bit-identical to running the full
tables (a zero tap adds nothing to the exact 64-bit sum; the tests hold the
chain to a cmsisdsp pipeline that runs them untrimmed), so the blob keeps the
tables as designed and the C runtime may or may not do the same.

Scaling (exponents, why nothing wraps) is the headroom plan of
``firmware_export/quantize.py``. Driver d's dither LFSR seed is
``dither_seed(d)``.

Streaming: every kernel keeps its state in its instance, so `process` may be
called with any block length and gives bit-identical output to one call on
the whole signal. Blocks longer than ``max_block`` are cut internally.
"""

from __future__ import annotations

from collections.abc import Callable

import numba as nb
import numpy as np

from ._common import _borrow
from .kernels import (
    Biquad32x64Q31,
    BiquadDf1Q31,
    DacQuantQ31,
    Delay,
    FirQ31,
    GainQ31,
    _biquad_32x64_fb2,
    _biquad_32x64_fb4,
    _biquad_32x64_pair,
    _biquad_32x64_stage,
    _biquad_df1_q31_fb2,
    _biquad_df1_q31_fb4,
    _biquad_df1_q31_pair,
    _biquad_df1_q31_stage,
    _biquad_ff_q31,
    _biquad_mixed_fb2,
    biquad_df1_32x64_q31,
    biquad_df1_q31,
    dac_quant_q31,
    dac_quant_q31_init,
    delay_q31,
    fir_q31,
    gain_q31,
    gain_q31_init,
    mix_sat_q31,
)
from .limiter import limiter_q31, limiter_q31_disabled, limiter_q31_init
from .ops import XORSHIFT32_DEFAULT_SEED
from .ops_nb import shr_floor, sub32_sat
from .upmix import upmix_q31, upmix_q31_init

# numba's on-disk cache keys a compiled function on its own source file only,
# and `_run_chunk` has every kernel compiled into it: dsp_model.fixed's
# __init__ (refresh_numba_cache) clears the package's cache whenever any of
# its .py files changes, so edits to kernels.py, _blocks.py, ops_nb.py ...
# recompile the chain without a manual revision bump.

KERNEL_DF1 = 0  # biquad_df1_q31 (same ids as firmware_export.quantize)
KERNEL_32X64 = 1  # biquad_df1_32x64_q31


def dither_seed(driver_index: int) -> int:
    """xorshift32 seed of driver d's output dither: (default seed + d * 0x9E3779B9)
    mod 2^32; a 0 falls back to the default seed (as ``dac_quant_q31_init``)."""
    s = (XORSHIFT32_DEFAULT_SEED + driver_index * 0x9E3779B9) & 0xFFFFFFFF
    return s or XORSHIFT32_DEFAULT_SEED


@nb.njit(cache=True)
def upmix_passive_q31(src, dst, block_size):
    """Passive upmix, Q31: C = (L + R) / 2, L' = L - C, R' = R - C.

    src int32 (>= block_size, 2) [L, R]; dst int32 (3, >= block_size) [L', R', C].

    Scaling and overflow: L + R is formed in 64 bits (|L + R| <= 2^32, exact),
    C = shr_floor(L + R, 1) is in [-2^31, 2^31 - 1] (fits int32, no
    saturation needed). L' = sub32_sat(L, C) = ceil((L - R) / 2) exactly,
    except L = 2^31 - 1, R = -2^31, where it is 2^31 and saturates to
    2^31 - 1 (the only case where L' + C != L). Same for R'."""
    if block_size > src.shape[0] or block_size > dst.shape[1] or block_size < 0:
        raise ValueError("block_size exceeds the src or dst length")
    for n in range(block_size):
        left = np.int64(src[n, 0])
        right = np.int64(src[n, 1])
        c = shr_floor(left + right, 1)  # (L + R) / 2, floor
        dst[0, n] = sub32_sat(left, c)  # L' = L - C
        dst[1, n] = sub32_sat(right, c)  # R' = R - C
        dst[2, n] = c


def _sections_to_cascades(drv) -> list[tuple[int, int, int, int]]:
    """Runs of consecutive sections with one kernel and post_shift:
    (first, stop, kernel, post_shift)."""
    runs = []
    k = 0
    n = len(drv.post_shift)
    while k < n:
        j = k + 1
        while j < n and drv.kernel[j] == drv.kernel[k] and drv.post_shift[j] == drv.post_shift[k]:
            j += 1
        runs.append((k, j, int(drv.kernel[k]), int(drv.post_shift[k])))
        k = j
    return runs


# ------------------------------------------------------------ the context
# A chain's tables and state packed into four flat arrays, the way the C
# runtime's context holds them (and so a compiled call unboxes 4 arrays, not
# 30): ``meta`` int64 (header + index tables), ``mem32`` int32 (buffers, FIR
# and biquad tables, DF1 and FIR state, delay lines), ``mem64`` int64 (delay
# positions, 32x64 biquad state), ``lfsr`` uint32 (one dither state per
# driver). ``_tables(meta)`` returns the index tables as views.
H_MB, H_P, H_D, H_WORD, H_DITHER, H_F, H_C = 0, 1, 2, 3, 4, 5, 6  # sizes, flags
H_U, H_Y, H_DLBUF, H_FCOEF, H_FSTATE, H_FEED, H_Z, H_BQC, H_BQS32 = 7, 8, 9, 10, 11, 12, 13, 14, 15
H_DLPOS, H_BQS64 = 16, 17  # offsets into mem64
H_V, H_VBUF = 18, 19  # virtualizer present (0/1); its 4 work rows in mem32
H_SIZE = 20
# index tables after the header, in this order (lengths from P, D, F, C):
#   path_src[P], dl_len[P+D+F], dl_off[P+D+F], com_ntaps[P], com_coef_off[P],
#   com_state_off[P], feed_path[F], feed_ntaps[F], feed_coef_off[F],
#   feed_state_off[F], drv_feed_off[D+1], drv_casc_off[D+1], casc_kind[C],
#   casc_nst[C], casc_ps[C], casc_coef_off[C], casc_state_off[C],
#   gain_fract[D], gain_shift[D], feed_alias[F], v_casc[5]
# (dl_off, *_coef_off, *_state_off are relative to their region's base).
# Delay lines: P paths, then D drivers, then F feeds (the trimmed leading
# zeros), then (virtualizer) the contra delays of L' and R'. v_casc: cascade
# index bounds of the virtualizer's ipsi(L'), contra(L'), ipsi(R'), contra(R')
# (after the drivers' cascades; the two sides share coefficients, not state).
# u (5 rows): L', R', C, e_L, e_R.


@nb.njit(cache=True)
def _tables(meta):
    P, D, F, C = meta[H_P], meta[H_D], meta[H_F], meta[H_C]
    ND = P + D + F + 2 * meta[H_V]
    o = H_SIZE
    path_src = meta[o:o + P]
    o += P
    dl_len = meta[o:o + ND]
    o += ND
    dl_off = meta[o:o + ND]
    o += ND
    com_ntaps = meta[o:o + P]
    o += P
    com_coef_off = meta[o:o + P]
    o += P
    com_state_off = meta[o:o + P]
    o += P
    feed_path = meta[o:o + F]
    o += F
    feed_ntaps = meta[o:o + F]
    o += F
    feed_coef_off = meta[o:o + F]
    o += F
    feed_state_off = meta[o:o + F]
    o += F
    drv_feed_off = meta[o:o + D + 1]
    o += D + 1
    drv_casc_off = meta[o:o + D + 1]
    o += D + 1
    casc_kind = meta[o:o + C]
    o += C
    casc_nst = meta[o:o + C]
    o += C
    casc_ps = meta[o:o + C]
    o += C
    casc_coef_off = meta[o:o + C]
    o += C
    casc_state_off = meta[o:o + C]
    o += C
    gain_fract = meta[o:o + D]
    o += D
    gain_shift = meta[o:o + D]
    o += D
    feed_alias = meta[o:o + F]
    o += F
    v_casc = meta[o:o + 5]
    return (path_src, dl_len, dl_off, com_ntaps, com_coef_off, com_state_off, feed_path,
            feed_ntaps, feed_coef_off, feed_state_off, drv_feed_off, drv_casc_off, casc_kind,
            casc_nst, casc_ps, casc_coef_off, casc_state_off, gain_fract, gain_shift,
            feed_alias, v_casc)


def _trim(taps: np.ndarray) -> tuple[int, np.ndarray]:
    """A CMSIS-order (time-reversed) FIR table as (k0, shorter table): the
    natural-order taps h[0..k0-1] and any trailing zeros removed. delay(k0)
    then the trimmed FIR is bit-identical to the full FIR: a zero tap adds
    nothing to the exact 64-bit sum (an all-zero table keeps one zero tap)."""
    h = np.asarray(taps, np.int32)[::-1]
    nz = np.nonzero(h)[0]
    if len(nz) == 0:
        return 0, np.zeros(1, np.int32)
    return int(nz[0]), np.ascontiguousarray(h[nz[0]:nz[-1] + 1][::-1])


def _build_context(q, mb: int):
    """(meta, mem32, mem64, lfsr) for a QuantizedChain, state zeroed."""
    P, D = len(q.paths), q.n_drivers
    path_dl = []
    coef, com_n, com_co, com_so = [], [], [], []
    co = so = 0
    for p in q.paths:
        k0, taps = _trim(p.common) if len(p.common) else (0, p.common)
        path_dl.append(p.delay + k0)
        n = len(taps)
        com_n.append(n)
        com_co.append(co)
        com_so.append(so)
        if n:
            coef.append(np.asarray(taps, np.int32))
            co += n
            so += n + mb - 1
    f_path, f_n, f_co, f_so, f_dl, f_alias, drv_feed_off = [], [], [], [], [], [], [0]
    seen: dict[tuple, int] = {}
    for d in range(D):
        for i, p in enumerate(q.paths):
            if not len(p.ratio[d]):
                continue
            k0, taps = _trim(p.ratio[d])
            key = (i, k0, taps.tobytes())
            f_path.append(i)
            f_dl.append(k0)
            f_alias.append(seen.get(key, -1))
            if key in seen:  # same table on the same path: computed once, copied
                f_n.append(0)
                f_co.append(0)
                f_so.append(0)
                continue
            seen[key] = len(f_path) - 1
            n = len(taps)
            f_n.append(n)
            f_co.append(co)
            f_so.append(so)
            coef.append(np.asarray(taps, np.int32))
            co += n
            so += n + mb - 1
        drv_feed_off.append(len(f_path))
    v = getattr(q, "virtualizer", None)
    dl_len = path_dl + [d.delay for d in q.drivers] + f_dl
    if v is not None:
        dl_len += [v.contra_delay, v.contra_delay]
    dl_off = np.concatenate([[0], np.cumsum([max(v, 1) for v in dl_len])]).astype(np.int64)
    kind, nst, ps, c_co, c_so, bq, drv_casc_off = [], [], [], [], [], [], [0]
    bco = s32 = s64 = 0

    def add_cascades(secs, name, shared_coef=None):
        """Cascade entries for `secs`; with `shared_coef` (a previous call's
        coefficient offsets) the tables are shared and only state is new."""
        nonlocal bco, s32, s64
        offs = []
        for i, (a, b, kern, shift) in enumerate(_sections_to_cascades(secs)):
            if kern not in (KERNEL_DF1, KERNEL_32X64):
                raise ValueError(f"{name}: unknown biquad kernel id {kern}")
            if not 0 <= shift <= 30:
                raise ValueError(f"{name}: post_shift {shift} outside 0..30")
            kind.append(kern)
            nst.append(b - a)
            ps.append(shift)
            if shared_coef is None:
                offs.append(bco)
                bq.append(np.asarray(secs.coeffs[a:b], dtype=np.int32).reshape(-1))
                bco += 5 * (b - a)
            else:
                offs.append(shared_coef[i])
            c_co.append(offs[-1])
            c_so.append(s32 if kern == KERNEL_DF1 else s64)
            if kern == KERNEL_DF1:
                s32 += 4 * (b - a)
            else:
                s64 += 4 * (b - a)
        return offs

    for drv in q.drivers:
        add_cascades(drv, f"driver {drv.id}")
        drv_casc_off.append(len(kind))
    v_casc = [len(kind)] * 5
    if v is not None:
        ipsi = add_cascades(v.ipsi, "virtualizer ipsi")
        v_casc[1] = len(kind)
        contra = add_cascades(v.contra, "virtualizer contra")
        v_casc[2] = len(kind)
        add_cascades(v.ipsi, "virtualizer ipsi", ipsi)
        v_casc[3] = len(kind)
        add_cascades(v.contra, "virtualizer contra", contra)
        v_casc[4] = len(kind)
    for drv in q.drivers:  # the range checks of the kernels' _init
        gain_q31_init(drv.gain_fract, drv.gain_shift)
    dac_quant_q31_init(q.output_word, q.dither)
    F, C = len(f_path), len(kind)
    # mem32 regions
    sizes = [5 * mb, max(P, 1) * mb, int(dl_off[-1]), co, so, max(F, 1) * mb, D * mb, bco, s32,
             4 * mb]
    base = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    mem32 = np.zeros(int(base[-1]), np.int32)
    if coef:
        mem32[base[3]:base[3] + co] = np.concatenate(coef)
    if bq:
        mem32[base[7]:base[7] + bco] = np.concatenate(bq)
    nd = len(dl_len)
    mem64 = np.zeros(nd + s64, np.int64)
    header = [mb, P, D, int(q.output_word), int(bool(q.dither)), F, C, *base[:9], 0, nd,
              int(v is not None), base[9]]
    tables = [[p.source for p in q.paths], dl_len, dl_off[:-1], com_n, com_co, com_so,
              f_path, f_n, f_co, f_so, drv_feed_off, drv_casc_off, kind, nst, ps, c_co, c_so,
              [d.gain_fract for d in q.drivers], [d.gain_shift for d in q.drivers], f_alias,
              v_casc]
    meta = np.concatenate([np.array(header, np.int64)]
                          + [np.array(t, np.int64).reshape(-1) for t in tables])
    lfsr = np.array([dither_seed(d) for d in range(D)], np.uint32)
    return meta, mem32, mem64, lfsr


# ------------------------------------------------ instances (views into a context)
@nb.njit(cache=True)
def _rows(mem32, off, rows, mb):
    return mem32[off:off + rows * mb].reshape((rows, mb))


@nb.njit(cache=True)
def _delay_inst(meta, mem32, mem64, dl_len, dl_off, i):
    o = meta[H_DLBUF] + dl_off[i]
    p = meta[H_DLPOS] + i
    return Delay(dl_len[i], mem32[o:o + max(dl_len[i], 1)], mem64[p:p + 1])


@nb.njit(cache=True)
def _fir_inst(meta, mem32, n, co, so):
    mb = meta[H_MB]
    c = meta[H_FCOEF] + co
    s = meta[H_FSTATE] + so
    return FirQ31(n, mb, mem32[c:c + n], mem32[s:s + n + mb - 1])


@nb.njit(cache=True)
def _df1_inst(meta, mem32, nst, ps, cco, cso, c):
    n, co, so = nst[c], meta[H_BQC] + cco[c], meta[H_BQS32] + cso[c]
    return BiquadDf1Q31(n, ps[c], mem32[co:co + 5 * n], mem32[so:so + 4 * n])


@nb.njit(cache=True)
def _hp_inst(meta, mem32, mem64, nst, ps, cco, cso, c):
    n, co, so = nst[c], meta[H_BQC] + cco[c], meta[H_BQS64] + cso[c]
    return Biquad32x64Q31(n, ps[c], mem32[co:co + 5 * n], mem64[so:so + 4 * n])


@nb.njit(cache=True)
def _cascades(meta, mem32, mem64, casc_kind, nst, ps, cco, cso, c0, c1, z, m):
    """Cascade instances c0..c1-1 in order, in place on z."""
    for c in range(c0, c1):
        if casc_kind[c] == KERNEL_DF1:
            biquad_df1_q31(_df1_inst(meta, mem32, nst, ps, cco, cso, c), z, z, m)
        else:
            biquad_df1_32x64_q31(_hp_inst(meta, mem32, mem64, nst, ps, cco, cso, c), z, z, m)


@nb.njit(cache=True)
def _next_stage(nst, c, k):
    return (c, k + 1) if k + 1 < nst[c] else (c + 1, 0)


@nb.njit(cache=True)
def _stage_pair(meta, mem32, mem64, casc_kind, nst, ps, cco, cso, c, k, z, cb, kb, zb, chained,
                m):
    """Stage k of cascade c on z and stage kb of cascade cb (the same kind)
    on zb, or on stage (c, k)'s output if `chained`, in one sample loop."""
    if casc_kind[c] == KERNEL_DF1:
        a = _df1_inst(meta, mem32, nst, ps, cco, cso, c)
        b = _df1_inst(meta, mem32, nst, ps, cco, cso, cb)
        _biquad_df1_q31_pair(a.coeffs, a.state, k, a.post_shift, z, z, b.coeffs, b.state, kb,
                             b.post_shift, zb, zb, chained, m)
    else:
        a = _hp_inst(meta, mem32, mem64, nst, ps, cco, cso, c)
        b = _hp_inst(meta, mem32, mem64, nst, ps, cco, cso, cb)
        _biquad_32x64_pair(a.coeffs, a.state, k, a.post_shift, z, z, b.coeffs, b.state, kb,
                           b.post_shift, zb, zb, chained, m)


@nb.njit(cache=True)
def _stage_single(meta, mem32, mem64, casc_kind, nst, ps, cco, cso, c, k, z, m):
    if casc_kind[c] == KERNEL_DF1:
        a = _df1_inst(meta, mem32, nst, ps, cco, cso, c)
        _biquad_df1_q31_stage(a.coeffs, a.state, k, a.post_shift, z, z, m)
    else:
        a = _hp_inst(meta, mem32, mem64, nst, ps, cco, cso, c)
        _biquad_32x64_stage(a.coeffs, a.state, k, a.post_shift, z, z, m)


@nb.njit(cache=True)
def _stage_pair_ff(meta, mem32, mem64, casc_kind, nst, ps, cco, cso, c, k, z, cb, kb, zb, ff, m):
    """Stage k of cascade c on z and stage kb of cascade cb on zb, two
    independent stages of any kinds: each one's feed-forward sums into its
    row of ff (int64 (2, >= m) scratch), then both feedback recursions in
    one sample loop (the kernels' two-pass form: the same values)."""
    if casc_kind[c] == KERNEL_DF1 and casc_kind[cb] == KERNEL_32X64:  # the mixed loop: 32x64 first
        c, k, z, cb, kb, zb = cb, kb, zb, c, k, z
    if casc_kind[c] == KERNEL_DF1:
        a = _df1_inst(meta, mem32, nst, ps, cco, cso, c)
        b = _df1_inst(meta, mem32, nst, ps, cco, cso, cb)
        _biquad_ff_q31(a.coeffs, a.state, k, z, ff[0], m)
        _biquad_ff_q31(b.coeffs, b.state, kb, zb, ff[1], m)
        _biquad_df1_q31_fb2(a.coeffs, a.state, k, a.post_shift, ff[0], z, b.coeffs, b.state, kb,
                            b.post_shift, ff[1], zb, m)
        return
    a = _hp_inst(meta, mem32, mem64, nst, ps, cco, cso, c)
    _biquad_ff_q31(a.coeffs, a.state, k, z, ff[0], m)
    if casc_kind[cb] == KERNEL_32X64:
        b = _hp_inst(meta, mem32, mem64, nst, ps, cco, cso, cb)
        _biquad_ff_q31(b.coeffs, b.state, kb, zb, ff[1], m)
        _biquad_32x64_fb2(a.coeffs, a.state, k, a.post_shift, ff[0], z, b.coeffs, b.state, kb,
                          b.post_shift, ff[1], zb, m)
    else:
        d = _df1_inst(meta, mem32, nst, ps, cco, cso, cb)
        _biquad_ff_q31(d.coeffs, d.state, kb, zb, ff[1], m)
        _biquad_mixed_fb2(a.coeffs, a.state, k, a.post_shift, ff[0], z, d.coeffs, d.state, kb,
                          d.post_shift, ff[1], zb, m)


@nb.njit(cache=True)
def _stage_quad(meta, mem32, mem64, kind, nst, ps, cco, cso, cc, kk, sel, z, rows, ff, m):
    """The next stage of chains sel[0..3] (all of kind `kind`; chain i at
    stage kk[i] of cascade cc[i], on z[rows[i]]): each one's feed-forward
    sums into its row of ff (int64 (4, >= m)), then the four feedback
    recursions in one sample loop."""
    i0, i1, i2, i3 = sel[0], sel[1], sel[2], sel[3]
    k = (kk[i0], kk[i1], kk[i2], kk[i3])
    dst = (z[rows[i0]], z[rows[i1]], z[rows[i2]], z[rows[i3]])
    if kind == KERNEL_DF1:
        _quad(_df1_inst(meta, mem32, nst, ps, cco, cso, cc[i0]),
              _df1_inst(meta, mem32, nst, ps, cco, cso, cc[i1]),
              _df1_inst(meta, mem32, nst, ps, cco, cso, cc[i2]),
              _df1_inst(meta, mem32, nst, ps, cco, cso, cc[i3]), k, dst, ff, False, m)
    else:
        _quad(_hp_inst(meta, mem32, mem64, nst, ps, cco, cso, cc[i0]),
              _hp_inst(meta, mem32, mem64, nst, ps, cco, cso, cc[i1]),
              _hp_inst(meta, mem32, mem64, nst, ps, cco, cso, cc[i2]),
              _hp_inst(meta, mem32, mem64, nst, ps, cco, cso, cc[i3]), k, dst, ff, True, m)


@nb.njit(cache=True)
def _quad(a, b, c, d, k, dst, ff, hp, m):
    """`_stage_quad` on four instances of one kernel (32x64 if `hp`)."""
    _biquad_ff_q31(a.coeffs, a.state, k[0], dst[0], ff[0], m)
    _biquad_ff_q31(b.coeffs, b.state, k[1], dst[1], ff[1], m)
    _biquad_ff_q31(c.coeffs, c.state, k[2], dst[2], ff[2], m)
    _biquad_ff_q31(d.coeffs, d.state, k[3], dst[3], ff[3], m)
    coeffs = (a.coeffs, b.coeffs, c.coeffs, d.coeffs)
    state = (a.state, b.state, c.state, d.state)
    shift = (a.post_shift, b.post_shift, c.post_shift, d.post_shift)
    if hp:
        _biquad_32x64_fb4(coeffs, state, k, shift, ff, dst, m)
    else:
        _biquad_df1_q31_fb4(coeffs, state, k, shift, ff, dst, m)


@nb.njit(cache=True)
def _cascades_n(meta, mem32, mem64, casc_kind, nst, ps, cco, cso, c0, c1, z, rows, ff, m):
    """Independent chains of cascades, chain i cascades c0[i]..c1[i] - 1 in
    place on z[rows[i]] (distinct rows), their stages interleaved: while
    four chains wait on a stage of one kind, those four stages in one
    sample loop (`_stage_quad`); else two chains' next stages side by side
    (`_stage_pair_ff`, any kinds); a last chain alone two stages per loop
    where two of one kind follow each other. Every stage still sees the
    same input and state as in `_cascades` (each chain's stages keep their
    order; the chains share nothing), so the values are the same; the
    recursions are latency-bound, and overlapping four is ~2x faster than
    two. ff: int64 (4, >= m) scratch."""
    nch = c0.shape[0]
    cc = c0.copy()
    kk = np.zeros(nch, np.int64)
    sel = np.empty(4, np.int64)
    while True:
        n_df1 = n_hp = 0
        for i in range(nch):
            if cc[i] < c1[i]:
                if casc_kind[cc[i]] == KERNEL_DF1:
                    n_df1 += 1
                else:
                    n_hp += 1
        if n_df1 + n_hp == 0:
            return
        if max(n_df1, n_hp) >= 4:
            kind = KERNEL_DF1 if n_df1 >= 4 else KERNEL_32X64
            j = 0
            for i in range(nch):
                if j < 4 and cc[i] < c1[i] and casc_kind[cc[i]] == kind:
                    sel[j] = i
                    j += 1
            _stage_quad(meta, mem32, mem64, kind, nst, ps, cco, cso, cc, kk, sel, z, rows, ff, m)
            for i in sel:
                cc[i], kk[i] = _next_stage(nst, cc[i], kk[i])
            continue
        j = 0
        for i in range(nch):
            if j < 2 and cc[i] < c1[i]:
                sel[j] = i
                j += 1
        a = sel[0]
        if j == 2:
            b = sel[1]
            _stage_pair_ff(meta, mem32, mem64, casc_kind, nst, ps, cco, cso, cc[a], kk[a],
                           z[rows[a]], cc[b], kk[b], z[rows[b]], ff, m)
            cc[a], kk[a] = _next_stage(nst, cc[a], kk[a])
            cc[b], kk[b] = _next_stage(nst, cc[b], kk[b])
            continue
        c, k, za = cc[a], kk[a], z[rows[a]]
        c2, k2 = _next_stage(nst, c, k)
        if c2 < c1[a] and casc_kind[c2] == casc_kind[c]:  # the chain's next two
            _stage_pair(meta, mem32, mem64, casc_kind, nst, ps, cco, cso, c, k, za, c2, k2, za,
                        True, m)
            cc[a], kk[a] = _next_stage(nst, c2, k2)
        else:
            _stage_single(meta, mem32, mem64, casc_kind, nst, ps, cco, cso, c, k, za, m)
            cc[a], kk[a] = c2, k2


@nb.njit(cache=True)
def _run_chunk(meta, mem32, mem64, lfsr, lim, ff, x, out, m, upmixed=False):
    """One chunk (m <= max_block) through the whole chain, compiled; the same
    kernel calls in the same order as `FixedChain._chunk_readable`. With
    `upmixed` the caller has already written u[0..2] (the adaptive upmix).
    `lim`: the limiter's instance (its state lives outside the context, as
    the upmix's; ``enabled`` 0 for a chain without one). `ff`: int64
    (4, max_block) scratch of the interleaved biquad stages.
    All views below are of borrowed arrays (no reference counting: see
    ``_borrow``); the caller holds the arrays for the call."""
    meta, mem32, mem64, lfsr = _borrow(meta), _borrow(mem32), _borrow(mem64), _borrow(lfsr)
    ff, x, out = _borrow(ff), _borrow(x), _borrow(out)
    (path_src, dl_len, dl_off, com_ntaps, com_coef_off, com_state_off, feed_path,
     feed_ntaps, feed_coef_off, feed_state_off, drv_feed_off, drv_casc_off, casc_kind,
     nst, ps, cco, cso, gain_fract, gain_shift, feed_alias, v_casc) = _tables(meta)
    mb, P, D, F = meta[H_MB], meta[H_P], meta[H_D], meta[H_F]
    u = _rows(mem32, meta[H_U], 5, mb)
    ybuf = _rows(mem32, meta[H_Y], max(P, 1), mb)
    feedbuf = _rows(mem32, meta[H_FEED], max(F, 1), mb)
    zbuf = _rows(mem32, meta[H_Z], D, mb)
    if not upmixed:
        upmix_passive_q31(x, u, m)
    if meta[H_V]:
        # rows: ipsi(L'), contra(R'), contra(L'), ipsi(R'); e_L = rows 0+1, e_R = 2+3
        vb = _rows(mem32, meta[H_VBUF], 4, mb)
        for side in range(2):
            ri, rc = (0, 2) if side == 0 else (3, 1)
            for n in range(m):
                vb[ri, n] = u[side, n]
            delay_q31(_delay_inst(meta, mem32, mem64, dl_len, dl_off, P + D + F + side),
                      u[side], vb[rc], m)
        # the four cascade chains side by side (independent: same values), on rows
        # ipsi(L') 0, contra(L') 2, ipsi(R') 3, contra(R') 1
        _cascades_n(meta, mem32, mem64, casc_kind, nst, ps, cco, cso, v_casc[0:4],
                    v_casc[1:5], vb, np.array([0, 2, 3, 1]), ff, m)
        mix_sat_q31(vb[0:2], u[3], m)  # e_L = ipsi(L') + contra(R')
        mix_sat_q31(vb[2:4], u[4], m)  # e_R = contra(L') + ipsi(R')
    for p in range(P):
        y = ybuf[p]
        delay_q31(_delay_inst(meta, mem32, mem64, dl_len, dl_off, p), u[path_src[p]], y, m)
        if com_ntaps[p] > 0:
            fir_q31(_fir_inst(meta, mem32, com_ntaps[p], com_coef_off[p], com_state_off[p]),
                    y, y, m)
    for i in range(feed_path.shape[0]):
        if feed_alias[i] >= 0:
            for n in range(m):
                feedbuf[i, n] = feedbuf[feed_alias[i], n]
            continue
        fir_q31(_fir_inst(meta, mem32, feed_ntaps[i], feed_coef_off[i], feed_state_off[i]),
                ybuf[feed_path[i]], feedbuf[i], m)
        if dl_len[P + D + i] > 0:
            delay_q31(_delay_inst(meta, mem32, mem64, dl_len, dl_off, P + D + i), feedbuf[i],
                      feedbuf[i], m)
    for d in range(D):
        a, b = drv_feed_off[d], drv_feed_off[d + 1]
        if b > a:
            mix_sat_q31(feedbuf[a:b], zbuf[d], m)
        else:
            zbuf[d, :m] = 0
    # the drivers' cascades side by side
    _cascades_n(meta, mem32, mem64, casc_kind, nst, ps, cco, cso, drv_casc_off[:D],
                drv_casc_off[1:], zbuf, np.arange(D), ff, m)
    for d in range(D):
        z = zbuf[d]
        gain_q31(GainQ31(gain_fract[d], gain_shift[d]), z, z, m)
        delay_q31(_delay_inst(meta, mem32, mem64, dl_len, dl_off, P + d), z, z, m)
    if lim.enabled:
        limiter_q31(lim, zbuf, zbuf, m)
    for d in range(D):
        z = zbuf[d]
        dac_quant_q31(DacQuantQ31(meta[H_WORD], meta[H_DITHER], lfsr[d:d + 1]), z, z, m)
        for n in range(m):
            out[n, d] = z[n]


class FixedChain:
    """Streaming fixed-point model of a `QuantizedChain` (cmsis-q31 tables).

    Two ways through one state (the packed context of `_build_context`):
    `_run_chunk` (numba, the whole chain in one compiled call; the default)
    and `_chunk_readable` (the same kernel calls from Python, one by one; used
    with a `probe`, and the form the tests hold the compiled one to, bit for
    bit). The compiled one also runs independent biquad chains side by side
    (`_cascades_n`: the virtualizer's four, the drivers' up to four at a time),
    which changes the order in which separate states are updated, not any
    value.
    """

    def __init__(self, q, max_block: int = 4096, probe: Callable | None = None,
                 compiled: bool = True):
        """`probe(stage, first sample index, int32 signal)` (validation) is called
        with "driver <id> sum" (after the saturating mix), "driver <id> gain"
        (after the saturating gain, before the driver delay) and "driver <id>
        out" (the DAC codes)."""
        if q.target != "cmsis-q31":
            raise ValueError(f"FixedChain runs cmsis-q31 tables, got {q.target!r}")
        if q.upmix not in (0, 1) or (q.upmix == 1) != (
                getattr(q, "upmix_tables", None) is not None):
            raise ValueError(f"upmix kind {q.upmix} is not implemented in the fixed chain "
                             "(0 = passive, 1 = adaptive with its tables)")
        # upmix mode 1: dsp_model/fixed/upmix.py, its own state (not in the context)
        self._upmix = upmix_q31_init(q.upmix_tables) if q.upmix == 1 else None
        if max_block < 1:
            raise ValueError(f"max_block must be >= 1, got {max_block}")
        self.q = q
        self.probe = probe
        self.compiled = compiled
        self._pos = 0
        self.max_block = int(max_block)
        self.n_drivers = q.n_drivers
        self._ctx = meta, mem32, mem64, lfsr = _build_context(q, self.max_block)
        self._ff = np.empty((4, self.max_block), np.int64)  # scratch, not state
        ql = getattr(q, "limiter", None)
        self._lim = (limiter_q31_disabled(q.n_drivers) if ql is None else
                     limiter_q31_init(q.n_drivers, ql.lookahead, ql.attack_log2, ql.threshold,
                                      ql.release, ql.out_shift, self.max_block))
        t = _tables(meta)
        mb, P, D = self.max_block, int(meta[H_P]), int(meta[H_D])
        self._u = _rows(mem32, meta[H_U], 5, mb)
        self._vb = _rows(mem32, meta[H_VBUF], 4, mb)

        def cascade_insts(c0, c1):
            return [(_df1_inst(meta, mem32, *t[13:17], c), biquad_df1_q31)
                    if t[12][c] == KERNEL_DF1
                    else (_hp_inst(meta, mem32, mem64, *t[13:17], c), biquad_df1_32x64_q31)
                    for c in range(c0, c1)]

        F = int(meta[H_F])
        self._virt = None
        if meta[H_V]:  # per side: ipsi cascades, contra delay, contra cascades
            vc = t[20]
            self._virt = [(cascade_insts(vc[2 * s], vc[2 * s + 1]),
                           _delay_inst(meta, mem32, mem64, t[1], t[2], P + D + F + s),
                           cascade_insts(vc[2 * s + 1], vc[2 * s + 2])) for s in range(2)]
        self._ybuf = _rows(mem32, meta[H_Y], max(P, 1), mb)
        self._feedbuf = _rows(mem32, meta[H_FEED], max(int(meta[H_F]), 1), mb)
        self._zbuf = _rows(mem32, meta[H_Z], D, mb)
        self._drv_feed_off = t[10]
        # the readable path's kernel instances: views into the context
        self._paths = []
        for p in range(P):
            fir = None
            if t[3][p]:
                fir = _fir_inst(meta, mem32, t[3][p], t[4][p], t[5][p])
            self._paths.append((int(t[0][p]), _delay_inst(meta, mem32, mem64, t[1], t[2], p),
                                fir))
        self._feeds = []  # (path, FIR or None, delay or None, alias row or -1)
        for i in range(len(t[6])):
            alias = int(t[19][i])
            fir = None if alias >= 0 else _fir_inst(meta, mem32, t[7][i], t[8][i], t[9][i])
            dl = (_delay_inst(meta, mem32, mem64, t[1], t[2], P + D + i)
                  if alias < 0 and t[1][P + D + i] > 0 else None)
            self._feeds.append((int(t[6][i]), fir, dl, alias))
        self._drivers = []
        for d in range(D):
            cascades = cascade_insts(t[11][d], t[11][d + 1])
            self._drivers.append((cascades, GainQ31(int(t[17][d]), int(t[18][d])),
                                  _delay_inst(meta, mem32, mem64, t[1], t[2], P + d),
                                  DacQuantQ31(int(meta[H_WORD]), int(meta[H_DITHER]),
                                              lfsr[d:d + 1])))

    def process(self, block: np.ndarray) -> np.ndarray:
        """(n, 2) int32 Q31 stereo -> (n, n_drivers) int32 DAC codes."""
        x = np.asarray(block)
        if x.dtype != np.int32:
            raise TypeError(f"FixedChain.process takes int32 samples, got {x.dtype}")
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"expected a (n, 2) stereo block, got shape {x.shape}")
        x = np.ascontiguousarray(x)
        n = len(x)
        out = np.empty((n, self.n_drivers), np.int32)  # every sample of every driver is written
        fast = self.compiled and self.probe is None
        if fast and self._upmix is None and n <= self.max_block:  # one chunk (device blocks)
            _run_chunk(*self._ctx, self._lim, self._ff, x, out, n)
            self._pos += n
            return out
        for i in range(0, n, self.max_block):
            m = min(self.max_block, n - i)
            if fast and self._upmix is not None:
                upmix_q31(self._upmix, x[i:i + m], self._u, m)
                _run_chunk(*self._ctx, self._lim, self._ff, x[i:i + m], out[i:i + m], m, True)
            elif fast:
                _run_chunk(*self._ctx, self._lim, self._ff, x[i:i + m], out[i:i + m], m)
            else:
                self._chunk_readable(x[i:i + m], out[i:i + m], m)
            self._pos += m
        return out

    __call__ = process

    def _chunk_readable(self, x: np.ndarray, out: np.ndarray, m: int) -> None:
        probe, pos = self.probe, self._pos
        u = self._u
        if self._upmix is not None:
            upmix_q31(self._upmix, x, u, m)
        else:
            upmix_passive_q31(x, u, m)
        if self._virt is not None:
            vb = self._vb  # ipsi(L'), contra(R'), contra(L'), ipsi(R')
            for side, (ipsi, dl, contra) in enumerate(self._virt):
                ri, rc = (0, 2) if side == 0 else (3, 1)
                vb[ri, :m] = u[side, :m]
                for inst, kernel in ipsi:
                    kernel(inst, vb[ri], vb[ri], m)
                delay_q31(dl, u[side], vb[rc], m)
                for inst, kernel in contra:
                    kernel(inst, vb[rc], vb[rc], m)
            mix_sat_q31(vb[0:2], u[3], m)  # e_L = ipsi(L') + contra(R')
            mix_sat_q31(vb[2:4], u[4], m)  # e_R = contra(L') + ipsi(R')
            if probe:
                probe("virtualizer e_L", pos, u[3, :m])
                probe("virtualizer e_R", pos, u[4, :m])
        for p, (source, dl, fir) in enumerate(self._paths):
            y = self._ybuf[p]
            delay_q31(dl, self._u[source], y, m)
            if fir is not None:
                fir_q31(fir, y, y, m)
        for i, (path, fir, dl, alias) in enumerate(self._feeds):
            if alias >= 0:  # the same table on the same path: a copy of that feed
                self._feedbuf[i, :m] = self._feedbuf[alias, :m]
                continue
            fir_q31(fir, self._ybuf[path], self._feedbuf[i], m)
            if dl is not None:
                delay_q31(dl, self._feedbuf[i], self._feedbuf[i], m)
        for d, (cascades, gain, dl, _dac) in enumerate(self._drivers):
            name = self.q.drivers[d].id
            z = self._zbuf[d]
            a, b = self._drv_feed_off[d], self._drv_feed_off[d + 1]
            if b > a:
                mix_sat_q31(self._feedbuf[a:b], z, m)
            else:
                z[:m] = 0
            if probe:
                probe(f"driver {name} sum", pos, z[:m])
            for inst, kernel in cascades:
                kernel(inst, z, z, m)
            gain_q31(gain, z, z, m)
            if probe:
                probe(f"driver {name} gain", pos, z[:m])
            delay_q31(dl, z, z, m)
        if self._lim.enabled:
            limiter_q31(self._lim, self._zbuf, self._zbuf, m)
        for d, (_cascades, _gain, _dl, dac) in enumerate(self._drivers):
            name = self.q.drivers[d].id
            z = self._zbuf[d]
            dac_quant_q31(dac, z, z, m)
            out[:, d] = z[:m]
            if probe:
                probe(f"driver {name} out", pos, z[:m])


def processor_from_blob(blob: bytes) -> Callable[[np.ndarray], np.ndarray]:
    """The emulator's default processor factory: a profile blob -> a streaming
    `(n, 2) int32 -> (n, D) int32` callable (a fresh `FixedChain`)."""
    from firmware_export.tables import chain_from_blob

    return FixedChain(chain_from_blob(blob)).process
