import copy
import math
import sys

import numpy as np
import pytest

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass

from profile_helpers import raw_profile

from device_profiles import ProfileError, bundled_profiles, load_profile, parse_profile
from device_profiles._loader import resolve_path
from host_tools.cli import main


@pytest.mark.parametrize("name", ["studio5", "compact2"])
def test_bundled_profiles_load(name):
    p = load_profile(name)
    assert p.name == name
    assert p.sample_rate in (44100, 48000, 96000)
    assert name in bundled_profiles()


def test_studio5_is_default_with_five_drivers():
    p = load_profile()
    assert p.name == "studio5"
    roles = sorted(d.role for d in p.drivers)
    assert roles == ["mid", "mid", "mid", "tweeter", "woofer"]
    assert p.mips_budget == 300  # a Cortex-M7-class part (#23)


def test_compact2_spacing():
    p = load_profile("compact2")
    (a, b) = p.drivers
    spacing = abs(a.position[0] - b.position[0])
    assert 0.08 <= spacing <= 0.12


def test_every_problem_reported_at_once():
    raw = raw_profile("studio5")
    bad = copy.deepcopy(raw)
    bad["device"]["sample_rate"] = 22050
    bad["device"]["colour"] = "red"
    bad["drivers"][0]["band"] = [150.0, 30000.0]
    bad["drivers"][1]["position"] = [0.0, -0.05, 0.0]
    bad["drivers"][1]["orientation"] = [0.0, -1.0, 0.0]
    bad["ctc"]["target"] = [[500.0, 20.0], [300.0, 10.0]]
    bad["ctc"]["drivers"] = ["mid_l", "nope"]
    del bad["listener"]["distance"]
    with pytest.raises(ProfileError) as ei:
        parse_profile(bad, "bad.toml")
    text = "\n".join(ei.value.problems)
    for needle in ["device.sample_rate", "device.colour: unknown key",
                   "drivers[0].band", "Nyquist", "drivers[1].position", "behind the device",
                   "ctc.target", "not strictly increasing", "'nope' is not defined",
                   "listener.distance: missing"]:
        assert needle in text, (needle, text)
    assert len(ei.value.problems) >= 7


def test_missing_drivers_table():
    raw = raw_profile("compact2")
    del raw["drivers"]
    with pytest.raises(ProfileError) as ei:
        parse_profile(raw)
    assert any(p.startswith("drivers: missing") for p in ei.value.problems)


def test_cli_check_names_every_problem(tmp_path, capsys):
    text = resolve_path("compact2").read_text()
    text = text.replace("sample_rate = 48000", "sample_rate = 12345")
    text = text.replace("radius = 0.02\n", "radius = 2.0\n", 1)
    text = text.replace("[device]", "[device]\nbogus = 1")
    path = tmp_path / "broken.toml"
    path.write_text(text)
    assert main(["profile", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "device.sample_rate" in err and "drivers[0].radius" in err and "device.bogus" in err


def test_cli_check_ok_and_show(capsys):
    assert main(["profile", "check", "compact2"]) == 0
    assert main(["profile", "show", "studio5"]) == 0
    out = capsys.readouterr().out
    assert "mid_up" in out


def test_cli_unknown_profile(capsys):
    assert main(["profile", "show", "nonexistent"]) == 2
    assert "unknown profile" in capsys.readouterr().err


def test_not_toml(tmp_path, capsys):
    p = tmp_path / "x.toml"
    p.write_text("[device\nname=")
    assert main(["profile", "check", str(p)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_design_prints_interaural_differences(capsys):
    assert main(["design", "compact2"]) == 0
    out = capsys.readouterr().out
    assert "interaural time difference" in out and "left" in out


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as ei:
        main(["--version"])
    assert ei.value.code == 0
    assert "soundstage" in capsys.readouterr().out
    assert main([]) == 2


def test_upmix_mode_is_a_profile_choice():
    """[upmix] mode picks the chain's upmix; anything else is named as the problem."""
    raw = raw_profile("compact2")
    for mode in ("adaptive", "passive"):
        raw["upmix"]["mode"] = mode
        assert parse_profile(copy.deepcopy(raw)).upmix.mode == mode
    raw["upmix"]["mode"] = "clever"
    with pytest.raises(ProfileError) as ei:
        parse_profile(copy.deepcopy(raw))
    assert any(p.startswith("upmix.mode") for p in ei.value.problems), ei.value.problems
    raw["upmix"].update(mode="adaptive", fft_size=8192, synthesis_size=1024, hop=512)
    with pytest.raises(ProfileError) as ei:  # beyond the device's FFT
        parse_profile(raw)
    assert any(p.startswith("upmix.fft_size") and "arm_cfft_q31" in p
               for p in ei.value.problems), ei.value.problems


def test_upmix_diffuse_thresholds_reach_the_design_and_the_blob():
    """[upmix] diffuse = [lo, hi] sets the fallback's thresholds on D (quantized as lo^2
    and 1 / (hi^2 - lo^2)); without it the decision's own; a reversed pair or one
    outside [0, 1] is named as the problem."""
    from dsp_model.upmix import DECISIONS, design_upmix
    from firmware_export.quantize_upmix import upmix_tables

    raw = raw_profile("compact2")
    assert parse_profile(copy.deepcopy(raw)).upmix.diffuse == (0.15, 0.35)
    t = upmix_tables(parse_profile(copy.deepcopy(raw)).upmix)
    assert t.lo2 == pytest.approx(0.15**2, rel=1e-6)
    assert t.inv == pytest.approx(1 / (0.35**2 - 0.15**2), rel=1e-6)
    del raw["upmix"]["diffuse"]
    d = design_upmix(parse_profile(copy.deepcopy(raw)).upmix)
    assert (d.lo, d.hi) == (DECISIONS["inphase"].lo, DECISIONS["inphase"].hi)
    for bad in ([0.4, 0.2], [0.1, 1.5], [0.1]):
        raw["upmix"]["diffuse"] = bad
        with pytest.raises(ProfileError) as ei:
            parse_profile(copy.deepcopy(raw))
        assert any(p.startswith("upmix.diffuse") for p in ei.value.problems), ei.value.problems


def test_upmix_directivity_weight_reaches_the_design_and_the_blob():
    """[upmix] directivity_weight picks what a frame's vote in D weighs: "magnitude"
    (|z|, studio5) is mag 1.0 in the tables, "power" (|z|^2, the default, compact2)
    0.0; another word is named as the problem."""
    from firmware_export.quantize_upmix import upmix_tables

    assert upmix_tables(load_profile("studio5").upmix).mag == 1.0
    assert upmix_tables(load_profile("compact2").upmix).mag == 0.0
    raw = raw_profile("studio5")
    del raw["upmix"]["directivity_weight"]
    assert parse_profile(copy.deepcopy(raw)).upmix.directivity_weight == "power"
    raw["upmix"]["directivity_weight"] = "energy"
    with pytest.raises(ProfileError) as ei:
        parse_profile(copy.deepcopy(raw))
    assert any(p.startswith("upmix.directivity_weight") for p in ei.value.problems), \
        ei.value.problems


def test_upmix_center_width_bands_reach_the_float_and_the_tables():
    """[upmix] center_width: one x0, or [from Hz, x0] rows; a band holds the bins
    whose centre frequency is at least its edge (the float's per-bin x0 and the
    tables' first bins agree); malformed rows are named."""
    from dsp_model.upmix import design_upmix
    from firmware_export.quantize_upmix import upmix_tables

    raw = raw_profile("compact2")  # fft 2048 at 48 kHz: 23.4375 Hz a bin
    raw["upmix"]["center_width"] = [[0, 0.15], [200, 0.21], [1000, 0.25]]
    up = parse_profile(copy.deepcopy(raw)).upmix
    assert up.center_width == ((0.0, 0.15), (200.0, 0.21), (1000.0, 0.25))
    d = design_upmix(up)
    assert d.center_bands == ((0, 0.15), (9, 0.21), (43, 0.25))  # 210.9, 1007.8 Hz
    x0 = d.center_widths()
    assert (x0[8], x0[9], x0[42], x0[43], x0[-1]) == (0.15, 0.21, 0.21, 0.25, 0.25)
    t = upmix_tables(up)
    assert (t.kx, t.k1, t.kx1, t.k2, t.kx2, t.k3, t.kx3) == pytest.approx(
        (0.15**-2, 9, 0.21**-2, 43, 0.25**-2, 1025, 0.25**-2), rel=1e-6)
    raw["upmix"]["center_width"] = 0.19  # one x0 for every bin
    t = upmix_tables(parse_profile(copy.deepcopy(raw)).upmix)
    assert (t.kx, t.k1, t.k2, t.k3) == pytest.approx((0.19**-2, 1025, 1025, 1025), rel=1e-6)
    for bad in ([[100, 0.2]], [[0, 0.2], [0, 0.3]], [[0, 0.2], [300, 0.3], [200, 0.25]],
                [[0, 0.002]], [[0, 0.2], [30000, 0.2]], [[0, 0.2]] * 5, [0.2, 0.3], "wide"):
        raw["upmix"]["center_width"] = bad
        with pytest.raises(ProfileError) as ei:
            parse_profile(copy.deepcopy(raw))
        assert any(p.startswith("upmix.center_width") for p in ei.value.problems), \
            (bad, ei.value.problems)


def test_upmix_hold_reaches_the_float_and_the_tables():
    """[upmix.hold]: onset, release_db, drift_ms, max_hz; the bins whose centre
    frequency is below max_hz hold (the float's and the tables' count agree),
    at most fft_size / 8 of them; no table: no hold; bad values are named."""
    from dsp_model.upmix import design_upmix
    from firmware_export.quantize_upmix import upmix_tables

    raw = raw_profile("compact2")  # fft 2048 at 48 kHz: 23.4375 Hz a bin
    raw["upmix"]["hold"] = {"onset": 5.0, "release_db": 10.0, "drift_ms": 3000.0,
                            "max_hz": 1000.0}
    up = parse_profile(copy.deepcopy(raw)).upmix
    d = design_upmix(up)
    assert d.hold_bins == 43  # bins 0..42: 42 x 23.4375 = 984.4 Hz < 1000
    assert d.hold_onset == 5.0 and d.hold_release == pytest.approx(10.0)
    t = upmix_tables(up)
    assert (t.kh, t.hk, t.ho, t.hr) == pytest.approx((43, 8.0, 40.0, 0.8), rel=1e-6)
    assert t.ah == pytest.approx(1.0 - math.exp(-512 / (3.0 * 48000)), rel=1e-6)
    del raw["upmix"]["hold"]
    up = parse_profile(copy.deepcopy(raw)).upmix
    assert up.hold is None and design_upmix(up).hold_bins == 0
    assert (upmix_tables(up).kh, upmix_tables(up).ho) == (0.0, 0.0)
    good = {"onset": 5.0, "release_db": 10.0, "drift_ms": 3000.0, "max_hz": 1000.0}
    for key, bad in (("onset", 0.5), ("release_db", -1.0), ("drift_ms", 0.0),
                     ("max_hz", 3001.0), ("max_hz", "low"), ("speed", 1.0)):
        raw["upmix"]["hold"] = {**good, key: bad}
        with pytest.raises(ProfileError) as ei:
            parse_profile(copy.deepcopy(raw))
        assert any(p.startswith(f"upmix.hold.{key}") for p in ei.value.problems), \
            (key, bad, ei.value.problems)


def test_upmix_steering_reaches_the_float_and_the_tables():
    """[upmix.hold] steering_ms: 0 (off) when absent, K's rise and fall as one-pole
    coefficients in the design and the same float32 in the tables; bad values are
    named."""
    import math

    from dsp_model.upmix import STEERING_FALL_MS, design_upmix
    from firmware_export.quantize_upmix import upmix_tables

    raw = raw_profile("compact2")
    raw["upmix"]["hold"]["steering_ms"] = 150.0
    up = parse_profile(copy.deepcopy(raw)).upmix
    d, t = design_upmix(up), upmix_tables(up)
    assert d.a_steer == pytest.approx(1.0 - math.exp(-512 / (0.150 * 48000)))
    assert d.steer_fall == pytest.approx(math.exp(-512 / (STEERING_FALL_MS * 1e-3 * 48000)))
    assert (t.ka, t.kd) == (float(np.float32(d.a_steer)), float(np.float32(d.steer_fall)))
    del raw["upmix"]["hold"]["steering_ms"]
    up = parse_profile(copy.deepcopy(raw)).upmix
    assert up.hold.steering_ms == 0.0 and (upmix_tables(up).ka, upmix_tables(up).kd) == (0, 0)
    for bad in (-1.0, 2e6, "slow"):
        raw["upmix"]["hold"]["steering_ms"] = bad
        with pytest.raises(ProfileError) as ei:
            parse_profile(copy.deepcopy(raw))
        assert any(p.startswith("upmix.hold.steering_ms") for p in ei.value.problems), \
            (bad, ei.value.problems)


def test_upmix_side_attack_reaches_the_float_and_the_tables():
    """[upmix] side_attack: b in [0, 1], 0 (off) when absent, the same float32 in the
    design and the tables; bad values are named."""
    from dsp_model.upmix import design_upmix
    from firmware_export.quantize_upmix import upmix_tables

    raw = raw_profile("compact2")
    raw["upmix"]["side_attack"] = 0.3
    up = parse_profile(copy.deepcopy(raw)).upmix
    assert design_upmix(up).side_attack == 0.3
    assert upmix_tables(up).sa == float(np.float32(0.3))
    del raw["upmix"]["side_attack"]
    up = parse_profile(copy.deepcopy(raw)).upmix
    assert up.side_attack == 0.0 and upmix_tables(up).sa == 0.0
    for bad in (-0.1, 1.5, "fast", True):
        raw["upmix"]["side_attack"] = bad
        with pytest.raises(ProfileError) as ei:
            parse_profile(copy.deepcopy(raw))
        assert any(p.startswith("upmix.side_attack") for p in ei.value.problems), \
            (bad, ei.value.problems)


def test_driver_ratio_taps_are_ctc_drivers_within_ratio_taps():
    """[ctc] driver_ratio_taps shortens one driver's ratio filter; only CTC drivers,
    1..ratio_taps taps, each problem named on its own line."""
    p = load_profile("studio5")
    assert p.ctc.driver_ratio_taps == {"mid_up": 48}
    assert load_profile("compact2").ctc.driver_ratio_taps == {}
    raw = raw_profile("studio5")
    raw["ctc"]["driver_ratio_taps"] = {"tweeter": 8, "mid_up": p.ctc.ratio_taps + 1,
                                       "mid_l": 1.5}
    with pytest.raises(ProfileError) as ei:
        parse_profile(raw, "bad.toml")
    lines = [q for q in ei.value.problems if q.startswith("ctc.driver_ratio_taps")]
    assert len(lines) == 3, lines
    assert any("tweeter: not a CTC driver" in q for q in lines)
    assert any(f"mid_up: {p.ctc.ratio_taps + 1} is out of range [1, {p.ctc.ratio_taps}]" in q
               for q in lines)
    assert any("mid_l: 1.5 is not an integer" in q for q in lines)
    raw["ctc"]["driver_ratio_taps"] = [48]
    with pytest.raises(ProfileError, match="ctc.driver_ratio_taps: \\[48\\] is not a table"):
        parse_profile(raw, "bad.toml")
