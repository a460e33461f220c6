"""The whole design of a profile: virtualizer + CTC on L'/R', beamformer on C,
plain feeds for the drivers outside those blocks, delay alignment, budget.

Paths of the resulting ChainDesign (dsp_model/chain_design.py):
  (virtualizer: e_L = A L' + C R', e_R = C L' + A R', the virtual pair's ear signals)
  ctc_left   e_L   common = CTC channel 0 (left ear, nulls the right), ratio per CTC driver
  ctc_right  e_R   common = CTC channel 1
  plain_l/r  L', R' -> drivers outside the CTC (woofer, tweeter) at plain gains,
             delayed by the CTC's latency so the crossover sums in phase
  beam<g>    C -> one FIR per mirror group of beam drivers (common), ratio 1.0
  plain_c    C -> drivers outside the beamformer, delayed by the beam latency
Then every path of a source gets the same alignment delay so the sources
(L', R', C) arrive together at their target ears (dsp_model/alignment.py), and
every driver is scaled alike: so a full-scale input cannot clip an output
(no [limiter]), or (with the profile's [limiter], dsp_model/limiter.py) so the
music family at -1 dBFS peak needs little limiting -- the limiter at the end
of the chain takes the rest, the worst-case sine included.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from device_profiles import Profile

from .alignment import alignment_delays, driver_feeds, source_arrivals
from .beamformer import BeamDesign, design_beamformer
from .budget import Cost, chain_cost
from .chain_design import (
    PLAIN_GAINS,
    ChainDesign,
    PathFilter,
    VirtualizerStage,
    assemble,
    driver_side,
)
from .ctc import CtcDesign, design_ctc
from .heads import heads_for
from .virtualizer import VirtualizerDesign, design_virtualizer


@dataclass(frozen=True, eq=False)
class FullDesign:
    """Everything the design stage decided, and the chain made of it."""

    profile: Profile
    chain: ChainDesign
    ctc: CtcDesign
    beam: BeamDesign
    virtualizer: VirtualizerDesign
    arrivals_s: np.ndarray  # per source (L', R', C) before alignment
    alignment: np.ndarray  # samples added per source
    cost: Cost
    headroom_db: float  # static attenuation of every driver (dB)
    head: object = None  # the head object it was designed on (dsp_model.heads)
    # the heads the CTC was designed on together (head first); () = (head,)
    design_heads: tuple = ()
    # the attenuation a full-scale sine at the worst frequency needs (dB; without a
    # limiter it is headroom_db), and with a limiter its gain reduction on the
    # program at the chosen attenuation (limiter.gain_reduction_stats), else None
    worst_case_db: float = 0.0
    limiting: dict | None = None


def _output_peak(chain: ChainDesign) -> tuple[float, float]:
    """Worst-case output of any driver for a full-scale sine on L and R (any phase
    and level up to full scale each), with the passive upmix (L' = (L-R)/2,
    R' = -L', C = (L+R)/2): max over f, d of |g_Ld(f)| + |g_Rd(f)|. Returns
    (peak, frequency of the peak)."""
    f = np.geomspace(20.0, 0.45 * chain.fs, 1200)
    feeds = driver_feeds(chain, f)  # (F, 3, D)
    g_l = 0.5 * (feeds[:, 0] - feeds[:, 1] + feeds[:, 2])
    g_r = 0.5 * (-feeds[:, 0] + feeds[:, 1] + feeds[:, 2])
    worst = np.abs(g_l) + np.abs(g_r)
    k = np.unravel_index(np.argmax(worst), worst.shape)
    return float(worst[k]), float(f[k[0]])


def _with_headroom(chain: ChainDesign) -> tuple[ChainDesign, float]:
    """Scale every driver alike so a full-scale input cannot clip any output.

    The CTC and the beamformer boost some drivers (up to the effort limit, and
    paths add), so without this a loud passage would clip the mids; scaling all
    drivers by the same factor keeps the balance between them. Returns the chain
    and the attenuation in dB (0 when nothing exceeds full scale)."""
    peak, _ = _output_peak(chain)
    if peak <= 1.0:
        return chain, 0.0
    drivers = tuple(replace(d, gain=d.gain / peak) for d in chain.drivers)
    return replace(chain, drivers=drivers), float(20 * np.log10(peak))


def _with_limiter(profile: Profile, chain: ChainDesign) -> tuple[ChainDesign, float, float,
                                                                  dict | None]:
    """Static attenuation and limiter: (chain, attenuation dB, worst-case sine dB,
    gain reduction on the program or None).

    Without a [limiter]: the worst-case sine attenuation (`_with_headroom`). With
    one: the drivers are scaled alike by the smallest attenuation at which
    `signals.program_noise` (the music family's spectrum, -1 dBFS peak, the
    loudness report's seed and length) through the chain is limited by at most
    program_gr_db for program_percent % of the samples; the limiter then
    keeps every output at its threshold, the worst-case sine included."""
    peak, _ = _output_peak(chain)
    worst_db = float(20 * np.log10(peak)) if peak > 1.0 else 0.0
    st = profile.limiter
    if st is None:
        out, att = _with_headroom(chain)
        return out, att, worst_db, None
    from .float_chain import FloatChain
    from .limiter import limiter_stage, program_attenuation
    from .loudness import PROGRAM_PEAK_DBFS, PROGRAM_SECONDS, PROGRAM_SEED
    from .signals import program_noise

    fs = profile.sample_rate
    stage = limiter_stage(st, fs)
    x = program_noise(int(round(PROGRAM_SECONDS * fs)), fs=fs, seed=PROGRAM_SEED,
                      peak_dbfs=PROGRAM_PEAK_DBFS)
    y = FloatChain(chain).process(x)  # no limiter yet: the drivers as designed
    att, stats = program_attenuation(y, stage, percent=st.program_percent,
                                     limit_db=st.program_gr_db, max_db=worst_db + 20.0)
    g = 10.0 ** (-att / 20.0)
    drivers = tuple(replace(d, gain=d.gain * g) for d in chain.drivers)
    return replace(chain, drivers=drivers, limiter=stage), att, worst_db, stats


def _ctc_paths(profile: Profile, ctc: CtcDesign) -> list[PathFilter]:
    idx = {d: ctc.drivers.index(d) for d in ctc.drivers}
    paths = []
    for ch, name in enumerate(("ctc_left", "ctc_right")):
        ratio = tuple(
            np.array(ctc.ratio[ch, idx[d.id]], dtype=float) if d.id in idx else np.zeros(0)
            for d in profile.drivers
        )
        source = ch + 3  # e_L, e_R: the virtual pair's ear signals
        paths.append(PathFilter(name, source, 0, np.array(ctc.common[ch], dtype=float), ratio,
                                modeling_delay=int(ctc.latency)))
    others = [d for d in profile.drivers if d.id not in idx]
    if others:
        for ch, name in enumerate(("plain_l", "plain_r")):
            ratio = tuple(
                np.array([PLAIN_GAINS[driver_side(d)][ch]]) if d.id not in idx else np.zeros(0)
                for d in profile.drivers
            )
            paths.append(PathFilter(name, ch, int(ctc.latency), np.array([1.0]), ratio))
    return paths


def _beam_paths(profile: Profile, beam: BeamDesign) -> list[PathFilter]:
    idx = {d: i for i, d in enumerate(beam.driver_ids)}
    paths = []
    for g, members in enumerate(beam.groups):
        ids = {beam.driver_ids[i] for i in members}
        ratio = tuple(np.array([1.0]) if d.id in ids else np.zeros(0) for d in profile.drivers)
        common = np.array(beam.firs[members[0]], dtype=float)
        if len(beam.groups) == 1:
            # one mirror group (a symmetric pair): with 0 dB fixed on axis there is
            # no freedom left, the pattern is plain mixing's (beamformer.py), so
            # run it as what it is, equal feeds delayed by the beam latency
            common = np.zeros_like(common)
            common[int(beam.latency)] = 1.0 / len(members)
        name = f"beam{g}" if len(beam.groups) > 1 else "beam"  # names fit 15 bytes
        paths.append(PathFilter(name, 2, 0, common, ratio, modeling_delay=int(beam.latency)))
    others = [d for d in profile.drivers if d.id not in idx]
    if others:
        ratio = tuple(np.array([1.0]) if d.id not in idx else np.zeros(0)
                      for d in profile.drivers)
        paths.append(PathFilter("plain_c", 2, int(beam.latency), np.array([1.0]), ratio))
    return paths


def source_of(p: PathFilter) -> int:
    """The upmix output a path ultimately derives from (e_L/e_R belong to L'/R')."""
    return p.source if p.source < 3 else p.source - 3


def design_full(profile: Profile, head=None, *, heads: tuple | None = None) -> FullDesign:
    """Design every block for a profile and assemble the aligned ChainDesign.

    head: the head object the virtualizer, the CTC and the alignment are designed
    on (dsp_model.heads). heads: the heads the CTC is designed on together (the
    first is `head`). Default: the profile's heads (heads.heads_for; `[listener]
    heads`, else its one head); a head given alone is designed on alone."""
    if heads is None:
        heads = heads_for(profile) if head is None else (head,)
    heads = tuple(heads)
    head = heads[0] if head is None else head
    virt = design_virtualizer(profile, head)
    ctc = design_ctc(profile, virt, head=heads if len(heads) > 1 else head)
    beam = design_beamformer(profile)
    paths = _ctc_paths(profile, ctc) + _beam_paths(profile, beam)
    chain = assemble(profile, tuple(paths), virtualizer=_virtualizer_stage(virt))
    arrivals = source_arrivals(profile, chain, head=head)
    align = alignment_delays(arrivals, profile.sample_rate)
    chain = replace(chain, paths=tuple(
        replace(p, delay=p.delay + int(align[source_of(p)])) for p in chain.paths))
    chain, headroom_db, worst_db, limiting = _with_limiter(profile, chain)
    cost = chain_cost(chain, fs=profile.sample_rate, budget_mips=profile.mips_budget,
                      upmix_instructions=_upmix_instructions(profile),
                      dither=profile.output.dither)
    return FullDesign(profile, chain, ctc, beam, virt, arrivals, align, cost, headroom_db,
                      head, heads, worst_db, limiting)


def _virtualizer_stage(virt: VirtualizerDesign) -> VirtualizerStage:
    """The virtualizer as the chain runs it: the contra gain folded into the
    first low-pass section's numerator, the integer delay kept apart."""
    contra = np.array(virt.contra_sos, dtype=float)
    contra[0, :3] *= virt.contra_gain
    ipsi = np.array(virt.ipsi_sos, dtype=float).reshape(-1, 6)
    return VirtualizerStage(ipsi_sos=ipsi, contra_sos=contra, contra_delay=int(virt.contra_delay))


def _upmix_instructions(profile: Profile) -> float:
    """The upmix the chain runs: the adaptive one's instructions per stereo sample
    on the target, or none for the passive upmix (two adds and a shift, counted
    with the paths' feeds)."""
    from .budget import upmix_instructions
    from .upmix import design_upmix

    up = profile.upmix
    if up.mode != "adaptive":
        return 0.0
    return upmix_instructions(up.fft_size, up.hop, up.synthesis_size,
                              up.directivity_weight == "magnitude",
                              design_upmix(profile).hold_bins)


def design_chain(profile: Profile, head=None, *, heads: tuple | None = None) -> ChainDesign:
    """The chain the fixed-point model, the exporter and the device run (head, heads:
    see design_full)."""
    return design_full(profile, head, heads=heads).chain
