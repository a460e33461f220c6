from dataclasses import replace

import numpy as np
import pytest

from device_profiles import load_profile
from dsp_model.acoustics import SPEED_OF_SOUND
from dsp_model.alignment import alignment_delays, arrival_time, source_arrivals
from dsp_model.chain_design import plain_chain


def test_arrival_time_of_a_pure_delay():
    f = np.arange(20.0, 4000.0, 5.0)
    tau = 3.7e-3
    assert arrival_time(np.exp(-2j * np.pi * f * tau), f) == pytest.approx(tau, rel=1e-9)


def test_plain_chain_arrivals_follow_geometry_and_added_delay():
    prof = load_profile("compact2")
    design = plain_chain(prof)
    t = source_arrivals(prof, design)
    # every source travels ~2 m; the LR4 high-pass at 100 Hz adds little above 200 Hz
    assert np.all(np.abs(t - 2.0 / SPEED_OF_SOUND) < 0.6e-3)
    # delaying the centre path by 48 samples moves C by 1 ms and nothing else
    paths = tuple(replace(p, delay=48) if p.source == 2 else p for p in design.paths)
    t2 = source_arrivals(prof, replace(design, paths=paths))
    assert t2[2] - t[2] == pytest.approx(1e-3, abs=1e-6)
    assert np.allclose(t2[:2], t[:2])
    d = alignment_delays(t2, prof.sample_rate)
    assert d[2] == 0 and abs(d[0] - 48) <= 2 and abs(d[1] - 48) <= 2
