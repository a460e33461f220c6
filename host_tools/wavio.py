"""WAV in and out for the host commands (upmix, render).

read_wav(path)            -> (float64 (n, ch) in [-1, 1), fs); 8/16/24/32-bit PCM or
                             32/64-bit float, any channel count. Empty, truncated or
                             non-WAV files, and float files holding NaN or inf, raise
                             one-line UserErrors.
read_stereo(path, fs=...) -> (float64 (n, 2), fs): mono is duplicated, more than two
                             channels refused; a sample rate other than `fs` is refused
                             unless resample=True (scipy.signal.resample_poly).
write_wav(path, x, fs, fmt="float32" | "pcm24")

PCM scaling: an integer sample v of b bits maps to v / 2^(b-1) (scipy returns
24-bit data left-justified in int32, so 24 and 32 bit both divide by 2^31).
Writing 24-bit rounds to nearest and saturates to [-2^23, 2^23 - 1].
"""

from __future__ import annotations

import struct
import warnings
from math import gcd
from pathlib import Path

import numpy as np

from device_profiles.errors import UserError

FORMATS = ("float32", "pcm24")


def _check_riff(path: Path) -> None:
    """Refuse empty, non-RIFF and truncated files before scipy sees them."""
    size = path.stat().st_size
    if size == 0:
        raise UserError(f"{path}: empty file (0 bytes), not a WAV file")
    with path.open("rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            raise UserError(f"{path}: not a WAV file (no RIFF/WAVE header)")
        pos = 12
        frame = 0  # bytes per frame (block align), from the fmt chunk
        while True:
            ck = f.read(8)
            if len(ck) < 8:
                raise UserError(f"{path}: truncated WAV (no data chunk in {size} bytes)")
            cid, clen = ck[:4], struct.unpack("<I", ck[4:])[0]
            pos += 8
            if cid == b"fmt ":
                fmt = f.read(16)
                if clen < 16 or len(fmt) < 16:
                    raise UserError(f"{path}: truncated WAV (fmt chunk of {len(fmt)} bytes, "
                                    "need 16)")
                frame = struct.unpack("<H", fmt[12:14])[0]
            if cid == b"data":
                have = size - pos
                if clen != 0xFFFFFFFF and have < clen:
                    raise UserError(f"{path}: truncated WAV (data chunk declares {clen} bytes, "
                                    f"{have} present)")
                if clen != 0xFFFFFFFF and frame and clen % frame:
                    raise UserError(f"{path}: truncated WAV (data chunk of {clen} bytes is not "
                                    f"a whole number of {frame}-byte frames)")
                return
            pos += clen + (clen & 1)
            f.seek(pos)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Samples as float64 (n, channels) and the sample rate."""
    from scipy.io import wavfile

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    _check_riff(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", wavfile.WavFileWarning)
            fs, data = wavfile.read(path)
    except (ValueError, struct.error, wavfile.WavFileWarning) as e:
        raise UserError(f"{path}: unreadable WAV ({e})") from None
    x = data if data.ndim == 2 else data[:, None]
    if x.dtype == np.uint8:
        y = (x.astype(np.float64) - 128.0) / 128.0
    elif x.dtype == np.int16:
        y = x.astype(np.float64) / 2.0**15
    elif x.dtype == np.int32:
        y = x.astype(np.float64) / 2.0**31
    elif x.dtype in (np.float32, np.float64):
        y = x.astype(np.float64)
        bad = ~np.isfinite(y)
        if bad.any():
            i, c = (int(v) for v in np.argwhere(bad)[0])
            raise UserError(f"{path}: non-finite sample ({y[i, c]}) at sample {i}, channel {c} "
                            f"({int(bad.sum())} in all); only finite float samples can be "
                            "processed, fix or re-export the file")
    else:
        raise UserError(f"{path}: unsupported sample format {x.dtype} "
                        "(8/16/24/32-bit PCM or float expected)")
    if len(y) == 0:
        raise UserError(f"{path}: no samples (the data chunk is empty)")
    return y, int(fs)


def read_stereo(path: str | Path, fs: int | None = None, *,
                resample: bool = False) -> tuple[np.ndarray, int]:
    """(n, 2) float64 at `fs` (if given): mono duplicated, other channel counts refused."""
    x, rate = read_wav(path)
    if x.shape[1] == 1:
        x = np.repeat(x, 2, axis=1)
    elif x.shape[1] != 2:
        raise UserError(f"{path}: {x.shape[1]} channels; only mono or stereo input is supported")
    if fs is not None and rate != fs:
        if not resample:
            raise UserError(f"{path}: sample rate {rate} Hz, the profile runs at {fs} Hz "
                            "(pass --resample to convert)")
        from scipy.signal import resample_poly

        g = gcd(rate, fs)
        x = resample_poly(x, fs // g, rate // g, axis=0)
        rate = fs
    return x, rate


def write_wav(path: str | Path, x: np.ndarray, fs: int, fmt: str = "float32") -> None:
    """Write (n, ch) or (n,) samples as 32-bit float or 24-bit PCM."""
    from scipy.io import wavfile

    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    path = Path(path)
    if fmt == "float32":
        wavfile.write(path, int(fs), x.astype(np.float32))
        return
    if fmt != "pcm24":
        raise UserError(f"unknown output format {fmt!r} (one of {', '.join(FORMATS)})")
    n, ch = x.shape
    q = np.clip(np.round(x * 2.0**23), -(2**23), 2**23 - 1).astype("<i4")
    raw = q.reshape(-1).view(np.uint8).reshape(-1, 4)[:, :3].tobytes()  # little-endian low 3
    fmt_chunk = struct.pack("<HHIIHH", 1, ch, int(fs), int(fs) * 3 * ch, 3 * ch, 24)
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
            + b"data" + struct.pack("<I", len(raw)) + raw + (b"\0" if len(raw) & 1 else b""))
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
