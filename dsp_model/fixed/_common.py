"""Helpers shared by the kernel modules (argument checks)."""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_jit = nb.njit(cache=True)


@_jit
def _check_block(src, dst, block_size):
    if block_size < 0 or block_size > src.shape[0] or block_size > dst.shape[0]:
        raise ValueError("block_size exceeds the src or dst length")


@nb.njit(cache=True)
def _copy_view(src, dst):
    """dst[:] = src, both 0-based views of one length. The same loop with
    offset indices (dst[b + i] = src[a + i]) stays scalar inside the kernels
    (~1.4 ns a sample against ~0.04)."""
    for i in range(src.shape[0]):
        dst[i] = src[i]


def _as(arr, dtype, name: str, length: int | None = None) -> np.ndarray:
    a = np.asarray(arr)
    if a.dtype != np.dtype(dtype):
        # Never cast silently: a float table would be truncated to garbage.
        raise TypeError(f"{name} must be {np.dtype(dtype)}, got {a.dtype}")
    a = np.ascontiguousarray(a.reshape(-1))
    if length is not None and a.size != length:
        raise ValueError(f"{name} must have {length} elements, got {a.size}")
    return a


def _borrow_py(arr):
    """``_borrow`` under NUMBA_DISABLE_JIT (nothing to borrow in Python)."""
    return arr


@intrinsic
def _borrow(typingctx, arr):
    """The same array without its NRT meminfo (a borrowed view, like
    ``numba.carray`` on a raw pointer): views sliced from it, and the kernel
    instances built from those, then cost no atomic reference counting
    (NRT_incref/decref of a NULL meminfo return at once). The compiled chain
    builds ~150 such views per call; counting them cost ~10 us per call,
    as much as the arithmetic of a 64-sample block. Only for arrays the
    caller keeps alive for the whole call, and nothing borrowed may escape
    it (be returned or stored)."""
    if not isinstance(arr, types.Array):
        return None

    def codegen(context, builder, signature, args):
        a = context.make_array(signature.args[0])(context, builder, args[0])
        a.meminfo = cgutils.get_null_value(a.meminfo.type)
        a.parent = cgutils.get_null_value(a.parent.type)
        return a._getvalue()

    return arr(arr), codegen


if nb.config.DISABLE_JIT:  # an intrinsic has no pure-Python form
    _borrow = _borrow_py  # noqa: F811
