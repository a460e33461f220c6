/*
 * ss_chain.c -- the whole chain from a profile blob (twin of
 * dsp_model/fixed/chain.py; table layout: firmware_export/tables.py and
 * BLOB_FORMAT.md "Chain sections").
 *
 * Loading is two passes over the same code (`load`): the first, with no
 * context, validates every table field (counts against section lengths,
 * ranges, stray bytes) and sums the pool sizes; only if that passes and the
 * sizes fit this build's limits does the second pass copy the tables into
 * the context and initialize the kernel instances. Every section read goes
 * through a bounds-checked cursor (`rd`), so a bad blob can only fail.
 */
#include "ss_chain.h"

#include <stddef.h>

#include "ss_ops.h"

#define MAX_TABLE_TAPS 65536u     /* tables.py MAX_TAPS */
#define MAX_TABLE_SECTIONS 64u    /* tables.py MAX_SECTIONS, per driver */
#define MAX_TABLE_PATHS 32u       /* tables.py MAX_PATHS */
#define MAX_TABLE_DELAY (1u << 20) /* tables.py delay limit, samples */
#define NAME_FIELD 16u            /* driver id / path name field, bytes */

/* ================================================================ upmix */

/*
 * Scaling and overflow: L + R formed in 64 bits (|L + R| <= 2^32, exact);
 * C = shr_floor(L + R, 1) lies in [-2^31, 2^31 - 1] (no saturation
 * needed). L' = sub32_sat(L, C) = ceil((L - R) / 2) exactly, except
 * L = 2^31 - 1, R = -2^31, where it is 2^31 and saturates (the one case
 * where L' + C != L). Same for R'.
 */
void upmix_passive_q31(const int32_t *src, int32_t *dst_l, int32_t *dst_r, int32_t *dst_c,
                       uint32_t block_size)
{
    uint32_t n;
    for (n = 0; n < block_size; n++) {
        const int32_t left = src[2u * n], right = src[2u * n + 1u];
        const int32_t c = (int32_t)shr_floor((int64_t)left + right, 1); /* (L + R) / 2, floor */
        dst_l[n] = sub32_sat(left, c);                                /* L' = L - C */
        dst_r[n] = sub32_sat(right, c);                               /* R' = R - C */
        dst_c[n] = c;
    }
}

/* ======================================================= table cursor */

typedef struct {
    const uint8_t *p;
    uint32_t n;
    uint32_t pos;
    int bad; /* sticky: a read past the end happened */
} rd;

static const uint8_t *rd_take(rd *r, uint32_t nbytes)
{
    const uint8_t *q;
    if (r->bad || nbytes > r->n - r->pos) {
        r->bad = 1;
        return NULL;
    }
    q = r->p + r->pos;
    r->pos += nbytes;
    return q;
}

static uint32_t rd_u32(rd *r)
{
    const uint8_t *q = rd_take(r, 4u);
    return q != NULL ? ss_rd_u32(q) : 0u;
}

static int32_t rd_i32(rd *r) { return ss_u32_to_i32(rd_u32(r)); }

/* A cursor on section `type`; nonzero if the blob has none. */
static int rd_open(rd *r, const ss_blob_view *v, uint16_t type)
{
    r->pos = 0;
    r->bad = 0;
    return ss_blob_find(v, type, &r->p, &r->n) != SS_OK;
}

/* the section is used up exactly (no stray bytes) */
static int rd_done(const rd *r) { return !r->bad && r->pos == r->n; }

static int name_ok(const uint8_t *q)
{
    uint32_t k = 0, j;
    while (k < NAME_FIELD && q[k] != 0u) {
        k++;
    }
    for (j = k; j < NAME_FIELD; j++) {
        if (q[j] != 0u) {
            return 0; /* a NUL inside the name */
        }
    }
    return ss_utf8_valid(q, k);
}

static void copy_words(int32_t *dst, const uint8_t *src, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        dst[i] = ss_u32_to_i32(ss_rd_u32(src + 4u * i));
    }
}

/* ================================================================ load */

typedef struct {
    ss_chain *ctx; /* NULL: validate and size only */
    ss_chain_usage_t use;
    uint32_t n_drivers;
    uint32_t max_taps;
    uint32_t feeds_of[SS_BLOB_MAX_DRIVERS]; /* pass 1 counts, pass 2 reads */
} plan;

static int32_t *take32(plan *pl, uint32_t n)
{
    int32_t *q = pl->ctx != NULL ? pl->ctx->mem32 + pl->use.mem32_words : NULL;
    pl->use.mem32_words += n;
    return q;
}

static int64_t *take64(plan *pl, uint32_t n)
{
    int64_t *q = pl->ctx != NULL ? pl->ctx->mem64 + pl->use.mem64_words : NULL;
    pl->use.mem64_words += n;
    return q;
}

/* A FIR of n taps (tap bytes at `taps`): table and state in mem32. */
static void make_fir(plan *pl, fir_q31_inst *S, const uint8_t *taps, uint32_t n)
{
    int32_t *coef = take32(pl, n);
    int32_t *state = take32(pl, n + SS_MAX_BLOCK - 1u);
    if (n > pl->max_taps) {
        pl->max_taps = n;
    }
    if (pl->ctx != NULL) {
        copy_words(coef, taps, n);
        fir_q31_init(S, (uint16_t)n, coef, state, SS_MAX_BLOCK);
    }
}

static void make_delay(plan *pl, delay_q31_inst *S, uint32_t delay)
{
    int32_t *buf = take32(pl, delay > 0u ? delay : 1u);
    if (pl->ctx != NULL) {
        delay_q31_init(S, delay, buf);
    }
}

/* ========================================================== zero taps */

/*
 * As chain.py _trim: a CMSIS-order (time-reversed) table of n >= 1 taps
 * whose natural-order taps h[0 .. k0-1] are zero runs as delay_q31(k0) and
 * the shorter FIR; natural-order trailing zeros (the table's head) are
 * dropped; an all-zero table keeps one zero tap. Bit-identical to the full
 * table: a zero tap adds nothing to the exact 64-bit sum, and the FIR's
 * history starts at zero as the delay line's does. A one-tap table c runs
 * as its product, fir_q31 of one tap (scale_q31), with no FIR state; the
 * identical trimmed tables of one path run once (the others read its output).
 */
typedef struct {
    const uint8_t *taps; /* the kept taps, CMSIS order */
    uint32_t n;          /* how many (>= 1) */
    uint32_t k0;         /* the leading zeros: a delay */
} trimmed;

static trimmed trim_taps(const uint8_t *q, uint32_t n)
{
    trimmed t;
    uint32_t first = 0, last = n;
    while (first < n && ss_rd_u32(q + 4u * first) == 0u) {
        first++;
    }
    if (first == n) { /* all zero: one zero tap */
        t.taps = q;
        t.n = 1;
        t.k0 = 0;
        return t;
    }
    while (ss_rd_u32(q + 4u * (last - 1u)) == 0u) {
        last--;
    }
    t.taps = q + 4u * first;
    t.n = last - first;
    t.k0 = n - last;
    return t;
}

static int same_taps(const trimmed *a, const trimmed *b)
{
    uint32_t i;
    if (a->n != b->n || a->k0 != b->k0) {
        return 0;
    }
    for (i = 0; i < 4u * a->n; i++) {
        if (a->taps[i] != b->taps[i]) {
            return 0;
        }
    }
    return 1;
}

static int32_t first_tap(const trimmed *t) { return ss_u32_to_i32(ss_rd_u32(t->taps)); }

/* xorshift32 seed of driver d's dither (chain.py dither_seed). */
static uint32_t dither_seed(uint32_t d)
{
    const uint32_t s = SS_XORSHIFT32_DEFAULT_SEED + d * 0x9E3779B9u; /* mod 2^32 */
    return s != 0u ? s : SS_XORSHIFT32_DEFAULT_SEED;
}

/* ns biquad sections from cursor b, as cascades (runs of one kernel and
 * post_shift, as chain.py _sections_to_cascades). share < 0: the cascades
 * get their own coefficient tables; else they use those of the cascades
 * from index `share` on (the same sections read a second time: only the
 * state is new -- the virtualizer's two sides). */
static int load_sections(plan *pl, rd *b, uint32_t ns, int32_t share)
{
    ss_chain *ctx = pl->ctx;
    uint32_t k = 0, run = 0;
    while (k < ns) {
        const uint32_t start = b->pos;
        const uint32_t kern = rd_u32(b), ps = rd_u32(b);
        uint32_t n = 1, j;
        int32_t *own = NULL;       /* this cascade's own table (share < 0) */
        const int32_t *coef = NULL; /* the table it runs with */
        (void)rd_take(b, 6u * 4u);
        if (b->bad) {
            return SS_ERR_TABLE;
        }
        if (kern > SS_KERNEL_32X64 || ps > 30u) {
            return SS_ERR_TABLE;
        }
        while (k + n < ns) { /* how long is this run? */
            const uint32_t kern2 = rd_u32(b), ps2 = rd_u32(b);
            (void)rd_take(b, 6u * 4u);
            if (b->bad || kern2 != kern || ps2 != ps) {
                break;
            }
            n++;
        }
        if (b->bad) {
            return SS_ERR_TABLE;
        }
        b->pos = start;
        if (share < 0) {
            coef = own = take32(pl, 5u * n);
        } else if (ctx != NULL) {
            const ss_cascade *o = &ctx->casc[(uint32_t)share + run];
            coef = o->kind == SS_KERNEL_DF1 ? o->df1.coeffs : o->hp.coeffs;
        }
        if (ctx != NULL) {
            ss_cascade *c = &ctx->casc[pl->use.n_cascades];
            c->kind = (uint8_t)kern;
            if (kern == SS_KERNEL_DF1) {
                biquad_df1_q31_init(&c->df1, n, coef, take32(pl, 4u * n), (int8_t)ps);
            } else {
                biquad_df1_32x64_q31_init(&c->hp, n, coef, take64(pl, 4u * n), (int8_t)ps);
            }
        } else if (kern == SS_KERNEL_DF1) {
            (void)take32(pl, 4u * n);
        } else {
            (void)take64(pl, 4u * n);
        }
        for (j = 0; j < n; j++) {
            const uint8_t *q;
            (void)rd_take(b, 3u * 4u); /* kernel, post_shift, section_shift */
            q = rd_take(b, 5u * 4u);   /* b0 b1 b2 a1 a2 */
            if (q == NULL) {
                return SS_ERR_TABLE;
            }
            if (own != NULL) {
                copy_words(own + 5u * j, q, 5u);
            }
        }
        pl->use.n_cascades++;
        run++;
        k += n;
    }
    return SS_OK;
}

/* The adaptive upmix (meta upmix 1): section SS_SEC_UPMIX (layout:
 * tables.py), its tables copied into mem32, its state in mem32 / mem64. */
static int load_upmix(const ss_blob_view *v, plan *pl)
{
    rd u;
    uint32_t n, ls, hop, pool, nt, n32, n64, i;
    int32_t *t32, *s32;
    uint32_t par[SS_UPMIX_DECISION_WORDS];
    int64_t *s64;
    const uint8_t *wa, *ws, *tc, *tsn;
    if (rd_open(&u, v, SS_SEC_UPMIX)) {
        return SS_ERR_MISSING;
    }
    n = rd_u32(&u);
    ls = rd_u32(&u);
    hop = rd_u32(&u);
    pool = rd_u32(&u);
    for (i = 0; i < SS_UPMIX_DECISION_WORDS; i++) { /* the decision's binary32 constants */
        par[i] = rd_u32(&u);
    }
    if (u.bad || !upmix_q31_decision_ok(par, n) || n < 16u || n > 8192u ||
        (n & (n - 1u)) != 0u || hop == 0u || ls > n ||
        ls % hop != 0u || ls / hop < 2u || pool < 1u || pool > 32u ||
        2u * pool + 1u > n / 2u + 1u) {
        return SS_ERR_TABLE;
    }
    nt = n / 2u + 1u;
    wa = rd_take(&u, 4u * n);
    ws = rd_take(&u, 4u * ls);
    tc = rd_take(&u, 4u * nt);
    tsn = rd_take(&u, 4u * nt);
    if (wa == NULL || ws == NULL || tc == NULL || tsn == NULL || !rd_done(&u)) {
        return SS_ERR_TABLE;
    }
    upmix_q31_mem_words(n, ls, hop, pool, &n32, &n64);
    t32 = take32(pl, n + ls + 2u * nt);
    s32 = take32(pl, n32);
    s64 = take64(pl, n64);
    if (pl->ctx != NULL) {
        copy_words(t32, wa, n);
        copy_words(t32 + n, ws, ls);
        copy_words(t32 + n + ls, tc, nt);
        copy_words(t32 + n + ls + nt, tsn, nt);
        (void)upmix_q31_init(&pl->ctx->upmix, n, ls, hop, pool, par, t32, t32 + n, t32 + n + ls,
                             t32 + n + ls + nt, s32, s64);
    }
    return SS_OK;
}

static int load(const ss_blob_view *v, plan *pl)
{
    ss_chain *ctx = pl->ctx;
    const uint32_t mb = SS_MAX_BLOCK;
    rd m, dl, f, b, g, vr, up, lr;
    uint32_t version, fs, nd, np, word, dither, upmix, i, d, n_sources;
    int has_virt, has_lim;
    uint32_t pdelay[MAX_TABLE_PATHS], ddelay[SS_BLOB_MAX_DRIVERS];
    uint32_t fill_cnt[SS_BLOB_MAX_DRIVERS];
    const uint8_t *q;
    int st;

    /* sections */
    if (rd_open(&m, v, SS_SEC_META) || rd_open(&dl, v, SS_SEC_DELAYS) ||
        rd_open(&f, v, SS_SEC_FIR) || rd_open(&b, v, SS_SEC_BIQUADS) ||
        rd_open(&g, v, SS_SEC_GAINS)) {
        return SS_ERR_MISSING;
    }
    has_virt = !rd_open(&vr, v, SS_SEC_VIRTUALIZER);
    has_lim = !rd_open(&lr, v, SS_SEC_LIMITER);

    /* meta */
    version = rd_u32(&m);
    fs = rd_u32(&m);
    (void)rd_u32(&m); /* block_size: the design's, not the runtime's */
    nd = rd_u32(&m);
    np = rd_u32(&m);
    word = rd_u32(&m);
    dither = rd_u32(&m);
    upmix = rd_u32(&m);
    if (m.bad || (version != SS_CHAIN_TABLES_VERSION && version != SS_CHAIN_TABLES_VERSION_VIRT &&
                  version != SS_CHAIN_TABLES_VERSION_LIMITER) ||
        nd > SS_BLOB_MAX_DRIVERS ||
        np > MAX_TABLE_PATHS || word < 2u || word > 32u || dither > 1u) {
        return SS_ERR_TABLE;
    }
    for (i = 0; i < nd + np; i++) {
        q = rd_take(&m, NAME_FIELD);
        if (q == NULL || !name_ok(q)) {
            return SS_ERR_TABLE;
        }
    }
    if (!rd_done(&m) || nd != v->n_drivers || fs != v->sample_rate) {
        return SS_ERR_TABLE;
    }
    /* version 3 exactly when the limiter section is there; otherwise version 2
     * exactly when the virtualizer section is there */
    if (has_lim != (version == SS_CHAIN_TABLES_VERSION_LIMITER) ||
        (!has_lim && has_virt != (version == SS_CHAIN_TABLES_VERSION_VIRT))) {
        return SS_ERR_TABLE;
    }
    n_sources = has_virt ? 5u : 3u;

    /* delays */
    for (i = 0; i < np; i++) {
        pdelay[i] = rd_u32(&dl);
        if (pdelay[i] > MAX_TABLE_DELAY) {
            return SS_ERR_TABLE;
        }
    }
    for (d = 0; d < nd; d++) {
        ddelay[d] = rd_u32(&dl);
        if (ddelay[d] > MAX_TABLE_DELAY) {
            return SS_ERR_TABLE;
        }
    }
    if (!rd_done(&dl)) {
        return SS_ERR_TABLE;
    }

    /* chain-level facts, and the buffers */
    if (upmix == SS_UPMIX_ADAPTIVE) {
        st = load_upmix(v, pl);
        if (st != SS_OK) {
            return st;
        }
    } else if (upmix != SS_UPMIX_PASSIVE) {
        return SS_ERR_UNSUPPORTED;
    } else if (!rd_open(&up, v, SS_SEC_UPMIX)) {
        return SS_ERR_TABLE; /* the upmix section exactly with upmix 1 */
    }
    if (ctx != NULL) {
        ctx->upmix_kind = (uint8_t)upmix;
    }
    pl->n_drivers = nd;
    pl->use.n_paths = np;
    if (ctx != NULL) {
        ctx->sample_rate = fs;
        ctx->n_drivers = nd;
        ctx->n_paths = np;
        ctx->drv_feed_off[0] = 0;
        for (d = 0; d < nd; d++) {
            ctx->drv_feed_off[d + 1u] = ctx->drv_feed_off[d] + pl->feeds_of[d];
        }
        ctx->has_virt = (uint8_t)has_virt;
        for (i = 0; i < n_sources; i++) {
            ctx->u[i] = take32(pl, mb);
        }
        for (i = 0; i < (has_virt ? 4u : 0u); i++) {
            ctx->vb[i] = take32(pl, mb);
            ctx->vb_in[i] = ctx->vb[i];
        }
        for (d = 0; d < nd; d++) {
            ctx->z[d] = take32(pl, mb);
        }
    } else {
        (void)take32(pl, (n_sources + (has_virt ? 4u : 0u) + nd) * mb);
    }
    for (d = 0; d < nd; d++) {
        fill_cnt[d] = 0;
        if (ctx == NULL) {
            pl->feeds_of[d] = 0;
        }
    }

    /* fir: per path source, common; per driver ratio */
    for (i = 0; i < np; i++) {
        const uint32_t source = rd_u32(&f);
        uint32_t nc, stage, n_seen, seen_k[SS_BLOB_MAX_DRIVERS];
        trimmed tc, seen[SS_BLOB_MAX_DRIVERS]; /* this path's distinct ratio tables */
        int32_t *ybuf;
        (void)rd_i32(&f); /* common_shift (folded into the taps) */
        nc = rd_u32(&f);
        if (f.bad || source >= n_sources || nc > MAX_TABLE_TAPS) {
            return SS_ERR_TABLE;
        }
        q = rd_take(&f, 4u * nc);
        if (q == NULL) {
            return SS_ERR_TABLE;
        }
        if (nc > 0u) {
            tc = trim_taps(q, nc);
            stage = tc.n > 1u ? SS_STAGE_FIR : SS_STAGE_SCALE;
        } else {
            tc.taps = q;
            tc.n = 0;
            tc.k0 = 0;
            stage = SS_STAGE_NONE;
        }
        ybuf = take32(pl, mb);
        make_delay(pl, ctx != NULL ? &ctx->path_delay[i] : NULL, pdelay[i] + tc.k0);
        if (stage == SS_STAGE_FIR) {
            make_fir(pl, ctx != NULL ? &ctx->path_fir[i] : NULL, tc.taps, tc.n);
        }
        if (ctx != NULL) {
            ctx->path_source[i] = (uint8_t)source;
            ctx->path_has_fir[i] = (uint8_t)stage;
            ctx->path_scale[i] = stage == SS_STAGE_SCALE ? first_tap(&tc) : 0;
            ctx->y[i] = ybuf;
        }
        n_seen = 0;
        for (d = 0; d < nd; d++) {
            uint32_t nr, k, j, op;
            trimmed tr;
            int32_t *fbuf;
            (void)rd_i32(&f); /* ratio_shift (folded into the taps) */
            nr = rd_u32(&f);
            if (f.bad || nr > MAX_TABLE_TAPS) {
                return SS_ERR_TABLE;
            }
            q = rd_take(&f, 4u * nr);
            if (q == NULL) {
                return SS_ERR_TABLE;
            }
            if (nr == 0u) {
                continue; /* path i does not feed driver d */
            }
            if (ctx != NULL) {
                k = ctx->drv_feed_off[d] + fill_cnt[d]++;
            } else {
                k = 0;
                pl->feeds_of[d]++;
            }
            pl->use.n_feeds++;
            tr = trim_taps(q, nr);
            for (j = 0; j < n_seen && !same_taps(&seen[j], &tr); j++) {
            }
            if (j < n_seen) { /* an earlier feed of this path has the same table */
                if (ctx != NULL) {
                    const uint32_t o = seen_k[j];
                    ctx->feed_path[k] = (uint8_t)i;
                    ctx->feed_op[k] = SS_FEED_NONE;
                    ctx->feed[k] = NULL;
                    ctx->feed_in[k] = ctx->feed_in[o];
                    ctx->feed_scaled[k] = ctx->feed_scaled[o];
                    ctx->feed_scale[k] = ctx->feed_scale[o];
                }
                continue;
            }
            seen[n_seen] = tr;
            seen_k[n_seen++] = k;
            op = tr.n > 1u ? SS_FEED_FIR : tr.k0 > 0u ? SS_FEED_DELAY : SS_FEED_NONE;
            fbuf = op != SS_FEED_NONE ? take32(pl, mb) : NULL;
            if (op == SS_FEED_FIR) {
                make_fir(pl, ctx != NULL ? &ctx->feed_fir[k] : NULL, tr.taps, tr.n);
            }
            if (tr.k0 > 0u) {
                make_delay(pl, ctx != NULL ? &ctx->feed_delay[k] : NULL, tr.k0);
            } else if (ctx != NULL) {
                ctx->feed_delay[k].delay = 0; /* none */
            }
            if (ctx != NULL) {
                ctx->feed_path[k] = (uint8_t)i;
                ctx->feed_op[k] = (uint8_t)op;
                ctx->feed[k] = fbuf;
                ctx->feed_in[k] = op != SS_FEED_NONE ? fbuf : ctx->y[i];
                ctx->feed_scaled[k] = tr.n == 1u;
                ctx->feed_scale[k] = tr.n == 1u ? first_tap(&tr) : 0;
            }
        }
    }
    if (!rd_done(&f)) {
        return SS_ERR_TABLE;
    }

    /* biquads and gains, per driver; then the driver's delay and DAC */
    for (d = 0; d < nd; d++) {
        const uint32_t ns = rd_u32(&b);
        int32_t gf, gs;
        (void)rd_i32(&b); /* sum_shift (folded into the coefficients) */
        if (b.bad || ns > MAX_TABLE_SECTIONS) {
            return SS_ERR_TABLE;
        }
        if (ctx != NULL) {
            ctx->drv_casc_off[d] = pl->use.n_cascades;
        }
        st = load_sections(pl, &b, ns, -1);
        if (st != SS_OK) {
            return st;
        }
        gf = rd_i32(&g);
        gs = rd_i32(&g);
        if (g.bad || gs < -31 || gs > 30) { /* gain_q31_init: shift -31..30 */
            return SS_ERR_TABLE;
        }
        if (ctx != NULL) {
            gain_q31_init(&ctx->gain[d], gf, (int8_t)gs);
            make_delay(pl, &ctx->drv_delay[d], ddelay[d]);
            dac_quant_q31_init(&ctx->dac[d], (uint8_t)word, (uint8_t)dither, dither_seed(d));
        } else {
            make_delay(pl, NULL, ddelay[d]);
        }
    }
    if (!rd_done(&b) || !rd_done(&g)) {
        return SS_ERR_TABLE;
    }
    if (ctx != NULL) {
        ctx->drv_casc_off[nd] = pl->use.n_cascades; /* the drivers' cascades end here */
    }

    /* virtualizer: contra_delay, exponent, ipsi cascade, contra cascade; read
     * once per side (the second time sharing the first side's tables) */
    if (has_virt) {
        const uint32_t cd = rd_u32(&vr);
        uint32_t vc[5], start, side;
        (void)rd_i32(&vr); /* exponent (folded into the coefficients) */
        if (vr.bad || cd > MAX_TABLE_DELAY) {
            return SS_ERR_TABLE;
        }
        start = vr.pos;
        for (side = 0; side < 2u; side++) {
            uint32_t ns;
            vr.pos = start;
            vc[2u * side] = pl->use.n_cascades;
            ns = rd_u32(&vr);
            if (vr.bad || ns > MAX_TABLE_SECTIONS) {
                return SS_ERR_TABLE;
            }
            st = load_sections(pl, &vr, ns, side == 0u ? -1 : (int32_t)vc[0]);
            if (st != SS_OK) {
                return st;
            }
            vc[2u * side + 1u] = pl->use.n_cascades;
            make_delay(pl, ctx != NULL ? &ctx->v_delay[side] : NULL, cd);
            ns = rd_u32(&vr);
            if (vr.bad || ns > MAX_TABLE_SECTIONS) {
                return SS_ERR_TABLE;
            }
            st = load_sections(pl, &vr, ns, side == 0u ? -1 : (int32_t)vc[1]);
            if (st != SS_OK) {
                return st;
            }
            vc[2u * side + 2u] = pl->use.n_cascades;
            if (!rd_done(&vr)) {
                return SS_ERR_TABLE;
            }
        }
        if (ctx != NULL) {
            for (i = 0; i < 5u; i++) {
                ctx->v_casc[i] = vc[i];
            }
        }
    }
    /* limiter: lookahead, attack_log2, threshold, release, out_shift */
    if (ctx != NULL) {
        ctx->has_lim = (uint8_t)has_lim;
    }
    if (has_lim) {
        const uint32_t la = rd_u32(&lr), al = rd_u32(&lr);
        const int32_t thr = rd_i32(&lr), rel = rd_i32(&lr);
        const uint32_t sh = rd_u32(&lr);
        int32_t *dlb, *box, *dqv, *dqs, *work;
        if (!rd_done(&lr) || la > 4096u || al > 12u || (1u << al) > la + 1u || sh > 29u ||
            thr < 1 || thr > (int32_t)(0x7FFFFFFFu >> sh) || rel < 0) {
            return SS_ERR_TABLE;
        }
        dlb = take32(pl, nd * (la > 0u ? la : 1u));
        box = take32(pl, 1u << al);
        dqv = take32(pl, la + 1u);
        dqs = take32(pl, la + 1u);
        work = take32(pl, SS_MAX_BLOCK);
        if (ctx != NULL) {
            limiter_q31_init(&ctx->lim, nd, la, al, thr, rel, sh, SS_MAX_BLOCK, dlb, box, dqv,
                             (uint32_t *)dqs, (uint32_t *)work);
        }
    }
    if (ctx != NULL) {
        ctx->n_feeds = pl->use.n_feeds;
        ctx->n_cascades = pl->use.n_cascades;
    }
    return SS_OK;
}

static int fits(const plan *pl)
{
    return pl->n_drivers <= SS_MAX_DRIVERS && pl->use.n_paths <= SS_MAX_PATHS &&
           pl->use.n_feeds <= SS_MAX_FEEDS && pl->use.n_cascades <= SS_MAX_CASCADES &&
           pl->use.mem32_words <= SS_MEM32_WORDS && pl->use.mem64_words <= SS_MEM64_WORDS &&
           pl->max_taps <= SS_MAX_TAPS;
}

static void plan_reset(plan *pl, ss_chain *ctx)
{
    uint32_t d;
    pl->ctx = ctx;
    pl->use.mem32_words = 0;
    pl->use.mem64_words = 0;
    pl->use.n_paths = 0;
    pl->use.n_feeds = 0;
    pl->use.n_cascades = 0;
    pl->n_drivers = 0;
    pl->max_taps = 0;
    if (ctx == NULL) {
        for (d = 0; d < SS_BLOB_MAX_DRIVERS; d++) {
            pl->feeds_of[d] = 0;
        }
    }
}

int ss_chain_requirements(const uint8_t *blob, uint32_t len, ss_chain_usage_t *need)
{
    ss_blob_view v;
    plan pl;
    int st;
    if (need == NULL) {
        return SS_ERR_ARG;
    }
    st = ss_blob_parse(blob, len, SS_TARGET_CMSIS_Q31, &v);
    if (st != SS_OK) {
        return st;
    }
    plan_reset(&pl, NULL);
    st = load(&v, &pl);
    if (st == SS_OK) {
        *need = pl.use;
    }
    return st;
}

int ss_chain_init_from_blob(ss_chain *ctx, const uint8_t *blob, uint32_t len)
{
    ss_blob_view v;
    plan pl;
    uint32_t i;
    int st;
    if (ctx == NULL) {
        return SS_ERR_ARG;
    }
    ctx->ready = 0;
    st = ss_blob_parse(blob, len, SS_TARGET_CMSIS_Q31, &v);
    if (st != SS_OK) {
        return st;
    }
    plan_reset(&pl, NULL); /* pass 1: validate and size, touch nothing */
    st = load(&v, &pl);
    if (st != SS_OK) {
        return st;
    }
    if (!fits(&pl)) {
        return SS_ERR_CAPACITY;
    }
    plan_reset(&pl, ctx); /* pass 2: build (cannot fail: pass 1 checked it all) */
    st = load(&v, &pl);
    if (st != SS_OK) {
        return st;
    }
    ctx->mem32_used = pl.use.mem32_words;
    ctx->mem64_used = pl.use.mem64_words;
    for (i = 0; i < SS_BLOB_NAME_BYTES + 1u; i++) {
        ctx->profile_name[i] = v.profile_name[i];
    }
    ctx->ready = SS_CHAIN_READY;
    return SS_OK;
}

/* =============================================================== process */

/* Cascade instances c0 .. c1-1 in order, in place on z (chain.py _cascades). */
static void run_cascades(const ss_chain *ctx, uint32_t c0, uint32_t c1, int32_t *z, uint32_t m)
{
    uint32_t c;
    for (c = c0; c < c1; c++) {
        if (ctx->casc[c].kind == SS_KERNEL_DF1) {
            biquad_df1_q31(&ctx->casc[c].df1, z, z, m);
        } else {
            biquad_df1_32x64_q31(&ctx->casc[c].hp, z, z, m);
        }
    }
}

/* The same on a copy of src in z: the first cascade reads src (no copy). */
static void run_cascades_from(const ss_chain *ctx, uint32_t c0, uint32_t c1, const int32_t *src,
                              int32_t *z, uint32_t m)
{
    uint32_t n;
    if (c0 == c1) {
        for (n = 0; n < m; n++) {
            z[n] = src[n];
        }
        return;
    }
    if (ctx->casc[c0].kind == SS_KERNEL_DF1) {
        biquad_df1_q31(&ctx->casc[c0].df1, src, z, m);
    } else {
        biquad_df1_32x64_q31(&ctx->casc[c0].hp, src, z, m);
    }
    run_cascades(ctx, c0 + 1u, c1, z, m);
}

/* fir_q31 of the one tap c (x c, Q62, floor to Q31, low 32 bits: only
 * INT32_MIN x INT32_MIN wraps), as its one-line form. The product is
 * mult_q31x31_q62's portable form: in C, GCC keeps the two halves of the
 * SMULL in registers (the asm form goes through the stack here). */
static inline int32_t one_tap(int32_t x, int32_t c)
{
    return shr_floor_wrap32((int64_t)x * c, 31);
}

static void scale_q31(int32_t c, int32_t *z, uint32_t m)
{
    uint32_t n;
    for (n = 0; n < m; n++) {
        z[n] = one_tap(z[n], c);
    }
}

/* term n of feed k as the driver's sum reads it: the FIR (or delay) output,
 * or the one tap applied to it. `scaled` is a constant where inlined. */
static inline int32_t term(const int32_t *x, int32_t c, int scaled, uint32_t n)
{
    return scaled ? one_tap(x[n], c) : x[n];
}

/* z (= the first term) += term, saturating: add32_sat, i.e. mix_sat_q31 of 2 */
static inline void sum2_sat(int32_t *z, const int32_t *x, int32_t c, int scaled, uint32_t m)
{
    uint32_t n;
    for (n = 0; n < m; n++) {
        z[n] = add32_sat(z[n], term(x, c, scaled, n));
    }
}

/* z = sat32(x0-term + x1-term + x2-term), one pass */
static inline void sum3_sat(int32_t *z, const int32_t *x0, int32_t c0, int s0, const int32_t *x1,
                            int32_t c1, int s1, const int32_t *x2, int32_t c2, int s2, uint32_t m)
{
    uint32_t n;
    for (n = 0; n < m; n++) {
        z[n] = sat32((int64_t)term(x0, c0, s0, n) + term(x1, c1, s1, n) + term(x2, c2, s2, n));
    }
}

/* acc = x0-term + x1-term, exact */
static inline void sum_first(int64_t *acc, const int32_t *x0, int32_t c0, int s0,
                             const int32_t *x1, int32_t c1, int s1, uint32_t m)
{
    uint32_t n;
    for (n = 0; n < m; n++) {
        acc[n] = (int64_t)term(x0, c0, s0, n) + term(x1, c1, s1, n);
    }
}

static inline void sum_more(int64_t *acc, const int32_t *x, int32_t c, int scaled, uint32_t m)
{
    uint32_t n;
    for (n = 0; n < m; n++) {
        acc[n] += term(x, c, scaled, n);
    }
}

static inline void sum_last(const int64_t *acc, const int32_t *x, int32_t c, int scaled,
                            int32_t *z, uint32_t m)
{
    uint32_t n;
    for (n = 0; n < m; n++) {
        z[n] = sat32(acc[n] + term(x, c, scaled, n));
    }
}

/* Driver sum: sat32 of the exact sum of feeds a .. b-1 (b > a), each a FIR
 * output or one tap applied to a path output -- mix_sat_q31 over the full
 * tables' fir_q31 outputs (chain.py), without the one-tap FIRs and with
 * the `scaled` test outside the loops. One feed: its term (an int32,
 * nothing to saturate); two: add32_sat; three: in one pass; more: in
 * int64 (acc), saturated once. */
static void sum_feeds(ss_chain *ctx, uint32_t a, uint32_t b, int32_t *z, uint32_t m)
{
    const int32_t *const *x = ctx->feed_in;
    const int32_t *c = ctx->feed_scale;
    const uint8_t *sc = ctx->feed_scaled;
    uint32_t k, n;
    if (b - a <= 2u) {
        if (sc[a]) {
            for (n = 0; n < m; n++) {
                z[n] = one_tap(x[a][n], c[a]);
            }
        } else {
            for (n = 0; n < m; n++) {
                z[n] = x[a][n];
            }
        }
        if (b - a == 2u) {
            if (sc[a + 1u]) {
                sum2_sat(z, x[a + 1u], c[a + 1u], 1, m);
            } else {
                sum2_sat(z, x[a + 1u], c[a + 1u], 0, m);
            }
        }
        return;
    }
    if (b - a == 3u) { /* the `scaled` flags as constants: 8 loops */
#define SS_SUM3(s0, s1, s2) \
    sum3_sat(z, x[a], c[a], s0, x[a + 1u], c[a + 1u], s1, x[a + 2u], c[a + 2u], s2, m)
        switch ((sc[a] ? 4u : 0u) | (sc[a + 1u] ? 2u : 0u) | (sc[a + 2u] ? 1u : 0u)) {
        case 0u: SS_SUM3(0, 0, 0); break;
        case 1u: SS_SUM3(0, 0, 1); break;
        case 2u: SS_SUM3(0, 1, 0); break;
        case 3u: SS_SUM3(0, 1, 1); break;
        case 4u: SS_SUM3(1, 0, 0); break;
        case 5u: SS_SUM3(1, 0, 1); break;
        case 6u: SS_SUM3(1, 1, 0); break;
        default: SS_SUM3(1, 1, 1); break;
        }
#undef SS_SUM3
        return;
    }
    if (sc[a] && sc[a + 1u]) {
        sum_first(ctx->acc, x[a], c[a], 1, x[a + 1u], c[a + 1u], 1, m);
    } else if (sc[a]) {
        sum_first(ctx->acc, x[a], c[a], 1, x[a + 1u], c[a + 1u], 0, m);
    } else if (sc[a + 1u]) {
        sum_first(ctx->acc, x[a], c[a], 0, x[a + 1u], c[a + 1u], 1, m);
    } else {
        sum_first(ctx->acc, x[a], c[a], 0, x[a + 1u], c[a + 1u], 0, m);
    }
    for (k = a + 2u; k + 1u < b; k++) {
        if (sc[k]) {
            sum_more(ctx->acc, x[k], c[k], 1, m);
        } else {
            sum_more(ctx->acc, x[k], c[k], 0, m);
        }
    }
    if (sc[b - 1u]) {
        sum_last(ctx->acc, x[b - 1u], c[b - 1u], 1, z, m);
    } else {
        sum_last(ctx->acc, x[b - 1u], c[b - 1u], 0, z, m);
    }
}

/* One chunk (m <= SS_MAX_BLOCK): the kernel calls of chain.py _run_chunk,
 * in the same order. */
static void process_chunk(ss_chain *ctx, const int32_t *in, int32_t *out, uint32_t m)
{
    const uint32_t nd = ctx->n_drivers;
    uint32_t p, i, d, s, n;

    if (ctx->upmix_kind == SS_UPMIX_ADAPTIVE) {
        upmix_q31(&ctx->upmix, in, ctx->u[0], ctx->u[1], ctx->u[2], m);
    } else {
        upmix_passive_q31(in, ctx->u[0], ctx->u[1], ctx->u[2], m);
    }
    if (ctx->has_virt) {
        /* rows: ipsi(L'), contra(R'), contra(L'), ipsi(R'); e_L = 0 + 1, e_R = 2 + 3 */
        for (s = 0; s < 2u; s++) {
            int32_t *vi = ctx->vb[s == 0u ? 0u : 3u], *vc = ctx->vb[s == 0u ? 2u : 1u];
            run_cascades_from(ctx, ctx->v_casc[2u * s], ctx->v_casc[2u * s + 1u], ctx->u[s], vi, m);
            delay_q31(&ctx->v_delay[s], ctx->u[s], vc, m);
            run_cascades(ctx, ctx->v_casc[2u * s + 1u], ctx->v_casc[2u * s + 2u], vc, m);
        }
        /* mix_sat_q31 of two inputs is add32_sat */
        add_q31(ctx->vb[0], ctx->vb[1], ctx->u[3], m); /* e_L = ipsi(L') + contra(R') */
        add_q31(ctx->vb[2], ctx->vb[3], ctx->u[4], m); /* e_R = contra(L') + ipsi(R') */
    }
    for (p = 0; p < ctx->n_paths; p++) {
        int32_t *y = ctx->y[p];
        delay_q31(&ctx->path_delay[p], ctx->u[ctx->path_source[p]], y, m);
        if (ctx->path_has_fir[p] == SS_STAGE_FIR) {
            fir_q31(&ctx->path_fir[p], y, y, m);
        } else if (ctx->path_has_fir[p] == SS_STAGE_SCALE) {
            scale_q31(ctx->path_scale[p], y, m);
        }
    }
    for (i = 0; i < ctx->n_feeds; i++) { /* trimmed: delay(k0) . fir == fir . delay(k0) */
        if (ctx->feed_op[i] == SS_FEED_FIR) {
            fir_q31(&ctx->feed_fir[i], ctx->y[ctx->feed_path[i]], ctx->feed[i], m);
            if (ctx->feed_delay[i].delay > 0u) {
                delay_q31(&ctx->feed_delay[i], ctx->feed[i], ctx->feed[i], m);
            }
        } else if (ctx->feed_op[i] == SS_FEED_DELAY) {
            delay_q31(&ctx->feed_delay[i], ctx->y[ctx->feed_path[i]], ctx->feed[i], m);
        }
    }
    for (d = 0; d < nd; d++) {
        int32_t *z = ctx->z[d];
        const uint32_t a = ctx->drv_feed_off[d], b = ctx->drv_feed_off[d + 1u];
        if (b > a) {
            sum_feeds(ctx, a, b, z, m);
        } else {
            for (n = 0; n < m; n++) {
                z[n] = 0;
            }
        }
        run_cascades(ctx, ctx->drv_casc_off[d], ctx->drv_casc_off[d + 1u], z, m);
        gain_q31(&ctx->gain[d], z, z, m);
        delay_q31(&ctx->drv_delay[d], z, z, m);
    }
    if (ctx->has_lim) {
        limiter_q31(&ctx->lim, (const int32_t *const *)ctx->z, ctx->z, m);
    }
    for (d = 0; d < nd; d++) {
        int32_t *z = ctx->z[d];
        dac_quant_q31(&ctx->dac[d], z, z, m);
        for (n = 0; n < m; n++) {
            out[n * nd + d] = z[n];
        }
    }
}

int ss_chain_process(ss_chain *ctx, const int32_t *in_stereo, int32_t *out, uint32_t n)
{
    if (ctx == NULL || ctx->ready != SS_CHAIN_READY) {
        return SS_ERR_ARG;
    }
    if (n == 0u) {
        return SS_OK;
    }
    if (in_stereo == NULL || out == NULL) {
        return SS_ERR_ARG;
    }
    while (n > 0u) {
        const uint32_t m = n < SS_MAX_BLOCK ? n : SS_MAX_BLOCK;
        process_chunk(ctx, in_stereo, out, m);
        in_stereo += 2u * m;
        out += ctx->n_drivers * m;
        n -= m;
    }
    return SS_OK;
}

uint32_t ss_chain_num_drivers(const ss_chain *ctx)
{
    return ctx != NULL && ctx->ready == SS_CHAIN_READY ? ctx->n_drivers : 0u;
}

void ss_chain_usage(const ss_chain *ctx, ss_chain_usage_t *use)
{
    if (ctx == NULL || use == NULL) {
        return;
    }
    use->mem32_words = ctx->mem32_used;
    use->mem64_words = ctx->mem64_used;
    use->n_paths = ctx->n_paths;
    use->n_feeds = ctx->n_feeds;
    use->n_cascades = ctx->n_cascades;
}

uint32_t ss_chain_sizeof(void) { return (uint32_t)sizeof(ss_chain); }

uint32_t ss_chain_max_block(void) { return SS_MAX_BLOCK; }
