/* Instruction counts of CMSIS-DSP's Q31 complex FFT on the target, through
 * the runtime's ss_cfft_q31 (firmware_export/runtime/ss_cfft.c).
 *
 * Same output format as main_bench.c (measure.py parses both):
 *
 *   CAL n=<iterations> ticks=<t>
 *   BASE reps=<r> ticks=<t>
 *   K <kernel> block=<n> size=<n> reps=<r> ticks=<t>
 *
 * kernels: arm_cfft_q31_fwd / arm_cfft_q31_inv (with the bit reversal) and
 * arm_bitreversal_32 alone, for n = 256 .. 4096 complex points. The counts
 * do not depend on the data (no data-dependent branches); the buffer holds
 * seeded pseudo-random values with a guard bit, transformed in place rep
 * after rep. Then, for bit-exactness against the host model
 * (tests/test_fixed_fft.py), one transform per n, direction and level of
 * xorshift32 data from a known seed:
 *
 *   CRC n=<n> inv=<0|1> shift=<s> crc=<zlib CRC-32 of the 2 n output words, LE>
 *
 * input word i = (int32)x_i >> s, x_i the i-th xorshift32 state after the
 * seed 0x12345678 + n + inv (s = 0: full scale; s = 1: a guard bit). */
#include <stdint.h>

#include "arm_common_tables.h"
#include "crc32.h"
#include "dsp/transform_functions.h"
#include "icount.h"
#include "ss_cfft.h"
#include "uart.h"

#define MAX_N 4096u
#define REPS 8u

static int32_t buf[2u * MAX_N];
static uint32_t rng = 0x12345678u;

static void fill_shift(uint32_t n, int shift)
{
    for (uint32_t i = 0; i < 2u * n; ++i) {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        buf[i] = (int32_t)rng >> shift;
    }
}

static void fill(uint32_t n) { fill_shift(n, 1); }

__attribute__((noinline, noipa)) void empty_kernel(uint32_t n, int32_t *p, int inverse)
{
    (void)n;
    (void)p;
    (void)inverse;
}

#define MEASURE(ticks, call) IC_MEASURE(ticks, REPS, call)

static void report(const char *name, uint32_t n, uint32_t ticks)
{
    uart_puts("K ");
    uart_puts(name);
    uart_put_field(" block=", n);
    uart_put_field(" size=", n);
    uart_put_field(" reps=", REPS);
    uart_put_field(" ticks=", ticks);
    uart_puts("\n");
}

static const uint16_t *const rev_tab[] = {armBitRevIndexTable_fixed_256,
                                          armBitRevIndexTable_fixed_512,
                                          armBitRevIndexTable_fixed_1024,
                                          armBitRevIndexTable_fixed_2048,
                                          armBitRevIndexTable_fixed_4096};
static const uint16_t rev_len[] = {
    ARMBITREVINDEXTABLE_FIXED_256_TABLE_LENGTH, ARMBITREVINDEXTABLE_FIXED_512_TABLE_LENGTH,
    ARMBITREVINDEXTABLE_FIXED_1024_TABLE_LENGTH, ARMBITREVINDEXTABLE_FIXED_2048_TABLE_LENGTH,
    ARMBITREVINDEXTABLE_FIXED_4096_TABLE_LENGTH};

void arm_bitreversal_32(uint32_t *pSrc, const uint16_t bitRevLen, const uint16_t *pBitRevTable);

int main(void)
{
    ic_init();
    ic_calibrate();
    uint32_t t;
    MEASURE(t, empty_kernel(MAX_N, buf, 0));
    uart_put_field("BASE reps=", REPS);
    uart_put_field(" ticks=", t);
    uart_puts("\n");
    for (uint32_t i = 0, n = 256u; n <= MAX_N; ++i, n <<= 1) {
        fill(n);
        MEASURE(t, ss_cfft_q31(n, buf, 0));
        report("arm_cfft_q31_fwd", n, t);
        fill(n);
        MEASURE(t, ss_cfft_q31(n, buf, 1));
        report("arm_cfft_q31_inv", n, t);
        MEASURE(t, arm_bitreversal_32((uint32_t *)buf, rev_len[i], rev_tab[i]));
        report("arm_bitreversal_32", n, t);
    }
    for (uint32_t n = 256u; n <= MAX_N; n <<= 1) {
        for (uint32_t inv = 0; inv < 2u; ++inv) {
            for (int shift = 0; shift < 2; ++shift) {
                rng = 0x12345678u + n + inv;
                fill_shift(n, shift);
                ss_cfft_q31(n, buf, (int)inv);
                uart_put_field("CRC n=", n);
                uart_put_field(" inv=", inv);
                uart_put_field(" shift=", (uint32_t)shift);
                uart_put_field(" crc=", crc32_update(0u, buf, 8u * n));
                uart_puts("\n");
            }
        }
    }
    uart_puts("END\n");
    return 0;
}
