"""Golden vectors per bundled profile: stimuli, expected int32 outputs, SHA-256.

    python -m firmware_export.golden --update          # every bundled profile
    python -m firmware_export.golden --update studio5  # one
    python -m firmware_export.golden                   # check only (exit 1 if stale)
    python -m firmware_export.golden --update --from-head
        # from a clean snapshot of the git HEAD (a shared tree may hold other
        # people's uncommitted design edits), written into this tree

tests/golden/<profile>/ holds
    profile.blob   the tables the vectors were made with (build.blob_for_profile)
    vectors.npz    in_<stimulus> (n, 2) int32 Q31 and out_<stimulus> (n, D)
                   int32 DAC codes, compressed
    golden.json    provenance (generator, seed, design source, table and blob
                   format versions, block size, driver ids) and the SHA-256 of
                   the blob and of every array (little-endian int32 bytes)

Expected outputs come from the Python fixed model (`FixedChain`) run in
blocks of the profile's block size; `soundstage verify` then holds the Python
model and the host C runtime to them (and to each other). The stimuli are
`stimuli(fs)`: seeded, about 0.6 s in all at 48 kHz.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from device_profiles.errors import UserError

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "tests" / "golden"
GENERATOR = "firmware_export.golden"
GOLDEN_VERSION = 1
SEED = 20260601
I32_MIN, I32_MAX = -(2**31), 2**31 - 1


def stimuli(fs: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """The validation stimuli, (n, 2) int32 Q31 each, in a fixed order.

    noise      pink noise, -12 dBFS, independent L and R (0.1 s)
    sweep      exponential sine sweep 20 Hz .. 0.45 fs, -6 dBFS peak, R = -L
               for the second half (correlated then anti-correlated) (0.2 s)
    impulses   half-scale impulses on L, on R, on both, then their tails (0.1 s)
    extremes   full-scale square, +-full-scale anti-phase (the upmix corner),
               INT32_MIN/MAX runs, uniformly random full-range words (0.1 s)
    multitone  24 log-spaced tones, -3 dBFS peak, L and R different phases (0.1 s)
    """
    from dsp_model.signals import exp_sweep, multitone, pink_noise, to_q31

    n = fs // 10
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    out["noise"] = to_q31(pink_noise(n, seed=seed, level_dbfs=-12.0, channels=2))
    s = to_q31(exp_sweep(0.2, fs=fs, f0=20.0, f1=0.45 * fs, level_dbfs=-6.0))
    sw = np.stack([s, s], axis=1)
    sw[len(s) // 2:, 1] = -sw[len(s) // 2:, 1]
    out["sweep"] = sw
    imp = np.zeros((n, 2), np.int32)
    imp[0, 0] = 1 << 30
    imp[n // 3, 1] = 1 << 30
    imp[2 * n // 3] = [1 << 30, 1 << 30]
    out["impulses"] = imp
    ex = np.zeros((n, 2), np.int32)
    q = n // 5
    sq = np.where((np.arange(q) % 96) < 48, I32_MAX, I32_MIN)
    ex[:q, 0] = sq
    ex[:q, 1] = sq
    ex[q:2 * q] = [I32_MAX, I32_MIN]
    ex[2 * q:3 * q:2] = [I32_MIN, I32_MIN]
    ex[2 * q + 1:3 * q:2] = [I32_MAX, I32_MAX]
    ex[3 * q:] = rng.integers(I32_MIN, I32_MAX, (n - 3 * q, 2), endpoint=True)
    out["extremes"] = ex
    a = multitone(n, fs=fs, level_dbfs=-3.0, seed=seed)
    b = multitone(n, fs=fs, level_dbfs=-3.0, seed=seed + 1)
    out["multitone"] = to_q31(np.stack([a, b], axis=1))
    return {k: np.ascontiguousarray(v, dtype=np.int32) for k, v in out.items()}


def array_sha256(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<i4").tobytes()).hexdigest()


@dataclass(frozen=True)
class Golden:
    profile: str
    blob: bytes
    block_size: int
    driver_ids: tuple[str, ...]
    stimuli: tuple[str, ...]
    inputs: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]
    meta: dict


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A deterministic compressed .npz (np.savez_compressed stamps no time,
    but zip entries carry one: write them ourselves with a fixed date)."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            a = io.BytesIO()
            np.lib.format.write_array(a, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, a.getvalue())
    return buf.getvalue()


def generate(profile_name: str, golden_dir: Path | None = None) -> Path:
    """(Re)write tests/golden/<profile>/ from the current design and model."""
    from device_profiles import load_profile
    from dsp_model.fixed.chain import FixedChain
    from firmware_export.blob import FORMAT_VERSION, SEC_META, parse_blob
    from firmware_export.build import blob_for_profile, design_source
    from firmware_export.tables import chain_from_blob
    from firmware_export.verify import run_blocks

    prof = load_profile(profile_name)
    blob = blob_for_profile(prof)
    q = chain_from_blob(blob)
    bs = int(prof.block_size)
    stims = stimuli(prof.sample_rate)
    arrays, hashes = {}, {}
    for name, x in stims.items():
        y = run_blocks(FixedChain(q).process, x, [bs])
        arrays[f"in_{name}"] = x
        arrays[f"out_{name}"] = y
        hashes[f"in_{name}"] = array_sha256(x)
        hashes[f"out_{name}"] = array_sha256(y)
    d = (golden_dir or GOLDEN_DIR) / prof.name
    d.mkdir(parents=True, exist_ok=True)
    npz = _npz_bytes(arrays)
    meta = {
        "golden_version": GOLDEN_VERSION,
        "generator": f"python -m {GENERATOR} --update {prof.name}",
        "seed": SEED,
        "profile": prof.name,
        "design_source": design_source()[0],
        "expected_from": "dsp_model.fixed.chain.FixedChain",
        "tables_version": int.from_bytes(parse_blob(blob).sections[SEC_META][:4], "little"),
        "blob_format_version": FORMAT_VERSION,
        "blob_sha256": hashlib.sha256(blob).hexdigest(),
        "vectors_sha256": hashlib.sha256(npz).hexdigest(),
        "sample_rate": prof.sample_rate,
        "block_size": bs,
        "drivers": list(q.driver_ids),
        "stimuli": list(stims),
        "samples": {k: len(v) for k, v in stims.items()},
        "arrays_sha256": hashes,
    }
    (d / "profile.blob").write_bytes(blob)
    (d / "vectors.npz").write_bytes(npz)
    (d / "golden.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return d


def load_golden(profile_name: str, golden_dir: Path | None = None) -> Golden:
    """Read and check (every SHA-256) the golden vectors of a profile.
    Missing or damaged files raise `UserError` naming the file."""
    d = (golden_dir or GOLDEN_DIR) / profile_name
    paths = {k: d / k for k in ("golden.json", "profile.blob", "vectors.npz")}
    for p in paths.values():
        if not p.is_file():
            raise UserError(f"golden vectors of {profile_name}: {p} missing (make them with "
                            f"python -m {GENERATOR} --update {profile_name})")
    meta = json.loads(paths["golden.json"].read_text())
    blob = paths["profile.blob"].read_bytes()
    raw = paths["vectors.npz"].read_bytes()
    if hashlib.sha256(blob).hexdigest() != meta["blob_sha256"]:
        raise UserError(f"{paths['profile.blob']}: SHA-256 does not match golden.json")
    if hashlib.sha256(raw).hexdigest() != meta["vectors_sha256"]:
        raise UserError(f"{paths['vectors.npz']}: SHA-256 does not match golden.json")
    with np.load(io.BytesIO(raw), allow_pickle=False) as z:
        arrays = {k: np.asarray(z[k]) for k in z.files}
    for k, h in meta["arrays_sha256"].items():
        if k not in arrays or array_sha256(arrays[k]) != h:
            raise UserError(f"{paths['vectors.npz']}: array {k} missing or its SHA-256 "
                            "does not match golden.json")
    names = tuple(meta["stimuli"])
    return Golden(profile_name, blob, int(meta["block_size"]), tuple(meta["drivers"]), names,
                  {s: arrays[f"in_{s}"].astype(np.int32) for s in names},
                  {s: arrays[f"out_{s}"].astype(np.int32) for s in names}, meta)


def stale(profile, golden_dir: Path | None = None) -> str | None:
    """None if the stored blob is what the current design of `profile` (bundled
    name or TOML path) builds; else why not. A path is built from that file, not
    from the bundled profile of its name, whose golden directory it shares."""
    from device_profiles import load_profile
    from firmware_export.build import blob_for_profile

    prof = load_profile(profile)
    g = load_golden(prof.name, golden_dir)
    cur = blob_for_profile(prof)
    if cur == g.blob:
        return None
    return (f"golden vectors of {prof.name} were made from a different blob (stored "
            f"{g.meta['blob_sha256'][:12]}, current design "
            f"{hashlib.sha256(cur).hexdigest()[:12]}); if the design change is intended, "
            f"run: python -m {GENERATOR} --update {profile}")


def _from_head(a) -> int:
    """This command, run in a temporary `git archive HEAD` snapshot (its
    packages shadow the working tree's), writing into this tree's golden dir."""
    import subprocess
    import tarfile
    import tempfile

    repo = Path(__file__).resolve().parent.parent
    out = (a.dir or GOLDEN_DIR).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        tar = subprocess.run(["git", "archive", "HEAD"], cwd=repo, capture_output=True,
                             check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(tar)) as tf:  # our own repository's archive
            if hasattr(tarfile, "data_filter"):
                tf.extractall(tmp, filter="data")
            else:
                tf.extractall(tmp)
        cmd = [sys.executable, "-m", GENERATOR, "--dir", str(out), *a.profiles]
        if a.update:
            cmd.insert(3, "--update")
        return subprocess.run(cmd, cwd=tmp).returncode


def main(argv: list[str] | None = None) -> int:
    from device_profiles import bundled_profiles

    ap = argparse.ArgumentParser(prog=f"python -m {GENERATOR}", description=__doc__.split("\n")[0])
    ap.add_argument("profiles", nargs="*", help="bundled profile names (default: all)")
    ap.add_argument("--update", action="store_true", help="regenerate the vectors")
    ap.add_argument("--dir", type=Path, default=None, help="golden root (default tests/golden)")
    ap.add_argument("--from-head", action="store_true",
                    help="run the generator in a snapshot of git HEAD (git archive)")
    a = ap.parse_args(argv)
    if a.from_head:
        return _from_head(a)
    names = a.profiles or bundled_profiles()
    rc = 0
    for name in names:
        if a.update:
            d = generate(name, a.dir)
            print(f"{name}: wrote {d}")
            continue
        why = stale(name, a.dir)
        print(f"{name}: {'up to date' if why is None else why}")
        rc |= why is not None
    return rc


if __name__ == "__main__":
    sys.exit(main())
