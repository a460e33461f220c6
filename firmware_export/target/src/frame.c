#include "frame.h"

#include <string.h>

#include "crc32.h"
#include "device_config.h"
#include "uart.h"

typedef struct {
    uint8_t valid, type;
    uint16_t seq;
    uint32_t key;
    uint32_t len;
    uint8_t data[CACHE_DATA];
} cache_entry;

static cache_entry cache[CACHE_ENTRIES];
static uint32_t cache_next;
/* The last BIG_ENTRIES replies too large for the ring above (stream blocks,
 * read-back): enough for a host's window of blocks in flight to be resent. */
typedef struct {
    uint8_t valid, type;
    uint16_t seq;
    uint32_t key;
    uint32_t len;
    uint8_t data[MAX_REPLY];
} big_entry;
static big_entry big[BIG_ENTRIES];
static uint32_t big_next;

static uint8_t body[PROTO_HDR_SIZE + MAX_REPLY + PROTO_CRC_SIZE];
static uint8_t rx[MAX_ENCODED];
static uint32_t rx_len;
static int rx_overflow;
static uint32_t bad_frames;

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* COBS as protocol.py cobs_encode (a 254-byte run without a zero is sent
 * as code 0xFF and no zero), written straight to the UART, then 0x00. */
static void send_cobs(const uint8_t *p, uint32_t n)
{
    uint32_t i = 0;
    for (;;) {
        uint32_t run = 0;
        while (i + run < n && p[i + run] != 0 && run < 254u) {
            ++run;
        }
        if (run == 254u) {
            uart_putc(0xff);
            uart_write(p + i, run);
            i += run;
            continue;
        }
        uart_putc((uint8_t)(run + 1u));
        uart_write(p + i, run);
        i += run;
        if (i >= n) {
            break;
        }
        ++i; /* the zero this block stood for */
    }
    uart_putc(0);
}

void frame_send(uint8_t type, uint16_t seq, const uint8_t *payload, uint32_t len)
{
    body[0] = type;
    body[1] = (uint8_t)seq;
    body[2] = (uint8_t)(seq >> 8);
    body[3] = (uint8_t)len;
    body[4] = (uint8_t)(len >> 8);
    memcpy(body + PROTO_HDR_SIZE, payload, len);
    uint32_t n = PROTO_HDR_SIZE + len;
    uint32_t crc = crc32_update(0, body, n);
    for (unsigned i = 0; i < 4u; ++i) {
        body[n + i] = (uint8_t)(crc >> (8u * i));
    }
    send_cobs(body, n + PROTO_CRC_SIZE);
}

/* COBS decode in place (the output is never longer than the input); the
 * decoded length, or -1 where protocol.py cobs_decode raises. */
static int32_t cobs_decode(uint8_t *buf, uint32_t n)
{
    uint32_t i = 0, o = 0;
    while (i < n) {
        uint8_t code = buf[i];
        if (code == 0u || i + code > n) {
            return -1;
        }
        for (uint32_t k = 1; k < code; ++k) {
            buf[o++] = buf[i + k];
        }
        i += code;
        if (code < 0xffu && i < n) {
            buf[o++] = 0;
        }
    }
    return (int32_t)o;
}

/* A damaged frame: counted, and the host told at once (a NOTICE frame,
 * seq 0, payload BAD_FRAME + why) so it resends without waiting out its
 * timeout. */
static void bad_frame(const char *why)
{
    uint8_t payload[1 + 60];
    uint32_t n = 0;
    payload[n++] = NAK_BAD_FRAME;
    while (*why && n < sizeof payload) {
        payload[n++] = (uint8_t)*why++;
    }
    ++bad_frames;
    frame_send(PROTO_NOTICE, 0, payload, n);
}

static void frame_end(frame_handler handle)
{
    if (rx_overflow) {
        bad_frame("overlong run without a delimiter");
        return;
    }
    if (rx_len == 0u) {
        return;
    }
    int32_t n = cobs_decode(rx, rx_len);
    if (n < 0) {
        bad_frame("COBS block runs past the frame end");
        return;
    }
    if (n < (int32_t)(PROTO_HDR_SIZE + PROTO_CRC_SIZE)) {
        bad_frame("frame is shorter than header + CRC");
        return;
    }
    uint32_t len = (uint32_t)rx[3] | (uint32_t)rx[4] << 8;
    if (PROTO_HDR_SIZE + len + PROTO_CRC_SIZE != (uint32_t)n) {
        bad_frame("header length does not match frame");
        return;
    }
    if (crc32_update(0, rx, (uint32_t)n - PROTO_CRC_SIZE) != get32(rx + n - PROTO_CRC_SIZE)) {
        bad_frame("frame CRC mismatch");
        return;
    }
    if (rx[0] & PROTO_REPLY) {
        return; /* a reply or notice (our own, echoed back): not for us */
    }
    handle(rx[0], (uint16_t)(rx[1] | rx[2] << 8), rx + PROTO_HDR_SIZE, len);
}

void frame_feed(uint8_t byte, frame_handler handle)
{
    if (byte == 0u) {
        frame_end(handle);
        rx_len = 0;
        rx_overflow = 0;
        return;
    }
    if (rx_len < sizeof rx) {
        rx[rx_len++] = byte;
    } else {
        rx_overflow = 1;
    }
}

void frame_reset(void)
{
    rx_len = 0;
    rx_overflow = 0;
}

uint32_t frame_bad_count(void)
{
    return bad_frames;
}

int cache_resend(uint8_t type, uint16_t seq, uint32_t key)
{
    for (uint32_t i = 0; i < CACHE_ENTRIES; ++i) {
        const cache_entry *e = &cache[i];
        if (e->valid && e->seq == seq && e->type == type && e->key == key) {
            frame_send(type | PROTO_REPLY, seq, e->data, e->len);
            return 1;
        }
    }
    for (uint32_t i = 0; i < BIG_ENTRIES; ++i) {
        const big_entry *e = &big[i];
        if (e->valid && e->seq == seq && e->type == type && e->key == key) {
            frame_send(type | PROTO_REPLY, seq, e->data, e->len);
            return 1;
        }
    }
    return 0;
}

void cache_store(uint8_t type, uint16_t seq, uint32_t key, const uint8_t *reply, uint32_t len)
{
    for (uint32_t i = 0; i < CACHE_ENTRIES; ++i) {
        if (cache[i].valid && cache[i].seq == seq) {
            cache[i].valid = 0; /* one answer per sequence number */
        }
    }
    for (uint32_t i = 0; i < BIG_ENTRIES; ++i) {
        if (big[i].valid && big[i].seq == seq) {
            big[i].valid = 0;
        }
    }
    if (len <= CACHE_DATA) {
        cache_entry *e = &cache[cache_next];
        cache_next = (cache_next + 1u) % CACHE_ENTRIES;
        e->valid = 1;
        e->type = type;
        e->seq = seq;
        e->key = key;
        e->len = len;
        memcpy(e->data, reply, len);
    } else {
        big_entry *e = &big[big_next];
        big_next = (big_next + 1u) % BIG_ENTRIES;
        e->valid = 1;
        e->type = type;
        e->seq = seq;
        e->key = key;
        e->len = len;
        memcpy(e->data, reply, len);
    }
}

void cache_clear(void)
{
    memset(cache, 0, sizeof cache);
    for (uint32_t i = 0; i < BIG_ENTRIES; ++i) {
        big[i].valid = 0;
    }
}
