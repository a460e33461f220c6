"""`soundstage verify` and the golden vectors: every bundled profile passes;
a difference is reported at the first driver, block and sample with both
values (exit 1); missing or damaged vectors are an error, never a pass; the
committed vectors are what the generator makes from the current design."""

from __future__ import annotations

import hashlib
import io
import json
import shutil

import numpy as np
import pytest

from device_profiles import bundled_profiles
from device_profiles.errors import UserError
from firmware_export import golden as G
from firmware_export import verify as V
from host_tools.cli import main as cli_main


@pytest.mark.parametrize("name", bundled_profiles())
def test_verify_passes_for_every_bundled_profile(name, capsys):
    assert cli_main(["verify", name]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{name}: pass")
    g = G.load_golden(name)
    for stim in g.stimuli:  # every stimulus was run by both and agreed with golden
        assert f"{stim}: " in out and "golden = python = c" in out
    assert len(g.stimuli) >= 5


def test_golden_vectors_are_small_and_described():
    for name in bundled_profiles():
        g = G.load_golden(name)
        total = sum(len(x) for x in g.inputs.values())
        assert total <= g.meta["sample_rate"]  # at most 1 s of audio
        d = G.GOLDEN_DIR / name
        assert sum(p.stat().st_size for p in d.iterdir()) < 1_000_000
        for key in ("generator", "seed", "design_source", "tables_version",
                    "blob_format_version", "blob_sha256", "arrays_sha256"):
            assert key in g.meta
        for s in g.stimuli:
            assert g.outputs[s].shape == (len(g.inputs[s]), len(g.driver_ids))
            assert g.inputs[s].dtype == np.int32 and g.outputs[s].dtype == np.int32


def test_committed_vectors_are_what_the_generator_makes_now(tmp_path):
    """Byte for byte (the generator is deterministic). If this fails after an
    intended design change: python -m firmware_export.golden --update
    (--from-head: from the committed design only, in a shared tree)."""
    for name in bundled_profiles():
        G.generate(name, tmp_path)
        for f in ("golden.json", "profile.blob", "vectors.npz"):
            new = (tmp_path / name / f).read_bytes()
            old = (G.GOLDEN_DIR / name / f).read_bytes()
            assert new == old, (f"{name}/{f} is stale: run python -m firmware_export.golden "
                                "--update [--from-head]")
        assert G.stale(name) is None


def _copy_golden(tmp_path, name):
    dst = tmp_path / name
    shutil.copytree(G.GOLDEN_DIR / name, dst)
    return tmp_path


def _tamper(root, name, stim, index, driver, delta):
    """Change one expected output sample and re-seal the hashes (so the
    files load: the vectors themselves are what is wrong)."""
    d = root / name
    meta = json.loads((d / "golden.json").read_text())
    with np.load(io.BytesIO((d / "vectors.npz").read_bytes())) as z:
        arrays = {k: np.array(z[k]) for k in z.files}
    arrays[f"out_{stim}"][index, driver] += delta
    raw = G._npz_bytes(arrays)
    (d / "vectors.npz").write_bytes(raw)
    meta["vectors_sha256"] = hashlib.sha256(raw).hexdigest()
    meta["arrays_sha256"][f"out_{stim}"] = G.array_sha256(arrays[f"out_{stim}"])
    (d / "golden.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return int(arrays[f"out_{stim}"][index, driver])


def test_a_wrong_golden_sample_is_reported_where_it_is(tmp_path, capsys):
    name = "studio5"
    root = _copy_golden(tmp_path, name)
    g = G.load_golden(name)
    stim, idx, drv = g.stimuli[1], 1000, 3
    bad = _tamper(root, name, stim, idx, drv, 5)
    res = V.verify_profile(name, root)
    assert not res.ok
    who = {(m.a, m.b) for m in res.mismatches}
    assert who == {("golden", "python"), ("golden", "c")}  # python and c still agree
    for m in res.mismatches:
        assert (m.stimulus, m.driver, m.block, m.sample, m.index) == (
            stim, g.driver_ids[drv], idx // g.block_size, idx % g.block_size, idx)
        assert m.value_a == bad and m.value_b == bad - 5
    assert cli_main(["verify", name, "--golden", str(root)]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and f"driver {g.driver_ids[drv]}, block {idx // 64}" in out
    assert f"sample {idx % 64}" in out and str(bad) in out and str(bad - 5) in out


def test_python_and_c_disagreeing_is_reported(monkeypatch):
    real = V.CChain.process
    calls = {}

    def off_by_one(self, block):  # sample 6 of the second block, driver 0
        y = real(self, block)
        calls[id(self)] = calls.get(id(self), 0) + 1
        if calls[id(self)] == 2:
            y[6, 0] += 1
        return y

    monkeypatch.setattr(V.CChain, "process", off_by_one)
    res = V.verify_profile("compact2")
    pairs = {(m.a, m.b) for m in res.mismatches}
    assert pairs == {("golden", "c"), ("python", "c")}
    m = next(m for m in res.mismatches if m.a == "python")
    assert (m.block, m.sample, m.value_b - m.value_a) == (1, 6, 1)


def test_missing_or_damaged_vectors_are_an_error(tmp_path, capsys):
    with pytest.raises(UserError, match="missing"):
        V.verify_profile("studio5", tmp_path)
    assert cli_main(["verify", "studio5", "--golden", str(tmp_path)]) == 2
    assert "--update studio5" in capsys.readouterr().err
    root = _copy_golden(tmp_path, "compact2")
    raw = bytearray((root / "compact2" / "vectors.npz").read_bytes())
    raw[len(raw) // 2] ^= 1
    (root / "compact2" / "vectors.npz").write_bytes(bytes(raw))
    with pytest.raises(UserError, match="SHA-256"):
        V.verify_profile("compact2", root)


def test_first_mismatch_shape_and_order():
    a = np.zeros((10, 3), np.int32)
    b = a.copy()
    assert V.first_mismatch(a, b, 4, ["x", "y", "z"], ("p", "q"), "s") is None
    b[6, 2] = 7
    b[6, 1] = -3
    b[9, 0] = 1
    m = V.first_mismatch(a, b, 4, ["x", "y", "z"], ("p", "q"), "s")
    assert (m.driver, m.block, m.sample, m.index, m.value_a, m.value_b) == ("y", 1, 2, 6, 0, -3)
    m = V.first_mismatch(a, b[:8], 4, ["x", "y", "z"], ("p", "q"), "s")
    assert m.index == 6
    m = V.first_mismatch(a[:5], a[:5].copy()[:4], 4, ["x", "y", "z"], ("p", "q"), "s")
    assert m.index == 4  # length difference: at the first missing sample
