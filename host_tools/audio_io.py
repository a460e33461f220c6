"""Audio files in and out for the host commands (upmix, render, stream), through
soundfile (libsndfile): WAV, WAVEX, RF64, AIFF, FLAC and whatever else libsndfile reads.

read_audio(path)          -> (float64 (n, ch), fs), any channel count. Empty, unknown,
                             damaged or truncated files, and files holding NaN or inf,
                             raise one-line UserErrors.
read_stereo(path, fs=...) -> (float64 (n, 2), fs): mono is duplicated, more than two
                             channels refused; a sample rate other than `fs` is refused
                             unless resample=True (scipy.signal.resample_poly).
write_audio(path, x, fs, fmt="float32" | "pcm24"): the container follows the extension
                             (.flac, .aif/.aiff, .rf64; anything else is WAV); FLAC
                             holds PCM only. output_container(path, fmt) checks first.

PCM scaling: integer PCM (8/16/24/32-bit) is read as int32, which libsndfile fills
left-justified (v << (32 - b), 8-bit unsigned centred first), and divided by 2^31, so
the float64 value times 2^31 is the exact Q31 word. Float files are read as float64
unchanged; other encodings (u-law, ADPCM, ...) as libsndfile decodes them to float.
Writing 24-bit rounds x * 2^23 to nearest and saturates to [-2^23, 2^23 - 1].
"""

from __future__ import annotations

import re
from math import gcd
from pathlib import Path

import numpy as np

from device_profiles.errors import UserError

FORMATS = ("float32", "pcm24")
# bytes per sample of the integer PCM and float encodings; integer PCM is read as int32
_PCM_BYTES = {"PCM_S8": 1, "PCM_U8": 1, "PCM_16": 2, "PCM_24": 3, "PCM_32": 4}
_FLOAT_BYTES = {"FLOAT": 4, "DOUBLE": 8}
_CONTAINERS = {".flac": "FLAC", ".aif": "AIFF", ".aiff": "AIFF", ".rf64": "RF64"}  # else WAV

# libsndfile trims an audio chunk that declares more than the file holds to what is
# there, and a data chunk cut mid-frame to whole frames, saying so only in its open log
# (SFC_GET_LOG_INFO, soundfile's `extra_info`); these are the lines that tell.
# WAV/WAVEX/CAF 'data', AIFF 'SSND': "data : 4000 (should be 3990)", declared and
# present chunk bytes.
_CHUNK_CUT = re.compile(r"^\s*(data|SSND) : (\d+) \(should be (\d+)\)", re.M)
# RF64: the frames of the ds64 chunk against those its data holds; AIFF: the COMM chunk's.
_FRAMES_CUT = (
    re.compile(r"Calculated frame count (?P<found>\d+) does not match value from 'ds64' "
               r"chunk of (?P<declared>\d+)"),
    re.compile(r"Frame count read from 'COMM' chunk \((?P<declared>\d+)\) not equal to "
               r"frame count\s*\*\*\* calculated from length of 'SSND' chunk \((?P<found>\d+)\)"),
)
# WAV/WAVEX "data : 399", RF64 "Data size : 399": the declared data bytes.
_DATA_BYTES = re.compile(r"^\s*(?:data|Data size) : (\d+)\b", re.M)
_UNKNOWN_LENGTH = 0xFFFFFFFF  # a WAV written to a pipe, its length never filled in


def _truncation(path: Path, f, frames_read: int) -> str | None:
    """Why the audio data of open SoundFile `f` is cut short, or None."""
    log = f.extra_info
    m = _CHUNK_CUT.search(log)
    if m and int(m[2]) != _UNKNOWN_LENGTH and int(m[3]) < int(m[2]):
        return (f"{path}: truncated file (its {m[1]!r} chunk declares {m[2]} bytes, "
                f"{m[3]} present); copy or export it again")
    for pattern in _FRAMES_CUT:
        m = pattern.search(log)
        if m and int(m["found"]) < int(m["declared"]):
            return (f"{path}: truncated file (the header declares {m['declared']} frames, "
                    f"{m['found']} present); copy or export it again")
    if frames_read < f.frames:
        return (f"{path}: truncated file (the header declares {f.frames} frames, "
                f"{frames_read} present); copy or export it again")
    width = _PCM_BYTES.get(f.subtype) or _FLOAT_BYTES.get(f.subtype)
    if f.format in ("WAV", "WAVEX", "RF64") and width:
        m = _DATA_BYTES.search(log)
        frame = width * f.channels
        if m and int(m[1]) != _UNKNOWN_LENGTH and int(m[1]) % frame:
            return (f"{path}: truncated file (data chunk of {m[1]} bytes is not a whole "
                    f"number of {frame}-byte frames); copy or export it again")
    return None


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Samples as float64 (n, channels) and the sample rate."""
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise UserError(f"{path}: empty file (0 bytes), not an audio file")
    try:
        with sf.SoundFile(path) as f:
            integer = f.subtype in _PCM_BYTES
            x = f.read(dtype="int32" if integer else "float64", always_2d=True)
            cut = _truncation(path, f, len(x))
            fs = f.samplerate
    except sf.LibsndfileError as e:
        what = re.sub(r"^Error\s*:\s*", "", e.error_string).rstrip(".")
        if e.code == 1:  # SF_ERR_UNRECOGNISED_FORMAT
            raise UserError(f"{path}: not an audio file libsndfile reads ({what}); WAV, "
                            "FLAC, AIFF or RF64 expected") from None
        raise UserError(f"{path}: damaged or truncated audio file ({what}); copy or export "
                        "it again") from None
    if cut:
        raise UserError(cut)
    if integer:
        y = x / 2.0**31
    else:
        y = x
        bad = ~np.isfinite(y)
        if bad.any():
            i, c = (int(v) for v in np.argwhere(bad)[0])
            raise UserError(f"{path}: non-finite sample ({y[i, c]}) at sample {i}, channel {c} "
                            f"({int(bad.sum())} in all); only finite float samples can be "
                            "processed, fix or re-export the file")
    if len(y) == 0:
        raise UserError(f"{path}: no samples (the audio data is empty)")
    return y, int(fs)


def read_stereo(path: str | Path, fs: int | None = None, *,
                resample: bool = False) -> tuple[np.ndarray, int]:
    """(n, 2) float64 at `fs` (if given): mono duplicated, other channel counts refused."""
    x, rate = read_audio(path)
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


def output_container(path: str | Path, fmt: str) -> str:
    """The container write_audio writes `path` in, or a UserError if it cannot hold `fmt`
    (commands call it before the work, so a bad --out fails at once)."""
    if fmt not in FORMATS:
        raise UserError(f"unknown output format {fmt!r} (one of {', '.join(FORMATS)})")
    container = _CONTAINERS.get(Path(path).suffix.lower(), "WAV")
    if container == "FLAC" and fmt != "pcm24":
        raise UserError(f"{path}: FLAC holds integer PCM only; write 24-bit PCM "
                        "(--format pcm24) or name a .wav file")
    return container


def write_audio(path: str | Path, x: np.ndarray, fs: int, fmt: str = "float32") -> None:
    """Write (n, ch) or (n,) samples as 32-bit float or 24-bit PCM; WAV unless the
    extension names another container (FLAC holds PCM only: fmt="pcm24")."""
    import soundfile as sf

    path = Path(path)
    container = output_container(path, fmt)
    x = np.asarray(x, dtype=np.float64)
    if fmt == "float32":
        data, subtype = x.astype(np.float32), "FLOAT"
    else:  # 24-bit words, left-justified in int32 as libsndfile takes them (v << 8)
        q = np.clip(np.round(x * 2.0**23), -(2**23), 2**23 - 1).astype(np.int32)
        data, subtype = q << 8, "PCM_24"
    try:
        sf.write(path, data, int(fs), subtype=subtype, format=container)
    except sf.LibsndfileError as e:
        raise UserError(f"{path}: cannot write ({e.error_string.rstrip('.')}); check that its "
                        "folder exists and is writable") from None
