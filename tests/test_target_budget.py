"""The design's budget (dsp_model/budget.py `chain_cost`, what `soundstage
design` holds against the profile's MIPS) against the whole chain measured on
the emulated Cortex-M4 (ss_chain_process, exact instruction counts), for every
bundled profile with its shipped upmix and the adaptive one (#23)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from profile_helpers import profile_with_upmix, upmix_cases

from device_profiles import load_profile
from firmware_export.target import build
from firmware_export.target import chain as target_chain

MISSING = build.missing_tools()
if MISSING:
    warnings.warn(f"target tests skipped: {MISSING}", stacklevel=1)
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"TARGET TOOLCHAIN MISSING: {MISSING}")


@pytest.fixture(scope="module")
def chain_elf():
    if not target_chain.have_chain_runtime():
        pytest.skip("CHAIN RUNTIME MISSING: firmware_export/runtime/ss_chain.c not in the tree")
    return target_chain.build_chain().elf


@pytest.mark.slow
@pytest.mark.parametrize("name,mode", upmix_cases())
def test_design_estimate_within_10_percent_of_the_target(chain_elf, name, mode):
    """bench_target.py's measurement: 1 s of seed-16 noise at 2^28, the
    profile's block. The estimate counts the limiter's division on every
    frame (its worst case), which this noise never triggers."""
    from dsp_model.design import design_full

    path = profile_with_upmix(name, mode)
    prof = load_profile(path)
    est = design_full(prof).cost.instructions_per_frame
    x = (np.random.default_rng(16).standard_normal((prof.sample_rate, 2))
         * 2.0**28).astype(np.int32)
    got = target_chain.run_chain(target_chain.profile_blob(path), x, block=prof.block_size,
                                 elf=chain_elf).instructions_per_frame
    assert abs(est / got - 1.0) <= 0.10, (name, mode, est, got)
