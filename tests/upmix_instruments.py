"""(h) Real instruments for the upmix tests and benchmark: stems rendered from MIDI.

Per seed, `compose` writes the music as one MIDI file per stem (mido): a key, a tempo
of 90-130 bpm, a four-chord progression (one chord a bar), and

  lead     a singable legato line in phrases of 4-8 beats with rests, vibrato (CC1)
           on the long notes, played by a sung or blown GM program (`LEADS`)
  guitar   nylon or steel, arpeggiated (eighths) or strummed (strings 12 ms apart)
  keys     piano or electric piano comping the chords, a left-hand root and fifth
  strings  an ensemble holding the chords, a bass voice under three voice-led ones
  drums    GM channel 10: kick, snare, hi-hat or ride, a crash, a tom fill every 4th bar

FluidSynth renders each stem alone with the TimGM6mb General MIDI soundfont, its
reverb and chorus off, the stereo output summed to mono: the stems are dry
(`render_stems`). Rendered stems are cached outside the repository (`cache_dir`), keyed
by a hash of everything that makes them (MIDI bytes, soundfont path and size,
FluidSynth version, its arguments, fs); a missing file is rendered again, a new one is
written atomically. `instrument_stems` high-passes them at 20 Hz (a DC offset in one
TimGM6mb sample) and trims the leading silence.

`instrument_mix` places the stems the way (d), (f) and (g) of tests/upmix_stimuli.py do,
with their `Placement`/`place` and `room_tails`/`reverb`: the lead in the center at
`voice_dbfs` RMS, the four side stems 0-8 dB below it (the drums 4-12 dB: uncompressed,
their crest factor is ~19 dB), each on a random side (both sides used), amplitude-panned
(far channel 6-12 dB down) or time-panned (0.3-2 ms spaced pair or 10-20 ms Haas, 3-12
dB down; one of each at least); reverberant: every stem, the lead included, through one
room (RT60 0.3-0.8 s, each tail 4-12 dB below its stem). The true center is the dry
lead. The four variants of a seed share the music, the levels and the sides; they
differ only in the panning and the room. The 24 mixes of seeds 1-6 peak below 0 dBFS.

Tune on `TUNE_SEEDS`, report on `REPORT_SEEDS`.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
from scipy.io import wavfile
from scipy.signal import butter, sosfilt
from upmix_stimuli import FS, Placement, Stimulus, _rms, place, reverb, room_tails

from device_profiles.errors import UserError
from dsp_model.signals import db_to_amp

SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")  # Debian timgm6mb-soundfont
INSTALL = "apt-get install fluidsynth timgm6mb-soundfont"  # ./dev setup does it as root
GAIN = 1.0  # FluidSynth master gain: the loudest stem of seeds 1-6 peaks near -4.5 dBFS
TUNE_SEEDS = (1, 2, 3)
REPORT_SEEDS = (4, 5, 6)
SIDE_STEMS = ("guitar", "keys", "strings", "drums")
STEMS = ("lead", *SIDE_STEMS)
_CACHE_FORMAT = b"soundstage instrument stem v1: float32 .npy, mean of L and R"

# GM programs, 0-based (TimGM6mb's own names differ slightly). The lead's range is
# the MIDI notes its line is written in: the comfortable middle of the voice or horn.
LEADS = {52: ("Choir Aahs", 57, 74), 53: ("Voice Oohs", 57, 74), 56: ("Trumpet", 60, 79),
         65: ("Alto Sax", 56, 75), 66: ("Tenor Sax", 50, 70), 71: ("Clarinet", 55, 77),
         73: ("Flute", 67, 86)}
GUITARS = {24: "Acoustic Guitar (nylon)", 25: "Acoustic Guitar (steel)"}
KEYS = {0: "Acoustic Grand Piano", 1: "Bright Acoustic Piano", 4: "Electric Piano 1",
        5: "Electric Piano 2"}
STRINGS = {48: "String Ensemble 1", 49: "String Ensemble 2"}
KICK, SNARE, HAT, OPEN_HAT, RIDE, CRASH = 36, 38, 42, 46, 51, 49  # GM percussion keys
TOMS = (50, 48, 47, 45, 43, 41)  # high to low

_TPB = 480  # MIDI ticks per beat
_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)
_PROGRESSIONS = {  # root scale degrees (0 = tonic), one chord a bar
    False: ((0, 4, 5, 3), (5, 3, 0, 4), (0, 5, 3, 4), (1, 4, 0, 5), (0, 3, 0, 4)),
    True: ((0, 5, 2, 6), (0, 3, 6, 2), (0, 5, 3, 4), (0, 6, 5, 6)),
}


class InstrumentsUnavailable(UserError):
    """FluidSynth or the soundfont is not installed: the (h) stimuli cannot be rendered."""


# --------------------------------------------------------------------------- composition


@dataclass(frozen=True)
class Song:
    seed: int
    bpm: int
    tonic: int  # pitch class, 0 = C
    minor: bool
    chords: tuple[int, ...]  # root scale degree of each bar
    programs: dict[str, int]  # GM program of each pitched stem
    midi: dict[str, bytes]  # one type-0 MIDI file per stem


def _chord_pcs(tonic: int, scale: tuple[int, ...], root: int, tones: int = 3) -> list[int]:
    """Pitch classes of the diatonic chord on scale degree `root`, stacked in thirds."""
    return [(tonic + scale[(root + 2 * k) % 7]) % 12 for k in range(tones)]


def _voice_lead(pcs: list[int], lo: int, prev: float) -> list[int]:
    """The inversion of pcs stacked upward from its lowest note >= lo whose mean pitch is
    closest to prev (close voice leading)."""
    best = None
    for i in range(len(pcs)):
        rot = pcs[i:] + pcs[:i]
        notes = [lo + (rot[0] - lo) % 12]
        for pc in rot[1:]:
            notes.append(notes[-1] + (pc - notes[-1]) % 12)
        if best is None or abs(np.mean(notes) - prev) < abs(np.mean(best) - prev):
            best = notes
    return best


def _lead(rng, tonic, scale, chords, beats, lo, hi) -> tuple[list, list]:
    """A singable line: phrases of 4-8 beats (mostly steps, strong beats on chord tones,
    a long last note on a chord tone), 0.5-2 beat rests; legato within a phrase."""
    pitches = [p for p in range(lo, hi + 1) if (p - tonic) % 12 in scale]

    def chord_tone(i: int, t: float) -> int:
        pcs = _chord_pcs(tonic, scale, chords[int(t // 4) % len(chords)])
        near = [j for j, p in enumerate(pitches) if p % 12 in pcs]
        return min(near, key=lambda j: abs(j - i))

    notes, cc = [], []
    i = len(pitches) // 2
    t = float(rng.choice([0.0, 0.0, 0.5]))
    while t < beats:
        length = int(rng.choice([4, 6, 8], p=[0.4, 0.2, 0.4]))
        last = float(rng.choice([1.5, 2.0, 3.0]))
        durs: list[float] = []
        while sum(durs) < length - last:
            durs.append(min(float(rng.choice([0.5, 1.0, 1.5, 2.0], p=[0.3, 0.4, 0.15, 0.15])),
                            length - last - sum(durs)))
        durs.append(last)
        base = int(rng.integers(78, 100))
        pos = 0.0
        for k, d in enumerate(durs):
            step = int(rng.choice([-3, -2, -1, 0, 1, 2, 3],
                                  p=[0.04, 0.15, 0.3, 0.05, 0.3, 0.12, 0.04]))
            i = int(np.clip(i + step, 0, len(pitches) - 1))
            if (t + pos) % 2 == 0 or k == len(durs) - 1:
                i = chord_tone(i, t + pos)
            vel = base + 10 * np.sin(np.pi * pos / length) + rng.integers(-4, 5)
            notes.append((t + pos, d, pitches[i], int(np.clip(vel, 40, 127))))
            if d >= 1.5:  # vibrato grows in on a long note
                depth = int(rng.integers(40, 70))
                cc += [(t + pos + 0.4 + 0.15 * s, 1, depth * (s + 1) // 4) for s in range(4)]
            cc.append((t + pos + d, 1, 0))
            pos += d
        t += length + float(rng.choice([0.5, 1.0, 1.5, 2.0]))
    return notes, cc


def _guitar(rng, tonic, scale, chords, beats, spb) -> list[tuple]:
    notes = []
    strum = bool(rng.integers(2))
    arp = [(0, 2, 3, 4, 5, 4, 3, 2), (0, 3, 2, 4, 1, 4, 2, 3), (0, 2, 4, 3, 5, 3, 4, 2)][
        rng.integers(3)]
    strums = [((0, 1), (1, 1), (1.5, 0), (2.5, 0), (3, 1), (3.5, 0)),  # (beat, down)
              ((0, 1), (1, 1), (2, 1), (2.5, 0), (3, 1)),
              ((0, 1), (1.5, 1), (2.5, 0), (3, 1), (3.5, 0))][rng.integers(3)]
    for bar in range(int(beats // 4)):
        root = chords[bar % len(chords)]
        r, third, fifth = _chord_pcs(tonic, scale, root)
        low = 40 + (r - 40) % 12  # E2..D#3, then an open-position-like shape
        shape = [low, low + (fifth - r) % 12, low + 12, low + 12 + (third - r) % 12,
                 low + 12 + (fifth - r) % 12, low + 24]
        t0 = 4.0 * bar
        if strum:
            for j, (b, down) in enumerate(strums):
                end = strums[j + 1][0] if j + 1 < len(strums) else 4.0
                strings = shape if down else shape[:1:-1]  # up-strokes: top four, high first
                vel = int(rng.integers(70, 95) * (1.0 if down else 0.75))
                for k, p in enumerate(strings):
                    s = t0 + b + k * 0.012 / spb
                    notes.append((s, t0 + end - s, p, vel))
        else:
            for k, idx in enumerate(arp):
                s = t0 + 0.5 * k
                notes.append((s, min(1.5, 4.0 - 0.5 * k), shape[idx],
                              int(rng.integers(62, 85)) + (10 if k % 4 == 0 else 0)))
    return notes


def _keys(rng, tonic, scale, chords, beats) -> list[tuple]:
    notes = []
    sevenths = bool(rng.integers(2))
    comp = [((0, 1.5), (1.5, 1), (2.5, 1.5)), ((0, 1), (1, 1), (2, 1), (3, 1)),
            ((0.5, 0.5), (1.5, 0.5), (2.5, 0.5), (3.5, 0.5)), ((0, 2), (2, 1.5), (3.5, 0.5))][
        rng.integers(4)]
    prev = 64.0
    for bar in range(int(beats // 4)):
        root = chords[bar % len(chords)]
        pcs = _chord_pcs(tonic, scale, root, 4 if sevenths else 3)
        voicing = _voice_lead(pcs, 55, prev)
        prev = float(np.mean(voicing))
        t0 = 4.0 * bar
        for b, d in comp:
            vel = int(rng.integers(55, 80))
            notes += [(t0 + b, 0.9 * d, p, vel) for p in voicing]
        bass = 36 + (pcs[0] - 36) % 12
        notes.append((t0, 1.9, bass, int(rng.integers(60, 80))))
        notes.append((t0 + 2, 1.9, bass + ((pcs[2] - pcs[0]) % 12 if rng.random() < 0.5 else 0),
                      int(rng.integers(55, 75))))
    return notes


def _strings(rng, tonic, scale, chords, beats) -> list[tuple]:
    notes = []
    prev = 64.0
    for bar in range(int(beats // 4)):
        pcs = _chord_pcs(tonic, scale, chords[bar % len(chords)])
        upper = _voice_lead(pcs, 57, prev)
        prev = float(np.mean(upper))
        vel = int(rng.integers(65, 90))
        notes += [(4.0 * bar, 4.0, p, vel) for p in [43 + (pcs[0] - 43) % 12, *upper]]
    return notes


def _drums(rng, beats) -> list[tuple]:
    notes = []
    ride = rng.random() < 0.3
    sixteenths = not ride and rng.random() < 0.4
    kicks = [(0, 2), (0, 2.5), (0, 1.5, 2), (0, 0.75, 2, 2.5)][rng.integers(4)]
    open_hat = rng.random() < 0.5
    for bar in range(int(beats // 4)):
        t0 = 4.0 * bar
        fill = bar % 4 == 3
        end = 3.0 if fill else 4.0
        if bar % 4 == 0:
            notes.append((t0, 1.0, CRASH, int(rng.integers(90, 110))))
        step = 0.25 if sixteenths else 0.5
        for b in np.arange(0.0, end, step):
            accent = 1.0 if b % 1 == 0 else 0.7
            key = RIDE if ride else (OPEN_HAT if open_hat and b == 3.5 else HAT)
            notes.append((t0 + b, step, key, int(accent * rng.integers(70, 95))))
        notes += [(t0 + b, 0.25, KICK, int(rng.integers(95, 115))) for b in kicks if b < end]
        notes += [(t0 + b, 0.25, SNARE, int(rng.integers(90, 112))) for b in (1, 3) if b < end]
        if fill:
            toms = TOMS[rng.integers(2):][:4]
            for k in range(4):
                notes.append((t0 + 3 + 0.25 * k, 0.25, toms[k], int(rng.integers(85, 110))))
    return notes


def _midi_file(notes, bpm: int, program: int | None, channel: int, beats: float,
               cc=()) -> bytes:
    """A type-0 MIDI file: tempo, program, volume, center pan, zero reverb and chorus
    sends, then the notes (start, duration in beats, key, velocity) and controller
    changes (beat, controller, value), at equal times note-offs first; a note that
    would outlast the next one on its key ends where that one starts (a note-off ends
    every voice of its key); all sound off at `beats` (FluidSynth renders until every
    voice has died: a crash cymbal rings for 10 s)."""
    ev = [(0, 0, mido.Message("control_change", channel=channel, control=c, value=v))
          for c, v in ((7, 100), (10, 64), (91, 0), (93, 0), (1, 0))]
    if program is not None:
        ev.append((0, 0, mido.Message("program_change", channel=channel, program=program)))
    notes = sorted(notes)
    for k, (s, d, p, v) in enumerate(notes):
        on, off = round(s * _TPB), round((s + d) * _TPB)
        later = [s2 for s2, _, p2, _ in notes[k + 1:] if p2 == p]
        if later:
            off = min(off, round(later[0] * _TPB))
        ev.append((on, 2, mido.Message("note_on", channel=channel, note=p, velocity=v)))
        ev.append((max(off, on + 1), 1, mido.Message("note_off", channel=channel, note=p)))
    ev += [(round(b * _TPB), 1, mido.Message("control_change", channel=channel, control=c,
                                              value=v)) for b, c, v in cc]
    end = round(beats * _TPB)
    ev = [e for e in ev if e[0] < end]
    ev.append((end, 3, mido.Message("control_change", channel=channel, control=120, value=0)))
    ev.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))])
    now = 0
    for tick, _, msg in ev:
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    f = mido.MidiFile(type=0, ticks_per_beat=_TPB, tracks=[track])
    buf = io.BytesIO()
    f.save(file=buf)
    return buf.getvalue()


def compose(seed: int, seconds: float = 10.0) -> Song:
    """The music of one seed, in whole bars, at least one bar longer than `seconds`.
    Each stem draws from its own generator, so a shorter song starts like a longer one."""
    rng = np.random.default_rng([seed, 0])
    bpm = int(rng.integers(90, 131))
    tonic = int(rng.integers(12))
    minor = bool(rng.random() < 0.4)
    chords = _PROGRESSIONS[minor][rng.integers(len(_PROGRESSIONS[minor]))]
    programs = {"lead": int(rng.choice(list(LEADS))), "guitar": int(rng.choice(list(GUITARS))),
                "keys": int(rng.choice(list(KEYS))), "strings": int(rng.choice(list(STRINGS)))}
    beats = 4.0 * (int(np.ceil(seconds * bpm / 240.0)) + 1)
    scale = _MINOR if minor else _MAJOR
    r = {name: np.random.default_rng([seed, 0, k + 1]) for k, name in enumerate(STEMS)}
    _, lo, hi = LEADS[programs["lead"]]
    lead, vibrato = _lead(r["lead"], tonic, scale, chords, beats, lo, hi)
    midi = {
        "lead": _midi_file(lead, bpm, programs["lead"], 0, beats, vibrato),
        "guitar": _midi_file(_guitar(r["guitar"], tonic, scale, chords, beats, 60.0 / bpm),
                             bpm, programs["guitar"], 1, beats),
        "keys": _midi_file(_keys(r["keys"], tonic, scale, chords, beats), bpm,
                           programs["keys"], 2, beats),
        "strings": _midi_file(_strings(r["strings"], tonic, scale, chords, beats), bpm,
                              programs["strings"], 3, beats),
        "drums": _midi_file(_drums(r["drums"], beats), bpm, None, 9, beats),
    }
    return Song(seed, bpm, tonic, minor, tuple(chords), programs, midi)


# --------------------------------------------------------------------------- rendering


def unavailable_reason() -> str | None:
    """None when FluidSynth and the soundfont are installed, else a loud sentence."""
    missing = [what for what, ok in (("the fluidsynth command", shutil.which("fluidsynth")),
                                     (f"the soundfont {SOUNDFONT}", SOUNDFONT.is_file()))
               if not ok]
    if not missing:
        return None
    return (f"FLUIDSYNTH NOT INSTALLED: {' and '.join(missing)} not found, so the (h) "
            f"real-instrument stimuli cannot be rendered; install with `{INSTALL}` "
            "(./dev setup does it when run as root)")


def _require() -> str:
    reason = unavailable_reason()
    if reason:
        raise InstrumentsUnavailable(reason)
    return shutil.which("fluidsynth")


@functools.cache
def _fluidsynth_version(exe: str) -> str:
    r = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    return r.stdout.strip()


def _fluidsynth_args(fs: int) -> list[str]:
    """No MIDI input, no shell; reverb and chorus off (dry stems); float samples."""
    return ["-n", "-i", "-q", "-R", "0", "-C", "0", "-g", str(GAIN), "-r", str(fs),
            "-O", "float", "-T", "wav"]


def cache_dir() -> Path:
    """`$SOUNDSTAGE_CACHE/instrument_stems`, by default ~/.cache/soundstage/instrument_stems."""
    root = os.environ.get("SOUNDSTAGE_CACHE") or Path.home() / ".cache" / "soundstage"
    return Path(root) / "instrument_stems"


def _render(exe: str, midi: bytes, fs: int) -> np.ndarray:
    """One stem through FluidSynth: its stereo output summed to mono, float32."""
    with tempfile.TemporaryDirectory(prefix="soundstage-fluidsynth-") as d:
        mid, wav = Path(d, "stem.mid"), Path(d, "stem.wav")
        mid.write_bytes(midi)
        cmd = [exe, *_fluidsynth_args(fs), "-F", str(wav), str(SOUNDFONT), str(mid)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if r.returncode != 0 or not wav.is_file():
            raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
        with warnings.catch_warnings():  # libsndfile's PEAK chunk in float WAVs
            warnings.simplefilter("ignore", wavfile.WavFileWarning)
            rate, x = wavfile.read(wav)
    if rate != fs or x.dtype != np.float32:
        raise RuntimeError(f"fluidsynth wrote {rate} Hz {x.dtype}, expected {fs} Hz float32")
    return x.mean(axis=1, dtype=np.float32) if x.ndim == 2 else x


def _stem_path(name: str, exe: str, midi: bytes, fs: int) -> Path:
    h = hashlib.sha256(_CACHE_FORMAT)
    for part in (midi, str(SOUNDFONT.resolve()).encode(), str(SOUNDFONT.stat().st_size).encode(),
                 _fluidsynth_version(exe).encode(), " ".join(_fluidsynth_args(fs)).encode()):
        h.update(len(part).to_bytes(8, "little") + part)
    return cache_dir() / f"{name}-{h.hexdigest()[:24]}.npy"


def _cached_render(name: str, exe: str, midi: bytes, fs: int) -> np.ndarray:
    path = _stem_path(name, exe, midi, fs)
    try:
        return np.load(path)
    except (OSError, ValueError, EOFError):  # missing (or damaged): render again
        pass
    x = _render(exe, midi, fs)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, x)
        os.replace(tmp, path)  # atomic: a killed run leaves a stray .tmp, never a bad .npy
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return x


def render_stems(song: Song, fs: int = FS) -> dict[str, np.ndarray]:
    """The dry mono stems of `song` (float32, from the cache or FluidSynth), as rendered:
    same length, time 0 = the first MIDI tick. Raises InstrumentsUnavailable."""
    exe = _require()
    stems = {name: _cached_render(name, exe, song.midi[name], fs) for name in STEMS}
    n = max(len(x) for x in stems.values())
    return {name: np.pad(x, (0, n - len(x))) for name, x in stems.items()}


def instrument_stems(seed: int, seconds: float = 10.0, fs: int = FS) -> dict[str, np.ndarray]:
    """The dry mono stems of `compose(seed, seconds)` as the mix uses them, n = seconds * fs
    samples each: DC blocked (2nd-order Butterworth high-pass at 20 Hz; TimGM6mb's alto
    sax sample has a DC offset of half its RMS), then all shifted by one amount so that
    they start where the first of them comes within 60 dB of its peak."""
    n = int(seconds * fs)
    sos = butter(2, 20.0, "highpass", fs=fs, output="sos")
    stems = {k: sosfilt(sos, x.astype(np.float64))
             for k, x in render_stems(compose(seed, seconds), fs).items()}
    start = min(int(np.argmax(np.abs(x) > 1e-3 * np.max(np.abs(x)))) for x in stems.values())
    return {k: np.pad(x[start:start + n], (0, max(0, n - len(x) + start)))
            for k, x in stems.items()}


# --------------------------------------------------------------------------- the mix


def instrument_mix(seconds: float = 10.0, *, seed: int, fs: int = FS, time_panned: bool = False,
                   reverberant: bool = False, voice_dbfs: float = -20.0) -> Stimulus:
    """(h): the rendered stems of `compose(seed)` placed around the dry lead (see the
    module docstring). Named instruments, instruments_time, instruments_rev or
    instruments_time_rev. Raises InstrumentsUnavailable without FluidSynth."""
    n = int(seconds * fs)
    stems = instrument_stems(seed, seconds, fs)
    rng = np.random.default_rng([seed, 1])  # drawn alike for all four variants
    m = len(SIDE_STEMS)
    rel_db = -rng.uniform(0.0, 8.0, m)
    rel_db[SIDE_STEMS.index("drums")] -= 4.0  # uncompressed: crest ~19 dB, the others 11-16
    left = rng.permutation([True, False, *(rng.integers(2, size=m - 2) == 1)])
    amp_far_db = -rng.uniform(6.0, 12.0, m)
    haas = rng.permutation([True, False, *(rng.integers(2, size=m - 2) == 1)])
    delay = np.where(haas, rng.uniform(0.010, 0.020, m), rng.uniform(0.0003, 0.002, m))
    time_far_db = -rng.uniform(3.0, 12.0, m)
    tail_db = -rng.uniform(4.0, 12.0, m + 1)  # the lead's, then each side stem's
    rt60, predelay = rng.uniform(0.3, 0.8), rng.uniform(0.005, 0.02)
    h = room_tails(n, fs, rng, rt60=rt60, predelay_s=predelay) if reverberant else None

    g = db_to_amp(voice_dbfs)
    c = stems["lead"] * (g / _rms(stems["lead"]))
    lr = np.stack([c, c], axis=1)
    if reverberant:
        lr += reverb(c, h, tail_db[0])
    for k, name in enumerate(SIDE_STEMS):
        x = stems[name] * (g * db_to_amp(rel_db[k]) / _rms(stems[name]))
        p = (Placement(bool(left[k]), time_far_db[k], delay[k]) if time_panned
             else Placement(bool(left[k]), amp_far_db[k]))
        lr += place(x, p, fs)
        if reverberant:
            lr += reverb(x, h, tail_db[k + 1])
    name = "instruments" + "_time" * time_panned + "_rev" * reverberant
    return Stimulus(name, lr, c, fs)
