"""Build the portable C runtime into a host shared library (for tests/tools).

``build_shared(sources, out_dir)`` compiles with the strict flags the runtime
promises to pass (C99, -Wall -Wextra -Werror -pedantic, -O2) and returns the
path of the ``.so``, ready for ``ctypes.CDLL``. The runtime directory is on
the include path. The output name carries a hash of the sources' contents
and the flags, so a changed source never loads a stale library and several
builds can share one directory.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
CC = "gcc"
STRICT_FLAGS = ("-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic")


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
