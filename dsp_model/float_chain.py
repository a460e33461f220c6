"""Float reference of the whole chain: runs a `ChainDesign` in double precision.

Signal flow (../shared/DESIGN.md, dsp_model/chain_design.py):

    (L, R) -> upmix -> u = (L', R', C)
    optional virtualizer: e_L = ipsi(L') + contra(R'), e_R = contra(L') + ipsi(R')
        (contra = delay then low-pass); sources 3 and 4
    path p (any number): y_p = common_p * delay_p(u[source_p]);  feed_{p,d} = ratio_{p,d} * y_p
    driver d: z_d = sum_p feed_{p,d} -> sos_d -> gain_d -> delay_d
    limiter (if the design has one): one look-ahead gain for all drivers
        (dsp_model/limiter.py) -> out[:, d]

Streaming: `FloatChain.process(block)` keeps every filter's state (scipy
`lfilter`/`sosfilt` with `zi`, integer delay lines as a tail buffer), so cutting
a signal into blocks of any size gives the same output as one call on the whole
signal (direct-form recursions do the same operations in the same order either
way; the tests hold it to 1e-12).

Latency (samples, input to output), as declared by the pieces:
    upmix.latency + max_p(path delay + path modeling delay) + driver delay
    + the limiter's look-ahead.
A path's modeling delay is the bulk delay its FIRs were designed with (the
`modeling_delay` attribute of a `PathFilter` if the design declares one, else 0);
the design phase-aligns the paths (dsp_model/alignment.py), so the declared
figure is the bulk latency; the acoustic arrival at the ears is alignment's job.

The upmix is any object with `process(block (n, 2)) -> (n, 3)` [L', R', C] and
an integer `latency`; `PassiveUpmix` (C = (L+R)/2) is the default until the
adaptive one is plugged in, and the one the fixed-point chain mirrors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
from scipy.signal import lfilter, sosfilt

from dsp_model.chain_design import ChainDesign


class Upmix(Protocol):
    latency: int

    def process(self, block: np.ndarray) -> np.ndarray: ...


class PassiveUpmix:
    """C = M = (L + R)/2, L' = L - C, R' = R - C (so L' + C = L exactly). No delay, no state."""

    latency = 0

    def process(self, block: np.ndarray) -> np.ndarray:
        x = np.asarray(block, dtype=np.float64)
        c = 0.5 * (x[:, 0] + x[:, 1])
        return np.stack([x[:, 0] - c, x[:, 1] - c, c], axis=1)

    def reset(self) -> None:
        pass


def path_modeling_delay(path) -> int:
    """Bulk delay the design declares for a path's FIRs (0 if it declares none)."""
    return int(getattr(path, "modeling_delay", 0) or 0)


class _Delay:
    """Integer delay line: out[n] = in[n - d], zeros before the first input."""

    def __init__(self, d: int, width: int | None = None):
        if d < 0:
            raise ValueError(f"negative delay {d}")
        self.d = int(d)
        shape = (self.d,) if width is None else (self.d, width)
        self.buf = np.zeros(shape)

    def process(self, x: np.ndarray) -> np.ndarray:
        if self.d == 0:
            return x
        both = np.concatenate([self.buf, x], axis=0)
        self.buf = both[len(x):].copy()
        return both[: len(x)]


class _Fir:
    """FIR with state (lfilter with b=taps, a=[1]); empty taps -> None output."""

    def __init__(self, taps: np.ndarray):
        self.b = np.asarray(taps, dtype=np.float64)
        self.zi = np.zeros(max(len(self.b) - 1, 0))

    def process(self, x: np.ndarray) -> np.ndarray:
        if len(self.b) == 1:
            return self.b[0] * x
        y, self.zi = lfilter(self.b, [1.0], x, zi=self.zi)
        return y


def _default_upmix(design: ChainDesign) -> Upmix:
    """The designed chain's upmix, as its profile says (`[upmix] mode`): the
    adaptive one, or passive. quantize_chain puts the same one in the tables
    (blob meta upmix 1 plus the upmix section, or 0), so FixedChain, ss_chain
    and the device run it too."""
    return adaptive_upmix(design) if design.upmix_mode == "adaptive" else PassiveUpmix()


def adaptive_upmix(design: ChainDesign) -> Upmix:
    """The adaptive per-band upmix of `dsp_model.upmix` with the design's
    settings (FFT size, hop, smoothing): pass as ``FloatChain(design,
    upmix=adaptive_upmix)``. Its fixed-point twin is dsp_model.fixed.upmix
    (upmix mode 1, tables from firmware_export.quantize_upmix)."""
    from types import SimpleNamespace

    from dsp_model.upmix import Upmix as AdaptiveUpmix

    settings = SimpleNamespace(fft_size=design.upmix_fft_size, hop=design.upmix_hop,
                               smoothing_ms=design.upmix_smoothing_ms,
                               decision=design.upmix_decision,
                               diffuse=design.upmix_diffuse,
                               directivity_weight=design.upmix_directivity_weight,
                               center_width=design.upmix_center_width,
                               hold=design.upmix_hold,
                               side_attack=design.upmix_side_attack)
    return AdaptiveUpmix(settings, design.fs)


class FloatChain:
    """The float reference chain for one `ChainDesign`, streaming.

    `upmix`: an `Upmix` object, or a callable `design -> Upmix`, or None for
    `PassiveUpmix`.
    """

    def __init__(self, design: ChainDesign, upmix: Upmix | Callable | None = None,
                 probe: Callable[[str, int, np.ndarray], None] | None = None):
        self.design = design
        self.probe = probe  # probe(stage, first sample index, signal): see `process`
        self._pos = 0
        if upmix is None:
            upmix = _default_upmix(design)
        elif callable(upmix) and not hasattr(upmix, "process"):
            upmix = upmix(design)
        self.upmix = upmix
        nd = design.n_drivers
        self._path_delay = [_Delay(p.delay) for p in design.paths]
        self._common = [_Fir(p.common) for p in design.paths]
        self._ratio = [[_Fir(r) if len(r) else None for r in p.ratio] for p in design.paths]
        v = getattr(design, "virtualizer", None)
        self._virt = None
        if v is not None:
            ipsi = np.asarray(v.ipsi_sos, dtype=np.float64).reshape(-1, 6)
            contra = np.asarray(v.contra_sos, dtype=np.float64).reshape(-1, 6)
            # per side (L', R'): ipsi state, contra delay line, contra state
            self._virt = (ipsi, contra, [np.zeros((len(ipsi), 2)) for _ in range(2)],
                          [_Delay(v.contra_delay) for _ in range(2)],
                          [np.zeros((len(contra), 2)) for _ in range(2)])
        self._sos = [np.asarray(d.sos, dtype=np.float64) for d in design.drivers]
        self._sos_zi = [np.zeros((len(s), 2)) for s in self._sos]
        self._gain = np.array([d.gain for d in design.drivers])
        self._drv_delay = [_Delay(d.delay) for d in design.drivers]
        self.n_drivers = nd
        lim = getattr(design, "limiter", None)
        self.limiter = None
        if lim is not None:
            from dsp_model.limiter import FloatLimiter

            self.limiter = FloatLimiter(lim, nd)

    # ------------------------------------------------------------- latency
    @property
    def path_latency(self) -> tuple[int, ...]:
        """Per path: its delay plus its declared FIR modeling delay."""
        return tuple(p.delay + path_modeling_delay(p) for p in self.design.paths)

    @property
    def latency(self) -> int:
        """Input to output of the chain, without the per-driver delays (with the
        limiter's look-ahead)."""
        lim = 0 if self.limiter is None else self.limiter.latency
        return int(self.upmix.latency) + max(self.path_latency) + lim

    @property
    def driver_latency(self) -> tuple[int, ...]:
        return tuple(self.latency + d.delay for d in self.design.drivers)

    # ------------------------------------------------------------- processing
    def _virtualize(self, u: np.ndarray, probe, pos: int) -> np.ndarray:
        """e_L = ipsi(L') + contra(R'), e_R = contra(L') + ipsi(R') -> (n, 2)."""
        ipsi, contra, zi_i, dl, zi_c = self._virt
        side = []
        for s in range(2):
            a = u[:, s]
            for k in range(len(ipsi)):
                a, zi_i[s][k:k + 1] = sosfilt(ipsi[k:k + 1], a, zi=zi_i[s][k:k + 1])
                if probe:
                    probe(f"virtualizer ipsi{'LR'[s]} section {k}", pos, a)
            b = dl[s].process(u[:, s])
            for k in range(len(contra)):
                b, zi_c[s][k:k + 1] = sosfilt(contra[k:k + 1], b, zi=zi_c[s][k:k + 1])
                if probe:
                    probe(f"virtualizer contra{'LR'[s]} section {k}", pos, b)
            side.append((a, b))
        e = np.stack([side[0][0] + side[1][1], side[0][1] + side[1][0]], axis=1)
        if probe:
            probe("virtualizer e_L", pos, e[:, 0])
            probe("virtualizer e_R", pos, e[:, 1])
        return e

    def process(self, block: np.ndarray) -> np.ndarray:
        """(n, 2) float64 stereo -> (n, n_drivers) float64 per-driver feeds.

        With a `probe`, it is called with the true signal at every internal point:
        "virtualizer ipsiL|ipsiR|contraL|contraR section <k>", "virtualizer
        e_L|e_R", "path <name>" (after the common FIR), "driver <id> sum",
        "driver <id> section <k>" (after biquad k), "driver <id> out" (after
        the gain, before the limiter)."""
        x = np.asarray(block, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"expected a (n, 2) stereo block, got shape {x.shape}")
        n = len(x)
        out = np.zeros((n, self.n_drivers))
        if n == 0:
            return out
        u = np.asarray(self.upmix.process(x), dtype=np.float64)
        if u.shape != (n, 3):
            raise ValueError(f"upmix returned shape {u.shape}, expected {(n, 3)}")
        z = np.zeros((n, self.n_drivers))
        probe, pos = self.probe, self._pos
        self._pos += n
        if self._virt is not None:
            u = np.concatenate([u, self._virtualize(u, probe, pos)], axis=1)
        for p, path in enumerate(self.design.paths):
            y = self._common[p].process(self._path_delay[p].process(u[:, path.source]))
            if probe:
                probe(f"path {path.name}", pos, y)
            for d, f in enumerate(self._ratio[p]):
                if f is not None:
                    z[:, d] += f.process(y)
        for d, drv in enumerate(self.design.drivers):
            if probe:
                probe(f"driver {drv.id} sum", pos, z[:, d])
                zd = z[:, d]
                for k in range(len(self._sos[d])):
                    zd, self._sos_zi[d][k:k + 1] = sosfilt(self._sos[d][k:k + 1], zd,
                                                           zi=self._sos_zi[d][k:k + 1])
                    probe(f"driver {drv.id} section {k}", pos, zd)
                probe(f"driver {drv.id} out", pos, self._gain[d] * zd)
            else:
                zd, self._sos_zi[d] = sosfilt(self._sos[d], z[:, d], zi=self._sos_zi[d])
            out[:, d] = self._drv_delay[d].process(self._gain[d] * zd)
        if self.limiter is not None:
            out = self.limiter.process(out)
        return out


def render(design: ChainDesign, x: np.ndarray, *, upmix: Upmix | Callable | None = None,
           block: int | None = None) -> np.ndarray:
    """Whole-signal convenience: a fresh `FloatChain` over `x` (n, 2) -> (n, n_drivers).

    `block` cuts the signal into blocks of that size (default: one call).
    """
    ch = FloatChain(design, upmix=upmix)
    x = np.asarray(x, dtype=np.float64)
    if block is None:
        return ch.process(x)
    return np.concatenate([ch.process(x[i:i + block]) for i in range(0, len(x), block)]
                          or [np.zeros((0, design.n_drivers))])
