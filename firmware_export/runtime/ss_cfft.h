/*
 * ss_cfft.h -- the runtime's door to CMSIS-DSP's Q31 complex FFT.
 *
 * ss_cfft_q31 runs `arm_cfft_q31` (vendored CMSIS-DSP 1.10.3,
 * firmware_export/target/third_party/cmsis_dsp) with its constant tables
 * for n = 256, 512, 1024, 2048, 4096 complex points, output in natural
 * order: forward X[k] / n, inverse (sum Y[k] e^{+2 pi i k m / n}) / n.
 * dsp_model/fixed/fft.py is its bit-exact model (scaling and overflow
 * documented there). This header needs no CMSIS header; ss_cfft.c (built
 * with the CMSIS sources) does.
 */
#ifndef SS_CFFT_H
#define SS_CFFT_H

#include <stdint.h>

/* 1 if n is a supported length, else 0. */
int ss_cfft_q31_supported(uint32_t n);

/* In place on buf (2 n words, re and im interleaved); inverse 0 or 1.
 * n must be supported (ss_cfft_q31_supported). */
void ss_cfft_q31(uint32_t n, int32_t *buf, int inverse);

#endif /* SS_CFFT_H */
