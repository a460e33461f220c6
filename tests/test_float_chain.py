"""Float reference chain: streaming invariance, latency and delay alignment, routing."""

from dataclasses import dataclass, replace

import numpy as np
import pytest
from scipy.signal import butter, lfilter, sosfilt

from device_profiles import load_profile
from dsp_model.chain_design import (
    ChainDesign,
    DriverStage,
    PathFilter,
    VirtualizerStage,
    plain_chain,
)
from dsp_model.float_chain import FloatChain, PassiveUpmix, render
from dsp_model.signals import pink_noise


def synthetic_virtualizer() -> VirtualizerStage:
    """A 2nd-order all-pass ipsi at 1 kHz; contra: 11 samples, then a 2 kHz
    low-pass at -4 dB."""
    r, th = 0.9, 2 * np.pi * 1000 / 48000
    a = [1.0, -2 * r * np.cos(th), r * r]
    ipsi = np.array([[a[2], a[1], a[0], *a]])
    contra = butter(2, 2000, "lowpass", fs=48000, output="sos")
    contra[:, :3] *= 0.63
    return VirtualizerStage(ipsi, contra, 11)


def synthetic_design(seed: int = 0, n_drivers: int = 3, *, common_taps: int = 33,
                     ratio_taps: int = 9, delays=(3, 0, 5), virt: bool = False) -> ChainDesign:
    """Random short FIRs, low-frequency biquads, path and driver delays; with
    `virt`, a virtualizer whose e_L, e_R feed the first two paths."""
    rng = np.random.default_rng(seed)
    paths = []
    for i, name in enumerate(("side_l", "side_r", "center")):
        common = rng.standard_normal(common_taps) * 0.1
        ratio = tuple(np.array([]) if (i + d) % 4 == 3 else rng.standard_normal(ratio_taps) * 0.3
                      for d in range(n_drivers))
        paths.append(PathFilter(name, i + 3 if virt and i < 2 else i, delays[i], common, ratio))
    # a second path from L' (plain, scalar ratio to the last driver only)
    plain = tuple(np.array([0.7]) if d == n_drivers - 1 else np.array([]) for d in range(n_drivers))
    paths.append(PathFilter("side_l_plain", 0, 1, np.array([1.0]), plain))
    drivers = []
    for d in range(n_drivers):
        sos = np.concatenate([butter(2, 40.0 * (d + 1), "highpass", fs=48000, output="sos"),
                              butter(2, 3000.0, "lowpass", fs=48000, output="sos")])
        drivers.append(DriverStage(f"d{d}", sos, 0.5 + 0.25 * d, d * 2))
    return ChainDesign("synthetic", 48000, "cmsis-q31", 64, tuple(paths), tuple(drivers),
                       24, 512, 128, 80.0, synthetic_virtualizer() if virt else None)


def _blocks(ch, x, sizes):
    out, i, k = [], 0, 0
    while i < len(x):
        b = sizes[k % len(sizes)]
        out.append(ch.process(x[i:i + b]))
        i += b
        k += 1
    return np.concatenate(out)


@pytest.mark.parametrize("virt", [False, True])
@pytest.mark.parametrize("sizes", [[1], [7], [64], [4096], [1, 7, 64, 300, 4096, 5]])
def test_block_size_invariance(sizes, virt):
    design = synthetic_design(1, virt=virt)
    x = pink_noise(5000 if 1 not in sizes else 1500, seed=3, level_dbfs=-10, channels=2)
    whole = FloatChain(design).process(x)
    parts = _blocks(FloatChain(design), x, sizes)
    assert np.max(np.abs(whole - parts)) < 1e-12


def test_block_size_invariance_studio5():
    design = plain_chain(load_profile("studio5"))
    x = pink_noise(5000, seed=4, channels=2)
    whole = render(design, x)
    for b in (7, 64, 4096):
        assert np.max(np.abs(render(design, x, block=b) - whole)) < 1e-12


@pytest.mark.parametrize("virt", [False, True])
def test_matches_direct_formula(virt):
    """The chain equals the flow written out with whole-signal scipy calls."""
    design = synthetic_design(2, virt=virt)
    x = pink_noise(3000, seed=5, level_dbfs=-12, channels=2)
    y = render(design, x, block=100)
    c = 0.5 * (x[:, 0] + x[:, 1])
    u = [x[:, 0] - c, x[:, 1] - c, c]
    if virt:
        v = design.virtualizer
        ipsi = [sosfilt(v.ipsi_sos, s) for s in u[:2]]
        contra = [sosfilt(v.contra_sos, np.concatenate([np.zeros(v.contra_delay), s])[:len(s)])
                  for s in u[:2]]
        u += [ipsi[0] + contra[1], contra[0] + ipsi[1]]
    u = [u[p.source] for p in design.paths]
    n = len(x)
    for d, drv in enumerate(design.drivers):
        z = np.zeros(n)
        for p, path in enumerate(design.paths):
            xp = np.concatenate([np.zeros(path.delay), u[p]])[:n]
            yp = lfilter(path.common, [1.0], xp)
            if len(path.ratio[d]):
                z += lfilter(path.ratio[d], [1.0], yp)
        ref = drv.gain * sosfilt(drv.sos, z)
        ref = np.concatenate([np.zeros(drv.delay), ref])[:n]
        assert np.allclose(y[:, d], ref, atol=1e-12)


def test_plain_chain_routing_and_sum():
    """Plain stereo on compact2 with the passive upmix (no latency): left driver gets
    L, right gets R through the same stage."""
    prof = load_profile("compact2")
    design = replace(plain_chain(prof), upmix_mode="passive")
    x = pink_noise(4000, seed=6, channels=2)
    y = render(design, x)
    sos = design.drivers[0].sos
    assert np.allclose(y[:, 0], sosfilt(sos, x[:, 0]), atol=1e-12)
    assert np.allclose(y[:, 1], sosfilt(sos, x[:, 1]), atol=1e-12)


def test_impulse_shows_delay_alignment():
    """Paths with different FIR modeling delays are aligned by their path delays:
    an impulse on L and on R comes out of every driver at the declared latency."""

    prof = load_profile("compact2")
    base = plain_chain(prof)
    # side paths: common FIR peaks at tap 10 (modeling delay 10), center: 4 taps, peak 2
    side_common = np.zeros(21)
    side_common[10] = 1.0
    ctr_common = np.zeros(5)
    ctr_common[2] = 1.0
    paths = []
    for p in base.paths:
        common, model = (ctr_common, 2) if p.name == "center" else (side_common, 10)
        paths.append(_with_model(replace(p, common=common, delay=12 - model), model))
    flat = np.array([[1.0, 0, 0, 1.0, 0, 0]])
    drivers = tuple(replace(d, sos=flat, gain=1.0, delay=3 * i) for i, d in enumerate(base.drivers))
    design = replace(base, paths=tuple(paths), drivers=drivers)
    ch = FloatChain(design, upmix=PassiveUpmix())
    assert ch.path_latency == (12, 12, 12)
    assert ch.latency == 12
    assert ch.driver_latency == (12, 15)
    x = np.zeros((64, 2))
    x[0, 0] = 1.0  # impulse on L: L' = 0.5, C = 0.5; left driver gets L' + C
    y = ch.process(x)
    assert np.argmax(np.abs(y[:, 0])) == 12 and y[12, 0] == pytest.approx(1.0)
    assert np.allclose(np.delete(y[:, 0], 12), 0.0)
    # right driver: R' + C = -0.5 + 0.5 = 0 only if both arrive together
    assert np.allclose(y[:, 1], 0.0, atol=1e-15)


@dataclass(frozen=True)
class _ModeledPath(PathFilter):
    """A path that declares its FIR modeling delay (what the full design will do)."""

    modeling_delay: int = 0


def _with_model(path: PathFilter, model: int) -> PathFilter:
    return _ModeledPath(path.name, path.source, path.delay, path.common, path.ratio, model)


def test_misaligned_paths_would_show():
    """Sanity check of the test above: without alignment the right driver is not silent."""
    prof = load_profile("compact2")
    base = replace(plain_chain(prof), upmix_mode="passive")
    side_common = np.zeros(21)
    side_common[10] = 1.0
    paths = tuple(replace(p, common=side_common) if p.name != "center" else p for p in base.paths)
    flat = np.array([[1.0, 0, 0, 1.0, 0, 0]])
    drivers = tuple(replace(d, sos=flat, gain=1.0) for d in base.drivers)
    y = render(replace(base, paths=paths, drivers=drivers), np.eye(64, 2))
    assert np.max(np.abs(y[:, 1])) == pytest.approx(0.5)


def test_upmix_interface_and_errors():
    design = synthetic_design(0)

    class Delayed:
        latency = 5

        def process(self, block):
            return PassiveUpmix().process(block)

    ch = FloatChain(design, upmix=Delayed())
    assert ch.latency == 5 + 5
    assert len(ch.path_latency) == 4
    with pytest.raises(ValueError, match="stereo"):
        ch.process(np.zeros((10, 3)))
    assert ch.process(np.zeros((0, 2))).shape == (0, 3)
    # a factory is accepted too
    assert FloatChain(design, upmix=lambda d: Delayed()).latency == 10


def test_probe_sees_every_stage_and_does_not_change_output():
    design = synthetic_design(5)
    x = pink_noise(2000, seed=8, channels=2)
    seen = {}

    def probe(stage, pos, sig):
        seen.setdefault(stage, []).append((pos, len(sig)))

    y = render(design, x, block=500)
    ch = FloatChain(design, probe=probe)
    yp = np.concatenate([ch.process(x[i:i + 500]) for i in range(0, 2000, 500)])
    assert np.max(np.abs(y - yp)) < 1e-12
    assert seen["driver d0 section 1"] == [(0, 500), (500, 500), (1000, 500), (1500, 500)]
    assert "path side_l_plain" in seen and "driver d2 out" in seen and "driver d1 sum" in seen


class _DelayedSmoothedUpmix:
    """A stateful stand-in with latency: C = one-pole-smoothed M, delayed."""

    latency = 17

    def __init__(self):
        self.m = 0.0
        self.buf = np.zeros((17, 2))

    def process(self, block):
        x = np.concatenate([self.buf, block])
        self.buf = x[len(block):].copy()
        x = x[:len(block)]
        out = np.zeros((len(x), 3))
        for n, (left, right) in enumerate(x):
            self.m += 0.1 * (0.5 * (left + right) - self.m)
            out[n] = (left - self.m, right - self.m, self.m)
        return out


def test_stateful_upmix_streams_and_adds_its_latency():
    design = plain_chain(load_profile("compact2"))
    ch = FloatChain(design, upmix=_DelayedSmoothedUpmix())
    assert ch.latency == 17
    x = pink_noise(2000, seed=9, channels=2)
    whole = ch.process(x)
    parts = _blocks(FloatChain(design, upmix=_DelayedSmoothedUpmix()), x, [1, 7, 64, 500])
    assert np.max(np.abs(whole - parts)) < 1e-12
    assert np.allclose(whole[:17], 0.0)


def test_adaptive_upmix_factory():
    from dsp_model.float_chain import adaptive_upmix
    from dsp_model.upmix import Upmix

    design = plain_chain(load_profile("compact2"))
    ch = FloatChain(design, upmix=adaptive_upmix)
    assert isinstance(ch.upmix, Upmix)
    assert ch.latency == ch.upmix.latency > 0
    assert ch.process(np.zeros((64, 2))).shape == (64, 2)


@pytest.mark.parametrize("mode", ["adaptive", "passive"])
def test_default_upmix_is_the_profiles_mode(mode):
    """No upmix given: the chain runs the one `[upmix] mode` names, as the
    quantizer does (blob meta upmix 1 with its tables, or 0)."""
    from dsp_model.upmix import Upmix
    from firmware_export.quantize import UPMIX_ADAPTIVE, UPMIX_PASSIVE, quantize_chain

    design = replace(plain_chain(load_profile("compact2")), upmix_mode=mode)
    ch = FloatChain(design)
    assert isinstance(ch.upmix, Upmix if mode == "adaptive" else PassiveUpmix)
    q = quantize_chain(design, "cmsis-q31")
    assert q.upmix == (UPMIX_ADAPTIVE if mode == "adaptive" else UPMIX_PASSIVE)
    assert (q.upmix_tables is not None) == (mode == "adaptive")


def test_block_size_invariance_designed_studio5_with_adaptive_upmix():
    """The whole designed chain (virtualizer, CTC, beam, alignment, drivers) behind the
    adaptive upmix, whose STFT frames fall at different places inside each block."""
    from dsp_model.design import design_chain
    from dsp_model.float_chain import adaptive_upmix

    design = design_chain(load_profile("studio5"))
    x = pink_noise(3000, seed=11, level_dbfs=-10, channels=2)
    whole = FloatChain(design, upmix=adaptive_upmix).process(x)
    assert np.max(np.abs(whole)) > 1e-3  # past the upmix latency, the drivers play
    for sizes in ([1], [7], [64], [4096], [1, 7, 64, 300, 5]):
        parts = _blocks(FloatChain(design, upmix=adaptive_upmix), x, sizes)
        assert np.max(np.abs(whole - parts)) < 1e-12, sizes
