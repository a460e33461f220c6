"""An independent ITU-R BS.1770-4 integrated loudness, written from the recommendation
(not from pyloudnorm), the reference dsp_model/loudness.py is tested against.

48 kHz only: the K-weighting is the two biquads of the recommendation's Tables 1
(high shelf, +4 dB) and 2 (RLB high-pass) at 48 kHz, coefficients as printed there.
Mean square per 400 ms block, blocks stepped by 100 ms (75 % overlap), the last block
the last whole one (eqs. 1 and 3); block loudness -0.691 + 10 log10(sum_i G_i z_ij)
(eq. 4); absolute gate -70 LKFS, relative gate 10 LU under the loudness of the blocks
that pass the absolute one (eqs. 5-7). Channel weights G = 1 for L, R, C.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import sosfilt

FS = 48000
K_WEIGHTING = np.array([
    [1.53512485958697, -2.69169618940638, 1.19839281085285,
     1.0, -1.69065929318241, 0.73248077421585],  # Table 1, stage 1 (shelf)
    [1.0, -2.0, 1.0, 1.0, -1.99004745483398, 0.99007225036621],  # Table 2, stage 2 (RLB)
])


def block_powers(x: np.ndarray) -> np.ndarray:
    """(n,) or (n, C) at 48 kHz -> K-weighted mean square per gating block, (J, C)."""
    x = np.asarray(x, float)
    x = x[:, None] if x.ndim == 1 else x
    z = sosfilt(K_WEIGHTING, x, axis=0)
    t, step = int(0.4 * FS), int(0.1 * FS)
    return np.array([np.mean(z[s:s + t] ** 2, axis=0) for s in range(0, len(z) - t + 1, step)])


def integrated_loudness(x: np.ndarray) -> float:
    """Gated integrated loudness (LKFS = LUFS) of (n,) or (n, C) samples at 48 kHz."""
    zj = block_powers(x)  # G = 1 for every channel here (L, R, C)
    lj = -0.691 + 10 * np.log10(zj.sum(axis=1))
    passed = lj > -70.0
    rel = -0.691 + 10 * np.log10(zj[passed].mean(axis=0).sum()) - 10.0
    passed &= lj > rel
    return float(-0.691 + 10 * np.log10(zj[passed].mean(axis=0).sum()))
