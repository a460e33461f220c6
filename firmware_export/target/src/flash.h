/* Emulated NOR flash, kept in RAM and written through to a host file by
 * semihosting, so it survives qemu being killed (a power cut) or restarted.
 *
 * NOR semantics as host_tools/flash_store.py: erase sets a 4 KiB sector to
 * 0xFF, a write can only clear bits (new = old AND data). Every erase and
 * write is one operation, counted from 1; with a power cut armed at
 * operation N (`cut=N` on the semihosting command line) the N-th operation
 * is done half (half a sector erased, half the bytes written), persisted,
 * and the firmware stops at once (exit status FLASH_CUT_STATUS).
 *
 * The file is the flash image byte for byte, in the layout of flash_store.py
 * (records, journal, two slots), so the host's DeviceFlash can read it. */
#ifndef SS_TARGET_FLASH_H
#define SS_TARGET_FLASH_H

#include <stdint.h>

#define FLASH_SECTOR 4096u
#define FLASH_REC_A 0x0000u
#define FLASH_REC_B 0x1000u
#define FLASH_JOURNAL 0x2000u
#define FLASH_SLOTS 0x3000u
#ifndef FLASH_SLOT_SIZE
#define FLASH_SLOT_SIZE (512u * 1024u)
#endif
#define FLASH_SIZE (FLASH_SLOTS + 2u * FLASH_SLOT_SIZE)
#define FLASH_CUT_STATUS 86

/* Loads `path` (creates it erased when absent). 0, or -1 when the file has
 * the wrong size or cannot be opened (the device then runs from RAM). */
int flash_open(const char *path);
/* Arms a power cut at operation n (0: never). */
void flash_set_cut(uint32_t n);
/* 0 on success, -1 for a bad address. */
int flash_erase(uint32_t addr);
int flash_write(uint32_t addr, const void *data, uint32_t n);
/* Direct read access (flash is memory-mapped on a Cortex-M). */
const uint8_t *flash_at(uint32_t addr);
uint32_t flash_ops(void);

#endif
