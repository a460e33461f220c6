"""Build firmware for the emulated Cortex-M4 target (qemu ``-M mps2-an386``).

One entry point, :func:`build`, compiles an application (``src/main_<app>.c``)
with the board support code, optionally the vendored CMSIS-DSP kernels and the
project's portable C runtime, and links it into an ELF that
:mod:`firmware_export.target.run` boots. Flags are the ones every cost figure
of the project is quoted for: ``arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -O2``
(GCC 12), soft-float ABI (the upmix's decision on the FPv4-SP FPU, softfp),
``-ffunction-sections`` with ``--gc-sections``.

Builds are cached: the output directory is named after a hash of every input
file and flag, so a rebuild happens only when something changed.

    python -m firmware_export.target.build hello      # prints the ELF path
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

TARGET_DIR = Path(__file__).resolve().parent
REPO_ROOT = TARGET_DIR.parents[1]
SRC_DIR = TARGET_DIR / "src"
INCLUDE_DIR = TARGET_DIR / "include"
CMSIS_DIR = TARGET_DIR / "third_party" / "cmsis_dsp"
RUNTIME_DIR = REPO_ROOT / "firmware_export" / "runtime"
DEFAULT_OUT = REPO_ROOT / "build" / "target"

CC = "arm-none-eabi-gcc"
SIZE = "arm-none-eabi-size"
QEMU = "qemu-system-arm"

CPU_FLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft"]
# no contraction into VFMA (the upmix's float decision is bit-exact with the model) and
# no errno around sqrtf (VSQRT inline)
OPT_FLAGS = ["-O2", "-ffunction-sections", "-fdata-sections", "-fno-common",
             "-ffp-contract=off", "-fno-math-errno"]
# The one file with floating point, the upmix's binary32 decision, runs on the M4F's
# FPU (FPv4-SP, enabled by startup.c); softfp keeps the soft-float calling convention,
# so it links with the rest, whose code (and every integer figure) the FPU would move
# (GCC spills to s-registers once they exist: arm_biquad_cas_df1_32x64_q31 57.1 -> 58.4)
FPU_FLAGS = ["-mfpu=fpv4-sp-d16", "-mfloat-abi=softfp"]
FPU_SOURCES = {"ss_upmix.c"}
# Our own code: warnings are errors. The runtime (another owner, built with
# -Werror on the host) gets the warnings without -Werror, so a target-only
# warning shows in the build log instead of breaking every target build.
# CMSIS sources get -w (vendored as is).
OWN_WARN = ["-std=c99", "-Wall", "-Wextra", "-Werror"]
RUNTIME_WARN = ["-std=c99", "-Wall", "-Wextra"]
CMSIS_DEFINES = ["-DARM_MATH_LOOPUNROLL"]  # the default of CMSIS-DSP's own build

BOARD_SOURCES = ["startup.c", "uart.c", "semihost.c", "icount.c"]
CMSIS_SOURCES = [
    "arm_biquad_cascade_df1_q31.c",
    "arm_biquad_cascade_df1_init_q31.c",
    "arm_biquad_cascade_df1_fast_q31.c",
    "arm_biquad_cascade_df1_32x64_q31.c",
    "arm_biquad_cascade_df1_32x64_init_q31.c",
    "arm_fir_q31.c",
    "arm_fir_fast_q31.c",
    "arm_fir_init_q31.c",
    "arm_cfft_q31.c",
    "arm_cfft_radix4_q31.c",
    "arm_bitreversal.c",
    "arm_bitreversal2.c",
    "arm_common_tables_fft_q31.c",
]


class ToolchainMissing(RuntimeError):
    """The cross compiler or qemu is not installed."""


def missing_tools() -> str | None:
    """A one-line reason when the toolchain or qemu is absent, else None."""
    absent = [tool for tool in (CC, SIZE, QEMU) if shutil.which(tool) is None]
    if not absent:
        return None
    return (
        f"{', '.join(absent)} not found: install the Debian packages gcc-arm-none-eabi "
        "libnewlib-arm-none-eabi qemu-system-arm (.ci/run does this in CI)"
    )


@dataclass(frozen=True)
class Firmware:
    elf: Path
    map_file: Path
    objects: dict[str, Path]  # source path (as given) -> object file

    @property
    def warnings(self) -> str:
        """Compiler warnings of the build (the runtime's; ours are errors)."""
        w = self.elf.parent / "warnings.txt"
        return w.read_text() if w.exists() else ""


def runtime_sources(names: list[str] | None = None) -> list[Path]:
    """The portable C runtime's .c files (all, or those named) that are in the tree."""
    found = sorted(RUNTIME_DIR.glob("*.c")) if RUNTIME_DIR.is_dir() else []
    return [p for p in found if names is None or p.name in names]


KERNEL_SOURCES = ["ss_kernels.c"]  # what the kernel benchmarks and tests link


def _include_flags() -> list[str]:
    return [
        f"-I{INCLUDE_DIR}",
        f"-I{SRC_DIR}",
        f"-I{CMSIS_DIR / 'Include'}",
        f"-I{CMSIS_DIR / 'PrivateInclude'}",
        f"-I{RUNTIME_DIR}",
    ]


def _digest(paths: list[Path], flags: list[str]) -> str:
    h = hashlib.sha256()
    for flag in flags:
        h.update(flag.encode() + b"\0")
    headers = sorted(
        p for d in (INCLUDE_DIR, SRC_DIR, CMSIS_DIR, RUNTIME_DIR) if d.is_dir()
        for p in d.rglob("*.h")
    )
    for p in sorted(set(paths)) + headers + [SRC_DIR / "mps2_an386.ld"]:
        h.update(str(p).encode() + b"\0" + p.read_bytes())
    try:
        version = subprocess.run([CC, "--version"], capture_output=True, text=True).stdout
    except OSError:
        version = ""
    h.update(version.encode())
    return h.hexdigest()[:16]


def _run(cmd: list[str]) -> str:
    """Runs a tool; raises with its output on failure, else returns its warnings."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    return proc.stderr


def build(
    app: str,
    *,
    cmsis: bool = True,
    runtime: bool | list[str] = False,
    extra_sources: list[Path] | None = None,
    defines: list[str] | None = None,
    out_dir: Path | None = None,
) -> Firmware:
    """Compile and link ``src/main_<app>.c`` into an ELF; returns its paths.

    ``defines`` are ``NAME`` or ``NAME=VALUE`` strings for every source;
    ``runtime=True`` adds ``firmware_export/runtime/*.c``, a list of names
    only those (and defines ``SS_HAVE_RUNTIME``); ``extra_sources`` are
    compiled with our warnings.
    """
    reason = missing_tools()
    if reason:
        raise ToolchainMissing(reason)
    own = [SRC_DIR / f"main_{app}.c"] + [SRC_DIR / s for s in BOARD_SOURCES]
    own += list(extra_sources or [])
    rt = (runtime_sources(None if runtime is True else list(runtime))
          if runtime else [])
    third = [CMSIS_DIR / "Source" / s for s in CMSIS_SOURCES] if cmsis else []
    dflags = [f"-D{d}" for d in (defines or [])]
    if runtime:
        dflags.append("-DSS_HAVE_RUNTIME")
    if cmsis:
        dflags.append("-DSS_HAVE_CMSIS")
    base = CPU_FLAGS + OPT_FLAGS + dflags + _include_flags()
    digest = _digest(own + rt + third, base + [app, *OWN_WARN, *RUNTIME_WARN, *FPU_FLAGS,
                                               *sorted(FPU_SOURCES)])
    out = (out_dir or DEFAULT_OUT) / f"{app}-{digest}"
    elf = out / f"{app}.elf"
    map_file = out / f"{app}.map"
    objects = {str(src): out / "obj" / (src.stem + ".o") for src in own + rt + third}
    if elf.exists():
        return Firmware(elf, map_file, objects)
    # A private staging directory, renamed into place at the end: several test
    # runs may build the same firmware at once (the tree is shared).
    tmp = out.with_name(f"{out.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "obj").mkdir(parents=True)
    warnings = ""
    for group, extra in ((own, OWN_WARN), (rt, RUNTIME_WARN), (third, ["-w"] + CMSIS_DEFINES)):
        for src in group:
            fpu = FPU_FLAGS if src.name in FPU_SOURCES else []
            warnings += _run([CC, *base, *fpu, *extra, "-c", str(src),
                              "-o", str(tmp / "obj" / (src.stem + ".o"))])
    if warnings:
        (tmp / "warnings.txt").write_text(warnings)
    _run([
        CC, *CPU_FLAGS, "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs",
        f"-T{SRC_DIR / 'mps2_an386.ld'}", "-Wl,--gc-sections",
        f"-Wl,-Map={tmp / map_file.name}",
        *[str(tmp / "obj" / (src.stem + ".o")) for src in own + rt + third],
        "-o", str(tmp / elf.name),
    ])
    try:
        tmp.rename(out)
    except OSError:  # another process finished the same build first: use theirs
        shutil.rmtree(tmp, ignore_errors=True)
        if not elf.exists():
            raise
    return Firmware(elf, map_file, objects)


def size(paths: list[Path]) -> dict[str, tuple[int, int, int]]:
    """``{path: (text, data, bss)}`` from ``arm-none-eabi-size`` (Berkeley format)."""
    proc = subprocess.run([SIZE, *map(str, paths)], capture_output=True, text=True, check=True)
    result = {}
    for line in proc.stdout.splitlines()[1:]:
        fields = line.split()
        result[fields[5]] = (int(fields[0]), int(fields[1]), int(fields[2]))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app", help="application: src/main_<app>.c")
    parser.add_argument("--runtime", action="store_true", help="link firmware_export/runtime")
    parser.add_argument("--no-cmsis", action="store_true", help="leave out CMSIS-DSP")
    parser.add_argument("-D", dest="defines", action="append", default=[])
    args = parser.parse_args(argv)
    try:
        fw = build(args.app, cmsis=not args.no_cmsis, runtime=args.runtime, defines=args.defines)
    except ToolchainMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(fw.elf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
