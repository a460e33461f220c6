/*
 * ss_cfft.c -- CMSIS-DSP's arm_cfft_q31 with its constant tables; see
 * ss_cfft.h. The instance is filled here rather than by arm_cfft_init_q31,
 * whose generic form links every size's tables.
 */
#include "ss_cfft.h"

#include "arm_common_tables.h"
#include "dsp/transform_functions.h"

static int instance(uint32_t n, arm_cfft_instance_q31 *s)
{
    switch (n) {
#define SS_CFFT_CASE(N)                                                                            \
    case N:                                                                                        \
        s->fftLen = N;                                                                             \
        s->pTwiddle = twiddleCoef_##N##_q31;                                                      \
        s->pBitRevTable = armBitRevIndexTable_fixed_##N;                                          \
        s->bitRevLength = ARMBITREVINDEXTABLE_FIXED_##N##_TABLE_LENGTH;                           \
        return 1;
        SS_CFFT_CASE(256)
        SS_CFFT_CASE(512)
        SS_CFFT_CASE(1024)
        SS_CFFT_CASE(2048)
        SS_CFFT_CASE(4096)
#undef SS_CFFT_CASE
    default:
        return 0;
    }
}

int ss_cfft_q31_supported(uint32_t n)
{
    arm_cfft_instance_q31 s;
    return instance(n, &s);
}

void ss_cfft_q31(uint32_t n, int32_t *buf, int inverse)
{
    arm_cfft_instance_q31 s;
    if (instance(n, &s)) {
        arm_cfft_q31(&s, buf, (uint8_t)(inverse != 0), 1u);
    }
}
