/* Stand-in processor until the whole-chain C runtime runs on the target:
 * stream begin answers NAK PROCESSOR with this reason (bypass still works). */
#include "device.h"

#include <string.h>

int processor_open(const uint8_t *blob, uint32_t size)
{
    (void)blob;
    (void)size;
    return -1;
}

int processor_run(const int32_t *in_lr, int32_t *out, uint32_t n)
{
    (void)in_lr;
    (void)out;
    (void)n;
    return -1;
}

void processor_capacity(processor_chain_size *cap)
{
    memset(cap, 0, sizeof *cap);
}

int processor_needs(const uint8_t *blob, uint32_t size, processor_chain_size *need)
{
    (void)blob;
    (void)size;
    (void)need;
    return -1;
}

const char *processor_error(void)
{
    return "this firmware has no whole-chain runtime yet (bypass only)";
}
