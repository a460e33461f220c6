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
    a_short, a_onset one-pole coefficients 1 - exp(-hop / (tau fs))  } IEEE binary32,
    a_long           (smoothing, onset, directivity)                } rounded to
    onset            |M|^2 > onset Pm selects a_onset               } nearest
    kx               1 / x0^2 (of the band from bin 0)             } (the decision
    mu               mu, the weight of the quadrature part of S     } is float32)
    lo2              lo^2                                           }
    inv              1 / (hi^2 - lo^2)                              }
    mag              1.0: D weighs a frame's vote by |z|, 0.0: by    }
                     |z|^2 ([upmix] directivity_weight)             }
    k1, kx1, k2,     bands 1..3 of x0 ([upmix] center_width): each  }
    kx2, k3, kx3     its first bin (integer-valued; N/2 + 1 for an  }
                     unused band) and its 1 / x0^2                  }
    kh               the precedence hold ([upmix.hold]): bins       }
                     0 .. kh - 1 hold (integer-valued; 0: none)     }
    hk               K, the hold's ramps                            }
    ho               K x the onset ratio                            }
    hr               K / the release ratio (release_db as power)    }
    ah               one-pole coefficient of the held ratio's drift }
                     (0.0 for all five without a hold)              }
    sa               the side attack b ([upmix] side_attack): t =   }
                     max(t, b x the frame's own ratio); 0.0: off    }
    ka, kd           the steering of the bins that hold ([upmix.    }
                     hold] steering_ms): K's rise a frame, its fall }
                     factor (0.0, 0.0: off)                         }
    pool             the decision's pool (bins each side)

The fixed-point upmix implements the "inphase" decision with slope 1.5 (the
power t^1.5 is t sqrt t, dsp_model/fixed/upmix.py) and pooled magnitudes;
other decisions are refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from device_profiles import UPMIX_WIDTH_BANDS
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
    a_short: float  # the decision's constants, each exactly a float32
    a_onset: float
    onset: float
    a_long: float
    kx: float
    mu: float
    lo2: float
    inv: float
    mag: float  # 1.0 or 0.0
    k1: float  # bands 1..3 of x0: first bin (an integer), 1 / x0^2
    kx1: float
    k2: float
    kx2: float
    k3: float
    kx3: float
    kh: float  # the precedence hold: bins that hold (an integer), its ramp K, K x onset,
    hk: float  # K / release (power ratios), drift coefficient
    ho: float
    hr: float
    ah: float
    sa: float  # the side attack b
    ka: float  # the steering: K's rise a frame, its fall factor
    kd: float
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


def f32(x: float) -> float:
    """x rounded to the nearest IEEE binary32 (as a Python float)."""
    return float(np.float32(x))


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
    if not math.isfinite(dec.onset):
        raise ValueError(f"upmix onset {dec.onset} must be finite for the fixed point")
    lo2, hi2 = design.lo**2, design.hi**2
    bands = list(design.center_bands)
    if len(bands) > UPMIX_WIDTH_BANDS:
        raise ValueError(f"upmix: {len(bands)} bands of center_width; the fixed point has "
                         f"{UPMIX_WIDTH_BANDS}")
    bands += [(n // 2 + 1, bands[-1][1])] * (UPMIX_WIDTH_BANDS - len(bands))  # empty
    more = {}
    for b, (first, x0) in enumerate(bands[1:], start=1):
        more[f"k{b}"], more[f"kx{b}"] = float(first), f32(x0**-2)
    return UpmixTables(
        fft_size=n, synthesis_size=ls, hop=design.hop, pool=dec.pool,
        a_short=f32(design.a_short), a_onset=f32(design.a_onset), onset=f32(dec.onset),
        a_long=f32(design.a_long),
        kx=f32(bands[0][1]**-2), mu=f32(dec.quadrature),
        lo2=f32(lo2), inv=f32(1.0 / (hi2 - lo2)), mag=1.0 if design.magnitude_votes else 0.0,
        **more,
        kh=float(design.hold_bins),
        hk=f32(dec.hold_ramp) if design.hold_bins else 0.0,
        ho=f32(dec.hold_ramp * design.hold_onset) if design.hold_bins else 0.0,
        hr=f32(dec.hold_ramp / design.hold_release) if design.hold_bins else 0.0,
        ah=f32(design.a_hold) if design.hold_bins else 0.0,
        sa=f32(design.side_attack),
        ka=f32(design.a_steer) if design.hold_bins else 0.0,
        kd=f32(design.steer_fall) if design.hold_bins else 0.0,
        analysis_window=q31(design.analysis_window),
        synthesis_window=q31(ws),
        twiddle_cos=q31(np.cos(2.0 * math.pi * k / n)),
        twiddle_sin=q31(np.sin(2.0 * math.pi * k / n)),
    )


def upmix_tables(settings, fs: int = 48000) -> UpmixTables:
    """Convenience: design (dsp_model.upmix.design_upmix) then quantize."""
    return quantize_upmix(U.design_upmix(settings, fs))
