"""Test signals, all seeded and generated (nothing is downloaded or shipped).

Float signals in [-1, 1] unless said otherwise; `to_q31` turns them into the
int32 samples the fixed-point model, the C runtime and the device take.
"""

from __future__ import annotations

import numpy as np


def db_to_amp(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def pink_noise(n: int, *, seed: int, level_dbfs: float = -20.0, channels: int = 1) -> np.ndarray:
    """Pink (1/f power) Gaussian noise scaled to an RMS of `level_dbfs` re full scale.

    Shaped in the frequency domain from seeded white noise; DC is removed.
    Returns shape (n,) for one channel, (n, channels) otherwise.
    """
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal((channels, n)), axis=-1)
    k = np.arange(spec.shape[-1], dtype=float)
    k[0] = 1.0
    spec = spec / np.sqrt(k)
    spec[..., 0] = 0.0
    x = np.fft.irfft(spec, n=n, axis=-1)
    x *= db_to_amp(level_dbfs) / np.sqrt(np.mean(x**2, axis=-1, keepdims=True))
    return x[0] if channels == 1 else x.T.copy()


def program_noise(n: int, *, fs: float, seed: int, peak_dbfs: float = -1.0) -> np.ndarray:
    """Stereo noise standing in for a music mix, (n, 2), peak at `peak_dbfs` re full scale.

    Three independent stems of equal RMS: a centre (in both channels), a left and a
    right one, each also in the far channel at 0.3 (-10.5 dB, amplitude panning as
    in the upmix's music mix). Each stem is pink noise through a 2nd-order
    Butterworth high-pass at 100 Hz and a 1st-order low-pass at 1.5 kHz, after
    the long-term spectrum of the upmix music family (synthetic and real-instrument
    mixes, tests/upmix_family.py). Octave bands re pink noise, 0 dB at 1 kHz:
    this signal -6 dB at 63 Hz, +2 to -3 dB from 125 Hz to 2 kHz, -7 dB at 4 kHz,
    -13 dB at 8 kHz; the family's mean about -12, 0 to +4, -7 and -15 dB.
    Stationary, so every BS.1770 gating block counts; the spatial chain's ear
    loudness re plain playback on it agrees with the music mix's within 1 LU for
    both bundled profiles (tests/test_loudness.py).
    """
    from scipy.signal import butter, sosfilt

    hp = butter(2, 100.0, "highpass", fs=fs, output="sos")
    lp = butter(1, 1500.0, "lowpass", fs=fs, output="sos")
    stems = []
    for k in range(3):
        x = sosfilt(lp, sosfilt(hp, pink_noise(n, seed=seed * 10 + k)))
        stems.append(x / np.sqrt(np.mean(x**2)))
    c, left, right = stems
    x = np.stack([c + left + 0.3 * right, c + 0.3 * left + right], axis=1)
    return x * (db_to_amp(peak_dbfs) / np.max(np.abs(x)))


def white_noise(n: int, *, seed: int, level_dbfs: float = -20.0) -> np.ndarray:
    """Gaussian white noise with an RMS of `level_dbfs` re full scale."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n) * db_to_amp(level_dbfs)


def exp_sweep(duration: float, *, fs: float, f0: float = 20.0, f1: float | None = None,
              level_dbfs: float = -6.0, fade: float = 0.01) -> np.ndarray:
    """Exponential sine sweep (Farina 2000) from f0 to f1 Hz, peak at `level_dbfs`.

    Short raised-cosine fades at both ends keep the spectrum clean.
    """
    f1 = fs / 2.0 * 0.95 if f1 is None else f1
    n = int(round(duration * fs))
    t = np.arange(n) / fs
    r = np.log(f1 / f0)
    x = np.sin(2 * np.pi * f0 * duration / r * (np.exp(t * r / duration) - 1.0))
    nf = max(1, int(fade * fs))
    win = np.ones(n)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(nf) / nf)
    win[:nf] = ramp
    win[-nf:] = ramp[::-1]
    return x * win * db_to_amp(level_dbfs)


def exp_sweep_inverse(duration: float, *, fs: float, f0: float = 20.0,
                      f1: float | None = None) -> np.ndarray:
    """Inverse filter of `exp_sweep` (time-reversed sweep with a -6 dB/octave tilt).

    Normalised so that sweep * inverse has unit gain at the sweep's centre frequency.
    """
    f1 = fs / 2.0 * 0.95 if f1 is None else f1
    s = exp_sweep(duration, fs=fs, f0=f0, f1=f1, level_dbfs=0.0)
    n = len(s)
    t = np.arange(n) / fs
    env = np.exp(-t * np.log(f1 / f0) / duration)  # amplitude falls 6 dB/oct over the sweep
    inv = s[::-1] * env
    fc = np.sqrt(f0 * f1)
    h = np.fft.rfft(np.concatenate([s, np.zeros(n)])) * np.fft.rfft(
        np.concatenate([inv, np.zeros(n)]))
    k = int(round(fc / fs * 2 * n))
    return inv / np.abs(h[k])


def deconvolve_sweep(recorded: np.ndarray, inverse: np.ndarray, length: int) -> np.ndarray:
    """Impulse response from a recorded sweep: linear convolution with the inverse.

    The response starts at index len(inverse)-1 of the full convolution; the first
    `length` samples from there are returned (harmonics land before it).
    """
    from scipy.signal import fftconvolve

    full = fftconvolve(recorded, inverse, axes=0) if recorded.ndim == 1 else np.stack(
        [fftconvolve(recorded[:, c], inverse) for c in range(recorded.shape[1])], axis=1)
    start = len(inverse) - 1
    return full[start:start + length]


def impulse(n: int, *, at: int = 0, amplitude: float = 0.5) -> np.ndarray:
    x = np.zeros(n)
    x[at] = amplitude
    return x


def multitone(n: int, *, fs: float, freqs: list[float] | None = None, level_dbfs: float = -12.0,
              seed: int = 0) -> np.ndarray:
    """Sum of sines at log-spaced (or given) frequencies, seeded random phases, peak scaled."""
    if freqs is None:
        freqs = list(np.geomspace(50.0, fs * 0.4, 24))
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs
    x = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) for f in freqs)
    return x / np.max(np.abs(x)) * db_to_amp(level_dbfs)


def square(n: int, *, period: int, amplitude: float = 1.0) -> np.ndarray:
    """+-amplitude square wave, `period` samples per cycle (full scale when amplitude=1)."""
    return np.where((np.arange(n) % period) < period // 2, amplitude, -amplitude)


def to_q31(x: np.ndarray) -> np.ndarray:
    """Float in [-1, 1] to Q31 int32: round to nearest, saturate (+1.0 -> 2^31-1)."""
    return np.clip(np.round(np.asarray(x, dtype=np.float64) * 2.0**31),
                   -(2**31), 2**31 - 1).astype(np.int32)


def from_q31(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64) / 2.0**31
