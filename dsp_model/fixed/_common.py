"""Helpers shared by the kernel modules (argument checks)."""

from __future__ import annotations

import numba as nb
import numpy as np

_jit = nb.njit(cache=True)


@_jit
def _check_block(src, dst, block_size):
    if block_size < 0 or block_size > src.shape[0] or block_size > dst.shape[0]:
        raise ValueError("block_size exceeds the src or dst length")


def _as(arr, dtype, name: str, length: int | None = None) -> np.ndarray:
    a = np.asarray(arr)
    if a.dtype != np.dtype(dtype):
        # Never cast silently: a float table would be truncated to garbage.
        raise TypeError(f"{name} must be {np.dtype(dtype)}, got {a.dtype}")
    a = np.ascontiguousarray(a.reshape(-1))
    if length is not None and a.size != length:
        raise ValueError(f"{name} must have {length} elements, got {a.size}")
    return a
