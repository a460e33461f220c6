import pytest

from device_profiles import load_profile
from dsp_model.budget import chain_cost
from dsp_model.chain_design import plain_chain


def test_plain_compact2_cost_by_hand():
    """What ss_chain.c runs for the plain chain, term by term at the measured
    constants (dsp_model/budget.py's docstring)."""
    prof = load_profile("compact2")
    cost = chain_cost(plain_chain(prof), fs=48000, budget_mips=100, upmix_instructions=0)
    # LR4 high-pass = 2 sections per driver, poles at radius 0.991: the 32x64 kernel
    assert cost.biquad_sections == 4
    assert cost.wide_sections == 4
    assert cost.fir_taps == 0
    # 3 paths x 2 drivers of one-tap feeds; the zero feeds (left path to the right
    # driver) run too, as one zero tap
    assert cost.feeds == 6
    expected = (2.0 + 14.1  # the chunk, the passive upmix
                + 3 * 4.6  # three paths: identity common, delay 0 (a copy)
                + 2 * (20.2 + 2 * 6.8 + 3 * 3.6)  # per driver: itself, 2 more feeds, 3 products
                + 4 * 43.96)  # the wide sections
    assert cost.instructions_per_frame == pytest.approx(expected)
    assert cost.mips == pytest.approx(expected * 0.048)
    assert cost.fits


def test_wide_sections_cost_more_and_can_break_the_budget():
    prof = load_profile("compact2")
    narrow = chain_cost(plain_chain(prof), fs=48000, budget_mips=10, upmix_instructions=0,
                        wide_sections=0)
    wide = chain_cost(plain_chain(prof), fs=48000, budget_mips=10, upmix_instructions=0,
                      wide_sections=4)
    assert wide.instructions_per_frame - narrow.instructions_per_frame == pytest.approx(
        4 * (43.96 - 15.78))
    assert narrow.fits and not wide.fits


def test_the_adaptive_upmix_takes_the_passive_ones_place():
    prof = load_profile("compact2")
    passive = chain_cost(plain_chain(prof), fs=48000, budget_mips=100, upmix_instructions=0)
    adaptive = chain_cost(plain_chain(prof), fs=48000, budget_mips=100, upmix_instructions=1000)
    assert adaptive.instructions_per_frame - passive.instructions_per_frame == pytest.approx(
        1000 - 14.1)


@pytest.mark.parametrize("mode", ["adaptive", "passive"])
def test_design_counts_the_upmix_its_profile_runs(mode):
    from dataclasses import replace

    from dsp_model.budget import upmix_instructions
    from dsp_model.design import design_full

    prof = load_profile("compact2")
    prof = replace(prof, upmix=replace(prof.upmix, mode=mode))
    cost = design_full(prof).cost
    up = prof.upmix
    want = upmix_instructions(up.fft_size, up.hop, up.synthesis_size,
                              up.directivity_weight == "magnitude",
                              52) if mode == "adaptive" else 0.0  # 1200 Hz: 52 bins hold
    assert cost.upmix_instructions == want
    assert (cost.upmix_instructions > 1000) == (mode == "adaptive")


def test_upmix_instructions_by_hand():
    """compact2's and studio5's settings (fft 2048 / 4096, hop 512, synthesis
    1024) from the measured stages, added up here term by term."""
    from dsp_model.budget import upmix_instructions

    frame = 261544 + 105184 + (209.5 + 37.0) * 1025 + (3.8 + 12.0) * 2048 \
        + 19.1 * 1024 + (27.7 + 17.2) * 512
    assert upmix_instructions(2048, 512, 1024) == pytest.approx(1.021 * frame / 512)
    # with the precedence hold and its steering in its first 52 bins: 79.4 more per bin
    assert upmix_instructions(2048, 512, 1024, hold_bins=52) == pytest.approx(
        1.021 * (frame + 79.4 * 52) / 512)
    # studio5's (fft 4096): N/2 = 2048 is not a power of 4, so the split inverse
    frame = 501920 + 2 * 105184 + 104.0 * 1024 + (209.5 + 37.0) * 2049 + 12.0 * 4096 \
        + 19.1 * 1024 + (27.7 + 17.2) * 512
    assert upmix_instructions(4096, 512, 1024) == pytest.approx(1.021 * frame / 512)
    # with D's votes weighted by |z| (studio5's directivity_weight): 8.2 more per bin
    assert upmix_instructions(4096, 512, 1024, True) == pytest.approx(
        1.021 * (frame + 8.2 * 2049) / 512)


def test_the_limiter_is_counted_at_its_measured_worst_case():
    """72 per frame + 22.4 per driver + one 55-instruction division per frame
    (benchmarks/bench_target_limiter.py), only when the chain has a limiter."""
    from dataclasses import replace

    from dsp_model.chain_design import LimiterStage

    prof = load_profile("studio5")
    plain = plain_chain(prof)
    lim = replace(plain, limiter=LimiterStage(0.9, 72, 64, 1e-3))
    a = chain_cost(plain, fs=48000, budget_mips=150, upmix_instructions=0)
    b = chain_cost(lim, fs=48000, budget_mips=150, upmix_instructions=0)
    assert a.limiter == 0.0
    assert b.limiter == pytest.approx(72.0 + 55.0 + 22.4 * 5)
    assert b.instructions_per_frame - a.instructions_per_frame == pytest.approx(b.limiter)
