"""The upmix on the stimulus family of issue #21 (tests/upmix_family.py): time-panned,
reverberant and real-instrument mixes, tuning and held-out seeds.

Scores are SIR of C against the dry center stem (dsp_model.upmix_metrics.sir_db),
passive M and ffmpeg `surround` measured in the same run. The ffmpeg setting is the
one benchmarks/bench_upmix.py chose on the family's tuning seeds within our delay
class (<= 1024 samples); its scores here are measured, not copied.
"""

from __future__ import annotations

import functools
import shutil

import numpy as np
import pytest
import upmix_family as fam
import upmix_instruments as inst

from device_profiles import load_profile
from dsp_model.upmix import Upmix
from dsp_model.upmix_metrics import energy_ratio_db, ffmpeg_center_sir, sir_db

FS = 48000
SKIP = FS  # scores start after 1 s
# ffmpeg's best single setting for the whole family at <= 1024 samples of delay (the
# sweep of benchmarks/bench_upmix.py on the tuning seeds; the same holds on all seeds)
FFMPEG_AT_OUR_LATENCY = {"win_size": 2048, "overlap": 0.5, "fcx": 4.0, "fcy": 2.0}
PROFILES = ("studio5", "compact2")
needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None,
    reason="ffmpeg NOT INSTALLED: comparison with ffmpeg surround not run "
    "(apt-get install ffmpeg; ./dev does it)")


def _skip_without_fluidsynth(m: fam.Mix) -> None:
    if m.key == "h" and (why := inst.unavailable_reason()):
        pytest.skip(why)


def _mix(label: str) -> fam.Mix:
    return next(x for x in fam.family() + fam.fresh() + fam.unseen() + fam.untouched()
                + fam.reserve() if x.label == label)


@functools.cache
def upmixed(profile: str, label: str) -> np.ndarray:
    return Upmix(load_profile(profile)).process(_mix(label).make().lr)


def upmix_sir(profile: str, m: fam.Mix) -> float:
    return sir_db(upmixed(profile, m.label)[:, 2], m.make().center,
                  delay=Upmix(load_profile(profile)).latency, skip=SKIP)


def passive_sir(m: fam.Mix) -> float:
    s = m.make()
    return sir_db(s.lr.mean(axis=1), s.center, delay=0, skip=SKIP)


def _check_no_harm(profile: str, m: fam.Mix) -> None:
    ours, passive = upmix_sir(profile, m), passive_sir(m)
    if m.key == "c":  # stationary noise stems: nothing beats passive M
        assert ours >= passive - 0.5, f"{m.label}: {ours:.2f} vs passive {passive:.2f}"
    else:
        assert ours >= passive, f"{m.label}: {ours:.2f} dB vs passive M {passive:.2f} dB"


# one tuning and one held-out seed of (f) and (g) in the fast set; everything in the slow one
FAST = [m for m in fam.family(instruments=False) if m.key in "fg" and m.seed in (12, 13, 22, 23)]


@pytest.mark.parametrize("m", FAST, ids=lambda m: m.label)
def test_no_harm_time_panned_and_reverberant(m):
    _check_no_harm("studio5", m)


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("m", fam.family(instruments=True), ids=lambda m: m.label)
def test_no_harm_on_every_mix(profile, m):
    _skip_without_fluidsynth(m)
    _check_no_harm(profile, m)


def test_reverberant_sum_exact():
    """L' + C = L and R' + C = R (delayed by the latency) on a reverberant mix."""
    s = fam.Mix("g", "reverberant", 21, True).make()
    y = upmixed("studio5", "reverberant/21")
    lat = Upmix(load_profile("studio5")).latency
    for ch in (0, 1):
        resid = y[lat:, ch] + y[lat:, 2] - s.lr[:-lat, ch]
        assert energy_ratio_db(resid, s.lr[:-lat, ch]) < -100.0


@functools.cache
def ffmpeg_sir(label: str) -> float:
    s = _mix(label).make()
    r, delay = ffmpeg_center_sir(s.lr, s.center, s.fs, skip=SKIP, **FFMPEG_AT_OUR_LATENCY)
    assert delay <= 1024, f"ffmpeg {FFMPEG_AT_OUR_LATENCY} is not in our latency class"
    return r


def _ours_and_peer(profile: str, mixes: list[fam.Mix]) -> tuple[dict, dict]:
    return ({m.label: upmix_sir(profile, m) for m in mixes},
            {m.label: ffmpeg_sir(m.label) for m in mixes})


def _behind(ours: dict, peer: dict) -> dict:
    """{mix: dB behind the peer} for the mixes where ours is below it."""
    return {k: round(peer[k] - ours[k], 2) for k in ours if ours[k] < peer[k]}


def _family() -> list[fam.Mix]:
    return fam.family(instruments=not inst.unavailable_reason())


@pytest.mark.slow
@needs_ffmpeg
@pytest.mark.parametrize("profile", PROFILES)
def test_family_mean_ahead_of_ffmpeg_by_1db(profile):
    """The mean over the family >= ffmpeg's mean + 1 dB, ffmpeg with its best single
    setting for the family at our latency (measured: studio5 +1.89, compact2 +1.65)."""
    ours, peer = _ours_and_peer(profile, _family())
    gap = np.mean(list(ours.values())) - np.mean(list(peer.values()))
    assert gap >= 1.0, f"{profile}: mean {gap:+.2f} dB over ffmpeg {FFMPEG_AT_OUR_LATENCY}"


@pytest.mark.slow
@needs_ffmpeg
@pytest.mark.parametrize("profile", PROFILES)
def test_every_mix_ahead_of_ffmpeg(profile):
    """Per mix >= ffmpeg with its best single setting for the family at our latency
    (measured: the closest mix +0.46 dB at studio5, +0.26 at compact2)."""
    ours, peer = _ours_and_peer(profile, _family())
    behind = _behind(ours, peer)
    assert not behind, f"behind ffmpeg {FFMPEG_AT_OUR_LATENCY} on {behind}"


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("m", fam.fresh() + fam.unseen() + fam.untouched() + fam.reserve(),
                         ids=lambda m: m.label)
def test_no_harm_on_held_out_mixes(profile, m):
    _skip_without_fluidsynth(m)
    _check_no_harm(profile, m)


@pytest.mark.slow
@needs_ffmpeg
@pytest.mark.parametrize("profile,which", [
    ("studio5", "fresh"),
    ("compact2", "fresh"),
    ("studio5", "unseen"),
    ("compact2", "unseen"),
    ("studio5", "untouched"),
    ("compact2", "untouched"),
    ("studio5", "reserve"),
    ("compact2", "reserve"),
])
def test_family_bars_on_held_out_mixes(profile, which):
    """The family's two bars (every mix >= ffmpeg, the mean >= ffmpeg's + 1 dB) on the
    fresh, the unseen, the untouched and the reserve seeds (upmix_family's docstring
    says which choices saw which)."""
    mixes = getattr(fam, which)(instruments=not inst.unavailable_reason())
    ours, peer = _ours_and_peer(profile, mixes)
    behind = _behind(ours, peer)
    gap = np.mean(list(ours.values())) - np.mean(list(peer.values()))
    assert not behind and gap >= 1.0, \
        f"mean {gap:+.2f} dB, behind ffmpeg {FFMPEG_AT_OUR_LATENCY} on {behind}"
