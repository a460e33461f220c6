/* The stream processor: the project's whole-chain C runtime
 * (firmware_export/runtime/ss_chain.c), built from the active profile blob
 * in flash. The same code the host build runs, so the device's output is
 * bit-exact with the Python fixed-point model. */
#include "device.h"

#include "device_config.h"
#include "ss_chain.h"

static ss_chain chain;
static const char *error = "no profile loaded";

int processor_open(const uint8_t *blob, uint32_t size)
{
    int status = ss_chain_init_from_blob(&chain, blob, size);
    if (status != SS_OK) {
        error = ss_strerror(status);
        return -1;
    }
    if (ss_chain_num_drivers(&chain) != SS_DEV_N_DRIVERS) {
        error = "the profile's driver count differs from this device's";
        chain.ready = 0;
        return -1;
    }
    return 0;
}

int processor_run(const int32_t *in_lr, int32_t *out, uint32_t n)
{
    int status = ss_chain_process(&chain, in_lr, out, n);
    if (status != SS_OK) {
        error = ss_strerror(status);
        return -1;
    }
    return 0;
}

void processor_capacity(processor_chain_size *cap)
{
    cap->mem32_words = SS_MEM32_WORDS;
    cap->mem64_words = SS_MEM64_WORDS;
    cap->max_block = SS_MAX_BLOCK;
    cap->paths = SS_MAX_PATHS;
    cap->feeds = SS_MAX_FEEDS;
    cap->cascades = SS_MAX_CASCADES;
}

int processor_needs(const uint8_t *blob, uint32_t size, processor_chain_size *need)
{
    ss_chain_usage_t use;
    if (ss_chain_requirements(blob, size, &use) != SS_OK) {
        return -1;
    }
    need->mem32_words = use.mem32_words;
    need->mem64_words = use.mem64_words;
    need->max_block = 0;
    need->paths = use.n_paths;
    need->feeds = use.n_feeds;
    need->cascades = use.n_cascades;
    return 0;
}

const char *processor_error(void)
{
    return error;
}
