"""Kernels on the emulated Cortex-M4 target are bit-exact with the host.

Samples stream over the UART through a kernel on the target, block by block
with the state carried over; the result must equal the cmsisdsp package's
output for the whole signal in one call (np.array_equal). This pins the
vendored CMSIS-DSP sources (from the 1.10.3 sdist) to the 1.10.1 wheel the
host model is tested against, and the project's C twins
(firmware_export/runtime/ss_kernels.c), compiled for the target, to the
CMSIS kernel each stands for.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from firmware_export.target import build
from firmware_export.target.kernel_io import BIQUADS, KERNELS, TWIN_OF, Job, reference, run_jobs

MISSING = build.missing_tools()
if MISSING:
    warnings.warn(f"target tests skipped: {MISSING}", stacklevel=1)
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"TARGET TOOLCHAIN MISSING: {MISSING}")

I32_MIN, I32_MAX = -(2**31), 2**31 - 1
HAVE_RUNTIME = bool(build.runtime_sources(build.KERNEL_SOURCES))
# The twins only when the runtime is in the tree; otherwise they are skipped
# by test_twins_present, loudly.
TESTED = [k for k in KERNELS if HAVE_RUNTIME or k not in TWIN_OF]


def test_twins_present():
    if not HAVE_RUNTIME:
        pytest.skip("firmware_export/runtime/*.c absent: the C twins are not tested on the target")
    assert set(TWIN_OF) <= set(TESTED)


def _random_job(rng, kernel, *, n, block, size, headroom_bits, post_shift=0):
    ncoef = 5 * size if kernel in BIQUADS else size
    coeffs = (rng.integers(I32_MIN, I32_MAX, ncoef, endpoint=True) >> headroom_bits)
    x = rng.integers(I32_MIN, I32_MAX, n, endpoint=True)
    return Job(kernel, coeffs.astype(np.int32), x.astype(np.int32), post_shift, block)


def _check(jobs):
    for job, got in zip(jobs, run_jobs(jobs), strict=True):
        want = reference(job)
        if not np.array_equal(got, want):
            i = int(np.flatnonzero(got != want)[0])
            pytest.fail(f"{job.kernel} size {job.size} block {job.block} shift {job.post_shift}: "
                        f"first mismatch at sample {i}: target {got[i]}, host {want[i]}")


def test_seeded_random_every_kernel_odd_blocks():
    """Full-scale random data (wrapping accumulators included), odd block sizes."""
    rng = np.random.default_rng(20261125)
    jobs = []
    for kernel in TESTED:
        for block, size, shift in ((1, 1, 0), (7, 3, 1), (64, 5, 2), (61, 2, 3)):
            fir_size = {1: 1, 3: 5, 5: 33, 2: 128}[size]
            jobs.append(_random_job(
                rng, kernel, n=300, block=block,
                size=size if kernel in BIQUADS else fir_size,
                headroom_bits=2, post_shift=shift if kernel in BIQUADS else 0))
    _check(jobs)


def test_fir_every_tap_count_mod_4_and_odd_blocks():
    """fir_q31 runs two outputs per pass, four taps per step on the target:
    every tap count mod 4, odd and even blocks, against the host model."""
    if "fir_q31" not in TESTED:
        pytest.skip("fir_q31 is not among the tested kernels")
    rng = np.random.default_rng(16)
    jobs = [_random_job(rng, "fir_q31", n=257, block=block, size=size, headroom_bits=2)
            for size in (2, 3, 4, 6, 7, 190) for block in (1, 2, 63, 64)]
    _check(jobs)


def test_corner_values():
    """-1 x -1 products, full-scale steps, impulse and silence."""
    n = 200
    ones = np.full(n, I32_MIN, np.int32)
    step = np.where(np.arange(n) % 50 < 25, I32_MAX, I32_MIN).astype(np.int32)
    impulse = np.zeros(n, np.int32)
    impulse[0] = I32_MAX
    jobs = []
    for kernel in TESTED:
        size = 2 if kernel in BIQUADS else 9
        ncoef = 5 * size if kernel in BIQUADS else size
        for coeff in (I32_MIN, I32_MAX, 0):
            for x in (ones, step, impulse, np.zeros(n, np.int32)):
                jobs.append(Job(kernel, np.full(ncoef, coeff, np.int32), x,
                                1 if kernel in BIQUADS else 0, 64))
    _check(jobs)


def test_twins_cost_at_most_1_2x_cmsis():
    """Issue 16: the runtime's biquad and FIR cost <= 1.2x CMSIS-DSP's, block 64."""
    if not HAVE_RUNTIME:
        pytest.skip("firmware_export/runtime/*.c absent: no twins to measure")
    from firmware_export.target.measure import measure

    m = measure(runtime=True)
    for ours, cmsis in TWIN_OF.items():
        ratio = m.get(ours).per_sample_per_unit / m.get(cmsis).per_sample_per_unit
        assert ratio <= 1.2, f"{ours}: {ratio:.2f}x {cmsis}"
