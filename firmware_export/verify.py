"""The host C runtime through ctypes, and `soundstage verify`'s logic.

`CChain(blob)` builds ``runtime/ss_chain.c`` (+ ``ss_blob.c``,
``ss_kernels.c``) with the strict flags into a host shared library
(`_cbuild.build_shared`, cached by content hash) and runs the whole chain
from a profile blob, with the same call shape as `FixedChain.process`:
``(n, 2) int32 -> (n, D) int32``.

`verify_profile(name)` runs the Python fixed model (`FixedChain`) and the
host C runtime on the committed golden vectors (tests/golden/<profile>/),
compares both against the stored outputs and against each other, and
returns a `VerifyResult`: pass, or the first differing driver, block and
sample with both values.
"""

from __future__ import annotations

import ctypes as ct
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from device_profiles.errors import CheckFailed, UserError
from firmware_export._cbuild import RUNTIME_DIR, build_shared, cmsis_fft_objects

REPO = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO / "build" / "cruntime"
RUNTIME_SOURCES = ("ss_chain.c", "ss_blob.c", "ss_kernels.c", "ss_upmix.c")

# Host build: room for any blob the tables allow except the largest
# (16 drivers, 32 paths, every (path, driver) fed, long FIRs).
HOST_LIMITS = {
    "SS_MAX_BLOCK": 64,
    "SS_MAX_DRIVERS": 16,
    "SS_MAX_PATHS": 32,
    "SS_MAX_FEEDS": 512,
    "SS_MAX_CASCADES": 1024,
    "SS_MEM32_WORDS": 1 << 22,
    "SS_MEM64_WORDS": 1 << 15,  # the adaptive upmix (mode 1) at fft 4096: ~16.5k
}

# ss_blob.h status codes
STATUS = {
    0: "SS_OK", -1: "SS_ERR_ARG", -2: "SS_ERR_TRUNCATED", -3: "SS_ERR_OVERSIZED",
    -4: "SS_ERR_MAGIC", -5: "SS_ERR_VERSION", -6: "SS_ERR_HEADER", -7: "SS_ERR_TARGET",
    -8: "SS_ERR_CRC", -9: "SS_ERR_SECTION", -10: "SS_ERR_SECTION_CRC", -11: "SS_ERR_MISSING",
    -12: "SS_ERR_TABLE", -13: "SS_ERR_CAPACITY", -14: "SS_ERR_UNSUPPORTED",
}


class ChainLoadError(UserError):
    """The C runtime refused a blob; `status` is the SS_ERR_* code."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(f"C runtime refused the blob: {STATUS.get(status, status)} ({message})")


class _Usage(ct.Structure):
    _fields_ = [("mem32_words", ct.c_uint32), ("mem64_words", ct.c_uint32),
                ("n_paths", ct.c_uint32), ("n_feeds", ct.c_uint32),
                ("n_cascades", ct.c_uint32)]


_LIBS: dict[tuple, ct.CDLL] = {}


def runtime_library(limits: dict[str, int] | None = None, extra_flags=()) -> ct.CDLL:
    """The host C runtime built with `limits` (-D figures; default `HOST_LIMITS`)."""
    lim = dict(HOST_LIMITS if limits is None else limits)
    key = (tuple(sorted(lim.items())), tuple(extra_flags))
    if key in _LIBS:
        return _LIBS[key]
    flags = [f"-D{k}={v}" for k, v in sorted(lim.items())] + list(extra_flags)
    srcs = [RUNTIME_DIR / s for s in RUNTIME_SOURCES] + cmsis_fft_objects(BUILD_DIR)
    try:
        lib = ct.CDLL(str(build_shared(srcs, BUILD_DIR, flags)))
    except OSError:
        # a library another process was writing at the same moment: build a
        # private copy rather than fail
        lib = ct.CDLL(str(build_shared(srcs, BUILD_DIR / f"pid{os.getpid()}", flags)))
    u8p, i32p = ct.POINTER(ct.c_uint8), ct.POINTER(ct.c_int32)
    lib.ss_chain_sizeof.restype = ct.c_uint32
    lib.ss_chain_sizeof.argtypes = []
    lib.ss_chain_max_block.restype = ct.c_uint32
    lib.ss_chain_init_from_blob.restype = ct.c_int
    lib.ss_chain_init_from_blob.argtypes = [ct.c_void_p, u8p, ct.c_uint32]
    lib.ss_chain_process.restype = ct.c_int
    lib.ss_chain_process.argtypes = [ct.c_void_p, i32p, i32p, ct.c_uint32]
    lib.ss_chain_num_drivers.restype = ct.c_uint32
    lib.ss_chain_num_drivers.argtypes = [ct.c_void_p]
    lib.ss_chain_usage.restype = None
    lib.ss_chain_usage.argtypes = [ct.c_void_p, ct.POINTER(_Usage)]
    lib.ss_chain_requirements.restype = ct.c_int
    lib.ss_chain_requirements.argtypes = [u8p, ct.c_uint32, ct.POINTER(_Usage)]
    lib.ss_strerror.restype = ct.c_char_p
    lib.ss_strerror.argtypes = [ct.c_int]
    lib.ss_blob_parse.restype = ct.c_int
    lib.ss_blob_parse.argtypes = [u8p, ct.c_uint32, ct.c_uint16, ct.c_void_p]
    lib.ss_crc32.restype = ct.c_uint32
    lib.ss_crc32.argtypes = [ct.c_uint32, u8p, ct.c_uint32]
    _LIBS[key] = lib
    return lib


def _bytes_ptr(buf: np.ndarray):
    return buf.ctypes.data_as(ct.POINTER(ct.c_uint8))


def c_status_name(lib: ct.CDLL, status: int) -> str:
    return f"{STATUS.get(status, status)}: {lib.ss_strerror(status).decode()}"


class CChain:
    """The host C runtime of one blob: ``process((n, 2) int32) -> (n, D) int32``.

    The context lives in a numpy buffer owned by this object (the C side
    points into it; it is never moved)."""

    def __init__(self, blob: bytes, limits: dict[str, int] | None = None, lib=None):
        self.lib = lib if lib is not None else runtime_library(limits)
        size = self.lib.ss_chain_sizeof()
        self._ctx = np.zeros((size + 15) // 8, np.uint64)  # 8-byte aligned
        self._blob = np.frombuffer(bytes(blob), np.uint8).copy()
        st = self.lib.ss_chain_init_from_blob(self._ctx.ctypes.data, _bytes_ptr(self._blob),
                                              len(self._blob))
        if st != 0:
            raise ChainLoadError(st, self.lib.ss_strerror(st).decode())
        self.n_drivers = int(self.lib.ss_chain_num_drivers(self._ctx.ctypes.data))
        self.max_block = int(self.lib.ss_chain_max_block())

    def usage(self) -> dict[str, int]:
        u = _Usage()
        self.lib.ss_chain_usage(self._ctx.ctypes.data, ct.byref(u))
        return {k: int(getattr(u, k)) for k, _ in _Usage._fields_}

    def process(self, block: np.ndarray) -> np.ndarray:
        x = np.asarray(block)
        if x.dtype != np.int32 or x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"expected (n, 2) int32, got {x.dtype} {x.shape}")
        x = np.ascontiguousarray(x)
        out = np.zeros((len(x), self.n_drivers), np.int32)
        i32p = ct.POINTER(ct.c_int32)
        st = self.lib.ss_chain_process(self._ctx.ctypes.data, x.ctypes.data_as(i32p),
                                       out.ctypes.data_as(i32p), len(x))
        if st != 0:
            raise RuntimeError(f"ss_chain_process: {c_status_name(self.lib, st)}")
        return out

    __call__ = process


def c_requirements(blob: bytes, lib=None) -> dict[str, int]:
    """What the blob needs of a build (pool words, counts), per the C loader."""
    lib = lib if lib is not None else runtime_library()
    buf = np.frombuffer(bytes(blob), np.uint8).copy()
    u = _Usage()
    st = lib.ss_chain_requirements(_bytes_ptr(buf), len(buf), ct.byref(u))
    if st != 0:
        raise ChainLoadError(st, lib.ss_strerror(st).decode())
    return {k: int(getattr(u, k)) for k, _ in _Usage._fields_}


def c_init_status(blob: bytes, lib=None) -> int:
    """The C runtime's status for loading `blob` (0 = accepted)."""
    lib = lib if lib is not None else runtime_library()
    buf = np.frombuffer(bytes(blob), np.uint8).copy()
    ctx = np.zeros((lib.ss_chain_sizeof() + 15) // 8, np.uint64)
    return int(lib.ss_chain_init_from_blob(ctx.ctypes.data, _bytes_ptr(buf), len(buf)))


def run_blocks(proc, x: np.ndarray, sizes) -> np.ndarray:
    """Stream x through `proc` in blocks cycling through `sizes`."""
    out, i, k = [], 0, 0
    sizes = list(sizes)
    while i < len(x):
        m = min(sizes[k % len(sizes)], len(x) - i)
        out.append(proc(x[i:i + m]))
        i += m
        k += 1
    return np.concatenate(out) if out else np.zeros((0, 0), np.int32)


# ------------------------------------------------------------------ verify
@dataclass(frozen=True)
class Mismatch:
    """The first sample where `a` and `b` differ."""

    a: str
    b: str
    stimulus: str
    driver: str
    block: int
    sample: int  # index within the block
    index: int  # index from the start of the stimulus
    value_a: int
    value_b: int

    def line(self) -> str:
        return (f"{self.a} vs {self.b}, stimulus {self.stimulus}: first difference at driver "
                f"{self.driver}, block {self.block}, sample {self.sample} (sample "
                f"{self.index} of the stimulus): {self.a} {self.value_a}, "
                f"{self.b} {self.value_b}")


def first_mismatch(a: np.ndarray, b: np.ndarray, block_size: int, driver_ids, names,
                   stimulus: str) -> Mismatch | None:
    """None if a == b (n, D); else where they first differ (earliest sample,
    then lowest driver). A shape difference is reported at the first missing
    sample."""
    n = min(len(a), len(b))
    diff = np.nonzero(np.any(a[:n] != b[:n], axis=1))[0]
    if len(diff) == 0:
        if a.shape == b.shape:
            return None
        idx, d = n, 0
        va = int(a[n, 0]) if len(a) > n else 0
        vb = int(b[n, 0]) if len(b) > n else 0
    else:
        idx = int(diff[0])
        d = int(np.nonzero(a[idx] != b[idx])[0][0])
        va, vb = int(a[idx, d]), int(b[idx, d])
    return Mismatch(names[0], names[1], stimulus, driver_ids[d], idx // block_size,
                    idx % block_size, idx, va, vb)


@dataclass
class VerifyResult:
    profile: str
    checked: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def lines(self) -> list[str]:
        if self.ok:
            return [f"{self.profile}: pass"] + [f"  {c}" for c in self.checked]
        return [f"{self.profile}: MISMATCH"] + [f"  {m.line()}" for m in self.mismatches]


def verify_profile(name: str, golden_dir: Path | None = None, *, c: bool = True,
                   python: bool = True) -> VerifyResult:
    """Python model and host C runtime vs the golden vectors of `name` and
    vs each other. Raises `UserError` when the golden vectors are missing or
    damaged (never a silent pass)."""
    from dsp_model.fixed.chain import FixedChain
    from firmware_export.golden import load_golden
    from firmware_export.tables import chain_from_blob

    g = load_golden(name, golden_dir)
    q = chain_from_blob(g.blob)
    res = VerifyResult(name)
    bs = g.block_size
    ids = list(q.driver_ids)
    for stim in g.stimuli:
        x, want = g.inputs[stim], g.outputs[stim]
        got = {}
        if python:
            got["python"] = run_blocks(FixedChain(q).process, x, [bs])
        if c:
            got["c"] = run_blocks(CChain(g.blob).process, x, [bs])
        for who, y in got.items():
            m = first_mismatch(want, y, bs, ids, ("golden", who), stim)
            if m:
                res.mismatches.append(m)
        if "python" in got and "c" in got:
            m = first_mismatch(got["python"], got["c"], bs, ids, ("python", "c"), stim)
            if m:
                res.mismatches.append(m)
        res.checked.append(f"{stim}: {len(x)} samples x {len(ids)} drivers in blocks of "
                           f"{bs}: " + " = ".join(["golden", *got]))
    return res


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify_or_raise(name: str) -> VerifyResult:
    res = verify_profile(name)
    if not res.ok:
        raise CheckFailed("\n".join(res.lines()))
    return res
