/* The adaptive upmix (firmware_export/runtime/ss_upmix.c) alone on the
 * target: instructions inside upmix_q31 and, built with -DSS_UPMIX_PROFILE,
 * per stage of its frame (ss_upmix_profile.h). Semihosting arguments:
 *
 *   tab=PATH    tables: int32 LE fft_size, synthesis_size, hop, pool,
 *               then a_short, a_long, kx, mu, lo2, inv (binary32), then the analysis
 *               window (fft_size), synthesis window tail (synthesis_size),
 *               twiddle cos and sin (fft_size/2 + 1 each)
 *   in=PATH     stimulus: stereo frames, int32 LE interleaved L, R
 *   warm=N      the first N frames run untimed (history and smoothers fill)
 *   block=N     frames per upmix_q31 call (default 64)
 *   out=PATH    optional: every call's L', R', C written there (int32 LE,
 *               the call's L' block, then R', then C): the target's ARMv7E-M
 *               paths (ss_ops.h, ss_upmix.c inline asm) against the model
 *
 * UART0 reports (firmware_export/target/measure.py parses them):
 *   CAL n=<iterations> ticks=<t>            as main_bench.c
 *   UPMIX fft=<n> synth=<ls> hop=<h> frames=<timed frames> ticks=<t>
 *   STAGE <id> marks=<m> ticks=<t>          profiling build only
 * ticks count SysTick ticks inside upmix_q31 only. Exit status 0, or 2 for
 * a file problem, 3 for tables upmix_q31_init refuses. */
#include <stdint.h>
#include <string.h>

#include "icount.h"
#include "semihost.h"
#include "ss_upmix.h"
#include "uart.h"

#ifdef SS_UPMIX_PROFILE
#include "ss_upmix_profile.h"
uint32_t ss_prof_ticks[SS_PROF_COUNT];
uint32_t ss_prof_marks[SS_PROF_COUNT];
uint32_t ss_prof_last;
#endif

#define MAX_FFT 4096u
#define MAX_CALL 1024u
#define MEM32_WORDS 65536u
#define MEM64_WORDS 32768u
#define HEAD (4u + SS_UPMIX_DECISION_WORDS)
#define MAX_TAB (HEAD + 2u * MAX_FFT + 2u * (MAX_FFT / 2u + 1u))

static upmix_q31_inst S;
static int32_t tab[MAX_TAB];
static int32_t mem32[MEM32_WORDS];
static int64_t mem64[MEM64_WORDS];
static int32_t in[2u * MAX_CALL];
static int32_t out[3u * MAX_CALL];
static char cmdline[1024];

int main(void)
{
    const char *tab_path = 0, *in_path = 0, *out_path = 0;
    uint32_t block = 64u, warm = 0u;
    ic_init();
    if (semihost_cmdline(cmdline, sizeof cmdline) == 0) {
        for (char *tok = cmdline; tok && *tok;) {
            char *end = strchr(tok, ' ');
            if (end) {
                *end = 0;
            }
            if (strncmp(tok, "tab=", 4) == 0) {
                tab_path = tok + 4;
            } else if (strncmp(tok, "in=", 3) == 0) {
                in_path = tok + 3;
            } else if (strncmp(tok, "warm=", 5) == 0) {
                warm = cmdline_u32(tok + 5);
            } else if (strncmp(tok, "block=", 6) == 0) {
                block = cmdline_u32(tok + 6);
            } else if (strncmp(tok, "out=", 4) == 0) {
                out_path = tok + 4;
            }
            tok = end ? end + 1 : 0;
        }
    }
    if (!tab_path || !in_path || block == 0u || block > MAX_CALL) {
        uart_puts("usage: tab=PATH in=PATH [warm=N] [block=N<=1024]\n");
        return 2;
    }
    int ft = semihost_open(tab_path, SH_MODE_RB);
    int32_t tab_len = ft >= 0 ? semihost_flen(ft) : -1;
    if (tab_len < (int32_t)(4u * HEAD) || (uint32_t)tab_len > 4u * MAX_TAB ||
        semihost_read(ft, tab, (uint32_t)tab_len) != 0) {
        uart_puts("cannot read the tables\n");
        return 2;
    }
    semihost_close(ft);
    const uint32_t n = (uint32_t)tab[0], ls = (uint32_t)tab[1], hop = (uint32_t)tab[2];
    const uint32_t pool = (uint32_t)tab[3], nb = n / 2u + 1u;
    uint32_t n32 = 0, n64 = 0;
    if (n > MAX_FFT || ls > n || (uint32_t)tab_len != 4u * (HEAD + n + ls + 2u * nb)) {
        uart_puts("bad table sizes\n");
        return 2;
    }
    upmix_q31_mem_words(n, ls, hop, pool, &n32, &n64);
    const int32_t *wa = tab + HEAD, *ws = wa + n, *tc = ws + ls, *ts = tc + nb;
    if (n32 > MEM32_WORDS || n64 > MEM64_WORDS ||
        upmix_q31_init(&S, n, ls, hop, pool, (const uint32_t *)tab + 4, wa, ws, tc, ts, mem32,
                       mem64) != 0) {
        uart_puts("tables refused\n");
        return 3;
    }
    int fi = semihost_open(in_path, SH_MODE_RB);
    int32_t in_len = fi >= 0 ? semihost_flen(fi) : -1;
    if (fi < 0 || in_len < 0 || in_len % 8) {
        uart_puts("cannot open the stimulus\n");
        return 2;
    }
    ic_calibrate();
    int fo = out_path ? semihost_open(out_path, SH_MODE_WPB) : -1;
    if (out_path && fo < 0) {
        uart_puts("cannot open the output\n");
        return 2;
    }
    uint32_t frames = (uint32_t)in_len / 8u, done = 0, timed = 0;
    uint64_t ticks = 0;
    while (done < frames) {
        uint32_t m = frames - done < block ? frames - done : block;
        if (done < warm && warm - done < m) {
            m = warm - done; /* the timed part starts exactly at `warm` */
        }
        if (semihost_read(fi, in, 8u * m) != 0) {
            uart_puts("short read\n");
            return 2;
        }
#ifdef SS_UPMIX_PROFILE
        if (done == warm) { /* the warm-up's brackets do not count */
            memset(ss_prof_ticks, 0, sizeof ss_prof_ticks);
            memset(ss_prof_marks, 0, sizeof ss_prof_marks);
        }
#endif
        uint32_t t0 = ic_now();
#ifdef SS_UPMIX_PROFILE
        ss_prof_last = t0;
#endif
        upmix_q31(&S, in, out, out + MAX_CALL, out + 2u * MAX_CALL, m);
#ifdef SS_UPMIX_PROFILE
        ss_prof_mark(SS_PROF_SAMPLE);
#endif
        uint32_t t = ic_elapsed(t0, ic_now());
        if (done >= warm) {
            ticks += t;
            timed += m;
        }
        done += m;
        for (uint32_t ch = 0; fo >= 0 && ch < 3u; ch++) {
            if (semihost_write(fo, out + ch * MAX_CALL, 4u * m) != 0) {
                uart_puts("short write\n");
                return 2;
            }
        }
    }
    semihost_close(fi);
    if (fo >= 0) {
        semihost_close(fo);
    }
    uart_put_field("UPMIX fft=", n);
    uart_put_field(" synth=", ls);
    uart_put_field(" hop=", hop);
    uart_put_field(" frames=", timed);
    uart_puts(" ticks=");
    uart_put_u32((uint32_t)(ticks >> 32));
    uart_puts(":");
    uart_put_u32((uint32_t)ticks);
    uart_puts("\n");
#ifdef SS_UPMIX_PROFILE
    /* back-to-back brackets: the cost of one bracket, in every stage's count */
    ss_prof_last = ic_now();
    for (uint32_t r = 0; r < 512u; ++r) {
        ss_prof_mark(SS_PROF_CAL);
        ss_prof_mark(SS_PROF_CAL);
        ss_prof_mark(SS_PROF_CAL);
        ss_prof_mark(SS_PROF_CAL);
        ss_prof_mark(SS_PROF_CAL);
        ss_prof_mark(SS_PROF_CAL);
        ss_prof_mark(SS_PROF_CAL);
        ss_prof_mark(SS_PROF_CAL);
    }
    for (uint32_t i = 0; i < SS_PROF_COUNT; ++i) {
        uart_put_field("STAGE ", i);
        uart_put_field(" marks=", ss_prof_marks[i]);
        uart_put_field(" ticks=", ss_prof_ticks[i]);
        uart_puts("\n");
    }
#endif
    return 0;
}
