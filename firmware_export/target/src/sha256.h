/* SHA-256 (FIPS 180-4), incremental, no allocation. The device checks a
 * flashed image against the SHA-256 the host sent with flash begin. */
#ifndef SS_TARGET_SHA256_H
#define SS_TARGET_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t length;      /* bytes hashed so far */
    uint8_t block[64];
    uint32_t used;        /* bytes waiting in block */
} sha256_ctx;

void sha256_init(sha256_ctx *ctx);
void sha256_update(sha256_ctx *ctx, const void *data, size_t n);
void sha256_final(sha256_ctx *ctx, uint8_t digest[32]);

#endif
