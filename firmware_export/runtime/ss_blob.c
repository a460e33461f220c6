/*
 * ss_blob.c -- profile-blob container parser (spec: BLOB_FORMAT.md).
 *
 * Validation order is the spec's (and blob.py's), so the C and Python
 * readers reject the same blobs for the same first reason. Bounds: every
 * header/table read happens only after `len` has been checked to cover it;
 * section ranges are checked as `length <= end - offset` with
 * `offset <= end` first, so no sum can overflow.
 */
#include "ss_blob.h"

#include <stddef.h>

uint32_t ss_crc32(uint32_t crc, const uint8_t *p, uint32_t n)
{
    /* Nibble table: 16 words of ROM, 2 lookups per byte. */
    static const uint32_t t[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
    uint32_t c = ~crc;
    uint32_t i;
    for (i = 0; i < n; i++) {
        c ^= p[i];
        c = (c >> 4) ^ t[c & 0xFu];
        c = (c >> 4) ^ t[c & 0xFu];
    }
    return ~c;
}

/* Strict UTF-8 (what Python's bytes.decode("utf-8") accepts): no overlong
 * forms, no surrogates, nothing above U+10FFFF. */
int ss_utf8_valid(const uint8_t *s, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        const uint8_t c = s[i];
        uint32_t k, cp, min;
        if (c < 0x80u) {
            i++;
            continue;
        }
        if (c >= 0xC2u && c <= 0xDFu) {
            k = 1;
            cp = c & 0x1Fu;
            min = 0x80u;
        } else if (c >= 0xE0u && c <= 0xEFu) {
            k = 2;
            cp = c & 0x0Fu;
            min = 0x800u;
        } else if (c >= 0xF0u && c <= 0xF4u) {
            k = 3;
            cp = c & 0x07u;
            min = 0x10000u;
        } else {
            return 0;
        }
        if (n - i <= k) {
            return 0;
        }
        {
            uint32_t j;
            for (j = 1; j <= k; j++) {
                if ((s[i + j] & 0xC0u) != 0x80u) {
                    return 0;
                }
                cp = (cp << 6) | (s[i + j] & 0x3Fu);
            }
        }
        if (cp < min || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu)) {
            return 0;
        }
        i += k + 1u;
    }
    return 1;
}

static void zero_view(ss_blob_view *v)
{
    uint8_t *b = (uint8_t *)v;
    size_t i;
    for (i = 0; i < sizeof *v; i++) {
        b[i] = 0;
    }
}

int ss_blob_parse(const uint8_t *data, uint32_t len, uint16_t expect_target,
                  ss_blob_view *view)
{
    uint32_t total, end, table_end, pos, name_len, i;
    uint16_t n_sec, target, n_drv;
    uint32_t rate;

    if (view == NULL) {
        return SS_ERR_ARG;
    }
    zero_view(view);
    if (data == NULL) {
        return SS_ERR_ARG;
    }
    /* 1. room for header + trailer */
    if (len < SS_BLOB_HEADER_SIZE + SS_BLOB_TRAILER_SIZE) {
        return SS_ERR_TRUNCATED;
    }
    if (len > SS_BLOB_MAX_SIZE) {
        return SS_ERR_OVERSIZED;
    }
    /* 2. magic, version, header size */
    if (data[0] != 'S' || data[1] != 'S' || data[2] != 'P' || data[3] != 'B') {
        return SS_ERR_MAGIC;
    }
    if (ss_rd_u16(data + 4) != SS_BLOB_FORMAT_VERSION) {
        return SS_ERR_VERSION;
    }
    if (ss_rd_u16(data + 6) != SS_BLOB_HEADER_SIZE) {
        return SS_ERR_HEADER;
    }
    /* 3. total_size is what we got */
    total = ss_rd_u32(data + 8);
    if (total > len) {
        return SS_ERR_TRUNCATED;
    }
    if (total < len) {
        return SS_ERR_OVERSIZED;
    }
    /* 4. flags, target, drivers, rate, section count, name */
    if (ss_rd_u16(data + 22) != 0u) {
        return SS_ERR_HEADER;
    }
    target = ss_rd_u16(data + 12);
    if (target != SS_TARGET_CMSIS_Q31 && target != SS_TARGET_GENERIC_Q15) {
        return SS_ERR_TARGET;
    }
    n_drv = ss_rd_u16(data + 14);
    if (n_drv < 1u || n_drv > SS_BLOB_MAX_DRIVERS) {
        return SS_ERR_HEADER;
    }
    rate = ss_rd_u32(data + 16);
    if (rate == 0u) {
        return SS_ERR_HEADER;
    }
    n_sec = ss_rd_u16(data + 20);
    if (n_sec > SS_BLOB_MAX_SECTIONS) {
        return SS_ERR_HEADER;
    }
    name_len = 0;
    while (name_len < SS_BLOB_NAME_BYTES && data[24u + name_len] != 0u) {
        name_len++;
    }
    for (i = name_len; i < SS_BLOB_NAME_BYTES; i++) {
        if (data[24u + i] != 0u) {
            return SS_ERR_HEADER; /* a NUL inside the name */
        }
    }
    if (!ss_utf8_valid(data + 24, name_len)) {
        return SS_ERR_HEADER;
    }
    /* 5. whole-blob CRC */
    end = len - SS_BLOB_TRAILER_SIZE;
    if (ss_crc32(0, data, end) != ss_rd_u32(data + end)) {
        return SS_ERR_CRC;
    }
    /* expected target: after the CRC, so a damaged blob says "damaged" */
    if (expect_target != 0u && target != expect_target) {
        return SS_ERR_TARGET;
    }
    /* 6. the table fits before the trailer (n_sec <= 64: no overflow) */
    table_end = SS_BLOB_HEADER_SIZE + SS_BLOB_SECTION_SIZE * (uint32_t)n_sec;
    if (table_end > end) {
        return SS_ERR_SECTION;
    }
    /* 7. sections, packed in table order */
    pos = table_end;
    for (i = 0; i < n_sec; i++) {
        const uint8_t *e = data + SS_BLOB_HEADER_SIZE + SS_BLOB_SECTION_SIZE * i;
        const uint16_t type = ss_rd_u16(e);
        const uint32_t off = ss_rd_u32(e + 4), length = ss_rd_u32(e + 8);
        const uint32_t crc = ss_rd_u32(e + 12);
        uint32_t pad, j;
        if (ss_rd_u16(e + 2) != 0u) {
            return SS_ERR_SECTION;
        }
        for (j = 0; j < i; j++) {
            if (view->sections[j].type == type) {
                return SS_ERR_SECTION; /* a type twice */
            }
        }
        if (off != pos) {
            return SS_ERR_SECTION; /* pos <= end holds from here on */
        }
        if (length > end - off) {
            return SS_ERR_SECTION;
        }
        if (ss_crc32(0, data + off, length) != crc) {
            return SS_ERR_SECTION_CRC;
        }
        pad = (4u - (length & 3u)) & 3u;
        if (pad > end - off - length) {
            return SS_ERR_SECTION;
        }
        for (j = 0; j < pad; j++) {
            if (data[off + length + j] != 0u) {
                return SS_ERR_SECTION;
            }
        }
        view->sections[i].type = type;
        view->sections[i].offset = off;
        view->sections[i].length = length;
        pos = off + length + pad;
    }
    /* 8. nothing between the last section and the trailer */
    if (pos != end) {
        return SS_ERR_SECTION;
    }
    view->data = data;
    view->size = len;
    view->format_version = SS_BLOB_FORMAT_VERSION;
    view->target_id = target;
    view->n_drivers = n_drv;
    view->sample_rate = rate;
    view->n_sections = n_sec;
    for (i = 0; i < name_len; i++) {
        view->profile_name[i] = (char)data[24u + i];
    }
    return SS_OK;
}

int ss_blob_find(const ss_blob_view *view, uint16_t type, const uint8_t **p, uint32_t *n)
{
    uint32_t i;
    if (view == NULL || view->data == NULL) {
        return SS_ERR_ARG;
    }
    for (i = 0; i < view->n_sections; i++) {
        if (view->sections[i].type == type) {
            *p = view->data + view->sections[i].offset;
            *n = view->sections[i].length;
            return SS_OK;
        }
    }
    return SS_ERR_MISSING;
}

const char *ss_strerror(int status)
{
    switch (status) {
    case SS_OK: return "ok";
    case SS_ERR_ARG: return "bad argument (NULL pointer)";
    case SS_ERR_TRUNCATED: return "truncated blob";
    case SS_ERR_OVERSIZED: return "oversized blob";
    case SS_ERR_MAGIC: return "bad magic (not a profile blob)";
    case SS_ERR_VERSION: return "unsupported blob format version";
    case SS_ERR_HEADER: return "bad header field";
    case SS_ERR_TARGET: return "wrong or unknown target";
    case SS_ERR_CRC: return "whole-blob CRC-32 mismatch";
    case SS_ERR_SECTION: return "bad section table entry";
    case SS_ERR_SECTION_CRC: return "section CRC-32 mismatch";
    case SS_ERR_MISSING: return "a chain section is missing";
    case SS_ERR_TABLE: return "chain tables inconsistent";
    case SS_ERR_CAPACITY: return "chain larger than this build's limits";
    case SS_ERR_UNSUPPORTED: return "chain uses a feature this runtime lacks";
    default: return "unknown status";
    }
}
