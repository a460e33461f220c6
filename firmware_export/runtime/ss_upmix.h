/*
 * ss_upmix.h -- adaptive upmix L, R -> L', R', C, fixed point (upmix mode 1).
 *
 * The C twin of dsp_model/fixed/upmix.py (`upmix_q31`): the same steps in
 * the same ss_ops.h primitives, bit-exact (tests/test_fixed_upmix.py). The
 * algorithm, every format, shift and rounding is documented there (module
 * docstring "Scaling and overflow, per step"); the tables come from
 * firmware_export/quantize_upmix.py. C99, no malloc. The signal path is
 * Q31; the per-bin decision (a gain per bin) is IEEE binary32, which both
 * parts the profiles stand for have in hardware (FPv4-SP / FPv5): build
 * this file with -ffp-contract=off and without -ffast-math (it checks).
 *
 * The caller owns the instance and two pools (sizes from
 * upmix_q31_mem_words); tables are only read. Outputs are delayed by
 * synthesis_size - 1 samples; any block split gives the same output.
 */
#ifndef SS_UPMIX_H
#define SS_UPMIX_H

#include <stdint.h>

#define SS_UPMIX_DECISION_WORDS 23u /* the decision's binary32 constants */
#define SS_UPMIX_MAG_WORD 8u          /* of them, mag: 0.0 or 1.0 (0x3F800000) */
#define SS_UPMIX_BANDS 4u             /* bands of x0: kx (word 4) from bin 0, then */
#define SS_UPMIX_BAND_WORD 9u         /* (first bin, kx) of bands 1..3 from word 9 */
#define SS_UPMIX_HOLD_WORD 15u        /* the precedence hold: kh, hk, ho, hr, ah */
#define SS_UPMIX_HOLD_DIV 8u          /* its bins: at most fft_size / 8 */
#define SS_UPMIX_SIDE_WORD 20u        /* the side attack b */
#define SS_UPMIX_STEER_WORD 21u       /* the steering of the bins that hold: ka, kd */

typedef struct {
    /* tables */
    uint32_t fft_size, synthesis_size, hop, pool;
    float a_short, a_onset, onset, a_long, mu, lo2, inv, mag; /* the decision's constants */
    float kx[SS_UPMIX_BANDS];     /* 1 / x0^2 of each band of bins */
    uint32_t end[SS_UPMIX_BANDS]; /* each band's end bin (exclusive; the last: N/2 + 1) */
    uint32_t kh;                  /* the precedence hold: bins 0 .. kh - 1 hold */
    float hk, ho, hr, ah;         /* its ramp K, K x onset, K / release, drift coefficient */
    float sa;                     /* the side attack b: t = max(t, b x the frame's ratio) */
    float ka, kd;                 /* the steering: K's rise a frame, its fall factor */
    const int32_t *wa;     /* fft_size, Q31 analysis window */
    const int32_t *ws;     /* synthesis_size, Q31 synthesis window tail */
    const int32_t *tw_cos; /* fft_size/2 + 1, Q31 cos(2 pi k / fft_size) (k <= N/4 read) */
    const int32_t *tw_sin; /* fft_size/2 + 1, Q31 sin(2 pi k / fft_size) (k <= N/4 read) */
    uint32_t blk;          /* gcd(fft_size, hop): the block of the ring maxima */
    int lg;                /* log2(fft_size / 2) */
    /* state */
    uint32_t dl_pos, hist_pos, phase;
    int32_t *dl[2];   /* L, R delay rings, max(synthesis_size - 1, 1) each */
    int32_t *hist[2]; /* M, S rings, fft_size each */
    uint32_t *hmax;   /* fft_size / blk: max |M|, |S| of ring positions [i blk, (i + 1) blk) */
    int32_t *ola;     /* synthesis_size, Q30 */
    int32_t *ready;   /* hop */
    /* float state in the int32 pool (the words of binary32 values) */
    int32_t *pw[2];   /* Pm, Ps, nb = fft_size/2 + 1 each */
    int32_t *z[3];    /* Re, Im E z^2, E|z|^2, nb each */
    int32_t *hold[4]; /* the held t, |M|^2's peak, the hold's strength, the steering K,
                       * fft_size / 8 each */
    /* work */
    int32_t *fr[2];   /* 2 fft_size (M + i S, then M, C bins), fft_size + 2 (S bins, then the
                       * merged spectrum and the inverse's output) */
    int32_t *wdir;    /* nb, float */
    int32_t *q[2];    /* nb + 2 pool each, float: |E z^2|, E|z|^2 (then running sums) */
    uint32_t nseg;
} upmix_q31_inst;

/* int32 and int64 words the pools must hold for these sizes (no int64 words
 * now; the pool stays in the interface). */
void upmix_q31_mem_words(uint32_t fft_size, uint32_t synthesis_size, uint32_t hop, uint32_t pool,
                         uint32_t *mem32_words, uint32_t *mem64_words);

/* Fill S (tables by pointer, state zeroed in the pools). Returns 0, or -1 if
 * the sizes are unusable (fft_size and fft_size/2 not both arm_cfft_q31 lengths, 256 .. 4096:
 * fft_size 512 .. 4096, synthesis_size
 * > fft_size or not a multiple >= 2 of hop, pool < 1, > 32 or wider than the
 * spectrum, or upmix_q31_decision_ok refuses the decision). decision: the
 * binary32 bit patterns of a_short, a_onset, onset, a_long, kx, mu, lo2, inv, mag,
 * k1, kx1, k2, kx2, k3, kx3, kh, hk, ho, hr, ah, sa, ka, kd (quantize_upmix.py), as
 * the blob carries them. */
int upmix_q31_init(upmix_q31_inst *S, uint32_t fft_size, uint32_t synthesis_size, uint32_t hop,
                   uint32_t pool, const uint32_t decision[SS_UPMIX_DECISION_WORDS], const int32_t *wa, const int32_t *ws,
                   const int32_t *tw_cos, const int32_t *tw_sin, int32_t *mem32, int64_t *mem64);

/* 1 if the decision's words are usable at fft_size: each a finite binary32 >= 0,
 * mag 0.0 or 1.0, the bands' first bins k1 <= k2 <= k3 <= fft_size/2 + 1
 * integers, the hold's bins kh <= fft_size / 8 an integer, the steering's ka, kd
 * <= 1; else 0. */
int upmix_q31_decision_ok(const uint32_t decision[SS_UPMIX_DECISION_WORDS], uint32_t fft_size);

/* src: block_size (L, R) pairs interleaved, Q31; dst_l/r/c: L', R', C. */
void upmix_q31(upmix_q31_inst *S, const int32_t *src, int32_t *dst_l, int32_t *dst_r,
               int32_t *dst_c, uint32_t block_size);

/* The instance's size, for callers that allocate it as bytes (ctypes). */
uint32_t upmix_q31_sizeof(void);

#endif /* SS_UPMIX_H */
