/*
 * ss_kernels.h -- soundstage fixed-point kernels (C99, no malloc, no floats).
 *
 * The C twins of dsp_model/fixed/kernels.py: same names, same argument
 * order (inst, src, dst, block_size), same state layout, bit-exact (tested by
 * tests/test_c_kernels.py). The CMSIS-defined ones are bit-exact to CMSIS-DSP
 * (arm_biquad_cascade_df1_q31, arm_biquad_cas_df1_32x64_q31, arm_fir_q31,
 * arm_biquad_cascade_df1_q15, arm_biquad_cascade_df1_fast_q15, arm_fir_q15,
 * arm_fir_fast_q15, arm_scale_q31/q15, arm_add_q31/q15), so on a Cortex-M
 * target either may be linked. The caller owns every buffer; an _init only
 * fills the instance and zeroes the state. dst may be src (in place) for
 * every kernel. The "Scaling and overflow" paragraph of each kernel is in
 * ss_kernels.c (and in kernels.py).
 */
#ifndef SS_KERNELS_H
#define SS_KERNELS_H

#include <stdint.h>

/* Biquad cascade, DF1, Q31 (arm_biquad_casd_df1_inst_q31).
 * coeffs: 5 per stage {b0, b1, b2, a1, a2}, CMSIS signs (a negated vs
 * scipy), Q31 scaled by 2^-post_shift. state: 4 per stage
 * {x[n-1], x[n-2], y[n-1], y[n-2]}. */
typedef struct {
    uint32_t num_stages;
    int32_t *state;
    const int32_t *coeffs;
    int8_t post_shift;
} biquad_df1_q31_inst;

/* Biquad cascade, DF1, Q31 data with Q63 feedback state
 * (arm_biquad_cas_df1_32x64_ins_q31). coeffs as above. state: 4 int64 per
 * stage {x[n-1], x[n-2] (Q31 sign-extended), y[n-1], y[n-2] (Q63)}. */
typedef struct {
    uint32_t num_stages;
    int64_t *state;
    const int32_t *coeffs;
    int8_t post_shift;
} biquad_df1_32x64_q31_inst;

/* Biquad cascade, DF1, Q15 (arm_biquad_casd_df1_inst_q15). coeffs: 6 per
 * stage {b0, 0, b1, b2, a1, a2}; state: 4 per stage as the Q31 one. */
typedef struct {
    int8_t num_stages;
    int16_t *state;
    const int16_t *coeffs;
    int8_t post_shift;
} biquad_df1_q15_inst;

/* FIR, Q31 (arm_fir_instance_q31 plus max_block). coeffs time-reversed
 * {h[N-1], ..., h[0]}; state: num_taps + max_block - 1 values (last N-1
 * inputs, oldest first, then room for a block). Blocks longer than
 * max_block are processed in chunks of max_block (max_block >= 1). */
typedef struct {
    uint16_t num_taps;
    int32_t *state;
    const int32_t *coeffs;
    uint32_t max_block;
} fir_q31_inst;

/* FIR, Q15: as fir_q31_inst with int16 data (even num_taps for CMSIS). */
typedef struct {
    uint16_t num_taps;
    int16_t *state;
    const int16_t *coeffs;
    uint32_t max_block;
} fir_q15_inst;

/* Integer delay line y[n] = x[n - delay]; buf holds max(delay, 1) samples,
 * pos is the next read/write index. */
typedef struct {
    uint32_t delay;
    uint32_t pos;
    int32_t *buf;
} delay_q31_inst;

typedef struct {
    uint32_t delay;
    uint32_t pos;
    int16_t *buf;
} delay_q15_inst;

/* Gain = scale_fract 2^shift (arm_scale_q31: shift -31..30;
 * arm_scale_q15: scale_fract Q15, shift 0..15). */
typedef struct {
    int32_t scale_fract;
    int8_t shift;
} gain_q31_inst;

typedef struct {
    int16_t scale_fract;
    int8_t shift;
} gain_q15_inst;

/* Output quantizer to an N-bit DAC word (word_length 2..32; outside that
 * the result is undefined), optional TPDF dither from the xorshift32 LFSR
 * state (nonzero). */
typedef struct {
    uint8_t word_length;
    uint8_t dither;
    uint32_t lfsr;
} dac_quant_q31_inst;

/* Look-ahead peak limiter linked across num_ch channels (1..16),
 * dsp_model/fixed/limiter.py. lookahead L <= 4096, attack 2^attack_log2 <=
 * L + 1, threshold in 1..(2^31 - 1) >> out_shift, release Q31 >= 0,
 * out_shift 0..29; blocks are run in passes of at most max_block (>= 1).
 * Buffers (caller-owned, zeroed / set by the _init): dl num_ch x max(L, 1)
 * delay lines (channel-major), box 2^attack_log2 entries floor(r / A),
 * dq_val and dq_stamp L + 1 each (the minimum-hold deque), work max_block
 * (scratch: the peaks, then the gains of a pass). */
typedef struct {
    uint32_t num_ch;
    uint32_t lookahead;
    uint32_t attack_log2;
    int32_t threshold;
    int32_t release;
    uint32_t out_shift;
    uint32_t max_block;
    int32_t *dl;
    int32_t *box;
    int32_t *dq_val;
    uint32_t *dq_stamp;
    uint32_t *work;
    uint32_t pos, box_pos, head, size, count; /* state, as kernels' st[] */
    int32_t r;
    int32_t box_sum;
} limiter_q31_inst;

void biquad_df1_q31_init(biquad_df1_q31_inst *S, uint32_t num_stages, const int32_t *coeffs,
                         int32_t *state, int8_t post_shift);
void biquad_df1_q31(const biquad_df1_q31_inst *S, const int32_t *src, int32_t *dst,
                    uint32_t block_size);

void biquad_df1_32x64_q31_init(biquad_df1_32x64_q31_inst *S, uint32_t num_stages,
                               const int32_t *coeffs, int64_t *state, int8_t post_shift);
void biquad_df1_32x64_q31(const biquad_df1_32x64_q31_inst *S, const int32_t *src,
                          int32_t *dst, uint32_t block_size);

void biquad_df1_q15_init(biquad_df1_q15_inst *S, int8_t num_stages, const int16_t *coeffs,
                         int16_t *state, int8_t post_shift);
void biquad_df1_q15(const biquad_df1_q15_inst *S, const int16_t *src, int16_t *dst,
                    uint32_t block_size);

/* The fast (32-bit accumulator) variant: same instance (CMSIS's too). */
void biquad_df1_fast_q15_init(biquad_df1_q15_inst *S, int8_t num_stages, const int16_t *coeffs,
                              int16_t *state, int8_t post_shift);
void biquad_df1_fast_q15(const biquad_df1_q15_inst *S, const int16_t *src, int16_t *dst,
                         uint32_t block_size);

void fir_q31_init(fir_q31_inst *S, uint16_t num_taps, const int32_t *coeffs, int32_t *state,
                  uint32_t max_block);
void fir_q31(const fir_q31_inst *S, const int32_t *src, int32_t *dst, uint32_t block_size);

void fir_q15_init(fir_q15_inst *S, uint16_t num_taps, const int16_t *coeffs, int16_t *state,
                  uint32_t max_block);
void fir_q15(const fir_q15_inst *S, const int16_t *src, int16_t *dst, uint32_t block_size);

/* The fast (32-bit accumulator) variant: same instance (CMSIS's too). */
void fir_fast_q15_init(fir_q15_inst *S, uint16_t num_taps, const int16_t *coeffs, int16_t *state,
                       uint32_t max_block);
void fir_fast_q15(const fir_q15_inst *S, const int16_t *src, int16_t *dst, uint32_t block_size);

void delay_q31_init(delay_q31_inst *S, uint32_t delay, int32_t *buf);
void delay_q31(delay_q31_inst *S, const int32_t *src, int32_t *dst, uint32_t block_size);
void delay_q15_init(delay_q15_inst *S, uint32_t delay, int16_t *buf);
void delay_q15(delay_q15_inst *S, const int16_t *src, int16_t *dst, uint32_t block_size);

void gain_q31_init(gain_q31_inst *S, int32_t scale_fract, int8_t shift);
void gain_q31(const gain_q31_inst *S, const int32_t *src, int32_t *dst, uint32_t block_size);
void gain_q15_init(gain_q15_inst *S, int16_t scale_fract, int8_t shift);
void gain_q15(const gain_q15_inst *S, const int16_t *src, int16_t *dst, uint32_t block_size);

void add_q31(const int32_t *src_a, const int32_t *src_b, int32_t *dst, uint32_t block_size);
void add_q15(const int16_t *src_a, const int16_t *src_b, int16_t *dst, uint32_t block_size);
/* y[n] = sat(sum_i srcs[i][n]): exact sum, one saturation. */
void mix_sat_q31(const int32_t *const *srcs, uint32_t num_inputs, int32_t *dst,
                 uint32_t block_size);
void mix_sat_q15(const int16_t *const *srcs, uint32_t num_inputs, int16_t *dst,
                 uint32_t block_size);

/* seed 0 is replaced by SS_XORSHIFT32_DEFAULT_SEED (as in Python). */
void dac_quant_q31_init(dac_quant_q31_inst *S, uint8_t word_length, uint8_t dither,
                        uint32_t seed);
void dac_quant_q31(dac_quant_q31_inst *S, const int32_t *src, int32_t *dst,
                   uint32_t block_size);

void limiter_q31_init(limiter_q31_inst *S, uint32_t num_ch, uint32_t lookahead,
                      uint32_t attack_log2, int32_t threshold, int32_t release,
                      uint32_t out_shift, uint32_t max_block, int32_t *dl, int32_t *box,
                      int32_t *dq_val, uint32_t *dq_stamp, uint32_t *work);
/* In place or not: dst[d] may be src[d]. */
void limiter_q31(limiter_q31_inst *S, const int32_t *const *src, int32_t *const *dst,
                 uint32_t block_size);

#endif /* SS_KERNELS_H */
