"""Validation of the fixed-point chain against the float reference (issue #5).

`validate(profile)` designs the chain (`chain_design_for`: the full
`dsp_model.design.design_chain`), quantizes it (`firmware_export.quantize`),
and runs the float reference (`FloatChain` with the upmix the quantized chain
runs, double precision) and the bit-accurate
model (`FixedChain`) on the standard stimuli. The float input is the Q31
input exactly (x / 2^31), so input quantization is not counted; the float
output is scaled to DAC codes (x 2^(W-1)) and clipped to the word, as an
ideal DAC would.

Per stimulus and driver it reports the error-to-signal ratio (dB), the max
and RMS error in output LSBs, saturation events with the stage and first
sample, and (for pink noise) the error spectrum in octave bands plus its
A-weighted level.

Saturation, where it is looked for:
  * internal (must never happen): the upmix's L' = L - C corner (exact, from
    the input; L = +FS with R = -FS costs 1 Q31 LSB: reported as a note, not
    a failure), the saturating sums (driver sums and the virtualizer's e_L,
    e_R; fixed rails), and every wrapping point -- virtualizer sections, path
    common FIR, driver sum, each biquad section -- predicted
    from the float chain's true signal at that point times the stage's 2^-E
    (a level >= 1 would wrap or saturate in the fixed chain);
  * output (a property of the design, reported, not a failure): the gain
    stage and the DAC word at their rails.

Pass criteria (exit 1 otherwise): ESR <= profile.output.tolerance_db for
every driver on the -20 dBFS pink noise, the -6 dBFS exponential sweep and
the music stand-in (`signals.program_noise`, -1 dBFS peak: a centre stem and
amplitude-panned sides, so the adaptive upmix's decision works on it as on a
mix, where independent pink noise leaves it little to decide); no internal
saturation on any stimulus; silence gives at most 1 LSB of output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import welch

from device_profiles import Profile
from dsp_model.chain_design import ChainDesign
from dsp_model.fixed.chain import FixedChain
from dsp_model.float_chain import FloatChain, PassiveUpmix
from dsp_model.signals import exp_sweep, pink_noise, program_noise, square, to_q31

I32_MAX = 2**31 - 1
OCTAVES = (31.5, 63, 125, 250, 500, 1000, 2000, 4000, 8000, 16000)
MUSIC = "program noise -1 dBFS peak"
JUDGED_ESR = ("pink -20 dBFS", "exp sweep -6 dBFS", MUSIC)


# ---------------------------------------------------------------- design source
def chain_design_for(profile: Profile) -> tuple[ChainDesign, str]:
    """The chain to validate (the profile's full design), and where it came from."""
    from dsp_model.design import design_chain

    return design_chain(profile), "dsp_model.design.design_chain"


# ---------------------------------------------------------------- stimuli
def stimuli(fs: int, duration: float = 1.0) -> dict[str, np.ndarray]:
    """The standard stimuli, float stereo (n, 2) in [-1, 1], seeded."""
    n = int(round(duration * fs))
    both = lambda x: np.stack([x, x], axis=1)  # noqa: E731
    sq = square(n, period=int(fs // 100))
    return {
        "pink -20 dBFS": pink_noise(n, seed=20, level_dbfs=-20.0, channels=2),
        "exp sweep -6 dBFS": both(exp_sweep(duration, fs=fs, level_dbfs=-6.0)),
        MUSIC: program_noise(n, fs=fs, seed=23, peak_dbfs=-1.0),
        "full-band sweep 0 dBFS": both(exp_sweep(duration, fs=fs, f0=10.0, level_dbfs=0.0)),
        "silence": np.zeros((n, 2)),
        "DC +0.5": np.full((n, 2), 0.5),
        "square 100 Hz +-FS in phase": both(sq),
        "square 100 Hz +-FS anti-phase": np.stack([sq, -sq], axis=1),
        "square 1 kHz +-FS left only": np.stack([square(n, period=int(fs // 1000)),
                                                 np.zeros(n)], axis=1),
    }


# ---------------------------------------------------------------- results
@dataclass
class DriverResult:
    driver: str
    esr_db: float  # error-to-signal, dB (nan when the reference is below 1 LSB RMS)
    max_err_lsb: float
    rms_err_lsb: float
    max_out_lsb: int  # max |fixed output|, LSB
    internal: list[str] = field(default_factory=list)  # internal saturation events
    output: list[str] = field(default_factory=list)  # output clip events
    bands_dbfs: dict[float, float] = field(default_factory=dict)  # octave error levels
    a_weighted_dbfs: float = float("nan")


@dataclass
class StimulusResult:
    name: str
    drivers: list[DriverResult]
    notes: list[str] = field(default_factory=list)


@dataclass
class ValidationResult:
    profile: str
    design_source: str
    target: str
    tolerance_db: float
    output_word: int
    stimuli: list[StimulusResult]
    failures: list[str]
    quant_lines: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures


# ---------------------------------------------------------------- helpers
def a_weighting_db(f: np.ndarray) -> np.ndarray:
    """IEC 61672 A-weighting in dB (0 dB at 1 kHz)."""
    f2 = np.asarray(f, dtype=float) ** 2
    ra = (12194.0**2 * f2**2) / ((f2 + 20.6**2) * np.sqrt((f2 + 107.7**2) * (f2 + 737.9**2))
                                 * (f2 + 12194.0**2))
    with np.errstate(divide="ignore"):
        return 20 * np.log10(np.maximum(ra, 1e-300)) + 2.0


def error_spectrum(e: np.ndarray, fs: float) -> tuple[dict[float, float], float]:
    """Octave-band error levels and the A-weighted total, dBFS (e in full-scale units)."""
    f, p = welch(e, fs=fs, nperseg=min(len(e), 8192), scaling="density")
    df = f[1] - f[0]
    bands = {}
    for fc in OCTAVES:
        sel = (f >= fc / math.sqrt(2)) & (f < fc * math.sqrt(2))
        pw = float(np.sum(p[sel]) * df)
        bands[fc] = 10 * math.log10(pw) if pw > 0 else -math.inf
    wa = 10 ** (a_weighting_db(np.maximum(f, 1e-3)) / 10)
    pa = float(np.sum(p * wa) * df)
    return bands, (10 * math.log10(pa) if pa > 0 else -math.inf)


def _stage_exponents(q) -> dict[str, int]:
    """Exponent E of every float-probe point that is a wrapping/saturating point."""
    ex = {}
    v = getattr(q, "virtualizer", None)
    if v is not None:
        ex["virtualizer e_L"] = ex["virtualizer e_R"] = v.exponent
        for name, c in (("ipsi", v.ipsi), ("contra", v.contra)):
            e = 0
            for k, t in enumerate(c.section_shift):
                e += int(t)
                for side in "LR":
                    ex[f"virtualizer {name}{side} section {k}"] = e
    for p in q.paths:
        if len(p.common):
            ex[f"path {p.name}"] = p.common_shift
    for d in q.drivers:
        ex[f"driver {d.id} sum"] = d.sum_shift
        e = d.sum_shift
        for k, t in enumerate(d.section_shift):
            e += int(t)
            ex[f"driver {d.id} section {k}"] = e
    return ex


class _Events:
    """First sample and count of events per stage."""

    def __init__(self):
        self.first: dict[str, int] = {}
        self.count: dict[str, int] = {}
        self.peak: dict[str, float] = {}

    def add(self, stage: str, idx: np.ndarray, pos: int, peak: float = 0.0) -> None:
        if len(idx) == 0:
            return
        self.first.setdefault(stage, pos + int(idx[0]))
        self.count[stage] = self.count.get(stage, 0) + len(idx)
        self.peak[stage] = max(self.peak.get(stage, 0.0), peak)

    def lines(self, prefix: str) -> list[str]:
        out = []
        for s in self.first:
            pk = f", peak {20 * math.log10(self.peak[s]):+.2f} dB over" if self.peak[s] else ""
            out.append(f"{s}: {self.count[s]} samples from sample {self.first[s]}{pk}")
        return [o for o in out if o.startswith(prefix)]


# ---------------------------------------------------------------- main
def validate(profile: Profile, *, duration: float = 1.0, design: ChainDesign | None = None,
             q=None, stimuli_names: tuple[str, ...] | None = None) -> ValidationResult:
    from firmware_export.quantize import quantize_chain

    src = "given"
    if q is not None and design is None:
        raise ValueError("validate: a quantized chain `q` needs the `design` it was made from")
    if design is None:
        design, src = chain_design_for(profile)
    tol = profile.output.tolerance_db
    if q is None:
        q = quantize_chain(design, profile.target, tolerance_db=tol,
                           dither=profile.output.dither)
    w = q.output_word
    fs = design.fs
    scale = 2.0 ** (w - 1)
    lo, hi = -(2 ** (w - 1)), 2 ** (w - 1) - 1
    ex = _stage_exponents(q)
    results, failures = [], []
    for name, xf in stimuli(fs, duration).items():
        if stimuli_names and name not in stimuli_names:
            continue
        xq = to_q31(xf)
        ev = _Events()

        def fprobe(stage, pos, sig, ev=ev):
            e = ex.get(stage)
            if e is None:
                return
            lvl = np.abs(sig) * 2.0**-e
            idx = np.nonzero(lvl >= 1.0)[0]
            ev.add(stage, idx, pos, float(lvl.max()) if len(idx) else 0.0)

        def xprobe(stage, pos, sig, ev=ev):
            if stage.endswith(" out"):
                idx = np.nonzero((sig <= lo) | (sig >= hi))[0]
                ev.add(stage.replace(" out", " DAC word"), idx, pos)
            else:
                idx = np.nonzero((sig == I32_MAX) | (sig == -I32_MAX - 1))[0]
                mix = stage.endswith("sum") or stage.startswith("virtualizer e_")
                ev.add(stage + (" (saturating mix)" if mix else ""), idx, pos)

        # the reference runs the upmix the quantized chain runs (passive or adaptive)
        up = PassiveUpmix() if q.upmix == 0 else None
        ref = FloatChain(design, upmix=up, probe=fprobe).process(xq / 2.0**31)
        ref = np.clip(ref * scale, lo, hi)
        y = FixedChain(q, probe=xprobe).process(xq).astype(np.float64)
        notes = []
        lr = xq.astype(np.int64)
        c = (lr[:, 0] + lr[:, 1]) >> 1
        # the passive upmix's corner; the adaptive one's C = w M is near 0 there
        corner = np.nonzero((lr[:, 0] - c > I32_MAX) | (lr[:, 1] - c > I32_MAX))[0]
        if len(corner) and q.upmix == 0:
            notes.append(f"upmix L'/R' corner (L = +FS, R = -FS): {len(corner)} samples "
                         f"from sample {int(corner[0])} saturate by 1 Q31 LSB")
        drs = []
        for d, drv in enumerate(q.drivers):
            e = y[:, d] - ref[:, d]
            sig = float(np.sum(ref[:, d] ** 2))
            # a reference below 1 LSB RMS has no meaningful error-to-signal ratio
            esr = (10 * math.log10(max(float(np.sum(e**2)), 1e-300) / sig)
                   if sig > len(e) else math.nan)
            internal = [s for s in ev.lines(f"driver {drv.id} ")
                        if "gain" not in s and "DAC" not in s]
            output = [s for s in ev.lines(f"driver {drv.id} ") if "gain" in s or "DAC" in s]
            r = DriverResult(drv.id, esr, float(np.max(np.abs(e))) if len(e) else 0.0,
                             float(np.sqrt(np.mean(e**2))) if len(e) else 0.0,
                             int(np.max(np.abs(y[:, d]))) if len(y) else 0, internal, output)
            if name.startswith("pink"):
                r.bands_dbfs, r.a_weighted_dbfs = error_spectrum(e / scale, fs)
            drs.append(r)
            if name in JUDGED_ESR and not esr <= tol:
                failures.append(f"{name}: driver {drv.id} error-to-signal {esr:.1f} dB "
                                f"misses the tolerance {tol:g} dB")
            if internal:
                failures.append(f"{name}: driver {drv.id} internal saturation: "
                                + "; ".join(internal))
            if name == "silence" and r.max_out_lsb > 1:
                failures.append(f"silence: driver {drv.id} noise floor {r.max_out_lsb} LSB "
                                f"exceeds 1 LSB of the {w}-bit output")
        path_events = ev.lines("path ") + ev.lines("virtualizer ")
        for s in path_events:
            failures.append(f"{name}: internal saturation: {s}")
        notes += [f"internal: {s}" for s in path_events]
        results.append(StimulusResult(name, drs, notes))
    return ValidationResult(profile.name, src, q.target, tol, w, results, failures,
                            q.report.lines() if q.report else [])


def format_result(res: ValidationResult, *, verbose: bool = False) -> list[str]:
    out = [f"validate {res.profile}: design {res.design_source}",
           f"target {res.target}, output {res.output_word}-bit, tolerance "
           f"{res.tolerance_db:g} dB error-to-signal"]
    if verbose:
        out += res.quant_lines
    for s in res.stimuli:
        out.append(f"{s.name}:")
        out.append(f"  {'driver':10s} {'ESR dB':>8s} {'max err':>8s} {'rms err':>8s} "
                   f"{'max out':>9s}  (LSB of the {res.output_word}-bit output)")
        for d in s.drivers:
            esr = "    -" if math.isnan(d.esr_db) else f"{d.esr_db:8.1f}"
            out.append(f"  {d.driver:10s} {esr:>8s} {d.max_err_lsb:8.2f} {d.rms_err_lsb:8.3f} "
                       f"{d.max_out_lsb:9d}")
            for e in d.internal:
                out.append(f"    INTERNAL SATURATION {e}")
            for e in d.output:
                out.append(f"    output clip (design level) {e}")
        for n in s.notes:
            out.append(f"  note: {n}")
        if s.drivers and s.drivers[0].bands_dbfs:
            out.append("  error spectrum, dBFS per octave band (A-weighted total):")
            out.append("  " + " " * 10 + "".join(f"{int(f) if f >= 63 else f:>7}"
                                                 for f in OCTAVES) + "     A")
            for d in s.drivers:
                out.append(f"  {d.driver:10s}" + "".join(f"{v:7.0f}" for v in d.bands_dbfs.values())
                           + f"{d.a_weighted_dbfs:7.1f}")
    out.append("PASS" if res.ok else f"FAIL ({len(res.failures)}):")
    out += [f"  {f}" for f in res.failures]
    return out
