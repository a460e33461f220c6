"""Arithmetic profiles per target DSP, and quantization of real coefficients.

An ``ArithProfile`` says, for one target, what the words are and what every
narrowing step does; the kernels in ``kernels.py`` implement exactly that.
The quantizers turn designed real coefficients (scipy ``sos`` / FIR taps)
into the target's integer tables, with fxpmath doing the rounding under
explicit options (round to nearest, ties to even; saturate) -- never its
defaults (fxpmath's default rounding is toward zero).

CMSIS table layouts produced here (and consumed by the kernels):

* Q31 biquad, per section ``{b0, b1, b2, -a1, -a2}`` -- scipy's ``sos`` rows
  are ``[b0, b1, b2, 1, a1, a2]`` for y = b.x - a1 y1 - a2 y2, CMSIS computes
  y = b.x + a1' y1 + a2' y2, so a1' = -a1, a2' = -a2. Every coefficient is
  stored as c / 2^post_shift in Q31; the kernel shifts the accumulator left by
  post_shift to undo it. One post_shift per cascade (CMSIS has one).
* Q15 biquad, per section ``{b0, 0, b1, b2, -a1, -a2}`` (the 0 pads the pair
  loads of the SIMD path), Q15, same post_shift meaning.
* FIR, taps *time-reversed*: ``coeffs[k] = h[N-1-k]`` (``arm_fir_q31``'s
  ``{b[numTaps-1], ..., b[0]}``). No post-shift: every |h| must be < 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from fxpmath import Fxp

ROUNDING = "around"  # fxpmath: round to nearest, ties to even (numpy.around)
OVERFLOW = "saturate"


@dataclass(frozen=True)
class ArithProfile:
    """The integer arithmetic of one target, as the kernels implement it.

    Formats are (word bits, fraction bits). Narrowing names are those of the
    ``ops`` primitives: ``floor`` = shr_floor, ``round`` = shr_round (half
    up), ``convergent``; store ``wrap`` = wrap to the word, ``saturate``.
    """

    target: str
    sample_format: tuple[int, int]  # data word
    coef_format: tuple[int, int]  # biquad / FIR coefficient word
    acc_bits: int  # accumulator width
    acc_overflow: str  # what the accumulator does on overflow
    max_post_shift: int  # largest biquad post-shift accepted
    biquad_kernel: str  # name in kernels.py
    biquad_hp_kernel: str  # for sections with poles near z = 1
    fir_kernel: str
    biquad_narrowing: str  # accumulator -> sample
    biquad_store: str
    fir_narrowing: str
    fir_store: str
    gain_kernel: str
    gain_narrowing: str
    gain_store: str
    mix_store: str  # mixer sum -> sample
    delay_kernel: str

    @property
    def sample_dtype(self) -> np.dtype:
        return np.dtype(np.int32 if self.sample_format[0] == 32 else np.int16)

    @property
    def coef_dtype(self) -> np.dtype:
        return np.dtype(np.int32 if self.coef_format[0] == 32 else np.int16)

    @property
    def full_scale(self) -> int:
        """2^(fraction bits) of a sample: the integer that stands for 1.0."""
        return 1 << self.sample_format[1]


_PROFILES = {
    # CMSIS-DSP on Cortex-M: Q31 data and coefficients, 64-bit accumulators
    # that wrap (SMLAL), biquad/FIR outputs narrowed by an arithmetic shift
    # (floor) then truncated to 32 bits (wrap) -- no saturation, whatever the
    # CMSIS docs say. Gain = arm_scale_q31 (floor, saturate), mixing saturates.
    "cmsis-q31": ArithProfile(
        target="cmsis-q31",
        sample_format=(32, 31),
        coef_format=(32, 31),
        acc_bits=64,
        acc_overflow="wrap",
        max_post_shift=7,
        biquad_kernel="biquad_df1_q31",
        biquad_hp_kernel="biquad_df1_32x64_q31",
        fir_kernel="fir_q31",
        biquad_narrowing="floor",
        biquad_store="wrap",
        fir_narrowing="floor",
        fir_store="wrap",
        gain_kernel="gain_q31",
        gain_narrowing="floor",
        gain_store="saturate",
        mix_store="saturate",
        delay_kernel="delay_q31",
    ),
    # A generic 16-bit DSP: Q15 data and coefficients, each Q15 x Q15 product
    # exact in 32 bits (Q30), products summed in a 32-bit accumulator with one
    # guard bit that wraps on overflow, outputs floor-shifted and saturated to
    # 16 bits: CMSIS's *fast* q15 kernels (arm_biquad_cascade_df1_fast_q15,
    # SMUAD/SMLAD; arm_fir_fast_q15), which the kernels are bit-exact to. Five
    # biquad products reach 5 * 2^30, so a section wraps for signals beyond
    # +-0.25 with large coefficients (the headroom plan's job).
    "generic-q15": ArithProfile(
        target="generic-q15",
        sample_format=(16, 15),
        coef_format=(16, 15),
        acc_bits=32,
        acc_overflow="wrap",
        max_post_shift=7,
        biquad_kernel="biquad_df1_fast_q15",
        biquad_hp_kernel="biquad_df1_fast_q15",
        fir_kernel="fir_fast_q15",
        biquad_narrowing="floor",
        biquad_store="saturate",
        fir_narrowing="floor",
        fir_store="saturate",
        gain_kernel="gain_q15",
        gain_narrowing="floor",
        gain_store="saturate",
        mix_store="saturate",
        delay_kernel="delay_q15",
    ),
    # The *precise* CMSIS q15 variant: as generic-q15 but the products are
    # summed in a 64-bit accumulator (SMLALD: arm_biquad_cascade_df1_q15,
    # arm_fir_q15), which cannot overflow (31 guard bits for a biquad, 33 for
    # FIRs below 2^33 taps). Not a device target (the profile schema has
    # cmsis-q31 and generic-q15); for models of a Cortex-M running the slow
    # q15 kernels.
    "cmsis-q15": ArithProfile(
        target="cmsis-q15",
        sample_format=(16, 15),
        coef_format=(16, 15),
        acc_bits=64,
        acc_overflow="wrap",
        max_post_shift=7,
        biquad_kernel="biquad_df1_q15",
        biquad_hp_kernel="biquad_df1_q15",
        fir_kernel="fir_q15",
        biquad_narrowing="floor",
        biquad_store="saturate",
        fir_narrowing="floor",
        fir_store="saturate",
        gain_kernel="gain_q15",
        gain_narrowing="floor",
        gain_store="saturate",
        mix_store="saturate",
        delay_kernel="delay_q15",
    ),
}

ARITH_TARGETS = tuple(_PROFILES)


def arith_profile(target_id: str) -> ArithProfile:
    """The arithmetic profile of a target id (a profile's ``target`` field)."""
    try:
        return _PROFILES[target_id]
    except KeyError:
        raise ValueError(
            f"unknown target {target_id!r}; expected one of {', '.join(ARITH_TARGETS)}"
        ) from None


# --------------------------------------------------------------- quantizers
def _fxp_raw(values: np.ndarray, word: int, frac: int) -> tuple[np.ndarray, bool]:
    """Round-to-nearest (ties even), saturating quantization via fxpmath.
    Returns the raw integers (int64) and whether anything saturated."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return np.zeros(v.shape, np.int64), False
    x = Fxp(v, True, word, frac, rounding=ROUNDING, overflow=OVERFLOW)
    raw = np.asarray(x.val, dtype=np.int64).reshape(v.shape)
    # fxpmath's status flag is sticky per object; check the values directly:
    # a value saturated iff its scaled real is outside the word's range.
    scaled = v * float(1 << frac)
    lo, hi = -(1 << (word - 1)), (1 << (word - 1)) - 1
    saturated = bool(np.any(scaled < lo - 0.5) or np.any(scaled > hi + 0.5))
    # Rounding up onto 2^(word-1) also saturates (e.g. 1 - 2^-40 in Q31).
    saturated |= bool(np.any(np.rint(scaled) > hi))
    return raw, saturated


def _check_sos(sos) -> np.ndarray:
    sos = np.atleast_2d(np.asarray(sos, dtype=np.float64))
    if sos.ndim != 2 or sos.shape[1] != 6 or sos.shape[0] < 1:
        raise ValueError(f"sos must have shape (n_sections, 6), got {sos.shape}")
    if not np.all(np.isfinite(sos)):
        raise ValueError("sos has non-finite coefficients")
    a0 = sos[:, 3]
    if np.any(a0 == 0):
        raise ValueError("sos has a section with a0 = 0")
    return sos / a0[:, None]


def _sos_cmsis_real(sos: np.ndarray) -> np.ndarray:
    """(n, 5) real {b0, b1, b2, -a1, -a2} from normalized scipy sos rows."""
    return np.column_stack([sos[:, 0], sos[:, 1], sos[:, 2], -sos[:, 4], -sos[:, 5]])


def _quantize_sos(sos, word: int, frac: int, post_shift, max_post_shift: int):
    real = _sos_cmsis_real(_check_sos(sos))
    shifts = range(max_post_shift + 1) if post_shift is None else [int(post_shift)]
    for ps in shifts:
        if not 0 <= ps <= max_post_shift:
            raise ValueError(f"post_shift {ps} outside 0..{max_post_shift}")
        raw, saturated = _fxp_raw(real / float(1 << ps), word, frac)
        if not saturated:
            return raw, ps
    peak = float(np.max(np.abs(real)))
    raise ValueError(
        f"sos coefficients up to {peak:.6g} do not fit Q{frac} with post_shift "
        f"{'<= ' + str(max_post_shift) if post_shift is None else post_shift}"
    )


def quantize_sos_q31(sos, post_shift: int | None = None, max_post_shift: int = 7):
    """scipy ``sos`` (n, 6) -> (int32 (n, 5) CMSIS ``{b0, b1, b2, -a1, -a2}``
    in Q31 scaled by 2^-post_shift, post_shift).

    post_shift=None picks the smallest shift at which no coefficient
    saturates. Rounding: to nearest, ties to even (fxpmath 'around').
    Raises ValueError if the coefficients do not fit."""
    raw, ps = _quantize_sos(sos, 32, 31, post_shift, max_post_shift)
    return raw.astype(np.int32), ps


def quantize_sos_q15(sos, post_shift: int | None = None, max_post_shift: int = 7):
    """scipy ``sos`` (n, 6) -> (int16 (n, 6) CMSIS q15 ``{b0, 0, b1, b2, -a1,
    -a2}`` in Q15 scaled by 2^-post_shift, post_shift). Same rules as the Q31
    version."""
    raw, ps = _quantize_sos(sos, 16, 15, post_shift, max_post_shift)
    out = np.zeros((raw.shape[0], 6), np.int16)
    out[:, 0] = raw[:, 0]
    out[:, 2:] = raw[:, 1:]
    return out, ps


def _quantize_fir(taps, word: int, frac: int) -> np.ndarray:
    h = np.asarray(taps, dtype=np.float64)
    if h.ndim != 1 or h.size < 1 or not np.all(np.isfinite(h)):
        raise ValueError(f"FIR taps must be a finite 1-D array, got shape {h.shape}")
    raw, saturated = _fxp_raw(h, word, frac)
    if saturated:
        k = int(np.argmax(np.abs(h)))
        raise ValueError(
            f"FIR tap {k} = {h[k]:.6g} does not fit Q{frac} (|h| must be < 1); "
            "scale the filter and move the gain elsewhere"
        )
    return raw[::-1]


def quantize_fir_q31(taps) -> np.ndarray:
    """Real FIR taps h[0..N-1] -> int32 Q31 in CMSIS time-reversed order
    (``coeffs[k] = round(h[N-1-k] * 2^31)``). Raises if any |h| >= 1."""
    return np.ascontiguousarray(_quantize_fir(taps, 32, 31).astype(np.int32))


def quantize_fir_q15(taps) -> np.ndarray:
    """Real FIR taps -> int16 Q15 in CMSIS time-reversed order. An odd-length
    filter gets a trailing zero tap h[N] = 0 (so ``coeffs[0] = 0``):
    ``arm_fir_q15`` works on tap pairs and needs an even count (with an odd
    count it reads one coefficient past the end)."""
    h = np.asarray(taps, dtype=np.float64)
    if h.ndim == 1 and h.size % 2:
        h = np.append(h, 0.0)
    return np.ascontiguousarray(_quantize_fir(h, 16, 15).astype(np.int16))


def quantize_gain_q31(gain: float) -> tuple[int, int]:
    """A real gain -> (scale_fract Q31, shift) for ``gain_q31`` (arm_scale_q31
    semantics: gain = scale_fract * 2^shift). Picks the smallest shift >= 0
    at which scale_fract fits; gains below 1 use shift 0."""
    g = float(gain)
    if not np.isfinite(g):
        raise ValueError(f"gain must be finite, got {gain}")
    for shift in range(0, 31):
        raw, saturated = _fxp_raw(np.array([g / (1 << shift)]), 32, 31)
        if not saturated:
            return int(raw[0]), shift
    raise ValueError(f"gain {gain} too large for Q31 with shift <= 30")


def quantize_gain_q15(gain: float) -> tuple[int, int]:
    """A real gain -> (scale_fract Q15, shift) for ``gain_q15``."""
    g = float(gain)
    if not np.isfinite(g):
        raise ValueError(f"gain must be finite, got {gain}")
    for shift in range(0, 16):
        raw, saturated = _fxp_raw(np.array([g / (1 << shift)]), 16, 15)
        if not saturated:
            return int(raw[0]), shift
    raise ValueError(f"gain {gain} too large for Q15 with shift <= 15")
