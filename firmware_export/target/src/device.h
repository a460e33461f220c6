/* The protocol device (device.c) and the audio processor it streams through. */
#ifndef SS_TARGET_DEVICE_H
#define SS_TARGET_DEVICE_H

#include <stdint.h>

/* Reloads everything from flash, as after a reboot (RAM state is lost). */
void device_restart(void);
/* One byte from the UART. */
void device_feed(uint8_t byte);
uint32_t device_bad_frames(void);

/* The chain a processor can build (INFO_LIMITS), or a blob's chain needs of it:
 * int32 / int64 pool words, then block size (capacity only), paths, feeds, cascades. */
typedef struct {
    uint32_t mem32_words, mem64_words;
    uint32_t max_block, paths, feeds, cascades;
} processor_chain_size;

/* This build's capacity (all zero without a chain runtime). */
void processor_capacity(processor_chain_size *cap);
/* What the blob's chain needs (max_block unused): 0, or -1 when the runtime cannot
 * size the blob (not a chain; STREAM_BEGIN reports why). */
int processor_needs(const uint8_t *blob, uint32_t size, processor_chain_size *need);

/* The processor behind stream begin/data: builds the chain from the active
 * profile blob (validated by the blob parser) and runs it on n stereo
 * frames (interleaved L, R) into n frames of SS_DEV_N_DRIVERS outputs.
 * 0 on success; otherwise processor_error() says why, in one line. */
int processor_open(const uint8_t *blob, uint32_t size);
int processor_run(const int32_t *in_lr, int32_t *out, uint32_t n);
const char *processor_error(void);

#endif
