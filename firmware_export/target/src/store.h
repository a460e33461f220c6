/* Two profile slots, the double-buffered active record and the resume
 * journal, over the emulated flash: the C port of DeviceFlash in
 * host_tools/flash_store.py, same layout and same order of operations, so a
 * power cut at any flash operation leaves exactly the old or the new profile
 * active (see that file and PROTOCOL.md, "Power cuts").
 *
 *   0x0000 active record A   "SSAR", generation, slot, size, sha256, CRC-32
 *   0x1000 active record B   the valid copy with the higher generation wins
 *   0x2000 resume journal    head ("SSRJ", slot, size, sha256, blob header,
 *                            CRC-32), then 8-byte entries (offset, CRC-32)
 *   0x3000 slot 0, then slot 1
 *
 * Begin erases the journal and writes its head; each slot sector is erased
 * when the first chunk touches it (sectors below the journaled offset hold
 * valid data and are never erased again); the journal records sector
 * boundaries (and the image end) only after the data below them is written. */
#ifndef SS_TARGET_STORE_H
#define SS_TARGET_STORE_H

#include <stdint.h>

#include "flash.h"

typedef struct {
    uint32_t generation;
    uint32_t size;
    uint8_t slot;
    uint8_t copy; /* 0 = record A, 1 = record B */
    uint8_t sha256[32];
} store_active;

typedef struct {
    uint8_t slot;
    uint32_t size;
    uint8_t sha256[32];
    uint16_t target_id, format;
    uint32_t rate;
    uint16_t drivers;
    uint32_t offset;  /* contiguous bytes journaled */
    uint32_t entries; /* journal entries used */
    /* slot sectors erased since boot (RAM only): a sector is erased the first
     * time a chunk touches it, unless it lies below the journaled offset */
    uint8_t erased[(FLASH_SLOT_SIZE / FLASH_SECTOR + 7u) / 8u];
} store_session;

typedef struct {
    int has_active;
    store_active active;
    int has_session;
    store_session session;
} store_t;

void store_load(store_t *s);
uint32_t store_slot_addr(uint8_t slot);
/* Opens (or resumes) a session; *resume gets the offset to continue from.
 * 0, or -1 on a flash failure. */
int store_begin(store_t *s, const store_session *want, uint32_t *resume);
int store_write_chunk(store_t *s, uint32_t offset, const void *data, uint32_t n);
/* Records that [0, contiguous) is written (rounded down to a sector, except
 * at the image end); call after those writes. */
int store_journal(store_t *s, uint32_t contiguous);
void store_slot_sha256(uint8_t slot, uint32_t size, uint8_t out[32]);
int store_drop_session(store_t *s);
/* Makes the session's slot active (the caller verified it). */
int store_activate(store_t *s);

#endif
