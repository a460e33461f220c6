/* The whole chain (firmware_export/runtime/ss_chain.c) on the target, fed
 * from host files through semihosting, so long stimuli need not cross the
 * slow UART. Semihosting arguments:
 *
 *   blob=PATH   the profile blob
 *   in=PATH     stimulus: n stereo frames, int32 LE interleaved L, R
 *   out=PATH    written: n frames x n_drivers int32 LE, interleaved per driver
 *   block=N     frames per ss_chain_process call (default 64)
 *
 * UART0 reports, for the host to parse (firmware_export/target/chain.py):
 *   CAL n=<iterations> ticks=<t>     as main_bench.c (instruction calibration)
 *   CHAIN drivers=<D> frames=<n> calls=<c> ticks=<t>
 * where t counts SysTick ticks inside ss_chain_process only (file I/O and
 * the loop around it excluded). Exit status 0, or 2 for a file problem,
 * 3 for a blob the runtime refuses (its ss_strerror text is printed). */
#include <stdint.h>
#include <string.h>

#include "icount.h"
#include "semihost.h"
#include "ss_chain.h"
#include "uart.h"

#define MAX_BLOB (512u * 1024u)
#define MAX_CALL 1024u

static ss_chain chain;
static uint8_t blob[MAX_BLOB];
static int32_t in[2u * MAX_CALL];
static int32_t out[SS_MAX_DRIVERS * MAX_CALL];
static char cmdline[1024];

int main(void)
{
    const char *blob_path = 0, *in_path = 0, *out_path = 0;
    uint32_t block = 64u;
    ic_init();
    if (semihost_cmdline(cmdline, sizeof cmdline) == 0) {
        for (char *tok = cmdline; tok && *tok;) {
            char *end = strchr(tok, ' ');
            if (end) {
                *end = 0;
            }
            if (strncmp(tok, "blob=", 5) == 0) {
                blob_path = tok + 5;
            } else if (strncmp(tok, "in=", 3) == 0) {
                in_path = tok + 3;
            } else if (strncmp(tok, "out=", 4) == 0) {
                out_path = tok + 4;
            } else if (strncmp(tok, "block=", 6) == 0) {
                block = cmdline_u32(tok + 6);
            }
            tok = end ? end + 1 : 0;
        }
    }
    if (!blob_path || !in_path || !out_path || block == 0u || block > MAX_CALL) {
        uart_puts("usage: blob=PATH in=PATH out=PATH [block=N<=1024]\n");
        return 2;
    }
    int fb = semihost_open(blob_path, SH_MODE_RB);
    int32_t blob_len = fb >= 0 ? semihost_flen(fb) : -1;
    if (blob_len <= 0 || (uint32_t)blob_len > MAX_BLOB ||
        semihost_read(fb, blob, (uint32_t)blob_len) != 0) {
        uart_puts("cannot read the blob\n");
        return 2;
    }
    semihost_close(fb);
    int status = ss_chain_init_from_blob(&chain, blob, (uint32_t)blob_len);
    if (status != SS_OK) {
        uart_puts("blob refused: ");
        uart_puts(ss_strerror(status));
        uart_puts("\n");
        return 3;
    }
    uint32_t drivers = ss_chain_num_drivers(&chain);
    int fi = semihost_open(in_path, SH_MODE_RB);
    int fo = semihost_open(out_path, SH_MODE_WPB);
    int32_t in_len = fi >= 0 ? semihost_flen(fi) : -1;
    if (fi < 0 || fo < 0 || in_len < 0 || in_len % 8) {
        uart_puts("cannot open the stimulus or the output file\n");
        return 2;
    }
    ic_calibrate();
    uint32_t frames = (uint32_t)in_len / 8u, done = 0, calls = 0;
    uint64_t ticks = 0;
    while (done < frames) {
        uint32_t m = frames - done < block ? frames - done : block;
        if (semihost_read(fi, in, 8u * m) != 0) {
            uart_puts("short read\n");
            return 2;
        }
        uint32_t t0 = ic_now();
        ss_chain_process(&chain, in, out, m);
        ticks += ic_elapsed(t0, ic_now());
        if (semihost_write(fo, out, 4u * drivers * m) != 0) {
            uart_puts("short write\n");
            return 2;
        }
        done += m;
        ++calls;
    }
    semihost_close(fi);
    semihost_close(fo);
    uart_put_field("CHAIN drivers=", drivers);
    uart_put_field(" frames=", frames);
    uart_put_field(" calls=", calls);
    uart_puts(" ticks=");
    uart_put_u32((uint32_t)(ticks >> 32));
    uart_puts(":");
    uart_put_u32((uint32_t)ticks);
    uart_puts("\n");
    return 0;
}
