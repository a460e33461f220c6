"""Load and validate TOML device profiles, reporting every problem at once."""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ._schema import (
    EQ_TYPES,
    HEADS,
    ROLES,
    SAMPLE_RATES,
    TARGETS,
    UPMIX_DECISIONS,
    UPMIX_DIRECTIVITY_WEIGHTS,
    UPMIX_HOLD_DIV,
    UPMIX_MODES,
    UPMIX_WIDTH_BANDS,
    BeamformerSettings,
    CrossoverSettings,
    CtcSettings,
    Driver,
    LimiterSettings,
    Listener,
    OutputSettings,
    Profile,
    UpmixHold,
    UpmixSettings,
    VirtualizerSettings,
    unit,
)
from .errors import ProfileError, UserError

BUNDLED_DIR = Path(__file__).resolve().parent
DEFAULT_PROFILE = "studio5"
MAX_DEVICE_EXTENT = 0.5  # m: a driver farther than this from the centre is a typo

_ALLOWED = {
    "": {"device", "listener", "drivers", "upmix", "virtualizer", "ctc", "beamformer",
         "crossover", "output", "limiter"},
    "device": {"name", "description", "sample_rate", "target", "block_size", "mips_budget"},
    "listener": {"distance", "virtual_angle", "head_radius", "ear_angle", "head",
                 "heads"},
    "drivers": {"id", "role", "position", "orientation", "radius", "band", "gain_db",
                "delay_samples", "eq"},
    "eq": {"type", "hz", "q", "gain_db"},
    "upmix": {"fft_size", "hop", "smoothing_ms", "synthesis_size", "decision", "mode",
              "diffuse", "directivity_weight", "center_width", "hold", "side_attack"},
    "upmix.hold": {"onset", "release_db", "drift_ms", "max_hz", "steering_ms"},
    "virtualizer": {"lowpass_order", "allpass_order"},
    "ctc": {"drivers", "target", "effort_limit_db", "common_taps", "ratio_taps",
            "driver_ratio_taps"},
    "beamformer": {"drivers", "band", "null_angles", "listening_window", "wng_min_db", "taps"},
    "crossover": {"order", "bands"},
    "output": {"word_length", "dither", "tolerance_db"},
    "limiter": {"threshold_db", "lookahead_ms", "attack_ms", "release_ms", "program_gr_db",
                "program_percent"},
}


class _Checker:
    """Pulls typed values out of nested dicts, recording problems instead of raising."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, key: str, msg: str) -> None:
        self.problems.append(f"{key}: {msg}")

    def unknown(self, table: dict, kind: str, where: str) -> None:
        for k in table:
            if k not in _ALLOWED[kind]:
                allowed = ", ".join(sorted(_ALLOWED[kind]))
                self.fail(f"{where}{k}" if where else k, f"unknown key (allowed: {allowed})")

    def table(self, data: dict, key: str, where: str = "") -> dict:
        v = data.get(key)
        if v is None:
            self.fail(where + key, "missing table")
            return {}
        if not isinstance(v, dict):
            self.fail(where + key, "must be a table")
            return {}
        return v

    def num(self, data: dict, key: str, where: str, lo: float, hi: float,
            default: float | None = None, integer: bool = False) -> float:
        name = where + key
        if key not in data:
            if default is not None:
                return default
            self.fail(name, f"missing (expected a number in [{lo:g}, {hi:g}])")
            return lo
        v = data[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (
                integer and not isinstance(v, int)):
            kind = "an integer" if integer else "a number"
            self.fail(name, f"{v!r} is not {kind} (expected [{lo:g}, {hi:g}])")
            return lo
        if not (lo <= v <= hi) or (isinstance(v, float) and not math.isfinite(v)):
            self.fail(name, f"{v:g} is out of range [{lo:g}, {hi:g}]")
        return v

    def choice(self, data: dict, key: str, where: str, options: tuple, default=None):
        name = where + key
        if key not in data:
            if default is not None:
                return default
            self.fail(name, f"missing (one of {', '.join(map(str, options))})")
            return options[0]
        v = data[key]
        if v not in options:
            self.fail(name, f"{v!r} is not one of {', '.join(map(str, options))}")
            return options[0]
        return v

    def string(self, data: dict, key: str, where: str, default: str | None = None) -> str:
        v = data.get(key, default)
        if not isinstance(v, str) or not v:
            self.fail(where + key, "missing or not a non-empty string")
            return "?"
        return v

    def vector(self, data: dict, key: str, where: str, n: int, lo: float, hi: float,
               default: tuple | None = None) -> tuple[float, ...]:
        name = where + key
        v = data.get(key, default)
        if v is None:
            self.fail(name, f"missing (expected {n} numbers)")
            return (0.0,) * n
        ok = (isinstance(v, (list, tuple)) and len(v) == n
              and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in v))
        if not ok:
            self.fail(name, f"{v!r} is not a list of {n} numbers")
            return (0.0,) * n
        for c in v:
            if not (lo <= c <= hi):
                self.fail(name, f"{list(v)} has a value outside [{lo:g}, {hi:g}]")
                break
        return tuple(float(c) for c in v)

    def band(self, data: dict, key: str, where: str, nyquist: float,
             default: tuple | None = None, zero_ok: bool = False) -> tuple[float, float]:
        lo, hi = self.vector(data, key, where, 2, 0.0, 1e6, default)
        name = where + key
        if hi > nyquist:
            self.fail(name, f"upper edge {hi:g} Hz is above Nyquist ({nyquist:g} Hz)")
        if lo > nyquist:
            self.fail(name, f"lower edge {lo:g} Hz is above Nyquist ({nyquist:g} Hz)")
        if not (zero_ok and (lo == 0 or hi == 0)) and not lo < hi:
            self.fail(name, f"[{lo:g}, {hi:g}] must be increasing (low < high, Hz)")
        return (lo, hi)

    def ids(self, data: dict, key: str, where: str, known: tuple[str, ...]) -> tuple[str, ...]:
        v = data.get(key)
        name = where + key
        if not isinstance(v, list) or not v or not all(isinstance(s, str) for s in v):
            self.fail(name, "missing or not a non-empty list of driver ids")
            return ()
        for s in v:
            if s not in known:
                self.fail(name, f"driver {s!r} is not defined (drivers: {', '.join(known)})")
        if len(set(v)) != len(v):
            self.fail(name, "lists a driver twice")
        return tuple(v)


def parse_profile(data: dict[str, Any], source: str = "<profile>") -> Profile:
    """Validate a parsed TOML document; raise ProfileError listing every problem."""
    c = _Checker()
    c.unknown(data, "", "")

    dev = c.table(data, "device")
    c.unknown(dev, "device", "device.")
    name = c.string(dev, "name", "device.")
    fs = c.choice(dev, "sample_rate", "device.", SAMPLE_RATES)
    nyq = fs / 2.0
    target = c.choice(dev, "target", "device.", TARGETS)
    block = int(c.num(dev, "block_size", "device.", 1, 4096, default=64, integer=True))
    mips = c.num(dev, "mips_budget", "device.", 1, 100000)

    lis = c.table(data, "listener")
    c.unknown(lis, "listener", "listener.")
    listener = Listener(
        distance=c.num(lis, "distance", "listener.", 0.3, 10.0),
        virtual_angle=c.num(lis, "virtual_angle", "listener.", 5.0, 90.0, default=30.0),
        head_radius=c.num(lis, "head_radius", "listener.", 0.05, 0.15, default=0.0875),
        ear_angle=c.num(lis, "ear_angle", "listener.", 45.0, 135.0, default=90.0),
        head=_parse_head(c, lis, "head", "listener.", source),
        heads=_parse_heads(c, lis, "listener.", source),
    )
    if listener.heads:
        listener = replace(listener, head=listener.heads[0])

    drivers = _parse_drivers(c, data, nyq)
    ids = tuple(d.id for d in drivers)

    up = c.table(data, "upmix")
    c.unknown(up, "upmix", "upmix.")
    fft_size = int(c.num(up, "fft_size", "upmix.", 64, 8192, default=512, integer=True))
    if fft_size & (fft_size - 1):
        c.fail("upmix.fft_size", f"{fft_size} is not a power of two")
    hop = int(c.num(up, "hop", "upmix.", 16, 2048, default=fft_size // 4, integer=True))
    if hop > fft_size:
        c.fail("upmix.hop", f"{hop} is larger than fft_size ({fft_size})")
    cap = int(1024 * fs / 48000) + 1  # latency cap 1024 samples at 48 kHz, in samples + 1
    synth = int(c.num(up, "synthesis_size", "upmix.", 64, 8192, integer=True,
                      default=min(fft_size, 1024, max(2 * hop, cap // hop * hop))))
    if synth > fft_size or synth % hop or synth < 2 * hop:
        c.fail("upmix.synthesis_size", f"{synth} must be <= fft_size ({fft_size}) and a multiple"
               f" of hop ({hop}), at least 2 hops")
    if synth > cap:
        c.fail("upmix.synthesis_size", f"{synth} at {fs} Hz is {(synth - 1) / fs * 1e3:.1f} ms"
               " of latency (cap 21.3 ms)")
    mode = c.choice(up, "mode", "upmix.", UPMIX_MODES, default="passive")
    if mode == "adaptive" and not 512 <= fft_size <= 4096:
        c.fail("upmix.fft_size", f"{fft_size}: the adaptive upmix runs on the device's "
               "arm_cfft_q31, 512..4096 points (its inverse: half that, from 256; or set "
               "mode = \"passive\")")
    diffuse = c.vector(up, "diffuse", "upmix.", 2, 0.0, 1.0) if "diffuse" in up else None
    if diffuse is not None and not diffuse[0] < diffuse[1]:
        c.fail("upmix.diffuse", f"{list(diffuse)}: the lower threshold must be below the upper")
    upmix = UpmixSettings(fft_size, hop, c.num(up, "smoothing_ms", "upmix.", 1.0, 2000.0,
                                               default=80.0), synth,
                          c.choice(up, "decision", "upmix.", UPMIX_DECISIONS, default="inphase"),
                          mode, diffuse,
                          c.choice(up, "directivity_weight", "upmix.", UPMIX_DIRECTIVITY_WEIGHTS,
                                   default="power"),
                          _parse_widths(c, up, "upmix.center_width", nyq),
                          _parse_hold(c, up, nyq),
                          c.num(up, "side_attack", "upmix.", 0.0, 1.0, default=0.0))

    vz = c.table(data, "virtualizer")
    c.unknown(vz, "virtualizer", "virtualizer.")
    virt = VirtualizerSettings(
        int(c.num(vz, "lowpass_order", "virtualizer.", 1, 8, default=2, integer=True)),
        int(c.num(vz, "allpass_order", "virtualizer.", 1, 8, default=2, integer=True)),
    )

    ct = c.table(data, "ctc")
    c.unknown(ct, "ctc", "ctc.")
    ctc = CtcSettings(
        drivers=c.ids(ct, "drivers", "ctc.", ids),
        target=_parse_curve(c, ct, "target", "ctc.", nyq),
        effort_limit_db=c.num(ct, "effort_limit_db", "ctc.", 0.0, 40.0),
        common_taps=int(c.num(ct, "common_taps", "ctc.", 8, 8192, default=256, integer=True)),
        ratio_taps=int(c.num(ct, "ratio_taps", "ctc.", 1, 4096, default=64, integer=True)),
    )
    ctc = replace(ctc, driver_ratio_taps=_parse_driver_taps(c, ct, ctc.drivers, ctc.ratio_taps))
    if len(ctc.drivers) == 1:
        c.fail("ctc.drivers", "crosstalk cancellation needs at least 2 drivers")

    bf = c.table(data, "beamformer")
    c.unknown(bf, "beamformer", "beamformer.")
    nulls = bf.get("null_angles", [-90.0, 90.0])
    if (not isinstance(nulls, list) or not nulls
            or not all(isinstance(a, (int, float)) and -180 <= a <= 180 for a in nulls)):
        c.fail("beamformer.null_angles", f"{nulls!r} is not a list of angles in [-180, 180] deg")
        nulls = [-90.0, 90.0]
    beam = BeamformerSettings(
        drivers=c.ids(bf, "drivers", "beamformer.", ids),
        band=c.band(bf, "band", "beamformer.", nyq),
        null_angles=tuple(float(a) for a in nulls),
        listening_window=c.num(bf, "listening_window", "beamformer.", 0.0, 90.0, default=45.0),
        wng_min_db=c.num(bf, "wng_min_db", "beamformer.", -40.0, 10.0, default=-10.0),
        taps=int(c.num(bf, "taps", "beamformer.", 1, 4096, default=64, integer=True)),
    )

    xo = c.table(data, "crossover")
    c.unknown(xo, "crossover", "crossover.")
    order = int(c.num(xo, "order", "crossover.", 2, 8, default=4, integer=True))
    if order % 2:
        c.fail("crossover.order", f"{order} is odd (Linkwitz-Riley orders are even)")
    bands_raw = xo.get("bands", {})
    bands: dict[str, tuple[float, float]] = {}
    if not isinstance(bands_raw, dict):
        c.fail("crossover.bands", "must be a table of role = [high-pass Hz, low-pass Hz]")
    else:
        for role, _ in bands_raw.items():
            if role not in ROLES:
                c.fail(f"crossover.bands.{role}", f"unknown role (one of {', '.join(ROLES)})")
                continue
            bands[role] = c.band(bands_raw, role, "crossover.bands.", nyq, zero_ok=True)
        for d in drivers:
            if d.role not in bands:
                c.fail("crossover.bands", f"no band for role {d.role!r} (driver {d.id!r})")

    out = c.table(data, "output")
    c.unknown(out, "output", "output.")
    dither = out.get("dither", False)
    if not isinstance(dither, bool):
        c.fail("output.dither", f"{dither!r} is not true/false")
        dither = False
    max_word = 32 if target == "cmsis-q31" else 16
    output = OutputSettings(
        word_length=int(c.num(out, "word_length", "output.", 8, max_word, default=max_word,
                              integer=True)),
        dither=dither,
        tolerance_db=c.num(out, "tolerance_db", "output.", -200.0, 0.0, default=-100.0),
    )

    if output.dither and output.word_length >= max_word:
        c.fail("output.dither", f"dither needs a DAC word shorter than {max_word} bits "
               f"(word_length is {output.word_length})")
    limiter = _parse_limiter(c, data, fs)
    if c.problems:
        raise ProfileError(source, c.problems)
    return Profile(
        name=name, description=str(dev.get("description", "")), sample_rate=fs,
        target=target, block_size=block, mips_budget=mips, drivers=drivers,
        listener=listener, upmix=upmix, virtualizer=virt, ctc=ctc, beamformer=beam,
        crossover=CrossoverSettings(order, bands), output=output, source=source,
        limiter=limiter,
    )


def _parse_limiter(c: _Checker, data: dict, fs: int) -> LimiterSettings | None:
    """[limiter] (optional: without it the chain has no limiter)."""
    if "limiter" not in data:
        return None
    lim = c.table(data, "limiter")
    c.unknown(lim, "limiter", "limiter.")
    la = c.num(lim, "lookahead_ms", "limiter.", 0.0, 2.0, default=1.5)
    att = c.num(lim, "attack_ms", "limiter.", 0.0, 2.0, default=1.3)
    if round(att * fs / 1000.0) > round(la * fs / 1000.0) + 1:
        c.fail("limiter.attack_ms", f"{att:g} ms is longer than lookahead_ms ({la:g} ms) plus "
               "one sample: the gain would not be down when the peak arrives")
    return LimiterSettings(
        threshold_db=c.num(lim, "threshold_db", "limiter.", -20.0, 0.0, default=-0.5),
        lookahead_ms=la, attack_ms=att,
        release_ms=c.num(lim, "release_ms", "limiter.", 1.0, 2000.0, default=80.0),
        program_gr_db=c.num(lim, "program_gr_db", "limiter.", 0.0, 20.0, default=3.0),
        program_percent=c.num(lim, "program_percent", "limiter.", 50.0, 100.0, default=99.0),
    )


def _parse_drivers(c: _Checker, data: dict, nyq: float) -> tuple[Driver, ...]:
    raw = data.get("drivers")
    if not isinstance(raw, list) or not raw:
        c.fail("drivers", "missing (expected at least one [[drivers]] table)")
        return ()
    out = []
    seen: set[str] = set()
    for i, dr in enumerate(raw):
        w = f"drivers[{i}]."
        if not isinstance(dr, dict):
            c.fail(f"drivers[{i}]", "must be a table")
            continue
        c.unknown(dr, "drivers", w)
        did = c.string(dr, "id", w)
        if did in seen:
            c.fail(w + "id", f"{did!r} is used by another driver")
        seen.add(did)
        pos = c.vector(dr, "position", w, 3, -MAX_DEVICE_EXTENT, MAX_DEVICE_EXTENT)
        ori = c.vector(dr, "orientation", w, 3, -1e3, 1e3)
        if all(o == 0 for o in ori):
            c.fail(w + "orientation", "is the zero vector (expected the driver's axis)")
            ori = (0.0, 1.0, 0.0)
        ori = unit(ori)
        # The device's front faces the listener (+y). A driver mounted in the
        # back half *and* firing backward can never reach the listener directly.
        if pos[1] < 0 and ori[1] < -0.5:
            c.fail(w + "position", f"{list(pos)} with orientation {[round(o, 2) for o in ori]}"
                   " is behind the device firing away from the listener (y must be >= 0"
                   " or the driver must not face -y)")
        eq = dr.get("eq", [])
        if not isinstance(eq, list):
            c.fail(w + "eq", "must be a list of {type, hz, q, gain_db} tables")
            eq = []
        for j, e in enumerate(eq):
            we = f"{w}eq[{j}]."
            if not isinstance(e, dict):
                c.fail(f"{w}eq[{j}]", "must be a table")
                continue
            c.unknown(e, "eq", we)
            c.choice(e, "type", we, EQ_TYPES)
            c.num(e, "hz", we, 10.0, nyq * 0.95)
            c.num(e, "q", we, 0.1, 20.0, default=0.707)
            c.num(e, "gain_db", we, -24.0, 12.0)
        out.append(Driver(
            id=did,
            role=c.choice(dr, "role", w, ROLES),
            position=pos,
            orientation=ori,
            radius=c.num(dr, "radius", w, 0.003, 0.2),
            band=c.band(dr, "band", w, nyq),
            gain_db=c.num(dr, "gain_db", w, -60.0, 12.0, default=0.0),
            delay_samples=int(c.num(dr, "delay_samples", w, 0, 4096, default=0, integer=True)),
            eq=tuple(e for e in eq if isinstance(e, dict)),
        ))
    return tuple(out)


def parse_head(value, base: str | Path | None = None) -> str:
    """A head choice: one of HEADS, or a path to a .sofa file (relative to `base`, a
    folder, when given). Raises a one-line UserError for anything else. The file
    itself is read (and checked) by dsp_model.heads.head_for."""
    if isinstance(value, str) and value.strip() in HEADS:
        return value.strip()
    if not isinstance(value, str) or not value.strip().lower().endswith(".sofa"):
        raise UserError(f"head {value!r} is not one of {', '.join(HEADS)} or a path to a "
                        ".sofa file")
    p = Path(value.strip()).expanduser()
    if base is not None and not p.is_absolute():
        p = Path(base) / p
    return str(p)


def _parse_head(c: _Checker, data: dict, key: str, where: str, source: str) -> str:
    v = data.get(key, "sphere")
    base = Path(source).parent if source and not source.startswith("<") else None
    try:
        return parse_head(v, base)
    except UserError:
        c.fail(where + key, f"{v!r} is not one of {', '.join(HEADS)} or a path to a .sofa "
               "file")
        return "sphere"


def _parse_heads(c: _Checker, data: dict, where: str, source: str) -> tuple[str, ...]:
    """`heads`: a list of distinct head choices, and then no `head` beside it."""
    if "heads" not in data:
        return ()
    v = data["heads"]
    if "head" in data:
        c.fail(where + "heads", "set either head (one head) or heads (a list, designed on "
               "together), not both")
        return ()
    if not isinstance(v, list) or not v:
        c.fail(where + "heads", f"{v!r} is not a non-empty list of heads (sphere, kemar or "
               "paths to .sofa files)")
        return ()
    base = Path(source).parent if source and not source.startswith("<") else None
    out = []
    for i, h in enumerate(v):
        try:
            out.append(parse_head(h, base))
        except UserError:
            c.fail(f"{where}heads[{i}]", f"{h!r} is not one of {', '.join(HEADS)} or a path "
                   "to a .sofa file")
            return ()
    if len(set(out)) < len(out):
        c.fail(where + "heads", f"{v!r} lists a head twice")
        return ()
    return tuple(out)


def _parse_driver_taps(c: _Checker, data: dict, drivers: tuple[str, ...],
                       ratio_taps: int) -> dict[str, int]:
    """[ctc] driver_ratio_taps = { id = taps, ... }: CTC drivers, 1..ratio_taps taps."""
    raw = data.get("driver_ratio_taps", {})
    where = "ctc.driver_ratio_taps"
    if not isinstance(raw, dict):
        c.fail(where, f"{raw!r} is not a table of CTC driver id = ratio taps")
        return {}
    out = {}
    for k in raw:
        if k not in drivers:
            c.fail(f"{where}.{k}", f"not a CTC driver (ctc.drivers: {', '.join(drivers)})")
            continue
        out[k] = int(c.num(raw, k, where + ".", 1, ratio_taps, integer=True))
    return out


def _parse_curve(c: _Checker, data: dict, key: str, where: str,
                 nyq: float) -> tuple[tuple[float, float], ...]:
    name = where + key
    v = data.get(key)
    if not isinstance(v, list) or len(v) < 2:
        c.fail(name, "missing (expected at least two [Hz, dB] points)")
        return ()
    pts = []
    for i, p in enumerate(v):
        if (not isinstance(p, list) or len(p) != 2
                or not all(isinstance(x, (int, float)) for x in p)):
            c.fail(f"{name}[{i}]", f"{p!r} is not a [Hz, dB] pair")
            continue
        hz, db = float(p[0]), float(p[1])
        if not (0 < hz <= nyq):
            c.fail(f"{name}[{i}]", f"{hz:g} Hz is outside (0, Nyquist = {nyq:g} Hz]")
        if not (0 <= db <= 60):
            c.fail(f"{name}[{i}]", f"{db:g} dB is outside [0, 60] dB of cancellation")
        pts.append((hz, db))
    freqs = [p[0] for p in pts]
    if any(b <= a for a, b in zip(freqs, freqs[1:], strict=False)):
        c.fail(name, f"frequencies {freqs} are not strictly increasing")
    return tuple(pts)


def _parse_hold(c: _Checker, up: dict, nyq: float) -> UpmixHold | None:
    """[upmix.hold]: onset (ratio), release_db, drift_ms, max_hz (all required; max_hz
    at most fs / (2 UPMIX_HOLD_DIV)), steering_ms (0, the default: off)."""
    if "hold" not in up:
        return None
    h = c.table(up, "hold", "upmix.")
    c.unknown(h, "upmix.hold", "upmix.hold.")
    return UpmixHold(c.num(h, "onset", "upmix.hold.", 1.0, 1e6),
                     c.num(h, "release_db", "upmix.hold.", 0.0, 120.0),
                     c.num(h, "drift_ms", "upmix.hold.", 1.0, 1e6),
                     c.num(h, "max_hz", "upmix.hold.", 0.0, nyq / UPMIX_HOLD_DIV),
                     c.num(h, "steering_ms", "upmix.hold.", 0.0, 1e6, default=0.0))


def _parse_widths(c: _Checker, up: dict, name: str,
                  nyq: float) -> tuple[tuple[float, float], ...] | None:
    """[upmix] center_width: one x0 for every bin, or [from Hz, x0] rows, the first
    from 0 Hz, increasing, at most UPMIX_WIDTH_BANDS."""
    v = up.get("center_width")
    if v is None:
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = [[0, v]]
    if not isinstance(v, list) or not 1 <= len(v) <= UPMIX_WIDTH_BANDS:
        c.fail(name, f"{v!r} is not an x0 or 1..{UPMIX_WIDTH_BANDS} [from Hz, x0] rows")
        return None
    rows = []
    for i, p in enumerate(v):
        if (not isinstance(p, list) or len(p) != 2
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in p)):
            c.fail(f"{name}[{i}]", f"{p!r} is not a [from Hz, x0] row")
            return None
        hz, x0 = float(p[0]), float(p[1])
        if not 0.01 <= x0 <= 1.0:
            c.fail(f"{name}[{i}]", f"x0 {x0:g} is outside [0.01, 1] (|S|/|M| judged half center)")
        if not 0.0 <= hz < nyq:
            c.fail(f"{name}[{i}]", f"{hz:g} Hz is outside [0, Nyquist = {nyq:g} Hz)")
        rows.append((hz, x0))
    freqs = [r[0] for r in rows]
    if freqs[0] != 0.0 or any(b <= a for a, b in zip(freqs, freqs[1:], strict=False)):
        c.fail(name, f"band edges {freqs} must start at 0 Hz and increase")
    return tuple(rows)


def bundled_profiles() -> list[str]:
    """Names of the profiles shipped with the package."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml"))


def resolve_path(name_or_path: str | Path | None) -> Path:
    """A bundled profile name or a path to a TOML file."""
    if name_or_path is None:
        name_or_path = DEFAULT_PROFILE
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise UserError(f"profile file {p} does not exist (give a path to a .toml file, "
                            f"or one of: {', '.join(bundled_profiles())})")
        return p
    bundled = BUNDLED_DIR / f"{name_or_path}.toml"
    if not bundled.is_file():
        raise UserError(f"unknown profile {str(name_or_path)!r} (bundled: "
                        f"{', '.join(bundled_profiles())}; or give a path to a .toml file)")
    return bundled


def load_profile(name_or_path: str | Path | None = None) -> Profile:
    """Load a bundled profile by name (default studio5) or a TOML file by path."""
    path = resolve_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(str(path), [f"not valid TOML: {e}"]) from None
    except UnicodeDecodeError:
        raise ProfileError(str(path), ["not a UTF-8 text file"]) from None
    return parse_profile(data, str(path))
