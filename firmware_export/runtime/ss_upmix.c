/*
 * ss_upmix.c -- adaptive upmix, fixed point; see ss_upmix.h.
 *
 * Line for line with dsp_model/fixed/upmix.py, in the ss_ops.h primitives
 * (plus the helpers bitlen64, ratio_q31, sqrt_q62, wdir_q31 and pool_add
 * defined there too). Every format, shift and rounding is documented in that
 * module's docstring.
 */
#include "ss_upmix.h"

#include <float.h>
#include <string.h>

#include "ss_cfft.h"
#include "ss_ops.h"

/* The decision is IEEE binary32 and bit-exact with dsp_model/fixed/upmix.py
 * only if every operation is rounded as written: no excess precision (x87),
 * no fused multiply-add (GCC contracts a * b + c by default in GNU C modes:
 * build with -ffp-contract=off; the attribute below also asks for it), no
 * -ffast-math reassociation. */
#if defined(__FAST_MATH__)
#error "ss_upmix.c needs IEEE float semantics: do not build it with -ffast-math"
#endif
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "ss_upmix.c needs float arithmetic evaluated in float (FLT_EVAL_METHOD 0)"
#endif
/* sqrtf (C99 <math.h>, declared here: the portable test build undefines
 * __GNUC__, which glibc's math.h does not survive); compilers inline it as
 * the correctly rounded VSQRT / SQRTSS. */
float sqrtf(float x);

#if defined(__clang__)
#pragma clang fp contract(off)
#define SS_FP_STRICT
#elif defined(__GNUC__)
#define SS_FP_STRICT __attribute__((optimize("fp-contract=off")))
#else
#define SS_FP_STRICT
#endif
#if defined(__GNUC__) || defined(__clang__)
#define SS_ALWAYS_INLINE __attribute__((always_inline))
#else
#define SS_ALWAYS_INLINE
#endif

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

#define BIN_SCALE_BITS 17 /* the decision's bins: X / N 2^(31 - 17) as floats (upmix.py) */
#define POOL_MAX 32u
/* the steering reads r below 2^64: an r that overflowed (a subnormal Pm) leaves K finite,
 * so t / K is never inf / inf (upmix.py RATIO_CAP) */
#define SS_UPMIX_RATIO_CAP 18446744073709551616.0f

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

static inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* shr_round(a b, s) of int32 a, b, 1 <= s <= 62, half = 2^(s-1): floor((a b
 * + half) / 2^s), one SMLAL (|a b| <= 2^62, so the sum cannot wrap) and one
 * shift; the callers' results fit int32 (the analysis window's by the guard
 * bit, the synthesis window's by the frame's, C = w M's by 0 <= w < 1). */
static inline int32_t mult_shr_round(int32_t a, int32_t b, int64_t half, int s)
{
    return (int32_t)shr_floor(mac_wrap64(half, a, b), s);
}
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

/* floor(x / 2): arithmetic shift (GCC/Clang), else the floor form. */
static inline int32_t asr1(int32_t x)
{
#if defined(__GNUC__)
    return x >> 1;
#else
    return x < 0 ? ~(~x >> 1) : x >> 1;
#endif
}

/* shr_round(a + b, 1) and shr_round(a - c, 1) of int32 in 32 bits: a = 2a' +
 * a0, b = 2b' + b0 (floor halves), (a + b + 1) / 2 floored is a' + b' +
 * (a0 | b0), (a - c + 1) / 2 floored is a' - c' + (a0 & ~c0). The split's
 * results fit int32 (the guard bit), so neither sum wraps. */
static inline int32_t half_add(int32_t a, int32_t b) { return asr1(a) + asr1(b) + ((a | b) & 1); }
static inline int32_t half_sub(int32_t a, int32_t c) { return asr1(a) - asr1(c) + (a & ~c & 1); }

/* x 2^e for |x 2^e| < 2^31: an exact left shift for e >= 0, else floor. */
static inline int32_t shift_to32(int64_t x, int e)
{
    return e >= 0 ? ss_u32_to_i32((uint32_t)(uint64_t)x << e) : (int32_t)shr_floor(x, -e);
}

/* The largest of |x| or ~|x| as a bit-length probe: x ^ (x >> 63). */
static inline uint64_t mag_bits(int64_t x) { return (uint64_t)(x ^ shr_floor(x, 63)); }

/* The radix-2 step of an n2-point inverse with its own block exponent
 * (upmix.py inverse_split_q31): S = Z[k] + Z[k + h], D = Z[k] - Z[k + h]
 * (int64), e = min(30 - bitlen(m), gmax - 1) from the OR m of their
 * components' x ^ (x >> 63), A = S 2^e into k, B = cmul_q31(D 2^e, W^-k) into
 * k + h (W^-k = tw[2 k]). Returns g = e + 1 (the two n2/2-point inverses
 * scale by 2/n2). */
static int split_step(int32_t *buf, uint32_t n2, const int32_t *tw_cos, const int32_t *tw_sin,
                      int gmax)
{
    const uint32_t h = n2 / 2u;
    uint64_t m = 0u;
    uint32_t k;
    int e;
    for (k = 0u; k < h; k++) {
        const int64_t ar = buf[2u * k], ai = buf[2u * k + 1u];
        const int64_t br = buf[2u * (k + h)], bi = buf[2u * (k + h) + 1u];
        m |= mag_bits(ar + br) | mag_bits(ar - br) | mag_bits(ai + bi) | mag_bits(ai - bi);
    }
    e = 30 - bitlen64((int64_t)m);
    e = e < gmax - 1 ? e : gmax - 1;
    for (k = 0u; k < h; k++) {
        int32_t *const a = buf + 2u * k, *const b = buf + 2u * (k + h);
        const int64_t ar = a[0], ai = a[1], br = b[0], bi = b[1];
        a[0] = shift_to32(ar + br, e);
        a[1] = shift_to32(ai + bi, e);
        cmul_q31(shift_to32(ar - br, e), shift_to32(ai - bi, e), tw_cos[2u * k], tw_sin[2u * k],
                 &b[0], &b[1]);
    }
    return e + 1;
}

/* The frame whose bins Y[k] = X[k] / N (k = 0..N/2) src (N + 2) holds, into
 * dst (>= N) through arm_cfft_q31's inverse of n2 = N/2 points, or for n2 not
 * a power of 4 a radix-2 step and two inverses of n2/2 (outputs 2m in dst's
 * first half, 2m + 1 in its second; upmix.py irfft_q31): the merge Z''[k] = A' + i W^-1 B' for k <= N/4 and, from the
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
    if ((n2 & 0x55555555u) == 0u) { /* not a power of 4 */
        g = split_step(dst, n2, tw_cos, tw_sin, gmax);
        SS_PROF(IRFFT_NORM);
        ss_cfft_q31(n2 / 2u, dst, 1);
        ss_cfft_q31(n2 / 2u, dst + n2, 1);
        SS_PROF(IRFFT_CFFT);
        return g;
    }
    g = 30 - (32 - clz32(m));
    g = g < gmax ? g : gmax;
    if (g > 0) { /* |x| 2^g <= 2^30: the left shift is exact; four words a turn (2 n2 is
                  * a multiple of 4): 2.9 instructions a word on the M4 against 5.0 */
        for (k = 0u; k < 2u * n2; k += 4u) {
            const uint32_t w0 = (uint32_t)dst[k], w1 = (uint32_t)dst[k + 1u];
            const uint32_t w2 = (uint32_t)dst[k + 2u], w3 = (uint32_t)dst[k + 3u];
            dst[k] = ss_u32_to_i32(w0 << g);
            dst[k + 1u] = ss_u32_to_i32(w1 << g);
            dst[k + 2u] = ss_u32_to_i32(w2 << g);
            dst[k + 3u] = ss_u32_to_i32(w3 << g);
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

/* ------------------------------------------------------------------ decision */

/* The float state lives in the int32 pool: read and written by memcpy (one
 * VLDR / VSTR; a float lvalue on int32 storage would break strict aliasing). */
static inline float ldf(const int32_t *p)
{
    float v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void stf(int32_t *p, float v) { memcpy(p, &v, sizeof v); }

/* 2^e as a float, -126 <= e <= 127 (the bits of a normal power of two). */
static inline float f32_pow2(int e)
{
    union {
        uint32_t u;
        float f;
    } v;
    v.u = (uint32_t)(127 + e) << 23;
    return v.f;
}

/* A gain w in [0, 1] as Q31: 2^31 - 1 for w >= 1, else w 2^31 truncated (upmix.py
 * f32_to_q31; the product is exact). */
static inline int32_t f32_to_q31(float w)
{
    return w >= 1.0f ? SS_INT32_MAX : (int32_t)(w * 2147483648.0f);
}

SS_FP_STRICT SS_ALWAYS_INLINE static inline void bin1(const upmix_q31_inst *S, uint32_t k, float g,
                                                      float kx, float skx, const int mag,
                                                      const int hold)
{
    const uint32_t n = S->fft_size, p = S->pool;
    const float mu = S->mu, a_l = S->a_long;
    int32_t *const mb = S->fr[0];
    int32_t *const pms = S->pw[0], *const pss = S->pw[1];
    const uint32_t kk = (n - k) & (n - 1u);
    const int32_t zr_ = mb[2u * k], zi_ = mb[2u * k + 1u];
    const int32_t yr_ = mb[2u * kk], yi_ = mb[2u * kk + 1u];
    const int32_t mr_ = half_add(zr_, yr_), mi_ = half_sub(zi_, yi_);
    const float mr = (float)mr_ * g, mi = (float)mi_ * g;
    const float sr = (float)half_add(zi_, yi_) * g, si = (float)half_sub(yr_, zr_) * g;
    const float pm = mr * mr + mi * mi;
    const float ps = sr * sr + si * si;
    const float zr = sr * mr + si * mi;
    const float zi = si * mr - sr * mi;
    const float pm0 = ldf(pms + k), ps0 = ldf(pss + k);
    float side = mu * ps, q = 0.0f, a, inv_pm = 0.0f, ti = 0.0f;
    if (pm > 0.0f) { /* the onset weight q = max(1 - u^2, 0), u = onset Pm / pm */
        const float u_ = S->onset * pm0 * (inv_pm = 1.0f / pm);
        side = (zr * zr + mu * (zi * zi)) * inv_pm;
        ti = side * inv_pm * skx; /* the side attack: b x the frame's own t */
        q = 1.0f - u_ * u_;
        q = q > 0.0f ? q : 0.0f;
    }
    a = S->a_short + (S->a_onset - S->a_short) * q;
    const float pmk = pm0 + a * (pm - pm0);
    const float psk = ps0 + a * (side - ps0);
    float wd = 1.0f, zr0, zi0, zd0, zrk, zik, zdk, zr2 = zr * zr - zi * zi, zi2 = zr * zi * 2.0f;
    float vw = pm * ps;
    mb[2u * k] = mr_;
    mb[2u * k + 1u] = mi_;
    stf(pms + k, pmk);
    stf(pss + k, psk);
    SS_PROF(P1_POW);
    if (hold) { /* the precedence hold (upmix.py _hold_bins, line for line) */
        const float hk = S->hk, r = pmk > 0.0f ? psk / pmk : 0.0f;
        const float rc = r < SS_UPMIX_RATIO_CAP ? r : SS_UPMIX_RATIO_CAP;
        float t = r * kx, b = 0.0f, rr = 1.0f, dt;
        float th = ldf(S->hold[0] + k), eh = ldf(S->hold[1] + k), hh = ldf(S->hold[2] + k);
        float ks = ldf(S->hold[3] + k);
        t = ti > t ? ti : t; /* a NaN ti (from a subnormal pm) is never taken */
        ks = rc > ks ? ks + S->ka * (rc - ks) : S->kd * ks; /* the steering */
        t = ks > 1.0f ? t / ks : t;
        if (pm > 0.0f) { /* the onset weight b (a NaN from a subnormal pm clamps to 0) */
            b = hk - S->ho * (pm0 * inv_pm);
            b = b > 0.0f ? b : 0.0f;
            b = b < 1.0f ? b : 1.0f;
        }
        if (b > 0.0f) {
            th = th + b * (ps * inv_pm * kx - th);
        }
        eh = eh > pm ? eh : pm;
        eh = eh + b * (pm - eh);
        hh = hh + b * (1.0f - hh);
        if (pm > 0.0f) { /* the release rr */
            rr = S->hr * eh * inv_pm - hk;
            rr = rr > 0.0f ? rr : 0.0f;
            rr = rr < 1.0f ? rr : 1.0f;
        }
        hh = hh * (1.0f - rr);
        th = th + S->ah * (t - th);
        dt = t - th;
        dt = dt > 0.0f ? dt : 0.0f;
        t = t - hh * dt;
        stf(S->hold[0] + k, th);
        stf(S->hold[1] + k, eh);
        stf(S->hold[2] + k, hh);
        stf(S->hold[3] + k, ks);
        wd = 1.0f / (1.0f + t * sqrtf(t));
    } else if (pmk > 0.0f) {
        float t = psk * kx / pmk;
        t = ti > t ? ti : t;
        wd = 1.0f / (1.0f + t * sqrtf(t));
    }
    stf(S->wdir + k, wd);
    SS_PROF(P1_WDIR);
    zr0 = ldf(S->z[0] + k);
    zi0 = ldf(S->z[1] + k);
    zd0 = ldf(S->z[2] + k);
    if (mag) { /* z^2 / |z| and |z| */
        const float az = sqrtf(vw), hw = az > 0.0f ? 1.0f / az : 0.0f;
        zr2 = zr2 * hw;
        zi2 = zi2 * hw;
        vw = az;
    }
    zrk = zr0 + a_l * (zr2 - zr0);
    zik = zi0 + a_l * (zi2 - zi0);
    zdk = zd0 + a_l * (vw - zd0);
    stf(S->z[0] + k, zrk);
    stf(S->z[1] + k, zik);
    stf(S->z[2] + k, zdk);
    stf(S->q[0] + k + p, sqrtf(zrk * zrk + zik * zik));
    stf(S->q[1] + k + p, zdk);
    SS_PROF(P1_Z);
}

/* Pass 1 of decide(), for bins 0..N/2 (bin1): powers, z = S M*, the side
 * power, both smoothers, the precedence hold (bins below kh), w_dir (kx =
 * 1 / x0^2 of the bin's band), |E z^2| and E|z|^2 (or E|z|, mag) into the
 * pool. A loop per band, so that kx is a constant in it, split where the
 * hold ends; always inlined with mag a constant, so that each weight gets
 * its own loops (GCC -O2 does not unswitch them, and the test cost ~5
 * instructions a bin). */
SS_FP_STRICT SS_ALWAYS_INLINE static inline void pass1(const upmix_q31_inst *S0, float g,
                                                       const int mag)
{
    /* a local copy: the bins' stores (memcpy, which may alias anything) cannot
     * change it, so its fields stay in registers across them */
    const upmix_q31_inst T = *S0, *const S = &T;
    const uint32_t kh = S->kh;
    uint32_t k = 0u, band;
    for (band = 0u; band < SS_UPMIX_BANDS; band++) {
        const float kx = S->kx[band], skx = S->sa * kx;
        const uint32_t end = S->end[band];
        const uint32_t end_hold = end < kh ? end : kh;
        for (; k < end_hold; k++) {
            bin1(S, k, g, kx, skx, mag, 1);
        }
        for (; k < end; k++) {
            bin1(S, k, g, kx, skx, mag, 0);
        }
    }
}

/* The per-bin decision of a frame at block exponent f, IEEE binary32 (upmix.py
 * _decide, line for line: every expression is the same rounded float
 * operations in the same order): from arm_cfft_q31's Z (fr[0]) to the C bins
 * over it. Pass 1 splits Z into the M and S bins first (upmix.py
 * rfft2_q31: k = 0..N/2, kk = (N - k) mod N, M[k] = (Z[k] + conj Z[kk]) / 2,
 * S[k] = (Z[k] - conj Z[kk]) / 2i, each component shr_round(., 1)), M in
 * place (k <= N/2 <= kk: only Z[N/2] is both, read before it is written),
 * S used at once. */
SS_FP_STRICT static void decide(upmix_q31_inst *S, int f)
{
    const uint32_t n = S->fft_size, p = S->pool;
    const uint32_t nb = n / 2u + 1u, npad = nb + 2u * p, seg = 2u * p;
    const float g = f32_pow2(-(f + BIN_SCALE_BITS));
    const float lo2 = S->lo2, inv = S->inv;
    const int64_t half30 = (int64_t)1 << 30; /* C = shr_round(w M, 31) */
    int32_t *const mb = S->fr[0];
    int32_t *const qm = S->q[0], *const qd = S->q[1], *const wdir = S->wdir;
    uint32_t j, sg;
    if (S->mag > 0.0f) /* votes in D weighted by |z| (else |z|^2) */
        pass1(S, g, 1);
    else
        pass1(S, g, 0);
    for (j = 0u; j < p; j++) { /* edge replication */
        qm[j] = qm[p];
        qd[j] = qd[p];
        qm[npad - 1u - j] = qm[npad - 1u - p];
        qd[npad - 1u - j] = qd[npad - 1u - p];
    }
    /* passes 2 and 3, per segment of 2 p padded bins, the last first: the
     * window of bin k is the suffix of segment k / seg from k plus the prefix
     * of the next segment to k + 2 p; the suffix accumulates while the
     * segment's bins are decided, then its prefixes replace its values */
    for (sg = S->nseg; sg-- > 0u;) {
        const uint32_t j0 = sg * seg, j1 = j0 + seg < npad ? j0 + seg : npad;
        float sm = 0.0f, sd = 0.0f;
        for (j = j1; j-- > j0;) {
            sm = sm + ldf(qm + j);
            sd = sd + ldf(qd + j);
            if (j < nb) {
                const float wm = sm + ldf(qm + j + seg), wdn = sd + ldf(qd + j + seg);
                const float d = wdn > 0.0f ? wm / wdn : 0.0f;
                float lam = (d * d - lo2) * inv;
                int32_t w;
                lam = lam > 0.0f ? lam : 0.0f; /* max(lam, 0), then min(., 1) */
                lam = lam < 1.0f ? lam : 1.0f;
                w = f32_to_q31(lam * ldf(wdir + j) + (1.0f - lam));
                mb[2u * j] = mult_shr_round(w, mb[2u * j], half30, 31);
                mb[2u * j + 1u] = mult_shr_round(w, mb[2u * j + 1u], half30, 31);
                SS_PROF(P3_W);
            }
        }
        sm = 0.0f;
        sd = 0.0f;
        for (j = j0; j < j1; j++) {
            sm = sm + ldf(qm + j);
            sd = sd + ldf(qd + j);
            stf(qm + j, sm);
            stf(qd + j, sd);
        }
        SS_PROF(POOL);
    }
}

/* ------------------------------------------------------------------ sizes */

void upmix_q31_mem_words(uint32_t fft_size, uint32_t synthesis_size, uint32_t hop, uint32_t pool,
                         uint32_t *mem32_words, uint32_t *mem64_words)
{
    const uint32_t nb = fft_size / 2u + 1u, npad = nb + 2u * pool;
    const uint32_t ndl = synthesis_size > 1u ? synthesis_size - 1u : 1u;
    const uint32_t blk = (hop & (0u - hop)) < fft_size ? hop & (0u - hop) : fft_size;
    *mem32_words = 2u * ndl + 2u * fft_size + synthesis_size + hop + 3u * fft_size + 2u /* fr */ +
                   nb /* wdir */ + 5u * nb /* pw, z */ + 2u * npad /* q */ +
                   4u * (fft_size / SS_UPMIX_HOLD_DIV) /* hold */ +
                   fft_size / blk /* hmax */;
    *mem64_words = 0u;
}

uint32_t upmix_q31_sizeof(void) { return (uint32_t)sizeof(upmix_q31_inst); }

int upmix_q31_decision_ok(const uint32_t decision[SS_UPMIX_DECISION_WORDS], uint32_t fft_size)
{
    const float nb = (float)(fft_size / 2u + 1u);
    float prev = 0.0f, k;
    uint32_t i;
    for (i = 0u; i < SS_UPMIX_DECISION_WORDS; i++) { /* sign clear, exponent < 255: finite, >= 0 */
        if (decision[i] >= 0x7F800000u) {
            return 0;
        }
    }
    if (decision[SS_UPMIX_MAG_WORD] != 0u && decision[SS_UPMIX_MAG_WORD] != 0x3F800000u) {
        return 0;
    }
    for (i = 0u; i + 1u < SS_UPMIX_BANDS; i++) { /* first bins: integers, in order, <= nb */
        memcpy(&k, decision + SS_UPMIX_BAND_WORD + 2u * i, 4u);
        if (k < prev || k > nb || k != (float)(uint32_t)k) {
            return 0;
        }
        prev = k;
    }
    memcpy(&k, decision + SS_UPMIX_HOLD_WORD, 4u); /* the hold's bins: an integer <= N/8 */
    if (k > (float)(fft_size / SS_UPMIX_HOLD_DIV) || k != (float)(uint32_t)k) {
        return 0;
    }
    for (i = 0u; i < 2u; i++) { /* the steering's ka, kd: at most 1 */
        memcpy(&k, decision + SS_UPMIX_STEER_WORD + i, 4u);
        if (k > 1.0f) {
            return 0;
        }
    }
    return 1;
}

int upmix_q31_init(upmix_q31_inst *S, uint32_t fft_size, uint32_t synthesis_size, uint32_t hop,
                   uint32_t pool, const uint32_t decision[SS_UPMIX_DECISION_WORDS], const int32_t *wa, const int32_t *ws,
                   const int32_t *tw_cos, const int32_t *tw_sin, int32_t *mem32, int64_t *mem64)
{
    uint32_t n32, n64, i, nb, npad, ndl;
    int32_t *p32 = mem32;
    if (!ss_cfft_q31_supported(fft_size) || fft_size < 512u || hop == 0u ||
        synthesis_size > fft_size || synthesis_size % hop != 0u || synthesis_size / hop < 2u ||
        pool < 1u || pool > POOL_MAX || 2u * pool + 1u > fft_size / 2u + 1u) {
        return -1;
    }
    if (!upmix_q31_decision_ok(decision, fft_size)) {
        return -1;
    }
    upmix_q31_mem_words(fft_size, synthesis_size, hop, pool, &n32, &n64);
    for (i = 0u; i < n32; i++) {
        mem32[i] = 0;
    }
    (void)mem64; /* no int64 state (n64 = 0) */
    nb = fft_size / 2u + 1u;
    npad = nb + 2u * pool;
    ndl = synthesis_size > 1u ? synthesis_size - 1u : 1u;
    S->fft_size = fft_size;
    S->synthesis_size = synthesis_size;
    S->hop = hop;
    S->pool = pool;
    memcpy(&S->a_short, decision + 0, 4u);
    memcpy(&S->a_onset, decision + 1, 4u);
    memcpy(&S->onset, decision + 2, 4u);
    memcpy(&S->a_long, decision + 3, 4u);
    memcpy(&S->kx[0], decision + 4, 4u);
    memcpy(&S->mu, decision + 5, 4u);
    memcpy(&S->lo2, decision + 6, 4u);
    memcpy(&S->inv, decision + 7, 4u);
    memcpy(&S->mag, decision + SS_UPMIX_MAG_WORD, 4u);
    for (i = 1u; i < SS_UPMIX_BANDS; i++) {
        float k;
        memcpy(&k, decision + SS_UPMIX_BAND_WORD + 2u * (i - 1u), 4u);
        S->end[i - 1u] = (uint32_t)k;
        memcpy(&S->kx[i], decision + SS_UPMIX_BAND_WORD + 2u * (i - 1u) + 1u, 4u);
    }
    S->end[SS_UPMIX_BANDS - 1u] = nb;
    {
        float k;
        memcpy(&k, decision + SS_UPMIX_HOLD_WORD, 4u);
        S->kh = (uint32_t)k;
    }
    memcpy(&S->hk, decision + SS_UPMIX_HOLD_WORD + 1u, 4u);
    memcpy(&S->ho, decision + SS_UPMIX_HOLD_WORD + 2u, 4u);
    memcpy(&S->hr, decision + SS_UPMIX_HOLD_WORD + 3u, 4u);
    memcpy(&S->ah, decision + SS_UPMIX_HOLD_WORD + 4u, 4u);
    memcpy(&S->sa, decision + SS_UPMIX_SIDE_WORD, 4u);
    memcpy(&S->ka, decision + SS_UPMIX_STEER_WORD, 4u);
    memcpy(&S->kd, decision + SS_UPMIX_STEER_WORD + 1u, 4u);
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
    S->wdir = p32;
    p32 += nb;
    S->pw[0] = p32;
    p32 += nb;
    S->pw[1] = p32;
    p32 += nb;
    for (i = 0u; i < 3u; i++) {
        S->z[i] = p32;
        p32 += nb;
    }
    S->q[0] = p32;
    p32 += npad;
    S->q[1] = p32;
    p32 += npad;
    for (i = 0u; i < 4u; i++) {
        S->hold[i] = p32;
        p32 += fft_size / SS_UPMIX_HOLD_DIV;
    }
    S->hmax = (uint32_t *)p32;
    return 0;
}

/* ------------------------------------------------------------------ frame */

/* Not inlined into upmix_q31 (GCC): the sample loop keeps its registers. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void frame(upmix_q31_inst *S)
{
    const uint32_t n = S->fft_size, ls = S->synthesis_size, h = S->hop;
    uint32_t mx = 0u, j;
    const int32_t *y;
    int f, g;

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
    ss_cfft_q31(n, S->fr[0], 0); /* the split (upmix.py rfft2_q31) is in decide's pass 1 */
    SS_PROF(CFFT);
    decide(S, f);
    /* synthesis: inverse FFT into fr[1] (the frame 2^(f + g) / (N/2)), window the
     * tail, OLA (Q30, guard bit); g <= 30 + lg - f keeps the shift sh <= 62 */
    g = irfft_q31(S->fr[0], S->fr[1], n / 2u, S->tw_cos, S->tw_sin, 30 + S->lg - f);
    if ((n / 2u) & 0x55555555u) {
        y = S->fr[1] + (n - ls);
    } else { /* the split inverse's tail in natural order, into fr[0] (free now) */
        int32_t *const t = S->fr[0];
        for (j = (n - ls) / 2u; j < n / 2u; j++) {
            const int32_t *const v = S->fr[1] + (j & 1u) * (n / 2u) + 2u * (j >> 1);
            t[2u * j - (n - ls)] = v[0];
            t[2u * j - (n - ls) + 1u] = v[1];
        }
        y = t;
    }
    { /* ola = (ola shifted by h, zeros in) + the windowed tail; ready = 2 ola[0..h) */
        int32_t *const ola = S->ola, *const ready = S->ready;
        const int32_t *const ws = S->ws;
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

/* One input sample into the rings (dl0, dl1, h0, h1 at their positions):
 * shr_floor(L + R, 1), shr_floor(L - R, 1) on 32 bits: L + R = (L ^ R) + 2 (L
 * & R) and L - R = (L ^ R) - 2 (~L & R) exactly, so the halves are (L & R) +
 * ((L ^ R) >> 1) and ((L ^ R) >> 1) - (~L & R) (mod 2^32; the results fit). */
static inline void push(int32_t left, int32_t right, int32_t *dl0, int32_t *dl1, int32_t *h0,
                        int32_t *h1)
{
    const uint32_t x = (uint32_t)shr_floor32(left ^ right, 1);
    *dl0 = left;
    *dl1 = right;
    *h0 = ss_u32_to_i32((uint32_t)(left & right) + x);
    *h1 = ss_u32_to_i32(x - (uint32_t)(~left & right));
}

void upmix_q31(upmix_q31_inst *S, const int32_t *src, int32_t *dst_l, int32_t *dst_r,
               int32_t *dst_c, uint32_t block_size)
{
    const uint32_t n = S->fft_size, h = S->hop;
    const uint32_t nd = S->synthesis_size - 1u;
    int32_t *const dl0 = S->dl[0], *const dl1 = S->dl[1];
    int32_t *const h0 = S->hist[0], *const h1 = S->hist[1];
    uint32_t t = 0u, dp = S->dl_pos, hp = S->hist_pos, ph = S->phase, i, m;
    while (t < block_size) {
        if (ph == h - 1u) { /* the sample that completes the hop: rings, frame, ready[0] */
            const int32_t ld = dl0[dp], rd = dl1[dp];
            int32_t c;
            push(src[2u * t], src[2u * t + 1u], dl0 + dp, dl1 + dp, h0 + hp, h1 + hp);
            dp = dp + 1u == nd ? 0u : dp + 1u; /* (dp + 1) % nd */
            hp = hp + 1u == n ? 0u : hp + 1u;
            S->dl_pos = dp;
            S->hist_pos = hp;
            frame(S);
            c = S->ready[0];
            dst_l[t] = sub32_sat(ld, c);
            dst_r[t] = sub32_sat(rd, c);
            dst_c[t] = c;
            ph = 0u;
            t++;
            continue;
        }
        /* a run of m samples that wraps neither ring and stops before the hop's last */
        m = block_size - t;
        m = h - 1u - ph < m ? h - 1u - ph : m;
        m = nd - dp < m ? nd - dp : m;
        m = n - hp < m ? n - hp : m;
        {
            int32_t *const a = dl0 + dp, *const b = dl1 + dp, *const x = h0 + hp, *const y = h1 + hp;
            const int32_t *const in = src + 2u * t, *const rdy = S->ready + ph + 1u;
            int32_t *const ol = dst_l + t, *const orr = dst_r + t, *const oc = dst_c + t;
            for (i = 0u; i < m; i++) {
                const int32_t ld = a[i], rd = b[i], c = rdy[i];
                push(in[2u * i], in[2u * i + 1u], a + i, b + i, x + i, y + i);
                ol[i] = sub32_sat(ld, c);
                orr[i] = sub32_sat(rd, c);
                oc[i] = c;
            }
        }
        t += m;
        ph += m;
        dp = dp + m == nd ? 0u : dp + m;
        hp = hp + m == n ? 0u : hp + m;
    }
    S->dl_pos = dp;
    S->hist_pos = hp;
    S->phase = ph;
}
