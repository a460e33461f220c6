/* Stage brackets of the adaptive upmix's profiling build (main_upmix.c
 * built with -DSS_UPMIX_PROFILE; firmware_export/runtime/ss_upmix.c includes
 * this header only then). SS_PROF(X) in ss_upmix.c reads SysTick and
 * charges the ticks since the previous bracket to stage X, so the stages
 * tile the time inside upmix_q31 without gaps: each stage's interval holds
 * its code plus the cost of one bracket (calibrated by the SS_PROF_CAL
 * stage, a run of back-to-back brackets). The empty asm with a memory
 * clobber keeps the compiler from moving memory accesses across a bracket.
 *
 * Stages, in the order of frame() (ss_upmix.c):
 *   SAMPLE  upmix_q31's per-sample loop (delay rings, M/S history, outputs)
 *   WIN     analysis: block exponent scan, window M + i S into fr[0]
 *   CFFT    arm_cfft_q31 (n points, with its bit reversal) of M + i S
 *   P1_POW  pass 1 per bin (binary32 from here to P3_W): the split of Z
 *           into the M, S bins, the bins as floats, |M|^2, |S|^2, z = S M*,
 *           the side power (a division), the short smoother
 *   P1_WDIR pass 1: w_dir (a division, a square root)
 *   P1_Z    pass 1: the long smoother, |E z^2| (a square root) and E|z|^2
 *           into the padded pool rows
 *   POOL    per segment: the prefix sums (edge replication before)
 *   P3_W    pass 3 per bin: the suffix and window sums, D (a division),
 *           lam, w, C = w M
 *   IRFFT_SPLIT, IRFFT_NORM, IRFFT_CFFT  irfft_q31: the real merge step
 *           (and its block exponent's scan), the normalising shift,
 *           arm_cfft_q31's inverse of n/2 points
 *   OLA     synthesis window, overlap-add, ready buffer */
#ifndef SS_UPMIX_PROFILE_H
#define SS_UPMIX_PROFILE_H

#include <stdint.h>

#include "icount.h"

enum {
    SS_PROF_SAMPLE,
    SS_PROF_WIN,
    SS_PROF_CFFT,
    SS_PROF_P1_POW,
    SS_PROF_P1_WDIR,
    SS_PROF_P1_Z,
    SS_PROF_POOL,
    SS_PROF_P3_W,
    SS_PROF_IRFFT_SPLIT,
    SS_PROF_IRFFT_NORM,
    SS_PROF_IRFFT_CFFT,
    SS_PROF_OLA,
    SS_PROF_CAL, /* harness only: back-to-back brackets */
    SS_PROF_COUNT
};

extern uint32_t ss_prof_ticks[SS_PROF_COUNT];
extern uint32_t ss_prof_marks[SS_PROF_COUNT];
extern uint32_t ss_prof_last;

static inline void ss_prof_mark(int stage)
{
    uint32_t now;
    __asm volatile("" ::: "memory");
    now = ic_now();
    ss_prof_ticks[stage] += ic_elapsed(ss_prof_last, now);
    ss_prof_marks[stage]++;
    ss_prof_last = now;
    __asm volatile("" ::: "memory");
}

#endif
