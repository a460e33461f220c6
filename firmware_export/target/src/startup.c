/* Reset and vector table for the Cortex-M4 of qemu's mps2-an386.
 *
 * The core loads the initial stack pointer from word 0 and the reset vector
 * from word 1 of the table at address 0. reset_handler copies .data from its
 * load address, zeroes .bss, enables the single-precision FPU (CP10, CP11
 * full access in CPACR: the upmix's per-bin decision is binary32, built
 * for the FPU with -mfloat-abi=softfp) and calls main(); main's return value becomes
 * the exit code of qemu through semihosting. Every other exception reports
 * its number on the UART and exits with status 128 + number, so a fault in a
 * test shows up as a failure instead of a hang. */
#include <stdint.h>

#include "semihost.h"
#include "uart.h"

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_top[];

int main(void);

void reset_handler(void);
void fault_handler(void);

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

__attribute__((noreturn)) void reset_handler(void)
{
    const uint32_t *src = __data_load;
    SCB_CPACR |= 0xFu << 20; /* CP10, CP11: full access */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    for (uint32_t *dst = __data_start; dst < __data_end; ++dst) {
        *dst = *src++;
    }
    for (uint32_t *dst = __bss_start; dst < __bss_end; ++dst) {
        *dst = 0u;
    }
    uart_init();
    semihost_exit(main());
}

__attribute__((noreturn)) void fault_handler(void)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    uart_puts("\nFAULT exception ");
    uart_put_u32(ipsr & 0x1ffu);
    uart_puts("\n");
    semihost_exit((int)(128u + (ipsr & 0x1ffu)));
}

/* 16 system exceptions; the device IRQs are unused (all polled). */
__attribute__((section(".vectors"), used))
static void (*const vector_table[16])(void) = {
    (void (*)(void))(uintptr_t)__stack_top,
    reset_handler,
    fault_handler, /* NMI */
    fault_handler, /* HardFault */
    fault_handler, /* MemManage */
    fault_handler, /* BusFault */
    fault_handler, /* UsageFault */
    0, 0, 0, 0,
    fault_handler, /* SVCall */
    fault_handler, /* DebugMonitor */
    0,
    fault_handler, /* PendSV */
    fault_handler, /* SysTick (never enabled with TICKINT) */
};
