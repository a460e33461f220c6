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
