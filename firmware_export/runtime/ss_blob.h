/*
 * ss_blob.h -- the profile-blob container parser (C99, no malloc).
 *
 * The C twin of firmware_export/blob.py (`parse_blob`); the format is
 * firmware_export/BLOB_FORMAT.md. ss_blob_parse() checks, in the order the
 * spec gives, every header field, the whole-blob CRC, the section table,
 * and every section's offset, length, CRC and padding -- before it returns
 * a view of anything. Every read is bounds-checked against `len` first (no
 * read past the buffer, no overflow in offset + length), so any byte string
 * gives either SS_OK or one negative error code.
 *
 * The view points into the caller's buffer (no copy); it stays valid while
 * that buffer does. Multi-byte fields are read byte by byte, little-endian,
 * so the parser neither needs aligned input nor a little-endian host.
 */
#ifndef SS_BLOB_H
#define SS_BLOB_H

#include <stdint.h>

#define SS_BLOB_MAGIC "SSPB"
#define SS_BLOB_FORMAT_VERSION 1u
#define SS_BLOB_HEADER_SIZE 48u
#define SS_BLOB_SECTION_SIZE 16u
#define SS_BLOB_TRAILER_SIZE 4u
#define SS_BLOB_MAX_SECTIONS 64u
#define SS_BLOB_MAX_DRIVERS 16u
#define SS_BLOB_NAME_BYTES 24u
#define SS_BLOB_MAX_SIZE (16u * 1024u * 1024u)

/* Target ids (BLOB_FORMAT.md: append only). */
#define SS_TARGET_CMSIS_Q31 1u
#define SS_TARGET_GENERIC_Q15 2u

/* Section ids the chain reads. */
#define SS_SEC_META 0x0001u
#define SS_SEC_BIQUADS 0x0010u
#define SS_SEC_FIR 0x0011u
#define SS_SEC_DELAYS 0x0012u
#define SS_SEC_GAINS 0x0013u

/* Status codes: 0 ok, negative = rejected (ss_strerror names them). The
 * container ones come from ss_blob_parse, the table ones from the chain
 * loader (ss_chain.c). */
enum {
    SS_OK = 0,
    SS_ERR_ARG = -1,            /* NULL pointer or bad argument */
    SS_ERR_TRUNCATED = -2,      /* shorter than a blob, or than total_size says */
    SS_ERR_OVERSIZED = -3,      /* longer than total_size says, or > SS_BLOB_MAX_SIZE */
    SS_ERR_MAGIC = -4,          /* not "SSPB" */
    SS_ERR_VERSION = -5,        /* format version unsupported */
    SS_ERR_HEADER = -6,         /* header_size, flags, rate, counts, name */
    SS_ERR_TARGET = -7,         /* unknown target id, or not the one expected */
    SS_ERR_CRC = -8,            /* whole-blob CRC-32 */
    SS_ERR_SECTION = -9,        /* section table: offset, length, padding, reserved, dup */
    SS_ERR_SECTION_CRC = -10,   /* a section's CRC-32 */
    SS_ERR_MISSING = -11,       /* a section the chain needs is absent */
    SS_ERR_TABLE = -12,         /* chain tables inconsistent (counts vs lengths, ranges) */
    SS_ERR_CAPACITY = -13,      /* valid, but larger than this build's SS_MAX_* limits */
    SS_ERR_UNSUPPORTED = -14    /* valid, but a feature this runtime lacks (upmix kind) */
};

typedef struct {
    uint16_t type;
    uint32_t offset; /* from the start of the blob */
    uint32_t length; /* without padding */
} ss_blob_section;

typedef struct {
    const uint8_t *data;
    uint32_t size;
    uint16_t format_version;
    uint16_t target_id;
    uint16_t n_drivers;
    uint32_t sample_rate;
    uint16_t n_sections;
    char profile_name[SS_BLOB_NAME_BYTES + 1]; /* NUL-terminated */
    ss_blob_section sections[SS_BLOB_MAX_SECTIONS];
} ss_blob_view;

/* CRC-32 (zlib / IEEE 802.3, reflected 0xEDB88320, init and xorout
 * 0xFFFFFFFF) of n bytes, continuing from `crc` (0 to start). */
uint32_t ss_crc32(uint32_t crc, const uint8_t *p, uint32_t n);

/* Validate `len` bytes as a blob. expect_target: the target id this build
 * runs (0 = accept any known target). On SS_OK, *view describes it; on an
 * error *view is left zeroed. Never reads outside [data, data + len). */
int ss_blob_parse(const uint8_t *data, uint32_t len, uint16_t expect_target,
                  ss_blob_view *view);

/* A section's bytes: SS_OK and *p, *n, or SS_ERR_MISSING. */
int ss_blob_find(const ss_blob_view *view, uint16_t type, const uint8_t **p, uint32_t *n);

/* Little-endian field readers (the caller has checked the bounds). */
static inline uint16_t ss_rd_u16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] | (uint16_t)((uint16_t)p[1] << 8));
}

static inline uint32_t ss_rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

/* 1 if n bytes are strict UTF-8 (as Python's decode), else 0. */
int ss_utf8_valid(const uint8_t *s, uint32_t n);

/* One line naming a status code (never NULL). */
const char *ss_strerror(int status);

#endif /* SS_BLOB_H */
