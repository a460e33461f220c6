#include "icount.h"

#include "uart.h"

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

void ic_calibrate(void)
{
    for (uint32_t n = 100000u; n <= 300000u; n += 200000u) {
        uint32_t t0 = ic_now();
        ic_spin(n);
        uint32_t t = ic_elapsed(t0, ic_now());
        uart_put_field("CAL n=", n);
        uart_put_field(" ticks=", t);
        uart_puts("\n");
    }
}
