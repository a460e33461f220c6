"""`soundstage upmix IN.wav --out OUT.wav [--profile P] [--resample]`.

Reads any audio file libsndfile reads (host_tools.audio_io: WAV, FLAC, AIFF, RF64).
Writes the three upmix outputs L', R', C (float32 WAV, that channel order) so
the upmix can be heard and compared with other tools. By default the file is
aligned with the input (the upmix latency is compensated: the input is
flushed with `latency` zeros and the first `latency` output samples dropped),
so L' + C = L sample for sample; --no-align keeps the real-time stream.
"""

from __future__ import annotations

import argparse

import numpy as np

from device_profiles import load_profile
from dsp_model.upmix import Upmix
from host_tools.audio_io import output_container, read_stereo, write_audio
from host_tools.progress import PROGRESS_AFTER_SECONDS, print_progress

BLOCK_SECONDS = 1.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("upmix", help="split stereo audio into L', R', C (float32 WAV)")
    p.add_argument("input", help="audio file (WAV, FLAC, AIFF, RF64): 8/16/24/32-bit PCM "
                   "or float, mono or stereo")
    p.add_argument("--out", required=True, help="output WAV (3 channels: L', R', C); .aiff or "
                   ".rf64 by its extension")
    p.add_argument("--profile", default=None, help="bundled name or TOML path (default studio5)")
    p.add_argument("--resample", action="store_true",
                   help="convert the input to the profile's sample rate if it differs")
    p.add_argument("--no-align", action="store_true",
                   help="keep the upmix latency in the file instead of compensating it")
    p.set_defaults(func=run)


def upmix_file(x: np.ndarray, prof, *, align: bool = True, progress=None) -> tuple[np.ndarray, int]:
    """Upmix (n, 2) samples in blocks; returns ((n, 3) L', R', C, latency in samples)."""
    u = Upmix(prof)
    lat = u.latency
    n = len(x)
    src = np.concatenate([x, np.zeros((lat, 2))]) if align else x
    block = int(BLOCK_SECONDS * prof.sample_rate)
    out = np.empty((len(src), 3))
    for i in range(0, len(src), block):
        out[i:i + block] = u.process(src[i:i + block])
        if progress:
            progress(min(i + block, len(src)) / len(src))
    return (out[lat:lat + n] if align else out), lat


def run(args: argparse.Namespace) -> int:
    prof = load_profile(args.profile)
    output_container(args.out, "float32")
    x, fs = read_stereo(args.input, prof.sample_rate, resample=args.resample)
    long_file = len(x) > PROGRESS_AFTER_SECONDS * fs
    y, lat = upmix_file(x, prof, align=not args.no_align,
                        progress=print_progress if long_file else None)
    write_audio(args.out, y, fs, "float32")
    how = "compensated (aligned with the input)" if not args.no_align else "kept in the file"
    print(f"upmix: {prof.name}, {fs} Hz, latency {lat} samples ({lat / fs * 1e3:.1f} ms) {how}; "
          f"wrote {args.out}: {len(y)} samples x 3 channels (L', R', C), float32")
    return 0
