"""Processing budget: MACs per stereo frame -> instructions -> MIPS on the target.

Per-kernel costs are instructions per sample measured on a Cortex-M4 (qemu
mps2-an386, GCC 12 -O2, block 64, exact instruction counts; ../shared/DESIGN.md):

    arm_fir_q31                      2.38 per tap
    arm_biquad_cascade_df1_q31      14.2  per section
    arm_biquad_cas_df1_32x64_q31    57.1  per section

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
the split step (104 per pair k, k + N/4: exponent scan, sums, rotation), per bin the inphase decision in binary32 with the split into the M and
S spectra in its pass 1 (190.7) and the inverse's merge with its max scan
(37.0),
per input sample of the frame the inverse's normalising shift (5.0, the
unsplit inverse only) and the analysis window (12.0), per hop sample the block-maximum scan (17.2, from
studio5's and compact2's analysis stage: 113.3 and 65.3 per output sample),
per synthesis sample the window and overlap-add (19.1), per output sample
the loop (47.7), and the 2.1 % the stages leave unaccounted (calls, loop
overhead). Within 2 % of the measured whole at studio5's and compact2's
settings (tests/test_target_upmix.py holds it to 10 %).

Simple per-sample operations (gain with shift, delay-line copy, saturating
add into a driver bus) are counted at a few instructions each.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

FIR_Q31_PER_TAP = 2.38
DF1_Q31_PER_SECTION = 14.2
DF1_32X64_PER_SECTION = 57.1
GAIN_PER_SAMPLE = 3.0  # smull + shift + saturate
DELAY_PER_SAMPLE = 2.0  # load + store in a circular buffer
SUM_PER_SAMPLE = 2.0  # load + saturating add, per feed into a driver bus
# the adaptive upmix's measured stages (see the docstring)
UPMIX_CFFT_Q31 = {256: 21223, 512: 55239, 1024: 105184, 2048: 261544, 4096: 501920}
UPMIX_PER_BIN = 190.7 + 37.0  # the binary32 decision (the split of Z in it), inverse merge
UPMIX_PER_ANALYSIS_SAMPLE = 12.0  # the window
UPMIX_INVERSE_SHIFT = 5.0  # per input sample of the frame: the inverse's normalising shift
UPMIX_SPLIT_PER_PAIR = 104.0  # the split inverse's radix-2 step with its exponent scan
UPMIX_PER_SYNTHESIS_SAMPLE = 19.1
UPMIX_PER_OUTPUT_SAMPLE = 47.7 + 17.2  # the loop, the block-maximum scan
UPMIX_OVERHEAD = 1.021
LIMITER_PER_FRAME = 72.0  # the gain recursion (deque, release, attack) and the pass overhead
LIMITER_PER_DRIVER = 22.4  # peak, delay line, gain
LIMITER_DIVISION = 55.0  # div_q30_floor on a frame over the threshold


@dataclass(frozen=True)
class Cost:
    fir_taps: int
    biquad_sections: int
    wide_sections: int  # sections that need the 32x64 kernel
    feeds: int  # path->driver feeds summed into driver buses
    gains: int
    delays: int
    upmix_instructions: float  # per stereo sample, the adaptive upmix's (0: passive)
    instructions_per_frame: float
    mips: float
    budget_mips: float
    limiter: float = 0.0  # its instructions per frame (worst case), included above

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


def upmix_instructions(fft_size: int, hop: int, synthesis_size: int) -> float:
    """Instructions per stereo sample of the adaptive upmix (ss_upmix.c) on the
    Cortex-M4, from its measured stages (the module docstring)."""
    n, nb = int(fft_size), int(fft_size) // 2 + 1
    if (n // 2) & 0x55555555:  # the inverse: CMSIS's radix 4 of N/2 points after a shift
        inverse = UPMIX_CFFT_Q31[n // 2] + UPMIX_INVERSE_SHIFT * n
    else:  # the split step, then two inverses of N/4 points
        inverse = 2 * UPMIX_CFFT_Q31[n // 4] + UPMIX_SPLIT_PER_PAIR * (n // 4)
    frame = (UPMIX_CFFT_Q31[n] + inverse + UPMIX_PER_BIN * nb
             + UPMIX_PER_ANALYSIS_SAMPLE * n
             + UPMIX_PER_SYNTHESIS_SAMPLE * synthesis_size + UPMIX_PER_OUTPUT_SAMPLE * hop)
    return UPMIX_OVERHEAD * frame / hop


def chain_cost(design, *, fs: float, budget_mips: float, upmix_instructions: float,
               wide_sections: int = 0) -> Cost:
    """Cost of a ChainDesign per stereo input frame on the target.

    `wide_sections` of the biquad sections run the 32x64 kernel (decided by the
    quantizer for sections with poles near z = 1); the rest run DF1 q31.
    """
    taps = 0
    feeds = 0
    delays = 0
    gains = design.n_drivers
    for p in design.paths:
        n = effective_taps(p.common)
        taps += n if n > 1 else 0
        gains += 1 if n == 1 and np.max(np.abs(p.common)) != 1.0 else 0
        delays += 1 if p.delay or np.flatnonzero(p.common)[:1].any() else 0
        for r in p.ratio:
            n = effective_taps(r)
            taps += n if n > 1 else 0
            gains += 1 if n == 1 and np.max(np.abs(r)) != 1.0 else 0
            feeds += 1 if n else 0
            delays += 1 if n and np.flatnonzero(r)[0] > 0 else 0
    sections = sum(len(d.sos) for d in design.drivers)
    v = getattr(design, "virtualizer", None)
    if v is not None:
        # A on L' and R', C on R' and L' (two of each), one delay line per input,
        # one saturating add per binaural output
        sections += 2 * (len(v.ipsi_sos) + len(v.contra_sos))
        delays += 2 if v.contra_delay else 0
        feeds += 2
    delays += sum(1 for d in design.drivers if d.delay)
    narrow = sections - wide_sections
    limiter = 0.0
    if getattr(design, "limiter", None) is not None:
        limiter = LIMITER_PER_FRAME + LIMITER_DIVISION + LIMITER_PER_DRIVER * design.n_drivers
    instr = (taps * FIR_Q31_PER_TAP + narrow * DF1_Q31_PER_SECTION
             + wide_sections * DF1_32X64_PER_SECTION + gains * GAIN_PER_SAMPLE
             + delays * DELAY_PER_SAMPLE + feeds * SUM_PER_SAMPLE + upmix_instructions
             + limiter)
    return Cost(
        fir_taps=taps, biquad_sections=sections, wide_sections=wide_sections, feeds=feeds,
        gains=gains, delays=delays, upmix_instructions=upmix_instructions,
        instructions_per_frame=instr,
        mips=instr * fs / 1e6, budget_mips=budget_mips, limiter=limiter,
    )
