#include "icount.h"

void ic_init(void)
{
    SYST_CSR = 0u;
    SYST_RVR = 0x00ffffffu;
    SYST_CVR = 0u;       /* any write clears the counter */
    SYST_CSR = 0x5u;     /* ENABLE | CLKSOURCE (processor clock), no TICKINT */
}

__attribute__((noinline)) void ic_spin(uint32_t n)
{
    __asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
}
