"""The whole design of a profile: virtualizer + CTC on L'/R', beamformer on C,
plain feeds for the drivers outside those blocks, delay alignment, budget.

Paths of the resulting ChainDesign (dsp_model/chain_design.py):
  ctc_left   L' (or e_L with a virtualizer)  common = CTC channel 0, ratio per CTC driver
  ctc_right  R' (or e_R)                     common = CTC channel 1
  plain_l/r  L', R' -> drivers outside the CTC (woofer, tweeter) at plain gains,
             delayed by the CTC's latency so the crossover sums in phase
  beam<g>    C -> one FIR per mirror group of beam drivers (common), ratio 1.0
  plain_c    C -> drivers outside the beamformer, delayed by the beam latency
Then every path of a source gets the same alignment delay so the sources
(L', R', C) arrive together at their target ears (dsp_model/alignment.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from device_profiles import Profile

from .alignment import alignment_delays, source_arrivals
from .beamformer import BeamDesign, design_beamformer
from .budget import Cost, chain_cost
from .chain_design import ChainDesign, PathFilter, VirtualizerStage, _side, assemble
from .ctc import CtcDesign, design_ctc

_PLAIN = {"left": (1.0, 0.0), "right": (0.0, 1.0), "centre": (0.5, 0.5)}


@dataclass(frozen=True, eq=False)
class FullDesign:
    """Everything the design stage decided, and the chain made of it."""

    profile: Profile
    chain: ChainDesign
    ctc: CtcDesign
    beam: BeamDesign
    virtualizer: object | None
    arrivals_s: np.ndarray  # per source (L', R', C) before alignment
    alignment: np.ndarray  # samples added per source
    cost: Cost


# The chain stages downstream (float chain, fixed chain, tables, C runtime) learn
# the virtualizer stage (sources e_L, e_R) together; until then it stays out.
CHAIN_HAS_VIRTUALIZER = False


def _try_virtualizer(profile: Profile):
    if not CHAIN_HAS_VIRTUALIZER:
        return None
    from .virtualizer import design_virtualizer

    return design_virtualizer(profile)


def _ctc_paths(profile: Profile, ctc: CtcDesign, virt) -> list[PathFilter]:
    idx = {d: ctc.drivers.index(d) for d in ctc.drivers}
    paths = []
    for ch, name in enumerate(("ctc_left", "ctc_right")):
        ratio = tuple(
            np.array(ctc.ratio[ch, idx[d.id]], dtype=float) if d.id in idx else np.zeros(0)
            for d in profile.drivers
        )
        source = ch + 3 if virt is not None else ch
        paths.append(PathFilter(name, source, 0, np.array(ctc.common[ch], dtype=float), ratio,
                                modeling_delay=int(ctc.latency)))
    others = [d for d in profile.drivers if d.id not in idx]
    if others:
        for ch, name in enumerate(("plain_l", "plain_r")):
            ratio = tuple(
                np.array([_PLAIN[_side(d)][ch]]) if d.id not in idx else np.zeros(0)
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
        name = f"beam{g}" if len(beam.groups) > 1 else "beam"  # names fit 15 bytes
        paths.append(PathFilter(name, 2, 0, common, ratio, modeling_delay=int(beam.latency)))
    others = [d for d in profile.drivers if d.id not in idx]
    if others:
        ratio = tuple(np.array([1.0]) if d.id not in idx else np.zeros(0)
                      for d in profile.drivers)
        paths.append(PathFilter("plain_c", 2, int(beam.latency), np.array([1.0]), ratio))
    return paths


def _source_of(p: PathFilter) -> int:
    """The upmix output a path ultimately derives from (e_L/e_R belong to L'/R')."""
    return p.source if p.source < 3 else p.source - 3


def design_full(profile: Profile) -> FullDesign:
    """Design every block for a profile and assemble the aligned ChainDesign."""
    virt = _try_virtualizer(profile)
    ctc = design_ctc(profile, virt) if virt is not None else design_ctc(profile)
    beam = design_beamformer(profile)
    paths = _ctc_paths(profile, ctc, virt) + _beam_paths(profile, beam)
    chain = assemble(profile, tuple(paths), virtualizer=_virtualizer_stage(virt))
    arrivals = source_arrivals(profile, chain)
    align = alignment_delays(arrivals, profile.sample_rate)
    chain = replace(chain, paths=tuple(
        replace(p, delay=p.delay + int(align[_source_of(p)])) for p in chain.paths))
    cost = chain_cost(chain, fs=profile.sample_rate, budget_mips=profile.mips_budget,
                      upmix_macs=_upmix_macs(profile))
    return FullDesign(profile, chain, ctc, beam, virt, arrivals, align, cost)


def _virtualizer_stage(virt) -> VirtualizerStage | None:
    """The virtualizer as the chain runs it: the contra gain folded into the
    first low-pass section's numerator, the integer delay kept apart."""
    if virt is None:
        return None
    contra = np.array(virt.contra_sos, dtype=float)
    contra[0, :3] *= virt.contra_gain
    ipsi = np.array(virt.ipsi_sos, dtype=float).reshape(-1, 6)
    return VirtualizerStage(ipsi_sos=ipsi, contra_sos=contra, contra_delay=int(virt.contra_delay))


def _upmix_macs(profile: Profile) -> float:
    try:
        from .upmix import upmix_cost
    except ImportError:
        return 0.0
    return float(upmix_cost(profile))


def design_chain(profile: Profile) -> ChainDesign:
    """The chain the fixed-point model, the exporter and the device run."""
    return design_full(profile).chain
