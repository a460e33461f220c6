/*
 * ss_kernels.c -- soundstage fixed-point kernels; see ss_kernels.h.
 *
 * Written only in the ss_ops.h primitives, line for line with
 * dsp_model/fixed/kernels.py. The hot loops follow CMSIS-DSP's structure
 * (state in locals, 4-sample unrolling with register rotation for the
 * biquads, 4 outputs per pass over the taps for the FIRs) so the instruction
 * count on a Cortex-M4 stays close to CMSIS's own kernels.
 */
#include "ss_kernels.h"

#include "ss_ops.h"

/* ====================================================== biquad DF1 Q31 */

void biquad_df1_q31_init(biquad_df1_q31_inst *S, uint32_t num_stages, const int32_t *coeffs,
                         int32_t *state, int8_t post_shift)
{
    uint32_t i;
    S->num_stages = num_stages;
    S->coeffs = coeffs;
    S->state = state;
    S->post_shift = post_shift;
    for (i = 0; i < 4u * num_stages; i++) {
        state[i] = 0;
    }
}

/* One output of a DF1 section: the MAC chain and the narrowing. */
#define SS_DF1_Q31(xn, xn1, xn2, yn1, yn2)                                                     \
    shr_floor_wrap32(                                                                          \
        mac_wrap64(mac_wrap64(mac_wrap64(mac_wrap64(mult_q31x31_q62(b0, (xn)), b1, (xn1)), b2, \
                                         (xn2)),                                               \
                              a1, (yn1)),                                                      \
                   a2, (yn2)),                                                                 \
        lshift)

/*
 * Scaling and overflow: acc (64-bit, Q62) = b0 x[n] + b1 x[n-1] + b2 x[n-2]
 * + a1 y[n-1] + a2 y[n-2]; five Q31 x Q31 products, one guard bit, wraps
 * on overflow (SMLAL). Output = acc >> (31 - post_shift), floor, low 32
 * bits kept: beyond Q31 it wraps, no saturation (CMSIS code, not its docs).
 * The wrapped output is the y[n-1] state. Stage k > 0 reads dst.
 */
void biquad_df1_q31(const biquad_df1_q31_inst *S, const int32_t *src, int32_t *dst,
                    uint32_t block_size)
{
    const int32_t *pc = S->coeffs;
    int32_t *ps = S->state;
    const int lshift = 31 - S->post_shift;
    const int32_t *in = src;
    uint32_t stage = S->num_stages;

    while (stage-- > 0u) {
        const int32_t b0 = pc[0], b1 = pc[1], b2 = pc[2], a1 = pc[3], a2 = pc[4];
        int32_t x1 = ps[0], x2 = ps[1], y1 = ps[2], y2 = ps[3];
        int32_t x0;
        const int32_t *pi = in;
        int32_t *po = dst;
        uint32_t n = block_size >> 2;

        /* 4 samples per pass; the names rotate instead of the values:
         * after each output the roles of (x1, x2) and (y1, y2) swap. */
        while (n-- > 0u) {
            x0 = *pi++;
            y2 = SS_DF1_Q31(x0, x1, x2, y1, y2); /* y[n]   */
            *po++ = y2;
            x2 = *pi++;
            y1 = SS_DF1_Q31(x2, x0, x1, y2, y1); /* y[n+1] */
            *po++ = y1;
            x1 = *pi++;
            y2 = SS_DF1_Q31(x1, x2, x0, y1, y2); /* y[n+2] */
            *po++ = y2;
            x0 = *pi++;
            y1 = SS_DF1_Q31(x0, x1, x2, y2, y1); /* y[n+3] */
            *po++ = y1;
            x2 = x1;
            x1 = x0;
        }
        n = block_size & 3u;
        while (n-- > 0u) {
            int32_t y0;
            x0 = *pi++;
            y0 = SS_DF1_Q31(x0, x1, x2, y1, y2);
            *po++ = y0;
            x2 = x1;
            x1 = x0;
            y2 = y1;
            y1 = y0;
        }
        ps[0] = x1;
        ps[1] = x2;
        ps[2] = y1;
        ps[3] = y2;
        ps += 4;
        pc += 5;
        in = dst;
    }
}

/* ================================================ biquad DF1 32x64 Q31 */

void biquad_df1_32x64_q31_init(biquad_df1_32x64_q31_inst *S, uint32_t num_stages,
                               const int32_t *coeffs, int64_t *state, int8_t post_shift)
{
    uint32_t i;
    S->num_stages = num_stages;
    S->coeffs = coeffs;
    S->state = state;
    S->post_shift = post_shift;
    for (i = 0; i < 4u * num_stages; i++) {
        state[i] = 0;
    }
}

/* floor(lo32(y) a / 2^32) for the unsigned low word of a Q63 state and a
 * signed coefficient (the first term of mult_q63x31_q62), in 32 bits: the
 * high word of lo * (a mod 2^32), minus lo when a < 0 (neg = all ones
 * then), since lo a = lo (a mod 2^32) - lo 2^32 [a < 0]. The result lies
 * in (-2^31, 2^31). */
static inline int32_t mult_lo32x31_hi(uint32_t lo, uint32_t a, uint32_t neg)
{
    return ss_u32_to_i32((uint32_t)(((uint64_t)lo * a) >> 32) - (lo & neg));
}

/*
 * Scaling and overflow: acc (64-bit, Q62) = three Q31 x Q31 products plus
 * two Q63 x Q31 products taken as floor(y a / 2^32); wraps on overflow (one
 * guard bit). y[n-1] state = acc << (post_shift + 1), 64 bits kept (Q63,
 * wraps); output = acc >> (31 - post_shift), floor, low 32 bits kept
 * (wraps) -- which is the state's high word. In 32-bit halves: y a / 2^32
 * = hi32(y) a (SMLAL) + mult_lo32x31_hi(lo32(y), a); all sums mod 2^64, so
 * the order of the terms does not matter.
 */
void biquad_df1_32x64_q31(const biquad_df1_32x64_q31_inst *S, const int32_t *src,
                          int32_t *dst, uint32_t block_size)
{
    const int32_t *pc = S->coeffs;
    int64_t *ps = S->state;
    const int ys = S->post_shift + 1; /* 1 .. 31 */
    const int32_t *in = src;
    uint32_t stage = S->num_stages;

    while (stage-- > 0u) {
        const int32_t b0 = pc[0], b1 = pc[1], b2 = pc[2], a1 = pc[3], a2 = pc[4];
        const uint32_t n1 = (uint32_t)shr_floor(a1, 31), n2 = (uint32_t)shr_floor(a2, 31);
        int32_t x1 = wrap32(ps[0]), x2 = wrap32(ps[1]);
        uint32_t y1l = (uint32_t)(uint64_t)ps[2], y1h = (uint32_t)((uint64_t)ps[2] >> 32);
        uint32_t y2l = (uint32_t)(uint64_t)ps[3], y2h = (uint32_t)((uint64_t)ps[3] >> 32);
        uint32_t n;

        for (n = 0; n < block_size; n++) {
            const int32_t x0 = in[n];
            int64_t acc = mult_q31x31_q62(b0, x0);
            uint32_t al, ah;
            acc = mac_wrap64(acc, b1, x1);
            acc = mac_wrap64(acc, b2, x2);
            acc = mac_wrap64(acc, ss_u32_to_i32(y1h), a1);
            acc = mac_wrap64(acc, ss_u32_to_i32(y2h), a2);
            acc = add64_wrap(acc, mult_lo32x31_hi(y1l, (uint32_t)a1, n1));
            acc = add64_wrap(acc, mult_lo32x31_hi(y2l, (uint32_t)a2, n2));
            x2 = x1;
            x1 = x0;
            y2l = y1l;
            y2h = y1h;
            al = (uint32_t)(uint64_t)acc;
            ah = (uint32_t)((uint64_t)acc >> 32);
            y1h = (ah << ys) | (al >> (32 - ys)); /* y = acc << ys (Q62 -> Q63), wraps */
            y1l = al << ys;
            dst[n] = ss_u32_to_i32(y1h); /* = acc >> (31 - post_shift): floor, wrap */
        }
        ps[0] = x1;
        ps[1] = x2;
        ps[2] = ss_u64_to_i64(((uint64_t)y1h << 32) | y1l);
        ps[3] = ss_u64_to_i64(((uint64_t)y2h << 32) | y2l);
        ps += 4;
        pc += 5;
        in = dst;
    }
}

/* ====================================================== biquad DF1 Q15 */

void biquad_df1_q15_init(biquad_df1_q15_inst *S, int8_t num_stages, const int16_t *coeffs,
                         int16_t *state, int8_t post_shift)
{
    int i;
    S->num_stages = num_stages;
    S->coeffs = coeffs;
    S->state = state;
    S->post_shift = post_shift;
    for (i = 0; i < 4 * num_stages; i++) {
        state[i] = 0;
    }
}

/* One output of a Q15 DF1 section: taps {b0, 0, b1, b2, a1, a2}, the inputs
 * x0, x[n-1], x[n-2] and outputs y[n-1], y[n-2]; rshift = 15 - post_shift. */
typedef int16_t (*biquad_step_q15_fn)(const int16_t *c, int16_t x0, int16_t x1, int16_t x2,
                                      int16_t y1, int16_t y2, int rshift);

/* Runs a cascade of Q15 DF1 sections (state {x1, x2, y1, y2} per stage; stage
 * k > 0 reads dst). Shared by biquad_df1_q15 and biquad_df1_fast_q15: only
 * the accumulator of one output differs. */
static void biquad_df1_q15_stages(const biquad_df1_q15_inst *S, const int16_t *src,
                                  int16_t *dst, uint32_t block_size, biquad_step_q15_fn step)
{
    const int16_t *pc = S->coeffs;
    int16_t *ps = S->state;
    const int rshift = 15 - S->post_shift;
    const int16_t *in = src;
    int stage = S->num_stages;

    while (stage-- > 0) {
        int16_t x1 = ps[0], x2 = ps[1], y1 = ps[2], y2 = ps[3];
        uint32_t n;

        for (n = 0; n < block_size; n++) {
            const int16_t x0 = in[n];
            const int16_t y0 = step(pc, x0, x1, x2, y1, y2, rshift);
            x2 = x1;
            x1 = x0;
            y2 = y1;
            y1 = y0;
            dst[n] = y0;
        }
        ps[0] = x1;
        ps[1] = x2;
        ps[2] = y1;
        ps[3] = y2;
        ps += 4;
        pc += 6;
        in = dst;
    }
}

static int16_t biquad_step_q15(const int16_t *c, int16_t x0, int16_t x1, int16_t x2,
                               int16_t y1, int16_t y2, int rshift)
{
    int64_t acc = mult_q15x15_q30(c[0], x0);
    acc = add64_wrap(acc, mult_q15x15_q30(c[2], x1));
    acc = add64_wrap(acc, mult_q15x15_q30(c[3], x2));
    acc = add64_wrap(acc, mult_q15x15_q30(c[4], y1));
    acc = add64_wrap(acc, mult_q15x15_q30(c[5], y2));
    return sat16(wrap32(shr_floor(acc, rshift))); /* Q30 -> Q15: floor, wrap, saturate */
}

/*
 * Scaling and overflow: five Q15 x Q15 = Q30 products summed in 64 bits (31
 * guard bits: never overflows). Output = acc >> (15 - post_shift), floor, its
 * low 32 bits kept (wrap), then saturated to int16; the saturated value is the
 * y[n-1] state. The wrap is CMSIS's (its __SSAT takes an int32_t): only post
 * shifts 14 and 15 can see it (dsp_model/fixed/kernels.py biquad_df1_q15).
 */
void biquad_df1_q15(const biquad_df1_q15_inst *S, const int16_t *src, int16_t *dst,
                    uint32_t block_size)
{
    biquad_df1_q15_stages(S, src, dst, block_size, biquad_step_q15);
}

/* ================================================= biquad DF1 fast Q15 */

/* Same instance and state layout as biquad_df1_q15 (CMSIS shares
 * arm_biquad_cascade_df1_init_q15 between the two). */
void biquad_df1_fast_q15_init(biquad_df1_q15_inst *S, int8_t num_stages, const int16_t *coeffs,
                              int16_t *state, int8_t post_shift)
{
    biquad_df1_q15_init(S, num_stages, coeffs, state, post_shift);
}

static int16_t biquad_step_fast_q15(const int16_t *c, int16_t x0, int16_t x1, int16_t x2,
                                    int16_t y1, int16_t y2, int rshift)
{
    int32_t acc = (int32_t)mult_q15x15_q30(c[0], x0); /* <= 2^30: exact in 32 bits */
    acc = mac_wrap32(acc, c[2], x1);
    acc = mac_wrap32(acc, c[3], x2);
    acc = mac_wrap32(acc, c[4], y1);
    acc = mac_wrap32(acc, c[5], y2);
    return sat16(shr_floor(acc, rshift)); /* Q30 -> Q15 (x 2^post_shift): floor, saturate */
}

/*
 * Scaling and overflow (arm_biquad_cascade_df1_fast_q15): acc (32-bit, Q30)
 * = b0 x[n] + b1 x[n-1] + b2 x[n-2] + a1 y[n-1] + a2 y[n-2]; five Q15 x Q15
 * products summed modulo 2^32 (SMUAD/SMLAD: one guard bit, wraps once
 * |sum| >= 2^31, any order). Output = acc >> (15 - post_shift), floor, of
 * the already wrapped 32-bit acc (no further wrap), saturated to int16; a
 * wrapped sum jumps sign rather than clipping. The saturated value is the
 * y[n-1] state. The pad coefficient {b0, 0, ...} must be 0 (CMSIS
 * multiplies it; here it is ignored). Stage k > 0 reads dst.
 */
void biquad_df1_fast_q15(const biquad_df1_q15_inst *S, const int16_t *src, int16_t *dst,
                         uint32_t block_size)
{
    biquad_df1_q15_stages(S, src, dst, block_size, biquad_step_fast_q15);
}

/* ================================================================= FIR */

void fir_q31_init(fir_q31_inst *S, uint16_t num_taps, const int32_t *coeffs, int32_t *state,
                  uint32_t max_block)
{
    uint32_t i;
    S->num_taps = num_taps;
    S->coeffs = coeffs;
    S->state = state;
    S->max_block = max_block;
    for (i = 0; i < (uint32_t)num_taps + max_block - 1u; i++) {
        state[i] = 0;
    }
}

#if defined(__GNUC__) && defined(__thumb2__)
#define SS_FIR_PAIRS 1
/* Four taps for two outputs: acc0 += c[k..k+3] x[k..k+3], acc1 += c[k..k+3]
 * x[k+1..k+4]; xc holds x[k] in and x[k+4] out. 12 instructions, 8 MACs. */
#define SS_FIR_PAIR_STEP4                                   \
    "ldrd   %[c0], %[c1], [%[b]], #8\n\t"                  \
    "ldrd   %[x1], %[xa], [%[w]], #8\n\t"                  \
    "smlal  %[lo0], %[hi0], %[xc], %[c0]\n\t"              \
    "smlal  %[lo1], %[hi1], %[x1], %[c0]\n\t"              \
    "smlal  %[lo0], %[hi0], %[x1], %[c1]\n\t"              \
    "smlal  %[lo1], %[hi1], %[xa], %[c1]\n\t"              \
    "ldrd   %[c0], %[c1], [%[b]], #8\n\t"                  \
    "ldrd   %[xb], %[xc], [%[w]], #8\n\t"                  \
    "smlal  %[lo0], %[hi0], %[xa], %[c0]\n\t"              \
    "smlal  %[lo1], %[hi1], %[xb], %[c0]\n\t"              \
    "smlal  %[lo0], %[hi0], %[xb], %[c1]\n\t"              \
    "smlal  %[lo1], %[hi1], %[xc], %[c1]\n\t"
#define SS_FIR_PAIR_OPERANDS                                                                  \
    [lo0] "+r"(lo0), [hi0] "+r"(hi0), [lo1] "+r"(lo1), [hi1] "+r"(hi1), [b] "+r"(b),          \
        [w] "+r"(w), [xc] "+r"(xc), [c0] "=&r"(c0), [c1] "=&r"(c1), [x1] "=&r"(x1),           \
        [xa] "=&r"(xa), [xb] "=&r"(xb)
/*
 * Two outputs per pass over the taps, on Thumb-2: acc0 += sum c[k] x[k],
 * acc1 += sum c[k] x[k+1] for k < 4 * n4 (the same SMLALs as mac_wrap64,
 * in the same order per accumulator: bit-identical). Post-indexed LDRDs
 * fetch two taps or two samples per instruction: 8 taps per loop step, 26
 * instructions per 16 MACs. x0 carries x[k] in and out; *pb, *pw advance
 * past what was read (x up to x[4 n4], the last one acc1 needs).
 */
static inline void fir_pair_mac4(int64_t *acc0, int64_t *acc1, const int32_t **pb,
                                 const int32_t **pw, int32_t *x0, uint32_t n4)
{
    uint32_t lo0 = (uint32_t)(uint64_t)*acc0, hi0 = (uint32_t)((uint64_t)*acc0 >> 32);
    uint32_t lo1 = (uint32_t)(uint64_t)*acc1, hi1 = (uint32_t)((uint64_t)*acc1 >> 32);
    const int32_t *b = *pb, *w = *pw;
    int32_t xc = *x0, c0, c1, x1, xa, xb;
    uint32_t n8 = n4 / 2u;
    if (n8 > 0u) {
        __asm__ volatile("1:\n\t" SS_FIR_PAIR_STEP4 SS_FIR_PAIR_STEP4
                         "subs   %[n], %[n], #1\n\t"
                         "bne    1b\n\t"
                         : SS_FIR_PAIR_OPERANDS, [n] "+r"(n8)
                         :
                         : "cc", "memory");
    }
    if (n4 & 1u) {
        __asm__ volatile(SS_FIR_PAIR_STEP4 : SS_FIR_PAIR_OPERANDS : : "memory");
    }
    *acc0 = ss_u64_to_i64(((uint64_t)hi0 << 32) | lo0);
    *acc1 = ss_u64_to_i64(((uint64_t)hi1 << 32) | lo1);
    *pb = b;
    *pw = w;
    *x0 = xc;
}
#endif

/*
 * Scaling and overflow: acc (64-bit, Q62) = sum_k coeffs[k] state[i + k]
 * = sum_k h[N-1-k] x[n-N+1+k]; wraps on overflow (only if sum |h| >= 2 at
 * full scale). Output = acc >> 31, floor, low 32 bits kept (wraps; CMSIS's
 * docs say saturated, its code wraps).
 */
void fir_q31(const fir_q31_inst *S, const int32_t *src, int32_t *dst, uint32_t block_size)
{
    const uint32_t ntaps = S->num_taps;
    const int32_t *const pc = S->coeffs;
    int32_t *const st = S->state;

    if (S->max_block == 0u) {
        return; /* not initialized: no room for a block */
    }
    while (block_size > 0u) {
        const uint32_t m = block_size < S->max_block ? block_size : S->max_block;
        const int32_t *px = st;
        uint32_t i, k, g;

        for (i = 0; i < m; i++) {
            st[ntaps - 1u + i] = src[i];
        }
#if defined(SS_FIR_PAIRS)
        for (g = m / 2u; g > 0u; g--) { /* 2 outputs per pass (fir_pair_mac4) */
            int64_t acc0 = 0, acc1 = 0;
            const int32_t *pb = pc;
            const int32_t *pw = px + 1;
            int32_t x0 = px[0], x1, c;
            if (ntaps >= 4u) {
                fir_pair_mac4(&acc0, &acc1, &pb, &pw, &x0, ntaps / 4u);
            }
            for (k = ntaps % 4u; k > 0u; k--) {
                c = *pb++;
                x1 = *pw++;
                acc0 = mac_wrap64(acc0, x0, c); /* acc_j += h[N-1-k] x[n+j-N+1+k] */
                acc1 = mac_wrap64(acc1, x1, c);
                x0 = x1;
            }
            dst[0] = shr_floor_wrap32(acc0, 31); /* Q62 -> Q31: floor, wrap */
            dst[1] = shr_floor_wrap32(acc1, 31);
            dst += 2;
            px += 2;
        }
        g = m % 2u;
#else
        /* 3 outputs per pass over the taps, taps 3 at a time (CMSIS's
         * shape: 6 accumulator words + 4 operands fit the 13 registers);
         * the names x0, x1, x2 rotate instead of the values. */
        for (g = m / 3u; g > 0u; g--) {
            int64_t acc0 = 0, acc1 = 0, acc2 = 0;
            const int32_t *pb = pc;
            const int32_t *pw = px;
            int32_t x0 = pw[0], x1 = pw[1], x2, c;
            pw += 2;
            for (k = ntaps / 3u; k > 0u; k--) {
                c = pb[0];
                x2 = pw[0];
                acc0 = mac_wrap64(acc0, x0, c); /* acc_j += h[N-1-k] x[n+j-N+1+k] */
                acc1 = mac_wrap64(acc1, x1, c);
                acc2 = mac_wrap64(acc2, x2, c);
                c = pb[1];
                x0 = pw[1];
                acc0 = mac_wrap64(acc0, x1, c);
                acc1 = mac_wrap64(acc1, x2, c);
                acc2 = mac_wrap64(acc2, x0, c);
                c = pb[2];
                x1 = pw[2];
                acc0 = mac_wrap64(acc0, x2, c);
                acc1 = mac_wrap64(acc1, x0, c);
                acc2 = mac_wrap64(acc2, x1, c);
                pb += 3;
                pw += 3;
            }
            for (k = ntaps % 3u; k > 0u; k--) {
                c = *pb++;
                x2 = *pw++;
                acc0 = mac_wrap64(acc0, x0, c);
                acc1 = mac_wrap64(acc1, x1, c);
                acc2 = mac_wrap64(acc2, x2, c);
                x0 = x1;
                x1 = x2;
            }
            dst[0] = shr_floor_wrap32(acc0, 31); /* Q62 -> Q31: floor, wrap */
            dst[1] = shr_floor_wrap32(acc1, 31);
            dst[2] = shr_floor_wrap32(acc2, 31);
            dst += 3;
            px += 3;
        }
        g = m % 3u;
#endif
        for (; g > 0u; g--) {
            int64_t acc = 0;
            for (k = 0; k < ntaps; k++) {
                acc = mac_wrap64(acc, pc[k], px[k]);
            }
            *dst++ = shr_floor_wrap32(acc, 31);
            px++;
        }
        for (k = 0; k + 1u < ntaps; k++) {
            st[k] = st[m + k];
        }
        src += m;
        block_size -= m;
    }
}

void fir_q15_init(fir_q15_inst *S, uint16_t num_taps, const int16_t *coeffs, int16_t *state,
                  uint32_t max_block)
{
    uint32_t i;
    S->num_taps = num_taps;
    S->coeffs = coeffs;
    S->state = state;
    S->max_block = max_block;
    for (i = 0; i < (uint32_t)num_taps + max_block - 1u; i++) {
        state[i] = 0;
    }
}

/* One Q15 output: the dot product of the time-reversed taps with the window. */
typedef int16_t (*fir_dot_q15_fn)(const int16_t *pc, const int16_t *x, uint32_t ntaps);

/* Runs a q15 FIR over blocks of at most max_block samples: the state holds
 * the last ntaps - 1 inputs, then the block, so the window of output i is
 * st[i .. i + ntaps - 1]. Shared by fir_q15 and fir_fast_q15 (only the
 * accumulator differs). */
static void fir_q15_blocks(const fir_q15_inst *S, const int16_t *src, int16_t *dst,
                           uint32_t block_size, fir_dot_q15_fn dot)
{
    const uint32_t ntaps = S->num_taps;
    int16_t *const st = S->state;

    if (S->max_block == 0u) {
        return; /* not initialized: no room for a block */
    }
    while (block_size > 0u) {
        const uint32_t m = block_size < S->max_block ? block_size : S->max_block;
        uint32_t i, k;

        for (i = 0; i < m; i++) {
            st[ntaps - 1u + i] = src[i];
        }
        for (i = 0; i < m; i++) {
            dst[i] = dot(S->coeffs, st + i, ntaps);
        }
        for (k = 0; k + 1u < ntaps; k++) {
            st[k] = st[m + k];
        }
        src += m;
        dst += m;
        block_size -= m;
    }
}

static int16_t fir_dot_q15(const int16_t *pc, const int16_t *x, uint32_t ntaps)
{
    int64_t acc = 0;
    uint32_t k;
    for (k = 0; k < ntaps; k++) {
        acc = add64_wrap(acc, mult_q15x15_q30(pc[k], x[k]));
    }
    return sat16(shr_floor(acc, 15)); /* Q30 -> Q15: floor, saturate */
}

/*
 * Scaling and overflow: acc (64-bit, Q30) = sum of Q15 x Q15 products (33
 * guard bits). Output = acc >> 15, floor, saturated to int16.
 */
void fir_q15(const fir_q15_inst *S, const int16_t *src, int16_t *dst, uint32_t block_size)
{
    fir_q15_blocks(S, src, dst, block_size, fir_dot_q15);
}

/* Same instance and state layout as fir_q15 (CMSIS shares
 * arm_fir_init_q15 between the two). */
void fir_fast_q15_init(fir_q15_inst *S, uint16_t num_taps, const int16_t *coeffs, int16_t *state,
                       uint32_t max_block)
{
    fir_q15_init(S, num_taps, coeffs, state, max_block);
}

static int16_t fir_dot_fast_q15(const int16_t *pc, const int16_t *x, uint32_t ntaps)
{
    int32_t acc = 0;
    uint32_t k;
    for (k = 0; k < ntaps; k++) {
        acc = mac_wrap32(acc, pc[k], x[k]); /* acc += h[N-1-k] x[n-N+1+k] */
    }
    return sat16(shr_floor(acc, 15)); /* Q30 -> Q15: floor, saturate */
}

/*
 * Scaling and overflow (arm_fir_fast_q15): acc (32-bit, Q30) = sum_k
 * coeffs[k] state[i + k], Q15 x Q15 products summed modulo 2^32 (SMLAD:
 * one guard bit, wraps once |sum| >= 2^31, e.g. sum |h| >= 2 at full
 * scale; any order). Output = acc >> 15, floor, saturated to int16 (no
 * rounding). Any num_taps >= 1 (CMSIS needs an even count).
 */
void fir_fast_q15(const fir_q15_inst *S, const int16_t *src, int16_t *dst, uint32_t block_size)
{
    fir_q15_blocks(S, src, dst, block_size, fir_dot_fast_q15);
}

/* =============================================================== delay */

void delay_q31_init(delay_q31_inst *S, uint32_t delay, int32_t *buf)
{
    uint32_t i;
    S->delay = delay;
    S->pos = 0;
    S->buf = buf;
    for (i = 0; i < (delay > 0u ? delay : 1u); i++) {
        buf[i] = 0;
    }
}

/* y[n] = x[n - delay], history zero at init. Exact (no arithmetic). The
 * ring is walked in straight runs up to its wrap point (no per-sample wrap
 * test); delay 0 in place does nothing; a delay up to the block, not in
 * place, is three straight copies and leaves the ring in order (pos 0). */
void delay_q31(delay_q31_inst *S, const int32_t *src, int32_t *dst, uint32_t block_size)
{
    const uint32_t d = S->delay;
    uint32_t pos = S->pos, n;
    if (d == 0u) {
        if (dst != src) {
            for (n = 0; n < block_size; n++) {
                dst[n] = src[n];
            }
        }
        return;
    }
    if (d <= block_size && dst != src) {
        int32_t *const buf = S->buf;
        for (n = 0; n < d - pos; n++) { /* the history, oldest first */
            dst[n] = buf[pos + n];
        }
        for (n = 0; n < pos; n++) {
            dst[d - pos + n] = buf[n];
        }
        for (n = d; n < block_size; n++) {
            dst[n] = src[n - d];
        }
        for (n = 0; n < d; n++) { /* the last d inputs */
            buf[n] = src[block_size - d + n];
        }
        S->pos = 0;
        return;
    }
    while (block_size > 0u) {
        const uint32_t run = d - pos < block_size ? d - pos : block_size;
        int32_t *pb = S->buf + pos;
        for (n = 0; n < run; n++) {
            const int32_t x = src[n]; /* read first: dst may be src */
            dst[n] = pb[n];
            pb[n] = x;
        }
        src += run;
        dst += run;
        block_size -= run;
        pos += run;
        if (pos == d) {
            pos = 0;
        }
    }
    S->pos = pos;
}

void delay_q15_init(delay_q15_inst *S, uint32_t delay, int16_t *buf)
{
    uint32_t i;
    S->delay = delay;
    S->pos = 0;
    S->buf = buf;
    for (i = 0; i < (delay > 0u ? delay : 1u); i++) {
        buf[i] = 0;
    }
}

void delay_q15(delay_q15_inst *S, const int16_t *src, int16_t *dst, uint32_t block_size)
{
    const uint32_t d = S->delay;
    int16_t *const buf = S->buf;
    uint32_t pos = S->pos, n;
    if (d == 0u) {
        for (n = 0; n < block_size; n++) {
            dst[n] = src[n];
        }
        return;
    }
    for (n = 0; n < block_size; n++) {
        const int16_t x = src[n];
        dst[n] = buf[pos];
        buf[pos] = x;
        if (++pos == d) {
            pos = 0;
        }
    }
    S->pos = pos;
}

/* ================================================================ gain */

void gain_q31_init(gain_q31_inst *S, int32_t scale_fract, int8_t shift)
{
    S->scale_fract = scale_fract;
    S->shift = shift;
}

/* shr_floor on an int32 (one ASR): floor(x / 2^s), 0 <= s <= 31. */
static inline int32_t shr_floor_i32(int32_t x, int s)
{
#if defined(__GNUC__)
    return x >> s; /* GCC/Clang: >> on signed is arithmetic (documented) */
#else
    return x < 0 ? ~(~x >> s) : x >> s;
#endif
}

/* shl32_sat(x, s) for an int32 x and 0 <= s <= 31 without 64-bit
 * arithmetic: shift, and if shifting back does not give x, saturate toward
 * x's sign (arm_scale_q31's test). */
static inline int32_t shl32_sat_i32(int32_t x, int s)
{
    const int32_t y = ss_u32_to_i32((uint32_t)x << s);
    return shr_floor_i32(y, s) == x ? y : (x < 0 ? (int32_t)SS_INT32_MIN : SS_INT32_MAX);
}

/*
 * Scaling and overflow (arm_scale_q31): p = floor(x g / 2^32) (the high
 * word of the Q62 product, Q30); k = shift + 1; k >= 0: y = sat32(p 2^k);
 * k < 0: y = floor(p / 2^-k). Bit 0 is lost for k >= 1, as in CMSIS.
 */
void gain_q31(const gain_q31_inst *S, const int32_t *src, int32_t *dst, uint32_t block_size)
{
    const int32_t g = S->scale_fract;
    const int k = S->shift + 1;
    uint32_t n;
    if (k >= 0) { /* k <= 31: shift <= 30 */
        for (n = 0; n < block_size; n++) {
            /* p: the high word of the Q62 product (SMMUL) */
            const int32_t p = (int32_t)shr_floor(mult_q31x31_q62(src[n], g), 32);
            dst[n] = shl32_sat_i32(p, k);
        }
    } else {
        for (n = 0; n < block_size; n++) {
            dst[n] = shr_floor_i32((int32_t)shr_floor(mult_q31x31_q62(src[n], g), 32), -k);
        }
    }
}

void gain_q15_init(gain_q15_inst *S, int16_t scale_fract, int8_t shift)
{
    S->scale_fract = scale_fract;
    S->shift = shift;
}

/* Scaling and overflow (arm_scale_q15): Q30 product >> (15 - shift), floor,
 * saturated to int16. */
void gain_q15(const gain_q15_inst *S, const int16_t *src, int16_t *dst, uint32_t block_size)
{
    const int16_t g = S->scale_fract;
    const int s = 15 - S->shift;
    uint32_t n;
    for (n = 0; n < block_size; n++) {
        dst[n] = sat16(shr_floor(mult_q15x15_q30(src[n], g), s));
    }
}

/* ============================================================== mixers */

void add_q31(const int32_t *src_a, const int32_t *src_b, int32_t *dst, uint32_t block_size)
{
    uint32_t n;
    for (n = 0; n < block_size; n++) {
        dst[n] = add32_sat(src_a[n], src_b[n]);
    }
}

void add_q15(const int16_t *src_a, const int16_t *src_b, int16_t *dst, uint32_t block_size)
{
    uint32_t n;
    for (n = 0; n < block_size; n++) {
        dst[n] = add16_sat(src_a[n], src_b[n]);
    }
}

/* Scaling and overflow: exact sum in int64 (|sum| <= k 2^31, exact for
 * k < 2^32 inputs), saturated once to int32. */
void mix_sat_q31(const int32_t *const *srcs, uint32_t num_inputs, int32_t *dst,
                 uint32_t block_size)
{
    uint32_t n, i;
    for (n = 0; n < block_size; n++) {
        int64_t acc = 0;
        for (i = 0; i < num_inputs; i++) {
            acc += srcs[i][n];
        }
        dst[n] = sat32(acc);
    }
}

void mix_sat_q15(const int16_t *const *srcs, uint32_t num_inputs, int16_t *dst,
                 uint32_t block_size)
{
    uint32_t n, i;
    for (n = 0; n < block_size; n++) {
        int64_t acc = 0;
        for (i = 0; i < num_inputs; i++) {
            acc += srcs[i][n];
        }
        dst[n] = sat16(acc);
    }
}

/* ====================================================== DAC output word */

void dac_quant_q31_init(dac_quant_q31_inst *S, uint8_t word_length, uint8_t dither,
                        uint32_t seed)
{
    S->word_length = word_length;
    S->dither = dither ? 1u : 0u;
    S->lfsr = seed != 0u ? seed : SS_XORSHIFT32_DEFAULT_SEED;
}

/*
 * Scaling and overflow: q = 32 - N dropped bits; v = x (+ dither) in int64;
 * y = sat_bits(shr_round(v, q), N): round half up, saturate to the N-bit
 * code, right-justified in int32. Dither (TPDF, +-1 LSB peak): two
 * xorshift32 steps, each as int32 shr_floor'ed by N, i.e. uniform in
 * [-2^(q-1), 2^(q-1)). N = 32 passes x through (LFSR does not step).
 */
void dac_quant_q31(dac_quant_q31_inst *S, const int32_t *src, int32_t *dst,
                   uint32_t block_size)
{
    const int nbits = S->word_length;
    const int q = 32 - nbits;
    uint32_t s = S->lfsr, n;
    if (q == 0) {
        if (dst != src) {
            for (n = 0; n < block_size; n++) {
                dst[n] = src[n];
            }
        }
        return;
    }
    if (!S->dither && q <= 30) {
        /* 32-bit form of the same: floor(v / 2^q) + bit q-1 of v never
         * underflows the N-bit code and overflows only to 2^(N-1) */
        const int32_t hi = (int32_t)((1u << (nbits - 1)) - 1u);
        for (n = 0; n < block_size; n++) {
            const int32_t v = src[n];
            const int32_t r = shr_floor_i32(v, q) + (shr_floor_i32(v, q - 1) & 1);
            dst[n] = r > hi ? hi : r;
        }
        return;
    }
    for (n = 0; n < block_size; n++) {
        int64_t v = src[n];
        if (S->dither) {
            s = xorshift32(s);
            v += shr_floor(as_int32(s), nbits);
            s = xorshift32(s);
            v += shr_floor(as_int32(s), nbits);
        }
        dst[n] = (int32_t)sat_bits(shr_round(v, q), nbits);
    }
    S->lfsr = s;
}

/* ====================================================== look-ahead limiter */

#define SS_LIM_ONE_Q30 ((int32_t)1 << 30)

void limiter_q31_init(limiter_q31_inst *S, uint32_t num_ch, uint32_t lookahead,
                      uint32_t attack_log2, int32_t threshold, int32_t release,
                      uint32_t out_shift, uint32_t max_block, int32_t *dl, int32_t *box,
                      int32_t *dq_val, uint32_t *dq_stamp, uint32_t *work)
{
    const uint32_t a = 1u << attack_log2;
    const uint32_t nd = num_ch * (lookahead > 0u ? lookahead : 1u);
    uint32_t i;
    S->num_ch = num_ch;
    S->lookahead = lookahead;
    S->attack_log2 = attack_log2;
    S->threshold = threshold;
    S->release = release;
    S->out_shift = out_shift;
    S->max_block = max_block;
    S->dl = dl;
    S->box = box;
    S->dq_val = dq_val;
    S->dq_stamp = dq_stamp;
    S->work = work;
    for (i = 0; i < nd; i++) {
        dl[i] = 0;
    }
    for (i = 0; i < a; i++) {
        box[i] = SS_LIM_ONE_Q30 >> attack_log2;
    }
    for (i = 0; i <= lookahead; i++) {
        dq_val[i] = 0;
        dq_stamp[i] = 0u;
    }
    for (i = 0; i < max_block; i++) {
        work[i] = 0u;
    }
    S->pos = 0u;
    S->box_pos = 0u;
    S->head = 0u;
    S->size = 0u;
    S->count = 0u;
    S->r = SS_LIM_ONE_Q30;
    S->box_sum = SS_LIM_ONE_Q30; /* A entries of 2^30 / A */
}

/*
 * Per sample n (limiter.py limiter_q31, line for line):
 *   p = max_d |x_d[n]|                      exact (<= 2^31, uint32)
 *   t = 2^30 if p <= thr else div_q30_floor(thr, p)          Q30, t p <= thr 2^30
 *   h = min(t[n - L .. n])                  monotonic deque of (t, n mod 2^32):
 *         drop the head if n - stamp > L (uint32), drop from the back every
 *         value >= t, push (t, n); h = the head's value
 *   r = h if h <= r else r + shr_floor((h - r) * release, 31)           Q30
 *   s = floor(r[n - A + 1] / A) + ... + floor(r[n] / A)                 A = 2^a,
 *         a running 32-bit sum of the box entries r >> a
 *   y_d = shr_floor_wrap32(x_d[n - L] * s, 30 - E)      (exact: y_d fits int32)
 * in three passes per chunk of at most max_block samples: the peaks into
 * work, the gain recursion (work: peaks -> gains), then per driver the delay
 * line and the gain.
 *
 * Scaling and overflow: thr < p <= 2^31 gives t in [0, 2^30); the release
 * step adds floor((h - r) rel / 2^31) < h - r, so r <= h; the box sum is at
 * most 2^30 (int32) and s <= the true average of the r's <= t[n - L] (every
 * r of the window was held to it); x s < 2^62 is exact in int64 and
 * |x s| <= thr 2^30, so floor(x s / 2^(30 - E)) lies in [-thr 2^E,
 * thr 2^E] with thr 2^E <= 2^31 - 1: the narrowing to 32 bits never wraps
 * (E <= 29 keeps the shift in 1..30), no saturation is needed and no output
 * exceeds thr 2^E. At idle (s = 2^30) y = x 2^E exactly.
 */
void limiter_q31(limiter_q31_inst *S, const int32_t *const *src, int32_t *const *dst,
                 uint32_t block_size)
{
    const uint32_t nd = S->num_ch, la = S->lookahead, cap = S->lookahead + 1u;
    const uint32_t amask = (1u << S->attack_log2) - 1u, thr_u = (uint32_t)S->threshold;
    const int64_t rel = S->release;
    const int ysh = 30 - (int)S->out_shift, al = (int)S->attack_log2;
    int32_t *const dqv = S->dq_val, *const box = S->box;
    uint32_t *const dqs = S->dq_stamp, *const work = S->work;
    uint32_t i0 = 0, n, d, b;
    while (i0 < block_size) {
        const uint32_t m = block_size - i0 < S->max_block ? block_size - i0 : S->max_block;
        uint32_t head = S->head, size = S->size, cnt = S->count, bp = S->box_pos;
        int32_t r = S->r, bsum = S->box_sum;
        /* pass 1: the linked peak of every frame */
        for (n = 0; n < m; n++) {
            work[n] = 0u;
        }
        for (d = 0; d < nd; d++) {
            const int32_t *const x = src[d] + i0;
            for (n = 0; n < m; n++) {
                const uint32_t v = x[n] < 0 ? 0u - (uint32_t)x[n] : (uint32_t)x[n];
                if (v > work[n]) {
                    work[n] = v;
                }
            }
        }
        /* pass 2: the gain recursion (work: peaks -> gains) */
        for (n = 0; n < m; n++) {
            const uint32_t p = work[n];
            int32_t t, h, q;
            t = p <= thr_u ? SS_LIM_ONE_Q30 : div_q30_floor(S->threshold, (int64_t)p);
            if (size > 0u && cnt - dqs[head] > la) { /* left the window */
                head = head + 1u < cap ? head + 1u : 0u;
                size--;
            }
            while (size > 0u) {
                b = head + size - 1u;
                if (b >= cap) {
                    b -= cap;
                }
                if (dqv[b] < t) {
                    break;
                }
                size--;
            }
            b = head + size;
            if (b >= cap) {
                b -= cap;
            }
            dqv[b] = t;
            dqs[b] = cnt;
            size++;
            h = dqv[head];
            if (h <= r) {
                r = h;
            } else {
                r = r + (int32_t)shr_floor((int64_t)(h - r) * rel, 31);
            }
            q = r >> al; /* r >= 0: floor(r / A) */
            bsum += q - box[bp];
            box[bp] = q;
            bp = (bp + 1u) & amask;
            work[n] = (uint32_t)bsum;
            cnt++;
        }
        S->head = head;
        S->size = size;
        S->count = cnt;
        S->r = r;
        S->box_pos = bp;
        S->box_sum = bsum;
        /* pass 3: per driver, the delay line (in runs up to its wrap) and the gain */
        for (d = 0; d < nd; d++) {
            const int32_t *const x = src[d] + i0;
            int32_t *const y = dst[d] + i0;
            if (la > 0u) {
                int32_t *const line = S->dl + d * la;
                uint32_t k = S->pos;
                n = 0;
                while (n < m) {
                    const uint32_t run = la - k < m - n ? la - k : m - n;
                    int32_t *const seg = line + k;
                    uint32_t j;
                    for (j = 0; j < run; j++, n++) {
                        const int32_t old = seg[j];
                        seg[j] = x[n];
                        y[n] = shr_floor_wrap32((int64_t)old * (int32_t)work[n], ysh);
                    }
                    k = k + run < la ? k + run : 0u;
                }
            } else {
                for (n = 0; n < m; n++) {
                    y[n] = shr_floor_wrap32((int64_t)x[n] * (int32_t)work[n], ysh);
                }
            }
        }
        if (la > 0u) {
            S->pos = (S->pos + m) % la;
        }
        i0 += m;
    }
}
