/* The device side of the serial protocol: the C port of the request
 * handlers of host_tools/emulator.py (same replies, same NAKs, same flash
 * order of operations), running on the target's UART0.
 *
 * Framing and the reply cache are in frame.c; the device's figures and
 * buffer sizes in device_config.h. */
#include "device.h"

#include <string.h>

#include "crc32.h"
#include "device_config.h"
#include "flash.h"
#include "frame.h"
#include "sha256.h"
#include "store.h"

/* ------------------------------------------------------------ little endian */
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    return p + 4;
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

/* ------------------------------------------------------------------ state */
typedef struct {
    uint32_t start, end;
} range;

static store_t store;
static range ranges[MAX_RANGES];
static uint32_t n_ranges;
static int verified;
static int bypass;
static uint16_t recent[SACK_SEQS];
static uint32_t n_recent;

static struct {
    int open;
    uint8_t mode;
    uint32_t next, samples;
    sha256_ctx hash;
} stream;

static uint8_t reply[MAX_REPLY]; /* status byte, then the data */
static uint32_t reply_len;

/* ------------------------------------------------------------------ ranges */
static void ranges_reset(uint32_t contiguous)
{
    n_ranges = 0;
    if (contiguous) {
        ranges[0].start = 0;
        ranges[0].end = contiguous;
        n_ranges = 1;
    }
}

/* Adds [a, b); returns -1 when too many disjoint ranges are outstanding. */
static int ranges_add(uint32_t a, uint32_t b)
{
    range out[MAX_RANGES + 1];
    uint32_t n = 0;
    int placed = 0;
    for (uint32_t i = 0; i < n_ranges; ++i) {
        range r = ranges[i];
        if (r.end < a || r.start > b) {
            if (r.start > b && !placed) {
                out[n].start = a;
                out[n++].end = b;
                placed = 1;
            }
            out[n++] = r;
        } else {
            a = r.start < a ? r.start : a;
            b = r.end > b ? r.end : b;
        }
    }
    if (!placed) {
        out[n].start = a;
        out[n++].end = b;
    }
    if (n > MAX_RANGES) {
        return -1;
    }
    memcpy(ranges, out, n * sizeof out[0]);
    n_ranges = n;
    return 0;
}

static uint32_t ranges_contiguous(void)
{
    return n_ranges && ranges[0].start == 0 ? ranges[0].end : 0u;
}

/* ----------------------------------------------------------------- replies */
static void ok_begin(void)
{
    reply[0] = 0;
    reply_len = 1;
}

static uint8_t *ok_space(void)
{
    return reply + reply_len;
}

static void ok_grow(uint8_t *end)
{
    reply_len = (uint32_t)(end - reply);
}

/* A NAK with a detail text built by nak_str/nak_u32. */
static void nak(uint8_t code)
{
    reply[0] = code;
    reply_len = 1;
}

static void nak_str(const char *s)
{
    while (*s && reply_len < 1u + NAK_DETAIL) {
        reply[reply_len++] = (uint8_t)*s++;
    }
}

static void nak_u32(uint32_t v)
{
    char buf[11];
    int i = 10;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    nak_str(buf + i);
}

static void nak_hex(const uint8_t *p, uint32_t n)
{
    static const char digits[] = "0123456789abcdef";
    char buf[3] = {0, 0, 0};
    for (uint32_t i = 0; i < n; ++i) {
        buf[0] = digits[p[i] >> 4];
        buf[1] = digits[p[i] & 0xfu];
        nak_str(buf);
    }
}

static int need(uint32_t len, uint32_t want, int exact)
{
    if (exact ? len == want : len >= want) {
        return 1;
    }
    nak(NAK_BAD_PAYLOAD);
    nak_u32(len);
    nak_str(" bytes, expected ");
    nak_str(exact ? "" : ">= ");
    nak_u32(want);
    return 0;
}

/* ---------------------------------------------------------------- handlers */
static void h_info(void)
{
    cache_clear(); /* a new host session starts with INFO */
    ok_begin();
    uint8_t *p = ok_space();
    const store_active *a = store.has_active ? &store.active : 0;
    *p++ = PROTO_VERSION;
    *p++ = FORMAT_VERSION;
    p = put16(p, SS_DEV_TARGET_ID);
    p = put16(p, SS_DEV_N_DRIVERS);
    p = put32(p, SS_DEV_SAMPLE_RATE);
    p = put16(p, MAX_CHUNK);
    p = put16(p, WINDOW);
    p = put32(p, FLASH_SLOT_SIZE);
    *p++ = a ? a->slot : PROTO_NO_SLOT;
    *p++ = (uint8_t)bypass;
    p = put32(p, a ? a->size : 0u);
    p = put32(p, a ? a->generation : 0u);
    memset(p, 0, 32 + 16 + 16);
    if (a) {
        memcpy(p, a->sha256, 32);
    }
    memcpy(p + 32, FW_VERSION, sizeof FW_VERSION - 1u);
    memcpy(p + 48, MODEL, sizeof MODEL - 1u);
    p += 64;
    processor_chain_size cap; /* INFO_LIMITS */
    processor_capacity(&cap);
    p = put32(p, cap.mem32_words);
    p = put32(p, cap.mem64_words);
    p = put16(p, (uint16_t)cap.max_block);
    p = put16(p, (uint16_t)cap.paths);
    p = put16(p, (uint16_t)cap.feeds);
    p = put16(p, (uint16_t)cap.cascades);
    ok_grow(p);
}

static void h_get_active(void)
{
    ok_begin();
    uint8_t *p = ok_space();
    if (!store.has_active) {
        *p++ = PROTO_NO_SLOT;
        memset(p, 0, 40);
        ok_grow(p + 40);
        return;
    }
    *p++ = store.active.slot;
    p = put32(p, store.active.generation);
    p = put32(p, store.active.size);
    memcpy(p, store.active.sha256, 32);
    ok_grow(p + 32);
}

static void h_read_active(const uint8_t *req, uint32_t len)
{
    if (!need(len, READ_REQ_SIZE, 1)) {
        return;
    }
    uint32_t off = get32(req);
    uint32_t n = get16(req + 4);
    if (!store.has_active) {
        nak(NAK_NO_PROFILE);
        return;
    }
    if (off > store.active.size || n > store.active.size - off || n > MAX_CHUNK) {
        nak(NAK_BAD_OFFSET);
        nak_str("read ");
        nak_u32(n);
        nak_str(" bytes at ");
        nak_u32(off);
        nak_str(", image is ");
        nak_u32(store.active.size);
        return;
    }
    ok_begin();
    memcpy(ok_space(), flash_at(store_slot_addr(store.active.slot) + off), n);
    ok_grow(ok_space() + n);
}

static void flash_error(void)
{
    nak(NAK_FLASH_ERROR);
    nak_str("flash write or erase failed");
}

static void h_flash_begin(const uint8_t *req, uint32_t len)
{
    if (!need(len, BEGIN_REQ_SIZE, 1)) {
        return;
    }
    store_session want;
    memset(&want, 0, sizeof want);
    want.size = get32(req);
    memcpy(want.sha256, req + 4, 32);
    want.target_id = get16(req + 36);
    want.format = get16(req + 38);
    want.rate = get32(req + 40);
    want.drivers = get16(req + 44);
    int bad = 0;
    nak(NAK_INCOMPATIBLE);
    if (want.target_id != SS_DEV_TARGET_ID) {
        nak_str("target ");
        nak_u32(want.target_id);
        nak_str(" (device runs ");
        nak_u32(SS_DEV_TARGET_ID);
        nak_str(")");
        bad = 1;
    }
    if (want.format != FORMAT_VERSION) {
        nak_str(bad ? "; " : "");
        nak_str("blob format ");
        nak_u32(want.format);
        nak_str(" (device reads ");
        nak_u32(FORMAT_VERSION);
        nak_str(")");
        bad = 1;
    }
    if (want.rate != SS_DEV_SAMPLE_RATE) {
        nak_str(bad ? "; " : "");
        nak_str("sample rate ");
        nak_u32(want.rate);
        nak_str(" (device runs ");
        nak_u32(SS_DEV_SAMPLE_RATE);
        nak_str(")");
        bad = 1;
    }
    if (want.drivers != SS_DEV_N_DRIVERS) {
        nak_str(bad ? "; " : "");
        nak_u32(want.drivers);
        nak_str(" drivers (device has ");
        nak_u32(SS_DEV_N_DRIVERS);
        nak_str(")");
        bad = 1;
    }
    if (bad) {
        return;
    }
    if (want.size == 0u || want.size > FLASH_SLOT_SIZE) {
        nak(NAK_TOO_LARGE);
        nak_u32(want.size);
        nak_str(" bytes, slot holds ");
        nak_u32(FLASH_SLOT_SIZE);
        return;
    }
    stream.open = 0;
    uint32_t resume;
    if (store_begin(&store, &want, &resume)) {
        flash_error();
        return;
    }
    ranges_reset(resume);
    verified = 0;
    n_recent = 0;
    ok_begin();
    uint8_t *p = put32(ok_space(), resume);
    p = put16(p, MAX_CHUNK);
    p = put16(p, WINDOW);
    ok_grow(p);
}

static void h_flash_data(uint16_t seq, const uint8_t *req, uint32_t len)
{
    if (!need(len, DATA_REQ_SIZE, 0)) {
        return;
    }
    uint32_t off = get32(req);
    const uint8_t *chunk = req + DATA_REQ_SIZE;
    uint32_t n = len - DATA_REQ_SIZE;
    const store_session *s = &store.session;
    if (!store.has_session) {
        nak(NAK_NO_SESSION);
        nak_str("chunk at ");
        nak_u32(off);
        return;
    }
    if (n > MAX_CHUNK) {
        nak(NAK_CHUNK_TOO_BIG);
        nak_u32(n);
        nak_str(" bytes, max ");
        nak_u32(MAX_CHUNK);
        return;
    }
    if (n == 0u || off > s->size || n > s->size - off) {
        nak(NAK_BAD_OFFSET);
        nak_u32(n);
        nak_str(" bytes at ");
        nak_u32(off);
        nak_str(", image is ");
        nak_u32(s->size);
        return;
    }
    if (store_write_chunk(&store, off, chunk, n)) {
        flash_error();
        return;
    }
    /* recent: this seq first, then the others, at most SACK_SEQS */
    uint16_t keep[SACK_SEQS];
    uint32_t k = 0;
    keep[k++] = seq;
    for (uint32_t i = 0; i < n_recent && k < SACK_SEQS; ++i) {
        if (recent[i] != seq) {
            keep[k++] = recent[i];
        }
    }
    memcpy(recent, keep, sizeof keep);
    n_recent = k;
    uint32_t before = ranges_contiguous();
    if (ranges_add(off, off + n)) {
        nak(NAK_BAD_OFFSET);
        nak_str("too many gaps in the image; resend from ");
        nak_u32(before);
        return;
    }
    uint32_t contig = ranges_contiguous();
    if (contig / FLASH_SECTOR > before / FLASH_SECTOR || (contig == s->size && before != s->size)) {
        if (store_journal(&store, contig)) {
            flash_error();
            return;
        }
    }
    ok_begin();
    uint8_t *p = put32(ok_space(), off);
    p = put32(p, contig);
    for (uint32_t i = 0; i < n_recent; ++i) {
        p = put16(p, recent[i]);
    }
    ok_grow(p);
}

static void h_flash_end(void)
{
    if (!store.has_session) {
        nak(NAK_NO_SESSION);
        return;
    }
    const store_session *s = &store.session;
    uint32_t have = ranges_contiguous();
    if (have < s->size) {
        nak(NAK_INCOMPLETE);
        nak_str("have ");
        nak_u32(have);
        nak_str(" of ");
        nak_u32(s->size);
        nak_str(" bytes");
        return;
    }
    uint8_t got[32];
    store_slot_sha256(s->slot, s->size, got);
    if (memcmp(got, s->sha256, 32) != 0) {
        uint8_t slot = s->slot;
        uint8_t want[32];
        memcpy(want, s->sha256, 32);
        if (store_drop_session(&store)) {
            flash_error();
            return;
        }
        ranges_reset(0);
        nak(NAK_VERIFY_FAILED);
        nak_str("slot ");
        nak_u32(slot);
        nak_str(" reads back sha256 ");
        nak_hex(got, 8);
        nak_str("..., image is ");
        nak_hex(want, 8);
        nak_str("...; session dropped");
        return;
    }
    verified = 1;
    ok_begin();
    memcpy(ok_space(), got, 32);
    ok_grow(ok_space() + 32);
}

/* One "<need> <what>, the device has <cap>" clause of an INCOMPATIBLE NAK. */
static int nak_short(int bad, uint32_t need, uint32_t cap, const char *what)
{
    if (need <= cap) {
        return bad;
    }
    nak_str(bad ? "; " : "chain needs ");
    nak_u32(need);
    nak_str(what);
    nak_str(", the device has ");
    nak_u32(cap);
    return 1;
}

/* 1 if the chain of the image in `slot` fits this build (or the runtime cannot size
 * it: STREAM_BEGIN reports that); else 0 with an INCOMPATIBLE NAK naming each
 * figure that does not fit (host_tools/emulator.py _check_chain_fits). */
static int chain_fits(uint8_t slot, uint32_t size)
{
    processor_chain_size need, cap;
    if (processor_needs(flash_at(store_slot_addr(slot)), size, &need) != 0) {
        return 1;
    }
    processor_capacity(&cap);
    nak(NAK_INCOMPATIBLE);
    int bad = nak_short(0, need.mem32_words, cap.mem32_words, " int32 words of chain memory");
    bad = nak_short(bad, need.mem64_words, cap.mem64_words, " int64 words of chain memory");
    bad = nak_short(bad, need.paths, cap.paths, " paths");
    bad = nak_short(bad, need.feeds, cap.feeds, " feeds");
    bad = nak_short(bad, need.cascades, cap.cascades, " biquad cascades");
    if (bad) {
        nak_str("; previous profile stays active");
    }
    return !bad;
}

static void activate_reply(void)
{
    ok_begin();
    uint8_t *p = ok_space();
    *p++ = store.active.slot;
    p = put32(p, store.active.generation);
    memcpy(p, store.active.sha256, 32);
    ok_grow(p + 32);
}

static void h_activate(const uint8_t *req, uint32_t len)
{
    if (!need(len, ACTIVATE_REQ_SIZE, 1)) {
        return;
    }
    if (!store.has_session && store.has_active && memcmp(store.active.sha256, req, 32) == 0) {
        activate_reply(); /* already done (a lost reply, re-asked) */
        return;
    }
    if (!store.has_session) {
        nak(NAK_NO_SESSION);
        return;
    }
    const store_session *s = &store.session;
    if (memcmp(s->sha256, req, 32) != 0) {
        nak(NAK_HASH_MISMATCH);
        nak_str("session image is ");
        nak_hex(s->sha256, 8);
        nak_str("...");
        return;
    }
    if (!verified) {
        if (ranges_contiguous() < s->size) {
            nak(NAK_INCOMPLETE);
            nak_str("have ");
            nak_u32(ranges_contiguous());
            nak_str(" of ");
            nak_u32(s->size);
            return;
        }
        uint8_t got[32];
        store_slot_sha256(s->slot, s->size, got);
        if (memcmp(got, s->sha256, 32) != 0) {
            nak(NAK_VERIFY_FAILED);
            nak_str("slot does not match the image");
            return;
        }
    }
    if (!chain_fits(s->slot, s->size)) {
        return;
    }
    if (store_activate(&store)) {
        flash_error();
        return;
    }
    verified = 0;
    ranges_reset(0);
    activate_reply();
}

static void h_stream_begin(const uint8_t *req, uint32_t len)
{
    if (!need(len, STREAM_BEGIN_REQ_SIZE, 1)) {
        return;
    }
    uint8_t fmt = req[0], ch = req[1], mode = req[2];
    uint32_t rate = get32(req + 4);
    if (!store.has_active && !bypass) {
        nak(NAK_NO_PROFILE);
        nak_str("flash a profile first");
        return;
    }
    if (fmt != STREAM_FMT_INT32 || ch != 2u || mode > 1u) {
        nak(NAK_STREAM_STATE);
        nak_str("format ");
        nak_u32(fmt);
        nak_str(", ");
        nak_u32(ch);
        nak_str(" channels, mode ");
        nak_u32(mode);
        nak_str(": device takes format 1 (int32 LE), 2 channels, mode 0/1");
        return;
    }
    if (rate != SS_DEV_SAMPLE_RATE) {
        nak(NAK_STREAM_STATE);
        nak_str("rate ");
        nak_u32(rate);
        nak_str(", device runs ");
        nak_u32(SS_DEV_SAMPLE_RATE);
        return;
    }
    if (!bypass && processor_open(flash_at(store_slot_addr(store.active.slot)),
                                  store.active.size) != 0) {
        nak(NAK_PROCESSOR);
        nak_str(processor_error());
        return;
    }
    stream.open = 1;
    stream.mode = mode;
    stream.next = 0;
    stream.samples = 0;
    sha256_init(&stream.hash);
    ok_begin();
    uint8_t *p = put16(ok_space(), SS_DEV_N_DRIVERS);
    p = put16(p, MAX_STREAM_SAMPLES);
    ok_grow(p);
}

static int32_t in_frames[2u * MAX_STREAM_SAMPLES];
static int32_t out_frames[SS_DEV_N_DRIVERS * MAX_STREAM_SAMPLES];

static void h_stream_data(const uint8_t *req, uint32_t len)
{
    if (!stream.open) {
        nak(NAK_STREAM_STATE);
        nak_str("no stream open");
        return;
    }
    if (!need(len, STREAM_DATA_REQ_SIZE, 0)) {
        return;
    }
    uint32_t idx = get32(req);
    uint32_t nbytes = len - STREAM_DATA_REQ_SIZE;
    if (idx != stream.next) {
        nak(NAK_STREAM_ORDER);
        nak_str("block ");
        nak_u32(idx);
        nak_str(", expected ");
        nak_u32(stream.next);
        return;
    }
    uint32_t n = nbytes / 8u;
    if (nbytes % 8u || n == 0u || n > MAX_STREAM_SAMPLES) {
        nak(NAK_BAD_PAYLOAD);
        nak_u32(nbytes);
        nak_str(" sample bytes (need n*8, n <= ");
        nak_u32(MAX_STREAM_SAMPLES);
        nak_str(")");
        return;
    }
    for (uint32_t i = 0; i < 2u * n; ++i) {
        in_frames[i] = (int32_t)get32(req + STREAM_DATA_REQ_SIZE + 4u * i);
    }
    if (bypass) {
        for (uint32_t i = 0; i < n; ++i) {
            for (uint32_t d = 0; d < SS_DEV_N_DRIVERS; ++d) {
                out_frames[i * SS_DEV_N_DRIVERS + d] = in_frames[2u * i + d % 2u];
            }
        }
    } else if (processor_run(in_frames, out_frames, n) != 0) {
        nak(NAK_PROCESSOR);
        nak_str(processor_error());
        return;
    }
    ok_begin();
    uint8_t *p = put32(ok_space(), idx);
    p = put16(p, (uint16_t)n);
    p = put16(p, SS_DEV_N_DRIVERS);
    uint8_t *data = p;
    for (uint32_t i = 0; i < n * SS_DEV_N_DRIVERS; ++i) {
        p = put32(p, (uint32_t)out_frames[i]);
    }
    sha256_update(&stream.hash, data, (uint32_t)(p - data));
    stream.next += 1u;
    stream.samples += n;
    if (stream.mode == STREAM_MODE_HASH) {
        sha256_ctx copy = stream.hash;
        sha256_final(&copy, data);
        p = data + 32;
    }
    ok_grow(p);
}

static void h_stream_end(void)
{
    if (!stream.open) {
        nak(NAK_STREAM_STATE);
        nak_str("no stream open");
        return;
    }
    stream.open = 0;
    ok_begin();
    uint8_t *p = put32(ok_space(), stream.samples);
    p = put32(p, stream.next);
    sha256_final(&stream.hash, p);
    ok_grow(p + 32);
}

static void h_bypass(const uint8_t *req, uint32_t len)
{
    if (!need(len, BYPASS_REQ_SIZE, 1)) {
        return;
    }
    bypass = req[0] != 0u;
    ok_begin();
    *ok_space() = (uint8_t)bypass;
    ok_grow(ok_space() + 1);
}

/* -------------------------------------------------------------- lifecycle */
void device_restart(void)
{
    store_load(&store);
    ranges_reset(store.has_session ? store.session.offset : 0u);
    verified = 0;
    bypass = 0;
    stream.open = 0;
    n_recent = 0;
    cache_clear();
    frame_reset();
}

static void handle(uint8_t type, uint16_t seq, const uint8_t *payload, uint32_t len)
{
    uint32_t key = crc32_update(0, payload, len);
    /* A repeated data chunk is written again (the same bytes, harmless on
     * NOR) so that its ack carries the current contiguous count and SACK
     * list, not stale ones; every other repeat is answered from the cache. */
    if (type != OP_FLASH_DATA && cache_resend(type, seq, key)) {
        return;
    }
    int reset = 0;
    switch (type) {
    case OP_INFO: h_info(); break;
    case OP_GET_ACTIVE: h_get_active(); break;
    case OP_READ_ACTIVE: h_read_active(payload, len); break;
    case OP_FLASH_BEGIN: h_flash_begin(payload, len); break;
    case OP_FLASH_DATA: h_flash_data(seq, payload, len); break;
    case OP_FLASH_END: h_flash_end(); break;
    case OP_ACTIVATE: h_activate(payload, len); break;
    case OP_STREAM_BEGIN: h_stream_begin(payload, len); break;
    case OP_STREAM_DATA: h_stream_data(payload, len); break;
    case OP_STREAM_END: h_stream_end(); break;
    case OP_BYPASS: h_bypass(payload, len); break;
    case OP_RESET:
        ok_begin();
        reset = 1;
        break;
    default:
        nak(NAK_UNKNOWN_OP);
        nak_str("opcode 0x");
        nak_hex(&type, 1);
        break;
    }
    frame_send(type | PROTO_REPLY, seq, reply, reply_len);
    /* not cached: INFO (starts a session), data chunks (above), and an
     * out-of-order stream block (transient: the host goes back and resends) */
    if (type != OP_INFO && type != OP_FLASH_DATA && reply[0] != NAK_STREAM_ORDER) {
        cache_store(type, seq, key, reply, reply_len);
    }
    if (reset) {
        device_restart();
    }
}


void device_feed(uint8_t byte)
{
    frame_feed(byte, handle);
}

uint32_t device_bad_frames(void)
{
    return frame_bad_count();
}
