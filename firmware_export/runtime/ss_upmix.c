/*
 * ss_upmix.c -- adaptive upmix, fixed point; see ss_upmix.h.
 *
 * Line for line with dsp_model/fixed/upmix.py, in the ss_ops.h primitives
 * (plus the helpers bitlen64, ratio_q31, sqrt_q62, wdir_q31 and pool_add
 * defined there too). Every format, shift and rounding is documented in that
 * module's docstring.
 */
#include "ss_upmix.h"

#include "ss_cfft.h"
#include "ss_ops.h"

/* Stage brackets for the target's profiling build only
 * (firmware_export/target/src/main_upmix.c, -DSS_UPMIX_PROFILE): each
 * SS_PROF(X) charges the instructions since the previous bracket to stage X.
 * Compiled out by default. */
#ifdef SS_UPMIX_PROFILE
#include "ss_upmix_profile.h"
#define SS_PROF(stage) ss_prof_mark(SS_PROF_##stage)
#else
#define SS_PROF(stage) ((void)0)
#endif

#define Z_MANT_BITS 30 /* bit length of the largest smoothed-statistic mantissa */
#define E_MIN (-(1 << 20))  /* pseudo-floats below 2^E_MIN flush to zero */
#define E_NONE (-(1 << 30)) /* exponent of an all-zero bin of the pooled rows */
#define POOL_BITS 55        /* pooled values < 2^55.5: a window of <= 65 sums below 2^62 */
#define POOL_MAX 32u
#define I32MAX ((int64_t)SS_INT32_MAX)
#define SQRT_SEED_A_Q29 1144984594LL /* round(2.1327 * 2^29): 1/sqrt(d) ~ A - B d on [1/4, 1) */
#define SQRT_SEED_B_Q29 654230893LL  /* round(1.2186 * 2^29) */

/* Bit length of x >= 0 (0 for 0): 64 - clz64 from clz32 of the halves. */
static inline int bitlen64(int64_t x)
{
    const uint64_t u = (uint64_t)x;
    const uint32_t hi = (uint32_t)(u >> 32);
    if (hi != 0u) {
        return 64 - clz32(hi);
    }
    return 32 - clz32((uint32_t)u);
}

/* floor(x / 2^s) of an int32, 0 <= s <= 31 (shr_floor on 32 bits). */
static inline int32_t shr_floor32(int32_t x, int s)
{
#if defined(__GNUC__)
    return x >> s;
#else
    return x < 0 ? ~(~x >> s) : x >> s;
#endif
}

/* floor(x / 2^s) for 0 <= s <= 33 when it fits an int32, from the two words
 * (no 64-bit shift: lo >> s | hi << (32 - s), or hi >> (s - 32)). */
static inline int32_t shr_floor_to32(int64_t x, int s)
{
    const uint64_t u = (uint64_t)x;
    const uint32_t lo = (uint32_t)u, hi = (uint32_t)(u >> 32);
    if (s == 0) {
        return ss_u32_to_i32(lo);
    }
    if (s >= 32) {
        return shr_floor32(ss_u32_to_i32(hi), s - 32);
    }
    return ss_u32_to_i32((lo >> s) | (hi << (32 - s)));
}

/* num / den in Q31 (0 <= num, 0 < den): den normalised to [2^30, 2^31) by
 * e = bitlen(den) - 31 (floor right shift or exact left shift, num alike),
 * then 2^31 - 1 if n >= d, else 2 div_q30_floor(n, d) (the exact floor
 * quotient in Q30, two 32/32-bit UDIVs, doubled). */
static inline int32_t ratio_q31(int64_t num, int64_t den)
{
    const int e = bitlen64(den) - 31; /* <= 32 */
    int32_t d;
    int64_t n;
    if (e > 0) {
        d = shr_floor_to32(den, e);
        n = shr_floor(num, e);
    } else {
        d = ss_u32_to_i32((uint32_t)den << -e); /* den < 2^31 */
        n = shl64_wrap(num, -e);
    }
    return n >= d ? SS_INT32_MAX : 2 * div_q30_floor(n, d);
}

static inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* shr_round(a b, s) of int32 a, b, 1 <= s <= 62, half = 2^(s-1): floor((a b
 * + half) / 2^s), one SMLAL (|a b| <= 2^62, so the sum cannot wrap) and one
 * shift; the callers' results fit int32 (the analysis window's by the guard
 * bit, the synthesis window's by the frame's). */
static inline int32_t mult_shr_round(int32_t a, int32_t b, int64_t half, int s)
{
    return (int32_t)shr_floor(mac_wrap64(half, a, b), s);
}
static inline int64_t abs64(int64_t a) { return a < 0 ? -a : a; }

/* floor((a b + 2^31) / 2^32) of int32 a, b: SMMULR on ARMv7E-M. The
 * analysis window's shr_round(x wa, 31 - f) is this of a = x 2^(f+1) when
 * that fits an int32 (the product exact, the rounding bit in place). */
static inline int32_t mul_hi_round(int32_t a, int32_t b)
{
#if defined(__GNUC__) && defined(__ARM_FEATURE_DSP)
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int32_t)shr_floor(mac_wrap64((int64_t)1 << 31, a, b), 32);
#endif
}

/* About sqrt(x), 0 <= x < 2^62 (result <= 2^31): d = top 31 bits of x shifted
 * left by an even s2, y = 1/sqrt(d) in Q30 (seed line, 3 Newton steps
 * y = y (3 - d y^2) / 2), result (d y >> 30) >> s2/2 (upmix.py sqrt_q62).
 * Every value is >= 0 and d, y, p, 3 2^30 - p fit 32 bits (y <= 2^31, p <=
 * 1.18 2^30 from the seed's 0.086 on), so the products are 32 x 32 -> 64
 * (y^2 / 2^30 may reach 2^32: d times it is 32 x 64) and the shifts logical;
 * d is x >> (31 - s2) (from the two words) or x << (s2 - 31) (then x < 2^31),
 * and d y >> 30 (about sqrt(d) 2^31) fits 32 bits, so the last shift is too. */
static inline int64_t sqrt_q62(int64_t x)
{
    int s2;
    uint32_t d, y;
    uint64_t y2;
    if (x == 0) {
        return 0;
    }
    s2 = (62 - bitlen64(x)) & ~1;
    d = s2 <= 31 ? (uint32_t)shr_floor_to32(x, 31 - s2) : (uint32_t)x << (s2 - 31);
    y = (uint32_t)(SQRT_SEED_A_Q29 - (int64_t)(((uint64_t)SQRT_SEED_B_Q29 * d) >> 31)) * 2u;
    y2 = ((uint64_t)y * y) >> 30; /* Newton step 1 of 3 (upmix.py SQRT_NEWTON_ITERATIONS) */
    y = (uint32_t)(((uint64_t)y * (3u * (1u << 30) - (uint32_t)((d * y2) >> 31))) >> 31);
    y2 = ((uint64_t)y * y) >> 30; /* 2 */
    y = (uint32_t)(((uint64_t)y * (3u * (1u << 30) - (uint32_t)((d * y2) >> 31))) >> 31);
    y2 = ((uint64_t)y * y) >> 30; /* 3 */
    y = (uint32_t)(((uint64_t)y * (3u * (1u << 30) - (uint32_t)((d * y2) >> 31))) >> 31);
    return (int64_t)((uint32_t)(((uint64_t)d * y) >> 30) >> (s2 >> 1));
}

/* w_dir = Pm^2 / (Pm^2 + kPs sqrt(kPs Pm)) = 1 / (1 + t^1.5), t = kappa Ps / Pm,
 * from one bin's smoothed mantissas (upmix.py wdir_q31). */
static inline int32_t wdir_q31(int32_t pm, int32_t ps, int32_t kappa)
{
    int64_t a, b, num, den;
    int32_t aa, bb;
    int sh;
    if (pm == 0) {
        return SS_INT32_MAX;
    }
    a = shl64_wrap(pm, 24); /* a, b >= 0: the bit length of the larger is that of a | b */
    b = (int64_t)ps * kappa;
    sh = bitlen64(a | b) - 31 > 0 ? bitlen64(a | b) - 31 : 0; /* <= 30 */
    aa = shr_floor_to32(a, sh);
    bb = shr_floor_to32(b, sh);
    num = (int64_t)aa * aa;
    den = num + (int64_t)bb * sqrt_q62((int64_t)aa * bb);
    return den > 0 ? ratio_q31(num, den) : 0;
}

/* A pair of pooled sums (|E z^2|, E|z|^2) at one exponent (E_NONE: all zero). */
typedef struct {
    int64_t m, d;
    int32_t e;
} pool_acc;

/* floor(x / 2^s) of x >= 0 for any s >= 0 (0 from 63 on: the shift cap). */
static inline int64_t shr_pos_cap(int64_t x, int32_t s)
{
    return s < 63 ? (int64_t)((uint64_t)x >> s) : 0;
}

/* Add (vm, vd) at exponent e: both sides aligned (shr_floor, shift capped at
 * 63) to the larger exponent (upmix.py pool_add). Every pooled value is >= 0
 * and only the side at the smaller exponent moves (the other's shift is 0);
 * the exponents are in [E_NONE, 2^10], their differences fit an int32. */
static inline void pool_add(pool_acc *a, int64_t vm, int64_t vd, int64_t e64)
{
    const int32_t e = (int32_t)e64;
    if (e > a->e) {
        const int32_t s = e - a->e;
        a->m = shr_pos_cap(a->m, s) + vm;
        a->d = shr_pos_cap(a->d, s) + vd;
        a->e = e;
    } else if (e < a->e) {
        const int32_t s = a->e - e;
        a->m += shr_pos_cap(vm, s);
        a->d += shr_pos_cap(vd, s);
    } else {
        a->m += vm;
        a->d += vd;
    }
}

/* One row of pf_update: the mantissa x aligned by sx, the new value n by sn,
 * x + smooth(n - x, a) = x + floor((n a - x a) / 2^31), two 32 x 32 products
 * (|n - x| <= 2^31 does not fit 32 bits); |result| <= 2^30. */
static inline int32_t pf_row(int32_t x, int32_t n, int sx, int sn, int32_t a)
{
    const int32_t xs = shr_floor32(x, sx);
    return xs + (int32_t)shr_floor((int64_t)shr_floor32(n, sn) * a - (int64_t)xs * a, 31);
}

/* One-pole update of the pseudo-float vector of one bin (upmix.py pf_update):
 * mantissas *x0, *x1, *x2 (|.| <= 2^30; a 2-row vector passes a zero third
 * row, which stays zero and changes nothing), exponent ez; new values n0..n2
 * (int64) at exponent e; returns the new exponent. On 32-bit words but for
 * the new values' normalising shift (from the two words, <= 33): the bit
 * length of the largest magnitude is that of the OR of the magnitudes; shifts
 * of an int32 by 31 give its sign, as upmix.py's capped-at-63 ones do; the
 * exponents stay within [E_MIN - 64, 2^10] (the flush), so int arithmetic on
 * them is exact. */
static inline int32_t pf_update(int32_t *x0, int32_t *x1, int32_t *x2, int32_t ez, int64_t n0,
                                int64_t n1, int64_t n2, int32_t e, int32_t a)
{
    const uint64_t big = (uint64_t)abs64(n0) | (uint64_t)abs64(n1) | (uint64_t)abs64(n2);
    const int bl = bitlen64((int64_t)big);
    const int sh = bl > Z_MANT_BITS ? bl - Z_MANT_BITS : 0;
    const int32_t y0 = shr_floor_to32(n0, sh), y1 = shr_floor_to32(n1, sh);
    const int32_t y2 = shr_floor_to32(n2, sh);
    int32_t ec, sx, sn, b;
    uint32_t mag;
    e += sh;
    if ((*x0 | *x1 | *x2) == 0) {
        ez = e;
    } else if (big == 0u) {
        e = ez;
    }
    ec = ez > e ? ez : e;
    sx = ec - ez < 31 ? ec - ez : 31;
    sn = ec - e < 31 ? ec - e : 31;
    *x0 = pf_row(*x0, y0, sx, sn, a);
    *x1 = pf_row(*x1, y1, sx, sn, a);
    *x2 = pf_row(*x2, y2, sx, sn, a);
    mag = (uint32_t)(*x0 < 0 ? -*x0 : *x0) | (uint32_t)(*x1 < 0 ? -*x1 : *x1) |
          (uint32_t)(*x2 < 0 ? -*x2 : *x2);
    b = 32 - clz32(mag);
    if (mag == 0u || ec + b - Z_MANT_BITS < E_MIN) { /* zero, or flushed to zero */
        *x0 = *x1 = *x2 = 0;
        return 0;
    }
    if (b > Z_MANT_BITS) { /* b = 31 */
        *x0 = shr_floor32(*x0, 1);
        *x1 = shr_floor32(*x1, 1);
        *x2 = shr_floor32(*x2, 1);
    } else {
        *x0 = ss_u32_to_i32((uint32_t)*x0 << (Z_MANT_BITS - b));
        *x1 = ss_u32_to_i32((uint32_t)*x1 << (Z_MANT_BITS - b));
        *x2 = ss_u32_to_i32((uint32_t)*x2 << (Z_MANT_BITS - b));
    }
    return ec + b - Z_MANT_BITS;
}

/* ------------------------------------------------------------------ FFT */

/* sat32(floor(x / 2^31)) for |x| < 2^63 (x carries the rounding 2^30 of
 * the callers' shr_round(., 31)). On ARMv7E-M: the top word hi saturated to
 * 31 bits (SSAT), shifted left by one with bit 31 of the low word in (hi in
 * range) or the saturated end's low bit. */
static inline int32_t sat32_floor31(int64_t x)
{
#if defined(__GNUC__) && defined(__ARM_FEATURE_DSP) /* ARMv7E-M */
    const uint64_t u = (uint64_t)x;
    const int32_t hi = (int32_t)(uint32_t)(u >> 32);
    int32_t hs;
    __asm__("ssat %0, #31, %1" : "=r"(hs) : "r"(hi));
    return (int32_t)(((uint32_t)hs << 1) |
                     (hs == hi ? (uint32_t)u >> 31 : (uint32_t)(hs >= 0)));
#else
    return sat32(shr_floor(x, 31));
#endif
}

/* cmul_q31 for s > INT32_MIN, ns = -s: 2^30 + br c + bi ns and 2^30 + bi c +
 * br s, two SMLAL each. */
static inline void cmul_q31_ns(int32_t br, int32_t bi, int32_t c, int32_t s, int32_t ns,
                               int32_t *tr, int32_t *ti)
{
    const int64_t r = (int64_t)1 << 30;
    *tr = sat32_floor31(mac_wrap64(mac_wrap64(r, br, c), bi, ns));
    *ti = sat32_floor31(mac_wrap64(mac_wrap64(r, bi, c), br, s));
}

/* b W^-1 for b = br + i bi, W^-1 = c + i s (upmix.py cmul_q31): each
 * component one exact sum of two products, rounded once to Q31 and
 * saturated, sat32(shr_round(br c - bi s, 31)), sat32(shr_round(bi c + br s,
 * 31)); s = INT32_MIN (a table no quantizer writes) by an exact int64
 * difference. */
static inline void cmul_q31(int32_t br, int32_t bi, int32_t c, int32_t s, int32_t *tr,
                            int32_t *ti)
{
    if (s > SS_INT32_MIN) {
        cmul_q31_ns(br, bi, c, s, -s, tr, ti);
    } else {
        *tr = sat32_floor31(mac_wrap64((int64_t)1 << 30, br, c) - mult_q31x31_q62(bi, s));
        *ti = sat32_floor31(mac_wrap64(mac_wrap64((int64_t)1 << 30, bi, c), br, s));
    }
}

/* The real FFTs of two real frames through one complex FFT (upmix.py
 * rfft2_q31): buf (2 N) holds x + i y; arm_cfft_q31 (N points, Z / N), then
 * X = (Z[k] + conj Z[kk]) / 2 into buf, Y = (Z[k] - conj Z[kk]) / 2i into dst
 * (N + 2), k = 0..N/2, kk = (N - k) mod N, each component shr_round(., 1). */
static void rfft2_q31(int32_t *buf, int32_t *dst, uint32_t n)
{
    uint32_t k;
    ss_cfft_q31(n, buf, 0);
    SS_PROF(CFFT);
    for (k = 0u; k <= n / 2u; k++) {
        const uint32_t kk = (n - k) & (n - 1u);
        const int64_t zr = buf[2u * k], zi = buf[2u * k + 1u];
        const int64_t yr = buf[2u * kk], yi = buf[2u * kk + 1u];
        buf[2u * k] = (int32_t)shr_round(zr + yr, 1);
        buf[2u * k + 1u] = (int32_t)shr_round(zi - yi, 1);
        dst[2u * k] = (int32_t)shr_round(zi + yi, 1);
        dst[2u * k + 1u] = (int32_t)shr_round(yr - zr, 1);
    }
    SS_PROF(SPLIT);
}

/* The frame whose bins Y[k] = X[k] / N (k = 0..N/2) src (N + 2) holds, into
 * dst (>= N) through arm_cfft_q31's inverse of n2 = N/2 points (upmix.py
 * irfft_q31): the merge Z''[k] = A' + i W^-1 B' for k <= N/4 and, from the
 * same A', B' and t, Z''[N/2 - k] = (A'r + ti, tr - A'i) for 0 < k < N/4;
 * the block exponent g = min(30 - bitlen(m), gmax), m the OR of x ^ (x >> 31)
 * over the components (the bit length of their largest x or ~x); Z'' 2^g
 * (g = -1: >> 1); the inverse. dst = the frame 2^g / (N/2); returns g. */
static int irfft_q31(const int32_t *src, int32_t *dst, uint32_t n2, const int32_t *tw_cos,
                     const int32_t *tw_sin, int gmax)
{
    uint32_t k, m = 0u;
    int g;
    for (k = 0u; k <= n2 / 2u; k++) {
        const uint32_t kk = n2 - k;
        const int32_t yr = src[2u * k], yi = src[2u * k + 1u];
        const int32_t vr = src[2u * kk], vi = src[2u * kk + 1u];
        const int32_t ar = add32_sat(yr, vr), ai = sub32_sat(yi, vi); /* A' */
        const int32_t br = sub32_sat(yr, vr), bi = add32_sat(yi, vi); /* B' */
        int32_t tr, ti, x0, x1;
        /* Z'' = A' + i W^-1 B', W^-1 = c + i s: i t = (-ti, tr), t = W^-1 B' */
        cmul_q31(br, bi, tw_cos[k], tw_sin[k], &tr, &ti);
        x0 = sub32_sat(ar, ti);
        x1 = add32_sat(ai, tr);
        dst[2u * k] = x0;
        dst[2u * k + 1u] = x1;
        m |= (uint32_t)(x0 ^ shr_floor32(x0, 31)) | (uint32_t)(x1 ^ shr_floor32(x1, 31));
        if (k != 0u && k != n2 / 2u) {
            x0 = add32_sat(ar, ti);
            x1 = sub32_sat(tr, ai);
            dst[2u * kk] = x0;
            dst[2u * kk + 1u] = x1;
            m |= (uint32_t)(x0 ^ shr_floor32(x0, 31)) | (uint32_t)(x1 ^ shr_floor32(x1, 31));
        }
    }
    SS_PROF(IRFFT_SPLIT);
    g = 30 - (32 - clz32(m));
    g = g < gmax ? g : gmax;
    if (g > 0) { /* |x| 2^g <= 2^30: the left shift is exact */
        for (k = 0u; k < 2u * n2; k++) {
            dst[k] = ss_u32_to_i32((uint32_t)dst[k] << g);
        }
    } else if (g < 0) {
        for (k = 0u; k < 2u * n2; k++) {
            dst[k] = shr_floor32(dst[k], 1);
        }
    }
    SS_PROF(IRFFT_NORM);
    ss_cfft_q31(n2, dst, 1);
    SS_PROF(IRFFT_CFFT);
    return g;
}

/* ------------------------------------------------------------------ sizes */

void upmix_q31_mem_words(uint32_t fft_size, uint32_t synthesis_size, uint32_t hop, uint32_t pool,
                         uint32_t *mem32_words, uint32_t *mem64_words)
{
    const uint32_t nb = fft_size / 2u + 1u, npad = nb + 2u * pool;
    const uint32_t ndl = synthesis_size > 1u ? synthesis_size - 1u : 1u;
    const uint32_t blk = (hop & (0u - hop)) < fft_size ? hop & (0u - hop) : fft_size;
    *mem32_words = 2u * ndl + 2u * fft_size + synthesis_size + hop + 2u * nb /* zexp, pexp */ +
                   3u * fft_size + 2u /* fr */ + nb /* wdir */ + 5u * nb /* pw, z */ +
                   fft_size / blk /* hmax */;
    *mem64_words = 3u * npad;
}

uint32_t upmix_q31_sizeof(void) { return (uint32_t)sizeof(upmix_q31_inst); }

int upmix_q31_init(upmix_q31_inst *S, uint32_t fft_size, uint32_t synthesis_size, uint32_t hop,
                   uint32_t pool, int32_t a_short, int32_t a_long, int32_t kappa_q24,
                   int32_t mu_q31, int32_t lo2, int32_t inv_q24, const int32_t *wa, const int32_t *ws, const int32_t *tw_cos,
                   const int32_t *tw_sin, int32_t *mem32, int64_t *mem64)
{
    uint32_t n32, n64, i, nb, npad, ndl;
    int32_t *p32 = mem32;
    int64_t *p64 = mem64;
    if (!ss_cfft_q31_supported(fft_size) || !ss_cfft_q31_supported(fft_size / 2u) || hop == 0u ||
        synthesis_size > fft_size || synthesis_size % hop != 0u || synthesis_size / hop < 2u ||
        pool < 1u || pool > POOL_MAX || 2u * pool + 1u > fft_size / 2u + 1u || a_short < 0 || a_long < 0 ||
        kappa_q24 < 0 || mu_q31 < 0) {
        return -1;
    }
    upmix_q31_mem_words(fft_size, synthesis_size, hop, pool, &n32, &n64);
    for (i = 0u; i < n32; i++) {
        mem32[i] = 0;
    }
    for (i = 0u; i < n64; i++) {
        mem64[i] = 0;
    }
    nb = fft_size / 2u + 1u;
    npad = nb + 2u * pool;
    ndl = synthesis_size > 1u ? synthesis_size - 1u : 1u;
    S->fft_size = fft_size;
    S->synthesis_size = synthesis_size;
    S->hop = hop;
    S->pool = pool;
    S->a_short = a_short;
    S->a_long = a_long;
    S->kappa_q24 = kappa_q24;
    S->mu_q31 = mu_q31;
    S->lo2 = lo2;
    S->inv_q24 = inv_q24;
    S->wa = wa;
    S->ws = ws;
    S->tw_cos = tw_cos;
    S->tw_sin = tw_sin;
    S->blk = (hop & (0u - hop)) < fft_size ? hop & (0u - hop) : fft_size; /* gcd(N, hop) */
    for (S->lg = 0; (2u << S->lg) < fft_size; S->lg++) { /* log2(N/2) */
    }
    S->dl_pos = S->hist_pos = S->phase = 0u;
    S->nseg = (npad + 2u * pool - 1u) / (2u * pool);
    for (i = 0u; i < 2u; i++) {
        S->dl[i] = p32;
        p32 += ndl;
        S->hist[i] = p32;
        p32 += fft_size;
        S->fr[i] = p32;
        p32 += i == 0u ? 2u * fft_size : fft_size + 2u;
    }
    S->ola = p32;
    p32 += synthesis_size;
    S->ready = p32;
    p32 += hop;
    S->zexp = p32;
    p32 += nb;
    S->wdir = p32;
    p32 += nb;
    S->pexp = p32;
    p32 += nb;
    S->pw[0] = p32;
    p32 += nb;
    S->pw[1] = p32;
    p32 += nb;
    for (i = 0u; i < 3u; i++) {
        S->z[i] = p32;
        p32 += nb;
        S->q[i] = p64;
        p64 += npad;
    }
    S->hmax = (uint32_t *)p32; /* last: the decision's words keep their offsets */
    return 0;
}

/* ------------------------------------------------------------------ frame */

/* Not inlined into upmix_q31 (GCC): the sample loop keeps its registers. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void frame(upmix_q31_inst *S)
{
    const uint32_t n = S->fft_size, ls = S->synthesis_size, h = S->hop, p = S->pool;
    const uint32_t nb = n / 2u + 1u, npad = nb + 2u * p, seg = 2u * p;
    int64_t *q0 = S->q[0], *q1 = S->q[1], *q2 = S->q[2];
    uint32_t mx = 0u, j, k, sg;
    int f, g, row;

    SS_PROF(SAMPLE); /* upmix_q31's sample loop since the last frame */
    /* analysis: the block exponent f from the largest |M|, |S| of the frame, kept
     * per block of blk ring positions (only the hop's blocks are new), then the
     * history rings, oldest first, windowed */
    {
        const uint32_t blk = S->blk, nblk = n / blk;
        uint32_t b = ((S->hist_pos + n - h) % n) / blk, cnt;
        for (cnt = h / blk; cnt > 0u; cnt--) {
            const int32_t *const m0 = S->hist[0] + b * blk, *const s0 = S->hist[1] + b * blk;
            int32_t hi = 0, lo = 0;
            for (j = 0u; j < blk; j++) {
                hi = m0[j] > hi ? m0[j] : hi;
                lo = m0[j] < lo ? m0[j] : lo;
                hi = s0[j] > hi ? s0[j] : hi;
                lo = s0[j] < lo ? s0[j] : lo;
            }
            S->hmax[b] = (uint32_t)hi > 0u - (uint32_t)lo ? (uint32_t)hi : 0u - (uint32_t)lo;
            b = b + 1u == nblk ? 0u : b + 1u;
        }
        for (b = 0u; b < nblk; b++) {
            mx = S->hmax[b] > mx ? S->hmax[b] : mx;
        }
    }
    f = 30 - (32 - clz32(mx > 0u ? mx - 1u : 0u)); /* -1..30: |x| 2^f <= 2^30, a guard bit */
    {
        const uint32_t pos = S->hist_pos;
        const int32_t *const h0 = S->hist[0], *const h1 = S->hist[1], *const wa = S->wa;
        int32_t *const z = S->fr[0]; /* z = M + i S, the ring from hist_pos */
        if (f < 0 || ((uint64_t)mx << (f + 1)) <= (uint64_t)SS_INT32_MAX) {
            /* x 2^(f+1) fits: one SMMULR per value (mul_hi_round); always but for
             * a peak at exactly 2^(30 - f) */
            const int sh = f + 1;
            for (j = 0u; j < n - pos; j++) {
                const int32_t w = wa[j];
                z[2u * j] = mul_hi_round(ss_u32_to_i32((uint32_t)h0[pos + j] << sh), w);
                z[2u * j + 1u] = mul_hi_round(ss_u32_to_i32((uint32_t)h1[pos + j] << sh), w);
            }
            for (; j < n; j++) {
                const int32_t w = wa[j];
                z[2u * j] = mul_hi_round(ss_u32_to_i32((uint32_t)h0[j - (n - pos)] << sh), w);
                z[2u * j + 1u] =
                    mul_hi_round(ss_u32_to_i32((uint32_t)h1[j - (n - pos)] << sh), w);
            }
        } else {
            const int64_t half = (int64_t)1 << (30 - f);
            for (j = 0u; j < n; j++) {
                const uint32_t r = j < n - pos ? pos + j : j - (n - pos);
                z[2u * j] = mult_shr_round(h0[r], wa[j], half, 31 - f);
                z[2u * j + 1u] = mult_shr_round(h1[r], wa[j], half, 31 - f);
            }
        }
    }
    SS_PROF(WIN);
    rfft2_q31(S->fr[0], S->fr[1], n);
    /* pass 1: powers, z = S M*, the in-phase weight, both smoothers, w_dir,
     * |E z^2| and E|z|^2 into the padded rows of q (row 2: their exponent) */
    for (k = 0u; k < nb; k++) {
        const int32_t mr = S->fr[0][2u * k], mi = S->fr[0][2u * k + 1u];
        const int32_t sr = S->fr[1][2u * k], si = S->fr[1][2u * k + 1u];
        const int64_t zr = shr_floor((int64_t)sr * mr, 1) + shr_floor((int64_t)si * mi, 1);
        const int64_t zi = shr_floor((int64_t)si * mr, 1) - shr_floor((int64_t)sr * mi, 1);
        /* z / 2 above; sz from the bit length of |zr| | |zi| (that of the larger), <= 33 */
        const int bz = bitlen64((int64_t)((uint64_t)abs64(zr) | (uint64_t)abs64(zi)));
        const int sz = bz > 30 ? bz - 30 : 0;
        const int32_t r = shr_floor_to32(zr, sz), i = shr_floor_to32(zi, sz); /* |.| <= 2^30 */
        const int64_t r2 = (int64_t)r * r, i2 = (int64_t)i * i;
        const uint32_t cos2 = (r | i) != 0 ? (uint32_t)ratio_q31(r2, r2 + i2) : 0u;
        /* g = mu + floor((2^31 - mu) cos^2 / 2^31) < 2^31: both factors < 2^32, >= 0 */
        const int32_t g = S->mu_q31 + (int32_t)(((uint64_t)((1u << 31) - (uint32_t)S->mu_q31) *
                                                 cos2) >> 31);
        const int64_t pm = shr_floor((int64_t)mr * mr, 1) + shr_floor((int64_t)mi * mi, 1);
        const int64_t side =
            mult_q63x31_q62(shr_floor((int64_t)sr * sr, 1) + shr_floor((int64_t)si * si, 1), g);
        int32_t x0 = S->pw[0][k], x1 = S->pw[1][k], x2 = 0; /* pm = |M|^2 / 2 */
        SS_PROF(P1_POW);
        S->pexp[k] = pf_update(&x0, &x1, &x2, S->pexp[k], pm, side, 0, -2 * f, S->a_short);
        S->pw[0][k] = x0;
        S->pw[1][k] = x1;
        SS_PROF(P1_PF);
        S->wdir[k] = wdir_q31(x0, x1, S->kappa_q24);
        SS_PROF(P1_WDIR);
        x0 = S->z[0][k];
        x1 = S->z[1][k];
        x2 = S->z[2][k];
        /* z^2, |z|^2 at exponent 2 sz (- 4 f) */
        S->zexp[k] = pf_update(&x0, &x1, &x2, S->zexp[k], r2 - i2, 2 * ((int64_t)r * i), r2 + i2,
                               2 * sz - 4 * f, S->a_long);
        S->z[0][k] = x0;
        S->z[1][k] = x1;
        S->z[2][k] = x2;
        SS_PROF(P3_PF);
        /* |E z^2|, E|z|^2 */
        q0[k + p] = shl64_wrap(sqrt_q62((int64_t)x0 * x0 + (int64_t)x1 * x1), POOL_BITS - 30);
        q1[k + p] = shl64_wrap(x2, POOL_BITS - 30);
        q2[k + p] = (q0[k + p] | q1[k + p]) != 0 ? S->zexp[k] : E_NONE;
        SS_PROF(P1_Z);
    }
    for (j = 0u; j < p; j++) { /* edge replication */
        for (row = 0; row < 3; row++) {
            S->q[row][j] = S->q[row][p];
            S->q[row][npad - 1u - j] = S->q[row][npad - 1u - p];
        }
    }
    /* passes 2 and 3, per segment of 2 p padded bins, the last first: the
     * window of bin k is the suffix of segment k / seg from k plus the prefix
     * of the next segment to k + 2 p; the suffix accumulates while the
     * segment's bins are decided, then its prefixes replace its values */
    for (sg = S->nseg; sg-- > 0u;) {
        const uint32_t j0 = sg * seg, j1 = j0 + seg < npad ? j0 + seg : npad;
        pool_acc suf = {0, 0, E_NONE}, pre = {0, 0, E_NONE};
        for (j = j1; j-- > j0;) {
            pool_add(&suf, q0[j], q1[j], q2[j]);
            if (j < nb) {
                pool_acc win = suf;
                uint32_t d;
                int64_t d2, lam;
                int32_t w;
                pool_add(&win, q0[j + seg], q1[j + seg], q2[j + seg]);
                SS_PROF(P3_WIN);
                d = win.d > 0 ? (uint32_t)ratio_q31(win.m, win.d) : 0u; /* D, <= 1 */
                d2 = (int64_t)(((uint64_t)d * d) >> 31);
                SS_PROF(P3_LAM);
                lam = shr_floor((d2 - S->lo2) * S->inv_q24, 24);
                lam = lam < 0 ? 0 : (lam > I32MAX ? I32MAX : lam);
                /* lam and 1 - w_dir in [0, 2^31): 32 x 32 bits, logical shift */
                w = SS_INT32_MAX - (int32_t)(((uint64_t)(uint32_t)lam *
                                              (uint32_t)(SS_INT32_MAX - S->wdir[j])) >> 31);
                S->fr[0][2u * j] = (int32_t)shr_round((int64_t)w * S->fr[0][2u * j], 31);
                S->fr[0][2u * j + 1u] = (int32_t)shr_round((int64_t)w * S->fr[0][2u * j + 1u], 31);
                SS_PROF(P3_W);
            }
        }
        for (j = j0; j < j1; j++) {
            pool_add(&pre, q0[j], q1[j], q2[j]);
            q0[j] = pre.m;
            q1[j] = pre.d;
            q2[j] = pre.e;
        }
        SS_PROF(POOL);
    }
    /* synthesis: inverse FFT into fr[1] (the frame 2^(f + g) / (N/2)), window the
     * tail, OLA (Q30, guard bit); g <= 30 + lg - f keeps the shift sh <= 62 */
    g = irfft_q31(S->fr[0], S->fr[1], n / 2u, S->tw_cos, S->tw_sin, 30 + S->lg - f);
    { /* ola = (ola shifted by h, zeros in) + the windowed tail; ready = 2 ola[0..h) */
        int32_t *const ola = S->ola, *const ready = S->ready;
        const int32_t *const y = S->fr[1] + (n - ls), *const ws = S->ws;
        const int sh = 32 + f + g - S->lg; /* 19..62 */
        const int64_t half = (int64_t)1 << (sh - 1);
        for (j = 0u; j < h; j++) {
            ola[j] = ola[j + h] + mult_shr_round(y[j], ws[j], half, sh);
            ready[j] = add32_sat(ola[j], ola[j]); /* shl32_sat(ola, 1) */
        }
        for (; j + h < ls; j++) {
            ola[j] = ola[j + h] + mult_shr_round(y[j], ws[j], half, sh);
        }
        for (; j < ls; j++) {
            ola[j] = mult_shr_round(y[j], ws[j], half, sh);
        }
    }
    SS_PROF(OLA);
}

void upmix_q31(upmix_q31_inst *S, const int32_t *src, int32_t *dst_l, int32_t *dst_r,
               int32_t *dst_c, uint32_t block_size)
{
    const uint32_t n = S->fft_size, h = S->hop;
    const uint32_t nd = S->synthesis_size - 1u;
    int32_t *const dl0 = S->dl[0], *const dl1 = S->dl[1];
    int32_t *const h0 = S->hist[0], *const h1 = S->hist[1];
    uint32_t t, dp = S->dl_pos, hp = S->hist_pos, ph = S->phase;
    for (t = 0u; t < block_size; t++) {
        const int32_t left = src[2u * t], right = src[2u * t + 1u];
        const int32_t ld = dl0[dp], rd = dl1[dp];
        const uint32_t x = (uint32_t)(left ^ right);
        int32_t c;
        dl0[dp] = left;
        dl1[dp] = right;
        dp = dp + 1u == nd ? 0u : dp + 1u; /* (dp + 1) % nd */
        /* shr_floor(L + R, 1), shr_floor(L - R, 1) on 32 bits: L + R = (L ^ R) + 2 (L & R)
         * and L - R = (L ^ R) - 2 (~L & R) exactly, so the halves are (L & R) + ((L ^ R)
         * >> 1) and ((L ^ R) >> 1) - (~L & R) (mod 2^32; the results fit) */
        h0[hp] = ss_u32_to_i32((uint32_t)(left & right) + (uint32_t)shr_floor32((int32_t)x, 1));
        h1[hp] = ss_u32_to_i32((uint32_t)shr_floor32((int32_t)x, 1) - (uint32_t)(~left & right));
        hp = hp + 1u == n ? 0u : hp + 1u;
        if (ph == h - 1u) {
            S->dl_pos = dp;
            S->hist_pos = hp;
            frame(S);
            c = S->ready[0];
            ph = 0u;
        } else {
            ph++;
            c = S->ready[ph];
        }
        dst_l[t] = sub32_sat(ld, c);
        dst_r[t] = sub32_sat(rd, c);
        dst_c[t] = c;
    }
    S->dl_pos = dp;
    S->hist_pos = hp;
    S->phase = ph;
}
