"""Processing budget: instructions per stereo frame -> MIPS on the target.

`chain_cost` counts what the C chain (firmware_export/runtime/ss_chain.c,
`process_chunk`) runs per sample, in its order, at costs measured on a
Cortex-M4 (qemu mps2-an386, GCC 12 -O2, block 64, exact instruction counts;
../shared/DESIGN.md). The kernels, from benchmarks/bench_target.py
(2026-12-06), as a fixed part per call plus a part per tap or section (the
fit over its 16..256 taps and 1..8 sections is exact to 0.1):

    fir_q31                  25.5 per call + 1.6875 per tap
    biquad_df1_q31           15.78 per section (+0.5 per call, left out)
    biquad_df1_32x64_q31     43.96 per section (+0.4 per call, left out)

The chain's own per-sample work, from benchmarks/bench_target_chain_glue.py
(2026-12-06: synthetic chains through ss_chain_process, each row what one
element adds): a driver (gain_q31, the DAC's pass at a 32-bit word, the
output interleave, its first feed) 20.2; a path (its delay line, a copy at
delay 0) 4.6, +2.5 with a delay; each further feed into a driver's sum 6.8
(5.7..7.8 over its one-tap and FIR rows) and, past three feeds, 8.5 once
(the int64 accumulator's extra passes); a one-tap feed's product inside the
sum 3.6; a path's one-tap common filter 7.1; a feed's own delay line 7.4, a
delay line in place 8.8; the virtualizer's two contra delay lines and two
sums e_L, e_R 27.8 (its sections counted apart); a DAC word under 32 bits
11.2, with dither 69.5; the passive upmix 14.1 (the standalone adaptive
upmix, as `upmix_instructions` counts it, less what it adds to the chain in
the passive one's place) and the chunk's own overhead 2.0 (the rest of the
base chain). The plain chains of studio5 and compact2 (no limiter, 32- and
24-bit dithered words) come out within 0.3 % of the target; the full
designs within 3 % of bench_target.py's noise, nearly all of it the
limiter's worst-case division below (tests/test_target_budget.py holds the
estimate to 10 %).

The 32x64 kernel is the quantizer's choice, from each section's predicted
DF1 truncation noise, which grows as its poles near the unit circle; the
budget, ahead of quantization, counts a section wide when its pole radius
is at least 0.97 (in the bundled profiles every section at 0.983..0.997
goes wide and every one at 0.946 or less stays DF1).

The look-ahead limiter (`limiter_q31`, measured the same way inside the
whole chain, benchmarks/bench_target_limiter.py, 2026-12-06): 72 per frame
plus 22.4 per driver while idle, and one `div_q30_floor` (two 32-bit UDIVs
and their corrections, about 55) for every frame whose peak is over the
threshold -- counted here as the worst case, every frame (a full-scale
square drives it to 71-91 %).

The adaptive upmix (`upmix_instructions`) from its stages measured the same
way (benchmarks/bench_target_upmix.py on its seed-16 noise, ss_upmix.c):
CMSIS's `arm_cfft_q31` of N points (forward) and of N/2 points (the
inverse; the table below, the inverse within 0.01 % of the forward at 1024
and 2048) per frame, or for N/2 not a power of 4 twice N/4 points after
the split step (104 per pair k, k + N/4: exponent scan, sums, rotation);
per bin the inphase decision in binary32 with the split into the M and S
spectra and the onset coefficient in its pass 1, a loop per band of x0
and per weight, with the side attack's two products and its max (209.5,
compact2's; 8.2 more with D's votes weighted by |z|, studio5's: a square root,
a reciprocal and the registers they take) and the inverse's merge with its max scan
(37.0); per bin that holds (`[upmix.hold]`, bins below max_hz) the precedence
hold's state and its three ramps, and the steering's peak, its cap and its
division (79.4: compact2 at 52 and at 64 bins, 1,392.7 and 1,394.6); per
input sample of the frame the inverse's normalising shift (3.8, the unsplit
inverse only) and the analysis window (12.0); per hop
sample the block-maximum scan (17.2, from studio5's and compact2's analysis
stage: 113.3 and 65.3 per output sample); per synthesis sample the window
and overlap-add (19.1); per output sample the loop (27.7); and the 2.1 %
the stages leave unaccounted (calls, loop overhead). Within 1 % of the
measured whole at studio5's and compact2's settings (2,876.6 / 2,876.4 and
1,392.8 / 1,392.7; tests/test_target_upmix.py holds it to 10 %).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

# the kernels and the chain's own work per sample (see the docstring)
FIR_Q31_PER_CALL = 25.5
FIR_Q31_PER_TAP = 1.6875
DF1_Q31_PER_SECTION = 15.78
DF1_32X64_PER_SECTION = 43.96
WIDE_POLE_RADIUS = 0.97  # sections counted on the 32x64 kernel from here on
CHUNK_OVERHEAD = 2.0
PASSIVE_UPMIX = 14.1
DRIVER_PER_SAMPLE = 20.2  # gain, 32-bit DAC pass, output interleave, the first feed
PATH_PER_SAMPLE = 4.6  # its delay line at delay 0: a copy into the path buffer
PATH_DELAY_EXTRA = 2.5  # the same line with a delay
SUM_PER_FEED = 6.8  # each feed after a driver sum's first
SUM_INT64_EXTRA = 8.5  # past three feeds the sum runs through an int64 accumulator
SCALED_TERM = 3.6  # a one-tap feed: its product inside the sum
SCALE_PER_SAMPLE = 7.1  # a path's one-tap common filter (scale_q31)
DELAY_PER_SAMPLE = 7.4  # a feed's delay line into its own buffer
DELAY_IN_PLACE = 8.8  # a delay line in place (after a FIR feed, a driver's delay)
VIRTUALIZER_GLUE = 27.8  # two contra delay lines and the sums e_L, e_R
DAC_WORD = 11.2  # a DAC word under 32 bits (dac_quant_q31)
DAC_DITHER = 69.5  # the same with TPDF dither, in place of DAC_WORD
# the adaptive upmix's measured stages (see the docstring)
UPMIX_CFFT_Q31 = {256: 21223, 512: 55239, 1024: 105184, 2048: 261544, 4096: 501920}
UPMIX_PER_BIN = 209.5 + 37.0  # the binary32 decision (the split of Z in it), inverse merge
UPMIX_MAGNITUDE_VOTES = 8.2  # per bin: D's votes weighted by |z| ([upmix] directivity_weight)
UPMIX_HOLD_PER_BIN = 79.4  # per bin that holds: the precedence hold and its steering
UPMIX_PER_ANALYSIS_SAMPLE = 12.0  # the window
UPMIX_INVERSE_SHIFT = 3.8  # per input sample of the frame: the inverse's normalising shift
UPMIX_SPLIT_PER_PAIR = 104.0  # the split inverse's radix-2 step with its exponent scan
UPMIX_PER_SYNTHESIS_SAMPLE = 19.1
UPMIX_PER_OUTPUT_SAMPLE = 27.7 + 17.2  # the loop (runs that wrap no ring), the block-maximum scan
UPMIX_OVERHEAD = 1.021
LIMITER_PER_FRAME = 72.0  # the gain recursion (deque, release, attack) and the pass overhead
LIMITER_PER_DRIVER = 22.4  # peak, delay line, gain
LIMITER_DIVISION = 55.0  # div_q30_floor on a frame over the threshold


@dataclass(frozen=True)
class Cost:
    fir_taps: int  # taps the FIRs run (each trimmed of its zero ends)
    biquad_sections: int
    wide_sections: int  # sections that need the 32x64 kernel
    feeds: int  # path->driver feeds summed into driver buses
    gains: int  # the drivers' gains and the one-tap products
    delays: int  # delay lines that run with a delay
    upmix_instructions: float  # per stereo sample, the adaptive upmix's (0: passive)
    instructions_per_frame: float
    mips: float
    budget_mips: float
    limiter: float = 0.0  # its instructions per frame (worst case), included above
    firs: int = 0  # FIR calls

    @property
    def fits(self) -> bool:
        return self.mips <= self.budget_mips

    def as_dict(self) -> dict:
        d = asdict(self)
        d["fits"] = self.fits
        return d


def effective_taps(taps) -> int:
    """Taps between the first and last non-zero one: leading zeros run as a delay
    line and trailing zeros are dropped (the fixed-point chain does both)."""
    nz = [i for i, t in enumerate(taps) if t != 0]
    return nz[-1] - nz[0] + 1 if nz else 0


def upmix_instructions(fft_size: int, hop: int, synthesis_size: int,
                       magnitude_votes: bool = False, hold_bins: int = 0) -> float:
    """Instructions per stereo sample of the adaptive upmix (ss_upmix.c) on the
    Cortex-M4, from its measured stages (the module docstring)."""
    n, nb = int(fft_size), int(fft_size) // 2 + 1
    if (n // 2) & 0x55555555:  # the inverse: CMSIS's radix 4 of N/2 points after a shift
        inverse = UPMIX_CFFT_Q31[n // 2] + UPMIX_INVERSE_SHIFT * n
    else:  # the split step, then two inverses of N/4 points
        inverse = 2 * UPMIX_CFFT_Q31[n // 4] + UPMIX_SPLIT_PER_PAIR * (n // 4)
    per_bin = UPMIX_PER_BIN + (UPMIX_MAGNITUDE_VOTES if magnitude_votes else 0.0)
    frame = (UPMIX_CFFT_Q31[n] + inverse + per_bin * nb + UPMIX_HOLD_PER_BIN * hold_bins
             + UPMIX_PER_ANALYSIS_SAMPLE * n
             + UPMIX_PER_SYNTHESIS_SAMPLE * synthesis_size + UPMIX_PER_OUTPUT_SAMPLE * hop)
    return UPMIX_OVERHEAD * frame / hop


def _trim(taps) -> tuple[int, int]:
    """(taps kept, leading zeros) as ss_chain.c trims a table: the leading
    zeros run as a delay line, the trailing ones are dropped, an all-zero
    table keeps one zero tap."""
    nz = np.flatnonzero(np.asarray(taps))
    return (int(nz[-1] - nz[0] + 1), int(nz[0])) if len(nz) else (1, 0)


def _is_wide(row) -> bool:
    return float(np.max(np.abs(np.roots([1.0, row[4], row[5]])))) >= WIDE_POLE_RADIUS


def chain_cost(design, *, fs: float, budget_mips: float, upmix_instructions: float,
               wide_sections: int | None = None, dither: bool = False) -> Cost:
    """Cost of a ChainDesign per stereo input frame on the target: what
    ss_chain.c's process_chunk runs, stage by stage (the module docstring).

    `upmix_instructions`: the adaptive upmix's per stereo sample, in place of
    the passive one; 0 runs the passive upmix. `wide_sections`: how many of
    the biquad sections run the 32x64 kernel (the quantizer's choice; default,
    those with poles at radius >= WIDE_POLE_RADIUS). `dither`: the DAC word's
    TPDF dither (the profile's [output] dither).
    """
    instr = CHUNK_OVERHEAD + (upmix_instructions if upmix_instructions else PASSIVE_UPMIX)
    taps = firs = delays = gains = feeds = 0
    terms = [[] for _ in range(design.n_drivers)]  # per driver: each feed, scaled or not
    for p in design.paths:
        instr += PATH_PER_SAMPLE
        common = np.asarray(p.common, dtype=float)
        if len(common) == 1 and common[0] == 1.0:  # identity: no filter
            n, k0 = 0, 0
        else:
            n, k0 = _trim(common)
        if p.delay + k0:
            instr += PATH_DELAY_EXTRA
            delays += 1
        if n > 1:
            taps, firs = taps + n, firs + 1
        elif n == 1:
            instr += SCALE_PER_SAMPLE
            gains += 1
        seen = []  # this path's distinct trimmed ratio tables: later ones read the first
        for d, r in enumerate(p.ratio):
            if len(r) == 0:
                continue
            n, k0 = _trim(r)
            t = np.trim_zeros(np.asarray(r, dtype=float))
            feeds += 1
            terms[d].append(n == 1)
            if any(k == k0 and len(u) == len(t) and np.array_equal(u, t) for u, k in seen):
                continue
            seen.append((t, k0))
            if n > 1:
                taps, firs = taps + n, firs + 1
                instr += DELAY_IN_PLACE if k0 else 0.0
            elif k0:
                instr += DELAY_PER_SAMPLE
            delays += 1 if k0 else 0
    for ts in terms:
        instr += SUM_PER_FEED * max(len(ts) - 1, 0) + SCALED_TERM * sum(ts)
        instr += SUM_INT64_EXTRA if len(ts) > 3 else 0.0
        gains += sum(ts)
    rows = [row for d in design.drivers for row in np.asarray(d.sos).reshape(-1, 6)]
    v = getattr(design, "virtualizer", None)
    if v is not None:
        # ipsi on L' and on R', contra on R' and on L': each cascade twice
        vrows = [*np.asarray(v.ipsi_sos).reshape(-1, 6), *np.asarray(v.contra_sos).reshape(-1, 6)]
        rows += vrows + vrows
        instr += VIRTUALIZER_GLUE
        delays += 2 if v.contra_delay else 0
    sections = len(rows)
    if wide_sections is None:
        wide_sections = sum(_is_wide(row) for row in rows)
    for d in design.drivers:
        instr += DRIVER_PER_SAMPLE
        gains += 1
        if d.delay:
            instr += DELAY_IN_PLACE
            delays += 1
    if design.output_word < 32:
        instr += design.n_drivers * (DAC_DITHER if dither else DAC_WORD)
    limiter = 0.0
    if getattr(design, "limiter", None) is not None:
        limiter = LIMITER_PER_FRAME + LIMITER_DIVISION + LIMITER_PER_DRIVER * design.n_drivers
    instr += (FIR_Q31_PER_CALL * firs + FIR_Q31_PER_TAP * taps
              + DF1_Q31_PER_SECTION * (sections - wide_sections)
              + DF1_32X64_PER_SECTION * wide_sections + limiter)
    return Cost(
        fir_taps=taps, biquad_sections=sections, wide_sections=wide_sections, feeds=feeds,
        gains=gains, delays=delays, upmix_instructions=upmix_instructions,
        instructions_per_frame=instr,
        mips=instr * fs / 1e6, budget_mips=budget_mips, limiter=limiter, firs=firs,
    )
