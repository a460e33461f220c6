"""The assembled design: paths, alignment, budget; the figures per block live in
test_ctc.py, test_beamformer.py, test_virtualizer.py."""

import numpy as np
import pytest

from device_profiles import load_profile
from dsp_model.alignment import source_arrivals
from dsp_model.budget import effective_taps
from dsp_model.design import design_full


@pytest.fixture(scope="module", params=["compact2", "studio5"])
def full(request):
    return design_full(load_profile(request.param))


def test_every_driver_is_fed_by_every_source(full):
    chain = full.chain
    for d in range(chain.n_drivers):
        fed = {p.source % 3 if p.source < 3 else p.source - 3
               for p in chain.paths if effective_taps(p.ratio[d])}
        assert fed == {0, 1, 2}, (chain.drivers[d].id, fed)


def test_sources_arrive_together_after_alignment(full):
    after = source_arrivals(full.profile, full.chain)
    fs = full.profile.sample_rate
    # integer-sample alignment: within one sample of each other
    assert np.ptp(after) * fs < 1.0
    assert np.ptp(full.arrivals_s) * fs >= np.ptp(after) * fs


def test_budget_is_the_chains(full):
    c = full.cost
    assert c.budget_mips == full.profile.mips_budget
    assert c.fir_taps >= sum(effective_taps(p.common) for p in full.chain.paths
                             if effective_taps(p.common) > 1)
