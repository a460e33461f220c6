/* Smallest firmware: proves boot, .data/.bss initialisation, the UART, a
 * semihosting exit status and the SysTick instruction counter. */
#include "icount.h"
#include "uart.h"

static uint32_t initialised = 0x5eed1234u;
static uint32_t zeroed;

int main(void)
{
    ic_init();
    uart_puts("hello from soundstage target (cortex-m4, mps2-an386)\n");
    uart_puts("data=");
    uart_put_hex32(initialised);
    uart_puts(" bss=");
    uart_put_hex32(zeroed);
    uart_puts("\n");
    /* Spin N and 2N iterations: the difference is exactly 2N instructions. */
    for (uint32_t n = 100000u; n <= 200000u; n += 100000u) {
        uint32_t t0 = ic_now();
        ic_spin(n);
        uint32_t t1 = ic_now();
        uart_puts("spin n=");
        uart_put_u32(n);
        uart_puts(" ticks=");
        uart_put_u32(ic_elapsed(t0, t1));
        uart_puts("\n");
    }
    uart_puts("bye\n");
    return 0;
}
