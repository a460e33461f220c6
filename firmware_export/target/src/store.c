#include "store.h"

#include <string.h>

#include "crc32.h"
#include "flash.h"
#include "sha256.h"

#define REC_SIZE 48u         /* "<4sIBxxxI32s" */
#define HEAD_SIZE 54u        /* "<4sBxxxI32sHHIH" */
#define JOURNAL_HEAD_SIZE 64u
#define ENTRY_SIZE 8u
#define JOURNAL_CAPACITY ((FLASH_SECTOR - JOURNAL_HEAD_SIZE) / ENTRY_SIZE)

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static uint32_t entry_crc(uint32_t index, uint32_t offset)
{
    uint8_t b[8];
    put32(b, index);
    put32(b + 4, offset);
    return crc32_update(0, b, sizeof b);
}

uint32_t store_slot_addr(uint8_t slot)
{
    return FLASH_SLOTS + (uint32_t)slot * FLASH_SLOT_SIZE;
}

static int read_record(uint8_t copy, store_active *out)
{
    const uint8_t *p = flash_at(copy ? FLASH_REC_B : FLASH_REC_A);
    if (crc32_update(0, p, REC_SIZE) != get32(p + REC_SIZE) || memcmp(p, "SSAR", 4) != 0) {
        return 0;
    }
    out->generation = get32(p + 4);
    out->slot = p[8];
    out->size = get32(p + 12);
    memcpy(out->sha256, p + 16, 32);
    out->copy = copy;
    return out->slot <= 1u && out->size <= FLASH_SLOT_SIZE;
}

static int read_journal(store_session *s)
{
    const uint8_t *p = flash_at(FLASH_JOURNAL);
    if (crc32_update(0, p, HEAD_SIZE) != get32(p + HEAD_SIZE) || memcmp(p, "SSRJ", 4) != 0) {
        return 0;
    }
    s->slot = p[4];
    s->size = get32(p + 8);
    memcpy(s->sha256, p + 12, 32);
    s->target_id = get16(p + 44);
    s->format = get16(p + 46);
    s->rate = get32(p + 48);
    s->drivers = get16(p + 52);
    s->offset = 0;
    s->entries = 0;
    memset(s->erased, 0, sizeof s->erased);
    if (s->slot > 1u || s->size > FLASH_SLOT_SIZE) {
        return 0;
    }
    for (uint32_t i = 0; i < JOURNAL_CAPACITY; ++i) {
        const uint8_t *e = p + JOURNAL_HEAD_SIZE + i * ENTRY_SIZE;
        uint32_t off = get32(e);
        if (get32(e + 4) != entry_crc(i, off) || off < s->offset || off > s->size) {
            break;
        }
        s->offset = off;
        s->entries = i + 1u;
    }
    return 1;
}

void store_load(store_t *s)
{
    store_active a, b;
    int ha = read_record(0, &a), hb = read_record(1, &b);
    s->has_active = ha || hb;
    if (ha && hb) {
        s->active = a.generation >= b.generation ? a : b;
    } else if (ha || hb) {
        s->active = ha ? a : b;
    }
    s->has_session = read_journal(&s->session);
    if (s->has_session && s->has_active && s->session.slot == s->active.slot) {
        s->has_session = 0; /* left over from the flash that became active */
    }
}

static int same_image(const store_session *a, const store_session *b)
{
    return a->size == b->size && memcmp(a->sha256, b->sha256, 32) == 0 &&
           a->target_id == b->target_id && a->format == b->format && a->rate == b->rate &&
           a->drivers == b->drivers;
}

int store_begin(store_t *s, const store_session *want, uint32_t *resume)
{
    if (s->has_session && same_image(&s->session, want)) {
        *resume = s->session.offset;
        return 0;
    }
    uint8_t slot = s->has_active ? (uint8_t)(1u - s->active.slot) : 0u;
    s->has_session = 0;
    if (flash_erase(FLASH_JOURNAL)) {
        return -1;
    }
    uint8_t head[HEAD_SIZE + 4u];
    memset(head, 0, sizeof head);
    memcpy(head, "SSRJ", 4);
    head[4] = slot;
    put32(head + 8, want->size);
    memcpy(head + 12, want->sha256, 32);
    put16(head + 44, want->target_id);
    put16(head + 46, want->format);
    put32(head + 48, want->rate);
    put16(head + 52, want->drivers);
    put32(head + HEAD_SIZE, crc32_update(0, head, HEAD_SIZE));
    if (flash_write(FLASH_JOURNAL, head, sizeof head)) {
        return -1;
    }
    s->session = *want;
    s->session.slot = slot;
    s->session.offset = 0;
    s->session.entries = 0;
    memset(s->session.erased, 0, sizeof s->session.erased);
    s->has_session = 1;
    *resume = 0;
    return 0;
}

int store_write_chunk(store_t *s, uint32_t offset, const void *data, uint32_t n)
{
    store_session *ss = &s->session;
    uint32_t base = store_slot_addr(ss->slot);
    for (uint32_t sec = offset / FLASH_SECTOR; sec <= (offset + n - 1u) / FLASH_SECTOR; ++sec) {
        uint8_t bit = (uint8_t)(1u << (sec % 8u));
        if (sec >= ss->offset / FLASH_SECTOR && !(ss->erased[sec / 8u] & bit)) {
            if (flash_erase(base + sec * FLASH_SECTOR)) {
                return -1;
            }
            ss->erased[sec / 8u] |= bit;
        }
    }
    return flash_write(base + offset, data, n);
}

int store_journal(store_t *s, uint32_t contiguous)
{
    store_session *ss = &s->session;
    if (contiguous < ss->size) {
        contiguous -= contiguous % FLASH_SECTOR;
    }
    if (contiguous <= ss->offset || ss->entries >= JOURNAL_CAPACITY) {
        return 0;
    }
    uint8_t e[ENTRY_SIZE];
    put32(e, contiguous);
    put32(e + 4, entry_crc(ss->entries, contiguous));
    if (flash_write(FLASH_JOURNAL + JOURNAL_HEAD_SIZE + ss->entries * ENTRY_SIZE, e, sizeof e)) {
        return -1;
    }
    ss->offset = contiguous;
    ss->entries += 1u;
    return 0;
}

void store_slot_sha256(uint8_t slot, uint32_t size, uint8_t out[32])
{
    sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, flash_at(store_slot_addr(slot)), size);
    sha256_final(&ctx, out);
}

int store_drop_session(store_t *s)
{
    s->has_session = 0;
    return flash_erase(FLASH_JOURNAL);
}

int store_activate(store_t *s)
{
    store_active a;
    a.generation = s->has_active ? s->active.generation + 1u : 1u;
    a.copy = s->has_active ? (uint8_t)(1u - s->active.copy) : 0u;
    a.slot = s->session.slot;
    a.size = s->session.size;
    memcpy(a.sha256, s->session.sha256, 32);
    uint8_t rec[REC_SIZE + 4u];
    memset(rec, 0, sizeof rec);
    memcpy(rec, "SSAR", 4);
    put32(rec + 4, a.generation);
    rec[8] = a.slot;
    put32(rec + 12, a.size);
    memcpy(rec + 16, a.sha256, 32);
    put32(rec + REC_SIZE, crc32_update(0, rec, REC_SIZE));
    uint32_t addr = a.copy ? FLASH_REC_B : FLASH_REC_A;
    if (flash_erase(addr) || flash_write(addr, rec, sizeof rec)) {
        return -1;
    }
    s->active = a;
    s->has_active = 1;
    return store_drop_session(s);
}
