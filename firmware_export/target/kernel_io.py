"""Stream samples through a filter kernel on the target (``src/main_kernel_io.c``).

:func:`run_jobs` boots the ``kernel_io`` firmware once, sends every job and
returns the outputs; :func:`reference` computes the same job with the
``cmsisdsp`` Python package (the host-side reference). The tests compare the
two with ``np.array_equal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import build, run

KERNELS = {
    "arm_biquad_cascade_df1_q31": 1,
    "arm_biquad_cascade_df1_fast_q31": 2,
    "arm_biquad_cas_df1_32x64_q31": 3,
    "arm_fir_q31": 4,
    "arm_fir_fast_q31": 5,
    # the project's C twins (firmware_export/runtime/ss_kernels.c)
    "biquad_df1_q31": 11,
    "biquad_df1_32x64_q31": 13,
    "fir_q31": 14,
}
BIQUADS = {"arm_biquad_cascade_df1_q31", "arm_biquad_cascade_df1_fast_q31",
           "arm_biquad_cas_df1_32x64_q31", "biquad_df1_q31", "biquad_df1_32x64_q31"}
# The CMSIS kernel each twin must match bit for bit.
TWIN_OF = {"biquad_df1_q31": "arm_biquad_cascade_df1_q31",
           "biquad_df1_32x64_q31": "arm_biquad_cas_df1_32x64_q31",
           "fir_q31": "arm_fir_q31"}


@dataclass(frozen=True)
class Job:
    kernel: str
    coeffs: np.ndarray  # int32: {b0,b1,b2,a1,a2} per section (CMSIS order) or FIR taps
    samples: np.ndarray  # int32
    post_shift: int = 0  # biquads only
    block: int = 64

    @property
    def size(self) -> int:
        n = len(self.coeffs)
        return n // 5 if self.kernel in BIQUADS else n

    def encode(self) -> bytes:
        header = np.array([KERNELS[self.kernel], self.size, self.post_shift, self.block,
                           len(self.samples)], dtype="<u4")
        return (header.tobytes() + np.asarray(self.coeffs, dtype="<i4").tobytes()
                + np.asarray(self.samples, dtype="<i4").tobytes())


def run_jobs(jobs: list[Job], elf: Path | None = None, timeout: float = 120.0) -> list[np.ndarray]:
    """Outputs of every job, computed on the target in one boot."""
    kernels = build.runtime_sources(build.KERNEL_SOURCES)
    elf = elf or build.build("kernel_io", runtime=[p.name for p in kernels]).elf
    payload = b"".join(job.encode() for job in jobs) + b"\0\0\0\0"
    result = run.run(elf, payload, timeout=timeout)
    if b"GRD!" in result.uart:
        raise RuntimeError("a kernel wrote past block_size on the target (guard words changed)")
    result.check()
    data, outputs = result.uart, []
    pos = 0
    for job in jobs:
        if data[pos:pos + 4] != b"DATA":
            raise RuntimeError(f"target answered {data[pos:pos + 16]!r} to {job.kernel}")
        n = len(job.samples)
        outputs.append(np.frombuffer(data[pos + 4:pos + 4 + 4 * n], dtype="<i4").astype(np.int32))
        pos += 4 + 4 * n
    return outputs


def reference(job: Job) -> np.ndarray:
    """The same job run by the cmsisdsp package on the host, in one call.

    The project's twins are compared with the CMSIS kernel they stand for.
    """
    import cmsisdsp as dsp

    if job.kernel in TWIN_OF:
        job = Job(TWIN_OF[job.kernel], job.coeffs, job.samples, job.post_shift, job.block)
    coeffs = np.asarray(job.coeffs, dtype=np.int32)
    x = np.asarray(job.samples, dtype=np.int32)
    if job.kernel == "arm_biquad_cas_df1_32x64_q31":
        inst = dsp.arm_biquad_cas_df1_32x64_ins_q31()
        dsp.arm_biquad_cas_df1_32x64_init_q31(inst, job.size, coeffs,
                                              np.zeros(4 * job.size, np.int64), job.post_shift)
        return np.asarray(dsp.arm_biquad_cas_df1_32x64_q31(inst, x), dtype=np.int32)
    if job.kernel in BIQUADS:
        inst = dsp.arm_biquad_casd_df1_inst_q31()
        dsp.arm_biquad_cascade_df1_init_q31(inst, job.size, coeffs,
                                            np.zeros(4 * job.size, np.int32), job.post_shift)
        fn = getattr(dsp, job.kernel)
        return np.asarray(fn(inst, x), dtype=np.int32)
    inst = dsp.arm_fir_instance_q31()
    dsp.arm_fir_init_q31(inst, job.size, coeffs, np.zeros(job.size + len(x) - 1, np.int32))
    fn = getattr(dsp, job.kernel)
    return np.asarray(fn(inst, x), dtype=np.int32)
