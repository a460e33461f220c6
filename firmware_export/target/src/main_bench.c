/* Instruction counts of the filter kernels on the target.
 *
 * Prints one line per measurement, raw SysTick ticks only (the host does the
 * arithmetic, so the firmware stays integer-only):
 *
 *   CAL n=<iterations> ticks=<t>          ic_spin(n): 2n instructions + const
 *   BASE reps=<r> ticks=<t>               r calls of an empty kernel
 *   K <kernel> block=<b> size=<s> reps=<r> ticks=<t>
 *
 * `size` is sections for biquads, taps for FIRs. A kernel's instructions
 * per call are (t - t_base) * (instructions per tick) / r: the empty-kernel
 * baseline removes the loop, the argument set-up and the timer reads, and
 * leaves the kernel's own instructions including its prologue and return.
 * Counts do not depend on the data (no data-dependent branches in these
 * kernels); inputs are seeded pseudo-random all the same. */
#include <stdint.h>

#include "arm_math_types.h"
#include "dsp/filtering_functions.h"
#include "icount.h"
#include "uart.h"

#ifdef SS_HAVE_RUNTIME
#include "ss_kernels.h"
#endif

#define BLOCK 64u
#define MAX_SECTIONS 8u
#define MAX_TAPS 256u
#define REPS 64u

static q31_t src[BLOCK];
static q31_t dst[BLOCK];
static q31_t coeffs[5u * MAX_SECTIONS + MAX_TAPS];
static q31_t state[4u * MAX_SECTIONS + MAX_TAPS + BLOCK];
static q63_t state64[4u * MAX_SECTIONS];

static uint32_t rng = 0x12345678u;

static uint32_t xorshift32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Values well inside the range (12 bits of headroom), never all zero. */
static void fill(q31_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; ++i) {
        p[i] = (q31_t)xorshift32() >> 12;
    }
}

__attribute__((noinline, noipa)) void empty_kernel(const void *inst, const q31_t *in, q31_t *out,
                                                   uint32_t n)
{
    (void)inst;
    (void)in;
    (void)out;
    (void)n;
}

#define MEASURE(ticks, call) IC_MEASURE(ticks, REPS, call)

static void report(const char *name, uint32_t size, uint32_t ticks)
{
    uart_puts("K ");
    uart_puts(name);
    uart_puts(" block=");
    uart_put_u32(BLOCK);
    uart_puts(" size=");
    uart_put_u32(size);
    uart_puts(" reps=");
    uart_put_u32(REPS);
    uart_puts(" ticks=");
    uart_put_u32(ticks);
    uart_puts("\n");
}

static const uint8_t section_counts[] = {1u, 2u, 4u, 8u};
static const uint16_t tap_counts[] = {1u, 16u, 32u, 64u, 96u, 128u, 256u};

static void bench_cmsis(void)
{
    uint32_t t;
    for (unsigned i = 0; i < sizeof section_counts; ++i) {
        uint8_t s = section_counts[i];
        fill(coeffs, 5u * s);
        arm_biquad_casd_df1_inst_q31 bq;
        arm_biquad_cascade_df1_init_q31(&bq, s, coeffs, state, 1);
        MEASURE(t, arm_biquad_cascade_df1_q31(&bq, src, dst, BLOCK));
        report("arm_biquad_cascade_df1_q31", s, t);
        MEASURE(t, arm_biquad_cascade_df1_fast_q31(&bq, src, dst, BLOCK));
        report("arm_biquad_cascade_df1_fast_q31", s, t);
        arm_biquad_cas_df1_32x64_ins_q31 bq64;
        arm_biquad_cas_df1_32x64_init_q31(&bq64, s, coeffs, state64, 1);
        MEASURE(t, arm_biquad_cas_df1_32x64_q31(&bq64, src, dst, BLOCK));
        report("arm_biquad_cas_df1_32x64_q31", s, t);
    }
    for (unsigned i = 0; i < sizeof tap_counts / sizeof tap_counts[0]; ++i) {
        uint16_t n = tap_counts[i];
        fill(coeffs, n);
        arm_fir_instance_q31 fir;
        arm_fir_init_q31(&fir, n, coeffs, state, BLOCK);
        MEASURE(t, arm_fir_q31(&fir, src, dst, BLOCK));
        report("arm_fir_q31", n, t);
        MEASURE(t, arm_fir_fast_q31(&fir, src, dst, BLOCK));
        report("arm_fir_fast_q31", n, t);
    }
}

#ifdef SS_HAVE_RUNTIME
/* The project's own kernels (firmware_export/runtime/ss_kernels.c), same
 * sizes and data as the CMSIS ones. */
static void bench_runtime(void)
{
    uint32_t t;
    for (unsigned i = 0; i < sizeof section_counts; ++i) {
        uint8_t s = section_counts[i];
        fill(coeffs, 5u * s);
        biquad_df1_q31_inst bq;
        biquad_df1_q31_init(&bq, s, coeffs, state, 1);
        MEASURE(t, biquad_df1_q31(&bq, src, dst, BLOCK));
        report("biquad_df1_q31", s, t);
        biquad_df1_32x64_q31_inst bq64;
        biquad_df1_32x64_q31_init(&bq64, s, coeffs, state64, 1);
        MEASURE(t, biquad_df1_32x64_q31(&bq64, src, dst, BLOCK));
        report("biquad_df1_32x64_q31", s, t);
    }
    for (unsigned i = 0; i < sizeof tap_counts / sizeof tap_counts[0]; ++i) {
        uint16_t n = tap_counts[i];
        fill(coeffs, n);
        fir_q31_inst fir;
        fir_q31_init(&fir, n, coeffs, state, BLOCK);
        MEASURE(t, fir_q31(&fir, src, dst, BLOCK));
        report("fir_q31", n, t);
    }
}

/* The per-sample blocks the chain runs around the filters (size 1 = one
 * instance; mix_sat_q31 size = inputs). */
static q31_t mixbuf[4u * BLOCK];

static void bench_glue(void)
{
    uint32_t t;
    gain_q31_inst g;
    gain_q31_init(&g, 0x5a82799a, 1);
    MEASURE(t, gain_q31(&g, src, dst, BLOCK));
    report("gain_q31", 1, t);
    delay_q31_inst d;
    delay_q31_init(&d, 37, state);
    MEASURE(t, delay_q31(&d, src, dst, BLOCK));
    report("delay_q31", 1, t);
    const q31_t *in[4] = {mixbuf, mixbuf + BLOCK, mixbuf + 2u * BLOCK, mixbuf + 3u * BLOCK};
    for (uint32_t k = 1; k <= 4u; k += 3u) {
        MEASURE(t, mix_sat_q31(in, k, dst, BLOCK));
        report("mix_sat_q31", k, t);
    }
    dac_quant_q31_inst q;
    dac_quant_q31_init(&q, 24, 0, 0);
    MEASURE(t, dac_quant_q31(&q, src, dst, BLOCK));
    report("dac_quant_q31", 1, t);
    dac_quant_q31_init(&q, 24, 1, 0);
    MEASURE(t, dac_quant_q31(&q, src, dst, BLOCK));
    report("dac_quant_q31_dither", 1, t);
}
#endif

int main(void)
{
    ic_init();
    fill(src, BLOCK);
    ic_calibrate();
    uint32_t t;
    MEASURE(t, empty_kernel(coeffs, src, dst, BLOCK));
    uart_puts("BASE reps=");
    uart_put_u32(REPS);
    uart_puts(" ticks=");
    uart_put_u32(t);
    uart_puts("\n");
    bench_cmsis();
#ifdef SS_HAVE_RUNTIME
    bench_runtime();
    bench_glue();
#endif
    uart_puts("END\n");
    return 0;
}
