"""The whole chain (firmware_export/runtime/ss_chain.c) on the emulated
Cortex-M4: bit-exact with the Python fixed-point chain for every bundled
profile (with its shipped upmix and the adaptive one), and within each
profile's processing budget.

Stimuli and output cross by semihosting files, so a second of audio takes a
fraction of a second. Instructions are counted inside ss_chain_process with
the calibrated SysTick (qemu -icount shift=0).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from profile_helpers import profile_with_upmix, upmix_cases

from device_profiles import bundled_profiles, load_profile
from firmware_export.target import build
from firmware_export.target import chain as target_chain

MISSING = build.missing_tools()
if MISSING:
    warnings.warn(f"target tests skipped: {MISSING}", stacklevel=1)
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"TARGET TOOLCHAIN MISSING: {MISSING}")


@pytest.fixture(scope="module")
def chain_fw():
    if not target_chain.have_chain_runtime():
        pytest.skip("CHAIN RUNTIME MISSING: firmware_export/runtime/ss_chain.c not in the tree")
    return build_and_check()


def build_and_check():
    fw = target_chain.build_chain()
    assert not fw.warnings, f"the runtime warns on the target:\n{fw.warnings}"
    return fw


def _stimuli(fs: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1606)
    n = fs // 4
    noise = (rng.standard_normal((n, 2)) * 2.0**28).astype(np.int32)
    full = rng.integers(-(2**31), 2**31, (n // 4, 2), dtype=np.int64).astype(np.int32)
    imp = np.zeros((n // 4, 2), np.int32)
    imp[0] = [2**31 - 1, -(2**31)]
    return {"noise -12 dBFS": noise, "full-scale random": full, "impulse": imp}


@pytest.mark.parametrize("name,mode", upmix_cases(slow_variant=True))
def test_chain_bit_exact_with_python_model(chain_fw, name, mode):
    """Each bundled profile with its shipped upmix and the adaptive one (#23)."""
    from dsp_model.fixed.chain import processor_from_blob

    profile = profile_with_upmix(name, mode)
    blob = target_chain.profile_blob(profile)
    for label, x in _stimuli(load_profile(profile).sample_rate).items():
        for block in (64, 1, 37):
            if block != 64 and label != "noise -12 dBFS":
                continue
            # block 1: one semihosting round trip per frame, so a shorter prefix
            xb = x[:1500] if block == 1 else x
            got = target_chain.run_chain(blob, xb, block=block, elf=chain_fw.elf).out
            want = processor_from_blob(blob)(xb)
            assert got.shape == want.shape, f"{profile}, {label}: {got.shape} vs {want.shape}"
            if not np.array_equal(got, want):
                i, d = np.argwhere(got != want)[0]
                pytest.fail(f"{profile}, {label}, block {block}: first mismatch at frame {i}, "
                            f"driver {d}: target {got[i, d]}, model {want[i, d]}")


@pytest.mark.parametrize("profile", bundled_profiles())
def test_chain_fits_profile_budget(chain_fw, profile):
    """Issue 16: the whole chain within the profile's MIPS budget on the target
    (2026-11-25, passive upmix: compact2 1661 instr/frame = 79.7 MIPS of 100,
    studio5 2884 = 138.4 of 150; benchmarks/bench_target.py prints the current
    figures)."""
    prof = load_profile(profile)
    blob = target_chain.profile_blob(profile)
    x = (np.random.default_rng(7).standard_normal((prof.sample_rate // 4, 2))
         * 2.0**28).astype(np.int32)
    run = target_chain.run_chain(blob, x, block=prof.block_size, elf=chain_fw.elf)
    mips = run.instructions_per_frame * prof.sample_rate / 1e6
    assert mips <= prof.mips_budget, (
        f"{profile}: {run.instructions_per_frame:.0f} instructions per frame = {mips:.1f} MIPS "
        f"at {prof.sample_rate} Hz, budget {prof.mips_budget:g}")


@pytest.mark.parametrize("profile", bundled_profiles())
def test_chain_reproduces_golden_vectors(chain_fw, profile):
    """The committed golden vectors (tests/golden), every stimulus, in the
    profile's block size and in odd blocks: the target's ss_chain output
    equals the expected int32 outputs."""
    from firmware_export.golden import load_golden

    g = load_golden(profile)
    for name in g.stimuli:
        for block in (g.block_size, 37):
            got = target_chain.run_chain(g.blob, g.inputs[name], block=block,
                                         elf=chain_fw.elf).out
            want = g.outputs[name]
            assert got.shape == want.shape
            bad = np.argwhere(got != want)
            assert not len(bad), (f"{profile} {name} block {block}: first mismatch at "
                                  f"frame {bad[0][0]}, driver {g.driver_ids[bad[0][1]]}")
