"""Loudness: ITU-R BS.1770-4 integrated loudness, and what the spatial mode costs in it.

`integrated_loudness(x, fs)` is pyloudnorm's meter (the field's reference
implementation of BS.1770-4: 400 ms blocks with 75 % overlap, the absolute gate
at -70 LUFS and the relative one at -10 LU) with the spec's own K-weighting:
pyloudnorm's "DeMan" filters give BS.1770's coefficient table exactly at 48 kHz
and the same analogue prototype at other rates (its default "K-weighting" is an
approximation that reads 0.04 dB low above 500 Hz).

Two ear signals are measured the BS.1770 way for a two-channel programme: left
and right are channels with weight G = 1, their K-weighted mean squares summed
(not averaged) in every block. The mean of the two ears would read 3.01 LU
lower throughout, so differences between two ear-signal pairs (the loudness
cost, the A/B matching gain) are the same either way.

`loudness_cost(profile, design)`: the ear signals (free field, the profile's
listener: `dsp_model.binaural.ear_signals`) of the spatial chain against plain
stereo playback on the same drivers (`chain_design.plain_chain`), both fed
`signals.program_noise` (a music-spectrum stereo noise at -1 dBFS peak), each
measured as above; also the loudest driver sample of the spatial chain on it.
"""

from __future__ import annotations

import numpy as np

from dsp_model.binaural import ear_signals
from dsp_model.chain_design import ChainDesign, plain_chain
from dsp_model.float_chain import FloatChain, PassiveUpmix
from dsp_model.heads import describe_head, head_for
from dsp_model.signals import program_noise

__all__ = ["BLOCK_S", "integrated_loudness", "matching_gains_db", "loudness_cost",
           "report_rows", "PROGRAM_SECONDS", "PROGRAM_SEED", "PROGRAM_PEAK_DBFS"]

BLOCK_S = 0.4  # one BS.1770 gating block: the shortest signal with an integrated loudness
PROGRAM_SECONDS = 3.0  # stationary: the cost on 3 s is within 0.1 LU of 10 s's, any seed
PROGRAM_SEED = 24
PROGRAM_PEAK_DBFS = -1.0


def integrated_loudness(x: np.ndarray, fs: float) -> float:
    """BS.1770-4 integrated loudness (LUFS) of (n,) or (n, C) samples (C <= 5, in
    BS.1770's order L, R, C, Ls, Rs); -inf when every block is under the -70 LUFS
    gate. ValueError when n is shorter than one 0.4 s block."""
    import pyloudnorm

    x = np.asarray(x, dtype=np.float64)
    if len(x) < BLOCK_S * fs:
        raise ValueError(f"{len(x)} samples at {fs:g} Hz ({len(x) / fs:.3f} s): BS.1770 "
                         f"integrated loudness needs at least one {BLOCK_S:g} s block")
    meter = pyloudnorm.Meter(fs, filter_class="DeMan")
    return float(meter.integrated_loudness(x))


def matching_gains_db(a: float, b: float) -> tuple[float, float] | None:
    """Gains (dB, each <= 0) that bring two loudnesses (LUFS) a and b together by
    attenuating the louder one (so matching cannot make either clip), or None when
    either is not finite (silent, under the gate)."""
    if not (np.isfinite(a) and np.isfinite(b)):
        return None
    return (min(0.0, b - a), min(0.0, a - b))


def _driver_signals(design: ChainDesign, x: np.ndarray, upmix=None) -> tuple[np.ndarray, str]:
    """(n, 2) through a fresh float chain -> (n, D), its latency taken out; the upmix's name."""
    chain = FloatChain(design, upmix=upmix)
    lat = chain.latency
    y = chain.process(np.concatenate([x, np.zeros((lat, 2))]))
    return y[lat:], type(chain.upmix).__name__


def _head_words(head) -> str:
    name = describe_head(head)["name"]
    return "rigid-sphere head" if name == "sphere" else f"head {name}"


def loudness_cost(profile, design: ChainDesign, stereo: np.ndarray | None = None, *,
                  seconds: float = PROGRAM_SECONDS, seed: int = PROGRAM_SEED,
                  head=None) -> dict:
    """The spatial mode's loudness against plain playback on the device, at the ears.

    stereo (n, 2): the program; default `program_noise` of `seconds` and `seed` at
    -1 dBFS peak. The spatial chain runs with its own upmix (the one
    `FloatChain(design)` picks, as the device does), plain playback with the
    passive one (any upmix whose outputs sum back to L and R gives the same
    feeds); the chains' latency is taken out. Returns a JSON-able dict: `cost_lu`
    is how many LU quieter the spatial mode plays (plain - spatial), and
    `peak_driver_dbfs` the spatial chain's loudest driver sample re full scale.
    head: the listener's head object (dsp_model.heads; default the profile's).
    """
    fs = profile.sample_rate
    head = head_for(profile) if head is None else head
    if stereo is None:
        x = program_noise(int(round(seconds * fs)), fs=fs, seed=seed,
                          peak_dbfs=PROGRAM_PEAK_DBFS)
        stim = {"signal": "signals.program_noise (music-spectrum stereo noise)",
                "seconds": seconds, "seed": seed, "peak_dbfs": PROGRAM_PEAK_DBFS}
    else:
        x = np.asarray(stereo, dtype=np.float64)
        peak = np.max(np.abs(x))
        stim = {"signal": "given", "seconds": len(x) / fs,
                "peak_dbfs": float(20 * np.log10(peak)) if peak > 0 else -np.inf}
    y, upmix = _driver_signals(design, x)
    y_plain, _ = _driver_signals(plain_chain(profile), x, PassiveUpmix())
    spatial = integrated_loudness(ear_signals(y, profile, head=head)[0], fs)
    plain = integrated_loudness(ear_signals(y_plain, profile, head=head)[0], fs)
    peak = np.max(np.abs(y), axis=0)
    d = int(np.argmax(peak))
    return {
        "stimulus": stim,
        "measure": "ITU-R BS.1770-4 integrated loudness (pyloudnorm, the spec's K-weighting), "
                   "the two ears as L and R of one programme (powers summed)",
        "ears": f"free field, {_head_words(head)}, listener at {profile.listener.distance:g} m",
        "upmix": upmix,
        "spatial_lufs": spatial,
        "plain_lufs": plain,
        "cost_lu": plain - spatial,
        "peak_driver_dbfs": float(20 * np.log10(peak[d])) if peak[d] > 0 else -np.inf,
        "peak_driver": profile.drivers[d].id,
    }


def report_rows(c: dict) -> list[tuple[str, str]]:
    """(label, value) rows for the reports: the cost with both loudnesses and the
    stimulus, and the loudest driver sample."""
    st = c["stimulus"]
    name = "program noise" if st["signal"].startswith("signals.program_noise") else "the input"
    return [
        ("loudness cost", f"{c['cost_lu']:.1f} LU quieter than plain stereo at the ears "
         f"({c['spatial_lufs']:.1f} vs {c['plain_lufs']:.1f} LUFS, BS.1770; {name} "
         f"{st['seconds']:g} s, {st['peak_dbfs']:.3g} dBFS peak)"),
        ("loudest driver", f"{c['peak_driver_dbfs']:.1f} dBFS ({c['peak_driver']}) on that "
         "program"),
    ]
