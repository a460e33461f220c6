"""Quantization of a ChainDesign: tables, headroom plan, kernel choice, refusals."""

from dataclasses import replace

import numpy as np
import pytest
from scipy.signal import butter

from device_profiles import load_profile
from device_profiles.errors import CheckFailed, UserError
from dsp_model.chain_design import ChainDesign, DriverStage, PathFilter, plain_chain
from firmware_export.quantize import (
    KERNEL_32X64,
    KERNEL_DF1,
    QuantizedChain,
    _fir_deq,
    _sos_deq,
    quantize_chain,
)


def one_driver(sos, *, common=(1.0,), ratio=(1.0,), gain=1.0, fs=48000) -> ChainDesign:
    """A one-driver design fed by C only (L' and R' paths empty)."""
    empty = (np.array([]),)
    paths = (PathFilter("side_l", 0, 0, np.array([1.0]), empty),
             PathFilter("side_r", 1, 0, np.array([1.0]), empty),
             PathFilter("center", 2, 0, np.asarray(common, float), (np.asarray(ratio, float),)))
    drv = (DriverStage("d0", np.atleast_2d(np.asarray(sos, float)), gain, 0),)
    return ChainDesign("one", fs, "cmsis-q31", 64, paths, drv, 24, 512, 128, 80.0)


FLAT = [[1.0, 0, 0, 1.0, 0, 0]]


def test_studio5_plain_chain_quantizes():
    q = quantize_chain(plain_chain(load_profile("studio5")))
    assert isinstance(q, QuantizedChain) and q.n_drivers == 5
    for d in q.drivers:
        assert d.coeffs.dtype == np.int32 and d.coeffs.shape == (len(d.post_shift), 5)
        assert 0 < d.gain_fract < 2**31
    r = q.report
    assert all(v < 1 - 1e-4 for v in r.pole_radius.values())
    assert max(r.driver_error_db.values()) < -100
    # the woofer's 60 Hz EQ section has poles at r = 0.99725: it needs 64-bit state
    woofer = q.drivers[q.driver_ids.index("woofer")]
    assert woofer.kernel[-1] == KERNEL_32X64
    tweeter = q.drivers[q.driver_ids.index("tweeter")]
    assert list(tweeter.kernel) == [KERNEL_DF1, KERNEL_DF1]
    text = "\n".join(r.lines())
    assert "headroom plan" in text and "woofer" in text


def test_tables_dequantize_to_the_design():
    rng = np.random.default_rng(0)
    common = rng.standard_normal(40) * 0.3  # L1 about 10: needs 4 bits
    ratio = rng.standard_normal(8) * 0.8
    sos = np.concatenate([butter(2, 300, "highpass", fs=48000, output="sos"),
                          butter(2, 5000, "lowpass", fs=48000, output="sos")])
    q = quantize_chain(one_driver(sos, common=common, ratio=ratio))
    p = q.paths[2]
    assert p.common_shift == int(np.ceil(np.log2(np.sum(np.abs(common)))))
    assert np.max(np.abs(_fir_deq(p.common, p.common_shift) - common)) <= 2.0 ** (
        p.common_shift - 32)
    s = p.ratio_shift[0]
    assert np.max(np.abs(_fir_deq(p.ratio[0], s) - ratio)) <= 2.0 ** (s - 32)
    d = q.drivers[0]
    assert s + p.common_shift == d.sum_shift
    qs = _sos_deq(d.coeffs, d.post_shift, d.section_shift)
    assert np.allclose(qs, sos, atol=2.0**-29)
    # the gain compensates every shift: gain_fract * 2^gain_shift = 2^E
    e = d.sum_shift + int(np.sum(d.section_shift))
    assert d.gain_fract * 2.0 ** (d.gain_shift - 31) == pytest.approx(2.0**e, rel=1e-9)
    # identity commons are stored as empty tables
    assert len(q.paths[0].common) == 0 and q.paths[0].common_shift == 0


def test_l1_headroom_means_no_stage_can_clip():
    rng = np.random.default_rng(1)
    common = rng.standard_normal(64) * 0.5
    q = quantize_chain(one_driver(FLAT, common=common, ratio=[0.9, -0.7]))
    assert all(b.clip_db == 0 for b in q.report.bounds)


def test_peak_headroom_reports_where_and_how_much():
    # alternating taps: L1 = 4, peak magnitude 4 at Nyquist; a smooth part adds
    # L1 without peak: L1 bound exceeds the peak bound
    common = np.array([0.9, -0.9, 0.9, -0.9, 0.45, 0.45, -0.45, -0.45])
    q = quantize_chain(one_driver(FLAT, common=common), headroom="peak")
    clip = [b for b in q.report.bounds if b.clip_db > 0]
    ql1 = quantize_chain(one_driver(FLAT, common=common), headroom="l1")
    assert ql1.paths[2].common_shift == 3 and q.paths[2].common_shift == 2
    assert [b.stage for b in clip] == ["path center common"]
    assert "CAN CLIP" in "\n".join(q.report.lines())
    assert clip[0].clip_db == pytest.approx(20 * np.log10(5.4 / 4), abs=1e-9)


def test_unstable_after_quantization_is_refused():
    # poles at radius 1 - 2e-10: the float design is (barely) stable, Q31 with
    # post_shift 1 cannot hold it inside the margin
    r = 1 - 2e-10
    th = 2 * np.pi * 30 / 48000
    sos = [[1e-3, 0, -1e-3, 1.0, -2 * r * np.cos(th), r * r]]
    with pytest.raises(CheckFailed, match=r"driver d0 section 0: quantized pole radius"):
        quantize_chain(one_driver(sos))


def test_pole_margin_is_applied():
    sos = butter(2, 20, "highpass", fs=48000, output="sos")  # r about 0.998
    quantize_chain(one_driver(sos), tolerance_db=-60)
    with pytest.raises(CheckFailed, match="exceeds 1 - 0.01"):
        quantize_chain(one_driver(sos), pole_margin=0.01, tolerance_db=-60)


def test_coefficient_error_near_dc_is_refused():
    # a 20 Hz high-pass in Q31: coefficient error about -71 dB re peak near 20 Hz
    sos = butter(2, 20, "highpass", fs=48000, output="sos")
    with pytest.raises(CheckFailed, match=r"driver d0 stage: quantized response error -\d+"):
        quantize_chain(one_driver(sos))


def test_magnitude_deviation_is_refused_with_frequency():
    sos = butter(2, 40, "highpass", fs=48000, output="sos")
    with pytest.raises(CheckFailed, match=r"driver d0 stage: quantized magnitude deviates .* Hz"):
        quantize_chain(one_driver(sos), mag_tol_db=1e-12)


def test_coefficient_beyond_post_shift_is_refused():
    # a1 = -1.96 needs post_shift 1; a target allowing none refuses it by name
    from dsp_model.fixed.arith import arith_profile

    strict = replace(arith_profile("cmsis-q31"), max_post_shift=0)
    sos = butter(2, 300, "highpass", fs=48000, output="sos")
    with pytest.raises(CheckFailed, match=r"driver d0 section 0: .*post_shift 0"):
        quantize_chain(one_driver(sos), strict)


def test_headroom_scaling_keeps_big_b_in_a_small_post_shift():
    # a +15 dB peaking EQ has b0 about 3.5; the headroom shift of its b (t_k)
    # brings it back, so the post-shift stays at 1 and the gain restores it
    from dsp_model.chain_design import _rbj_biquad

    sos = _rbj_biquad("peaking", 3000, 0.7, 15.0, 48000)[None]
    q = quantize_chain(one_driver(sos))
    d = q.drivers[0]
    assert d.section_shift[0] >= 2 and d.post_shift[0] <= 1
    assert not q.report.post_shift_notes


def test_kernel_choice_follows_pole_frequency():
    # a 40 Hz high-pass then a 5 kHz low-pass: the DF1 noise of the first is
    # amplified at 40 Hz and passes the second; the second's is not amplified
    lo = butter(2, 40, "highpass", fs=48000, output="sos")
    hi = butter(2, 5000, "lowpass", fs=48000, output="sos")
    q = quantize_chain(one_driver(np.concatenate([lo, hi])))
    assert list(q.drivers[0].kernel) == [KERNEL_32X64, KERNEL_DF1]
    q = quantize_chain(one_driver(np.concatenate([lo, hi])), force_kernel=KERNEL_DF1)
    assert list(q.drivers[0].kernel) == [KERNEL_DF1, KERNEL_DF1]
    # a 5 kHz high-pass after the 40 Hz one removes its amplified noise: DF1 for both
    hp5k = butter(2, 5000, "highpass", fs=48000, output="sos")
    q = quantize_chain(one_driver(np.concatenate([lo, hp5k])))
    assert list(q.drivers[0].kernel) == [KERNEL_DF1, KERNEL_DF1]


def test_fir_error_tolerance_and_target():
    rng = np.random.default_rng(2)
    common = rng.standard_normal(16) * 1e-7  # tiny filter: relative error about -110 dB
    with pytest.raises(CheckFailed, match="FIR center common: quantization error"):
        quantize_chain(one_driver(FLAT, common=common, ratio=[1e-3]), tolerance_db=-150)
    with pytest.raises(UserError, match="not supported"):
        quantize_chain(one_driver(FLAT), "generic-q15")
    with pytest.raises(UserError, match="unknown target"):
        quantize_chain(one_driver(FLAT), "dsp56k")


def test_output_clip_is_reported():
    q = quantize_chain(replace(one_driver(FLAT), drivers=(DriverStage("d0", np.array(FLAT),
                                                                       2.0, 0),)))
    assert any("d0 can exceed full scale by 6.02 dB" in s for s in q.report.output_clip)
