#include "uart.h"

#define UART0_BASE 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART0_BASE + 0x00u))
#define UART_STATE (*(volatile uint32_t *)(UART0_BASE + 0x04u))
#define UART_CTRL (*(volatile uint32_t *)(UART0_BASE + 0x08u))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART0_BASE + 0x10u))

#define STATE_TX_FULL 0x1u
#define STATE_RX_FULL 0x2u
#define CTRL_TX_EN 0x1u
#define CTRL_RX_EN 0x2u

void uart_init(void)
{
    /* 25 MHz / 16 is the smallest divider the CMSDK UART accepts; qemu
     * does not pace the line, so the figure only keeps the model happy. */
    UART_BAUDDIV = 16u;
    UART_CTRL = CTRL_TX_EN | CTRL_RX_EN;
}

void uart_putc(uint8_t c)
{
    while (UART_STATE & STATE_TX_FULL) {
    }
    UART_DATA = c;
}

void uart_write(const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n--) {
        uart_putc(*p++);
    }
}

void uart_puts(const char *s)
{
    while (*s) {
        uart_putc((uint8_t)*s++);
    }
}

void uart_put_u32(uint32_t v)
{
    char buf[10];
    int i = 0;
    do {
        buf[i++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (i) {
        uart_putc((uint8_t)buf[--i]);
    }
}

void uart_put_i32(int32_t v)
{
    if (v < 0) {
        uart_putc('-');
        uart_put_u32(0u - (uint32_t)v);
    } else {
        uart_put_u32((uint32_t)v);
    }
}

void uart_put_hex32(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    for (int shift = 28; shift >= 0; shift -= 4) {
        uart_putc((uint8_t)digits[(v >> shift) & 0xfu]);
    }
}

int uart_rx_ready(void)
{
    return (UART_STATE & STATE_RX_FULL) != 0u;
}

uint8_t uart_getc(void)
{
    while (!(UART_STATE & STATE_RX_FULL)) {
    }
    return (uint8_t)UART_DATA;
}

void uart_read(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n--) {
        *p++ = uart_getc();
    }
}
