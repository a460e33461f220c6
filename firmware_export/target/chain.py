"""The whole chain on the target (``src/main_chain.c``): bit-exact output and
instructions per stereo frame.

:func:`run_chain` writes a blob and a stimulus to files, boots the chain
firmware (which reads them by semihosting, so seconds of audio need not cross
the slow UART), and returns the per-driver output and the calibrated
instruction count spent inside ``ss_chain_process``.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import build, run

CHAIN_SOURCES = ["ss_chain.c", "ss_blob.c", "ss_kernels.c", "ss_upmix.c", "ss_cfft.c"]
# Pool and count limits of ss_chain for the emulated target: generous (the
# board has 4 MiB of RAM), so any bundled profile's full design fits (the
# adaptive upmix at fft 4096 needs ~16.5k 64-bit words); a
# product build sizes them from the profile's <name>_tables.h instead.
CHAIN_LIMITS = ["SS_MAX_DRIVERS=16", "SS_MAX_PATHS=32", "SS_MAX_FEEDS=256",
                "SS_MAX_CASCADES=256", "SS_MEM32_WORDS=131072", "SS_MEM64_WORDS=32768"]

_CAL = re.compile(r"^CAL n=(\d+) ticks=(\d+)$", re.M)
_CHAIN = re.compile(r"^CHAIN drivers=(\d+) frames=(\d+) calls=(\d+) ticks=(\d+):(\d+)$", re.M)


def have_chain_runtime() -> bool:
    return len(build.runtime_sources(CHAIN_SOURCES)) == len(CHAIN_SOURCES)


def build_chain() -> build.Firmware:
    # CMSIS-DSP: the upmix's FFT (ss_cfft.c); the linker drops the unused kernels
    return build.build("chain", runtime=CHAIN_SOURCES, defines=CHAIN_LIMITS)


def profile_blob(profile) -> bytes:
    """The profile's flashable blob, as `soundstage build` makes it (a bundled
    name, a TOML path or a `Profile`)."""
    try:
        from firmware_export.build import blob_for_profile
    except ImportError:  # before `soundstage build` landed: plain design, default checks
        from device_profiles import load_profile
        from dsp_model.chain_design import plain_chain
        from firmware_export.quantize import quantize_chain
        from firmware_export.tables import chain_to_blob

        return chain_to_blob(quantize_chain(plain_chain(load_profile(profile))))
    return blob_for_profile(profile)


@dataclass(frozen=True)
class ChainRun:
    out: np.ndarray  # (n, drivers) int32
    frames: int
    calls: int
    instructions: float  # inside ss_chain_process, all calls

    @property
    def instructions_per_frame(self) -> float:
        return self.instructions / self.frames


def run_chain(blob: bytes, stereo: np.ndarray, *, block: int = 64,
              elf: Path | None = None, timeout: float = 600.0) -> ChainRun:
    """Run `stereo` ((n, 2) int32) through the chain of `blob` on the target."""
    x = np.ascontiguousarray(stereo, dtype="<i4")
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"stereo must be (n, 2), got {x.shape}")
    elf = elf or build_chain().elf
    with tempfile.TemporaryDirectory(prefix="ss-chain-") as tmp:
        d = Path(tmp)
        (d / "profile.blob").write_bytes(blob)
        (d / "in.bin").write_bytes(x.tobytes())
        result = run.run(elf, timeout=timeout, cwd=d,
                         args=["blob=profile.blob", "in=in.bin", "out=out.bin",
                               f"block={block}"]).check()
        raw = (d / "out.bin").read_bytes()
    cal = [(int(n), int(t)) for n, t in _CAL.findall(result.text)]
    (n1, t1), (n2, t2) = cal[0], cal[-1]
    per_tick = 2.0 * (n2 - n1) / (t2 - t1)
    m = _CHAIN.search(result.text)
    if not m:
        raise RuntimeError(f"no CHAIN line in the target's output:\n{result.text}")
    drivers, frames, calls, hi, lo = map(int, m.groups())
    out = np.frombuffer(raw, "<i4").astype(np.int32).reshape(frames, drivers)
    return ChainRun(out, frames, calls, ((hi << 32) + lo) * per_tick)
