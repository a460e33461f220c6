"""Build the portable C runtime into a host shared library (for tests/tools).

``build_shared(sources, out_dir)`` compiles with the strict flags the runtime
promises to pass (C99, -Wall -Wextra -Werror -pedantic, -O2) and returns the
path of the ``.so``, ready for ``ctypes.CDLL``. The runtime directory is on
the include path. The output name carries a hash of the sources' contents
and the flags, so a changed source never loads a stale library and several
builds can share one directory.

``cmsis_fft_objects(out_dir)``: the runtime's FFT (``ss_cfft.c``) and the
vendored CMSIS-DSP sources it calls, compiled once into position-independent
objects (same strict flags, plus CMSIS's include directories and
``-D__GNUC_PYTHON__``, the CMSIS configuration of its own host build) that
any build linking ``ss_upmix.c`` adds to its sources: they are not built
with a caller's flags (``-U__GNUC__``, sanitizers), since CMSIS's headers
need GCC and its kernels shift negative values left (C's undefined
behaviour, wrap on every target).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
CMSIS_DIR = Path(__file__).resolve().parent / "target" / "third_party" / "cmsis_dsp"
CC = "gcc"
STRICT_FLAGS = ("-std=c99", "-O2", "-ffp-contract=off", "-Wall", "-Wextra", "-Werror", "-pedantic")
CMSIS_FFT_SOURCES = (RUNTIME_DIR / "ss_cfft.c",) + tuple(
    CMSIS_DIR / "Source" / s for s in ("arm_cfft_q31.c", "arm_cfft_radix4_q31.c",
                                       "arm_bitreversal.c", "arm_bitreversal2.c",
                                       "arm_common_tables_fft_q31.c"))
CMSIS_HOST_FLAGS = ("-D__GNUC_PYTHON__", f"-I{CMSIS_DIR / 'Include'}",
                    f"-I{CMSIS_DIR / 'PrivateInclude'}", f"-I{RUNTIME_DIR}")


class CBuildError(RuntimeError):
    """The C compiler is missing or rejected the sources (stderr attached)."""


def build_shared(
    sources: Iterable[str | Path], out_dir: str | Path, extra_flags: Sequence[str] = ()
) -> Path:
    """Compile ``sources`` (C files; headers found in ``RUNTIME_DIR`` and in
    each source's directory) into ``out_dir/libss_<hash>.so``; return it."""
    srcs = [Path(s).resolve() for s in sources]
    if not srcs:
        raise ValueError("build_shared needs at least one source file")
    if shutil.which(CC) is None:
        raise CBuildError(f"{CC} not found on PATH; the host C runtime build needs it")
    flags = [*STRICT_FLAGS, "-shared", "-fPIC", *extra_flags]
    includes = [f"-I{RUNTIME_DIR}"] + sorted({f"-I{s.parent}" for s in srcs})
    h = hashlib.sha256()
    for f in flags:
        h.update(f.encode() + b"\0")
    for s in srcs:
        h.update(str(s).encode() + b"\0" + s.read_bytes())
    for hdr in sorted(RUNTIME_DIR.glob("*.h")):
        h.update(hdr.name.encode() + b"\0" + hdr.read_bytes())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"libss_{h.hexdigest()[:16]}.so"
    if out.exists():
        return out
    tmp = out.with_suffix(".so.tmp")
    cmd = [CC, *flags, *includes, *map(str, srcs), "-o", str(tmp)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise CBuildError(f"{' '.join(cmd)}\nfailed:\n{proc.stderr}")
    tmp.replace(out)
    return out


def cmsis_fft_objects(out_dir: str | Path) -> list[Path]:
    """``CMSIS_FFT_SOURCES`` compiled into ``out_dir/cmsis_<hash>/*.o`` (strict
    flags, -fPIC, ``CMSIS_HOST_FLAGS``); the object paths."""
    if shutil.which(CC) is None:
        raise CBuildError(f"{CC} not found on PATH; the host C runtime build needs it")
    flags = [*STRICT_FLAGS, "-fPIC", *CMSIS_HOST_FLAGS]
    h = hashlib.sha256()
    for f in flags:
        h.update(f.encode() + b"\0")
    for src in CMSIS_FFT_SOURCES:
        h.update(src.name.encode() + b"\0" + src.read_bytes())
    for hdr in sorted(RUNTIME_DIR.glob("*.h")):
        h.update(hdr.name.encode() + b"\0" + hdr.read_bytes())
    d = Path(out_dir) / f"cmsis_{h.hexdigest()[:16]}"
    objs = [d / (src.stem + ".o") for src in CMSIS_FFT_SOURCES]
    if all(o.exists() for o in objs):
        return objs
    d.mkdir(parents=True, exist_ok=True)
    for src, obj in zip(CMSIS_FFT_SOURCES, objs, strict=True):
        tmp = obj.with_suffix(f".o.tmp{os.getpid()}")
        cmd = [CC, *flags, "-c", str(src), "-o", str(tmp)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise CBuildError(f"{' '.join(cmd)}\nfailed:\n{proc.stderr}")
        tmp.replace(obj)
    return objs
