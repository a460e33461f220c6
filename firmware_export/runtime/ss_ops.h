/*
 * ss_ops.h -- the soundstage fixed-point primitive vocabulary (C99).
 *
 * Same names, arguments and results as dsp_model/fixed/ops.py (the spec,
 * on unbounded integers) and its numba twin ops_nb.py; tests/test_c_kernels.py
 * checks every op here against the spec on corner cases and seeded random
 * values. Kernels (ss_kernels.c) are written only in these.
 *
 * Conventions: qN = signed fraction with N fraction bits (Q31 in int32_t,
 * Q15 in int16_t, Q62 = a Q31 x Q31 product in int64_t). "_wrap" =
 * two's-complement wrap-around, "_sat" = clamp to the result word. Right
 * shifts name their rounding (floor / round half up / convergent).
 *
 * Portability: signed overflow is undefined in C and never happens here --
 * wrapping sums are done in uint64_t/uint32_t and converted back with
 * ss_u64_to_i64 / ss_u32_to_i32, which are exact on any C99 compiler and
 * compile to nothing. ">>" on a negative value is implementation-defined:
 * GCC and Clang document it as arithmetic (floor), and shr_floor uses it only
 * there; elsewhere it uses ~(~x >> s), which is floor on every compiler.
 * Left shifts of negative values are done on unsigned types.
 */
#ifndef SS_OPS_H
#define SS_OPS_H

#include <stdint.h>

#define SS_INT16_MIN (-32767 - 1)
#define SS_INT16_MAX 32767
#define SS_INT32_MIN (-2147483647L - 1)
#define SS_INT32_MAX 2147483647L

/* ------------------------------------------------------------ conversions */

/* uint64 bit pattern -> int64 (two's complement), exact and portable. */
static inline int64_t ss_u64_to_i64(uint64_t u)
{
    return u <= (uint64_t)INT64_MAX ? (int64_t)u
                                    : (int64_t)(u - (uint64_t)INT64_MAX - 1u) - INT64_MAX - 1;
}

/* uint32 bit pattern -> int32 (two's complement), exact and portable.
 * Same as ops.as_int32. */
static inline int32_t ss_u32_to_i32(uint32_t u)
{
    return u <= (uint32_t)INT32_MAX ? (int32_t)u
                                    : (int32_t)(u - (uint32_t)INT32_MAX - 1u) - INT32_MAX - 1;
}

static inline int32_t as_int32(uint32_t u) { return ss_u32_to_i32(u); }

/* ------------------------------------------------------------ wrap / sat */

/* Two's-complement wrap of x to int16: y = x mod 2^16 in [-2^15, 2^15). */
static inline int16_t wrap16(int64_t x)
{
    uint16_t u = (uint16_t)(uint64_t)x;
    return u <= 0x7FFFu ? (int16_t)u : (int16_t)((int32_t)u - 65536);
}

/* Two's-complement wrap of x to int32: y = x mod 2^32 in [-2^31, 2^31). */
static inline int32_t wrap32(int64_t x) { return ss_u32_to_i32((uint32_t)(uint64_t)x); }

/* Identity on int64 (the wrap happened in the unsigned sum that made x). */
static inline int64_t wrap64(int64_t x) { return x; }

/* Clamp x to signed n bits [-2^(n-1), 2^(n-1)-1]. Range: 2 <= n <= 64. */
static inline int64_t sat_bits(int64_t x, int n)
{
    const int64_t hi = (int64_t)(((uint64_t)1 << (n - 1)) - 1u);
    const int64_t lo = -hi - 1;
    return x < lo ? lo : (x > hi ? hi : x);
}

/* Clamp to int16 [-32768, 32767] (CMSIS __SSAT(x, 16)). */
static inline int16_t sat16(int64_t x)
{
    return (int16_t)(x < SS_INT16_MIN ? SS_INT16_MIN : (x > SS_INT16_MAX ? SS_INT16_MAX : x));
}

/* Clamp to int32 [-2^31, 2^31-1] (CMSIS __SSAT(x, 32)). */
static inline int32_t sat32(int64_t x)
{
    return (int32_t)(x < SS_INT32_MIN ? SS_INT32_MIN : (x > SS_INT32_MAX ? SS_INT32_MAX : x));
}

/* CMSIS clip_q63_to_q31: int64 clamped to int32, no shift. */
static inline int32_t sat_q63_to_q31(int64_t x) { return sat32(x); }

/* ---------------------------------------------------------------- shifts */

/* floor(x / 2^s), arithmetic right shift. Range: 0 <= s <= 63. */
static inline int64_t shr_floor(int64_t x, int s)
{
#if defined(__GNUC__)
    return x >> s; /* GCC/Clang: >> on signed is arithmetic (documented) */
#else
    return x < 0 ? ~(~x >> s) : x >> s; /* ~x >= 0 when x < 0 */
#endif
}

/* floor((x + 2^(s-1)) / 2^s), x for s = 0: round half up. Never forms the
 * overflowing sum: floor(x/2^s) + bit (s-1) of x. Range: 0 <= s <= 62. */
static inline int64_t shr_round(int64_t x, int s)
{
    if (s == 0) {
        return x;
    }
    return shr_floor(x, s) + (shr_floor(x, s - 1) & 1);
}

/* x / 2^s rounded to nearest, ties to even. Range: 0 <= s <= 62. */
static inline int64_t shr_convergent(int64_t x, int s)
{
    int64_t q, r, half;
    if (s == 0) {
        return x;
    }
    q = shr_floor(x, s);
    r = (int64_t)((uint64_t)x & (((uint64_t)1 << s) - 1u)); /* x - q 2^s, 0 <= r < 2^s */
    half = (int64_t)1 << (s - 1);
    if (r > half || (r == half && (q & 1) != 0)) {
        q += 1;
    }
    return q;
}

/* wrap32(floor(x / 2^s)): the 32 bits of x at position s (the CMSIS q31
 * biquad/FIR output step), from the two words without a 64-bit shift:
 * lo >> s | hi << (32 - s) on uint32 (3 instructions on a Cortex-M).
 * Range: 1 <= s <= 31. */
static inline int32_t shr_floor_wrap32(int64_t x, int s)
{
    const uint64_t u = (uint64_t)x;
    const uint32_t lo = (uint32_t)u, hi = (uint32_t)(u >> 32);
    return ss_u32_to_i32((lo >> s) | (hi << (32 - s)));
}

/* wrap64(x * 2^s): keep the low 64 bits. Range: 0 <= s <= 63. */
static inline int64_t shl64_wrap(int64_t x, int s) { return ss_u64_to_i64((uint64_t)x << s); }

/* sat32(x * 2^s). Range: x int32, 0 <= s <= 31 (exact in int64). */
static inline int32_t shl32_sat(int64_t x, int s) { return sat32(x * ((int64_t)1 << s)); }

/* ------------------------------------------------------- add / subtract */

/* wrap32(a + b). Corner: INT32_MAX + 1 = INT32_MIN. */
static inline int32_t add32_wrap(int32_t a, int32_t b) { return wrap32((int64_t)a + b); }
/* sat32(a + b) (CMSIS __QADD, arm_add_q31). */
static inline int32_t add32_sat(int32_t a, int32_t b)
{
#if defined(__GNUC__) && defined(__ARM_FEATURE_DSP) /* ARMv7E-M */
    int32_t r; /* QADD: GCC does not find it in the portable form */
    __asm__("qadd %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return sat32((int64_t)a + b);
#endif
}
/* wrap32(a - b). */
static inline int32_t sub32_wrap(int32_t a, int32_t b) { return wrap32((int64_t)a - b); }
/* sat32(a - b) (CMSIS __QSUB). */
static inline int32_t sub32_sat(int32_t a, int32_t b)
{
#if defined(__GNUC__) && defined(__ARM_FEATURE_DSP) /* ARMv7E-M */
    int32_t r; /* QSUB */
    __asm__("qsub %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return sat32((int64_t)a - b);
#endif
}
/* sat16(a + b) (arm_add_q15). */
static inline int16_t add16_sat(int16_t a, int16_t b) { return sat16((int32_t)a + b); }
/* wrap64(a + b): 64-bit accumulator add. */
static inline int64_t add64_wrap(int64_t a, int64_t b)
{
    return ss_u64_to_i64((uint64_t)a + (uint64_t)b);
}
/* sat32(-a). Corner: -INT32_MIN -> INT32_MAX. */
static inline int32_t neg32_sat(int32_t a) { return sat32(-(int64_t)a); }
/* sat32(|a|). Corner: |INT32_MIN| -> INT32_MAX. */
static inline int32_t abs32_sat(int32_t a) { return sat32(a < 0 ? -(int64_t)a : (int64_t)a); }

/* -------------------------------------------------------------- multiply */

/* a * b exactly: Q31 x Q31 -> Q62. Corner: INT32_MIN^2 = 2^62 fits. */
static inline int64_t mult_q31x31_q62(int32_t a, int32_t b)
{
#if defined(__GNUC__) && defined(__thumb2__)
    int64_t r; /* SMULL; as asm so it chains with mac_wrap64's SMLAL */
    __asm__("smull %Q0, %R0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int64_t)a * b;
#endif
}

/* a * b exactly: Q15 x Q15 -> Q30 (fits int32; returned widened). */
static inline int64_t mult_q15x15_q30(int16_t a, int16_t b) { return (int32_t)a * b; }

/* floor(x * y / 2^32): Q63 state x Q31 coefficient -> Q62, the top 64 of
 * the 96-bit product (CMSIS mult32x64: floor(lo32(x) y / 2^32) + hi32(x) y,
 * the same number; neither term overflows). */
static inline int64_t mult_q63x31_q62(int64_t x, int32_t y)
{
    const int64_t lo = (int64_t)((uint64_t)x & 0xFFFFFFFFu); /* [0, 2^32) */
    return shr_floor(lo * y, 32) + shr_floor(x, 32) * y;
}

/* wrap64(acc + a * b): the q31 MAC (SMLAL), wraps on overflow. */
static inline int64_t mac_wrap64(int64_t acc, int32_t a, int32_t b)
{
#if defined(__GNUC__) && defined(__thumb2__)
    /* SMLAL is exactly this (64-bit wrap-around). Written out because GCC
     * reassociates the portable unsigned form below and breaks the MAC
     * chains into SMULL + ADDS/ADC (about 1.7x the instructions of
     * arm_fir_q31 on a Cortex-M4). */
    __asm__("smlal %Q0, %R0, %1, %2" : "+r"(acc) : "r"(a), "r"(b));
    return acc;
#else
    return ss_u64_to_i64((uint64_t)acc + (uint64_t)((int64_t)a * b));
#endif
}

/* wrap32(acc + a * b): the fast q15 MAC (one lane of SMLAD), 32-bit
 * accumulator, wraps. Corner: 2^30 + (-2^15)(-2^15) = 2^31 -> -2^31. */
static inline int32_t mac_wrap32(int32_t acc, int16_t a, int16_t b)
{
    return add32_wrap(acc, (int32_t)a * b);
}

/* arm_mult_q31: sat_bits(floor(a b / 2^32), 31) * 2 (bit 0 dropped).
 * Corner: INT32_MIN^2 -> 0x7FFFFFFE. */
static inline int32_t mult_q31(int32_t a, int32_t b)
{
    return (int32_t)(sat_bits(shr_floor((int64_t)a * b, 32), 31) * 2);
}

/* arm_mult_q15: sat16(floor(a b / 2^15)). Corner: INT16_MIN^2 -> 32767. */
static inline int16_t mult_q15(int16_t a, int16_t b)
{
    return sat16(shr_floor((int32_t)a * b, 15));
}

/* -------------------------------------------------------------- division */

/* C99 '/': truncation toward zero. Range: b != 0, not (INT64_MIN, -1). */
static inline int64_t div_trunc(int64_t a, int64_t b) { return a / b; }

/* Leading zero bits of a uint32; clz32(0) = 32. */
static inline int clz32(uint32_t x)
{
#if defined(__GNUC__)
    return x == 0u ? 32 : __builtin_clz(x);
#else
    int n = 0;
    if (x == 0u) {
        return 32;
    }
    while ((x & 0x80000000u) == 0u) {
        x <<= 1;
        n++;
    }
    return n;
#endif
}

/* Newton-Raphson reciprocal seed r0 = 48/17 - 32/17 d in Q29 (ops.py). */
#define SS_RECIP_SEED_A_Q29 1515870810LL /* round(48/17 * 2^29) */
#define SS_RECIP_SEED_B_Q29 1010580540LL /* round(32/17 * 2^29) */
#define SS_RECIP_NEWTON_ITERATIONS 3

/* About 2^61 / d (1/d in Q30) for normalized d in [2^30, 2^31). Steps as
 * ops.recip_norm_q30: seed, then 3 x r = r (2 - d r). |error| <= 4. Every
 * operand is >= 0 and below 2^32 there (r in (2^29, 2^31], p and 2^31 - p
 * about 2^30; the model's fast twin checks every d), so each product is
 * 32 x 32 -> 64 (UMULL) and each shift logical: the same numbers. */
static inline int64_t recip_norm_q30(int64_t d)
{
    const uint32_t du = (uint32_t)d;
    uint32_t r = (uint32_t)(SS_RECIP_SEED_A_Q29 -
                            (int64_t)(((uint64_t)SS_RECIP_SEED_B_Q29 * du) >> 31)) * 2u;
    int i;
    for (i = 0; i < SS_RECIP_NEWTON_ITERATIONS; i++) {
        const uint32_t p = (uint32_t)(((uint64_t)du * r) >> 31); /* r may reach 2^31 */
        r = (uint32_t)(((uint64_t)r * ((1u << 31) - p)) >> 30);
    }
    return (int64_t)r;
}

/* num / den as Q31, saturated (ops.div_q31): |den| normalized by clz to
 * d = |den| 2^s in [2^30, 2^31), q = shr_round(|num| recip(d), 30 - s),
 * signed, sat32. den = 0 -> INT32_MAX / INT32_MIN / 0 by the sign of num. */
static inline int32_t div_q31(int32_t num, int32_t den)
{
    int64_t n, dabs, d, q;
    int s, neg;
    if (den == 0) {
        return num == 0 ? 0 : (num > 0 ? (int32_t)SS_INT32_MAX : (int32_t)SS_INT32_MIN);
    }
    neg = (num < 0) != (den < 0);
    n = num < 0 ? -(int64_t)num : (int64_t)num;
    dabs = den < 0 ? -(int64_t)den : (int64_t)den;
    s = clz32((uint32_t)dabs) - 1; /* -1 only for |den| = 2^31 */
    d = s >= 0 ? dabs << s : dabs >> 1;
    q = shr_round((int64_t)((uint64_t)(uint32_t)n * (uint32_t)recip_norm_q30(d)), 30 - s);
    return sat32(neg ? -q : q);
}

/* floor(num 2^30 / den) exactly (ops.div_q30_floor): the ratio num/den < 1
 * as a Q30 gain, never above the true ratio. Range: 0 <= num < den <= 2^31;
 * result in [0, 2^30). The 62-bit dividend num 2^30 = u1 2^32 + u0 (u1 =
 * num >> 2 < den) by the 32-bit den in two 16-bit quotient digits, each one
 * 32/32 unsigned division and at most two corrections (Hacker's Delight,
 * divlu): no 64-bit library division (which costs ~70 instructions on a
 * Cortex-M4, this ~30). */
static inline int32_t div_q30_floor(int64_t num, int64_t den)
{
    const uint32_t b = 0x10000u;
    const uint32_t u1 = (uint32_t)((uint64_t)num >> 2), u0 = (uint32_t)((uint64_t)num << 30);
    const int s = clz32((uint32_t)den);
    const uint32_t v = (uint32_t)den << s, vn1 = v >> 16, vn0 = v & 0xFFFFu;
    const uint32_t un32 = s > 0 ? (u1 << s) | (u0 >> (32 - s)) : u1;
    const uint32_t un10 = u0 << s, un1 = un10 >> 16, un0 = un10 & 0xFFFFu;
    uint32_t q1 = un32 / vn1, rhat = un32 - q1 * vn1, un21, q0;
    while (q1 >= b || q1 * vn0 > ((rhat << 16) | un1)) {
        q1--;
        rhat += vn1;
        if (rhat >= b) {
            break;
        }
    }
    un21 = (un32 << 16) + un1 - q1 * v; /* mod 2^32: the true remainder fits */
    q0 = un21 / vn1;
    rhat = un21 - q0 * vn1;
    while (q0 >= b || q0 * vn0 > ((rhat << 16) | un0)) {
        q0--;
        rhat += vn1;
        if (rhat >= b) {
            break;
        }
    }
    return (int32_t)((q1 << 16) | q0);
}

/* ---------------------------------------------------------------- dither */

#define SS_XORSHIFT32_DEFAULT_SEED 0x2545F491u

/* Marsaglia xorshift32 (13, 17, 5): an LFSR over GF(2)^32 of period 2^32-1,
 * characteristic polynomial x^32 + x^21 + x^20 + x^19 + x^18 + x^17 + x^15
 * + x^14 + x^9 + x^6 + 1 (ops.XORSHIFT32_POLY). state != 0. */
static inline uint32_t xorshift32(uint32_t x)
{
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

#endif /* SS_OPS_H */
