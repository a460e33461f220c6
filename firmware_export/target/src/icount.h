/* Instruction counting with SysTick under `qemu -icount shift=0`.
 *
 * With shift=0 qemu advances its virtual clock by exactly 1 ns per executed
 * guest instruction, and SysTick (CLKSOURCE = processor clock, 25 MHz on
 * mps2) counts that virtual clock: one tick per 40 instructions, exactly and
 * deterministically. A count of ticks is therefore a count of instructions
 * with a resolution of one tick; benchmarks repeat a kernel until the
 * quantization is negligible, and the host calibrates instructions per tick
 * with ic_spin(), a loop of exactly 2 instructions per iteration.
 *
 * The counter runs free (24 bits, no interrupt: an interrupt handler would
 * add its own instructions to the measurement); one interval must stay below
 * 2^24 ticks, about 671 million instructions. */
#ifndef SS_TARGET_ICOUNT_H
#define SS_TARGET_ICOUNT_H

#include <stdint.h>

#define SYST_CSR (*(volatile uint32_t *)0xe000e010u)
#define SYST_RVR (*(volatile uint32_t *)0xe000e014u)
#define SYST_CVR (*(volatile uint32_t *)0xe000e018u)

void ic_init(void);

/* Current value of the down-counter. */
static inline uint32_t ic_now(void)
{
    return SYST_CVR;
}

/* Ticks elapsed between two ic_now() readings (modulo 2^24). */
static inline uint32_t ic_elapsed(uint32_t start, uint32_t end)
{
    return (start - end) & 0x00ffffffu;
}

/* Runs `subs; bne` exactly n times (n >= 1): 2n instructions plus a fixed
 * call overhead that cancels in a difference of two runs. */
void ic_spin(uint32_t n);

/* Prints the host's calibration lines "CAL n=<n> ticks=<t>" for ic_spin(n),
 * n = 100000 and 300000 (measure.py fits instructions per tick to them). */
void ic_calibrate(void);

/* Ticks of `reps` back-to-back runs of `call` into `ticks`. */
#define IC_MEASURE(ticks, reps, call)                                                         \
    do {                                                                                      \
        uint32_t t0_ = ic_now();                                                              \
        for (uint32_t r_ = 0; r_ < (reps); ++r_) {                                            \
            call;                                                                             \
        }                                                                                     \
        (ticks) = ic_elapsed(t0_, ic_now());                                                  \
    } while (0)

#endif
