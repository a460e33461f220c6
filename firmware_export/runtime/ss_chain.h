/*
 * ss_chain.h -- the whole soundstage chain, portable C runtime (C99).
 *
 * The C twin of dsp_model/fixed/chain.py (`FixedChain`): the same kernels
 * (ss_kernels.h) called in the same order on the same tables, bit-exact
 * (tests/test_c_runtime.py proves it against the Python model). No malloc,
 * no floating point, no recursion: the caller owns one `ss_chain` (static
 * or on a big enough stack) whose size is fixed at compile time by the
 * SS_MAX_* / SS_MEM*_WORDS figures below. Override them with -D for every
 * translation unit (ss_chain.c and each file that includes this header):
 * they change the struct's layout. The generated profile header
 * `<profile>_tables.h` states the figures a profile needs
 * (<PROFILE>_SS_MEM32_WORDS, ...); `sizeof(ss_chain) == ss_chain_sizeof()`
 * checks that a program agrees with the library it links.
 *
 *     static ss_chain chain;
 *     if (ss_chain_init_from_blob(&chain, blob, blob_len) != SS_OK) ...;
 *     ss_chain_process(&chain, in_lr, out, n);  // any n, state carries over
 *
 * Per block (as chain.py):
 *     in (n x 2, interleaved L,R, Q31) -> upmix_passive_q31 (meta upmix 0) or
 *               upmix_q31 (meta upmix 1, ss_upmix.c) -> u = L', R', C
 *     virtualizer (tables version 2 only), per side s in L', R': the ipsi
 *               cascades on a copy of u[s]; delay_q31(contra_delay) of u[s]
 *               then the contra cascades (coefficients shared by the sides,
 *               state not); u[3] = e_L = mix_sat_q31(ipsi(L'), contra(R')),
 *               u[4] = e_R = mix_sat_q31(contra(L'), ipsi(R'))
 *     path p:   delay_q31(u[source_p]) -> fir_q31(common_p)   (if it has taps)
 *     feed p,d: fir_q31(ratio_{p,d})                          (if it has taps)
 *     driver d: mix_sat_q31(its feeds, path order) -> biquad cascades in
 *               order -> gain_q31 -> delay_q31
 *     limiter (tables version 3 only): limiter_q31 over all drivers at once
 *               (ss_kernels.c); then per driver dac_quant_q31
 *     out (n x D, interleaved per driver): DAC codes, right-justified int32.
 * FIR tables run trimmed, as chain.py runs them (ss_chain.c "zero taps"):
 * leading zeros as a delay line, trailing zeros dropped, a one-tap table
 * as its product (a feed's inside the driver's sum), identical ratio
 * tables of a path once -- all bit-identical to the full tables.
 *
 * Blocks longer than SS_MAX_BLOCK are cut internally (the output does not
 * depend on how a stream is cut). The context points into itself: do not
 * copy it after init (initialize it where it will live).
 */
#ifndef SS_CHAIN_H
#define SS_CHAIN_H

#include <stdint.h>

#include "ss_blob.h"
#include "ss_kernels.h"
#include "ss_upmix.h"

/* ---------------------------------------------------- compile-time size */
#ifndef SS_MAX_BLOCK /* samples per internal chunk (FIR state, buffers) */
#define SS_MAX_BLOCK 64
#endif
#ifndef SS_MAX_DRIVERS /* <= 16 (the blob's limit) */
#define SS_MAX_DRIVERS 8
#endif
#ifndef SS_MAX_PATHS /* <= 32 (the tables' limit) */
#define SS_MAX_PATHS 16
#endif
#ifndef SS_MAX_FEEDS /* (path, driver) pairs with a ratio filter */
#define SS_MAX_FEEDS 64
#endif
#ifndef SS_MAX_CASCADES /* biquad cascade instances, all drivers */
#define SS_MAX_CASCADES 64
#endif
#ifndef SS_MEM32_WORDS /* int32 pool: buffers, FIR/biquad tables and state, delay lines */
#define SS_MEM32_WORDS 16384
#endif
#ifndef SS_MEM64_WORDS /* int64 pool: 32x64 biquad state (4 per section) */
#define SS_MEM64_WORDS 256
#endif
#define SS_MAX_TAPS 65535 /* fir_q31_inst.num_taps is 16 bits */

#if SS_MAX_BLOCK < 1 || SS_MAX_DRIVERS < 1 || SS_MAX_DRIVERS > 16 || SS_MAX_PATHS < 1 || \
    SS_MAX_PATHS > 32 || SS_MAX_FEEDS < 1 || SS_MAX_CASCADES < 1 || SS_MEM32_WORDS < 1 || \
    SS_MEM64_WORDS < 1
#error "ss_chain.h: a size limit is out of range"
#endif

#define SS_CHAIN_TABLES_VERSION 1u      /* chain section layout (tables.py) */
#define SS_CHAIN_TABLES_VERSION_VIRT 2u /* the same plus the virtualizer section */
#define SS_CHAIN_TABLES_VERSION_LIMITER 3u /* the limiter section (virtualizer optional) */
#define SS_SEC_VIRTUALIZER 0x0015u
#define SS_SEC_LIMITER 0x0016u
#define SS_KERNEL_DF1 0u           /* biquad_df1_q31 */
#define SS_KERNEL_32X64 1u         /* biquad_df1_32x64_q31 */
#define SS_UPMIX_PASSIVE 0u
#define SS_UPMIX_ADAPTIVE 1u /* ss_upmix.c; tables in section SS_SEC_UPMIX */
#define SS_SEC_UPMIX 0x001Du /* retired: 0x0014 (integer decision), 0x0017 (no onset),
                                * 0x0018 (no directivity weight), 0x0019 (one center width),
                                * 0x001A (no precedence hold), 0x001B (no side attack),
                                * 0x001C (no steering) */

#define SS_STAGE_NONE 0u  /* a path without a common table */
#define SS_STAGE_FIR 1u
#define SS_STAGE_SCALE 2u /* a one-tap table: y = fir_q31 of one tap, in place */
#define SS_FEED_NONE 0u
#define SS_FEED_FIR 1u
#define SS_FEED_DELAY 2u

/* A run of consecutive biquad sections with one kernel and post_shift. */
typedef struct {
    uint8_t kind; /* SS_KERNEL_DF1 or SS_KERNEL_32X64 */
    biquad_df1_q31_inst df1;
    biquad_df1_32x64_q31_inst hp;
} ss_cascade;

/* How much of each pool a chain uses (ss_chain_usage). */
typedef struct {
    uint32_t mem32_words;
    uint32_t mem64_words;
    uint32_t n_paths;
    uint32_t n_feeds;
    uint32_t n_cascades;
} ss_chain_usage_t;

typedef struct {
    uint32_t ready; /* SS_CHAIN_READY after a successful init */
    uint32_t sample_rate;
    uint32_t n_drivers;
    uint32_t n_paths;
    uint32_t n_feeds;
    uint32_t n_cascades;
    char profile_name[SS_BLOB_NAME_BYTES + 1];
    /* upmix: SS_UPMIX_PASSIVE, or SS_UPMIX_ADAPTIVE with its instance (tables
     * and state in mem32 / mem64) */
    uint8_t upmix_kind;
    upmix_q31_inst upmix;
    /* virtualizer: cascades [v_casc[0], v_casc[1]) ipsi(L'), [1], [2]) contra(L'),
     * [2], [3]) ipsi(R'), [3], [4]) contra(R'); contra delay per side */
    uint8_t has_virt;
    uint32_t v_casc[5];
    delay_q31_inst v_delay[2];
    /* limiter after the drivers' delays (tables version 3); buffers in mem32 */
    uint8_t has_lim;
    limiter_q31_inst lim;
    /* paths */
    uint8_t path_source[SS_MAX_PATHS]; /* 0 L', 1 R', 2 C, 3 e_L, 4 e_R */
    uint8_t path_has_fir[SS_MAX_PATHS]; /* SS_STAGE_NONE, _FIR or _SCALE (one tap) */
    int32_t path_scale[SS_MAX_PATHS];   /* the one tap of an SS_STAGE_SCALE path */
    delay_q31_inst path_delay[SS_MAX_PATHS]; /* path delay + the table's leading zeros */
    fir_q31_inst path_fir[SS_MAX_PATHS];     /* the table, zero taps trimmed */
    /* feeds, driver-major, path order within a driver; a ratio table runs
     * trimmed (ss_chain.c "zero taps"): SS_FEED_FIR: fir_q31 into feed[k]
     * then feed_delay in place; SS_FEED_DELAY: feed_delay of y into feed[k],
     * the one tap applied in the driver's sum; SS_FEED_NONE: nothing to run
     * (one tap on y itself, or the same table as an earlier feed of the
     * path: its output is read) */
    uint8_t feed_path[SS_MAX_FEEDS];
    uint8_t feed_op[SS_MAX_FEEDS];
    uint8_t feed_scaled[SS_MAX_FEEDS]; /* the sum reads feed_in[k] x feed_scale[k] */
    int32_t feed_scale[SS_MAX_FEEDS];
    fir_q31_inst feed_fir[SS_MAX_FEEDS];
    delay_q31_inst feed_delay[SS_MAX_FEEDS];
    uint32_t drv_feed_off[SS_MAX_DRIVERS + 1]; /* driver d: feeds [off[d], off[d+1]) */
    /* driver stages */
    uint32_t drv_casc_off[SS_MAX_DRIVERS + 1]; /* driver d: cascades [off[d], off[d+1]) */
    ss_cascade casc[SS_MAX_CASCADES];
    gain_q31_inst gain[SS_MAX_DRIVERS];
    delay_q31_inst drv_delay[SS_MAX_DRIVERS];
    dac_quant_q31_inst dac[SS_MAX_DRIVERS];
    /* block buffers (SS_MAX_BLOCK each, in mem32) */
    int32_t *u[5];        /* L', R', C, e_L, e_R (the last two with a virtualizer) */
    int32_t *vb[4];       /* ipsi(L'), contra(R'), contra(L'), ipsi(R') */
    const int32_t *vb_in[4];
    int32_t *y[SS_MAX_PATHS];
    int32_t *feed[SS_MAX_FEEDS];          /* NULL for SS_FEED_NONE */
    const int32_t *feed_in[SS_MAX_FEEDS]; /* what the driver's sum reads for feed k */
    int32_t *z[SS_MAX_DRIVERS];
    int64_t acc[SS_MAX_BLOCK]; /* a driver's exact sum of 3 or more feeds */
    /* pools */
    uint32_t mem32_used;
    uint32_t mem64_used;
    int32_t mem32[SS_MEM32_WORDS];
    int64_t mem64[SS_MEM64_WORDS];
} ss_chain;

#define SS_CHAIN_READY 0x53534348u /* "SSCH" */

/* Validate `blob` (container: every length and CRC; tables: every count,
 * range and length; sizes: this build's limits) and, only if all of it
 * passes, build the chain in *ctx with all state zeroed. Returns SS_OK or a
 * negative SS_ERR_* (ss_strerror); on error *ctx is not ready (process
 * refuses it) and the blob was never read outside [blob, blob + len). The
 * blob may be freed after init (tables are copied into the context). */
int ss_chain_init_from_blob(ss_chain *ctx, const uint8_t *blob, uint32_t len);

/* Process n stereo frames: in_stereo[2n] interleaved L,R (Q31) ->
 * out[n * n_drivers] interleaved per driver (DAC codes). SS_OK, or
 * SS_ERR_ARG if ctx is not initialized or a pointer is NULL with n > 0. */
int ss_chain_process(ss_chain *ctx, const int32_t *in_stereo, int32_t *out, uint32_t n);

/* Validate only: the pool sizes and counts the blob would need in a build
 * with this SS_MAX_BLOCK (SS_OK even if they exceed this build's limits;
 * the container and the tables must be valid). */
int ss_chain_requirements(const uint8_t *blob, uint32_t len, ss_chain_usage_t *need);

uint32_t ss_chain_num_drivers(const ss_chain *ctx);
void ss_chain_usage(const ss_chain *ctx, ss_chain_usage_t *use);
/* sizeof(ss_chain), for hosts that allocate it from outside C. */
uint32_t ss_chain_sizeof(void);
/* This build's SS_MAX_BLOCK. */
uint32_t ss_chain_max_block(void);

/* The passive upmix, Q31 (chain.py upmix_passive_q31): C = floor((L+R)/2),
 * L' = sat(L - C), R' = sat(R - C). src interleaved L,R. */
void upmix_passive_q31(const int32_t *src, int32_t *dst_l, int32_t *dst_r, int32_t *dst_c,
                       uint32_t block_size);

#endif /* SS_CHAIN_H */
