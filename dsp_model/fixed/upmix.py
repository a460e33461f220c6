"""Adaptive upmix, fixed point (upmix mode 1): the integer twin of dsp_model/upmix.py.

Same signal model, filterbank and decision as the float `Upmix` with the
shipped `decision = "inphase"` (read its docstring first; "ratio" has no
integer form: quantize_upmix refuses it); the signal path below is
integer, written in the ``ops`` primitives, the per-bin decision IEEE
binary32 (why: its bullet), and the C twin
``firmware_export/runtime/ss_upmix.c`` does the same steps in the same order
(bit-exact, tests/test_fixed_upmix.py). The tables (windows, twiddles, coefficients) come from
``firmware_export.quantize_upmix.quantize_upmix``; the forward FFT is CMSIS-DSP's
``arm_cfft_q31`` (``dsp_model.fixed.fft``, its bit-exact model; the C links the
vendored sources through ``ss_cfft.c``), with CMSIS's constant tables.

Scaling and overflow, per step (N = fft_size, nb = N/2 + 1 bins)
-----------------------------------------------------------------
* Input: M = shr_floor(L + R, 1), S = shr_floor(L - R, 1) (exact int64 sum,
  the halves fit int32). L, R delayed by synthesis_size - 1 in a ring.
* Analysis with a block exponent per frame: f = 30 - bitlen(max(mx - 1, 0)),
  mx = max |x| over the M and S frames, i.e. the largest f with mx 2^f <= 2^30
  (f = 30 - ceil(log2 mx)), in -1..30 (mx <= 2^31); x_w =
  shr_round(x * wa, 31 - f) (wa Q31 < 1, shift 1..32), so the frame uses the
  top of the word whatever the level and always keeps one guard bit (|x_w| <= 2^30)
  (the fast path and the C keep max |x| per block of b = gcd(N, hop) ring positions
  and rescan only the hop's blocks: the same mx; the C multiplies x 2^(f+1) by wa
  with one SMMULR, the same rounding, unless a peak is exactly 2^(30 - f)). Every
  spectral value below is "times 2^f" and its exponent says so (f = -1 is a
  frame scaled down: all the shifts below stay in range, 32 + f >= 31). A
  power-of-two peak (DC at 0.5, -2^31) gets the same f as the values just
  below it, not one bit less (6 dB of filterbank noise on validate's "DC +0.5"
  and +-FS squares). f is NOT clamped at 0: an earlier f = max(0, 30 -
  bitlen(mx)) gave a frame with |M| or |S| >= 2^30 (full-scale L = R: |M| up
  to 2^31) no guard bit, and the forward FFT saturated -- a complex pair of
  components up to 2^31 has magnitude up to 2^31 sqrt 2, which a twiddle
  rotates into one component, so the halved butterfly sums still exceed 2^31
  -- and the C frame out of the inverse reached 2^31 too: -22 dB error against
  the float upmix on validate's "full-band sweep 0 dBFS" (L = R), -26 dB on a
  +-FS 100 Hz square. The guard bit bounds every stage: the forward FFT's
  input z = M + i S has |z| <= 2^30 sqrt 2 < 2^31, and CMSIS's scaled stages
  keep every value below max |z| (plus rounding); inverse stage values are
  averages of the output's (the C frame, < 2^30 but for the w-filtered
  overshoot the inverse bullet describes).
* Forward FFT (CMSIS, #23): both real frames in one complex FFT, z[j] =
  M_w[j] + i S_w[j] (fr[0] interleaved), `arm_cfft_q31` of N points (radix 4
  for N = 4^k, radix-4-by-2 otherwise, then its bit reversal; scaling and
  rounding in dsp_model/fixed/fft.py: truncating shifts, output Z / N), then
  the split (`rfft2_q31`), k = 0..N/2, kk = (N - k) mod N:
  M[k] = (Z[k] + conj Z[kk]) / 2, S[k] = (Z[k] - conj Z[kk]) / 2i, each
  component shr_round(sum of two int32, 1) (fits int32 by the guard bit:
  |Z| <= max |z| <= 2^30 sqrt 2 plus a few LSB; no saturation).
  Result: the bins X[k] 2^f / N in int32, as the decision expects (CMSIS's
  truncation: ~1.4 LSB rms per bin at N = 4096 (radix 4), ~3 at 2048
  (radix 4-by-2, its last << 1 doubles it), against ~1 for the radix-2 FFT
  this replaced; -127 / -123 dB re the bins of a -12 dBFS noise frame).
  The inverse is CMSIS's as well (below).
The decision, per bin k (pass 1), then pooled and applied (passes 2, 3), in
IEEE binary32 (`_decide`; the signal path around it stays Q31):
* Why float. The decision is a gain per bin from statistics whose range no
  32-bit word at one exponent holds: the long statistics are 4th powers of
  the bins (120 dB of spectral range becomes 240 dB), so the integer form
  carried a pseudo-float (mantissa + exponent) per bin and statistic, and
  its bookkeeping, quotients and Newton square roots cost 1015 instructions
  per bin on the Cortex-M4, seven times the budget. Both parts the profiles
  stand for have a single-precision FPU (Cortex-M4F FPv4-SP, Cortex-M7
  FPv5), whose VDIV and VSQRT are one instruction each (14 cycles). IEEE 754
  makes it bit-exact: every operation below is one correctly rounded
  binary32 operation, written in the same order here (numba, float32
  scalars, no fastmath: no reassociation, no FMA contraction) and in C
  (FLT_EVAL_METHOD 0, -ffp-contract=off, no -ffast-math; ss_upmix.c refuses
  to build otherwise); no libm function but sqrt, which IEEE rounds
  correctly; subnormals are IEEE on x86 SSE, in numba and on both FPUs.
* Bins as floats: mr = float(Mr) g, ..., g = 2^-(f + BIN_SCALE_BITS) (the
  block exponent taken out; int32 -> float32 rounds to nearest): the bins
  as X / N 2^14 re full scale, at most 2^15, so |z|^2 <= 2^62 and the 8th
  powers in |E z^2| stay below 2^125 (no overflow at any input); a bin
  2^-15.75 (about 185 dB below the largest) has its 8th powers in the
  subnormals.
* pm = mr^2 + mi^2, ps = sr^2 + si^2, zr = sr mr + si mi, zi = si mr -
  sr mi (z = S M*); the side power (Pi + mu Pq per frame, the float's two
  statistics smoothed as one, the smoothing being linear) side = (zr^2 + mu
  zi^2) / pm, or mu ps for pm = 0 (all of S in quadrature, as the float).
* Short smoother: a = a_short + (a_onset - a_short) q, q = max(1 - u u,
  0), u = onset Pm / pm (Pm before the update; q = 0 for pm = 0);
  Pm += a (pm - Pm), Ps += a (side - Ps). Both branches of every test are
  continuous there, so the float and binary32 forms stay close.
* w_dir = 1 / (1 + t sqrt t), t = Ps kx / Pm (kx = 1 / x0^2 of the bin's
  band: kx from bin 0, kx1 from bin k1, kx2 from k2, kx3 from k3), then
  the side attack t = max(t, side inv_pm (sa kx)) for pm > 0 (the larger
  taken only where it is larger, so a NaN never is); 1 for Pm = 0; t = inf
  gives 0 (IEEE).
* Precedence hold, bins k < kh (the float's `_hold`, in this order; th, eh,
  hh, ks the state, 0 at reset): r = Ps / Pm (0 for Pm = 0), t = r kx, the
  side attack as above; the steering ks = ks + ka (rc - ks) if rc > ks,
  else kd ks, rc = min(r, 2^64) (an r that overflowed, from a subnormal Pm,
  leaves ks finite, so t / ks is never inf / inf), and t = t / ks where ks
  > 1 (ka = kd = 0: off, ks stays 0); for pm > 0 b =
  clamp(hk - ho (Pm_before inv_pm)) (clamp: max(., 0) then min(., 1), so a
  NaN clamps to 0), else 0; th += b (ps inv_pm kx - th) only where b > 0;
  eh = max(eh, pm); eh += b (pm - eh); hh += b (1 - hh); for pm > 0 rr =
  clamp(hr eh inv_pm - hk), else 1; hh *= 1 - rr; th += ah (t - th); t -=
  hh max(t - th, 0); w_dir = 1 / (1 + t sqrt t) (1 for t = 0).
* Long smoother: Zr += a_long ((zr^2 - zi^2) - Zr), Zi += a_long (zr zi 2 -
  Zi), Zd += a_long (pm ps - Zd) (E z^2, E|z|^2); with mag = 1 (votes
  weighted by |z|) az = sqrt(pm ps), h = 1 / az (0 for az = 0), the new
  values (zr^2 - zi^2) h, (zr zi 2) h and az instead; into the padded pool rows
  |E z^2| = sqrt(Zr^2 + Zi^2) and Zd, edge-replicated (the float's np.pad
  "edge").
* Pooling over +-pool bins without a subtraction: the padded bins are cut
  into segments of 2 pool; the window of bin k (padded k..k + 2 pool) is the
  suffix of segment k // (2 pool) from k plus the prefix of the next segment
  to k + 2 pool (running float sums, last segment first: its suffix
  accumulates while its bins are decided, then its prefixes replace its
  values for the segment before). A cumsum difference (the float's `_pool`)
  cancels catastrophically ~90 dB below the spectrum's peak.
* D = sum |E z^2| / sum E|z|^2 (0 for a zero denominator), lam = clip((D^2 -
  lo2) inv, 0, 1), w = lam w_dir + (1 - lam); w in Q31 (`f32_to_q31`: 2^31 -
  1 for w >= 1, else w 2^31 truncated, the C cast); C bins shr_round(w X,
  31) over the M bins (|C| <= |M|).
* Inverse real FFT (`irfft_q31`, #23), CMSIS's `arm_cfft_q31` inverse of N/2
  points after a merge and a block exponent. The merge (`merge_q31`):
  Z''[k] = A' + i W^-1 B' (A' = Y[k] + conj Y[N/2 - k], B' = Y[k] - conj
  Y[N/2 - k], components add32_sat / sub32_sat; t = W^-1 B' = `cmul_q31`:
  each component one exact int64 sum of two products rounded once to Q31 and
  saturated, sat32(shr_round(br c - bi s, 31)); Z'' = (A'r - ti, A'i + tr)),
  for k <= N/4, and Z''[N/2 - k] = (A'r + ti, tr - A'i) from the same A', B',
  t (the pair's A', B' are conj A', -conj B' and its twiddle -conj W^-1: its
  t is conj t), so one product pair serves two outputs (35.5 instructions
  per bin on the Cortex-M4 with the max scan, 60.5 before). Its output is
  the unscaled inverse's input: the C frame 2^f = IDFT(Z''), |Z''| <= 2 sqrt 2
  max |Y|. Block exponent g = min(30 - bitlen(m), 30 + log2(N/2) - f), m the
  largest x (x >= 0) or ~x (x < 0) over Z''s components (the C ORs x ^ (x >>
  31)), so |x| 2^g <= 2^30 (g = -1, a shr_floor by 1, when a saturated
  component exceeds 2^30): the guard bit keeps every CMSIS stage below
  max |z| <= 2^30 sqrt 2 < 2^31 (a 2^31 component pair could reach 1.27
  2^31 in a sum); the cap keeps the synthesis shift <= 62. Then Z'' 2^g
  (exact left shifts) and `arm_cfft_q31`(ifft 1, bit reversal; its model
  dsp_model/fixed/fft.py: truncating shifts, output IDFT / (N/2)): the frame
  2^(f + g) / (N/2). For N/2 not a power of 4 (N = 1024, 4096) CMSIS would
  run its radix-4-by-2 form, which shifts the inputs right by 2 and the
  outputs left by 1 (twice the truncation noise): instead the radix-2 step
  of its decimation in frequency is ours (`inverse_split_q31`), with its own
  block exponent on the sums and differences of Z''[k], Z''[k + N/4] (a
  peaky spectrum does not grow through it, so they keep the bit a halving
  step drops), then CMSIS's radix 4 of N/4 points twice (outputs 2m and 2m
  + 1; same frame scale). Precision: CMSIS's 1/(N/2) scaling cannot be
  undone for a peaky spectrum (a tone, a music mix's bass): the block
  exponent lifts the peak bin to 2^30, the output frame keeps ~2^30 / (N/2)
  of range and CMSIS's truncations (~1 LSB per stage) sit on it. Against the
  float upmix, music mix: -122.3 dB at studio5 (the split; -116.6 with the
  radix-4-by-2 form, whose validate tweeter read -95.3 dB on music against
  the bar of -100), -126.2 at compact2 (N/2 = 1024, radix 4).
  The own unscaled radix-2 inverse this replaced (1024 instructions per
  sample at studio5, 512 at compact2, against 767 and 300 now) gave -143.8
  and -130.7..-135.1; an unnormalised CMSIS inverse -108 on the sweep. No
  pruning: CMSIS runs whole transforms (the old radix 2 computed only the
  synthesis tail's butterflies, the last ls samples).
* Synthesis + OLA with a guard bit: term = shr_round(c * ws, 32 + f + g -
  log2(N/2)) (Q30, both block exponents and CMSIS's 1/(N/2) taken out here,
  shift 19..62; the periodic-Hann OLA sums to 1, so the Q30 sum stays below
  2^30 + rounding and CMSIS's truncations scaled back up -- ~1400 LSB at
  INT32_MIN on both inputs and fft 4096, tests/test_fixed_upmix.py bounds it
  by 2^30 + 2^14);
  output C = shl32_sat(ola, 1), whose saturation is then the only one a
  full-scale input reaches (by those rounding LSBs, where C = M = -2^31).
  L' = sub32_sat(Ld, C), R' = sub32_sat(Rd, C). Windows at exactly 1.0
  (wa at the fall's start; ws at hop = synthesis_size / 2) are 2^31 - 1 in
  Q31: 2^-31 relative, no effect at any level.

Cost of the decision per bin: 16 multiplies, 2 divisions and 1 square root
in pass 1 (the bins' scaling 4, powers and z 8, side 3 and its division,
smoothers 2 + 3, w_dir 3 with a division and a square root, z^2 3, |E z^2|
2 and its root), 4 adds per bin for the pooled sums, and D (a division),
lam, w, C in pass 3; about 30 floating-point operations. On the Cortex-M4
(qemu -icount, GCC 12 -O2 with the FPU, benchmarks/bench_target_upmix.py)
the C twin's decision takes 190 instructions per bin at studio5, the
split of Z into M and S included (1015 + 44 with the pseudo-floats it
replaces, 1596 before #23): pass 1 118 (the split 31 of it), pooling 13,
pass 3 60; its 3 VDIV and 2 VSQRT take 14 cycles each,
which instruction counts do not show (about +65 cycles per bin). The whole
upmix, instructions per stereo sample (benchmarks/bench_target_upmix.py):
studio5 2,764 (6,867 before this round, 16,590 before #23; forward 980,
decision 762, inverse 767 with the split step, analysis, synthesis and the
sample loop 189 -- its runs wrap no ring), compact2 1,360 (3,501; 8,053).

Measured against the float `Upmix` "inphase" on the same input
(tests/test_fixed_upmix.py, error energy re the input's mean channel
energy, studio5): -132.8 dB on the music mix, -132.6 center-only, -141.1
hard-left, -131.9 stationary, as with the pseudo-floats (-132.0, -132.3,
-140.2, -130.7); the family's SIRs equal the float's within 0.1 dB
(tests/test_fixed_upmix.py); -60 dB holds down to -100 dBFS input.

Two implementations of the frame, equal bit for bit (tests/test_fixed_upmix.py):
`_frame_reference`, the readable form of the steps above (and of the C's), and
`_frame`, which `upmix_q31` runs: the same operations laid out for LLVM's
vectorizer (see the comment above `_bl`; the forward FFT is
`fft.cfft_q31_fast`, forward and inverse), several times faster than the reference (the figures
are benchmarks/bench_chain.py's). `upmix_q31_reference` /
FixedUpmix(reference=True) run the former.

`bitlen64(x)` (x >= 0) = 64 - clz of the 64-bit word, from `clz32` of its
halves.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np
from numba.cpython.unsafe.numbers import leading_zeros

from device_profiles import UPMIX_HOLD_DIV as HOLD_DIV
from device_profiles import UPMIX_WIDTH_BANDS

from .fft import (
    CFFT_SIZES,
    CfftQ31,
    _t16,
    arm_cfft_init_q31,
    arm_cfft_q31,
    cfft_q31_fast,
    cfft_q31_fast_tables,
    natural_order,
)
from .ops import INT32_MAX, INT32_MIN
from .ops_nb import (
    add32_sat,
    clz32,
    sat32,
    shl32_sat,
    shr_floor,
    shr_round,
    sub32_sat,
)

_jit = nb.njit(cache=True)
_jit_np = nb.njit(cache=True, error_model="numpy")  # x / 0 is IEEE (every one is guarded)
M32 = 0xFFFFFFFF

POOL_MAX = 32
# the decision reads the bins as float32 X / N 2^(31 - BIN_SCALE_BITS) (X the DFT of the
# Q31 samples as values in [-1, 1)): a bin is at most 2^14 (2^15 for f = -1), so the
# 8th powers in |E z^2| stay below 2^124 < FLT_MAX
BIN_SCALE_BITS = 17
# the decision's constants (UpmixTables, float32), finite and >= 0 (upmix_q31_init refuses
# others, as the C's does): one-pole coefficients (short, at an onset), the onset ratio,
# the long one-pole, 1 / x0^2 (of the band from bin 0), mu, lo^2, 1 / (hi^2 - lo^2), 1.0
# where D weighs each frame's vote by |z| (0.0: by |z|^2), then the other bands of x0,
# each its first bin (an integer, the firsts non-decreasing, at most N/2 + 1: a band
# from N/2 + 1 is empty) and its 1 / x0^2; then the precedence hold: the bins that hold
# (bins 0 .. kh - 1, an integer at most N / HOLD_DIV, the state it keeps; 0: none), its
# ramp K, K x its onset ratio, K / its release ratio and the one-pole coefficient of the
# held ratio's drift; the side attack b ([upmix] side_attack; 0.0: off); last the steering
# of the bins that hold ([upmix.hold] steering_ms): the rise of K a frame and its fall
# factor, each at most 1 (0.0, 0.0: off)
DECISION_CONSTANTS = ("a_short", "a_onset", "onset", "a_long", "kx", "mu", "lo2", "inv", "mag",
                      "k1", "kx1", "k2", "kx2", "k3", "kx3", "kh", "hk", "ho", "hr", "ah", "sa",
                      "ka", "kd")
RATIO_CAP = np.float32(2.0**64)  # the steering reads r below this (module docstring)

# fft_size of the upmix: the forward FFT is arm_cfft_q31 of N points, the inverse of N/2
UPMIX_FFT_SIZES = tuple(n for n in CFFT_SIZES if n // 2 in CFFT_SIZES)

# st (int64 state scalars): ring position of the L/R delay, of the M/S history,
# phase in the hop.
ST_DL, ST_HIST, ST_PHASE = 0, 1, 2


class UpmixQ31(NamedTuple):
    """Tables (from quantize_upmix) and state of the fixed-point upmix."""

    fft_size: int
    synthesis_size: int
    hop: int
    pool: int
    a_short: np.float32  # the decision's constants, IEEE binary32
    a_onset: np.float32
    onset: np.float32
    a_long: np.float32
    kx: np.float32
    mu: np.float32
    lo2: np.float32
    inv: np.float32
    mag: np.float32
    k1: np.float32  # first bins and 1 / x0^2 of bands 1..3
    kx1: np.float32
    k2: np.float32
    kx2: np.float32
    k3: np.float32
    kx3: np.float32
    kh: np.float32  # the precedence hold: bins 0 .. kh - 1 hold; K, K onset, K / release,
    hk: np.float32  # the drift's coefficient
    ho: np.float32
    hr: np.float32
    ah: np.float32
    sa: np.float32  # the side attack b
    ka: np.float32  # the steering: K's rise a frame, its fall factor
    kd: np.float32
    wa: np.ndarray  # int32 (N,)
    ws: np.ndarray  # int32 (ls,)
    tw_cos: np.ndarray  # int32 (N/2 + 1,): the inverse real FFT's merge twiddles (k <= N/4 read)
    tw_sin: np.ndarray
    cf: CfftQ31  # arm_cfft_q31 of N points (the forward FFT of M + i S)
    ci: CfftQ31  # arm_cfft_q31 of inverse_cfft_len(N) points (the inverse)
    # state
    st: np.ndarray  # int64 (3,)
    dl: np.ndarray  # int32 (2, ls - 1): L, R delay rings
    hist: np.ndarray  # int32 (2, N): M, S rings
    hmax: np.ndarray  # int64 (N / b,): max |M|, |S| over ring positions [i b, (i + 1) b),
    # b = gcd(N, hop) (fast path: a frame rescans only the hop's blocks)
    ola: np.ndarray  # int32 (ls,) Q30
    ready: np.ndarray  # int32 (hop,)
    pw: np.ndarray  # float32 (2, nb): Pm, Ps
    hold: np.ndarray  # float32 (5, N / HOLD_DIV): the held t, |M|^2's peak, the strength;
    # row 3 work: the Pm before the frame's update; row 4 the steering K
    zst: np.ndarray  # float32 (3, nb): Re, Im E z^2, E|z|^2
    # work (contents do not carry between frames)
    fr: np.ndarray  # int32 (2, 2 N): row 0 the M + i S frame, then the M (later C) bins;
    # row 1 the S bins, then the merged spectrum and the inverse FFT's output (first N);
    # the fast path's row 1: the forward FFT's output in natural order (`_split`)
    wdir: np.ndarray  # float32 (nb,)
    q: np.ndarray  # float32 (4, nb + 2 pool): |E z^2|, E|z|^2 (then their running sums);
    # rows 2, 3 the fast path's suffix sums
    # fast path (`_frame`): tables derived from the ones above, and its work, in
    # four arrays (each array of the tuple costs a call from Python ~0.15 us)
    itab: np.ndarray  # int32 (9, len of ci): the inverse FFT's (fft.cfft_q31_fast_tables of ci)
    stab: np.ndarray  # int32 (ls,): where the inverse FFT leaves the tail's samples in w32
    ctab: np.ndarray  # int32 (9, N): the forward FFT's (fft.cfft_q31_fast_tables of cf)
    w32: np.ndarray  # int32 (8, nb): the inverse FFT's re, im (the first N/2; rows 2, 3 are
    # free since the merge needs no gather), Mre, Mim, Sre, Sim bins (rows 4, 5 then the C bins)


def upmix_q31_init(t) -> UpmixQ31:
    """An instance with zeroed state from `UpmixTables` t."""
    n, ls, h, p = int(t.fft_size), int(t.synthesis_size), int(t.hop), int(t.pool)
    if not 1 <= p <= POOL_MAX:
        raise ValueError(f"upmix pool {p} must be in 1..{POOL_MAX}")
    consts = []
    for name in DECISION_CONSTANTS:
        v = np.float32(getattr(t, name))
        if v.view(np.uint32) >= 0x7F800000:  # sign set, inf or NaN (the C twin's test)
            raise ValueError(f"upmix table {name} = {getattr(t, name)} is not a finite "
                             "float32 >= 0")
        consts.append(v)
    if n not in UPMIX_FFT_SIZES:
        raise ValueError(f"upmix fft_size {n} must be one of {UPMIX_FFT_SIZES}")
    problem = decision_problem(dict(zip(DECISION_CONSTANTS, consts, strict=True)), n)
    if problem:
        raise ValueError(f"upmix table {problem}")
    nb_ = n // 2 + 1
    npad = nb_ + 2 * p
    blk = min(n, h & -h)  # gcd(N, hop), N a power of two
    itab = cfft_q31_fast_tables(arm_cfft_init_q31(inverse_cfft_len(n)))
    return UpmixQ31(
        n, ls, h, p, *consts,
        np.ascontiguousarray(t.analysis_window, np.int32),
        np.ascontiguousarray(t.synthesis_window, np.int32),
        np.ascontiguousarray(t.twiddle_cos, np.int32),
        np.ascontiguousarray(t.twiddle_sin, np.int32),
        arm_cfft_init_q31(n), arm_cfft_init_q31(inverse_cfft_len(n)),
        np.zeros(3, np.int64), np.zeros((2, max(ls - 1, 1)), np.int32),
        np.zeros((2, n), np.int32), np.zeros(n // blk, np.int64), np.zeros(ls, np.int32),
        np.zeros(h, np.int32),
        np.zeros((2, nb_), np.float32),
        np.zeros((5, n // HOLD_DIV), np.float32),
        np.zeros((3, nb_), np.float32),
        np.zeros((2, 2 * n), np.int32), np.zeros(nb_, np.float32),
        np.zeros((4, npad), np.float32),
        itab, _synthesis_positions(n, ls, itab[0]),
        cfft_q31_fast_tables(arm_cfft_init_q31(n)),
        np.zeros((8, nb_), np.int32),
    )


def decision_problem(c: dict, fft_size: int) -> str | None:
    """What is wrong with the decision constants c (name -> float32 value, each
    already finite and >= 0) beyond that, or None: mag a flag, the bands' first
    bins integers, non-decreasing, at most fft_size/2 + 1, the hold's bins an
    integer at most fft_size / HOLD_DIV, the steering's ka, kd at most 1 (the C's
    test)."""
    if c["mag"] not in (0.0, 1.0):
        return f"mag = {c['mag']} must be 1.0 (votes weighted by |z|) or 0.0 (by |z|^2)"
    firsts = [c[f"k{b}"] for b in range(1, UPMIX_WIDTH_BANDS)]
    nb = fft_size // 2 + 1
    if any(k != int(k) or k > nb for k in firsts) or firsts != sorted(firsts):
        return (f"band first bins k1..k3 = {[float(k) for k in firsts]} must be integers, "
                f"non-decreasing, at most {nb}")
    if c["kh"] != int(c["kh"]) or c["kh"] > fft_size // HOLD_DIV:
        return (f"hold bins kh = {float(c['kh'])} must be an integer, at most "
                f"{fft_size // HOLD_DIV}")
    if c["ka"] > 1.0 or c["kd"] > 1.0:
        return (f"steering ka = {float(c['ka'])}, kd = {float(c['kd'])} must be at most 1 "
                "(a rise a frame and a fall factor)")
    return None


def _synthesis_positions(n: int, ls: int, pos: np.ndarray) -> np.ndarray:
    """int32 (ls,): the flat index into w32 (int32 (8, N/2 + 1)) of the
    inverse FFT's sample t = N - ls + j: re (row 0) or im (row 1) of output c
    = t / 2, at its position pos[c]; split (two inverses of N/4): of half c %
    2 at pos[c / 2]."""
    t = np.arange(n - ls, n)
    c = t >> 1
    q = (c & 1) * (n // 4) + pos[c >> 1] if len(pos) != n // 2 else pos[c]
    return ((t & 1) * (n // 2 + 1) + q).astype(np.int32)


def inverse_cfft_len(fft_size: int) -> int:
    """The length of the CMSIS inverse transforms: N/2 when it is a power of 4
    (radix 4), else N/4, twice, after a radix-2 step of our own: CMSIS's
    radix-4-by-2 form (N/2 = 512, 2048) shifts its inputs right by 2 and its
    outputs left by 1, doubling the truncation noise (studio5's tweeter read
    -95.3 dB on validate's music against the bar of -100 with it)."""
    n2 = fft_size // 2
    return n2 if n2 & 0x55555555 else n2 // 2


# ------------------------------------------------------------------ helpers
@_jit
def bitlen64(x):
    """Bit length of x >= 0 (0 for 0): 64 - clz64(x) from clz32 of the halves."""
    x = np.int64(x)
    hi = x >> 32
    if hi != 0:
        return 64 - clz32(hi)
    return 32 - clz32(x & 0xFFFFFFFF)


# ------------------------------------------------------------------ decision
@_jit
def f32_pow2(e):
    """2^e as a float32 (exact: e in -126..127, a normal power of two)."""
    return np.float32(math.ldexp(1.0, e))


@_jit
def f32_to_q31(w):
    """A gain w in [0, 1] (float32) as Q31: 2^31 - 1 for w >= 1, else w 2^31
    truncated (exact product, the C's (int32_t) conversion)."""
    if w >= np.float32(1.0):
        return np.int64(INT32_MAX)
    return np.int64(w * np.float32(2147483648.0))


@_jit_np
def _decide(u, f, mre, mim, sre, sim):
    """The per-bin decision of a frame at block exponent f, in IEEE binary32
    (module docstring "The decision"): from the M, S bins (int32 arrays, any
    stride) to the C bins, written over the M bins. Every line is one rounded
    float32 operation in the C's order (F32 constants keep numba in float32)."""
    nbins = mre.shape[0]
    p = u.pool
    zero = np.float32(0.0)
    one = np.float32(1.0)
    qm, qd, wdir = u.q[0], u.q[1], u.wdir
    _decide_bins(u, f, mre, mim, sre, sim)
    npad = nbins + 2 * p
    for j in range(p):  # edge replication
        qm[j] = qm[p]
        qd[j] = qd[p]
        qm[npad - 1 - j] = qm[npad - 1 - p]
        qd[npad - 1 - j] = qd[npad - 1 - p]
    # passes 2 and 3, per segment of 2 p padded bins, the last first: the window
    # of bin k (padded k..k + 2 p) is the suffix of segment k // seg from k plus
    # the prefix of the next segment to k + 2 p; the suffix accumulates while the
    # segment's bins are decided, then the segment's prefixes replace its values
    seg = 2 * p
    lo2, inv = u.lo2, u.inv
    for sg in range((npad - 1) // seg, -1, -1):
        j0 = sg * seg
        j1 = min(j0 + seg, npad)
        sm = zero
        sd = zero
        for j in range(j1 - 1, j0 - 1, -1):
            sm = sm + qm[j]
            sd = sd + qd[j]
            if j < nbins:
                wm = sm + qm[j + seg]
                wdn = sd + qd[j + seg]
                d = wm / wdn if wdn > zero else zero
                lam = (d * d - lo2) * inv
                lam = min(max(lam, zero), one)
                wdir[j] = lam * wdir[j] + (one - lam)  # w, applied below
        sm = zero
        sd = zero
        for j in range(j0, j1):
            sm = sm + qm[j]
            sd = sd + qd[j]
            qm[j] = sm
            qd[j] = sd
    # the gains apart from the running sums: this loop vectorizes
    for k in range(nbins):
        w = f32_to_q31(wdir[k])
        mre[k] = shr_round(w * np.int64(mre[k]), 31)
        mim[k] = shr_round(w * np.int64(mim[k]), 31)


@_jit_np
def _decide_bins(u, f, mre, mim, sre, sim):
    """`_decide`'s pass 1 (both forms): the smoothers' state, w_dir into u.wdir,
    |E z^2| and E|z|^2 into the pool rows u.q[0, 1] from pool on."""
    nbins = mre.shape[0]
    p = u.pool
    zero = np.float32(0.0)
    one = np.float32(1.0)
    two = np.float32(2.0)
    g = f32_pow2(-(f + BIN_SCALE_BITS))
    a_s, on, a_l, mu, sa = u.a_short, u.onset, u.a_long, u.mu, u.sa
    k1, k2, k3 = np.int64(u.k1), np.int64(u.k2), np.int64(u.k3)  # the bands of x0
    da = u.a_onset - a_s
    pm_s, ps_s, zr_s, zi_s, zd_s = u.pw[0], u.pw[1], u.zst[0], u.zst[1], u.zst[2]
    qm, qd, wdir = u.q[0], u.q[1], u.wdir
    mag = u.mag > zero  # each frame's vote weighted by |z| (else |z|^2)
    # pass 1: powers, z = S M*, the side power, both smoothers, w_dir, |E z^2|; as
    # three loops, each recomputing the bins' products it needs (the same rounded
    # operations, so the same values): one loop writing all eight arrays needs more
    # run-time overlap checks than LLVM makes and stays scalar (4.5x slower)
    kh = np.int64(u.kh)
    for k in range(kh):  # the Pm before the update, for the hold below
        u.hold[3, k] = pm_s[k]
    for k in range(nbins):  # the short smoother, w_dir (this loop vectorizes from bin 0)
        mr = np.float32(mre[k]) * g
        mi = np.float32(mim[k]) * g
        sr = np.float32(sre[k]) * g
        si = np.float32(sim[k]) * g
        pm = mr * mr + mi * mi
        ps = sr * sr + si * si
        zr = sr * mr + si * mi
        zi = si * mr - sr * mi
        # both arms computed, one taken (1 / 0 = inf is never taken): the loop stays a
        # select, which vectorizes, where an if/else block did not (1.4x the upmix's time)
        pos = pm > zero
        inv_pm = one / pm
        side = (zr * zr + mu * (zi * zi)) * inv_pm if pos else mu * ps
        kx = u.kx if k < k1 else u.kx1 if k < k2 else u.kx2 if k < k3 else u.kx3
        ti = side * inv_pm * (sa * kx) if pos else zero  # the side attack's b t_frame
        u_ = on * pm_s[k] * inv_pm
        q = one - u_ * u_
        q = q if pos and q > zero else zero
        a = a_s + da * q
        pmk = pm_s[k] + a * (pm - pm_s[k])
        psk = ps_s[k] + a * (side - ps_s[k])
        pm_s[k] = pmk
        ps_s[k] = psk
        t = psk * kx / pmk
        t = ti if ti > t else t  # (a NaN ti, from a subnormal pm, is never taken)
        wdir[k] = one / (one + t * np.float32(np.sqrt(t))) if pmk > zero else one
    _hold_bins(u, kh, g, mre, mim, sre, sim)  # the bins that hold: their w_dir again
    for k in range(nbins):  # E z^2, |E z^2|
        mr = np.float32(mre[k]) * g
        mi = np.float32(mim[k]) * g
        sr = np.float32(sre[k]) * g
        si = np.float32(sim[k]) * g
        zr = sr * mr + si * mi
        zi = si * mr - sr * mi
        zr2 = zr * zr - zi * zi
        zi2 = zr * zi * two
        if mag:  # z^2 / |z|
            az = np.float32(np.sqrt((mr * mr + mi * mi) * (sr * sr + si * si)))
            hw = one / az if az > zero else zero
            zr2 = zr2 * hw
            zi2 = zi2 * hw
        zrk = zr_s[k] + a_l * (zr2 - zr_s[k])
        zik = zi_s[k] + a_l * (zi2 - zi_s[k])
        zr_s[k] = zrk
        zi_s[k] = zik
        qm[k + p] = np.float32(np.sqrt(zrk * zrk + zik * zik))
    for k in range(nbins):  # E|z|^2
        mr = np.float32(mre[k]) * g
        mi = np.float32(mim[k]) * g
        sr = np.float32(sre[k]) * g
        si = np.float32(sim[k]) * g
        pm = mr * mr + mi * mi
        ps = sr * sr + si * si
        vw = pm * ps
        if mag:  # |z|
            vw = np.float32(np.sqrt(vw))
        zdk = zd_s[k] + a_l * (vw - zd_s[k])
        zd_s[k] = zdk
        qd[k + p] = zdk


@_jit_np
def _hold_bins(u, kh, g, mre, mim, sre, sim):
    """After pass 1's first loop: bins 0 .. kh - 1's w_dir again, with t held
    (module docstring), from the same rounded operations (the powers, z and the
    side attack again, the smoothed Pm, Ps it stored, the Pm before it in
    u.hold[3]). Apart, so that loop still vectorizes from bin 0 (started at kh
    it did not: 25 % slower); recomputed rather than stored by pass 1, whose
    store would cost every bin to spare the few that hold."""
    zero = np.float32(0.0)
    one = np.float32(1.0)
    pm_s, ps_s = u.pw[0], u.pw[1]
    for k in range(kh):
        mr = np.float32(mre[k]) * g
        mi = np.float32(mim[k]) * g
        sr = np.float32(sre[k]) * g
        si = np.float32(sim[k]) * g
        pm = mr * mr + mi * mi
        ps = sr * sr + si * si
        zr = sr * mr + si * mi
        zi = si * mr - sr * mi
        pos = pm > zero
        inv_pm = one / pm
        pm0 = u.hold[3, k]
        pmk = pm_s[k]
        psk = ps_s[k]
        kx = u.kx if k < u.k1 else u.kx1 if k < u.k2 else u.kx2 if k < u.k3 else u.kx3
        r = psk / pmk if pmk > zero else zero
        t = r * kx
        side = (zr * zr + u.mu * (zi * zi)) * inv_pm  # the side attack, as in pass 1
        ti = side * inv_pm * (u.sa * kx)
        t = ti if pos and ti > t else t
        ks = u.hold[4, k]  # the steering
        rc = r if r < RATIO_CAP else RATIO_CAP
        ks = ks + u.ka * (rc - ks) if rc > ks else u.kd * ks
        u.hold[4, k] = ks
        t = t / ks if ks > one else t
        hk = u.hk
        th, eh, hh = u.hold[0, k], u.hold[1, k], u.hold[2, k]
        b = zero
        rr = one
        if pos:  # the onset weight b, the release rr (NaN, from a subnormal pm, clamps to 0)
            b = hk - u.ho * (pm0 * inv_pm)
            b = b if b > zero else zero
            b = b if b < one else one
        if b > zero:
            th = th + b * (ps * inv_pm * kx - th)
        eh = eh if eh > pm else pm
        eh = eh + b * (pm - eh)
        hh = hh + b * (one - hh)
        if pos:
            rr = u.hr * eh * inv_pm - hk
            rr = rr if rr > zero else zero
            rr = rr if rr < one else one
        hh = hh * (one - rr)
        th = th + u.ah * (t - th)
        dt = t - th
        dt = dt if dt > zero else zero
        t = t - hh * dt
        u.hold[0, k], u.hold[1, k], u.hold[2, k] = th, eh, hh
        u.wdir[k] = one / (one + t * np.float32(np.sqrt(t)))


@_jit
def _seg_sums1(qm, qd, om, od, j0, j1, backward):
    """Running float32 sums of qm, qd over j0..j1 - 1 into om, od: suffix sums
    (from j1 - 1 down) or prefix sums (from j0 up), each a sequential chain."""
    a = b = np.float32(0.0)
    n = j1 - j0
    for i in range(n):
        j = np.uint64(j1 - 1 - i if backward else j0 + i)
        a = a + qm[j]
        b = b + qd[j]
        om[j] = a
        od[j] = b


@_jit
def _seg_sums16(q, om, work, j0, seg):
    """`_seg_sums1`'s suffix sums (into om) and prefix sums (into q, in place)
    of the sixteen segments of seg (a multiple of 16) values from j0, the
    segments as the 16 lanes of a vector: the block transposed (`fft._t16`,
    float32 words as int32) into work, both running sums down its rows (each
    lane's adds in the reference's order), back. Interleaved scalar chains
    wait on the loads and stores of every add: ~2x slower.
    work: int32 (>= 32 seg,)."""
    zero = np.float32(0.0)
    n = 16 * seg
    x, o = q.view(np.int32), om.view(np.int32)
    t, r = work[:n], work[n:2 * n]
    tf, rf = t.view(np.float32), r.view(np.float32)
    for c in range(0, seg, 16):  # t[16 i + l] = q[j0 + seg l + i]
        _t16(x, j0 + c, seg, t, 16 * c, 16)
    # the running sums as one loop over the block, a dependence 16 words (one
    # vector) apart: LLVM vectorizes that, not a loop per row
    for k in range(n - 16, n):  # suffixes
        rf[k] = zero + tf[k]
    for i in range(n - 16):
        k = np.uint64(n - 17 - i)
        rf[k] = rf[k + np.uint64(16)] + tf[k]
    for c in range(0, seg, 16):
        _t16(r, 16 * c, 16, o, j0 + c, seg)
    for k in range(16):  # prefixes
        rf[k] = zero + tf[k]
    for k in range(16, n):
        rf[k] = rf[np.uint64(k - 16)] + tf[k]
    for c in range(0, seg, 16):
        _t16(r, 16 * c, 16, x, j0 + c, seg)


@_jit_np
def _decide_fast(u, f, mre, mim, sre, sim):
    """`_decide` (the fast path's, on contiguous rows), the same float32
    operations in the same order: pass 1 shared; the pooled sums as all the
    segments' suffixes and prefixes, sixteen segments at a time as vector
    lanes (`_seg_sums16`, each lane's adds in the reference's order; the
    shipped pools leave one segment over, summed on its own); then the gains
    per bin from the suffix at k and the prefix at k + 2 pool, in a loop that
    vectorizes."""
    nbins = mre.shape[0]
    p = u.pool
    zero = np.float32(0.0)
    one = np.float32(1.0)
    qm, qd, sm, sd, wdir = u.q[0], u.q[1], u.q[2], u.q[3], u.wdir
    _decide_bins(u, f, mre, mim, sre, sim)
    npad = nbins + 2 * p
    for j in range(p):  # edge replication
        qm[np.uint64(j)] = qm[p]
        qd[np.uint64(j)] = qd[p]
        qm[npad - 1 - j] = qm[npad - 1 - p]
        qd[npad - 1 - j] = qd[npad - 1 - p]
    seg = 2 * p
    n16 = 0  # segments done sixteen at a time (seg a multiple of 16)
    if seg % 16 == 0:
        n16 = npad // (16 * seg) * 16 * seg
        work = u.fr[1]  # free after the split
        for j0 in range(0, n16, 16 * seg):
            _seg_sums16(qm, sm, work, j0, seg)
            _seg_sums16(qd, sd, work, j0, seg)
    for j0 in range(n16, npad, seg):  # the rest, one segment at a time: suffixes,
        _seg_sums1(qm, qd, sm, sd, j0, min(j0 + seg, npad), True)
        _seg_sums1(qm, qd, qm, qd, j0, min(j0 + seg, npad), False)  # then prefixes in place
    lo2, inv = u.lo2, u.inv
    for k in range(nbins):
        ks = np.uint64(k + seg)  # unsigned: no negative-index wraparound test
        wm = sm[k] + qm[ks]
        wdn = sd[k] + qd[ks]
        d = wm / wdn if wdn > zero else zero
        lam = (d * d - lo2) * inv
        lam = min(max(lam, zero), one)
        w = f32_to_q31(lam * wdir[k] + (one - lam))
        mre[k] = shr_round(w * np.int64(mre[k]), 31)
        mim[k] = shr_round(w * np.int64(mim[k]), 31)


# ------------------------------------------------------------------ FFT glue
@_jit
def rfft2_q31(inst, buf, dst):
    """The real FFTs of two real N-point frames through one complex FFT: buf
    int32 (2 N,) holds z = x + i y (x[j] at buf[2 j], y[j] at buf[2 j + 1]);
    arm_cfft_q31 (N points, forward: Z / N), then for k = 0..N/2 (kk = (N - k)
    mod N): X = (Z[k] + conj Z[kk]) / 2 into buf, Y = (Z[k] - conj Z[kk]) / 2i
    into dst (re, im interleaved, bins X[k] / N, Y[k] / N), each component
    shr_round(sum of two int32, 1) (fits int32 when |z| < 2^31 - a few LSB, so
    that |Z| does too: the upmix's z has |z| <= 2^30 sqrt 2). In place: bin k's
    slot is read only for bins k and N - k > N/2."""
    n = inst.fft_len
    arm_cfft_q31(inst, buf, 0, 1)
    for k in range(n // 2 + 1):
        kk = (n - k) & (n - 1)
        zr, zi = np.int64(buf[2 * k]), np.int64(buf[2 * k + 1])
        yr, yi = np.int64(buf[2 * kk]), np.int64(buf[2 * kk + 1])
        buf[2 * k] = shr_round(zr + yr, 1)
        buf[2 * k + 1] = shr_round(zi - yi, 1)
        dst[2 * k] = shr_round(zi + yi, 1)
        dst[2 * k + 1] = shr_round(yr - zr, 1)


@_jit
def cmul_q31(br, bi, c, s):
    """b W^-1 for b = br + i bi (int32), W^-1 = c + i s (Q31): each component
    one exact int64 sum of two products, rounded once to Q31 and saturated:
    sat32(shr_round(br c - bi s, 31)), sat32(shr_round(bi c + br s, 31))
    (|sum| < 2^63; saturates only when |b| > 2^31, the rare overshoot)."""
    tr = sat32(shr_round(br * c - bi * s, 31))
    ti = sat32(shr_round(bi * c + br * s, 31))
    return tr, ti


@_jit
def merge_q31(src, dst, n2, tw_cos, tw_sin):
    """The N/2-point complex spectrum whose inverse DFT (unscaled) is the N real
    samples of the bins Y[k] (= X[k] / N, k = 0..N/2) src holds (int32 (N +
    2,), re, im interleaved), into dst[:N] (interleaved): Z''[k] = A' + i W^-1
    B' (A' = Y[k] + conj Y[N/2 - k], B' = Y[k] - conj Y[N/2 - k], components
    add32_sat / sub32_sat; t = W^-1 B' = `cmul_q31`(B', W^-1 = tw_cos[k] + i
    tw_sin[k]), Z''[k] = (A'r - ti, A'i + tr)) for k <= N/4, and Z''[N/2 - k]
    = (A'r + ti, tr - A'i) for 0 < k < N/4 (its A', B' are conj A', -conj B'
    and W^-1(N/2 - k) = -conj W^-1(k), so its t is conj t: one product pair
    for both)."""
    for k in range(n2 // 2 + 1):
        kk = n2 - k
        yr, yi = np.int64(src[2 * k]), np.int64(src[2 * k + 1])
        vr, vi = np.int64(src[2 * kk]), np.int64(src[2 * kk + 1])
        ar, ai = add32_sat(yr, vr), sub32_sat(yi, vi)  # A'
        br, bi = sub32_sat(yr, vr), add32_sat(yi, vi)  # B'
        tr, ti = cmul_q31(br, bi, np.int64(tw_cos[k]), np.int64(tw_sin[k]))
        dst[2 * k] = sub32_sat(ar, ti)
        dst[2 * k + 1] = add32_sat(ai, tr)
        if 0 < k < n2 // 2:
            dst[2 * kk] = add32_sat(ar, ti)
            dst[2 * kk + 1] = sub32_sat(tr, ai)


@_jit
def irfft_q31(inst, src, dst, tw_cos, tw_sin, gmax):
    """The N real samples whose bins Y[k] (= X[k] / N) src holds (int32 (N +
    2,)), into dst[:N] through `arm_cfft_q31`'s inverse of N/2 points (inst):
    `merge_q31`; the block exponent g = min(30 - bitlen(m), gmax), m the
    largest of x (x >= 0) or ~x (x < 0) over the merged components (so |x| 2^g
    <= 2^30; g = -1 when a component exceeds 2^30); the merged spectrum times
    2^g (g = -1: shr_floor by 1); the inverse (1/(N/2) as it goes). dst = the
    frame 2^g / (N/2). Returns g."""
    n2 = (src.shape[0] - 2) // 2
    merge_q31(src, dst, n2, tw_cos, tw_sin)
    if inst.fft_len != n2:
        return _irfft_split_q31(inst, dst, n2, tw_cos, tw_sin, gmax)
    m = np.int64(0)
    for i in range(2 * n2):
        x = np.int64(dst[i])
        m = max(m, x if x >= 0 else ~x)
    g = min(30 - bitlen64(m), gmax)
    for i in range(2 * n2):
        dst[i] = dst[i] << g if g >= 0 else shr_floor(dst[i], 1)
    arm_cfft_q31(inst, dst, 1, 1)
    return g


@_jit
def _irfft_split_q31(inst, dst, n2, tw_cos, tw_sin, gmax):
    """irfft_q31's inverse for n2 not a power of 4, from the merged spectrum in
    dst: `inverse_split_q31`, the two inverses of n2/2 points, the outputs in
    natural order. Returns g."""
    g = inverse_split_q31(dst, n2, tw_cos, tw_sin, gmax)
    h = n2 // 2
    arm_cfft_q31(inst, dst[:2 * h], 1, 1)
    arm_cfft_q31(inst, dst[2 * h:4 * h], 1, 1)
    even = dst[:2 * h].copy()  # outputs 2m, then 2m + 1: natural order
    for q in range(h):
        dst[4 * q + 2] = dst[2 * h + 2 * q]
        dst[4 * q + 3] = dst[2 * h + 2 * q + 1]
    for q in range(h):
        dst[4 * q] = even[2 * q]
        dst[4 * q + 1] = even[2 * q + 1]
    return g


@_jit
def inverse_split_q31(buf, n2, tw_cos, tw_sin, gmax):
    """The radix-2 step (decimation in frequency) of an n2-point inverse DFT on
    the merged spectrum Z in buf (interleaved), with its own block exponent:
    for k < h = n2/2 the sums S = Z[k] + Z[k + h] and differences D = Z[k] -
    Z[k + h] (int64), e = min(30 - bitlen(m), gmax - 1), m the largest x or ~x
    over their components (|x| 2^e <= 2^30: the guard bit), A = S 2^e into k,
    B = `cmul_q31`(D 2^e, W^-k) into k + h (W^-k = tw[2 k] of the N-point
    tables, N = 2 n2; 2^e: exact left shift, or shr_floor). The inverse of A of
    h points gives the outputs 2m, that of B the outputs 2m + 1; with CMSIS's
    1/h the frame is 2^(e + 1) / n2: returns g = e + 1. Why its own exponent: a
    peaky spectrum (a tone, a mix's bass) does not grow through the step, so
    the sums keep the bit a halving step would drop (CMSIS's radix-4-by-2 form
    drops two and adds one back: studio5's tweeter read -95.3 dB on validate's
    music with it, against the bar of -100)."""
    h = n2 // 2
    m = np.int64(0)
    for k in range(h):
        for c in range(2):
            a, b = np.int64(buf[2 * k + c]), np.int64(buf[2 * (k + h) + c])
            m = max(m, max((a + b) ^ ((a + b) >> 63), (a - b) ^ ((a - b) >> 63)))
    e = min(30 - bitlen64(m), gmax - 1)
    for k in range(h):
        ar, ai = np.int64(buf[2 * k]), np.int64(buf[2 * k + 1])
        br, bi = np.int64(buf[2 * (k + h)]), np.int64(buf[2 * (k + h) + 1])
        buf[2 * k] = _shift(ar + br, e)
        buf[2 * k + 1] = _shift(ai + bi, e)
        tr, ti = cmul_q31(_shift(ar - br, e), _shift(ai - bi, e),
                          np.int64(tw_cos[2 * k]), np.int64(tw_sin[2 * k]))
        buf[2 * (k + h)] = tr
        buf[2 * (k + h) + 1] = ti
    return e + 1


@_jit
def _shift(x, e):
    """x 2^e: an exact left shift for e >= 0, else shr_floor by -e."""
    return x << e if e >= 0 else x >> (-e)


# ------------------------------------------------------------------ frame
@_jit
def _frame_reference(u):
    """One frame: the readable spec of the steps (the fast `_frame` below is held
    to it bit for bit)."""
    n, ls, h = u.fft_size, u.synthesis_size, u.hop
    fr = u.fr
    # analysis: the history rings, oldest first, windowed
    pos = u.st[ST_HIST]
    mx = np.int64(0)
    for ch in range(2):
        for j in range(n):
            mx = max(mx, abs(np.int64(u.hist[ch, j])))
    f = 30 - bitlen64(max(mx - 1, 0))  # block exponent, -1..30: |x| 2^f <= 2^30
    for ch in range(2):  # z = M + i S
        for j in range(n):
            x = np.int64(u.hist[ch, (pos + j) % n])
            fr[0, 2 * j + ch] = shr_round(x * np.int64(u.wa[j]), 31 - f)
    rfft2_q31(u.cf, fr[0], fr[1])
    _decide_reference(u, f)
    # synthesis: inverse FFT into row 1 (the frame 2^(f + g) / (N/2)), window the
    # tail, OLA (Q30, guard bit); g <= 30 + log2(N/2) - f keeps the shift <= 62
    lg = bitlen64(n // 2) - 1
    g = irfft_q31(u.ci, fr[0][:n + 2], fr[1], u.tw_cos, u.tw_sin, 30 + lg - f)
    ola = u.ola
    for j in range(ls - h):
        ola[j] = ola[j + h]
    for j in range(ls - h, ls):
        ola[j] = 0
    for j in range(ls):
        ola[j] += shr_round(np.int64(fr[1, n - ls + j]) * np.int64(u.ws[j]), 32 + f + g - lg)
    for j in range(h):
        u.ready[j] = shl32_sat(ola[j], 1)


@_jit
def _decide_reference(u, f):
    """The decision on the reference layout (M, S bins interleaved in fr rows 0, 1)."""
    m = u.fft_size + 2
    _decide(u, f, u.fr[0, 0:m:2], u.fr[0, 1:m:2], u.fr[1, 0:m:2], u.fr[1, 1:m:2])


# ------------------------------------------------------------------ fast path
# `_frame` computes every stored value of `_frame_reference` (the spec above,
# and the C twin's steps) with the same operations, arranged so LLVM
# vectorizes them: separate re/im arrays for the bins (the decision, `_decide`,
# is one function for both, on strided views in the reference); both FFTs are
# `fft.cfft_q31_fast` (the CMSIS model's twin); the analysis
# rescans only the hop's blocks of the rings. Identities used (x any int64
# unless said):
#   shr_round(x, 31) = (x + 2^30) >> 31 when x + 2^30 does not overflow (the
#     merge's sums of two products: |x| <= 2^63 - 2^31);
#   add32_sat, sub32_sat of int32 = sat32 of the int64 result;
#   bitlen64(x) = 64 - ctlz64(x) for every int64 (64 for x < 0, as clz32 of the
#     high half gives 0 there).
# tests/test_fixed_upmix.py holds `_frame` to `_frame_reference` bit for bit.
@_jit
def _bl(x):
    """bitlen64(x) through LLVM's ctlz (defined at 0: ctlz = 64)."""
    return 64 - leading_zeros(np.int64(x))


@_jit
def _rnd(x, s):
    """shr_round(x, s) for s >= 1, its exact form."""
    return (x >> s) + ((x >> (s - 1)) & 1)


@_jit
def _sat(x):
    return min(max(x, np.int64(INT32_MIN)), np.int64(INT32_MAX))


@_jit
def _r31(x):
    """shr_round(x, 31) for |x| < 2^63 - 2^30."""
    return (x + (np.int64(1) << 30)) >> 31


@_jit
def _analysis(u, f):
    """The M + i S frame, windowed at block exponent f: M into fr[0, :N], S
    into fr[0, N:] (the re, im arrays of `cfft_q31_fast`)."""
    n = u.fft_size
    pos = u.st[ST_HIST]
    sw = 31 - f
    wa = u.wa
    for ch in range(2):
        hr, z = u.hist[ch], u.fr[0, ch * n:(ch + 1) * n]
        for j in range(n - pos):  # the ring from pos, oldest first
            z[np.uint64(j)] = _rnd(np.int64(hr[np.uint64(pos + j)]) *
                                   np.int64(wa[np.uint64(j)]), sw)
        for j in range(n - pos, n):
            z[np.uint64(j)] = _rnd(np.int64(hr[np.uint64(j - (n - pos))]) *
                                   np.int64(wa[np.uint64(j)]), sw)


@_jit
def _split(u):
    """rfft2_q31's split from the complex FFT in fr[0] (re, im halves, bin k at
    position ctab[0, k]) into the M, S bins (u.w32 rows 4-7): the bins first
    into natural order (fr[1], free in the fast path; `fft.natural_order`), so
    that the split's two loops read contiguous rows (forward and reversed) and
    vectorize; through the position table they stayed scalar (7 -> 4 us per
    frame at studio5)."""
    n = u.fft_size
    nre, nim = u.fr[1, :n], u.fr[1, n:]
    natural_order(u.ctab, u.fr[0, :n], u.fr[0, n:], nre, nim)
    mre, mim, sre, sim = u.w32[4], u.w32[5], u.w32[6], u.w32[7]
    zr = np.int64(nre[0])  # k = 0 pairs with itself
    zi = np.int64(nim[0])
    mre[0] = _rnd(zr + zr, 1)
    mim[0] = _rnd(zi - zi, 1)
    sre[0] = _rnd(zi + zi, 1)
    sim[0] = _rnd(zr - zr, 1)
    for k in range(1, n // 2 + 1):  # M; then S: two written rows per loop
        kk = np.uint64(n - k)
        mre[k] = _rnd(np.int64(nre[k]) + np.int64(nre[kk]), 1)
        mim[k] = _rnd(np.int64(nim[k]) - np.int64(nim[kk]), 1)
    for k in range(1, n // 2 + 1):
        kk = np.uint64(n - k)
        sre[k] = _rnd(np.int64(nim[k]) + np.int64(nim[kk]), 1)
        sim[k] = _rnd(np.int64(nre[kk]) - np.int64(nre[k]), 1)


@_jit
def _merge_bin(cre, cim, tw_cos, tw_sin, k, n2):
    """A'r, A'i and t = W^-1 B' of `merge_q31`'s bin k (0 <= k <= N/4)."""
    kk = np.uint64(n2 - k)
    yr = np.int64(cre[k])
    yi = np.int64(cim[k])
    vr = np.int64(cre[kk])
    vi = np.int64(cim[kk])
    br = _sat(yr - vr)
    bi = _sat(yi + vi)
    c = np.int64(tw_cos[k])
    s = np.int64(tw_sin[k])
    return (_sat(yr + vr), _sat(yi - vi),
            _sat(_r31(br * c - bi * s)), _sat(_r31(bi * c + br * s)))


@_jit
def _inverse(u, gmax):
    """`irfft_q31` from the C bins (u.w32 rows 4, 5): the merge into re, im (u.w32
    rows 0, 1, natural order), the block exponent, the shift, `cfft_q31_fast`'s
    inverse (output k at position itab[0, k]). Returns g."""
    n2 = u.fft_size // 2
    zre, zim, tw_cos, tw_sin = u.w32[0, :n2], u.w32[1, :n2], u.tw_cos, u.tw_sin
    cre, cim = u.w32[4], u.w32[5]
    # the merge as two loops, each writing two arrays in one direction (k from 0 to
    # N/4, then N/2 - k for 0 < k < N/4, the same A', B', t recomputed): with the
    # second pair under the loop's condition LLVM vectorized neither
    for k in range(n2 // 2 + 1):
        ar, ai, tr, ti = _merge_bin(cre, cim, tw_cos, tw_sin, k, n2)
        zre[k] = _sat(ar - ti)
        zim[k] = _sat(ai + tr)
    for k in range(1, n2 // 2):  # k counts up, the index kk into the output down
        ar, ai, tr, ti = _merge_bin(cre, cim, tw_cos, tw_sin, k, n2)
        kk = np.uint64(n2 - k)
        zre[kk] = _sat(ar + ti)
        zim[kk] = _sat(tr - ai)
    if u.ci.fft_len != n2:
        return _split_fast(u, zre, zim, n2, gmax)
    m = np.int64(0)
    for i in range(n2):
        a = np.int64(zre[i])
        b = np.int64(zim[i])
        m = max(m, max(a ^ (a >> 63), b ^ (b >> 63)))
    g = min(30 - _bl(m), gmax)
    ls = max(g, 0)
    rs = max(-g, 0)
    for i in range(n2):
        zre[i] = (zre[i] << ls) >> rs
        zim[i] = (zim[i] << ls) >> rs
    cfft_q31_fast(u.itab, zre, zim, 1)
    return g


@_jit
def _split_fast(u, zre, zim, n2, gmax):
    """`inverse_split_q31` on the re, im arrays, then the two inverses of n2/2
    points (outputs 2m in the first halves, 2m + 1 in the second). Returns g."""
    tw_cos, tw_sin = u.tw_cos, u.tw_sin
    h = n2 // 2
    m = np.int64(0)
    for k in range(h):
        kh = np.uint64(k + h)
        ar = np.int64(zre[k])
        ai = np.int64(zim[k])
        br = np.int64(zre[kh])
        bi = np.int64(zim[kh])
        m = max(m, max((ar + br) ^ ((ar + br) >> 63), (ar - br) ^ ((ar - br) >> 63)))
        m = max(m, max((ai + bi) ^ ((ai + bi) >> 63), (ai - bi) ^ ((ai - bi) >> 63)))
    e = min(30 - _bl(m), gmax - 1)
    ls = max(e, 0)
    rs = max(-e, 0)
    for k in range(h):
        kh = np.uint64(k + h)
        ar = np.int64(zre[k])
        ai = np.int64(zim[k])
        br = np.int64(zre[kh])
        bi = np.int64(zim[kh])
        zre[k] = ((ar + br) << ls) >> rs
        zim[k] = ((ai + bi) << ls) >> rs
        dr = ((ar - br) << ls) >> rs
        di = ((ai - bi) << ls) >> rs
        c = np.int64(tw_cos[np.uint64(2 * k)])
        s = np.int64(tw_sin[np.uint64(2 * k)])
        zre[kh] = _sat(_r31(dr * c - di * s))
        zim[kh] = _sat(_r31(di * c + dr * s))
    cfft_q31_fast(u.itab, zre[:h], zim[:h], 1)
    cfft_q31_fast(u.itab, zre[h:], zim[h:], 1)
    return e + 1


@_jit
def _synthesis(u, f, g, lg):
    """Window the inverse FFT's tail (its samples where u.stab says), OLA:
    through one flat position table the loop vectorizes (a gather); the
    positions worked out per sample, with a choice of re or im, kept it
    scalar (~3x slower)."""
    ls, h = u.synthesis_size, u.hop
    ola, ws, stab = u.ola, u.ws, u.stab
    w = u.w32.reshape(-1)
    for j in range(ls - h):
        ola[j] = ola[j + h]
    for j in range(ls - h, ls):
        ola[j] = 0
    sh = 32 + f + g - lg
    for j in range(ls):
        v = np.int64(w[np.uint64(stab[j])])
        ola[j] += _rnd(v * np.int64(ws[j]), sh)
    for j in range(h):
        u.ready[j] = shl32_sat(ola[j], 1)


@_jit
def _frame(u):
    """One frame, bit for bit `_frame_reference` (fast path)."""
    n, h = u.fft_size, u.hop
    nblk = u.hmax.shape[0]
    b = n // nblk
    first = ((u.st[ST_HIST] - h) % n) // b  # the hop's blocks: the ring's newest h samples
    for i in range(first, first + h // b):
        i0 = (i % nblk) * b
        mx = np.int64(0)
        for ch in range(2):
            hr = u.hist[ch]
            for j in range(i0, i0 + b):
                mx = max(mx, abs(np.int64(hr[j])))
        u.hmax[i % nblk] = mx
    mx = np.int64(0)
    for i in range(nblk):
        mx = max(mx, u.hmax[i])
    f = 30 - _bl(max(mx - 1, 0))  # block exponent, as the reference's scan of the rings
    _analysis(u, f)
    cfft_q31_fast(u.ctab, u.fr[0, :n], u.fr[0, n:], 0)
    _split(u)
    _decide_fast(u, f, u.w32[4], u.w32[5], u.w32[6], u.w32[7])
    lg = _bl(n // 2) - 1
    g = _inverse(u, 30 + lg - f)
    _synthesis(u, f, g, lg)


@_jit
def upmix_q31(u, src, dst, block_size):
    """Adaptive upmix, Q31. src int32 (>= block_size, 2) [L, R]; dst int32
    (3, >= block_size) [L', R', C], all delayed by synthesis_size - 1; any
    block split gives the same output (the state is in `u`)."""
    _upmix_run(u, src, dst, block_size, False)


@_jit
def upmix_q31_reference(u, src, dst, block_size):
    """`upmix_q31` through `_frame_reference` (the spec; same output)."""
    _upmix_run(u, src, dst, block_size, True)


@_jit
def _upmix_run(u, src, dst, block_size, reference):
    if block_size > src.shape[0] or block_size > dst.shape[1] or block_size < 0:
        raise ValueError("block_size exceeds the src or dst length")
    n, h = u.fft_size, u.hop
    nd = u.synthesis_size - 1
    # ring positions and phase as locals (back in st around each frame and at the end)
    dp = u.st[ST_DL]
    hp = u.st[ST_HIST]
    ph = u.st[ST_PHASE]
    dl0, dl1, h0, h1, ready = u.dl[0], u.dl[1], u.hist[0], u.hist[1], u.ready
    d0, d1, d2 = dst[0], dst[1], dst[2]
    t = 0
    while t < block_size:
        # a run of m samples that wraps neither ring; its last one may complete the hop
        m = min(block_size - t, h - ph, nd - dp, n - hp)
        frame = ph + m == h
        mo = m - 1 if frame else m  # samples whose C is already in `ready`
        for i in range(mo):
            ti = np.uint64(t + i)
            left = np.int64(src[ti, 0])
            right = np.int64(src[ti, 1])
            # delayed L, R (ring of nd samples; nd >= 1 since synthesis_size >= 2 hop)
            di = np.uint64(dp + i)
            ld = np.int64(dl0[di])
            rd = np.int64(dl1[di])
            dl0[di] = left
            dl1[di] = right
            hi = np.uint64(hp + i)
            h0[hi] = shr_floor(left + right, 1)
            h1[hi] = shr_floor(left - right, 1)
            c = np.int64(ready[np.uint64(ph + 1 + i)])
            d0[ti] = sub32_sat(ld, c)
            d1[ti] = sub32_sat(rd, c)
            d2[ti] = c
        t += mo
        dp += mo
        hp += mo
        ph += mo
        if frame:  # the sample that completes the hop: rings, frame, then its C = ready[0]
            left = np.int64(src[t, 0])
            right = np.int64(src[t, 1])
            ld = np.int64(dl0[dp])
            rd = np.int64(dl1[dp])
            dl0[dp] = left
            dl1[dp] = right
            h0[hp] = shr_floor(left + right, 1)
            h1[hp] = shr_floor(left - right, 1)
            dp += 1
            hp += 1
        dp = 0 if dp == nd else dp  # (dp + 1) % nd per sample, dp in [0, nd)
        hp = 0 if hp == n else hp
        if frame:
            u.st[ST_DL] = dp
            u.st[ST_HIST] = hp
            u.st[ST_PHASE] = 0
            if reference:
                _frame_reference(u)
            else:
                _frame(u)
            c = np.int64(ready[0])
            d0[t] = sub32_sat(ld, c)
            d1[t] = sub32_sat(rd, c)
            d2[t] = c
            t += 1
            ph = 0
    u.st[ST_DL] = dp
    u.st[ST_HIST] = hp
    u.st[ST_PHASE] = ph


class FixedUpmix:
    """Streaming fixed-point upmix: `process(int32 (n, 2)) -> int32 (n, 3)` =
    L', R', C (the shape of the passive one), delayed by `latency`.
    reference=True runs the readable spec (`_frame_reference`), same output."""

    def __init__(self, tables, reference: bool = False):
        self.tables = tables
        self.reference = reference
        self.latency = int(tables.synthesis_size) - 1
        self.reset()

    def reset(self) -> None:
        self.inst = upmix_q31_init(self.tables)

    def process(self, block: np.ndarray) -> np.ndarray:
        x = np.asarray(block)
        if x.dtype != np.int32:
            raise TypeError(f"FixedUpmix.process takes int32 samples, got {x.dtype}")
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"upmix: expected a block of shape (n, 2), got {x.shape}")
        x = np.ascontiguousarray(x)
        dst = np.empty((3, len(x)), np.int32)
        (upmix_q31_reference if self.reference else upmix_q31)(self.inst, x, dst, len(x))
        return np.ascontiguousarray(dst.T)

    __call__ = process
