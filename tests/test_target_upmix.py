"""The adaptive upmix (firmware_export/runtime/ss_upmix.c) on the emulated
Cortex-M4, bit-exact with the fixed-point model: the ARMv7E-M paths (ss_ops.h's
QADD/QSUB, ss_upmix.c's SMLAL / SSAT complex product) compile only for the
target, so the host tests of tests/test_fixed_upmix.py do not see them.
Output crosses by a semihosting file (src/main_upmix.c, out=)."""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from device_profiles import load_profile
from dsp_model.fixed.upmix import FixedUpmix
from firmware_export.quantize_upmix import upmix_tables
from firmware_export.target import build, run
from firmware_export.target.measure import build_upmix, upmix_table_bytes

MISSING = build.missing_tools()
if MISSING:
    warnings.warn(f"target tests skipped: {MISSING}", stacklevel=1)
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"TARGET TOOLCHAIN MISSING: {MISSING}")
I32_MIN, I32_MAX = -(2**31), 2**31 - 1


@pytest.fixture(scope="module")
def elf():
    return build_upmix(False).elf


def _target(elf, t, x: np.ndarray, block: int) -> np.ndarray:
    with tempfile.TemporaryDirectory(prefix="ss-upmix-") as tmp:
        d = Path(tmp)
        (d / "tab.bin").write_bytes(upmix_table_bytes(t))
        (d / "in.bin").write_bytes(np.ascontiguousarray(x, "<i4").tobytes())
        run.run(elf, timeout=600, cwd=d, args=["tab=tab.bin", "in=in.bin", f"block={block}",
                                                "out=out.bin"]).check()
        raw = np.fromfile(d / "out.bin", "<i4")
    parts, i = [], 0
    for s in range(0, len(x), block):
        m = min(block, len(x) - s)
        parts.append(raw[i:i + 3 * m].reshape(3, m).T)
        i += 3 * m
    assert i == len(raw)
    return np.concatenate(parts)


def _stimuli(n: int) -> dict[str, np.ndarray]:
    r = np.random.default_rng(2312)
    noise = (r.standard_normal((n, 2)) * 2.0**28).astype(np.int32)
    full = r.integers(I32_MIN, I32_MAX, (n, 2), endpoint=True, dtype=np.int64).astype(np.int32)
    sq = np.where(np.arange(n) % 480 < 240, I32_MAX, I32_MIN).astype(np.int32)
    return {"noise": noise, "full-scale random": full, "square L=R": np.stack([sq, sq], 1)}


@pytest.mark.parametrize("profile", ["compact2", "studio5"])
def test_target_upmix_bit_exact_with_model(elf, profile):
    p = load_profile(profile)
    t = upmix_tables(p.upmix, p.sample_rate)
    for label, x in _stimuli(t.fft_size + 8 * t.hop).items():
        got = _target(elf, t, x, 64)
        assert np.array_equal(got, FixedUpmix(t).process(x)), (profile, label)


def test_target_upmix_extreme_twiddles(elf):
    """Twiddles at the int32 edges (INT32_MIN: the product's exact int64 form)."""
    p = load_profile("compact2")
    t = upmix_tables(p.upmix, p.sample_rate)
    for value in (I32_MIN, I32_MAX):
        tc = np.asarray(t.twiddle_cos, np.int32).copy()
        ts = np.asarray(t.twiddle_sin, np.int32).copy()
        tc[1::2] = value
        ts[::2] = value
        tv = replace(t, twiddle_cos=tc, twiddle_sin=ts)
        x = _stimuli(t.fft_size + 4 * t.hop)["full-scale random"]
        assert np.array_equal(_target(elf, tv, x, 37), FixedUpmix(tv).process(x)), value


@pytest.mark.slow
@pytest.mark.parametrize("name", ["studio5", "compact2"])
def test_budget_estimate_within_10_percent_of_the_target(elf, name):
    """dsp_model.budget.upmix_instructions (the design's budget for the adaptive
    upmix, from per-stage figures) against the whole upmix counted on the target
    (plain build, exact instruction counts): correlated noise, 6 frames timed."""
    from dsp_model.budget import upmix_instructions
    from firmware_export.target.measure import measure_upmix

    prof = load_profile(name)
    t = upmix_tables(prof.upmix)
    rng = np.random.default_rng(7)
    warm = t.fft_size + 4 * t.hop
    a, b = rng.standard_normal((2, warm + 6 * t.hop))
    x = np.round(np.stack([a, 0.6 * a + 0.8 * b], 1) * 2.0**28).astype(np.int32)
    got = measure_upmix(t, x, warm=warm, profile=False, elf=elf)
    per_sample = got.instructions / got.samples
    est = upmix_instructions(t.fft_size, t.hop, t.synthesis_size, t.mag == 1.0, int(t.kh))
    assert abs(est / per_sample - 1.0) <= 0.10, (name, est, per_sample)
