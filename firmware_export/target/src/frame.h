/* Framing of the serial protocol on the device: COBS-encoded
 * [type u8, seq u16, length u16, payload, CRC-32] frames delimited by 0x00
 * (host_tools/protocol.py), and the reply cache that answers a retried
 * request again instead of executing it twice. */
#ifndef SS_TARGET_FRAME_H
#define SS_TARGET_FRAME_H

#include <stdint.h>

typedef void (*frame_handler)(uint8_t type, uint16_t seq, const uint8_t *payload, uint32_t len);

/* One byte from the link. A complete valid request frame goes to `handle`;
 * anything that does not decode, is too long or fails its CRC is dropped,
 * counted and answered with a NOTICE frame; the next delimiter
 * resynchronizes. Reply frames (our own echoed back) are ignored. */
void frame_feed(uint8_t byte, frame_handler handle);
void frame_reset(void);
uint32_t frame_bad_count(void);

/* Sends one frame (no leading delimiter, as the Python emulator). */
void frame_send(uint8_t type, uint16_t seq, const uint8_t *payload, uint32_t len);

/* Reply cache keyed by (seq, request type, CRC-32 of the request payload):
 * small replies in a ring of entries, the last few large ones in another. */
int cache_resend(uint8_t type, uint16_t seq, uint32_t key);
void cache_store(uint8_t type, uint16_t seq, uint32_t key, const uint8_t *reply, uint32_t len);
void cache_clear(void);

#endif
