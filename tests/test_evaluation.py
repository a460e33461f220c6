"""Evaluation estimators on cases whose answer is known from physics."""

import json

import numpy as np
import pytest

from device_profiles import load_profile
from dsp_model.acoustics import SPEED_OF_SOUND, listener_positions
from dsp_model.binaural import apply_ear_firs, point_source_ear_firs, source_at
from dsp_model.chain_design import plain_chain
from dsp_model.evaluation import (
    EvaluationSettings,
    ZoneGrid,
    device_condition,
    driver_feeds,
    localize_conditions,
    reference_condition,
    stimulus,
    width_summary,
)
from dsp_model.evaluation_cues import ILD_CENTRES, cue_curves, cues_from_signals, localize
from dsp_model.evaluation_room import RoomSpec, drr_db, point_ir, room_images
from dsp_model.signals import white_noise

FS = 48000
A = 0.0875
C = SPEED_OF_SOUND


@pytest.fixture(scope="module")
def compact2():
    return load_profile("compact2")


def _frac_delay(x: np.ndarray, d: float) -> np.ndarray:
    n = len(x)
    k = 2 * n
    f = np.fft.rfftfreq(k)
    return np.fft.irfft(np.fft.rfft(x, k) * np.exp(-2j * np.pi * f * d), k)[:n]


# ------------------------------------------------------------ cue estimators

@pytest.mark.parametrize("delay", [-17.0, -3.37, 0.0, 0.5, 8.21, 30.0])
def test_itd_of_a_pure_delay(delay):
    """Right ear = left ear advanced by `delay` samples -> ITD = delay / fs, IACC = 1."""
    x = white_noise(24000, seed=4)
    ears = np.stack([_frac_delay(x, delay), x], axis=1)[200:-200]
    cu = cues_from_signals(ears, FS)
    assert cu.itd == pytest.approx(delay / FS, abs=1.5e-6)
    assert cu.iacc == pytest.approx(1.0, abs=0.01)


def test_ild_of_a_level_difference():
    x = white_noise(24000, seed=5)
    cu = cues_from_signals(np.stack([x, 2.0 * x], axis=1), FS)
    assert len(cu.ild) == len(ILD_CENTRES)
    assert np.allclose(cu.ild, 20 * np.log10(2.0), atol=1e-9)


def test_uncorrelated_ears_have_low_iacc():
    ears = np.stack([white_noise(48000, seed=6), white_noise(48000, seed=7)], axis=1)
    assert cues_from_signals(ears, FS).iacc < 0.1


def test_sphere_itd_curve_between_woodworth_and_kuhn():
    """The cross-correlation ITD of the sphere (100-1500 Hz) lies between the
    high-frequency ray limit (Woodworth, a/c (th + sin th)) and the low-frequency
    limit (Kuhn, 3 a/c sin th), and rises monotonically to 90 deg."""
    cc = cue_curves(float(FS), A, 90.0, 2.0)
    for az in (15, 30, 45, 60):
        th = np.deg2rad(az)
        itd = np.interp(az, cc.azimuth, cc.itd)
        assert A / C * (th + np.sin(th)) < itd < 3 * A / C * np.sin(th)
    assert np.all(np.diff(cc.itd) >= 0)
    assert cc.ild[0] == pytest.approx(np.zeros(len(ILD_CENTRES)), abs=1e-9)


# ------------------------------------------------------------ localization

@pytest.mark.parametrize("az", [-57.0, -38.0, -11.0, 0.0, 4.0, 19.0, 33.0, 46.0, 58.0])
@pytest.mark.parametrize("dist", [1.5, 2.0, 3.0])
def test_single_source_within_5_deg_below_60(az, dist):
    """A point source at a known angle (white noise, not the pink calibration
    weighting; distances other than the 2 m calibration)."""
    head = np.zeros((1, 3))
    f = point_source_ear_firs(source_at(head[0], az, dist), head, fs=FS, a=A)
    ears = apply_ear_firs(white_noise(16000, seed=8), f)[0][1000:]
    loc = localize(ears, FS, a=A, distance=2.0)
    assert loc.azimuth == pytest.approx(az, abs=5.0)
    assert loc.azimuth_itd == pytest.approx(az, abs=5.0)


def test_reference_pair_gives_plus_minus_30(compact2):
    n = 24000
    cond = reference_condition(compact2, n)
    head = listener_positions(compact2.listener.distance)
    w = width_summary(localize_conditions(compact2, [cond], head, np.zeros(1))["reference"])
    assert w["left"]["azimuth"] == pytest.approx(-30.0, abs=2.0)
    assert w["right"]["azimuth"] == pytest.approx(30.0, abs=2.0)
    assert w["center"]["azimuth"] == pytest.approx(0.0, abs=0.5)
    assert w["width_deg"] == pytest.approx(60.0, abs=3.0)


def test_plain_playback_hard_left_is_the_left_driver(compact2):
    """Plain playback of a hard-left source is the left driver alone: a single source
    at atan(0.05 / 1.97) = -1.45 deg; the centre image is on the axis."""
    n = 24000
    cond = device_condition("plain", compact2, plain_chain(compact2), n)
    head = listener_positions(compact2.listener.distance)
    w = width_summary(localize_conditions(compact2, [cond], head, np.zeros(1))["plain"])
    want = np.rad2deg(np.arctan2(0.05, 2.0 - 0.03))
    assert w["left"]["azimuth"] == pytest.approx(-want, abs=1.0)
    assert w["right"]["azimuth"] == pytest.approx(want, abs=1.0)
    assert w["center"]["azimuth"] == pytest.approx(0.0, abs=0.2)


def test_oracle_upmix_matches_passive_on_plain_chain(compact2):
    """Plain playback is linear in L = L' + C and R = R' + C, so any exact upmix
    gives the same driver feeds: the oracle stems and the passive split agree."""
    d = plain_chain(compact2)
    for s in ("left", "center"):
        st, stems = stimulus(s, 4000)
        a = driver_feeds(d, st, stems, upmix="oracle")
        b = driver_feeds(d, st, stems, upmix="passive")
        assert np.allclose(a, b, atol=1e-12)


# ------------------------------------------------------------ room

@pytest.fixture(scope="module")
def room_source():
    spec = RoomSpec()
    src = spec.to_room(np.zeros((1, 3)))
    return spec, src[0], room_images(spec, src, FS)[0]


def test_drr_falls_with_distance_like_sabine(room_source):
    """DRR falls with distance and follows the diffuse-field law 20 log10(r_c / r)
    with Sabine's critical distance r_c = 0.057 sqrt(V / T60) (within 1.5 dB)."""
    spec, src, im = room_source
    rc = 0.057 * np.sqrt(np.prod(spec.dims) / spec.rt60)
    n = int(0.5 * FS)
    drr = []
    for r in (0.75, 1.5, 2.5, 3.5):
        p = src + np.array([0.0, r, 0.0])
        d = drr_db(point_ir(im, p, FS, n, max_order=0), point_ir(im, p, FS, n), FS,
                   (250.0, 8000.0))
        drr.append(d)
        assert d == pytest.approx(20 * np.log10(rc / r), abs=1.5)
    assert np.all(np.diff(drr) < -1.0)


def test_point_ir_agrees_with_pyroomacoustics(room_source):
    """Our rendering of pyroomacoustics' images equals its own RIR builder (same
    1/r scaling; its fractional-delay filter is centred 40 samples late)."""
    import pyroomacoustics as pra

    spec, src, im = room_source
    p = src + np.array([0.4, 2.0, 0.1])
    absorption, order = pra.inverse_sabine(spec.rt60, list(spec.dims))
    room = pra.ShoeBox(list(spec.dims), fs=FS, materials=pra.Material(absorption),
                       max_order=min(order, spec.max_order), air_absorption=False)
    room.add_source(list(src))
    room.add_microphone(list(p))
    room.compute_rir()
    ref = np.asarray(room.rir[0][0])[40:]
    n = min(len(ref), int(0.25 * FS))
    mine = point_ir(im, p, FS, n)
    # compare in a band away from pyroomacoustics' DC high-pass and the band edge
    k = 2 * n
    f = np.fft.rfftfreq(k, 1 / FS)
    sel = (f > 200) & (f < 12000)
    a, b = np.fft.rfft(mine, k)[sel], np.fft.rfft(ref[:n], k)[sel]
    assert np.linalg.norm(a - b) / np.linalg.norm(b) < 0.05


# ------------------------------------------------------------ command

def test_evaluate_command_writes_its_files(tmp_path, capsys):
    from host_tools.cli import main

    out = tmp_path / "ev"
    rc = main(["evaluate", "compact2", "--out", str(out), "--grid", "2", "2",
               "--duration", "0.15", "--lateral", "3"])
    assert rc == 0
    for name in ("evaluation.json", "width.png", "zones_width.png", "zones_center.png",
                 "zones_lateral.png", "room.png"):
        assert (out / name).stat().st_size > 0, name
    res = json.loads((out / "evaluation.json").read_text())
    assert set(res["width"]) == {"reference", "plain", "processed"}
    assert res["width"]["reference"]["fraction_of_reference"] == pytest.approx(1.0)
    assert np.array(res["zones"]["conditions"]["plain"]["width_deg"]).shape == (2, 2)
    assert {"drr_db", "iacc", "iacc_early"} <= set(res["depth"]["designs"]["plain"])
    printed = capsys.readouterr().out
    assert "width at the listener" in printed and "DRR" in printed
    walls = res["depth"]["first_reflections"]["walls"]
    assert set(walls) == {"left", "right", "front", "back", "floor", "ceiling"}
    assert "first reflection of the centre re direct sound" in printed
    for wall, v in walls.items():
        assert set(v["level_db"]) == {"plain", "processed"}
        assert v["change_db"] == pytest.approx(v["level_db"]["processed"]
                                               - v["level_db"]["plain"])
        row = next(ln for ln in printed.splitlines() if ln.split()[:1] == [wall])
        assert (f"{v['level_db']['plain']:.2f}" in row and f"{v['level_db']['processed']:.2f}"
                in row and f"{v['change_db']:.2f}" in row), row
    loud = res["loudness"]  # the design's figure (dsp_model/loudness.py, tests/test_loudness.py)
    assert loud["stimulus"]["signal"].startswith("signals.program_noise")
    assert loud["cost_lu"] == pytest.approx(loud["plain_lufs"] - loud["spatial_lufs"])
    assert f"loudness cost: {loud['cost_lu']:.1f} LU quieter than plain stereo" in printed


def test_settings_defaults_are_the_documented_ones():
    st = EvaluationSettings()
    assert st.grid == ZoneGrid() and st.grid.x == (-1.5, 1.5) and st.grid.y == (0.5, 3.5)
    assert st.upmix == "oracle"


def test_itd_consistency_high_for_a_source_low_for_scrambled_phases():
    """Every band of a delayed pair agrees on the lag (consistency ~1); a right ear whose
    band phases are scrambled has no common lag (low consistency, ITD weight falls)."""
    x = white_noise(24000, seed=10)
    delayed = np.stack([_frac_delay(x, 12.0), x], axis=1)
    assert cues_from_signals(delayed, FS).itd_consistency > 0.97
    k = 2 * len(x)
    rng = np.random.default_rng(11)
    spec = np.fft.rfft(x, k)
    f = np.fft.rfftfreq(k, 1 / FS)
    # a random interaural phase per third-octave-ish band, +-pi
    edges = np.geomspace(150, 1500, 10)
    ph = np.zeros_like(f)
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        ph[(f >= lo) & (f < hi)] = rng.uniform(-np.pi, np.pi)
    y = np.fft.irfft(spec * np.exp(1j * ph), k)[: len(x)]
    cu = cues_from_signals(np.stack([x, y], axis=1), FS)
    assert cu.itd_consistency < 0.7


def test_processed_design_switch(monkeypatch, compact2):
    import importlib.machinery
    import sys
    import types

    from dsp_model.evaluation import processed_design

    d, src = processed_design(compact2)
    if "plain_chain" in src:
        fake = types.ModuleType("dsp_model.design")
        fake.__spec__ = importlib.machinery.ModuleSpec("dsp_model.design", None)
        fake.design_chain = lambda p: plain_chain(p)
        monkeypatch.setitem(sys.modules, "dsp_model.design", fake)
        d2, src2 = processed_design(compact2)
        assert src2 == "dsp_model.design.design_chain" and d2.n_drivers == 2
    else:
        assert src == "dsp_model.design.design_chain"


def test_room_depth_sideways_dipole_is_less_direct_than_plain(compact2):
    """Centre fed in antiphase to the two drivers (a dipole with its null toward the
    listener, its lobes toward the side walls) against plain in-phase mixing: the
    listener gets (almost) no direct sound, so the DRR collapses, and the ears get
    mostly lateral reflections, so the IACC falls."""
    from dsp_model.chain_design import PathFilter, assemble
    from dsp_model.evaluation import room_depth

    pl = plain_chain(compact2)
    dip = assemble(compact2, pl.paths[:2] + (
        PathFilter("center", 2, 0, np.array([1.0]), (np.array([1.0]), np.array([-1.0]))),))
    r = room_depth(compact2, {"plain": pl, "dipole": dip}, ir_length=0.3)["designs"]
    assert r["plain"]["drr_db"] > r["dipole"]["drr_db"] + 20.0
    assert r["plain"]["iacc"] > r["dipole"]["iacc"] + 0.2
    assert r["plain"]["iacc_anechoic"] == pytest.approx(1.0, abs=1e-3)  # on the axis
    # plain: two coherent drivers 10 cm apart at 2 m are near one source; the DRR is
    # within a few dB of the single-source diffuse-field value
    spec = RoomSpec()
    rc = 0.057 * np.sqrt(np.prod(spec.dims) / spec.rt60)
    assert r["plain"]["drr_db"] == pytest.approx(20 * np.log10(rc / 2.0), abs=4.0)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["compact2", "studio5"])
def test_full_default_evaluation(name):
    """The default run (7x7 grid, 0.5 s stimuli, room) on each bundled profile: the
    reference reads +-30 deg, plain playback reads the drivers' own spread, and
    every map has the grid's shape."""
    from dsp_model.evaluation import evaluate

    prof = load_profile(name)
    res = evaluate(prof)
    w = res["width"]
    assert w["reference"]["width_deg"] == pytest.approx(60.0, abs=1.0)
    assert abs(w["plain"]["width_deg"]) < 10.0
    assert abs(w["plain"]["center"]["azimuth"]) < 0.5
    for m in res["zones"]["conditions"].values():
        assert np.array(m["width_deg"]).shape == (7, 7)
    json.dumps(res, allow_nan=False)  # plain JSON, no NaN
    assert res["lateral"]["conditions"]["reference"]["half_width_m"] == pytest.approx(0.3)


def test_itd_at_the_window_edge_is_not_a_cue():
    """A 1.6 ms interaural delay (beyond the +-1 ms window, no natural source makes it):
    the summary correlogram has no interior peak, so the ITD gets no weight."""
    x = white_noise(24000, seed=12)
    ears = np.stack([_frac_delay(x, 0.0016 * FS), x], axis=1)[200:]
    cu = cues_from_signals(ears, FS)
    assert cu.itd_consistency == 0.0


def test_directivity_index_of_monopoles():
    """One monopole: DI = 0 dB. Two in-phase monopoles d apart, seen broadside:
    DI = 10 log10(2 / (1 + sin(kd)/(kd))) (power of the pair vs its on-axis level)."""
    from types import SimpleNamespace

    from dsp_model.evaluation_room import directivity_index

    def drv(x):
        return SimpleNamespace(position=(x, 0.0, 0.0), orientation=(0.0, 1.0, 0.0),
                               radius=1e-4)

    one = np.ones((1, 1))
    f0 = 2000.0
    band = (f0 - 1.0, f0 + 1.0)
    assert directivity_index([drv(0.0)], one, FS, band, piston=False) == pytest.approx(
        0.0, abs=0.05)
    d = 0.1
    kd = 2 * np.pi * f0 / C * d
    want = 10 * np.log10(2 / (1 + np.sin(kd) / kd))
    got = directivity_index([drv(-d / 2), drv(d / 2)], np.ones((1, 2)), FS, band,
                            piston=False, n_dirs=4000)
    assert got == pytest.approx(want, abs=0.05)


def test_drr_gain_of_a_pair_equals_its_directivity_index(compact2):
    """Diffuse-field theory: against one omni source at the same place, a source with
    directivity index DI toward the listener gains DI in DRR (within 1 dB here: the
    shoebox field is not perfectly diffuse)."""
    from dsp_model.evaluation import room_depth

    r = room_depth(compact2, {"plain": plain_chain(compact2)}, ir_length=0.4)
    v = r["designs"]["plain"]
    spec = RoomSpec()
    head = spec.to_room(listener_positions(compact2.listener.distance)[0])
    im = room_images(spec, spec.to_room(np.zeros((1, 3))), FS)[0]
    n = int(0.4 * FS)
    single = drr_db(point_ir(im, head, FS, n, max_order=0), point_ir(im, head, FS, n), FS,
                    tuple(compact2.beamformer.band))
    assert v["drr_db"] - single == pytest.approx(v["di_omni_db"], abs=1.0)


# ------------------------------------------------------------------ first reflections

def _sabine_rho(spec: RoomSpec) -> float:
    """sqrt(1 - alpha), alpha from Sabine's formula T = 24 ln10 V / (c S alpha)."""
    lx, ly, lz = spec.dims
    vol, surf = lx * ly * lz, 2 * (lx * ly + lx * lz + ly * lz)
    alpha = 24 * np.log(10) * vol / (C * surf * spec.rt60)
    return float(np.sqrt(1 - alpha))


def test_first_reflection_of_a_point_source_is_the_path_ratio():
    """A tiny driver (omnidirectional in the band) fed by an impulse: each wall's
    reflection is rho * r_direct / r_image, whatever the frequency."""
    from types import SimpleNamespace

    from dsp_model.evaluation_room import first_reflections

    spec = RoomSpec()
    drv = [SimpleNamespace(position=(0.0, 0.0, 0.0), orientation=(0.0, 1.0, 0.0),
                           radius=1e-7)]
    lis = np.array([2.1, 2.7, 1.2])  # 2 m in front of the device at (2.1, 0.7, 1.2)
    r = first_reflections(drv, np.array([[1.0]]), FS, spec, lis, (400.0, 4000.0))
    images = {"left": (-2.1, 0.7, 1.2), "right": (7.9, 0.7, 1.2), "front": (2.1, -0.7, 1.2),
              "back": (2.1, 11.3, 1.2), "floor": (2.1, 0.7, -1.2), "ceiling": (2.1, 0.7, 4.2)}
    rho = _sabine_rho(spec)
    for wall, img in images.items():
        r_img = np.linalg.norm(lis - np.array(img))
        assert r[wall]["level_db"] == pytest.approx(20 * np.log10(rho * 2.0 / r_img),
                                                    abs=1e-6), wall
        assert r[wall]["delay_ms"] == pytest.approx(1e3 * (r_img - 2.0) / C), wall
    assert r["left"]["off_axis_deg"] == pytest.approx(np.rad2deg(np.arctan2(2.1, 1.0)))
    assert r["back"]["off_axis_deg"] == pytest.approx(0.0, abs=1e-6)


def _left_wall_by_hand(prof, irs, spec, band, n_freqs=256):
    """Independent image-source sum for the left wall (x = 0), from the geometry."""
    from scipy.special import j1

    dev = np.array(spec.device)
    lis = dev + np.array([0.0, prof.listener.distance, 0.0])
    f = np.linspace(*band, n_freqs)
    k = 2 * np.pi * f / C
    n = np.arange(irs.shape[0])
    g = np.exp(-2j * np.pi * f[:, None] * n[None, :] / FS) @ irs  # (F, D)

    def piston(radius, cos_phi):
        x = k * radius * np.sqrt(max(1 - cos_phi**2, 0.0))
        return np.where(x < 1e-8, 1.0, 2 * j1(np.maximum(x, 1e-8)) / np.maximum(x, 1e-8))

    def field(mirror):
        tot = np.zeros(len(f), complex)
        for i, d in enumerate(prof.drivers):
            p = dev + np.array(d.position)
            o = np.array(d.orientation, float)
            if mirror:  # the wall x = 0: x -> -x for the position and the axis
                p[0], o[0] = -p[0], -o[0]
            v = lis - p
            r = np.linalg.norm(v)
            tot += g[:, i] * piston(d.radius, v @ o / r) * np.exp(-1j * k * r) / r
        return tot

    rho = _sabine_rho(spec)
    return 10 * np.log10(np.sum(np.abs(rho * field(True)) ** 2)
                         / np.sum(np.abs(field(False)) ** 2))


@pytest.fixture(scope="module")
def studio5_reflections():
    from dsp_model.evaluation import center_path_irs, processed_design, room_depth

    prof = load_profile("studio5")
    design, _ = processed_design(prof)
    designs = {"plain": plain_chain(prof), "processed": design}
    r = room_depth(prof, designs, ir_length=0.2)["first_reflections"]
    return prof, designs, r, {k: center_path_irs(d) for k, d in designs.items()}


def test_left_wall_reflection_recomputed_by_hand(studio5_reflections):
    prof, _, r, irs = studio5_reflections
    assert r["band_hz"] == list(prof.beamformer.band)
    for name in ("plain", "processed"):
        ref = _left_wall_by_hand(prof, irs[name], RoomSpec(), tuple(prof.beamformer.band))
        assert r["walls"]["left"]["level_db"][name] == pytest.approx(ref, abs=1e-9), name


def test_studio5_beam_sends_less_to_the_side_walls(studio5_reflections):
    """The midrange beam (nulls at +-90 deg) lowers both side-wall first reflections
    re the direct sound, against plain playback (reflection points 65 and 71 deg off
    the listener direction in the default room)."""
    w = studio5_reflections[2]["walls"]
    assert w["left"]["change_db"] < -1.0
    assert w["right"]["change_db"] < -2.0
