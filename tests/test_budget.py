import pytest

from device_profiles import load_profile
from dsp_model.budget import chain_cost
from dsp_model.chain_design import plain_chain


def test_plain_compact2_cost_by_hand():
    prof = load_profile("compact2")
    cost = chain_cost(plain_chain(prof), fs=48000, budget_mips=100, upmix_macs=0)
    # LR4 high-pass = 2 sections per driver; 3 paths x 2 drivers of scalar feeds
    assert cost.biquad_sections == 4
    assert cost.fir_taps == 0
    # unity feeds are plain adds; the zero feeds (left path to the right driver) cost
    # nothing; the driver gains remain
    assert cost.feeds == 4
    assert cost.gains == 2
    expected = 4 * 14.2 + 2 * 3.0 + 4 * 2.0
    assert cost.instructions_per_frame == pytest.approx(expected)
    assert cost.mips == pytest.approx(expected * 0.048)
    assert cost.fits


def test_wide_sections_cost_more_and_can_break_the_budget():
    prof = load_profile("compact2")
    narrow = chain_cost(plain_chain(prof), fs=48000, budget_mips=5, upmix_macs=0)
    wide = chain_cost(plain_chain(prof), fs=48000, budget_mips=5, upmix_macs=0,
                      wide_sections=4)
    assert wide.instructions_per_frame - narrow.instructions_per_frame == pytest.approx(
        4 * (57.1 - 14.2))
    assert narrow.fits and not wide.fits


@pytest.mark.parametrize("mode", ["adaptive", "passive"])
def test_design_counts_the_upmix_its_profile_runs(mode):
    from dataclasses import replace

    from dsp_model.design import design_full
    from dsp_model.upmix import upmix_cost

    prof = load_profile("compact2")
    prof = replace(prof, upmix=replace(prof.upmix, mode=mode))
    cost = design_full(prof).cost
    assert cost.upmix_macs == (upmix_cost(prof) if mode == "adaptive" else 0.0)
    assert (cost.upmix_macs > 0) == (mode == "adaptive")
