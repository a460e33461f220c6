/* Runs a filter kernel on samples streamed over UART0 and streams the
 * output back: the target half of the bit-exactness tests.
 *
 * Host -> target, little-endian 32-bit words, per job:
 *   kernel, size, post_shift, block, n, coefficients[ncoef], samples[n]
 * where kernel is a KERNEL_* id below, size is sections (biquads) or taps
 * (FIRs), ncoef = 5 * size or size, and block (1..MAX_BLOCK) is how many
 * samples go into one call of the kernel (the last call may be shorter).
 * kernel = 0 ends the session (exit status 0).
 *
 * Target -> host, per job: "DATA" then n output words, or "ERR!" and the
 * exit status 3 for a job the firmware cannot hold. The kernel's state
 * carries over from block to block, as in a streaming application. Guard
 * words after each block's output must survive the call, else "GRD!" and
 * exit status 4 (a kernel wrote past block_size). */
#include <stdint.h>

#include "arm_math_types.h"
#include "dsp/filtering_functions.h"
#include "uart.h"

#ifdef SS_HAVE_RUNTIME
#include "ss_kernels.h"
#endif

enum {
    KERNEL_END = 0,
    KERNEL_CMSIS_DF1_Q31 = 1,
    KERNEL_CMSIS_DF1_FAST_Q31 = 2,
    KERNEL_CMSIS_DF1_32X64_Q31 = 3,
    KERNEL_CMSIS_FIR_Q31 = 4,
    KERNEL_CMSIS_FIR_FAST_Q31 = 5,
    /* the project's twins (firmware_export/runtime/ss_kernels.c) */
    KERNEL_SS_DF1_Q31 = 11,
    KERNEL_SS_DF1_32X64_Q31 = 13,
    KERNEL_SS_FIR_Q31 = 14,
};

#define MAX_BLOCK 256u
#define MAX_SECTIONS 32u
#define MAX_TAPS 1024u

static q31_t coeffs[MAX_TAPS > 5u * MAX_SECTIONS ? MAX_TAPS : 5u * MAX_SECTIONS];
static q31_t state[MAX_TAPS + MAX_BLOCK];
static q63_t state64[4u * MAX_SECTIONS];
static q31_t in[MAX_BLOCK];
#define GUARD_WORDS 4u
#define GUARD 0x5a5aa5a5
static q31_t out[MAX_BLOCK + GUARD_WORDS];

static uint32_t read_u32(void)
{
    uint8_t b[4];
    uart_read(b, sizeof b);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void write_block(const q31_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; ++i) {
        uint32_t v = (uint32_t)p[i];
        uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
        uart_write(b, sizeof b);
    }
}

static int is_biquad(uint32_t kernel)
{
    return kernel == KERNEL_CMSIS_DF1_Q31 || kernel == KERNEL_CMSIS_DF1_FAST_Q31 ||
           kernel == KERNEL_CMSIS_DF1_32X64_Q31 || kernel == KERNEL_SS_DF1_Q31 ||
           kernel == KERNEL_SS_DF1_32X64_Q31;
}

static int is_known(uint32_t kernel)
{
    if (kernel >= KERNEL_CMSIS_DF1_Q31 && kernel <= KERNEL_CMSIS_FIR_FAST_Q31) {
        return 1;
    }
#ifdef SS_HAVE_RUNTIME
    return kernel == KERNEL_SS_DF1_Q31 || kernel == KERNEL_SS_DF1_32X64_Q31 ||
           kernel == KERNEL_SS_FIR_Q31;
#else
    return 0;
#endif
}

static int run_job(uint32_t kernel)
{
    uint32_t size = read_u32();
    uint32_t post_shift = read_u32();
    uint32_t block = read_u32();
    uint32_t n = read_u32();
    uint32_t ncoef = is_biquad(kernel) ? 5u * size : size;
    int ok = size >= 1u && block >= 1u && block <= MAX_BLOCK && post_shift < 32u &&
             (is_biquad(kernel) ? size <= MAX_SECTIONS : size <= MAX_TAPS) &&
             is_known(kernel);
    if (!ok) {
        uart_puts("ERR!");
        return 3;
    }
    for (uint32_t i = 0; i < ncoef; ++i) {
        coeffs[i] = (q31_t)read_u32();
    }
    arm_biquad_casd_df1_inst_q31 bq;
    arm_biquad_cas_df1_32x64_ins_q31 bq64;
    arm_fir_instance_q31 fir;
#ifdef SS_HAVE_RUNTIME
    biquad_df1_q31_inst ss_bq;
    biquad_df1_32x64_q31_inst ss_bq64;
    fir_q31_inst ss_fir;
    if (kernel == KERNEL_SS_DF1_Q31) {
        biquad_df1_q31_init(&ss_bq, size, coeffs, state, (int8_t)post_shift);
    } else if (kernel == KERNEL_SS_DF1_32X64_Q31) {
        biquad_df1_32x64_q31_init(&ss_bq64, size, coeffs, state64, (int8_t)post_shift);
    } else if (kernel == KERNEL_SS_FIR_Q31) {
        fir_q31_init(&ss_fir, (uint16_t)size, coeffs, state, block);
    } else
#endif
    if (kernel == KERNEL_CMSIS_DF1_32X64_Q31) {
        arm_biquad_cas_df1_32x64_init_q31(&bq64, (uint8_t)size, coeffs, state64, (uint8_t)post_shift);
    } else if (is_biquad(kernel)) {
        arm_biquad_cascade_df1_init_q31(&bq, (uint8_t)size, coeffs, state, (int8_t)post_shift);
    } else {
        arm_fir_init_q31(&fir, (uint16_t)size, coeffs, state, block);
    }
    uart_puts("DATA");
    while (n) {
        uint32_t m = n < block ? n : block;
        for (uint32_t i = 0; i < m; ++i) {
            in[i] = (q31_t)read_u32();
        }
        for (uint32_t g = 0; g < GUARD_WORDS; ++g) {
            out[m + g] = (q31_t)GUARD;
        }
        switch (kernel) {
        case KERNEL_CMSIS_DF1_Q31: arm_biquad_cascade_df1_q31(&bq, in, out, m); break;
        case KERNEL_CMSIS_DF1_FAST_Q31: arm_biquad_cascade_df1_fast_q31(&bq, in, out, m); break;
        case KERNEL_CMSIS_DF1_32X64_Q31: arm_biquad_cas_df1_32x64_q31(&bq64, in, out, m); break;
        case KERNEL_CMSIS_FIR_Q31: arm_fir_q31(&fir, in, out, m); break;
#ifdef SS_HAVE_RUNTIME
        case KERNEL_SS_DF1_Q31: biquad_df1_q31(&ss_bq, in, out, m); break;
        case KERNEL_SS_DF1_32X64_Q31: biquad_df1_32x64_q31(&ss_bq64, in, out, m); break;
        case KERNEL_SS_FIR_Q31: fir_q31(&ss_fir, in, out, m); break;
#endif
        default: arm_fir_fast_q31(&fir, in, out, m); break;
        }
        for (uint32_t g = 0; g < GUARD_WORDS; ++g) {
            if (out[m + g] != (q31_t)GUARD) {
                uart_puts("GRD!");
                return 4;
            }
        }
        write_block(out, m);
        n -= m;
    }
    return 0;
}

int main(void)
{
    for (;;) {
        uint32_t kernel = read_u32();
        if (kernel == KERNEL_END) {
            return 0;
        }
        int status = run_job(kernel);
        if (status) {
            return status;
        }
    }
}
