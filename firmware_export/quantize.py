"""Quantize a `ChainDesign` into the integer tables of one target, with checks.

`quantize_chain(design, arith) -> QuantizedChain` is the one place where the
float design becomes integers; the fixed-point model (dsp_model/fixed/chain.py),
the blob (tables.py) and the C runtime all read the `QuantizedChain`. Nothing
downstream re-derives a coefficient or a shift.

Fixed-point signal flow and scaling (target cmsis-q31; every signal is Q31 in
int32 and carries a known *exponent* E: the stored value is true * 2^-E):

    x (L, R)                                    E = 0
    upmix (passive): C = floor((L + R) / 2), L' = sat(L - C), R' = sat(R - C)
    path p: delay -> common FIR (taps * 2^-ec_p)            E = ec_p
            (an empty common table is the identity: no filter, E = 0)
    feed p->d: ratio FIR (taps * 2^-(Ez_d - ec_p))           E = Ez_d
    driver d: z_d = mix_sat(feeds)                           E = Ez_d
      section k: biquad, b * 2^-t_k (a unchanged)            E = Ez_d + t_1 + .. + t_k
      gain: gain_d * 2^E (scale_fract Q31, shift), saturate  E = 0
      delay, DAC word (dac_quant_q31: round half up, saturate to output_word)

Headroom plan. For every point above, the worst-case true level for a
full-scale stereo input is bounded by the L1 norm of the impulse response from
(L, R) to that point (sum over both inputs, through the passive upmix matrix;
exact bound, no signal can exceed it) -- or, with ``headroom="peak"``, by the
peak of the magnitude response (a sine bound; cheaper in bits, not a
guarantee). Each shift (ec_p, Ez_d, t_k) is the smallest >= 0 that keeps the
bound below full scale, so with "l1" no internal stage can wrap. Where the
*design* itself exceeds full scale (a driver output whose bound is > 1), the
report says which driver can clip and by how much: the output gain saturates
there, exactly as a float output would clip at the DAC.

Biquad kernel per section. `biquad_df1_q31` truncates its output, and that
error feeds back through 1/A(z); poles near z = 1 amplify it (DESIGN.md: a
40 Hz high-pass reaches -75 dB error-to-signal). For each section we predict
the truncation noise at the driver output (variance 1/12 LSB^2 through the
noise transfer, plus the -1/2 LSB floor bias through its DC gain) and use
`biquad_df1_32x64_q31` (64-bit feedback state, no amplified noise, ~4x the
cycles) when the DF1 prediction is above ``df1_noise_limit_dbfs`` (default:
the rounding noise of the output word, at most 24 bits: -149.3 dBFS. A 32-bit
slot feeds a converter with ~24 bits of resolution at best, so pushing DF1
noise below that would buy 4x the cycles for nothing audible).

Tables (CMSIS layouts, from dsp_model.fixed.arith): biquads int32 (n, 5)
``{b0, b1, b2, -a1, -a2}`` scaled by 2^-post_shift, one post_shift per section
(each section is its own one-stage cascade, so a section may pick its kernel
and shift); FIR taps int32 Q31 *time-reversed* ``{h[N-1], .., h[0]}``; gains
``(scale_fract Q31, shift)`` in `arm_scale_q31` semantics.

Checks (a failure raises `CheckFailed` naming driver/path, filter and figure):
every quantized section stable with pole radius <= 1 - ``pole_margin``; each
driver stage's quantized response within ``mag_tol_db`` (max dB deviation
where the float response is within 60 dB of its peak) and its complex error
below the profile tolerance relative to its peak; FIR quantization error
(relative L2, dB) below the tolerance; post-shifts within the target's
maximum (sections that need more than 1 are listed in the report).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import freqz, lfilter, sosfilt, sosfreqz

from device_profiles.errors import CheckFailed, UserError
from dsp_model.chain_design import ChainDesign
from dsp_model.fixed.arith import (
    ArithProfile,
    arith_profile,
    quantize_fir_q31,
    quantize_gain_q31,
    quantize_sos_q31,
)
from firmware_export.quantize_upmix import UpmixTables, quantize_upmix

KERNEL_DF1 = 0  # biquad_df1_q31
KERNEL_32X64 = 1  # biquad_df1_32x64_q31
KERNEL_NAMES = {KERNEL_DF1: "biquad_df1_q31", KERNEL_32X64: "biquad_df1_32x64_q31"}
UPMIX_PASSIVE = 0  # C = floor((L + R)/2), L' = L - C, R' = R - C
UPMIX_ADAPTIVE = 1  # dsp_model.upmix in fixed point (dsp_model/fixed/upmix.py), its tables
UPMIX_NAMES = {UPMIX_PASSIVE: "passive", UPMIX_ADAPTIVE: "adaptive"}

# Passive upmix as a matrix: rows L', R', C; columns L, R.
PASSIVE_UPMIX = np.array([[0.5, -0.5], [-0.5, 0.5], [0.5, 0.5]])

FULL_SCALE_MARGIN = 1.0 - 2.0**-20  # bound * 2^-E must stay at or below this


# ------------------------------------------------------------------ data
@dataclass(frozen=True)
class QPath:
    """One path, quantized. ``common`` empty = identity (no FIR, exponent 0)."""

    name: str
    source: int  # 0 L', 1 R', 2 C
    delay: int  # samples, before common
    common: np.ndarray  # int32 (Nc,) Q31 time-reversed, taps * 2^-(common_shift - E_source)
    common_shift: int  # ec_p: the path signal holds y_p * 2^-ec_p (E_source: 0, or the
    #                    virtualizer's exponent for sources 3, 4)
    ratio: tuple[np.ndarray, ...]  # per driver int32 Q31 time-reversed; empty = no feed
    ratio_shift: tuple[int, ...]  # per driver: taps were scaled by 2^-shift (Ez_d - ec_p)


@dataclass(frozen=True)
class QCascade:
    """Biquad sections, quantized (same fields as a driver's sections)."""

    coeffs: np.ndarray  # int32 (n, 5) CMSIS {b0, b1, b2, -a1, -a2}, * 2^-post_shift
    post_shift: np.ndarray  # int32 (n,)
    kernel: np.ndarray  # int32 (n,)
    section_shift: np.ndarray  # int32 (n,): b of section k scaled by 2^-t_k


@dataclass(frozen=True)
class QVirtualizer:
    """The virtualizer stage, quantized: e_L = ipsi(L') + contra(R'),
    e_R = contra(L') + ipsi(R'), contra = delay then sections; both cascades
    end at `exponent` (e holds e_true * 2^-exponent; sources 3, 4 of the paths)."""

    contra_delay: int
    exponent: int
    ipsi: QCascade
    contra: QCascade


@dataclass(frozen=True)
class QDriver:
    """One driver's stage, quantized."""

    id: str
    sum_shift: int  # Ez_d: the driver sum holds z_d * 2^-Ez_d
    coeffs: np.ndarray  # int32 (n, 5) CMSIS {b0, b1, b2, -a1, -a2}, * 2^-post_shift
    post_shift: np.ndarray  # int32 (n,), per section
    kernel: np.ndarray  # int32 (n,), KERNEL_DF1 or KERNEL_32X64
    section_shift: np.ndarray  # int32 (n,): t_k, b of section k scaled by 2^-t_k
    gain_fract: int  # Q31 scale_fract
    gain_shift: int  # arm_scale_q31 shift: gain * 2^E = gain_fract / 2^31 * 2^gain_shift
    delay: int  # samples, after the gain


@dataclass(frozen=True)
class StageBound:
    """Headroom of one point of the chain (true units, full-scale input)."""

    stage: str  # e.g. "driver woofer section 2", "path side_l common"
    l1: float  # L1-norm bound
    peak: float  # peak magnitude-response bound
    exponent: int  # E at this point
    clip_db: float  # 20 log10(bound * 2^-E) if > 0 (can clip by this much), else 0


@dataclass(frozen=True)
class QuantReport:
    headroom: str  # "l1" or "peak"
    bounds: tuple[StageBound, ...]
    fir_error_db: dict[str, float]  # filter name -> relative L2 error, dB
    driver_error_db: dict[str, float]  # driver (or "virtualizer ipsi|contra") ->
    #                                    max |Hq - H| / max |H|, dB
    driver_dev_db: dict[str, float]  # same keys -> max |dB deviation| in the passband
    pole_radius: dict[str, float]  # "driver d section k" -> quantized pole radius
    post_shift_notes: tuple[str, ...]  # sections that needed post_shift > 1
    df1_noise_dbfs: dict[str, float]  # "driver d section k" -> predicted DF1 noise
    output_clip: tuple[str, ...]  # drivers whose output can exceed full scale

    def lines(self) -> list[str]:
        out = [f"headroom plan ({self.headroom} bound, full-scale input):"]
        for b in self.bounds:
            clip = f"  CAN CLIP by {b.clip_db:.2f} dB" if b.clip_db > 0 else ""
            out.append(f"  {b.stage:36s} L1 {b.l1:8.3f}  peak {b.peak:8.3f}  E {b.exponent:3d}"
                       f"{clip}")
        for s in self.output_clip:
            out.append(f"  output: {s}")
        out.append("biquad sections (pole radius, predicted DF1 truncation noise):")
        for k, r in self.pole_radius.items():
            out.append(f"  {k:36s} r {r:.6f}  DF1 noise {self.df1_noise_dbfs[k]:7.1f} dBFS")
        out += [f"  {n}" for n in self.post_shift_notes]
        out.append("quantization error:")
        for k, v in self.fir_error_db.items():
            out.append(f"  FIR {k:32s} {v:7.1f} dB")
        for k, v in self.driver_error_db.items():
            name = k if k.startswith("virtualizer") else f"driver {k}"
            out.append(f"  {name:36s} {v:7.1f} dB re peak, passband dev "
                       f"{self.driver_dev_db[k]:.2e} dB")
        return out


@dataclass(frozen=True)
class QuantizedChain:
    """Everything the fixed-point chain needs, as integers (plus names)."""

    profile_name: str
    fs: int
    target: str
    block_size: int
    output_word: int  # DAC word, bits
    dither: bool
    upmix: int  # UPMIX_PASSIVE or UPMIX_ADAPTIVE
    paths: tuple[QPath, ...]
    drivers: tuple[QDriver, ...]
    report: QuantReport | None = field(default=None, compare=False, repr=False)
    virtualizer: QVirtualizer | None = None
    upmix_tables: UpmixTables | None = None  # exactly when upmix == UPMIX_ADAPTIVE

    @property
    def n_drivers(self) -> int:
        return len(self.drivers)

    @property
    def driver_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.drivers)


# ------------------------------------------------------------------ helpers
def _shift_for(bound: float) -> int:
    """Smallest E >= 0 with bound * 2^-E <= FULL_SCALE_MARGIN."""
    if not math.isfinite(bound):
        raise CheckFailed(f"headroom: a stage's gain bound is {bound} (non-finite filter taps "
                          "or an unstable section in the design)")
    e = 0
    while bound * 2.0**-e > FULL_SCALE_MARGIN:
        e += 1
    return e


def _fit_shift(taps: np.ndarray) -> int:
    """Smallest E >= 0 at which every tap * 2^-E rounds inside Q31."""
    m = float(np.max(np.abs(taps))) if len(taps) else 0.0
    e = 0
    while m * 2.0**-e >= 1.0 - 2.0**-32:
        e += 1
    return e


def _clip_db(bound: float, e: int) -> float:
    v = bound * 2.0**-e
    return 20 * math.log10(v) if v > 1.0 else 0.0


def _fir_deq(q: np.ndarray, shift: int) -> np.ndarray:
    """Dequantize time-reversed Q31 taps back to true natural-order taps."""
    return q[::-1].astype(np.float64) * 2.0 ** (shift - 31)


def _sos_deq(coeffs: np.ndarray, post_shift: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Dequantize CMSIS sections (with b scaled by 2^-t) to true scipy sos."""
    c = coeffs.astype(np.float64) * (2.0 ** (post_shift.astype(np.float64) - 31))[:, None]
    sos = np.zeros((len(c), 6))
    sos[:, :3] = c[:, :3] * (2.0 ** t.astype(np.float64))[:, None]
    sos[:, 3] = 1.0
    sos[:, 4] = -c[:, 3]
    sos[:, 5] = -c[:, 4]
    return sos


def _ir_length(sos: np.ndarray, floor: float = 1e-13, cap: int = 1 << 17) -> int:
    """Samples until the slowest pole has decayed below `floor`."""
    r = 0.0
    for s in sos:
        r = max(r, float(np.max(np.abs(np.roots([1.0, s[4], s[5]])))))
    if r <= 0.0:
        return 64
    if r >= 1.0:
        return cap
    return int(min(cap, max(64, math.ceil(math.log(floor) / math.log(r)) + 64)))


def _freq_grid(fs: float) -> np.ndarray:
    return np.unique(np.concatenate([np.geomspace(10.0, fs / 2 * 0.999, 3000),
                                     np.linspace(0.0, fs / 2 * 0.999, 2000)]))


def _peak(h_freq: np.ndarray) -> float:
    return float(np.max(np.abs(h_freq)))


def _resolve_arith(arith) -> ArithProfile:
    if isinstance(arith, ArithProfile):
        return arith
    try:
        return arith_profile(str(arith))
    except ValueError as e:
        raise UserError(str(e)) from None


# ------------------------------------------------------------------ main
def _section_q31(row: np.ndarray, name: str, ar) -> tuple[np.ndarray, int]:
    """One scaled sos row to CMSIS Q31 coefficients and its post-shift; a row that
    needs more post-shift than the target allows is refused naming the section."""
    try:
        c, ps = quantize_sos_q31(row[None], max_post_shift=ar.max_post_shift)
    except ValueError as err:
        raise CheckFailed(f"{name}: {err} (max post_shift {ar.max_post_shift} on "
                          f"{ar.target})") from None
    return c[0], ps


def quantize_chain(design: ChainDesign, arith=None, *, headroom: str = "l1",
                   tolerance_db: float = -100.0, mag_tol_db: float = 0.01,
                   pole_margin: float = 1e-4, df1_noise_limit_dbfs: float | None = None,
                   dither: bool = False, force_kernel: int | None = None) -> QuantizedChain:
    """Quantize `design` for `arith` (an `ArithProfile` or target id; default the
    design's target). Raises `CheckFailed` on a failed check, `UserError` on an
    unsupported target. `force_kernel` (tests, benchmarks) overrides the per-
    section choice. ``df1_noise_limit_dbfs`` defaults to the RMS rounding noise
    of the output word capped at 24 bits (-149.3 dBFS): a DF1 section may not add
    more noise than a 24-bit converter's own rounding."""
    if df1_noise_limit_dbfs is None:
        bits = min(design.output_word, 24)
        df1_noise_limit_dbfs = 20 * math.log10(2.0 ** (1 - bits) / math.sqrt(12))
    ar = _resolve_arith(design.target if arith is None else arith)
    if ar.target != "cmsis-q31":
        raise UserError(f"quantize_chain: target {ar.target!r} is not supported yet "
                        "(cmsis-q31 only)")
    if headroom not in ("l1", "peak"):
        raise UserError(f"headroom must be 'l1' or 'peak', got {headroom!r}")
    fs = float(design.fs)
    grid = _freq_grid(fs)
    w = 2 * np.pi * grid / fs
    audio = (grid >= 20.0) & (grid <= 20000.0)  # the band the response checks cover
    nd = design.n_drivers
    bounds: list[StageBound] = []
    fir_err: dict[str, float] = {}
    report_acc: dict[str, dict] = {"radius": {}, "noise": {}, "err": {}, "dev": {}}

    def bound_of(h_time_lr, h_freq_lr) -> tuple[float, float]:
        l1 = float(sum(np.sum(np.abs(h)) for h in h_time_lr))
        pk = float(np.max(sum(np.abs(h) for h in h_freq_lr)))
        return l1, pk

    def pick(l1: float, pk: float) -> float:
        return l1 if headroom == "l1" else pk

    # ---- sources: true responses from (L, R), and their exponents
    src_t = [[np.array([g[0]]), np.array([g[1]])] for g in PASSIVE_UPMIX]
    src_f = [[np.full(len(w), g[0], complex), np.full(len(w), g[1], complex)]
             for g in PASSIVE_UPMIX]
    src_e = [0, 0, 0]
    v = getattr(design, "virtualizer", None)
    qvirt = None
    if v is not None:
        vt, vf, ve, qvirt = _quantize_virtualizer(
            design, v, w, ar, headroom, pick, bound_of, bounds, pole_margin, tolerance_db,
            mag_tol_db, audio, grid, df1_noise_limit_dbfs, force_kernel, report_acc)
        src_t += vt
        src_f += vf
        src_e += [ve, ve]

    # ---- paths: common filters
    qpaths_common = []
    path_ir = []  # per path: true impulse response from (L, R) to y_p, time and freq
    for p in design.paths:
        if not 0 <= p.source < len(src_t):
            raise UserError(f"path {p.name}: source {p.source} does not exist in this design "
                            f"({len(src_t)} sources)")
        common = np.asarray(p.common, dtype=np.float64)
        identity = len(common) == 1 and common[0] == 1.0
        ir = np.concatenate([np.zeros(p.delay), common])
        hf = freqz(common, worN=w)[1] * np.exp(-1j * w * p.delay)
        h_lr = [np.convolve(h, ir) for h in src_t[p.source]]
        hf_lr = [h * hf for h in src_f[p.source]]
        path_ir.append((h_lr, hf_lr))
        es = src_e[p.source]
        if identity:
            qpaths_common.append((np.zeros(0, np.int32), es))
            continue
        l1, pk = bound_of(h_lr, hf_lr)
        ec = max(es + _fit_shift(common), _shift_for(pick(l1, pk)))
        q = _quantize_fir(common * 2.0 ** -(ec - es), f"path {p.name} common")
        fir_err[f"{p.name} common"] = _fir_error_db(common, _fir_deq(q, ec - es))
        qpaths_common.append((q, ec))
        bounds.append(StageBound(f"path {p.name} common", l1, pk, ec, _clip_db(l1, ec)))

    # ---- drivers: sum exponent Ez_d from feeds and their sum
    feed_ir = {}  # (p, d) -> (h_lr, hf_lr) true, from (L, R) to feed
    ez = []
    for d in range(nd):
        need = 0
        sum_t = [np.zeros(1), np.zeros(1)]
        sum_f = [np.zeros(len(w), complex), np.zeros(len(w), complex)]
        for i, p in enumerate(design.paths):
            r = np.asarray(p.ratio[d], dtype=np.float64)
            if len(r) == 0:
                continue
            h_lr, hf_lr = path_ir[i]
            rf = freqz(r, worN=w)[1]
            ht = [np.convolve(h, r) for h in h_lr]
            hf = [h * rf for h in hf_lr]
            feed_ir[i, d] = (ht, hf)
            l1, pk = bound_of(ht, hf)
            ec = qpaths_common[i][1]
            need = max(need, ec + _fit_shift(r), _shift_for(pick(l1, pk)))
            for k in range(2):
                sum_t[k] = _add(sum_t[k], ht[k])
                sum_f[k] = sum_f[k] + hf[k]
        l1, pk = bound_of(sum_t, sum_f)
        need = max(need, _shift_for(pick(l1, pk)))
        ez.append(need)
        bounds.append(StageBound(f"driver {design.drivers[d].id} sum", l1, pk, need,
                                 _clip_db(l1, need)))
        for i, _p in enumerate(design.paths):
            if (i, d) in feed_ir:
                ht, hf = feed_ir[i, d]
                fl1, fpk = bound_of(ht, hf)
                if _clip_db(fl1, need) > 0:
                    bounds.append(StageBound(f"feed {design.paths[i].name}->"
                                             f"{design.drivers[d].id}", fl1, fpk, need,
                                             _clip_db(fl1, need)))
        feed_ir[d] = (sum_t, sum_f)

    # ---- ratio tables at their final scale
    qpaths = []
    for i, p in enumerate(design.paths):
        qc, ec = qpaths_common[i]
        ratios, rshifts = [], []
        for d in range(nd):
            r = np.asarray(p.ratio[d], dtype=np.float64)
            if len(r) == 0:
                ratios.append(np.zeros(0, np.int32))
                rshifts.append(0)
                continue
            s = ez[d] - ec
            q = _quantize_fir(r * 2.0**-s, f"path {p.name} ratio -> {design.drivers[d].id}")
            fir_err[f"{p.name}->{design.drivers[d].id}"] = _fir_error_db(r, _fir_deq(q, s))
            ratios.append(q)
            rshifts.append(s)
        qpaths.append(QPath(p.name, int(p.source), int(p.delay), qc, int(ec), tuple(ratios),
                            tuple(int(s) for s in rshifts)))

    # ---- driver stages
    qdrivers = []
    drv_err, drv_dev, radius, noise, ps_notes, out_clip = {}, {}, {}, {}, [], []
    for d, st in enumerate(design.drivers):
        sos = np.asarray(st.sos, dtype=np.float64)
        sum_t, sum_f = feed_ir[d]
        n_ir = _ir_length(sos)
        x_t = [_pad(h, n_ir + len(h)) for h in sum_t]
        e = ez[d]
        ts, coeffs, pss = [], [], []
        sec_t = x_t
        sec_f = sum_f
        sec_bounds = []
        for k in range(len(sos)):
            sec_t = [sosfilt(sos[k:k + 1], h) for h in sec_t]
            hk = sosfreqz(sos[k:k + 1], worN=w)[1]
            sec_f = [h * hk for h in sec_f]
            l1, pk = bound_of(sec_t, sec_f)
            t = max(0, _shift_for(pick(l1, pk)) - e)
            e += t
            ts.append(t)
            sec_bounds.append((l1, pk, e))
            bounds.append(StageBound(f"driver {st.id} section {k}", l1, pk, e,
                                     _clip_db(l1, e)))
            row = sos[k].copy()
            row[:3] *= 2.0**-t
            c, ps = _section_q31(row, f"driver {st.id} section {k}", ar)
            coeffs.append(c)
            pss.append(ps)
            if ps > 1:
                ps_notes.append(f"driver {st.id} section {k} needs post_shift {ps} "
                                f"(largest |coef| {np.max(np.abs(row)):.4f})")
        coeffs = np.array(coeffs, dtype=np.int32).reshape(-1, 5)
        pss = np.array(pss, dtype=np.int32)
        ts = np.array(ts, dtype=np.int32)
        qsos = _sos_deq(coeffs, pss, ts)
        # stability with margin
        for k in range(len(qsos)):
            r = float(np.max(np.abs(np.roots([1.0, qsos[k, 4], qsos[k, 5]]))))
            radius[f"driver {st.id} section {k}"] = r
            if r > 1.0 - pole_margin:
                raise CheckFailed(
                    f"driver {st.id} section {k}: quantized pole radius {r:.8f} exceeds "
                    f"1 - {pole_margin:g} (float design {_radius(sos[k]):.8f}); "
                    "unstable or too close to the unit circle")
        # gain with the exponent folded in
        g_eff = st.gain * 2.0**e
        try:
            gf, gs = quantize_gain_q31(g_eff)
        except ValueError as err:
            raise CheckFailed(f"driver {st.id} gain: {err}") from None
        # response check
        hq = sosfreqz(qsos, worN=w)[1] * (gf * 2.0 ** (gs - 31 - e))  # qsos is true scale
        h = sosfreqz(sos, worN=w)[1] * st.gain
        peak = _peak(h[audio])
        err_db = 20 * math.log10(max(_peak((hq - h)[audio]) / peak, 1e-300))
        pb = audio & (np.abs(h) > peak * 1e-3)
        dev = float(np.max(np.abs(20 * np.log10(np.abs(hq[pb]) / np.abs(h[pb])))))
        drv_err[st.id], drv_dev[st.id] = err_db, dev
        if dev > mag_tol_db:
            f_at = grid[pb][int(np.argmax(np.abs(20 * np.log10(np.abs(hq[pb]) / np.abs(h[pb])))))]
            raise CheckFailed(f"driver {st.id} stage: quantized magnitude deviates {dev:.4g} dB "
                              f"from the float design at {f_at:.1f} Hz (tolerance "
                              f"{mag_tol_db:g} dB)")
        if err_db > tolerance_db:
            raise CheckFailed(f"driver {st.id} stage: quantized response error {err_db:.1f} dB "
                              f"re peak exceeds the tolerance {tolerance_db:g} dB")
        # kernel choice from predicted DF1 truncation noise at the driver output
        kernels = []
        for k in range(len(sos)):
            nz = _df1_noise_dbfs(sos, k, sec_bounds[k][2], st.gain)
            noise[f"driver {st.id} section {k}"] = nz
            kernels.append(KERNEL_32X64 if nz > df1_noise_limit_dbfs else KERNEL_DF1)
        if force_kernel is not None:
            kernels = [force_kernel] * len(sos)
        out_l1 = sec_bounds[-1][0] * st.gain if len(sos) else 0.0
        out_pk = sec_bounds[-1][1] * st.gain if len(sos) else 0.0
        ob = pick(out_l1, out_pk)
        if ob > 1.0:
            out_clip.append(f"driver {st.id} can exceed full scale by "
                            f"{20 * math.log10(ob):.2f} dB ({headroom} bound {ob:.3f}); "
                            "the gain stage saturates there")
        qdrivers.append(QDriver(st.id, int(ez[d]), coeffs, pss,
                                np.array(kernels, dtype=np.int32), ts, int(gf), int(gs),
                                int(st.delay)))
    for name, v in fir_err.items():
        if v > tolerance_db:
            raise CheckFailed(f"FIR {name}: quantization error {v:.1f} dB exceeds the "
                              f"tolerance {tolerance_db:g} dB")
    radius.update(report_acc["radius"])
    noise.update(report_acc["noise"])
    drv_err.update(report_acc["err"])
    drv_dev.update(report_acc["dev"])
    report = QuantReport(headroom, tuple(bounds), fir_err, drv_err, drv_dev, radius,
                         tuple(ps_notes), noise, tuple(out_clip))
    upmix, up_tables = _quantize_upmix(design)
    return QuantizedChain(design.profile_name, int(design.fs), ar.target,
                          int(design.block_size), int(design.output_word), bool(dither),
                          upmix, tuple(qpaths), tuple(qdrivers), report, qvirt,
                          upmix_tables=up_tables)


def _quantize_upmix(design: ChainDesign) -> tuple[int, UpmixTables | None]:
    """(upmix kind, tables): adaptive (mode 1, the float chain's `adaptive_upmix`
    design quantized) when the design's upmix_mode is "adaptive", else passive.
    The headroom plan above bounds the paths through the passive matrix; the
    adaptive C = w M (0 <= w <= 1 per bin) stays within it up to the STFT's
    time-varying-gain overshoot."""
    from dsp_model import float_chain

    if design.upmix_mode != "adaptive":
        return UPMIX_PASSIVE, None
    return UPMIX_ADAPTIVE, quantize_upmix(float_chain.adaptive_upmix(design).design)


def _quantize_fir(taps: np.ndarray, name: str) -> np.ndarray:
    try:
        return quantize_fir_q31(taps)
    except ValueError as err:
        raise CheckFailed(f"{name}: {err}") from None


def _fir_error_db(h: np.ndarray, hq: np.ndarray) -> float:
    n = float(np.sqrt(np.sum(h**2)))
    if n == 0.0:
        return -math.inf
    e = float(np.sqrt(np.sum((hq - h) ** 2)))
    return 20 * math.log10(e / n) if e > 0 else -math.inf


def _radius(row: np.ndarray) -> float:
    return float(np.max(np.abs(np.roots([1.0, row[4], row[5]]))))


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = max(len(a), len(b))
    return _pad(a, n) + _pad(b, n)


def _pad(a: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n)
    out[: len(a)] = a
    return out


def _df1_noise_dbfs(sos: np.ndarray, k: int, e_k: int, gain: float) -> float:
    """Predicted DF1 q31 output-truncation noise of section k at the driver output.

    The floor error of section k's output (uniform in (-1, 0] LSB: mean -1/2,
    variance 1/12) is injected at exponent e_k and shaped by 1/A_k(z) (it feeds
    back) and by the later sections and the gain. Returns RMS in dBFS
    (true units) of variance * ||h||^2 + (bias * H(1))^2."""
    a = np.array([1.0, sos[k, 4], sos[k, 5]])
    n = _ir_length(sos[k:])
    imp = np.zeros(n)
    imp[0] = 1.0
    h = lfilter([1.0], a, imp)
    if k + 1 < len(sos):
        h = sosfilt(sos[k + 1:], h)
    h = h * gain
    dc = float(np.sum(h))
    lsb = 2.0 ** (e_k - 31)
    var = lsb**2 * (np.sum(h**2) / 12.0 + 0.25 * dc**2)
    return 10 * math.log10(max(var, 1e-300))


# ------------------------------------------------------------------ virtualizer
def _cascade_ir(sos: np.ndarray, n: int) -> np.ndarray:
    imp = np.zeros(n)
    imp[0] = 1.0
    return sosfilt(sos, imp) if len(sos) else imp


def _source_to_driver_irs(design, source: int, n_tail: int) -> list[np.ndarray]:
    """True impulse response from a source (upmix or virtualizer output) to every
    driver's output: its paths, the driver sections and gain (noise transfer)."""
    out = []
    for st in design.drivers:
        h = np.zeros(1)
        d = design.drivers.index(st)
        for p in design.paths:
            r = np.asarray(p.ratio[d], dtype=np.float64)
            if p.source != source or len(r) == 0:
                continue
            hp = np.convolve(np.concatenate([np.zeros(p.delay), np.asarray(p.common, float)]), r)
            h = _add(h, hp)
        sos = np.asarray(st.sos, dtype=np.float64)
        h = sosfilt(sos, _pad(h, len(h) + _ir_length(sos))) * st.gain if len(sos) else h * st.gain
        out.append(h)
    return out


def _quantize_virtualizer(design, v, w, ar, headroom, pick, bound_of, bounds, pole_margin,
                          tolerance_db, mag_tol_db, audio, grid, noise_limit, force_kernel,
                          report_acc):
    """Quantize the virtualizer: per-section headroom shifts for the ipsi and
    contra cascades (input L' or R', bound through the passive upmix), one common
    exponent at their outputs, a pass-through section where a cascade is empty
    but must be scaled, checks as for a driver stage, kernel by predicted noise
    at the drivers. Returns the true responses of e_L, e_R from (L, R) (time and
    frequency), their exponent and the QVirtualizer."""
    g = PASSIVE_UPMIX[0]  # L' from (L, R); R' is the mirror image
    cas = {"ipsi": np.asarray(v.ipsi_sos, float).reshape(-1, 6),
           "contra": np.asarray(v.contra_sos, float).reshape(-1, 6)}
    delay = {"ipsi": 0, "contra": int(v.contra_delay)}
    n = max(_ir_length(c) for c in cas.values()) + int(v.contra_delay) + 64
    irs = {k: np.concatenate([np.zeros(delay[k]), _cascade_ir(c, n)])[:n]
           for k, c in cas.items()}
    # e_L from (L, R): ipsi on L' (g) plus contra on R' (-g)
    e_t = [g[0] * irs["ipsi"] - g[0] * irs["contra"], g[1] * irs["ipsi"] - g[1] * irs["contra"]]
    e_f = [np.fft.rfft(h, 2 * n) for h in e_t]  # for the peak bound only
    e_l1 = float(sum(np.sum(np.abs(h)) for h in e_t))
    e_pk = float(np.max(sum(np.abs(h) for h in e_f)))
    # per-section exponents (input exponent 0, |L'| <= 1)
    plan = {}
    for k, c in cas.items():
        e, ts, sec_b = 0, [], []
        for j in range(len(c)):
            h = _cascade_ir(c[:j + 1], n)
            l1 = float(np.sum(np.abs(h)))
            pk = float(np.max(np.abs(sosfreqz(c[:j + 1], worN=w)[1])))
            t = max(0, _shift_for(pick(l1, pk)) - e)
            e += t
            ts.append(t)
            sec_b.append((l1, pk))
        plan[k] = (e, ts, sec_b)
    ev = max(plan["ipsi"][0], plan["contra"][0], _shift_for(pick(e_l1, e_pk)))
    bounds.append(StageBound("virtualizer e_L/e_R", e_l1, e_pk, ev, _clip_db(e_l1, ev)))
    e_drv = {s: _source_to_driver_irs(design, s, n) for s in (3, 4)}
    qc = {}
    for k, c in cas.items():
        e_fin, ts, sec_b = plan[k]
        if len(c) == 0 and ev > 0:  # an identity cascade that must be scaled
            c = np.array([[1.0, 0, 0, 1.0, 0, 0]])
            ts, sec_b = [0], [(1.0, 1.0)]
        if len(c):
            ts[-1] += ev - e_fin
        e = 0
        coeffs, pss = [], []
        for j in range(len(c)):
            e += ts[j]
            l1, pk = sec_b[j]
            bounds.append(StageBound(f"virtualizer {k} section {j}", l1, pk, e, _clip_db(l1, e)))
            row = c[j].copy()
            row[:3] *= 2.0 ** -ts[j]
            cq, ps = _section_q31(row, f"virtualizer {k} section {j}", ar)
            coeffs.append(cq)
            pss.append(ps)
        coeffs = np.array(coeffs, dtype=np.int32).reshape(-1, 5)
        pss = np.array(pss, dtype=np.int32)
        ts = np.array(ts, dtype=np.int32)
        kernels = []
        if len(c):
            qsos = _sos_deq(coeffs, pss, ts)
            for j in range(len(qsos)):
                r = _radius(qsos[j])
                report_acc["radius"][f"virtualizer {k} section {j}"] = r
                if r > 1.0 - pole_margin:
                    raise CheckFailed(f"virtualizer {k} section {j}: quantized pole radius "
                                      f"{r:.8f} exceeds 1 - {pole_margin:g}")
            hq = sosfreqz(qsos, worN=w)[1]
            h = sosfreqz(c, worN=w)[1]
            peak = _peak(h[audio])
            err_db = 20 * math.log10(max(_peak((hq - h)[audio]) / peak, 1e-300))
            pb = audio & (np.abs(h) > peak * 1e-3)
            dev = float(np.max(np.abs(20 * np.log10(np.abs(hq[pb]) / np.abs(h[pb])))))
            report_acc["err"][f"virtualizer {k}"] = err_db
            report_acc["dev"][f"virtualizer {k}"] = dev
            if dev > mag_tol_db:
                raise CheckFailed(f"virtualizer {k}: quantized magnitude deviates {dev:.4g} dB "
                                  f"from the float design (tolerance {mag_tol_db:g} dB)")
            if err_db > tolerance_db:
                raise CheckFailed(f"virtualizer {k}: quantized response error {err_db:.1f} dB "
                                  f"re peak exceeds the tolerance {tolerance_db:g} dB")
            e = 0
            for j in range(len(c)):
                e += int(ts[j])
                nz = max(_cascade_noise_dbfs(c, j, e, hd) for s in (3, 4) for hd in e_drv[s])
                report_acc["noise"][f"virtualizer {k} section {j}"] = nz
                kernels.append(KERNEL_32X64 if nz > noise_limit else KERNEL_DF1)
            if force_kernel is not None:
                kernels = [force_kernel] * len(c)
        qc[k] = QCascade(coeffs, pss, np.array(kernels, dtype=np.int32), ts)
    q = QVirtualizer(int(v.contra_delay), int(ev), qc["ipsi"], qc["contra"])
    # e_R is e_L mirrored: from (L, R) it is (e_L from R, e_L from L)
    e_tf = [[e_t[0], e_t[1]], [e_t[1], e_t[0]]]
    e_ff = []
    for ht in e_tf:
        e_ff.append([freqz(h, worN=w)[1] for h in ht])
    return e_tf, e_ff, int(ev), q


def _cascade_noise_dbfs(sos: np.ndarray, k: int, e_k: int, h_after: np.ndarray) -> float:
    """DF1 truncation noise of section k of a cascade (see `_df1_noise_dbfs`),
    through the rest of the cascade and then `h_after` (true units)."""
    a = np.array([1.0, sos[k, 4], sos[k, 5]])
    n = _ir_length(sos[k:])
    imp = np.zeros(n)
    imp[0] = 1.0
    h = lfilter([1.0], a, imp)
    if k + 1 < len(sos):
        h = sosfilt(sos[k + 1:], h)
    h = np.convolve(h, h_after)
    dc = float(np.sum(h))
    lsb = 2.0 ** (e_k - 31)
    var = lsb**2 * (np.sum(h**2) / 12.0 + 0.25 * dc**2)
    return 10 * math.log10(max(var, 1e-300))
