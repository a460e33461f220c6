"""The assembled design: paths, alignment, budget; the figures per block live in
test_ctc.py, test_beamformer.py, test_virtualizer.py."""

import numpy as np
import pytest

from device_profiles import load_profile
from dsp_model.alignment import source_arrivals
from dsp_model.budget import effective_taps
from dsp_model.design import design_full, source_of


@pytest.fixture(scope="module", params=["compact2", "studio5"])
def full(request):
    return design_full(load_profile(request.param))


def test_every_driver_is_fed_by_every_source(full):
    chain = full.chain
    for d in range(chain.n_drivers):
        fed = {source_of(p) for p in chain.paths if effective_taps(p.ratio[d])}
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


def test_design_command_writes_the_report(tmp_path, capsys):
    import json

    from host_tools.cli import main

    rc = main(["design", "compact2", "--out", str(tmp_path), "--no-plots"])
    out = capsys.readouterr().out
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert (tmp_path / "filters.npz").exists()
    for key in ("virtualizer", "ctc", "beamformer", "alignment", "budget", "latency_samples"):
        assert key in m
    assert "CTC median" in out and "budget" in out
    # exit 1 exactly when the design breaks one of the profile's limits, each named
    assert rc == (1 if "VIOLATION" in out else 0)
    if not m["budget"]["fits"]:
        assert "VIOLATION budget" in out


def test_violations_name_the_limit():
    from dsp_model.design_report import violations

    m = {"budget": {"fits": False, "mips": 160.0, "budget_mips": 150.0,
                    "instructions_per_frame": 3333.0},
         "ctc": {"checks": {"effort_within_limit": False, "follows_target_3db": True},
                 "effort": {"max_db": 15.5, "limit_db": 15.0}},
         "beamformer": {"checks": {w: {"wng_min_db": w == "far_field",
                                       "window_level_median_db": True}
                                   for w in ("distance", "far_field")}},
         "virtualizer": {"checks": {"itd_10pct": True}}}
    lines = violations(m)
    assert any(line.startswith("budget: 160.0 MIPS") for line in lines)
    assert any("effort 15.50 dB exceeds the limit 15" in line for line in lines)
    assert any(line.startswith("beamformer (distance): white-noise") for line in lines)
    assert len(lines) == 3
