"""Quantize an `UpmixDesign` (dsp_model/upmix.py) into the fixed-point upmix tables.

`quantize_upmix(design) -> UpmixTables` is the one place where the float
upmix design becomes integers; `dsp_model.fixed.upmix.FixedUpmix` and the C
runtime (`firmware_export/runtime/ss_upmix.[ch]`) read these tables and
re-derive nothing. Formats (Q31 = int32 / 2^31, values that would be 1.0
saturate to 2^31 - 1):

    analysis_window  int32 (fft_size,)        Q31, round to nearest
    synthesis_window int32 (synthesis_size,)  Q31, the non-zero tail only
    twiddle_cos/sin  int32 (fft_size/2 + 1,)  cos, sin(2 pi k / fft_size), Q31
                                              (cos(pi) = -2^31 exactly): the inverse
                                              real FFT's merge, k <= N/4 read
                                              (both FFTs are CMSIS-DSP's, their
                                              tables in ROM)
    a_short, a_long  Q31 one-pole coefficients 1 - exp(-hop / (tau fs))
    kappa_q24        2 / x0^2 in Q24 (< 128; the 2: the model's side power is
                     (Pi + mu Pq) / 4 against |M|^2 / 2)
    mu_q31           mu, the weight of the quadrature part of S, Q31
    lo2_q31          lo^2 in Q31
    inv_q24          1 / (hi^2 - lo^2) in Q24 (< 128)
    pool             the decision's pool (bins each side)

The fixed-point upmix implements the "inphase" decision with slope 1.5 (the
power t^1.5 is t sqrt t, dsp_model/fixed/upmix.py) and pooled magnitudes;
other decisions are refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dsp_model import upmix as U
from dsp_model.fixed.upmix import POOL_MAX, UPMIX_FFT_SIZES

INT32_MAX = (1 << 31) - 1


@dataclass(frozen=True)
class UpmixTables:
    """The integer tables of the adaptive upmix (upmix mode 1)."""

    fft_size: int
    synthesis_size: int
    hop: int
    pool: int
    a_short: int
    a_long: int
    kappa_q24: int
    mu_q31: int
    lo2_q31: int
    inv_q24: int
    analysis_window: np.ndarray
    synthesis_window: np.ndarray
    twiddle_cos: np.ndarray
    twiddle_sin: np.ndarray

    @property
    def latency(self) -> int:
        return self.synthesis_size - 1


def q31(x) -> np.ndarray:
    """Round to nearest (half away from zero, np.round's half-even is irrelevant
    for these irrational values) into Q31, saturated."""
    v = np.round(np.asarray(x, np.float64) * 2.0**31)
    return np.clip(v, -(2.0**31), INT32_MAX).astype(np.int32)


def _scalar(x: float, frac: int, name: str) -> int:
    v = int(round(x * (1 << frac)))
    if not 0 <= v <= INT32_MAX:
        raise ValueError(f"upmix {name} = {x!r} does not fit Q{frac} in 32 bits")
    return v


def quantize_upmix(design: U.UpmixDesign) -> UpmixTables:
    """Integer tables from a float `UpmixDesign` (see the module docstring)."""
    n, ls = design.fft_size, design.synthesis_size
    if n not in UPMIX_FFT_SIZES:  # arm_cfft_q31 of n points forward, n/2 inverse
        raise ValueError(f"upmix fft_size {n} must be one of {UPMIX_FFT_SIZES} (the forward "
                         "FFT is CMSIS-DSP's arm_cfft_q31 of n points, the inverse of n/2)")
    ws = design.synthesis_window[n - ls:]
    if np.max(np.abs(ws)) > 1.0 or np.max(np.abs(design.analysis_window)) > 1.0:
        # 1.0 itself saturates to 1 - 2^-31 (hop = synthesis_size / 2 peaks at 1.0)
        raise ValueError("upmix windows must stay within 1.0 for Q31")
    dec = design.decision
    if design.decision_name != "inphase" or dec.slope != 1.5 or not dec.pool_magnitudes:
        raise ValueError(f"upmix decision {design.decision_name!r} has no fixed-point form: "
                         "the fixed-point upmix implements 'inphase' (set [upmix] decision)")
    if 2 * dec.pool + 1 > n // 2 + 1:
        raise ValueError(f"upmix pool +-{dec.pool} bins is wider than the spectrum")
    if dec.pool > POOL_MAX:  # the pooled sums' headroom (dsp_model/fixed/upmix.py)
        raise ValueError(f"upmix pool +-{dec.pool} bins exceeds the fixed point's {POOL_MAX}")
    k = np.arange(n // 2 + 1)
    lo2, hi2 = dec.lo**2, dec.hi**2
    return UpmixTables(
        fft_size=n, synthesis_size=ls, hop=design.hop, pool=dec.pool,
        a_short=_scalar(design.a_short, 31, "a_short"),
        a_long=_scalar(design.a_long, 31, "a_long"),
        kappa_q24=_scalar(2.0 / dec.center_width**2, 24, "2/x0^2"),
        mu_q31=_scalar(dec.quadrature, 31, "mu"),
        lo2_q31=_scalar(lo2, 31, "lo^2"),
        inv_q24=_scalar(1.0 / (hi2 - lo2), 24, "1/(hi^2-lo^2)"),
        analysis_window=q31(design.analysis_window),
        synthesis_window=q31(ws),
        twiddle_cos=q31(np.cos(2.0 * math.pi * k / n)),
        twiddle_sin=q31(np.sin(2.0 * math.pi * k / n)),
    )


def upmix_tables(settings, fs: int = 48000) -> UpmixTables:
    """Convenience: design (dsp_model.upmix.design_upmix) then quantize."""
    return quantize_upmix(U.design_upmix(settings, fs))
