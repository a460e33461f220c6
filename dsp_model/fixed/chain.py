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

import numba as nb
import numpy as np

from .kernels import (
    Biquad32x64Q31,
    BiquadDf1Q31,
    biquad_df1_32x64_q31,
    biquad_df1_32x64_q31_init,
    biquad_df1_q31,
    biquad_df1_q31_init,
    dac_quant_q31,
    dac_quant_q31_init,
    delay_q31,
    delay_q31_init,
    fir_q31,
    fir_q31_init,
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


class FixedChain:
    """Streaming fixed-point model of a `QuantizedChain` (cmsis-q31 tables)."""

    def __init__(self, q, max_block: int = 4096, probe: Callable | None = None):
        """`probe(stage, first sample index, int32 signal)` (validation) is called
        with "driver <id> sum" (after the saturating mix), "driver <id> gain"
        (after the saturating gain) and "driver <id> out" (the DAC codes)."""
        self.probe = probe
        self._pos = 0
        if q.target != "cmsis-q31":
            raise ValueError(f"FixedChain runs cmsis-q31 tables, got {q.target!r}")
        if q.upmix != 0:
            raise ValueError(
                f"upmix kind {q.upmix} is not implemented in the fixed chain (0 = passive only)"
            )
        self.q = q
        self.max_block = int(max_block)
        mb = self.max_block
        nd = q.n_drivers
        self.n_drivers = nd
        self._u = np.zeros((3, mb), np.int32)
        self._paths = []
        for p in q.paths:
            dl = delay_q31_init(p.delay)
            fir = fir_q31_init(p.common, mb) if len(p.common) else None
            feeds = [(d, fir_q31_init(r, mb)) for d, r in enumerate(p.ratio) if len(r)]
            self._paths.append((p.source, dl, fir, feeds, np.zeros(mb, np.int32)))
        # feeds of each driver, in path order, as rows of one buffer
        n_feeds = [sum(1 for p in q.paths if len(p.ratio[d])) for d in range(nd)]
        self._feedbuf = [np.zeros((max(k, 1), mb), np.int32) for k in n_feeds]
        self._drivers = []
        for d, drv in enumerate(q.drivers):
            cascades = []
            for a, b, kern, ps in _sections_to_cascades(drv):
                c = np.ascontiguousarray(drv.coeffs[a:b], dtype=np.int32)
                if kern == KERNEL_DF1:
                    cascades.append(biquad_df1_q31_init(c, ps))
                elif kern == KERNEL_32X64:
                    cascades.append(biquad_df1_32x64_q31_init(c, ps))
                else:
                    raise ValueError(f"driver {drv.id}: unknown biquad kernel id {kern}")
            self._drivers.append(
                (
                    cascades,
                    gain_q31_init(drv.gain_fract, drv.gain_shift),
                    delay_q31_init(drv.delay),
                    dac_quant_q31_init(q.output_word, q.dither, dither_seed(d)),
                    np.zeros(mb, np.int32),
                )
            )

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
        for i in range(0, n, self.max_block):
            m = min(self.max_block, n - i)
            self._chunk(x[i : i + m], out[i : i + m], m)
            self._pos += m
        return out

    __call__ = process

    def _chunk(self, x: np.ndarray, out: np.ndarray, m: int) -> None:
        u = self._u
        upmix_passive_q31(x, u, m)
        rows = [0] * self.n_drivers
        for source, dl, fir, feeds, y in self._paths:
            delay_q31(dl, u[source], y, m)
            if fir is not None:
                fir_q31(fir, y, y, m)
            for d, f in feeds:
                fir_q31(f, y, self._feedbuf[d][rows[d]], m)
                rows[d] += 1
        probe = self.probe
        for d, (cascades, gain, dl, dac, z) in enumerate(self._drivers):
            if rows[d]:
                mix_sat_q31(self._feedbuf[d], z, m)
            else:
                z[:m] = 0
            if probe:
                probe(f"driver {self.q.drivers[d].id} sum", self._pos, z[:m])
            for c in cascades:
                if isinstance(c, BiquadDf1Q31):
                    biquad_df1_q31(c, z, z, m)
                elif isinstance(c, Biquad32x64Q31):
                    biquad_df1_32x64_q31(c, z, z, m)
            gain_q31(gain, z, z, m)
            if probe:
                probe(f"driver {self.q.drivers[d].id} gain", self._pos, z[:m])
            delay_q31(dl, z, z, m)
            dac_quant_q31(dac, z, z, m)
            out[:, d] = z[:m]
            if probe:
                probe(f"driver {self.q.drivers[d].id} out", self._pos, z[:m])


def processor_from_blob(blob: bytes) -> Callable[[np.ndarray], np.ndarray]:
    """The emulator's default processor factory: a profile blob -> a streaming
    `(n, 2) int32 -> (n, D) int32` callable (a fresh `FixedChain`)."""
    from firmware_export.tables import chain_from_blob

    return FixedChain(chain_from_blob(blob)).process
