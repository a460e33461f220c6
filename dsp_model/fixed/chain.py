"""The bit-accurate fixed-point chain: runs a `QuantizedChain` on int32 samples.

Written only with the kernels of ``dsp_model.fixed.kernels`` (themselves only
``ops`` primitives) plus one block defined here, ``upmix_passive_q31``, in the
same style. The C runtime runs the same kernels in the same order, so a line
here maps to a line there:

    in (n, 2) int32 Q31 -> upmix_passive_q31 -> u[3] (L', R', C)
    path p:   delay_q31(u[source_p]) -> fir_q31(common_p)     (skipped if empty)
    feed p,d: fir_q31(ratio_{p,d})                            (skipped if empty)
    driver d: mix_sat_q31(its feeds, path order)
              biquad sections in order; consecutive sections with the same
              kernel and post_shift run as one cascade instance (bit-identical
              to one instance per section: a cascade stage reads the previous
              stage's stored Q31 output either way)
              gain_q31 -> delay_q31 -> dac_quant_q31 (output_word, dither)
    out (n, D) int32: the DAC code of each driver, right-justified
              (24-bit words: [-2^23, 2^23 - 1]).

Scaling (exponents, why nothing wraps) is the headroom plan of
``firmware_export/quantize.py``. Driver d's dither LFSR seed is
``dither_seed(d)``.

Streaming: every kernel keeps its state in its instance, so `process` may be
called with any block length and gives bit-identical output to one call on
the whole signal. Blocks longer than ``max_block`` are cut internally.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numba as nb
import numpy as np

from .kernels import (
    Biquad32x64Q31,
    BiquadDf1Q31,
    DacQuantQ31,
    Delay,
    FirQ31,
    GainQ31,
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
from .ops import XORSHIFT32_DEFAULT_SEED
from .ops_nb import shr_floor, sub32_sat

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


class _Plan(NamedTuple):
    """All tables and state of one chain as flat arrays (what the C runtime's
    context holds). The kernel instances of the readable path are views into
    these arrays, so both paths share one state."""

    max_block: int
    n_paths: int
    n_drivers: int
    word: int
    dither: int
    u: np.ndarray  # int32 (3, mb): L', R', C
    path_src: np.ndarray  # int64 (P,)
    ybuf: np.ndarray  # int32 (P, mb): path outputs
    dl_len: np.ndarray  # int64 (P + D,): path delays, then driver delays
    dl_off: np.ndarray  # int64 (P + D,): offsets into dl_buf
    dl_buf: np.ndarray  # int32: every delay line's history
    dl_pos: np.ndarray  # int64 (P + D,)
    com_ntaps: np.ndarray  # int64 (P,): 0 = identity
    com_coef_off: np.ndarray
    com_state_off: np.ndarray
    feed_path: np.ndarray  # int64 (F,): feeds ordered by driver, then path
    feed_ntaps: np.ndarray
    feed_coef_off: np.ndarray
    feed_state_off: np.ndarray
    fir_coef: np.ndarray  # int32: every FIR table
    fir_state: np.ndarray  # int32: every FIR state (num_taps + mb - 1 each)
    feedbuf: np.ndarray  # int32 (max(F, 1), mb)
    drv_feed_off: np.ndarray  # int64 (D + 1,): driver d's feeds are rows [off[d], off[d+1])
    zbuf: np.ndarray  # int32 (D, mb)
    drv_casc_off: np.ndarray  # int64 (D + 1,)
    casc_kind: np.ndarray  # int64 (C,)
    casc_nst: np.ndarray
    casc_ps: np.ndarray
    casc_coef_off: np.ndarray
    casc_state_off: np.ndarray
    bq_coef: np.ndarray  # int32
    bq_state32: np.ndarray  # int32: DF1 q31 states
    bq_state64: np.ndarray  # int64: 32x64 states
    gain_fract: np.ndarray  # int64 (D,)
    gain_shift: np.ndarray  # int64 (D,)
    lfsr: np.ndarray  # uint32 (D,)


def _i64(v) -> np.ndarray:
    return np.array(v, dtype=np.int64).reshape(-1)


def _cat(parts: list, dt) -> np.ndarray:
    return np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt)


def _build_plan(q, mb: int) -> _Plan:
    P, D = len(q.paths), q.n_drivers
    dl_len = [p.delay for p in q.paths] + [d.delay for d in q.drivers]
    dl_off = np.concatenate([[0], np.cumsum([max(v, 1) for v in dl_len])])
    coef, com_n, com_co, com_so = [], [], [], []
    co = so = 0
    for p in q.paths:
        n = len(p.common)
        com_n.append(n)
        com_co.append(co)
        com_so.append(so)
        if n:
            coef.append(p.common)
            co += n
            so += n + mb - 1
    f_path, f_n, f_co, f_so, drv_feed_off = [], [], [], [], [0]
    for d in range(D):
        for i, p in enumerate(q.paths):
            n = len(p.ratio[d])
            if n:
                f_path.append(i)
                f_n.append(n)
                f_co.append(co)
                f_so.append(so)
                coef.append(p.ratio[d])
                co += n
                so += n + mb - 1
        drv_feed_off.append(len(f_path))
    kind, nst, ps, c_co, c_so, bq, drv_casc_off = [], [], [], [], [], [], [0]
    bco = s32 = s64 = 0
    for drv in q.drivers:
        for a, b, kern, shift in _sections_to_cascades(drv):
            if kern not in (KERNEL_DF1, KERNEL_32X64):
                raise ValueError(f"driver {drv.id}: unknown biquad kernel id {kern}")
            if not 0 <= shift <= 30:
                raise ValueError(f"driver {drv.id}: post_shift {shift} outside 0..30")
            kind.append(kern)
            nst.append(b - a)
            ps.append(shift)
            c_co.append(bco)
            bq.append(np.asarray(drv.coeffs[a:b], dtype=np.int32).reshape(-1))
            bco += 5 * (b - a)
            if kern == KERNEL_DF1:
                c_so.append(s32)
                s32 += 4 * (b - a)
            else:
                c_so.append(s64)
                s64 += 4 * (b - a)
        drv_casc_off.append(len(kind))
    for drv in q.drivers:  # same range checks as gain_q31_init
        gain_q31_init(drv.gain_fract, drv.gain_shift)
    dac_quant_q31_init(q.output_word, q.dither)  # range check of the word
    return _Plan(
        mb, P, D, int(q.output_word), int(bool(q.dither)),
        np.zeros((3, mb), np.int32), _i64([p.source for p in q.paths]),
        np.zeros((max(P, 1), mb), np.int32),
        _i64(dl_len), _i64(dl_off[:-1]), np.zeros(int(dl_off[-1]), np.int32),
        np.zeros(P + D, np.int64),
        _i64(com_n), _i64(com_co), _i64(com_so),
        _i64(f_path), _i64(f_n), _i64(f_co), _i64(f_so),
        _cat(coef, np.int32), np.zeros(so, np.int32),
        np.zeros((max(len(f_path), 1), mb), np.int32), _i64(drv_feed_off),
        np.zeros((D, mb), np.int32),
        _i64(drv_casc_off), _i64(kind), _i64(nst), _i64(ps), _i64(c_co), _i64(c_so),
        _cat(bq, np.int32), np.zeros(s32, np.int32), np.zeros(s64, np.int64),
        _i64([d.gain_fract for d in q.drivers]), _i64([d.gain_shift for d in q.drivers]),
        np.array([dither_seed(d) for d in range(D)], np.uint32),
    )


# ------------------------------------------------ instances (views into a plan)
@nb.njit(cache=True)
def _delay_inst(pl, i):
    o = pl.dl_off[i]
    return Delay(pl.dl_len[i], pl.dl_buf[o:o + max(pl.dl_len[i], 1)], pl.dl_pos[i:i + 1])


@nb.njit(cache=True)
def _fir_inst(pl, n, co, so):
    return FirQ31(n, pl.max_block, pl.fir_coef[co:co + n],
                  pl.fir_state[so:so + n + pl.max_block - 1])


@nb.njit(cache=True)
def _df1_inst(pl, c):
    n, co, so = pl.casc_nst[c], pl.casc_coef_off[c], pl.casc_state_off[c]
    return BiquadDf1Q31(n, pl.casc_ps[c], pl.bq_coef[co:co + 5 * n], pl.bq_state32[so:so + 4 * n])


@nb.njit(cache=True)
def _hp_inst(pl, c):
    n, co, so = pl.casc_nst[c], pl.casc_coef_off[c], pl.casc_state_off[c]
    return Biquad32x64Q31(n, pl.casc_ps[c], pl.bq_coef[co:co + 5 * n],
                          pl.bq_state64[so:so + 4 * n])


@nb.njit(cache=True)
def _dac_inst(pl, d):
    return DacQuantQ31(pl.word, pl.dither, pl.lfsr[d:d + 1])


@nb.njit(cache=True)
def _run_chunk(pl, x, out, m):
    """One chunk (m <= max_block) through the whole chain, compiled; the same
    kernel calls in the same order as `FixedChain._chunk_readable`."""
    upmix_passive_q31(x, pl.u, m)
    for p in range(pl.n_paths):
        y = pl.ybuf[p]
        delay_q31(_delay_inst(pl, p), pl.u[pl.path_src[p]], y, m)
        if pl.com_ntaps[p] > 0:
            fir_q31(_fir_inst(pl, pl.com_ntaps[p], pl.com_coef_off[p], pl.com_state_off[p]),
                    y, y, m)
    for i in range(pl.feed_path.shape[0]):
        fir_q31(_fir_inst(pl, pl.feed_ntaps[i], pl.feed_coef_off[i], pl.feed_state_off[i]),
                pl.ybuf[pl.feed_path[i]], pl.feedbuf[i], m)
    for d in range(pl.n_drivers):
        z = pl.zbuf[d]
        a, b = pl.drv_feed_off[d], pl.drv_feed_off[d + 1]
        if b > a:
            mix_sat_q31(pl.feedbuf[a:b], z, m)
        else:
            z[:m] = 0
        for c in range(pl.drv_casc_off[d], pl.drv_casc_off[d + 1]):
            if pl.casc_kind[c] == KERNEL_DF1:
                biquad_df1_q31(_df1_inst(pl, c), z, z, m)
            else:
                biquad_df1_32x64_q31(_hp_inst(pl, c), z, z, m)
        gain_q31(GainQ31(pl.gain_fract[d], pl.gain_shift[d]), z, z, m)
        delay_q31(_delay_inst(pl, pl.n_paths + d), z, z, m)
        dac_quant_q31(_dac_inst(pl, d), z, z, m)
        for n in range(m):
            out[n, d] = z[n]


class FixedChain:
    """Streaming fixed-point model of a `QuantizedChain` (cmsis-q31 tables).

    Two ways through one state: `_run_chunk` (numba, the whole chain in one
    compiled call; the default) and `_chunk_readable` (the same kernel calls
    from Python, one by one; used with a `probe`, and the form the tests hold
    the compiled one to, bit for bit).
    """

    def __init__(self, q, max_block: int = 4096, probe: Callable | None = None,
                 compiled: bool = True):
        """`probe(stage, first sample index, int32 signal)` (validation) is called
        with "driver <id> sum" (after the saturating mix), "driver <id> gain"
        (after the saturating gain, before the driver delay) and "driver <id>
        out" (the DAC codes)."""
        if q.target != "cmsis-q31":
            raise ValueError(f"FixedChain runs cmsis-q31 tables, got {q.target!r}")
        if q.upmix != 0:
            raise ValueError(f"upmix kind {q.upmix} is not implemented in the fixed chain "
                             "(0 = passive only)")
        if max_block < 1:
            raise ValueError(f"max_block must be >= 1, got {max_block}")
        self.q = q
        self.probe = probe
        self.compiled = compiled
        self._pos = 0
        self.max_block = int(max_block)
        self.n_drivers = q.n_drivers
        self._pl = pl = _build_plan(q, self.max_block)
        # the readable path's kernel instances: views into the plan
        self._paths = []
        for p in range(pl.n_paths):
            fir = None
            if pl.com_ntaps[p]:
                fir = _fir_inst(pl, pl.com_ntaps[p], pl.com_coef_off[p], pl.com_state_off[p])
            self._paths.append((int(pl.path_src[p]), _delay_inst(pl, p), fir))
        self._feeds = [(int(pl.feed_path[i]), _fir_inst(pl, pl.feed_ntaps[i],
                                                       pl.feed_coef_off[i],
                                                       pl.feed_state_off[i]))
                       for i in range(len(pl.feed_path))]
        self._drivers = []
        for d in range(pl.n_drivers):
            cascades = [(_df1_inst(pl, c), biquad_df1_q31) if pl.casc_kind[c] == KERNEL_DF1
                        else (_hp_inst(pl, c), biquad_df1_32x64_q31)
                        for c in range(pl.drv_casc_off[d], pl.drv_casc_off[d + 1])]
            self._drivers.append((cascades, GainQ31(int(pl.gain_fract[d]),
                                                    int(pl.gain_shift[d])),
                                  _delay_inst(pl, pl.n_paths + d), _dac_inst(pl, d)))

    def process(self, block: np.ndarray) -> np.ndarray:
        """(n, 2) int32 Q31 stereo -> (n, n_drivers) int32 DAC codes."""
        x = np.asarray(block)
        if x.dtype != np.int32:
            raise TypeError(f"FixedChain.process takes int32 samples, got {x.dtype}")
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"expected a (n, 2) stereo block, got shape {x.shape}")
        x = np.ascontiguousarray(x)
        n = len(x)
        out = np.zeros((n, self.n_drivers), np.int32)
        fast = self.compiled and self.probe is None
        for i in range(0, n, self.max_block):
            m = min(self.max_block, n - i)
            if fast:
                _run_chunk(self._pl, x[i:i + m], out[i:i + m], m)
            else:
                self._chunk_readable(x[i:i + m], out[i:i + m], m)
            self._pos += m
        return out

    __call__ = process

    def _chunk_readable(self, x: np.ndarray, out: np.ndarray, m: int) -> None:
        pl, probe, pos = self._pl, self.probe, self._pos
        upmix_passive_q31(x, pl.u, m)
        for p, (source, dl, fir) in enumerate(self._paths):
            y = pl.ybuf[p]
            delay_q31(dl, pl.u[source], y, m)
            if fir is not None:
                fir_q31(fir, y, y, m)
        for i, (path, fir) in enumerate(self._feeds):
            fir_q31(fir, pl.ybuf[path], pl.feedbuf[i], m)
        for d, (cascades, gain, dl, dac) in enumerate(self._drivers):
            name = self.q.drivers[d].id
            z = pl.zbuf[d]
            a, b = pl.drv_feed_off[d], pl.drv_feed_off[d + 1]
            if b > a:
                mix_sat_q31(pl.feedbuf[a:b], z, m)
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
            dac_quant_q31(dac, z, z, m)
            out[:, d] = z[:m]
            if probe:
                probe(f"driver {name} out", pos, z[:m])


def processor_from_blob(blob: bytes) -> Callable[[np.ndarray], np.ndarray]:
    """The emulator's default processor factory: a profile blob -> a streaming
    `(n, 2) int32 -> (n, D) int32` callable (a fresh `FixedChain`)."""
    from firmware_export.tables import chain_from_blob

    return FixedChain(chain_from_blob(blob)).process
