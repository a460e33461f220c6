"""The upmix stimulus family of issue #21, in one list: what the tests and the
benchmark score, each mix with the role of its seed.

  key  stimulus                                   tune seeds    report seeds
  c    stationary noise stems                     4             41
  d    music-like mix, amplitude-panned           5, 6          7, 8
  f    time-panned (spaced pair and Haas)         11, 12        13, 14
  g    reverberant (every stem, voice included)   21, 22        23, 24
  h    real instruments (FluidSynth), 4 variants  1, 2, 3       4, 5, 6
       (amplitude/time-panned x dry/reverberant)

Settings of the upmix (and of the ffmpeg peer) are chosen on the tune seeds; the
report seeds are held out. `fresh()` is a second held-out set, 19 more mixes of the
same generators, added when the onset smoothing went in (issue #21) and used for no
choice until studio5's directivity weight and thresholds were chosen on the family and
on it together; `unseen()`, 19 more, added then, was used for no choice until the bands
of x0 (`[upmix] center_width`) were chosen, when its instruments_time_rev/9 (a tenor sax
lead, the first lead below 200 Hz the choices saw) ruled out the narrowest low band;
`untouched()`, 19 more, added then, was used for no choice until the precedence hold
(`[upmix.hold]`) was chosen on the family, the fresh and the untouched seeds together
(its instruments_rev/12, a reverberant Voice Oohs lead, was the harm the hold is for);
`reserve()`, 19 more, added then, is used for no choice: the figure that says how the
upmix does on mixes it has not seen (the side attack, `[upmix] side_attack`, was chosen
on the family, the fresh and the untouched seeds; the unseen and the reserve seeds
were run once, on the chosen b; so were the steering, `[upmix.hold] steering_ms`, and
the bands of x0 and studio5's release chosen with it, run once on the unseen and the
reserve seeds). (h) needs FluidSynth (`Mix.make` raises
InstrumentsUnavailable without it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import upmix_instruments as inst
import upmix_stimuli as stim


@dataclass(frozen=True)
class Mix:
    key: str  # c, d, f, g, h
    name: str  # the Stimulus name
    seed: int
    tune: bool  # True: a tuning seed; False: held out

    @property
    def label(self) -> str:
        return f"{self.name}/{self.seed}"

    def make(self) -> stim.Stimulus:
        return _make(self.name, self.seed)


@functools.cache
def _make(name: str, seed: int) -> stim.Stimulus:
    if name.startswith("instruments"):
        return inst.instrument_mix(seed=seed, time_panned="_time" in name,
                                   reverberant="_rev" in name)
    return getattr(stim, name)(seed=seed)


_SYNTHETIC = (("c", "stationary", (4,), (41,)), ("d", "music_mix", (5, 6), (7, 8)),
              ("f", "time_panned", (11, 12), (13, 14)), ("g", "reverberant", (21, 22), (23, 24)))
_INSTRUMENTS = ("instruments", "instruments_time", "instruments_rev", "instruments_time_rev")


def family(*, instruments: bool = True) -> list[Mix]:
    """Every mix of the family, tune seeds first within each key."""
    out = [Mix(k, n, s, s in tune) for k, n, tune, rep in _SYNTHETIC for s in tune + rep]
    if instruments:
        out += [Mix("h", n, s, s in inst.TUNE_SEEDS) for n in _INSTRUMENTS
                for s in inst.TUNE_SEEDS + inst.REPORT_SEEDS]
    return out


_FRESH = (("c", "stationary", (42,)), ("d", "music_mix", (9, 10, 11)),
          ("f", "time_panned", (15, 16, 17, 18)), ("g", "reverberant", (25, 26, 27)))
FRESH_INSTRUMENT_SEEDS = (7, 8)


def fresh(*, instruments: bool = True) -> list[Mix]:
    """The second held-out set (module docstring)."""
    return _seed_set(_FRESH, FRESH_INSTRUMENT_SEEDS, instruments)


_UNSEEN = (("c", "stationary", (43,)), ("d", "music_mix", (12, 13, 14)),
           ("f", "time_panned", (19, 20, 21, 22)), ("g", "reverberant", (28, 29, 30)))
UNSEEN_INSTRUMENT_SEEDS = (9, 10)


def unseen(*, instruments: bool = True) -> list[Mix]:
    """The third held-out set (module docstring)."""
    return _seed_set(_UNSEEN, UNSEEN_INSTRUMENT_SEEDS, instruments)


def _seed_set(synthetic, instrument_seeds, instruments: bool) -> list[Mix]:
    out = [Mix(k, n, s, False) for k, n, seeds in synthetic for s in seeds]
    if instruments:
        out += [Mix("h", n, s, False) for n in _INSTRUMENTS for s in instrument_seeds]
    return out


_UNTOUCHED = (("c", "stationary", (44,)), ("d", "music_mix", (15, 16, 17)),
              ("f", "time_panned", (23, 24, 25, 26)), ("g", "reverberant", (31, 32, 33)))
UNTOUCHED_INSTRUMENT_SEEDS = (11, 12)


def untouched(*, instruments: bool = True) -> list[Mix]:
    """The fourth held-out set (module docstring)."""
    return _seed_set(_UNTOUCHED, UNTOUCHED_INSTRUMENT_SEEDS, instruments)


_RESERVE = (("c", "stationary", (45,)), ("d", "music_mix", (18, 19, 20)),
            ("f", "time_panned", (27, 28, 29, 30)), ("g", "reverberant", (34, 35, 36)))
RESERVE_INSTRUMENT_SEEDS = (13, 14)


def reserve(*, instruments: bool = True) -> list[Mix]:
    """The fifth held-out set (module docstring): seeds no setting was chosen on."""
    return _seed_set(_RESERVE, RESERVE_INSTRUMENT_SEEDS, instruments)
