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

/* Bytes received while the firmware waits to transmit. A host may write
 * several requests before it reads any reply (the flasher and streamer
 * pipeline); if the device only transmitted while its output backs up, the
 * host's writes and the device's would block each other. So whenever the
 * transmitter is full, the receiver is drained into this ring, and reads
 * take from the ring first. */
#ifndef UART_RX_RING /* bytes; the protocol device builds with 256 KiB */
#define UART_RX_RING 1024u
#endif
#define RX_RING UART_RX_RING
static uint8_t rx_ring[RX_RING] __attribute__((section(".noinit")));
static uint32_t rx_head, rx_tail; /* head: next write, tail: next read */

/* Spin without touching the UART. Under qemu every register access takes
 * the big lock its I/O thread needs to deliver the next byte; a tight
 * polling loop starves it. Backing off between polls lets bytes in. */
#ifndef UART_POLL_BACKOFF
#define UART_POLL_BACKOFF 256u
#endif
static void backoff(void)
{
    for (volatile uint32_t i = 0; i < UART_POLL_BACKOFF; ++i) {
    }
}

static void rx_drain(void)
{
    while ((UART_STATE & STATE_RX_FULL) && rx_head - rx_tail < RX_RING) {
        rx_ring[rx_head++ % RX_RING] = (uint8_t)UART_DATA;
    }
}

void uart_init(void)
{
    /* 25 MHz / 16 is the smallest divider the CMSDK UART accepts; qemu
     * does not pace the line, so the figure only keeps the model happy. */
    UART_BAUDDIV = 16u;
    UART_CTRL = CTRL_TX_EN | CTRL_RX_EN;
    rx_head = rx_tail = 0;
}

void uart_putc(uint8_t c)
{
    while (UART_STATE & STATE_TX_FULL) {
        rx_drain();
        backoff();
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
    return rx_head != rx_tail || (UART_STATE & STATE_RX_FULL) != 0u;
}

uint8_t uart_getc(void)
{
    if (rx_head != rx_tail) {
        return rx_ring[rx_tail++ % RX_RING];
    }
    while (!(UART_STATE & STATE_RX_FULL)) {
        backoff();
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

void uart_put_field(const char *label, uint32_t v)
{
    uart_puts(label);
    uart_put_u32(v);
}
