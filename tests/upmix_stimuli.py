"""Seeded stimuli for the upmix tests and benchmark (no audio files).

Every stimulus is a `Stimulus`: the stereo mix `lr` (n, 2), the center stem
`center` (n,) exactly as it appears in *both* channels (the reference the
center output is scored against), and the `sides` (n, 2) = lr - center.

  center_only   (a) pink noise, L = R
  hard_left     (b) pink noise in L, R silent
  anti_phase    (b') pink noise, L = -R
  stationary    (c) center + independent left and right stems, all pink noise
                    of one spectrum and level (no blind upmix beats passive M)
  music_mix     (d) a voice-like center stem (harmonic notes, vibrato, formants,
                    gaps) with a plucked part mostly left, a pad mostly right
                    and hi-hat/snare percussion mostly right; each side part
                    also reaches the far channel (-9 to -10 dB)
  time_panned   (f) the voice of (d) with side stems placed by time: a spaced
                    pair (far channel 0.3-2 ms late) or Haas widening (10-20 ms
                    late), the far copy 3-12 dB down
  reverberant   (g) the stems of (d), amplitude-panned, every one (the voice
                    included) through a synthetic stereo room: independent,
                    exponentially decaying noise tails per channel, RT60
                    0.3-0.8 s, the direct sound kept; the true center is the
                    dry voice

The placement (`Placement`, `place`) and the room (`room_tails`) are shared
with the real-instrument mixes (h) (tests/upmix_instruments.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, fftconvolve, sosfilt

from dsp_model.signals import db_to_amp, pink_noise

FS = 48000


@dataclass(frozen=True)
class Stimulus:
    name: str
    lr: np.ndarray  # (n, 2)
    center: np.ndarray  # (n,) the center stem, identical in L and R
    fs: int = FS

    @property
    def sides(self) -> np.ndarray:
        return self.lr - self.center[:, None]


def _pink(n: int, seed: int) -> np.ndarray:
    """Pink noise above 30 Hz (sub-audio octaves would dominate a 1/f spectrum's statistics)."""
    x = sosfilt(butter(2, 30.0, "highpass", fs=FS, output="sos"), pink_noise(n, seed=seed))
    return x * (db_to_amp(-20.0) / _rms(x))


def center_only(seconds: float = 3.0, *, seed: int = 1, fs: int = FS) -> Stimulus:
    x = _pink(int(seconds * fs), seed)
    return Stimulus("center_only", np.stack([x, x], axis=1), x, fs)


def hard_left(seconds: float = 3.0, *, seed: int = 2, fs: int = FS) -> Stimulus:
    x = _pink(int(seconds * fs), seed)
    return Stimulus("hard_left", np.stack([x, np.zeros_like(x)], axis=1), np.zeros_like(x), fs)


def anti_phase(seconds: float = 3.0, *, seed: int = 3, fs: int = FS) -> Stimulus:
    x = _pink(int(seconds * fs), seed)
    return Stimulus("anti_phase", np.stack([x, -x], axis=1), np.zeros_like(x), fs)


def stationary(seconds: float = 6.0, *, seed: int = 4, fs: int = FS) -> Stimulus:
    n = int(seconds * fs)
    c, left, right = (_pink(n, seed * 10 + k) for k in range(3))
    return Stimulus("stationary", np.stack([c + left, c + right], axis=1), c, fs)


# --------------------------------------------------------------------------- music


_VOWELS = (  # formant centre frequencies (Hz) and bandwidths, roughly /a e i o u/
    ((800, 80), (1150, 90), (2900, 120)),
    ((400, 60), (1600, 80), (2700, 120)),
    ((350, 50), (2000, 100), (2800, 120)),
    ((450, 70), (800, 80), (2830, 100)),
    ((325, 50), (700, 60), (2530, 170)),
)


def _env(n: int, fs: int, attack: float, release: float) -> np.ndarray:
    e = np.ones(n)
    na, nr = min(n, int(attack * fs)), min(n, int(release * fs))
    e[:na] = np.linspace(0.0, 1.0, na, endpoint=False)
    if nr:
        e[n - nr:] *= np.linspace(1.0, 0.0, nr)
    return e


def voice(n: int, fs: int, rng: np.random.Generator) -> np.ndarray:
    """Sung notes: harmonics under a vowel's formants, vibrato, gaps between phrases."""
    out = np.zeros(n)
    scale = 220.0 * 2.0 ** (np.array([-5, -3, -2, 0, 2, 4, 5, 7, 9, 10]) / 12.0)
    t0 = int(0.2 * fs)
    while t0 < n:
        dur = int(rng.uniform(0.25, 0.9) * fs)
        f = rng.choice(scale)
        vowel = _VOWELS[rng.integers(len(_VOWELS))]
        seg = min(dur, n - t0)
        t = np.arange(seg) / fs
        depth = 0.012 * np.minimum(1.0, t / 0.25)  # vibrato grows in, +-20 cents
        f0 = f * (1.0 + depth * np.sin(2 * np.pi * 5.5 * t + rng.uniform(0, 2 * np.pi)))
        phase = 2 * np.pi * np.cumsum(f0) / fs
        note = np.zeros(seg)
        for k in range(1, int(7000 / f) + 1):
            fk = k * f
            amp = sum(1.0 / (1.0 + ((fk - fc) / bw) ** 2) for fc, bw in vowel) + 0.02
            note += amp / k**0.5 * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
        out[t0:t0 + seg] += note * _env(seg, fs, 0.04, 0.08)
        gap = rng.uniform(0.05, 0.6) if rng.random() < 0.7 else rng.uniform(0.6, 1.2)
        t0 += dur + int(gap * fs)
    return out


def plucks(n: int, fs: int, rng: np.random.Generator, bpm: float = 120.0) -> np.ndarray:
    """Plucked-string notes on an eighth-note grid: slightly stretched partials, fast decay."""
    out = np.zeros(n)
    step = int(60.0 / bpm / 2 * fs)
    scale = 110.0 * 2.0 ** (np.array([0, 3, 5, 7, 10, 12, 15, 17, 19, 22, 24]) / 12.0)
    for t0 in range(0, n, step):
        if rng.random() < 0.25:
            continue
        f = rng.choice(scale)
        seg = min(int(1.2 * fs), n - t0)
        t = (np.arange(seg) / fs).astype(np.float32)  # float32: 3x faster sines
        note = np.zeros(seg)
        for k in range(1, int(6000 / f) + 1):
            fk = k * f * np.sqrt(1.0 + 1e-4 * k * k)
            tau = 0.8 / (1.0 + 0.4 * k)
            m = min(seg, int(7 * tau * fs))  # computed until -60 dB
            note[:m] += np.exp(-t[:m] / tau) / k * np.sin(2 * np.pi * fk * t[:m]
                                                           + rng.uniform(0, 2 * np.pi))
        note[: int(0.002 * fs)] *= np.linspace(0.0, 1.0, int(0.002 * fs))
        out[t0:t0 + seg] += note * rng.uniform(0.6, 1.0)
    return out


def pad(n: int, fs: int, rng: np.random.Generator) -> np.ndarray:
    """Sustained chords of detuned soft saw-like tones (partials 1/k^1.5 up to 2.5 kHz),
    slow swell, crossfaded every 2 s."""
    out = np.zeros(n)
    chord_len = int(2.0 * fs)
    roots = 110.0 * 2.0 ** (np.array([0, 5, 7, 3, 8, 10]) / 12.0)
    for i, t0 in enumerate(range(0, n, chord_len)):
        seg = min(chord_len + int(0.3 * fs), n - t0)
        t = (np.arange(seg) / fs).astype(np.float32)
        root = roots[i % len(roots)]
        chord = np.zeros(seg)
        for semis in (0, 4, 7, 12):
            f = root * 2.0 ** (semis / 12.0)
            for det in (-0.004, 0.004):
                w = np.float32(2 * np.pi * f * (1 + det)) * t
                for k in range(1, int(2500 / f) + 1):
                    chord += np.sin(k * w + np.float32(rng.uniform(0, 2 * np.pi))) / k**1.5
        swell = 0.75 + 0.25 * np.sin(2 * np.pi * 0.3 * t + rng.uniform(0, 2 * np.pi))
        out[t0:t0 + seg] += chord * swell * _env(seg, fs, 0.3, 0.3)
    return out


def percussion(n: int, fs: int, rng: np.random.Generator, bpm: float = 120.0) -> np.ndarray:
    """Hi-hat on sixteenths (accented) and a snare on beats 2 and 4: shaped noise bursts."""
    out = np.zeros(n)
    six = int(60.0 / bpm / 4 * fs)
    hat_sos = butter(4, 6000.0, "highpass", fs=fs, output="sos")
    snare_sos = butter(2, (180.0, 5000.0), "bandpass", fs=fs, output="sos")
    for i, t0 in enumerate(range(0, n, six)):
        seg = min(int(0.15 * fs), n - t0)
        t = np.arange(seg) / fs
        hat = sosfilt(hat_sos, rng.standard_normal(seg)) * np.exp(-t / 0.02)
        out[t0:t0 + seg] += hat * (1.0 if i % 4 == 0 else 0.5)
        if i % 8 == 4:
            seg2 = min(int(0.3 * fs), n - t0)
            t2 = np.arange(seg2) / fs
            body = np.sin(2 * np.pi * 190.0 * t2) * np.exp(-t2 / 0.04)
            noise = sosfilt(snare_sos, rng.standard_normal(seg2)) * np.exp(-t2 / 0.07)
            out[t0:t0 + seg2] += 0.8 * body + 1.5 * noise
    return out


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2)))


def music_mix(seconds: float = 10.0, *, seed: int = 5, fs: int = FS,
              voice_dbfs: float = -20.0) -> Stimulus:
    """(d): voice in the center; plucks mostly left, pad and percussion mostly right.

    Levels (RMS of each stem in its near channel re the voice): plucks -1 dB,
    pad -3 dB, percussion -6 dB; far-channel gains 0.3, 0.35, 0.35 (about -10 to
    -9 dB), i.e. amplitude panning as a mixing console would do it.
    """
    n = int(seconds * fs)
    rng = np.random.default_rng(seed)
    v = voice(n, fs, rng)
    stems = [
        (plucks(n, fs, rng), -1.0, (1.0, 0.30)),
        (pad(n, fs, rng), -3.0, (0.35, 1.0)),
        (percussion(n, fs, rng), -6.0, (0.35, 1.0)),
    ]
    g = db_to_amp(voice_dbfs)
    c = v * (g / _rms(v))
    lr = np.stack([c, c], axis=1)
    for x, rel_db, (gl, gr) in stems:
        x = x * (g * db_to_amp(rel_db) / _rms(x))
        lr += np.stack([gl * x, gr * x], axis=1)
    return Stimulus("music_mix", lr, c, fs)


# --------------------------------------------------------------------------- placement, room


@dataclass(frozen=True)
class Placement:
    """A mono stem in the stereo image: near-channel gain 1, the far channel
    `far_db` down and `far_delay_s` late (0: amplitude panning); `left` picks the near side."""

    left: bool
    far_db: float
    far_delay_s: float = 0.0


def place(x: np.ndarray, p: Placement, fs: int) -> np.ndarray:
    """(n, 2) stereo of the mono stem x placed by p (the far copy delayed by whole samples)."""
    d = int(round(p.far_delay_s * fs))
    far = db_to_amp(p.far_db) * np.concatenate([np.zeros(d), x[: len(x) - d]])
    return np.stack([x, far] if p.left else [far, x], axis=1)


def room_tails(n: int, fs: int, rng: np.random.Generator, rt60: float,
               predelay_s: float = 0.01) -> np.ndarray:
    """(n, 2) impulse responses of a synthetic stereo room without its direct sound:
    independent Gaussian noise per channel under an exp decay of 60 dB per rt60, starting
    `predelay_s` after the direct sound, each of unit energy."""
    m = int(1.5 * rt60 * fs)
    t = np.arange(m) / fs
    h = np.zeros((int(predelay_s * fs) + m, 2))
    for ch in range(2):
        tail = rng.standard_normal(m) * 10.0 ** (-3.0 * t / rt60)
        tail[: int(0.005 * fs)] *= np.linspace(0.0, 1.0, int(0.005 * fs))  # soft onset
        h[-m:, ch] = tail / np.sqrt(np.sum(tail**2))
    return h[:n]


def reverb(x: np.ndarray, h: np.ndarray, level_db: float) -> np.ndarray:
    """(n, 2): the mono stem x through the room tails h, the tail energy `level_db` re x's."""
    return db_to_amp(level_db) * np.stack(
        [fftconvolve(x, h[:, ch])[: len(x)] for ch in range(2)], axis=1)


def _stems(n: int, fs: int, rng: np.random.Generator) -> list[tuple[np.ndarray, float]]:
    """The side stems of (d) with their levels re the voice (dB)."""
    return [(plucks(n, fs, rng), -1.0), (pad(n, fs, rng), -3.0), (percussion(n, fs, rng), -6.0)]


def time_panned(seconds: float = 10.0, *, seed: int = 11, fs: int = FS,
                voice_dbfs: float = -20.0) -> Stimulus:
    """(f): the voice in the center; plucks, pad and percussion each on a random side,
    placed by a far-channel copy 0.3-2 ms late (spaced pair) or 10-20 ms late (Haas),
    3-12 dB down. Each seed has at least one stem of each kind."""
    n = int(seconds * fs)
    rng = np.random.default_rng(seed)
    v = voice(n, fs, rng)
    stems = _stems(n, fs, rng)
    kinds = rng.permutation([True, False, bool(rng.integers(2))])  # True: Haas
    g = db_to_amp(voice_dbfs)
    c = v * (g / _rms(v))
    lr = np.stack([c, c], axis=1)
    for (x, rel_db), haas in zip(stems, kinds, strict=True):
        delay = rng.uniform(0.010, 0.020) if haas else rng.uniform(0.0003, 0.002)
        p = Placement(left=bool(rng.integers(2)), far_db=-rng.uniform(3.0, 12.0),
                      far_delay_s=delay)
        lr += place(x * (g * db_to_amp(rel_db) / _rms(x)), p, fs)
    return Stimulus("time_panned", lr, c, fs)


def reverberant(seconds: float = 10.0, *, seed: int = 21, fs: int = FS,
                voice_dbfs: float = -20.0) -> Stimulus:
    """(g): the mix of (d) (amplitude-panned, random sides, far channel 6-12 dB down),
    every stem and the voice through one synthetic room, RT60 0.3-0.8 s, each tail
    4-12 dB below its stem's direct sound; the center reference is the dry voice."""
    n = int(seconds * fs)
    rng = np.random.default_rng(seed)
    v = voice(n, fs, rng)
    stems = _stems(n, fs, rng)
    h = room_tails(n, fs, rng, rt60=rng.uniform(0.3, 0.8), predelay_s=rng.uniform(0.005, 0.02))
    g = db_to_amp(voice_dbfs)
    c = v * (g / _rms(v))
    lr = np.stack([c, c], axis=1) + reverb(c, h, -rng.uniform(4.0, 12.0))
    for x, rel_db in stems:
        x = x * (g * db_to_amp(rel_db) / _rms(x))
        p = Placement(left=bool(rng.integers(2)), far_db=-rng.uniform(6.0, 12.0))
        lr += place(x, p, fs) + reverb(x, h, -rng.uniform(4.0, 12.0))
    return Stimulus("reverberant", lr, c, fs)
