/* Polled driver for UART0 of the mps2 boards: an Arm CMSDK APB UART at
 * 0x40004000 (DATA, STATE, CTRL, INTSTATUS, BAUDDIV). qemu connects it to its
 * first `-serial` backend and delivers received bytes one at a time, holding
 * the rest back until the guest reads DATA, so polling loses nothing. */
#ifndef SS_TARGET_UART_H
#define SS_TARGET_UART_H

#include <stddef.h>
#include <stdint.h>

void uart_init(void);
void uart_putc(uint8_t c);
void uart_write(const void *buf, size_t n);
void uart_puts(const char *s);
/* Decimal and hexadecimal numbers, without printf. */
void uart_put_u32(uint32_t v);
void uart_put_i32(int32_t v);
void uart_put_hex32(uint32_t v);
/* `label` then v in decimal (the harnesses' "KEY=n" reports). */
void uart_put_field(const char *label, uint32_t v);
/* Blocking read of one byte (bytes that arrived while uart_putc waited for
 * the transmitter come first, in order). */
uint8_t uart_getc(void);
void uart_read(void *buf, size_t n);
/* Nonzero when a received byte is waiting. */
int uart_rx_ready(void);

#endif
