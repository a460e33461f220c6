"""Adaptive upmix, fixed point (upmix mode 1): the integer twin of dsp_model/upmix.py.

Same signal model, filterbank and decision as the float `Upmix` with the
shipped `decision = "inphase"` (read its docstring first; "ratio" has no
integer form: quantize_upmix refuses it); every step below is integer,
written in the ``ops`` primitives, and the C twin
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
The decision, per bin k (pass 1), then pooled and applied (passes 2, 3):
* Powers and z = S M* from the bins (int64, exact but for the halving):
  pm = shr_floor(Mr^2, 1) + shr_floor(Mi^2, 1) (= |M|^2 / 2 <= 2^62), ps
  alike; zr = shr_floor(Sr Mr, 1) + shr_floor(Si Mi, 1), zi =
  shr_floor(Si Mr, 1) - shr_floor(Sr Mi, 1) (= z / 2). z normalised: sz =
  max(0, bitlen(max |zr|, |zi|) - 30), r = zr >> sz, i = zi >> sz
  (|.| <= 2^30, so r^2 + i^2 <= 2^61).
* In-phase / quadrature split without 1/|M|^2: Pi + mu Pq = |S|^2 (mu +
  (1 - mu) cos^2), cos^2 = (Re z)^2 / |z|^2 = `ratio_q31`(r^2, r^2 + i^2)
  (0 for z = 0: then S or M is 0, and the float's M = 0 case, all of S in
  quadrature, is mu |S|^2 as here); g = mu_q31 + floor((2^31 - mu_q31)
  cos^2 / 2^31) (Q31, < 1); side = mult_q63x31_q62(ps, g) (= (Pi + mu Pq)
  / 4, < 2^61).
* Short smoother: (pm, side) at exponent -2 f, one `pf_update` pseudo-float
  (below) with a_short: Pm, Ps share one exponent per bin (w_dir only needs
  their ratio).
* w_dir = 1 / (1 + t^1.5), t = r / x0^2 = kappa Ps / Pm, kappa = 2 / x0^2
  (the 2: Ps is a quarter, Pm a half), written as Pm^2 / (Pm^2 + kPs
  sqrt(kPs Pm)) (`wdir_q31`): a = Pm << 24, b = Ps kappa_q24 (both Q24,
  < 2^62), shifted right together by max(0, bitlen(max(a, b)) -
  31) (A, B < 2^31), s = `sqrt_q62`(A B), num = A^2, den = num + B s
  (< 2^63), w_dir = `ratio_q31`(num, den). Pm = 0: 1 (the float's r = 0 there);
  den = 0 with Pm > 0 (A shifted out: t > 2^31): 0. The 1.5 power costs one
  square root and no table; the slope is fixed by it (quantize_upmix refuses
  another).
* Long smoother, per bin (the float smooths E z^2, E|z|^2 per bin, then
  pools the magnitudes |E z^2|, which does not commute with the smoothing):
  (r^2 - i^2, 2 r i, r^2 + i^2) (= z^2/4, |z|^2/4 at exponent 2 sz - 4 f,
  |.| <= 2^61) into a 3-row `pf_update` with a_long (Zr, Zi, Zd).
* Pooled values: |E z^2| = `sqrt_q62`(Zr^2 + Zi^2) << 25 (the mantissas are
  <= 2^30, so the squares' sum is <= 2^61), E|z|^2 = Zd << 25, both
  < 2^55.5 at the bin's exponent zexp (E_NONE when
  both are 0), padded to nb + 2 pool bins by edge replication (as the
  float's np.pad "edge").
* Pooling over +-pool bins (passes 2, 3) without a subtraction, each window
  at its own exponent: the padded bins are cut into segments of 2 pool, so
  the window of bin k (padded k..k + 2 pool) is the suffix of segment
  k // (2 pool) from k plus the prefix of the next segment to k + 2 pool.
  Prefix and suffix sums accumulate with a running exponent (`pool_add`:
  accumulator and value aligned to the larger exponent, shr_floor, shift
  capped at 63), so a window's sums sit at the largest exponent inside it:
  a bin 45 dB below its segment's peak (the values are 4th powers of the
  bins) is not shifted to 0 by a segment-wide exponent, which would read as
  D = 0, w = 1 (an earlier draft: -85 dB against the float on a full-scale
  square in L only). Sums of <= 65 values < 2^55.5 stay below 2^62 (pool
  <= 32, which init and quantize_upmix check). Segments run last first:
  the suffix accumulates while the segment's bins are decided, then the
  segment's prefixes replace its values for the segment before.
* D = `ratio_q31`(sum |E z^2|, sum E|z|^2) (<= 1; a zero denominator gives
  0, as the float's), D^2 = floor(D^2 / 2^31), lam = clip(((D^2 - lo2)
  inv_q24) >> 24, 0, 2^31 - 1) (Q31).
* w = lam w_dir + (1 - lam) = (2^31 - 1) - floor(lam ((2^31 - 1) - w_dir) /
  2^31) in [0, 2^31 - 1]. C bins: shr_round(w X, 31) (|C| <= |M|).
* `pf_update` (pseudo-float one-pole, per bin): 32-bit mantissas (|.| <=
  2^30; int32 in the C twin, int64 containers here), one int exponent (value
  = mantissa 2^e). The new vector (int64) is shifted (floor) so its largest
  magnitude has at most 30 bits; both sides are aligned (shr_floor, shift
  capped at 63: any shift >= 31 of a mantissa leaves its sign, so the C's
  cap of 31 is the same) to the larger exponent (an all-zero side takes the
  other's); X += smooth(new - X, a) (|new - X| <= 2^31, smooth(d, a) =
  mult_q63x31_q62(2 d, a) = floor(d a / 2^31), a 32 x 32 product); then
  renormalised so the largest magnitude has bit length 30 (left shifts exact,
  right shifts floor). All zero, or an exponent below E_MIN = -2^20 (the
  decay of days of silence; flushed as the float's underflow flushes, and
  it bounds the exponents): mantissas 0, exponent 0. With 0 <= a <
  2^31 (init refuses a < 0) powers stay >= 0. 30 bits instead of 60 (an
  earlier form) cost 1-2 dB of the -137 dB error against the float and
  halve the state (5 nb words); on the Cortex-M4 the two smoothers went
  only from 750 to 697 instructions per bin: their cost is the bookkeeping
  (the int64 new values' bit length and shifts, the exponent compares and
  the row loops), not the mantissa width.
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
  2^(f + g) / (N/2). Precision: CMSIS's 1/(N/2) scaling cannot be undone for
  a peaky spectrum (a tone, a music mix's bass): the block exponent lifts the
  peak bin to 2^30, the output frame keeps ~2^30 / (N/2) of range and
  CMSIS's truncations (~1 LSB per stage, doubled by the radix-4-by-2's last
  << 1 at N/2 = 2048) sit on it. Against the float with a cancellation-free
  pooling: 0 dBFS sweep L = R -117.9 dB at studio5 (N/2 = 2048), -127.4 at
  compact2 (N/2 = 1024, radix 4); family mixes -116.6..-124.3 at studio5.
  The own unscaled radix-2 inverse this replaced (1024 instructions per
  sample at studio5, 512 at compact2, against 693 and 297 now) gave -143.8
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

Cost of the decision per bin (real multiplies; a quotient is ratio_q31's
div_q30_floor, two 32/32-bit divisions (UDIV on the Cortex-M4) and their
corrections, no multiply counted; a square root is sqrt_q62's seed and 3
Newton steps of 3, 11): powers 4, z 4, r^2, i^2, 2 r i 3, cos^2 (ratio_q31),
g and the side power 2, short smoother 4 (two rows, two 32 x 32 products
each), w_dir 15 (b kappa, A B, A^2, B s, sqrt_q62, ratio_q31), long
smoother 6, |E z^2| 13 (two squares, sqrt_q62), D (ratio_q31), D^2, lam,
w 3, C 2: 56 multiplies per bin with 3 quotients and 2 square roots, plus
the pseudo-float bookkeeping of two pf_update (bit lengths, aligning
shifts, renormalisation) and the pooling's 4 pool_add per bin (shifts,
adds, compares), not counted. The float docstring's estimate
(dsp_model.upmix.PER_BIN_MACS, 62) is the same order. On the Cortex-M4
(qemu -icount, GCC 12 -O2, benchmarks/bench_target_upmix.py, studio5
4096/512, 2049 bins) the C twin's decision takes 1015 instructions per bin
(1596 before #23's first round: the quotient as div_q30_floor instead of
div_q31's reciprocal seed and 3 Newton steps, and the C written on 32-bit
words wherever the values fit -- pf_update's rows, sqrt_q62's shifts, the
pooled sums, which are >= 0, moved only on the side at the smaller
exponent): z, cos^2 and the side power 168, the short smoother 170, w_dir
171, the long smoother 177, |E z^2| 87, pooling 50 + 67 (window sums), D
80, lam, w, C 48 (the profiling build's brackets move work between
neighbouring steps by a few tens). The whole upmix (benchmarks/
bench_target_upmix.py): 6255 instructions per stereo sample at studio5
(16590 before #23), 3150 at compact2 (8053); at studio5 the forward FFT and
split 1157, the decision 4076, the inverse 693 (merge 142, normalising shift
40, CMSIS 511; 1024 with the own radix 2), analysis 113 (400 with a whole-frame
scan and a 64-bit variable shift per value), synthesis 38 and the sample
loop 48 (51.5 with the halves of L + R, L - R in 64 bits). The decision is still seven
times the 100-150 per bin the upmix budget leaves it. Each quotient (ratio_q31: 64-bit
normalisation, div_q30_floor) costs about 50 instructions, each square root
about 55, each pseudo-float row 40-60. The rest of the way down (issue #23)
is arithmetic of another shape, not these ops tuned: block-floating-point
statistics with one exponent per frame (no per-bin pseudo-float
bookkeeping; the long statistics are 4th powers of the bins, so 32-bit
mantissas at one exponent flush the bins 45 dB below the frame's peak, see
the pooling bullet: they need 64-bit ones), a square root from a
CLZ-indexed table with one Newton step, and D's lam clipped by two
compares (N <= lo Dn, N >= hi Dn) before any division (which saves nothing
in the worst case: on correlated noise D is between lo and hi in 73% of
the bins, on diffuse noise in 99%).

Measured against the float `Upmix` "inphase" on the same input
(tests/test_fixed_upmix.py, error energy re the input's mean channel
energy, studio5; with CMSIS's inverse, see its bullet; the radix-2
inverse's figures in brackets): -116.6 dB on the music mix (-132.0),
-121.8 center-only (-132.3), -141.2 hard-left (-140.2), -116.6..-124.3 dB
(-130.7..-135.1) on the family's stationary (c), music (d), time-panned (f)
and reverberant (g) mixes (the tests' seeds 4, 5, 11, 21), whose SIRs
equal the float's to 0.1 dB; on the instrument mixes (h, tune seed 1)
-78..-81 dB against the float upmix, all of it the float's cumsum pooling
below (-136..-138 dB against the float with a cancellation-free pooling
with the radix-2 inverse; not remeasured, the slow test holds -110),
SIRs equal to 1e-5 dB; anti-phase gives C at -133.4 dB (the complex
forward FFT's truncations leak S into the M bins by a few LSB); -60 dB holds
down to -100 dBFS input. At full scale (0 dBFS exponential sweep, +-FS
squares, on L = R, L only, L = -R, and INT32_MIN on both; studio5 4096/512
and compact2 2048/512) within -80 dB of the float `Upmix` and -114.6 dB
(INT32_MIN on both, studio5; -117.9 the sweep L = R, -152.8 L only) of the
float with its +-16 bin pooling summed window by window: the float's
`_pool` takes differences of one cumsum over the whole spectrum, which
cancels catastrophically ~90 dB below the spectrum's peak, so its D^2 (and
w) there is noise; the fixed point's suffix and prefix sums do not cancel.

Two implementations of the frame, equal bit for bit (tests/test_fixed_upmix.py):
`_frame_reference`, the readable form of the steps above (and of the C's), and
`_frame`, which `upmix_q31` runs: the same operations laid out for LLVM's
vectorizer (see the comment above `_bl`; the forward FFT is
`fft.cfft_q31_fast`, forward and inverse), several times faster than the reference (the figures
are benchmarks/bench_chain.py's). `upmix_q31_reference` /
FixedUpmix(reference=True) run the former.

`ratio_q31(num, den)` (0 <= num, 0 < den < 2^63): num / den in Q31 through
the shared `div_q30_floor`: e = bitlen(den) - 31, both shifted by e (right:
floor; left: exact) so den is in [2^30, 2^31); then 2^31 - 1 if num >= den,
else 2 div_q30_floor(num, den) (floor(num 2^30 / den) exactly, doubled):
within 4 LSB of the exact ratio (tested).
`sqrt_q62(x)` (0 <= x < 2^62, result <= 2^31): x shifted left by an even s2
(x 2^s2 in [2^60, 2^62)), d = its top 31 bits (Q31 in [1/4, 1)), y =
1/sqrt(d) in Q30 from the seed line 2.1327 - 1.2186 d (Q29 constants, max
relative error 0.086) and three Newton steps y = y (3 - d y^2) / 2 (0.086 ->
2^-6.4 -> 2^-12.3 -> 2^-24), result floor(floor(d y / 2^30) / 2^(s2/2)):
within 1 LSB + 2^-23 relative of sqrt(x) (tested).
`bitlen64(x)` (x >= 0) = 64 - clz of the 64-bit word, from `clz32` of its
halves.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np
from numba.cpython.unsafe.numbers import leading_zeros

from .fft import (
    CFFT_SIZES,
    CfftQ31,
    arm_cfft_init_q31,
    arm_cfft_q31,
    cfft_q31_fast,
    cfft_q31_fast_tables,
)
from .ops import INT32_MAX, INT32_MIN
from .ops_nb import (
    add32_sat,
    clz32,
    div_q30_floor,
    mult_q63x31_q62,
    sat32,
    shl32_sat,
    shr_floor,
    shr_round,
    sub32_sat,
)

_jit = nb.njit(cache=True)
M32 = 0xFFFFFFFF

Z_MANT_BITS = 30  # bit length of the largest smoothed-statistic mantissa (int32 in C)
# a pseudo-float whose exponent would fall below E_MIN is flushed to 0 (2^-1048576 of the
# bins' scale: after days of silence, as the float's underflow): exponents stay bounded, so
# the C's int32 exponents never wrap and E_NONE stays below every real one
E_MIN = -(1 << 20)
E_NONE = -(1 << 30)  # exponent of an all-zero bin of the pooled rows (below any real one)
POOL_BITS = 55  # the pooled values are below 2^55.5: a window of 2 pool + 1 <= 65 of them < 2^62
POOL_MAX = 32
_Q31_ONE = np.int64(1) << 31
# sqrt_q62's seed y0 = A - B d for 1/sqrt(d) on [1/4, 1) (the best line on a 1e-4 grid, max
# relative error 0.086), Q29 like the reciprocal's; three Newton steps: 0.086 -> 2^-6.4 ->
# 2^-12.3 -> 2^-24
SQRT_SEED_A_Q29 = 1144984594  # round(2.1327 * 2^29)
SQRT_SEED_B_Q29 = 654230893  # round(1.2186 * 2^29)
SQRT_NEWTON_ITERATIONS = 3

# constants the decision needs >= 0 (the smoothers keep powers >= 0, sqrt_q62 takes x >= 0);
# upmix_q31_init refuses others, as the C's does
NON_NEGATIVE = ("a_short", "a_long", "kappa_q24", "mu_q31")

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
    a_short: int
    a_long: int
    kappa_q24: int
    mu_q31: int
    lo2: int
    inv_q24: int
    wa: np.ndarray  # int32 (N,)
    ws: np.ndarray  # int32 (ls,)
    tw_cos: np.ndarray  # int32 (N/2 + 1,): the inverse real FFT's merge twiddles (k <= N/4 read)
    tw_sin: np.ndarray
    cf: CfftQ31  # arm_cfft_q31 of N points (the forward FFT of M + i S)
    ci: CfftQ31  # arm_cfft_q31 of N/2 points (the inverse, of the merged spectrum)
    # state
    st: np.ndarray  # int64 (3,)
    dl: np.ndarray  # int32 (2, ls - 1): L, R delay rings
    hist: np.ndarray  # int32 (2, N): M, S rings
    hmax: np.ndarray  # int64 (N / b,): max |M|, |S| over ring positions [i b, (i + 1) b),
    # b = gcd(N, hop) (fast path: a frame rescans only the hop's blocks)
    ola: np.ndarray  # int32 (ls,) Q30
    ready: np.ndarray  # int32 (hop,)
    pw: np.ndarray  # int64 (2, nb): Pm, Ps mantissas
    pexp: np.ndarray  # int64 (nb,)
    zst: np.ndarray  # int64 (3, nb): Zr, Zi, Zd mantissas
    zexp: np.ndarray  # int64 (nb,)
    # work (contents do not carry between frames)
    fr: np.ndarray  # int32 (2, 2 N): row 0 the M + i S frame, then the M (later C) bins;
    # row 1 the S bins, then the merged spectrum and the inverse FFT's output (first N)
    wdir: np.ndarray  # int32 (nb,)
    q: np.ndarray  # int64 (3, nb + 2 pool): |E z^2|, E|z|^2 (then their running sums), exponent
    nv: np.ndarray  # int64 (3,): new values for pf_update
    # fast path (`_frame`): tables derived from the ones above, and its work, in
    # three arrays (each array of the tuple costs a call from Python ~0.15 us)
    itab: np.ndarray  # int32 (7, N/2): the inverse FFT's (fft.cfft_q31_fast_tables of ci)
    ctab: np.ndarray  # int32 (7, N): the forward FFT's (fft.cfft_q31_fast_tables of cf)
    w32: np.ndarray  # int32 (8, nb): the inverse FFT's re, im (the first N/2; rows 2, 3 are
    # free since the merge needs no gather), Mre, Mim, Sre, Sim bins (rows 4, 5 then the C bins)
    w64: np.ndarray  # int64 (4, nb): z^2, |z|^2 per bin (rows 0-2) and their exponent (3)


def upmix_q31_init(t) -> UpmixQ31:
    """An instance with zeroed state from `UpmixTables` t."""
    n, ls, h, p = int(t.fft_size), int(t.synthesis_size), int(t.hop), int(t.pool)
    if not 1 <= p <= POOL_MAX:
        raise ValueError(f"upmix pool {p} must be in 1..{POOL_MAX}")
    for name in ("a_short", "a_long", "kappa_q24", "mu_q31", "lo2_q31", "inv_q24"):
        lo = 0 if name in NON_NEGATIVE else INT32_MIN  # int32_t in the C twin
        if not lo <= int(getattr(t, name)) <= INT32_MAX:
            raise ValueError(f"upmix table {name} = {getattr(t, name)} is not an int32"
                             f"{' >= 0' if lo == 0 else ''}")
    if n not in UPMIX_FFT_SIZES:
        raise ValueError(f"upmix fft_size {n} must be one of {UPMIX_FFT_SIZES}")
    nb_ = n // 2 + 1
    npad = nb_ + 2 * p
    blk = min(n, h & -h)  # gcd(N, hop), N a power of two
    return UpmixQ31(
        n, ls, h, p, int(t.a_short), int(t.a_long), int(t.kappa_q24), int(t.mu_q31),
        int(t.lo2_q31), int(t.inv_q24),
        np.ascontiguousarray(t.analysis_window, np.int32),
        np.ascontiguousarray(t.synthesis_window, np.int32),
        np.ascontiguousarray(t.twiddle_cos, np.int32),
        np.ascontiguousarray(t.twiddle_sin, np.int32),
        arm_cfft_init_q31(n), arm_cfft_init_q31(n // 2),
        np.zeros(3, np.int64), np.zeros((2, max(ls - 1, 1)), np.int32),
        np.zeros((2, n), np.int32), np.zeros(n // blk, np.int64), np.zeros(ls, np.int32),
        np.zeros(h, np.int32),
        np.zeros((2, nb_), np.int64), np.zeros(nb_, np.int64), np.zeros((3, nb_), np.int64),
        np.zeros(nb_, np.int64), np.zeros((2, 2 * n), np.int32), np.zeros(nb_, np.int32),
        np.zeros((3, npad), np.int64), np.zeros(3, np.int64),
        cfft_q31_fast_tables(arm_cfft_init_q31(n // 2)),
        cfft_q31_fast_tables(arm_cfft_init_q31(n)),
        np.zeros((8, nb_), np.int32), np.zeros((4, nb_), np.int64),
    )


# ------------------------------------------------------------------ helpers
@_jit
def bitlen64(x):
    """Bit length of x >= 0 (0 for 0): 64 - clz64(x) from clz32 of the halves."""
    x = np.int64(x)
    hi = x >> 32
    if hi != 0:
        return 64 - clz32(hi)
    return 32 - clz32(x & 0xFFFFFFFF)


@_jit
def ratio_q31(num, den):
    """num / den in Q31 (0 <= num, 0 < den): normalise den to [2^30, 2^31) by
    e = bitlen(den) - 31 (floor right shift or exact left shift, num alike),
    then 2^31 - 1 if n >= d, else 2 div_q30_floor(n, d) (the exact floor
    quotient in Q30, doubled: 1 LSB of Q30 below n / d at most)."""
    num = np.int64(num)
    den = np.int64(den)
    e = bitlen64(den) - 31
    if e > 0:
        d = den >> e
        n = num >> e
    else:
        d = den << (-e)
        n = num << (-e)
    if n >= d:
        return np.int64(INT32_MAX)
    return 2 * div_q30_floor(n, d)


@_jit
def sqrt_q62(x):
    """About sqrt(x) for 0 <= x < 2^62 (result <= 2^31): x shifted left by an even
    s2 into [2^60, 2^62), its top bits d = floor(x 2^s2 / 2^31) in [2^29, 2^31)
    (Q31 in [1/4, 1)), y = 1/sqrt(d) in Q30 by the seed line then three Newton
    steps y <- y (3 - d y^2) / 2, result floor(floor(d y / 2^30) / 2^(s2/2))."""
    x = np.int64(x)
    if x == 0:
        return np.int64(0)
    s2 = (62 - bitlen64(x)) & ~1
    d = shr_floor(x << s2, 31)
    y = (SQRT_SEED_A_Q29 - shr_floor(SQRT_SEED_B_Q29 * d, 31)) * 2
    for _ in range(SQRT_NEWTON_ITERATIONS):
        y2 = shr_floor(y * y, 30)  # y <= 2^31: y^2 <= 2^62
        p = shr_floor(d * y2, 31)  # d y^2, Q30, about 2^30
        y = shr_floor(y * (3 * (np.int64(1) << 30) - p), 31)
    return shr_floor(shr_floor(d * y, 30), s2 >> 1)


@_jit
def wdir_q31(pm, ps, kappa):
    """w_dir = 1 / (1 + t^1.5), t = kappa Ps / Pm (kappa = 2 / x0^2 in Q24, the 2
    for Ps holding (Pi + mu Pq) / 4 against |M|^2 / 2), from one bin's smoothed
    mantissas (0 <= Pm, Ps <= 2^30, one exponent) as Pm^2 / (Pm^2 + kPs
    sqrt(kPs Pm)): both scaled to Q24 (a = Pm << 24, b = Ps kappa) and
    shifted right together so the larger is below 2^31 (A, B),
    then one sqrt_q62 and one ratio_q31. Pm = 0: 1 (as the float: r = 0);
    A = 0 < B (t > 2^31): 0."""
    if pm == 0:
        return np.int64(INT32_MAX)
    a = pm << 24
    b = ps * np.int64(kappa)
    sh = max(0, bitlen64(max(a, b)) - 31)
    a = shr_floor(a, sh)
    b = shr_floor(b, sh)
    num = a * a
    den = num + b * sqrt_q62(a * b)
    return ratio_q31(num, den) if den > 0 else np.int64(0)


@_jit
def smooth(diff, a):
    """floor(diff * a / 2^31) for |diff| < 2^62, a Q31 (mult_q63x31_q62 of 2 diff)."""
    return mult_q63x31_q62(np.int64(diff) * 2, a)


@_jit
def shr_floor_cap(x, s):
    """shr_floor with the shift capped at 63 (any larger shift gives 0 or -1)."""
    return shr_floor(x, s if s < 63 else 63)


@_jit
def pf_update(mant, expo, k, rows, nv, e, a):
    """One-pole update of the pseudo-float vector of bin k: mantissas
    mant[0:rows, k] (int64), exponent expo[k] (value = mantissa 2^expo), new
    values nv[0:rows] at exponent e. The new vector is shifted (floor) so its
    largest magnitude has at most Z_MANT_BITS bits; both are aligned (floor)
    to the larger exponent (an all-zero side takes the other's); X +=
    smooth(new - X, a); then renormalised to a largest magnitude of exactly
    Z_MANT_BITS bits (left shifts exact, right shifts floor). All zero:
    mantissas 0, exponent 0."""
    big = np.int64(0)
    for r in range(rows):
        big = max(big, abs(nv[r]))
    bl = bitlen64(big)
    if bl > Z_MANT_BITS:
        for r in range(rows):
            nv[r] = shr_floor(nv[r], bl - Z_MANT_BITS)
        e += bl - Z_MANT_BITS
    xbig = np.int64(0)
    for r in range(rows):
        xbig = max(xbig, abs(mant[r, k]))
    ez = expo[k]
    if xbig == 0:
        ez = e
    elif big == 0:
        e = ez
    ec = max(e, ez)
    big = np.int64(0)
    for r in range(rows):
        x = shr_floor_cap(mant[r, k], ec - ez)
        x += smooth(shr_floor_cap(nv[r], ec - e) - x, a)
        mant[r, k] = x
        big = max(big, abs(x))
    bl = bitlen64(big)
    if big == 0 or ec + bl - Z_MANT_BITS < E_MIN:  # zero, or flushed to zero
        for r in range(rows):
            mant[r, k] = 0
        expo[k] = 0
        return
    for r in range(rows):
        if bl > Z_MANT_BITS:
            mant[r, k] = shr_floor(mant[r, k], bl - Z_MANT_BITS)
        else:
            mant[r, k] = mant[r, k] << (Z_MANT_BITS - bl)
    expo[k] = ec + bl - Z_MANT_BITS


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
    n2 = inst.fft_len
    merge_q31(src, dst, n2, tw_cos, tw_sin)
    m = np.int64(0)
    for i in range(2 * n2):
        x = np.int64(dst[i])
        m = max(m, x if x >= 0 else ~x)
    g = min(30 - bitlen64(m), gmax)
    for i in range(2 * n2):
        dst[i] = dst[i] << g if g >= 0 else shr_floor(dst[i], 1)
    arm_cfft_q31(inst, dst, 1, 1)
    return g


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
    g = irfft_q31(u.ci, fr[0], fr[1], u.tw_cos, u.tw_sin, 30 + lg - f)
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
    """The per-bin decision of a frame at block exponent f: from the M, S bins
    (fr rows 0, 1) to the C bins (fr row 0), in the three passes of the
    module docstring."""
    n, p = u.fft_size, u.pool
    nbins = n // 2 + 1
    fr, q, nv = u.fr, u.q, u.nv
    # pass 1: powers, z = S M*, the in-phase weight, both smoothers, w_dir,
    # |E z^2| and E|z|^2 into the padded rows of q (row 2: their exponent)
    for k in range(nbins):
        mr, mi = np.int64(fr[0, 2 * k]), np.int64(fr[0, 2 * k + 1])
        sr, si = np.int64(fr[1, 2 * k]), np.int64(fr[1, 2 * k + 1])
        pm = shr_floor(mr * mr, 1) + shr_floor(mi * mi, 1)  # |M|^2 / 2
        ps = shr_floor(sr * sr, 1) + shr_floor(si * si, 1)  # |S|^2 / 2
        zr = shr_floor(sr * mr, 1) + shr_floor(si * mi, 1)  # z / 2
        zi = shr_floor(si * mr, 1) - shr_floor(sr * mi, 1)
        sz = max(0, bitlen64(max(abs(zr), abs(zi))) - 30)
        r = shr_floor(zr, sz)  # |r|, |i| <= 2^30
        i = shr_floor(zi, sz)
        cos2 = ratio_q31(r * r, r * r + i * i) if (r | i) != 0 else np.int64(0)
        g = np.int64(u.mu_q31) + shr_floor((_Q31_ONE - u.mu_q31) * cos2, 31)
        nv[0] = pm
        nv[1] = mult_q63x31_q62(ps, g)  # (Pi + mu Pq) / 4
        pf_update(u.pw, u.pexp, k, 2, nv, -2 * f, u.a_short)
        u.wdir[k] = wdir_q31(u.pw[0, k], u.pw[1, k], u.kappa_q24)
        nv[0] = r * r - i * i  # z^2, |z|^2 at exponent 2 sz (- 4 f)
        nv[1] = 2 * r * i
        nv[2] = r * r + i * i
        pf_update(u.zst, u.zexp, k, 3, nv, 2 * sz - 4 * f, u.a_long)
        zr = u.zst[0, k]  # |.| <= 2^30
        zi = u.zst[1, k]
        q[0, k + p] = sqrt_q62(zr * zr + zi * zi) << (POOL_BITS - 30)  # |E z^2|, < 2^55.5
        q[1, k + p] = u.zst[2, k] << (POOL_BITS - 30)  # E|z|^2, < 2^55
        q[2, k + p] = u.zexp[k] if (q[0, k + p] | q[1, k + p]) != 0 else E_NONE
    npad = nbins + 2 * p
    for row in range(3):  # edge replication
        for j in range(p):
            q[row, j] = q[row, p]
            q[row, npad - 1 - j] = q[row, npad - 1 - p]
    # passes 2 and 3, per segment of 2 p padded bins, the last first: the window
    # of bin k (padded k..k + 2 p) is the suffix of segment k // seg from k plus
    # the prefix of the next segment to k + 2 p; the suffix accumulates while the
    # segment's bins are decided, then the segment's prefixes replace its values
    seg = 2 * p
    for sg in range((npad - 1) // seg, -1, -1):
        j0 = sg * seg
        j1 = min(j0 + seg, npad)
        sm, sd, es = np.int64(0), np.int64(0), np.int64(E_NONE)
        for j in range(j1 - 1, j0 - 1, -1):
            sm, sd, es = pool_add(sm, sd, es, q[0, j], q[1, j], q[2, j])
            if j < nbins:
                wm, wd, _ = pool_add(sm, sd, es, q[0, j + seg], q[1, j + seg], q[2, j + seg])
                fr[0, 2 * j], fr[0, 2 * j + 1] = _apply_w(
                    u, wm, wd, np.int64(u.wdir[j]), fr[0, 2 * j], fr[0, 2 * j + 1])
        pm, pd, ep = np.int64(0), np.int64(0), np.int64(E_NONE)
        for j in range(j0, j1):
            pm, pd, ep = pool_add(pm, pd, ep, q[0, j], q[1, j], q[2, j])
            q[0, j], q[1, j], q[2, j] = pm, pd, ep


@_jit
def pool_add(am, ad, ea, vm, vd, e):
    """Add the pair (vm, vd) at exponent e to the accumulator pair (am, ad) at
    exponent ea: both aligned (shr_floor, shift capped at 63) to the larger
    exponent. Returns the sums and that exponent. An all-zero side has
    exponent E_NONE, below any real one."""
    g = max(ea, e)
    sa = min(g - ea, 63)
    sv = min(g - e, 63)
    return (shr_floor(am, sa) + shr_floor(vm, sv), shr_floor(ad, sa) + shr_floor(vd, sv), g)


@_jit
def _apply_w(u, wm, wd, wdir, cr, ci):
    """D = sum |E z^2| / sum E|z|^2 (the window sums wm, wd), lam, w = lam w_dir
    + (1 - lam), and the C bin w M from the M bin (cr, ci)."""
    d = ratio_q31(wm, wd) if wd > 0 else np.int64(0)  # D, <= 1
    d2 = shr_floor(d * d, 31)
    lam = shr_floor((d2 - u.lo2) * np.int64(u.inv_q24), 24)
    lam = min(max(lam, 0), INT32_MAX)
    w = INT32_MAX - shr_floor(lam * (INT32_MAX - wdir), 31)
    return shr_round(w * np.int64(cr), 31), shr_round(w * np.int64(ci), 31)


# ------------------------------------------------------------------ fast path
# `_frame` computes every stored value of `_frame_reference` (the spec above,
# and the C twin's steps) with the same operations, arranged so LLVM
# vectorizes them: separate re/im arrays for the bins, the per-bin decision as
# branchless passes over all bins (shifts by per-bin amounts, selects for the
# pseudo-float cases, leading-zero count for bitlen64); both FFTs are
# `fft.cfft_q31_fast` (the CMSIS model's twin); the analysis
# rescans only the hop's blocks of the rings. Identities used (x any int64
# unless said):
#   shr_round(x, 31) = (x + 2^30) >> 31 when x + 2^30 does not overflow (the
#     merge's sums of two products: |x| <= 2^63 - 2^31);
#   add32_sat, sub32_sat of int32 = sat32 of the int64 result;
#   shr_floor(x, s) for s = 0 is x, so "if bl > Z: x >> (bl - Z) else x << (Z - bl)"
#     = (x >> max(bl - Z, 0)) << max(Z - bl, 0) (likewise ratio_q31's normalisation);
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
def _ratio_fast(num, den):
    """ratio_q31(num, den) for den >= 0 and 0 <= num < 2^33 den (the callers'),
    branchless; den = 0 gives 0 (the callers select it away or have num = 0)."""
    e = _bl(den) - 31
    rs = max(e, 0)
    ls = max(-e, 0)
    d = (den >> rs) << ls
    n = min((num >> rs) << ls, d)
    q = 2 * ((n << 30) // max(d, 1))
    return np.int64(INT32_MAX) if n >= d and d > 0 else q


@_jit
def _align_smooth(m, n, sx, sn, a):
    """pf_update's middle step for one row: x = shr_floor_cap(m, ec - ez);
    x += smooth(shr_floor_cap(n, ec - e) - x, a) (sx, sn the capped shifts;
    0 <= a < 2^31, so both products are 32 x 32 bits)."""
    x = m >> sx
    d2 = ((n >> sn) - x) * 2
    return x + ((((d2 & M32) * (a & M32)) >> 32) + ((d2 >> 32) * np.int64(np.int32(a))))


@_jit
def _sqrt_fast(x):
    """sqrt_q62(x), branchless: d clamped to its range for x = 0 (then selected away)."""
    s2 = (62 - _bl(x)) & ~1
    d = max((x << s2) >> 31, np.int64(1) << 29)
    y = (SQRT_SEED_A_Q29 - ((SQRT_SEED_B_Q29 * d) >> 31)) * 2
    for _ in range(SQRT_NEWTON_ITERATIONS):
        p = (d * ((y * y) >> 30)) >> 31
        y = (y * (3 * (np.int64(1) << 30) - p)) >> 31
    r = ((d * y) >> 30) >> (s2 >> 1)
    return np.int64(0) if x == 0 else r


@_jit
def _pf_rows(m0, m1, m2, n0, n1, n2, ez, e, a):
    """pf_update of one bin, branchless, on scalars (rows 2: pass zeros as m2, n2):
    returns the new mantissas and exponent."""
    big = max(max(abs(n0), abs(n1), abs(n2)), 0)
    sh = max(_bl(big) - Z_MANT_BITS, 0)
    n0 >>= sh
    n1 >>= sh
    n2 >>= sh
    e = e + sh
    xbig = max(max(abs(m0), abs(m1), abs(m2)), 0)
    ez2 = e if xbig == 0 else ez
    e2 = ez if (xbig != 0 and big == 0) else e
    ec = max(e2, ez2)
    sx = min(ec - ez2, 63)
    sn = min(ec - e2, 63)
    x0 = _align_smooth(m0, n0, sx, sn, a)
    x1 = _align_smooth(m1, n1, sx, sn, a)
    x2 = _align_smooth(m2, n2, sx, sn, a)
    big = max(max(abs(x0), abs(x1), abs(x2)), 0)
    bl = _bl(big)
    rs = max(bl - Z_MANT_BITS, 0)
    ls = max(Z_MANT_BITS - bl, 0)
    ne = ec + bl - Z_MANT_BITS
    keep = big != 0 and ne >= E_MIN
    x0 = (x0 >> rs) << ls if keep else np.int64(0)
    x1 = (x1 >> rs) << ls if keep else np.int64(0)
    x2 = (x2 >> rs) << ls if keep else np.int64(0)
    return x0, x1, x2, (ne if keep else np.int64(0))


@_jit
def _pass1(u, f):
    """`_decide_reference` pass 1, branchless: powers, z, the in-phase weight, the
    short smoother, w_dir; z^2 and |z|^2 (w64 rows 0-2, exponent row 3)."""
    nbins = u.wdir.shape[0]
    mre, mim, sre, sim = u.w32[4], u.w32[5], u.w32[6], u.w32[7]
    pw0, pw1, pexp = u.pw[0], u.pw[1], u.pexp
    v0, v1, v2, ve = u.w64[0], u.w64[1], u.w64[2], u.w64[3]
    a = np.int64(u.a_short)
    mu = np.int64(u.mu_q31)
    e0 = np.int64(-2 * f)
    zero = np.int64(0)
    for k in range(nbins):
        mr = np.int64(mre[k])
        mi = np.int64(mim[k])
        sr = np.int64(sre[k])
        si = np.int64(sim[k])
        zr = ((sr * mr) >> 1) + ((si * mi) >> 1)
        zi = ((si * mr) >> 1) - ((sr * mi) >> 1)
        sz = max(0, _bl(max(abs(zr), abs(zi))) - 30)
        r = zr >> sz
        i = zi >> sz
        cos2 = _ratio_fast(r * r, r * r + i * i)  # 0 for z = 0
        g = mu + ((((np.int64(1) << 31) - mu) * cos2) >> 31)
        ps = ((sr * sr) >> 1) + ((si * si) >> 1)
        x0, x1, _, ex = _pf_rows(pw0[k], pw1[k], zero, ((mr * mr) >> 1) + ((mi * mi) >> 1),
                                 ((ps & M32) * g >> 32) + (ps >> 32) * g, zero, pexp[k], e0, a)
        pw0[k] = x0
        pw1[k] = x1
        pexp[k] = ex
        v0[k] = r * r - i * i
        v1[k] = 2 * r * i
        v2[k] = r * r + i * i
        ve[k] = 2 * sz - 4 * f
    kappa = np.int64(u.kappa_q24)
    for k in range(nbins):  # w_dir
        pm = pw0[k]
        aa = pm << 24
        bb = pw1[k] * kappa
        sh = max(0, _bl(max(aa, bb)) - 31)
        aa >>= sh
        bb >>= sh
        num = aa * aa
        den = num + bb * _sqrt_fast(aa * bb)
        wd = _ratio_fast(num, max(den, 0))
        wd = wd if den > 0 else np.int64(0)
        u.wdir[k] = INT32_MAX if pm == 0 else wd


@_jit
def _pass1b(u):
    """The long smoother (3 rows) and |E z^2|, E|z|^2 and their exponent into q."""
    nbins = u.wdir.shape[0]
    p = u.pool
    v0, v1, v2, ve = u.w64[0], u.w64[1], u.w64[2], u.w64[3]
    z0, z1, z2, zexp = u.zst[0], u.zst[1], u.zst[2], u.zexp
    q0, q1, q2 = u.q[0, p:p + nbins], u.q[1, p:p + nbins], u.q[2, p:p + nbins]
    a = np.int64(u.a_long)
    for k in range(nbins):
        x0, x1, x2, ex = _pf_rows(z0[k], z1[k], z2[k], v0[k], v1[k], v2[k], zexp[k], ve[k], a)
        z0[k] = x0
        z1[k] = x1
        z2[k] = x2
        zexp[k] = ex
        r = x0
        i = x1
        mag = _sqrt_fast(r * r + i * i) << (POOL_BITS - 30)
        d = x2 << (POOL_BITS - 30)
        q0[k] = mag
        q1[k] = d
        q2[k] = ex if (mag | d) != 0 else np.int64(E_NONE)


@_jit
def _pass23(u):
    """Edge replication, then `_decide_reference` passes 2 and 3 (C bins into u.w32
    rows 4, 5), with the window's D, lam, w inline and branchless."""
    p = u.pool
    q = u.q
    npad = q.shape[1]
    nbins = u.wdir.shape[0]
    for row in range(3):
        for j in range(p):
            q[row, j] = q[row, p]
            q[row, npad - 1 - j] = q[row, npad - 1 - p]
    seg = 2 * p
    q0, q1, q2 = q[0], q[1], q[2]
    mre, mim, wdir = u.w32[4], u.w32[5], u.wdir
    lo2 = np.int64(u.lo2)
    inv = np.int64(u.inv_q24)
    for sg in range((npad - 1) // seg, -1, -1):
        j0 = sg * seg
        j1 = min(j0 + seg, npad)
        sm, sd, es = np.int64(0), np.int64(0), np.int64(E_NONE)
        for j in range(j1 - 1, j0 - 1, -1):
            jj = np.uint64(j)
            sm, sd, es = pool_add(sm, sd, es, q0[jj], q1[jj], q2[jj])
            if j < nbins:
                js = np.uint64(j + seg)
                wm, wd, _ = pool_add(sm, sd, es, q0[js], q1[js], q2[js])
                d = _ratio_fast(wm, max(wd, 0))
                d = d if wd > 0 else np.int64(0)
                lam = ((((d * d) >> 31) - lo2) * inv) >> 24
                lam = min(max(lam, 0), INT32_MAX)
                w = INT32_MAX - (((lam & M32) * ((INT32_MAX - np.int64(wdir[jj])) & M32)) >> 31)
                mre[jj] = _rnd(w * np.int64(mre[jj]), 31)
                mim[jj] = _rnd(w * np.int64(mim[jj]), 31)
        pm, pd, ep = np.int64(0), np.int64(0), np.int64(E_NONE)
        for j in range(j0, j1):
            jj = np.uint64(j)
            pm, pd, ep = pool_add(pm, pd, ep, q0[jj], q1[jj], q2[jj])
            q0[jj] = pm
            q1[jj] = pd
            q2[jj] = ep


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
    position ctab[0, k]) into the M, S bins (u.w32 rows 4-7)."""
    n = u.fft_size
    zre, zim, pos = u.fr[0, :n], u.fr[0, n:], u.ctab[0]
    mre, mim, sre, sim = u.w32[4], u.w32[5], u.w32[6], u.w32[7]
    for k in range(n // 2 + 1):
        pk = np.uint64(pos[k])
        pkk = np.uint64(pos[(n - k) & (n - 1)])
        zr = np.int64(zre[pk])
        zi = np.int64(zim[pk])
        yr = np.int64(zre[pkk])
        yi = np.int64(zim[pkk])
        mre[k] = _rnd(zr + yr, 1)
        mim[k] = _rnd(zi - yi, 1)
        sre[k] = _rnd(zi + yi, 1)
        sim[k] = _rnd(yr - zr, 1)


@_jit
def _inverse(u, gmax):
    """`irfft_q31` from the C bins (u.w32 rows 4, 5): the merge into re, im (u.w32
    rows 0, 1, natural order), the block exponent, the shift, `cfft_q31_fast`'s
    inverse (output k at position itab[0, k]). Returns g."""
    n2 = u.fft_size // 2
    zre, zim, tw_cos, tw_sin = u.w32[0, :n2], u.w32[1, :n2], u.tw_cos, u.tw_sin
    cre, cim = u.w32[4], u.w32[5]
    for k in range(n2 // 2 + 1):
        kk = np.uint64(n2 - k)
        yr = np.int64(cre[k])
        yi = np.int64(cim[k])
        vr = np.int64(cre[kk])
        vi = np.int64(cim[kk])
        ar = _sat(yr + vr)
        ai = _sat(yi - vi)
        br = _sat(yr - vr)
        bi = _sat(yi + vi)
        c = np.int64(tw_cos[k])
        s = np.int64(tw_sin[k])
        tr = _sat(_r31(br * c - bi * s))
        ti = _sat(_r31(bi * c + br * s))
        zre[k] = _sat(ar - ti)
        zim[k] = _sat(ai + tr)
        if 0 < k < n2 // 2:
            zre[kk] = _sat(ar + ti)
            zim[kk] = _sat(tr - ai)
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
def _synthesis(u, f, g, lg):
    """Window the inverse FFT's tail (sample t = re or im of output t / 2 at its
    position itab[0, t / 2]), OLA."""
    n, ls, h = u.fft_size, u.synthesis_size, u.hop
    zre, zim, ola, ws, pos = u.w32[0], u.w32[1], u.ola, u.ws, u.itab[0]
    for j in range(ls - h):
        ola[j] = ola[j + h]
    for j in range(ls - h, ls):
        ola[j] = 0
    sh = 32 + f + g - lg
    for j in range(ls):
        t = n - ls + j
        q = np.uint64(pos[t >> 1])
        v = zre[q] if t & 1 == 0 else zim[q]
        ola[j] += _rnd(np.int64(v) * np.int64(ws[j]), sh)
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
    _pass1(u, f)
    _pass1b(u)
    _pass23(u)
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
