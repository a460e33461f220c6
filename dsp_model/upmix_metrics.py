"""Scores for a center extraction, shared by the upmix tests and the benchmark.

`sir_db(est, ref)`: signal-to-interference ratio of an estimate of the center
stem. A short least-squares FIR `h` (default 33 taps, centred on the bulk
delay) is fitted so that `h * ref` best explains `est`; the target is
`h * ref`, the interference everything else, `est - h * ref`. The filter
forgives a gain, a few samples of delay and a gentle tilt, nothing more, so
it cannot turn side content into center. The bulk delay is either given
(a known latency) or found as the peak of the cross-correlation.

`energy_ratio_db(x, ref)`: 10 log10 of the energy of x over that of ref
(leaks and residuals).
"""

from __future__ import annotations

import numpy as np


def find_delay(est: np.ndarray, ref: np.ndarray, max_delay: int = 16384) -> int:
    """Lag d in [0, max_delay] maximising |sum est[t] ref[t - d]| (FFT cross-correlation)."""
    n = len(est) + len(ref)
    nfft = 1 << (n - 1).bit_length()
    xc = np.fft.irfft(np.fft.rfft(est, nfft) * np.conj(np.fft.rfft(ref, nfft)), nfft)
    return int(np.argmax(np.abs(xc[: max_delay + 1])))


def aligned_target(est: np.ndarray, ref: np.ndarray, *, delay: int | None = None,
                   taps: int = 33, skip: int = 0, chunk: int = 1 << 16) -> np.ndarray:
    """`h * ref` for the least-squares FIR h fitted on est[skip:] (lags delay - taps//2 on).

    The normal equations are accumulated in chunks, so long signals need little memory.
    Returns the target over the whole length of est (zeros before `skip` are not implied:
    the fitted filter is applied everywhere).
    """
    est = np.asarray(est, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if est.shape != ref.shape or est.ndim != 1:
        raise ValueError(f"est and ref must be 1-D of one length, got {est.shape}, {ref.shape}")
    if delay is None:
        delay = find_delay(est, ref)
    d0 = delay - taps // 2
    n = len(est)
    pad = np.zeros(taps + abs(d0))
    # column j of X is ref delayed by d0 + j: X[t, j] = ref[t - d0 - j]
    refp = np.concatenate([pad, ref, pad])
    off = len(pad)

    def cols(a: int, b: int) -> np.ndarray:
        return np.stack([refp[off + a - d0 - j: off + b - d0 - j] for j in range(taps)], axis=1)

    g = np.zeros((taps, taps))
    r = np.zeros(taps)
    for a in range(skip, n, chunk):
        b = min(n, a + chunk)
        x = cols(a, b)
        g += x.T @ x
        r += x.T @ est[a:b]
    h = np.linalg.lstsq(g + 1e-12 * np.trace(g) / taps * np.eye(taps), r, rcond=None)[0]
    out = np.empty(n)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        out[a:b] = cols(a, b) @ h
    return out


def sir_db(est: np.ndarray, ref: np.ndarray, *, delay: int | None = None, taps: int = 33,
           skip: int = 0) -> float:
    """Signal-to-interference ratio (dB) of `est` as an estimate of `ref`, from sample `skip` on."""
    tgt = aligned_target(est, ref, delay=delay, taps=taps, skip=skip)
    e = np.asarray(est, dtype=np.float64)[skip:]
    t = tgt[skip:]
    return float(10.0 * np.log10(np.sum(t**2) / np.sum((e - t) ** 2)))


def energy_ratio_db(x: np.ndarray, ref: np.ndarray, *, skip: int = 0) -> float:
    """10 log10(energy of x[skip:] / energy of ref[skip:]); -inf for an all-zero x."""
    ex = float(np.sum(np.asarray(x, dtype=np.float64)[skip:] ** 2))
    er = float(np.sum(np.asarray(ref, dtype=np.float64)[skip:] ** 2))
    return float(10.0 * np.log10(ex / er)) if ex > 0 else float("-inf")


def ffmpeg_surround(lr: np.ndarray, fs: int, **opts) -> np.ndarray:
    """ffmpeg's `surround` upmix to 3.0 (FL, FR, FC) of a stereo float signal, (n, 3).

    `opts` are surround options (win_size, overlap, fcx, ...). Needs the `ffmpeg`
    binary on PATH (raises FileNotFoundError otherwise). The output keeps
    ffmpeg's own delay (find it with `find_delay`).
    """
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from scipy.io import wavfile

    exe = shutil.which("ffmpeg")
    if exe is None:
        raise FileNotFoundError("ffmpeg is not installed (Debian: apt-get install ffmpeg)")
    af = "surround=chl_out=3.0" + "".join(f":{k}={v}" for k, v in opts.items())
    with tempfile.TemporaryDirectory() as d:
        src, dst = Path(d) / "in.wav", Path(d) / "out.wav"
        wavfile.write(src, fs, np.asarray(lr, dtype=np.float32))
        subprocess.run([exe, "-v", "error", "-nostdin", "-y", "-i", str(src), "-af", af,
                        "-c:a", "pcm_f32le", str(dst)], check=True, capture_output=True)
        _, y = wavfile.read(dst)
    y = np.asarray(y, dtype=np.float64)
    n = len(lr)
    if len(y) < n:
        y = np.concatenate([y, np.zeros((n - len(y), y.shape[1]))])
    return y[:n]


# ffmpeg surround's settings swept for its tuned rows, per latency class (its delay
# is win_size/2 at overlap 0.5): <= 1024 samples (our cap, 21.3 ms), <= 3072 (64 ms),
# and no limit. fcx/fcy are the front-center channel's x/y spread.
FFMPEG_SWEEP = {"overlap": (0.5, 0.75), "fcx": (2.0, 4.0, 8.0), "fcy": (1.0, 2.0, 4.0)}
FFMPEG_CLASSES = {1024: (1024, 2048), 3072: (4096,), None: (8192,)}  # max delay: win_sizes


def ffmpeg_center_sir(lr: np.ndarray, center: np.ndarray, fs: int, *, skip: int = 0,
                      **opts) -> tuple[float, int]:
    """SIR (dB) of ffmpeg surround's FC against the center stem, and ffmpeg's delay."""
    c = ffmpeg_surround(lr, fs, **opts)[:, 2]
    d = find_delay(c, center)
    return sir_db(c, center, delay=d, skip=skip), d
