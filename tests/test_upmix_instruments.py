"""The real-instrument stimuli (h) themselves (tests/upmix_instruments.py), not the upmix.

The mixing tests run on synthetic stems (no FluidSynth needed); the rendering tests
skip with a loud reason when FluidSynth or the TimGM6mb soundfont is missing. Full
10 s renders come from the user's stem cache (cold: about 1.5 s a seed).
"""

from __future__ import annotations

import inspect
import io

import mido
import numpy as np
import pytest
import upmix_instruments as ui
from upmix_instruments import InstrumentsUnavailable, instrument_mix

from dsp_model.signals import db_to_amp

FS = 48000
VARIANTS = [(False, False), (True, False), (False, True), (True, True)]  # (time, rev)
UNAVAILABLE = ui.unavailable_reason()
needs_fluidsynth = pytest.mark.skipif(UNAVAILABLE is not None, reason=str(UNAVAILABLE))


def _db(x) -> float:
    return 20.0 * np.log10(np.sqrt(np.mean(np.square(x))))


def test_tune_and_report_seeds_are_disjoint():
    assert not set(ui.TUNE_SEEDS) & set(ui.REPORT_SEEDS)
    assert len(ui.TUNE_SEEDS) >= 3 and len(ui.REPORT_SEEDS) >= 3


# --------------------------------------------------------------------------- missing tools


def test_missing_fluidsynth_raises_loudly_with_what_to_install(monkeypatch):
    monkeypatch.setattr(ui.shutil, "which", lambda name: None)
    with pytest.raises(InstrumentsUnavailable, match="FLUIDSYNTH NOT INSTALLED") as e:
        instrument_mix(1.0, seed=1)
    assert "fluidsynth command" in str(e.value)
    assert "apt-get install fluidsynth timgm6mb-soundfont" in str(e.value)


def test_missing_soundfont_raises_loudly(monkeypatch, tmp_path):
    monkeypatch.setattr(ui, "SOUNDFONT", tmp_path / "absent.sf2")
    with pytest.raises(InstrumentsUnavailable, match="absent.sf2"):
        ui.render_stems(ui.compose(1, 1.0))


# --------------------------------------------------------------------------- composition


def _notes(midi: bytes) -> list[tuple[float, int, int]]:
    """(seconds, channel, key) of every note-on."""
    t, out = 0.0, []
    for msg in mido.MidiFile(file=io.BytesIO(midi)):
        t += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            out.append((t, msg.channel, msg.note))
    return out


@pytest.mark.parametrize("seed", [*ui.TUNE_SEEDS, *ui.REPORT_SEEDS])
def test_compose_writes_the_documented_music(seed):
    song = ui.compose(seed)
    assert 90 <= song.bpm <= 130
    assert song.programs["lead"] in ui.LEADS and song.programs["guitar"] in ui.GUITARS
    assert song.programs["keys"] in ui.KEYS and song.programs["strings"] in ui.STRINGS
    scale = {(song.tonic + s) % 12 for s in (ui._MINOR if song.minor else ui._MAJOR)}
    for name in ui.STEMS:
        notes = _notes(song.midi[name])
        assert notes and notes[0][0] < 0.5, name  # plays from the start
        assert max(t for t, _, _ in notes) > 10.0, name  # and past 10 s
        assert {ch for _, ch, _ in notes} == {9 if name == "drums" else ui.STEMS.index(name)}
        if name != "drums":
            assert {k % 12 for _, _, k in notes} <= scale, name  # diatonic
    _, lo, hi = ui.LEADS[song.programs["lead"]]
    assert all(lo <= k <= hi for _, _, k in _notes(song.midi["lead"]))
    drums = {k for _, _, k in _notes(song.midi["drums"])}
    assert {ui.KICK, ui.SNARE} <= drums and drums & {ui.HAT, ui.RIDE} and drums & set(ui.TOMS)


def test_compose_is_deterministic_and_seeds_differ():
    assert ui.compose(3).midi == ui.compose(3).midi
    songs = [ui.compose(s) for s in (*ui.TUNE_SEEDS, *ui.REPORT_SEEDS)]
    for name in ui.STEMS:
        assert len({s.midi[name] for s in songs}) == len(songs), name
    assert len({s.bpm for s in songs}) > 1 and len({s.programs["lead"] for s in songs}) > 1


# --------------------------------------------------------------------------- mixing


@pytest.fixture
def fake_stems(monkeypatch):
    """Seeded noise in place of the rendered stems: the mixing alone, without FluidSynth."""

    def stems(seed, seconds=10.0, fs=FS):
        rng = np.random.default_rng(seed)
        return {k: rng.standard_normal(int(seconds * fs)) for k in ui.STEMS}

    monkeypatch.setattr(ui, "instrument_stems", stems)
    return stems


@pytest.mark.parametrize("time_panned, reverberant", VARIANTS)
def test_center_is_the_dry_lead_at_voice_dbfs(fake_stems, time_panned, reverberant):
    s = instrument_mix(2.0, seed=5, time_panned=time_panned, reverberant=reverberant,
                       voice_dbfs=-23.0)
    lead = fake_stems(5, 2.0)["lead"]
    assert s.name == "instruments" + "_time" * time_panned + "_rev" * reverberant
    assert s.lr.shape == (2 * FS, 2) and s.center.shape == (2 * FS,) and s.fs == FS
    np.testing.assert_allclose(s.center, lead * (s.center[0] / lead[0]), rtol=1e-12)
    assert _db(s.center) == pytest.approx(-23.0, abs=1e-9)
    np.testing.assert_array_equal(s.sides, s.lr - s.center[:, None])
    for ch in range(2):  # the center is in both channels, whole
        assert np.dot(s.lr[:, ch], s.center) / np.dot(s.center, s.center) == pytest.approx(
            1.0, abs=0.05)


@pytest.fixture
def calls(monkeypatch):
    """Every call of place, reverb and room_tails in the mix: (arguments by name, result)."""
    def spy(f, record):
        def g(*args, **kw):
            out = f(*args, **kw)
            record.append((inspect.signature(f).bind(*args, **kw).arguments, out))
            return out
        return g

    log = {"place": [], "reverb": [], "room_tails": []}
    for name, record in log.items():
        monkeypatch.setattr(ui, name, spy(getattr(ui, name), record))
    return log


@pytest.mark.parametrize("time_panned, reverberant", VARIANTS)
def test_lr_is_the_center_in_both_channels_plus_placed_side_stems_and_rooms(
        fake_stems, calls, time_panned, reverberant):
    s = instrument_mix(2.0, seed=5, time_panned=time_panned, reverberant=reverberant)
    placed = [out for _, out in calls["place"]]
    rooms = [out for _, out in calls["reverb"]]
    assert len(placed) == len(ui.SIDE_STEMS) and len(rooms) == len(ui.STEMS) * reverberant
    np.testing.assert_allclose(s.sides, sum(placed) + sum(rooms), rtol=0, atol=1e-12)
    for a, _ in calls["place"]:  # the placed stems are not the lead
        assert abs(np.corrcoef(a["x"], s.center)[0, 1]) < 0.02
    if reverberant:  # the lead's room first, from the dry lead; L and R tails differ
        a, out = calls["reverb"][0]
        np.testing.assert_array_equal(a["x"], s.center)
        assert abs(np.corrcoef(out[:, 0], out[:, 1])[0, 1]) < 0.1


@pytest.mark.parametrize("seed", [*ui.TUNE_SEEDS, *ui.REPORT_SEEDS])
def test_placement_and_room_within_the_ranges_of_f_and_g(fake_stems, calls, seed):
    mixes = {v: instrument_mix(1.0, seed=seed, time_panned=v[0], reverberant=v[1])
             for v in VARIANTS}
    lead_db = _db(mixes[VARIANTS[0]].center)
    placements = {}
    for v in VARIANTS:
        ps = [(a["p"], _db(a["x"])) for a, _ in (calls["place"].pop(0) for _ in ui.SIDE_STEMS)]
        placements[v] = [p for p, _ in ps]
        levels = dict(zip(ui.SIDE_STEMS, (x_db - lead_db for _, x_db in ps), strict=True))
        drums = levels.pop("drums")
        assert all(-8.0 <= d <= 0.0 for d in levels.values()) and -12.0 <= drums <= -4.0
        assert {p.left for p, _ in ps} == {True, False}  # both sides used
        if v[0]:  # time panning: a spaced pair and a Haas copy at least
            delays = [p.far_delay_s for p, _ in ps]
            assert any(0.010 <= d <= 0.020 for d in delays)
            assert any(0.0003 <= d <= 0.002 for d in delays)
            assert all(0.0003 <= d <= 0.002 or 0.010 <= d <= 0.020 for d in delays)
            assert all(-12.0 <= p.far_db <= -3.0 for p, _ in ps)
        else:
            assert all(p.far_delay_s == 0 and -12.0 <= p.far_db <= -6.0 for p, _ in ps)
        if v[1]:  # one room, every stem and the lead through it
            a, _ = calls["room_tails"].pop(0)
            rt60, predelay = a["rt60"], a["predelay_s"]
            assert 0.3 <= rt60 <= 0.8 and 0.005 <= predelay <= 0.02
            tails = [a["level_db"] for a, _ in (calls["reverb"].pop(0) for _ in ui.STEMS)]
            assert all(-12.0 <= t <= -4.0 for t in tails)
    assert not any(calls.values())
    # the four variants share sides and levels, and the dry lead
    assert len({tuple(p.left for p in ps) for ps in placements.values()}) == 1
    for m in mixes.values():
        np.testing.assert_array_equal(m.center, mixes[VARIANTS[0]].center)


# --------------------------------------------------------------------------- rendering


@needs_fluidsynth
def test_stems_are_cached_and_rendered_again_when_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("SOUNDSTAGE_CACHE", str(tmp_path))
    renders = []
    render = ui._render
    monkeypatch.setattr(ui, "_render", lambda *a: renders.append(a) or render(*a))
    song = ui.compose(9, 1.0)
    first = ui.render_stems(song)
    assert len(renders) == len(ui.STEMS)
    files = sorted((tmp_path / "instrument_stems").iterdir())
    assert [f.suffix for f in files] == [".npy"] * len(ui.STEMS)  # no temporary left
    again = ui.render_stems(song)
    assert len(renders) == len(ui.STEMS)  # all from the cache
    files[0].unlink()
    third = ui.render_stems(song)
    assert len(renders) == len(ui.STEMS) + 1 and files[0].is_file()
    for k in ui.STEMS:  # FluidSynth renders the same bits again
        np.testing.assert_array_equal(first[k], again[k])
        np.testing.assert_array_equal(first[k], third[k])


@needs_fluidsynth
def test_cache_key_covers_midi_and_fs_and_writes_are_atomic(monkeypatch, tmp_path):
    monkeypatch.setenv("SOUNDSTAGE_CACHE", str(tmp_path))
    exe = ui._require()
    a, b = ui.compose(1, 1.0).midi["lead"], ui.compose(2, 1.0).midi["lead"]
    path = ui._stem_path("lead", exe, a, FS)
    assert path.parent == tmp_path / "instrument_stems"
    assert path != ui._stem_path("lead", exe, b, FS) != ui._stem_path("lead", exe, a, 44100)

    def killed(f, x):
        f.write(b"\x93NUMPY half")
        raise KeyboardInterrupt

    monkeypatch.setattr(ui.np, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        ui._cached_render("lead", exe, a, FS)
    assert list(path.parent.iterdir()) == []  # neither a half file nor its temporary


@needs_fluidsynth
@pytest.mark.parametrize("seed", [
    pytest.param(s, marks=[] if s in (ui.TUNE_SEEDS[0], ui.REPORT_SEEDS[0]) else pytest.mark.slow)
    for s in (*ui.TUNE_SEEDS, *ui.REPORT_SEEDS)])
def test_rendered_stems_and_mixes_are_plausible(seed):
    raw = ui.render_stems(ui.compose(seed))
    for k, x in raw.items():  # FluidSynth's gain: neither clipped nor faint
        assert x.dtype == np.float32 and np.max(np.abs(x)) < db_to_amp(-1.0), k
        assert _db(x) > -45.0, k
    stems = ui.instrument_stems(seed)
    spectra = {}
    for k, x in stems.items():
        assert len(x) == 10 * FS
        assert abs(np.mean(x)) < 1e-3 * np.sqrt(np.mean(x**2)), k  # no DC
        p = np.abs(np.fft.rfft(x)) ** 2
        f = np.fft.rfftfreq(len(x), 1 / FS)
        spectra[k] = {"centroid": np.sum(f * p) / np.sum(p), "hi": np.sum(p[f > 4000]) / np.sum(p)}
        if k == "lead":  # within 0.5 s, with rests between phrases
            assert np.argmax(np.abs(x) > 0.01 * np.max(np.abs(x))) < FS // 2
            frames = 10 * np.log10(np.mean(x.reshape(-1, FS // 10) ** 2, axis=1) + 1e-30)
            assert 0.02 < np.mean(frames < _db(x) - 40.0) < 0.3
        else:  # plays through: every half second within 20 dB of the stem's RMS
            halves = 10 * np.log10(np.mean(x.reshape(-1, FS // 2) ** 2, axis=1))
            assert np.min(halves) > _db(x) - 20.0, k
    assert 250.0 < spectra["lead"]["centroid"] < 2500.0
    assert spectra["drums"]["hi"] > 2 * max(s["hi"] for k, s in spectra.items() if k != "drums")
    for v in VARIANTS:
        m = instrument_mix(seed=seed, time_panned=v[0], reverberant=v[1])
        assert np.max(np.abs(m.lr)) < 1.0, m.name
        halves = 10 * np.log10(np.mean(m.lr.reshape(-1, FS // 2, 2) ** 2, axis=(1, 2)))
        assert np.min(halves) > _db(m.lr) - 10.0, m.name  # dense through the 10 s
    m = instrument_mix(seed=seed)
    np.testing.assert_array_equal(m.lr, instrument_mix(seed=seed).lr)  # deterministic
    other = ui.REPORT_SEEDS[0] if seed == ui.TUNE_SEEDS[0] else ui.TUNE_SEEDS[0]
    assert abs(np.corrcoef(instrument_mix(seed=other).center, m.center)[0, 1]) < 0.3
