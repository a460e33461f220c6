"""Instruction counts of the filter kernels on the target (``src/main_bench.c``).

The firmware prints raw SysTick ticks; this module calibrates them into
instructions and derives the figures the project quotes:

* instructions per tick, from two ``ic_spin`` runs whose difference is an
  exact number of instructions (40 on mps2: 25 MHz SysTick, 1 ns per
  instruction with ``-icount shift=0``);
* per kernel and size: instructions per call (the empty-kernel baseline
  subtracted), per sample, and per sample per section / per tap;
* the reference figure: per sample per section at 8 sections and per sample
  per tap at 128 taps, block 64 (the sizes ../shared/DESIGN.md quotes).

:func:`measure_upmix` does the same for the adaptive upmix alone
(``src/main_upmix.c``): instructions inside ``upmix_q31`` and, in the
profiling build (``-DSS_UPMIX_PROFILE``, ``src/ss_upmix_profile.h``), per
stage of its frame (``benchmarks/bench_target_upmix.py`` prints the table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import build, run

REFERENCE_SIZE = {"biquad": 8, "fir": 128}

_CAL = re.compile(r"^CAL n=(\d+) ticks=(\d+)$", re.M)
_BASE = re.compile(r"^BASE reps=(\d+) ticks=(\d+)$", re.M)
_K = re.compile(r"^K (\S+) block=(\d+) size=(\d+) reps=(\d+) ticks=(\d+)$", re.M)


@dataclass(frozen=True)
class KernelCount:
    kernel: str
    block: int
    size: int  # sections or taps
    instructions_per_call: float

    @property
    def kind(self) -> str:
        return "biquad" if "biquad" in self.kernel else "fir"

    @property
    def per_sample(self) -> float:
        return self.instructions_per_call / self.block

    @property
    def per_sample_per_unit(self) -> float:
        """Per sample per section (biquads) or per tap (FIRs)."""
        return self.per_sample / self.size


@dataclass(frozen=True)
class Measurement:
    instructions_per_tick: float
    counts: list[KernelCount]

    def get(self, kernel: str, size: int | None = None) -> KernelCount:
        for c in self.counts:
            wanted = REFERENCE_SIZE[c.kind] if size is None else size
            if c.kernel == kernel and c.size == wanted:
                return c
        raise KeyError(f"{kernel} size {size}")

    def slope(self, kernel: str) -> float:
        """Marginal instructions per sample per added section/tap (largest two sizes)."""
        rows = sorted((c for c in self.counts if c.kernel == kernel), key=lambda c: c.size)
        a, b = rows[-2], rows[-1]
        return (b.instructions_per_call - a.instructions_per_call) / (b.size - a.size) / b.block

    def kernels(self) -> list[str]:
        return list(dict.fromkeys(c.kernel for c in self.counts))


def parse(text: str) -> Measurement:
    cal = [(int(n), int(t)) for n, t in _CAL.findall(text)]
    if len(cal) < 2:
        raise ValueError(f"no calibration in target output:\n{text}")
    (n1, t1), (n2, t2) = cal[0], cal[-1]
    ipt = 2.0 * (n2 - n1) / (t2 - t1)
    base_reps, base_ticks = map(int, _BASE.search(text).groups())
    counts = []
    for kernel, block, size, reps, ticks in _K.findall(text):
        reps = int(reps)
        per_call = (int(ticks) - base_ticks * reps / base_reps) * ipt / reps
        counts.append(KernelCount(kernel, int(block), int(size), per_call))
    return Measurement(ipt, counts)


def measure(elf: Path | None = None, runtime: bool = False) -> Measurement:
    """Build (if needed) and run the bench firmware; the parsed counts."""
    kernels = [p.name for p in build.runtime_sources(build.KERNEL_SOURCES)]
    elf = elf or build.build("bench", runtime=kernels if runtime else False).elf
    return parse(run.run(elf, timeout=300).check().text)


def measure_fft(elf: Path | None = None) -> Measurement:
    """``src/main_fft.c``: CMSIS-DSP's arm_cfft_q31 forward / inverse and
    arm_bitreversal_32 per call, n = 256 .. 4096 (block = size = n)."""
    return parse(run_fft(elf))


def run_fft(elf: Path | None = None) -> str:
    """The UART text of ``src/main_fft.c`` (counts, then the CRC lines)."""
    elf = elf or build.build("fft", runtime=["ss_cfft.c"],
                             extra_sources=[build.SRC_DIR / "crc32.c"]).elf
    return run.run(elf, timeout=300).check().text


# ----------------------------------------------------------------- the upmix

UPMIX_SOURCES = ["ss_upmix.c", "ss_cfft.c"]
# SS_PROF stage ids of src/ss_upmix_profile.h, in order.
UPMIX_STAGES = ["SAMPLE", "WIN", "CFFT", "P1_POW", "P1_WDIR", "P1_Z", "POOL", "P3_W",
                "IRFFT_SPLIT", "IRFFT_NORM", "IRFFT_CFFT", "OLA", "CAL"]
_UPMIX = re.compile(r"^UPMIX fft=(\d+) synth=(\d+) hop=(\d+) frames=(\d+) ticks=(\d+):(\d+)$",
                    re.M)
_STAGE = re.compile(r"^STAGE (\d+) marks=(\d+) ticks=(\d+)$", re.M)


@dataclass(frozen=True)
class UpmixCount:
    """Instructions inside ``upmix_q31`` over ``samples`` stereo samples
    (``frames`` FFT frames, one per hop), and with the profiling build the
    instructions per stage (``src/ss_upmix_profile.h``), one bracket's cost
    taken out of each stage's count."""

    fft_size: int
    synthesis_size: int
    hop: int
    samples: int
    instructions: float
    stages: dict[str, float]  # stage -> instructions, all timed samples (empty: plain build)
    marks: dict[str, int]  # stage -> brackets charged to it
    bracket: float  # instructions of one bracket (0: plain build)

    @property
    def frames(self) -> float:
        return self.samples / self.hop

    @property
    def per_sample(self) -> float:
        return self.instructions / self.samples


def build_upmix(profile: bool) -> build.Firmware:
    """``src/main_upmix.c`` with ss_upmix.c and its FFT (ss_cfft.c + CMSIS-DSP);
    ``profile`` adds the stage brackets."""
    return build.build("upmix", runtime=UPMIX_SOURCES,
                       defines=["SS_UPMIX_PROFILE"] if profile else [])


def upmix_table_bytes(t) -> bytes:
    """The ``tab=`` file of main_upmix.c from a quantize_upmix.UpmixTables."""
    import numpy as np

    from dsp_model.fixed.upmix import DECISION_CONSTANTS

    head = np.array([t.fft_size, t.synthesis_size, t.hop, t.pool], "<i4").tobytes()
    dec = np.array([getattr(t, k) for k in DECISION_CONSTANTS], "<f4").tobytes()
    return head + dec + b"".join(np.ascontiguousarray(a, "<i4").tobytes() for a in (
        t.analysis_window, t.synthesis_window, t.twiddle_cos, t.twiddle_sin))


def measure_upmix(tables, stereo, *, warm: int = 0, block: int = 64, profile: bool = True,
                  elf: Path | None = None, timeout: float = 900.0) -> UpmixCount:
    """Run ``stereo`` ((n, 2) int32) through upmix_q31 with ``tables`` on the
    target; the first ``warm`` samples untimed."""
    import tempfile

    import numpy as np

    x = np.ascontiguousarray(stereo, dtype="<i4")
    elf = elf or build_upmix(profile).elf
    with tempfile.TemporaryDirectory(prefix="ss-upmix-") as tmp:
        d = Path(tmp)
        (d / "tab.bin").write_bytes(upmix_table_bytes(tables))
        (d / "in.bin").write_bytes(x.tobytes())
        text = run.run(elf, timeout=timeout, cwd=d,
                       args=["tab=tab.bin", "in=in.bin", f"warm={warm}",
                             f"block={block}"]).check().text
    cal = [(int(n), int(t)) for n, t in _CAL.findall(text)]
    (n1, t1), (n2, t2) = cal[0], cal[-1]
    ipt = 2.0 * (n2 - n1) / (t2 - t1)
    m = _UPMIX.search(text)
    if not m:
        raise RuntimeError(f"no UPMIX line in the target's output:\n{text}")
    n, ls, hop, samples, hi, lo = map(int, m.groups())
    raw = {UPMIX_STAGES[int(i)]: (int(k), int(t) * ipt) for i, k, t in _STAGE.findall(text)}
    bracket = raw["CAL"][1] / raw["CAL"][0] if raw else 0.0
    stages = {s: v - k * bracket for s, (k, v) in raw.items() if s != "CAL"}
    marks = {s: k for s, (k, _) in raw.items() if s != "CAL"}
    return UpmixCount(n, ls, hop, samples, ((hi << 32) + lo) * ipt, stages, marks, bracket)
