/* CRC-32 as zlib / IEEE 802.3 (reflected 0xEDB88320, init and final xor
 * 0xFFFFFFFF): crc32(0, "123456789", 9) == 0xCBF43926. Chainable like
 * zlib's: crc32(crc32(0, a), b) == crc32(0, a + b). */
#ifndef SS_TARGET_CRC32_H
#define SS_TARGET_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const void *data, size_t n);

#endif
