"""`soundstage render IN.wav --out OUT.wav [--profile P] [--binaural EARS.wav]`.

Runs the float reference chain of the profile's design (adaptive upmix,
virtualizer + CTC, beamformer, per-driver stage) over a stereo file and writes
one multichannel file, one channel per driver in the profile's driver order;
the order and names are printed and written to OUT.json. The chain latency is
compensated so the file lines up with the input. Files are read and written by
host_tools.audio_io (WAV, FLAC, AIFF, RF64 in; WAV unless the extension says
.flac, .aiff or .rf64 out).

--binaural EARS.wav also writes what the listener's ears would receive in free
field from the acoustic model (a headphone preview of the effect) with the
profile's head (--head overrides it, for the design and the ears alike), and
EARS-plain.wav: the same for plain stereo playback on the device (left
drivers L, right drivers R), for A/B listening. The pair is loudness-matched,
so the A/B compares space and not level: the louder file (plain playback,
nearly always) is attenuated until both have the same ITU-R BS.1770 integrated
loudness (dsp_model/loudness.py), which cannot make it clip; the gain is
printed, so the level difference is known (and undone by the opposite gain).
An input shorter than one 0.4 s BS.1770 block, or one whose ear signals are
silent, has no integrated loudness: the pair is then written as rendered and
the line says so.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from device_profiles import load_profile

from .audio_io import output_container, read_stereo, write_audio
from .cmd_design import add_head_option
from .progress import PROGRESS_AFTER_SECONDS, print_progress

BLOCK_SECONDS = 1.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="per-driver signals of stereo audio (and a binaural "
                       "preview)")
    p.add_argument("input", help="audio file (WAV, FLAC, AIFF, RF64): 8/16/24/32-bit PCM "
                   "or float, mono or stereo")
    p.add_argument("--out", required=True, help="output WAV, one channel per driver; .flac "
                   "(with --format pcm24), .aiff or .rf64 by its extension")
    p.add_argument("--profile", default=None, help="bundled name or TOML path (default studio5)")
    p.add_argument("--format", choices=("float32", "pcm24"), default="float32",
                   help="sample format of the written files")
    p.add_argument("--binaural", default=None, metavar="EARS.wav",
                   help="also write the ear signals (free field), and EARS-plain.wav for "
                   "plain stereo playback on the device")
    p.add_argument("--resample", action="store_true",
                   help="convert the input to the profile's sample rate if it differs")
    add_head_option(p)
    p.set_defaults(func=run)


def render_file(design, x: np.ndarray, upmix, progress=None) -> tuple[np.ndarray, int]:
    """(n, 2) -> (n, D) per-driver signals, latency compensated; returns the latency."""
    from dsp_model.float_chain import FloatChain

    chain = FloatChain(design, upmix=upmix)
    lat = chain.latency
    src = np.concatenate([x, np.zeros((lat, 2))])
    block = int(BLOCK_SECONDS * design.fs)
    out = np.empty((len(src), design.n_drivers))
    for i in range(0, len(src), block):
        out[i:i + block] = chain.process(src[i:i + block])
        if progress:
            progress(min(i + block, len(src)) / len(src))
    return out[lat:lat + len(x)], lat


def run(args: argparse.Namespace) -> int:
    from dsp_model.binaural import ear_signals
    from dsp_model.chain_design import plain_chain
    from dsp_model.design import design_chain
    from dsp_model.float_chain import PassiveUpmix
    from dsp_model.heads import describe_head, head_for, heads_for
    from dsp_model.loudness import BLOCK_S, integrated_loudness, matching_gains_db

    prof = load_profile(args.profile)
    head = head_for(prof, head=args.head)
    for out in (args.out, args.binaural):
        if out:
            output_container(out, args.format)
    x, fs = read_stereo(args.input, prof.sample_rate, resample=args.resample)
    design = design_chain(prof, heads=heads_for(prof, head=args.head))
    long_file = len(x) > PROGRESS_AFTER_SECONDS * fs
    y, lat = render_file(design, x, None, print_progress if long_file else None)
    write_audio(args.out, y, fs, args.format)
    names = list(prof.driver_ids)
    meta = {"profile": prof.name, "sample_rate": fs, "channels": names,
            "latency_compensated_samples": lat, "format": args.format}
    Path(args.out).with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"render: {prof.name}, {fs} Hz, chain latency {lat} samples ({lat / fs * 1e3:.1f} ms) "
          f"compensated; wrote {args.out}: {len(y)} samples x {len(names)} channels "
          f"({', '.join(names)}), {args.format}")
    if args.binaural:
        ears = Path(args.binaural)
        plain = ears.with_name(ears.stem + "-plain" + ears.suffix)
        y_plain, _ = render_file(plain_chain(prof), x, PassiveUpmix())
        pair = [(ears, ear_signals(y, prof, head=head)[0]),
                (plain, ear_signals(y_plain, prof, head=head)[0])]
        name = describe_head(head)["name"]
        words = "rigid-sphere head" if name == "sphere" else f"head {name}"
        print(f"render: binaural preview (free field, {words} at "
              f"{prof.listener.distance:g} m) -> {ears} (processed), {plain} (plain stereo)")
        if len(x) < BLOCK_S * fs:
            print(f"render: A/B not loudness-matched: {len(x) / fs:.2f} s is shorter than "
                  f"one BS.1770 block ({BLOCK_S:g} s)")
        else:
            lufs = [integrated_loudness(e, fs) for _, e in pair]
            gains = matching_gains_db(*lufs)
            if gains is None:
                print("render: A/B not loudness-matched: silent ear signals (under the "
                      "BS.1770 gate)")
            else:
                k = int(np.argmin(gains))  # the louder one, attenuated
                pair[k] = (pair[k][0], pair[k][1] * 10.0 ** (gains[k] / 20.0))
                diff = lufs[0] - lufs[1]
                print(f"render: A/B loudness-matched (BS.1770, both ears): {pair[k][0]} scaled "
                      f"by {gains[k]:+.2f} dB, both at {min(lufs):.1f} LUFS (the processed "
                      f"playback is {abs(diff):.2f} LU {'louder' if diff > 0 else 'quieter'})")
        for path, e in pair:
            write_audio(path, e, fs, args.format)
    return 0
