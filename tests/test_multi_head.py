"""Robust CTC design over several heads (`[listener] heads`), the cross-head table and
the per-head plots (#22).

References: heads.driver_plant per head (the stacked plant must be their
concatenation), design_ctc on one head (a one-head sequence must be it bit for
bit), and for one table cell an independent evaluation: scipy.signal.freqz of the
realised driver FIRs through driver_plant at explicitly placed heads.
"""

from __future__ import annotations

import copy
import json
import sys

import numpy as np
import pytest
from scipy.signal import freqz

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass

from profile_helpers import needs_kemar, raw_profile

import dsp_model.heads as heads
from device_profiles import ProfileError, load_profile, parse_profile
from device_profiles._loader import resolve_path
from dsp_model.acoustics import listener_positions
from dsp_model.ctc import ctc_drivers, design_ctc
from dsp_model.ctc_metrics import CROSS_HEAD_CASES, cross_head_table, robustness_table

KEMAR = heads.KEMAR_SOFA

def _multi(name: str = "studio5", value=("sphere", "kemar")) -> dict:
    raw = copy.deepcopy(raw_profile(name))
    raw["listener"].pop("head", None)
    raw["listener"]["heads"] = list(value)
    return raw


# --- the profile: heads = [...] ------------------------------------------------------


def test_heads_list_parses_and_its_first_is_the_head():
    p = parse_profile(_multi("compact2"))
    assert p.listener.heads == ("sphere", "kemar") and p.listener.head == "sphere"
    p = parse_profile(_multi("compact2", ("kemar", "sphere")))
    assert p.listener.head == "kemar"
    assert load_profile("compact2").listener.heads == ()  # one head: heads stays empty


@pytest.mark.parametrize("value,says", [
    ("sphere", "is not a non-empty list"), ([], "is not a non-empty list"),
    (["sphere", "cube"], "heads[1]: 'cube' is not one of sphere, kemar"),
    (["sphere", 3], "heads[1]: 3 is not one of"),
    (["kemar", "kemar"], "lists a head twice")])
def test_bad_heads_is_one_problem_line(value, says):
    raw = _multi("compact2")
    raw["listener"]["heads"] = value
    with pytest.raises(ProfileError) as ei:
        parse_profile(raw, "bad.toml")
    (line,) = [p for p in ei.value.problems if p.startswith("listener.heads")]
    assert says in line and "\n" not in line


def test_head_and_heads_together_are_refused():
    raw = raw_profile("compact2")
    raw["listener"]["heads"] = ["sphere", "kemar"]
    with pytest.raises(ProfileError) as ei:
        parse_profile(raw, "both.toml")
    (line,) = [p for p in ei.value.problems if p.startswith("listener.heads")]
    assert "either head" in line and "not both" in line and "\n" not in line


def test_cli_profile_check_refuses_both_with_exit_2(tmp_path, capsys):
    from host_tools.cli import main

    text = resolve_path("compact2").read_text().replace(
        'head = "sphere"', 'head = "sphere"\nheads = ["sphere", "kemar"]')
    p = tmp_path / "both.toml"
    p.write_text(text)
    assert main(["profile", "check", str(p)]) == 2
    assert "listener.heads: set either head" in capsys.readouterr().err


def test_heads_for_and_the_stacked_plant():
    p = parse_profile(_multi("compact2", ("sphere",)))
    assert heads.heads_for(p) == (heads.sphere_head(p),)
    assert heads.heads_for(load_profile("compact2")) == (heads.sphere_head(p),)
    s = heads.sphere_head(p)
    s2 = heads.SphereHead(0.095, 80.0)
    f = np.geomspace(100, 10000, 31)
    hs = listener_positions(2.0, dx=[0.0, -0.03, 0.03])
    got = heads.plant_over_heads(f, p, (s, s2), heads=hs)
    assert got.shape == (31, 6, 2, p.n_drivers)
    assert np.array_equal(got[:, :3], heads.driver_plant(f, p, s, heads=hs))
    assert np.array_equal(got[:, 3:], heads.driver_plant(f, p, s2, heads=hs))
    assert heads.heads_label((s, s2)) == "sphere+sphere" and heads.heads_label(s) == "sphere"


def test_one_head_sequence_is_the_one_head_design_bit_for_bit():
    p = load_profile("compact2")
    s = heads.sphere_head(p)
    a, b = design_ctc(p, head=s), design_ctc(p, head=(s,))
    assert np.array_equal(a.common, b.common) and np.array_equal(a.ratio, b.ratio)


@needs_kemar
def test_cli_heads_override_is_that_one_head():
    p = parse_profile(_multi())
    (k,) = heads.heads_for(p, head="kemar")
    assert heads.head_name(k) == "kemar"
    assert [heads.head_name(h) for h in heads.heads_for(p)] == ["sphere", "kemar"]


# --- the design on several heads ------------------------------------------------------


def _figures(p, design, head) -> tuple[float, float]:
    r = {x["case"]: x["worst_db"] for x in robustness_table(p, design, head=head)}
    return r["design point"], min(r["dx -5 cm"], r["dx +5 cm"])


@needs_kemar
def test_design_on_sphere_and_kemar_buys_kemar_depth():
    p = load_profile("studio5")
    s, k = heads.head_for(p, head="sphere"), heads.head_for(p, head="kemar")
    only = design_ctc(p, head=s)
    both = design_ctc(p, head=(s, k))
    s_only, k_only = _figures(p, only, s), _figures(p, only, k)
    s_both, k_both = _figures(p, both, s), _figures(p, both, k)
    # 15.3 -> 20.3 dB at the design point on KEMAR; the sphere keeps 22.2 (22.9 alone)
    assert k_both[0] > k_only[0] + 4.0
    assert s_both[0] > 21.0 and k_both[0] > 19.0
    assert s_both[0] > s_only[0] - 1.5  # the sphere gives up little (22.9 -> 22.2 dB)
    assert s_both[1] > 11.0 and k_both[1] > 11.0
    # the heads' order sets only the timing (the first head's; the others are
    # aligned to it): the cancellation on each head is the same either way
    swapped = design_ctc(p, head=(k, s))
    for h, fig in ((s, s_both), (k, k_both)):
        assert np.allclose(_figures(p, swapped, h), fig, atol=0.3), heads.head_name(h)


# --- the cross-head table -------------------------------------------------------------


def _independent_cell(p, design, head, dx=0.0, yaw=0.0) -> float:
    """Worse-channel median cancellation over 500 Hz-6 kHz (24/octave), by hand."""
    f = np.geomspace(500.0, 6000.0, int(round(np.log2(12.0) * 24)) + 1)
    hs = np.array([[dx, p.listener.distance, 0.0]])
    h = heads.driver_plant(f, p, head, heads=hs, yaw_deg=yaw, drivers=ctc_drivers(p))[:, 0]
    g = design.driver_filters()
    meds = []
    for ch in range(2):
        gd = np.stack([freqz(g[ch, d], worN=f, fs=p.sample_rate)[1]
                       for d in range(g.shape[1])], -1)  # (F, D)
        e = np.einsum("fed,fd->fe", h, gd)
        meds.append(np.median(20 * np.log10(np.abs(e[:, ch]) / np.abs(e[:, 1 - ch]))))
    return min(meds)


def test_cross_head_cells_recomputed_independently():
    p = load_profile("compact2")
    s = heads.sphere_head(p)
    s2 = heads.SphereHead(0.095, 85.0)
    d = design_ctc(p, head=s)
    rows = cross_head_table(p, [("sphere", d)], [s, s2])
    assert [r["judged_on"] for r in rows] == ["sphere", "sphere"]
    assert [k for k, _ in CROSS_HEAD_CASES] == [
        "design_point_db", "dx_2cm_db", "dx_5cm_db", "dx_10cm_db", "dy_0.5m_db",
        "yaw_5deg_db", "yaw_10deg_db"]
    r = rows[1]
    assert r["design_point_db"] == pytest.approx(_independent_cell(p, d, s2), abs=0.011)
    assert r["dx_5cm_db"] == pytest.approx(min(_independent_cell(p, d, s2, dx=-0.05),
                                               _independent_cell(p, d, s2, dx=0.05)), abs=0.011)
    assert r["yaw_10deg_db"] == pytest.approx(min(_independent_cell(p, d, s2, yaw=-10.0),
                                                  _independent_cell(p, d, s2, yaw=10.0)),
                                              abs=0.011)
    # on its own head the design point is the robustness table's
    rob = {x["case"]: x["worst_db"] for x in robustness_table(p, d, head=s)}
    assert rows[0]["design_point_db"] == pytest.approx(rob["design point"], abs=0.011)


@needs_kemar
def test_cli_design_on_heads_writes_the_table_and_a_plot_per_head(tmp_path, capsys):
    from host_tools.cli import main

    prof = resolve_path("studio5")  # ships designed on the sphere and KEMAR
    out = tmp_path / "out"
    rc = main(["design", str(prof), "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "CTC designed on sphere+kemar" in text and "sphere+kemar on kemar" in text
    m = json.loads((out / "metrics.json").read_text())
    assert m["ctc"]["design_heads"] == ["sphere", "kemar"]
    assert [h["name"] for h in m["design_heads"]] == ["sphere", "kemar"]
    rows = {(r["designed_on"], r["judged_on"]): r for r in m["ctc"]["cross_head"]["rows"]}
    assert set(rows) == {(d, j) for d in ("sphere+kemar", "sphere") for j in ("sphere", "kemar")}
    assert rows["sphere+kemar", "kemar"]["design_point_db"] > \
        rows["sphere", "kemar"]["design_point_db"] + 4.0
    assert rows["sphere+kemar", "sphere"]["design_point_db"] == m["ctc"]["design_point_median_db"]
    for name in ("sphere", "kemar"):
        assert (out / f"ctc_cancellation_head_{name}.png").stat().st_size > 10000
    # --head designs on that one head: no sphere-only row beside it
    out1 = tmp_path / "one"
    main(["design", str(prof), "--head", "sphere", "--out", str(out1), "--no-plots"])
    m1 = json.loads((out1 / "metrics.json").read_text())
    assert m1["ctc"]["design_heads"] == ["sphere"]
    assert [(r["designed_on"], r["judged_on"]) for r in m1["ctc"]["cross_head"]["rows"]] == [
        ("sphere", "sphere"), ("sphere", "kemar")]


@needs_kemar
def test_every_consumer_designs_on_the_profiles_heads():
    from dsp_model.design import design_chain, design_full
    from dsp_model.evaluation import processed_design

    p = parse_profile(_multi())
    s, k = heads.head_for(p, head="sphere"), heads.head_for(p, head="kemar")
    full = design_full(p)
    assert [heads.head_name(h) for h in full.design_heads] == ["sphere", "kemar"]
    assert full.head == s
    both = design_ctc(p, full.virtualizer, head=(s, k))
    assert np.array_equal(full.ctc.common, both.common)
    # evaluate (no --head) and render take the same chain; a head given alone is alone
    chain, _ = processed_design(p)
    ctc_path = {q.name: q for q in chain.paths}["ctc_left"]
    assert np.array_equal(ctc_path.common, {q.name: q for q in full.chain.paths}[
        "ctc_left"].common)
    one = design_chain(p, s)
    assert not np.array_equal({q.name: q for q in one.paths}["ctc_left"].common,
                              ctc_path.common)


@needs_kemar
def test_cli_render_with_heads_runs(tmp_path):
    from dsp_model.signals import pink_noise
    from host_tools.audio_io import write_audio
    from host_tools.cli import main

    text = resolve_path("compact2").read_text().replace('head = "sphere"',
                                                         'heads = ["sphere", "kemar"]')
    prof = tmp_path / "compact2-heads.toml"
    prof.write_text(text)
    x = np.zeros((4800, 2))
    x[:, 0] = pink_noise(4800, seed=3, level_dbfs=-20)
    src = tmp_path / "in.wav"
    write_audio(src, x, 48000)
    assert main(["render", str(src), "--out", str(tmp_path / "drv.wav"), "--profile",
                 str(prof), "--binaural", str(tmp_path / "ears.wav")]) == 0
    assert (tmp_path / "ears.wav").is_file()


@needs_kemar
def test_target_followed_on_the_heads_mean_where_they_agree():
    """A design on several heads follows the target on its own criterion, the heads'
    mean ipsi power over their mean contra power (recomputed here from each head's
    ear responses), within 3 dB wherever a member of its family could meet it; the
    band where the heads disagree by more is named, and there the design falls
    short of the target (the flag is not a free pass). A one-head design has no
    such band."""
    from dsp_model.ctc_metrics import ear_responses, target_curve_db, target_follow

    p = load_profile("studio5")
    s, k = heads.head_for(p, head="sphere"), heads.head_for(p, head="kemar")
    both = design_ctc(p, head=(s, k))
    f = target_follow(p, both, head=(s, k))
    assert f["ok"] and f["max_abs_deviation_db"] <= 3.0
    (lo, hi), = f["target_unreachable_hz"]  # 518-5204 Hz
    assert lo < 1000 and hi > 4000
    fr = f["freqs"]
    e = [np.abs(ear_responses(p, both.driver_filters(), fr, head=h)) ** 2 for h in (s, k)]
    pw = (e[0] + e[1]) / 2
    canc = 10 * np.log10(np.stack([pw[:, 0, 0] / pw[:, 0, 1], pw[:, 1, 1] / pw[:, 1, 0]]))
    assert np.allclose(canc.T, f["cancellation_db"], atol=1e-9)
    inside = (fr > lo) & (fr < hi)
    tgt = target_curve_db(p, fr)[inside]
    assert np.median(canc[:, inside]) < np.median(tgt)  # 20.6 against 22 dB
    assert np.min(canc[:, inside] - tgt) < -3.0  # judged there, the check would fail
    assert not design_ctc(p, head=s).target_unreachable.any()


@needs_kemar
def test_heads_are_aligned_before_they_are_combined():
    """KEMAR's plant sits a bulk delay behind the sphere's (its diffuse-field
    equalisation); the design removes it, found independently here as the lag of
    the broadband cross-correlation of the two heads' design-point impulse
    responses (the envelope of their cross-correlation by numpy's inverse FFT of the
    one-sided cross-spectrum, 150 Hz-9 kHz).
    Aligned, the CTC delivers its ipsi level on each head within 2 dB of one
    driver's (500 Hz-6 kHz); averaging the unaligned rows left -5.6 dB."""
    from dsp_model.ctc import head_lag
    from dsp_model.ctc_metrics import ipsi_deviation

    p = load_profile("studio5")
    s, k = heads.head_for(p, head="sphere"), heads.head_for(p, head="kemar")
    n, fs, up = 4096, p.sample_rate, 8  # lags on a grid of 1/(8 fs), by zero padding
    f = np.fft.rfftfreq(n, 1.0 / fs)[1:]
    pos = listener_positions(p.listener.distance, dx=np.array([0.0]))
    hp = heads.plant_over_heads(f, p, (s, k), heads=pos, drivers=ctc_drivers(p))  # (F,2,2,D)
    w = ((f >= 150.0) & (f <= 9000.0))[:, None, None]
    x = np.sum(np.conj(hp[:, 0]) * hp[:, 1] * w, axis=(1, 2))
    spec = np.zeros(up * n, complex)  # one-sided: the correlation's envelope, not its fringes
    spec[1:len(x) + 1] = x
    xc = np.abs(np.fft.ifft(spec))
    lag = (np.argmax(np.roll(xc, up * n // 2)) - up * n // 2) / (up * fs)
    assert 100e-6 < lag < 250e-6  # ~170 us
    got = head_lag(hp[:, 0], hp[:, 1], f, (150.0, 9000.0))
    assert abs(got - lag) <= 1.5 / (up * fs)
    both = design_ctc(p, head=(s, k))
    fr = np.geomspace(500.0, 6000.0, 60)
    for h in (s, k):
        ip = ipsi_deviation(p, both, fr, head=h)
        assert np.all(np.abs(ip) < 2.0), (heads.head_name(h), ip.min(), ip.max())
