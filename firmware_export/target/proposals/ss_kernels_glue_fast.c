/*
 * PROPOSAL for firmware_export/runtime/ss_kernels.c (not built by anything):
 * faster bodies for gain_q31 and dac_quant_q31 (no dither), bit-exact with
 * the current ones. Measured on the emulated Cortex-M4 (qemu mps2-an386,
 * -icount shift=0, GCC 12 -O2, block 64), instructions per sample:
 *
 *     gain_q31        18.9 -> 10.2   (32-bit saturating shift, arm_scale_q31's test)
 *     dac_quant_q31   41.7 -> 11.4   (32-bit round and clamp; only the top can overflow)
 *
 * studio5 runs 5 of each per frame: about 190 instructions per frame, 9 MIPS
 * at 48 kHz. Checked equal to the current kernels on the target for 400 x 64
 * words (random, INT32_MIN/MAX, both signs, every shift -31..31 and word
 * length 2..32). Other costs seen on the target, per sample: delay_q31 10.2
 * (two straight copies around the wrap point would do ~3), mix_sat_q31 20.1
 * for one input (a copy), and a 1-tap fir_q31 20 (a scalar feed is a gain).
 */
#include <stdint.h>
#include "ss_kernels.h"
#include "ss_ops.h"

/* shl32_sat for an int32 x and 0 <= s <= 31 without a 64-bit product:
 * shift, and if shifting back does not give x, saturate toward x's sign
 * (arm_scale_q31's test). Same result as shl32_sat(x, s). */
static inline int32_t shl32_sat_i32(int32_t x, int s)
{
    int32_t y = (int32_t)((uint32_t)x << s);
    return (y >> s) == x ? y : (x < 0 ? INT32_MIN : INT32_MAX);
}

void gain_q31_fast(const gain_q31_inst *S, const int32_t *src, int32_t *dst, uint32_t n)
{
    const int32_t g = S->scale_fract;
    const int k = S->shift + 1;
    if (k >= 0 && k <= 31) {
        for (uint32_t i = 0; i < n; i++) {
            int32_t p = (int32_t)shr_floor(mult_q31x31_q62(src[i], g), 32); /* smmul */
            dst[i] = shl32_sat_i32(p, k);
        }
    } else {
        gain_q31(S, src, dst, n);
    }
}

/* sat_bits(shr_round(v, q), nbits) for int32 v, 1 <= q <= 30: the rounded
 * value floor(v / 2^q) + bit q-1 of v never underflows, and overflows only
 * to 2^(nbits-1). 32-bit throughout. */
void dac_quant_q31_fast(dac_quant_q31_inst *S, const int32_t *src, int32_t *dst, uint32_t n)
{
    const int nbits = S->word_length;
    const int q = 32 - nbits;
    if (S->dither || q < 1 || q > 30) {
        dac_quant_q31(S, src, dst, n);
        return;
    }
    const int32_t hi = (int32_t)((1u << (nbits - 1)) - 1u);
    for (uint32_t i = 0; i < n; i++) {
        const int32_t v = src[i];
        int32_t r = (v >> q) + ((v >> (q - 1)) & 1);
        dst[i] = r > hi ? hi : r;
    }
}
