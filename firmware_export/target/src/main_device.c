/* The protocol device on the emulated target: UART0 carries the framed
 * protocol, the two profile slots live in an emulated flash persisted to a
 * host file.
 *
 * Semihosting arguments (`-semihosting-config ...,arg=flash=PATH,arg=cut=N`):
 *   flash=PATH   the flash file (default soundstage-flash.bin in qemu's cwd)
 *   cut=N        power cut at the N-th flash operation (exit status 86) */
#include <stdint.h>
#include <string.h>

#include "device.h"
#include "flash.h"
#include "semihost.h"
#include "uart.h"

static char cmdline[512];

int main(void)
{
    const char *path = "soundstage-flash.bin";
    if (semihost_cmdline(cmdline, sizeof cmdline) == 0) {
        for (char *tok = cmdline; tok && *tok;) {
            char *end = strchr(tok, ' ');
            if (end) {
                *end = 0;
            }
            if (strncmp(tok, "flash=", 6) == 0) {
                path = tok + 6;
            } else if (strncmp(tok, "cut=", 4) == 0) {
                flash_set_cut(cmdline_u32(tok + 4));
            }
            tok = end ? end + 1 : 0;
        }
    }
    if (flash_open(path) != 0) {
        return 2; /* a flash file of the wrong size: refuse to wipe it */
    }
    device_restart();
    for (;;) {
        device_feed(uart_getc());
    }
}
