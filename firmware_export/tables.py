"""Serialization of a `QuantizedChain` into profile-blob sections, and back.

`chain_to_sections(q) -> {section id: bytes}` feeds `blob.build_blob`;
`sections_to_chain(sections, ...)` is its inverse (what a device, the C
runtime and `processor_from_blob` read). `chain_to_blob` / `chain_from_blob`
wrap both with the blob container.

Every field is a little-endian 32-bit word (u32 or i32, two's complement), so
a C reader can map a section onto `int32_t[]` after checking its length; the
blob pads sections to 4 bytes. Chain table format version: 1.

Section 0x0001 meta (u32 words unless said):
    version (1), fs, block_size, n_drivers D, n_paths P, output_word,
    dither (0/1), upmix kind (0 = passive: C = floor((L+R)/2), L' = L - C,
    R' = R - C), then D driver ids and P path names, 16 bytes each, UTF-8,
    NUL-padded (at most 15 bytes of name).

Section 0x0012 delays: P path delays (u32, samples, before the common FIR),
    then D driver delays (u32, after the gain).

Section 0x0011 fir: per path, in path order:
    source (u32: 0 L', 1 R', 2 C), common_shift (i32), n_common (u32; 0 = the
    identity: no filter), n_common taps (i32, Q31, time-reversed
    {h[N-1] .. h[0]} as arm_fir_q31 takes them);
    then per driver d: ratio_shift (i32), n_ratio (u32; 0 = the path does not
    feed driver d), n_ratio taps (i32, Q31, time-reversed).

Section 0x0010 biquads: per driver, in driver order:
    n_sections (u32), sum_shift (i32); per section 8 words:
    kernel (u32: 0 biquad_df1_q31, 1 biquad_df1_32x64_q31), post_shift (u32),
    section_shift (i32; the headroom shift folded into b), b0, b1, b2, a1, a2
    (i32 Q31 scaled by 2^-post_shift, CMSIS signs: a negated vs scipy).

Section 0x0013 gains: per driver gain_fract (i32 Q31), gain_shift (i32):
    arm_scale_q31(scaleFract = gain_fract, shift = gain_shift).

Section 0x0015 virtualizer (only in version 2, i.e. when the chain has one):
    contra_delay (u32), exponent (i32), then two cascades, ipsi then contra,
    each n_sections (u32) and per section the 8 words of the biquads section.
    e_L = sat(ipsi(L') + contra(R')), e_R = sat(contra(L') + ipsi(R')), contra
    = delay then sections; paths may read e_L, e_R as sources 3 and 4.
    The meta version is 2 exactly when this section is present, so a reader
    that knows only version 1 refuses the chain instead of running it without.

Section 0x0016 limiter (only in version 3, i.e. when the chain has one):
    lookahead (u32, samples), attack_log2 (u32: the attack ramp is
    2^attack_log2 <= lookahead + 1 samples), threshold (i32, in
    1..(2^31 - 1) >> out_shift: T at the limiter's scale), release (i32, Q31
    one-pole coefficient, >= 0), out_shift (u32, 0..29: the drivers reach
    the limiter at true * 2^-out_shift). limiter_q31 (dsp_model/fixed/
    limiter.py) runs over all drivers after their delays, before the DAC
    word. The meta version is 3 exactly when this section is present (the
    virtualizer section is then present or not by itself), so readers of
    versions 1 and 2 refuse the chain instead of running it unlimited (its
    gains are set for the limiter's guard bits).

Section 0x001D upmix (exactly when meta upmix = 1, the adaptive upmix of
    dsp_model/fixed/upmix.py): fft_size, synthesis_size, hop, pool (u32),
    a_short, a_onset, onset, a_long, kx, mu, lo2, inv, mag, k1, kx1, k2, kx2, k3, kx3,
    kh, hk, ho, hr, ah, sa, ka, kd (f32: the decision is IEEE binary32;
    each finite and >= 0), then analysis_window
    (fft_size i32 Q31), synthesis_window (synthesis_size), twiddle_cos and
    twiddle_sin (fft_size/2 + 1 each). Layout in firmware_export/quantize_upmix.py.

The shifts (common/ratio/sum/section) are already folded into the
coefficients and gains; they are carried so the headroom plan can be read
back and checked, the runtime does not need them. A reader rejects any
section whose length disagrees with its counts (`TableError`, naming the
section, the field and both figures).
"""

from __future__ import annotations

import struct

import numpy as np

from device_profiles.errors import UserError
from dsp_model.fixed.upmix import DECISION_CONSTANTS, UPMIX_FFT_SIZES, decision_problem
from firmware_export.blob import (
    SEC_BIQUADS,
    SEC_DELAYS,
    SEC_FIR,
    SEC_GAINS,
    SEC_META,
    SEC_UPMIX,
    build_blob,
    parse_blob,
)
from firmware_export.quantize import (
    UPMIX_ADAPTIVE,
    UPMIX_PASSIVE,
    QCascade,
    QDriver,
    QLimiter,
    QPath,
    QuantizedChain,
    QVirtualizer,
)
from firmware_export.quantize_upmix import UpmixTables

TABLES_VERSION = 1  # chains without a virtualizer (readers of version 1 run them)
TABLES_VERSION_VIRT = 2  # chains with the virtualizer section (version-1 readers refuse)
TABLES_VERSION_LIMITER = 3  # chains with the limiter section (version-1/2 readers refuse)
SEC_VIRTUALIZER = 0x0015
SEC_LIMITER = 0x0016
NAME_BYTES = 16
MAX_TAPS = 1 << 16
MAX_SECTIONS = 64
MAX_PATHS = 32


class TableError(UserError):
    """A chain section that does not decode."""


class _Writer:
    def __init__(self):
        self.parts: list[bytes] = []

    def u32(self, *v: int) -> None:
        self.parts.append(struct.pack(f"<{len(v)}I", *v))

    def i32(self, *v: int) -> None:
        self.parts.append(struct.pack(f"<{len(v)}i", *v))

    def f32(self, *v: float) -> None:
        self.parts.append(struct.pack(f"<{len(v)}f", *v))

    def arr(self, a: np.ndarray) -> None:
        self.parts.append(np.asarray(a, dtype="<i4").tobytes())

    def name(self, s: str) -> None:
        b = s.encode("utf-8")
        if len(b) >= NAME_BYTES or b"\0" in b:
            raise TableError(f"name {s!r} is {len(b)} bytes; at most {NAME_BYTES - 1}, no NUL")
        self.parts.append(b.ljust(NAME_BYTES, b"\0"))

    def bytes(self) -> bytes:
        return b"".join(self.parts)


class _Reader:
    def __init__(self, data: bytes, section: str):
        self.data = bytes(data)
        self.pos = 0
        self.section = section

    def _need(self, n: int, what: str) -> None:
        if self.pos + n > len(self.data):
            raise TableError(f"section {self.section}: {what} needs {n} bytes at offset "
                             f"{self.pos}, section has {len(self.data)}")

    def u32(self, what: str) -> int:
        self._need(4, what)
        (v,) = struct.unpack_from("<I", self.data, self.pos)
        self.pos += 4
        return v

    def i32(self, what: str) -> int:
        self._need(4, what)
        (v,) = struct.unpack_from("<i", self.data, self.pos)
        self.pos += 4
        return v

    def f32_nonneg(self, what: str) -> float:
        self._need(4, what)
        (bits,) = struct.unpack_from("<I", self.data, self.pos)
        (v,) = struct.unpack_from("<f", self.data, self.pos)
        self.pos += 4
        if bits >= 0x7F800000:  # sign set, inf or NaN (the C loader's test)
            raise TableError(f"section {self.section}: {what} is {v}, expected a finite "
                             "float32 >= 0")
        return v

    def arr(self, n: int, what: str) -> np.ndarray:
        self._need(4 * n, what)
        a = np.frombuffer(self.data, dtype="<i4", count=n, offset=self.pos).astype(np.int32)
        self.pos += 4 * n
        return a

    def name(self, what: str) -> str:
        self._need(NAME_BYTES, what)
        raw = self.data[self.pos:self.pos + NAME_BYTES]
        self.pos += NAME_BYTES
        s = raw.rstrip(b"\0")
        if b"\0" in s:
            raise TableError(f"section {self.section}: {what} has a NUL inside")
        try:
            return s.decode("utf-8")
        except UnicodeDecodeError:
            raise TableError(f"section {self.section}: {what} is not UTF-8") from None

    def count(self, what: str, limit: int) -> int:
        v = self.u32(what)
        if v > limit:
            raise TableError(f"section {self.section}: {what} is {v}, at most {limit}")
        return v

    def done(self) -> None:
        if self.pos != len(self.data):
            raise TableError(f"section {self.section}: {len(self.data) - self.pos} stray bytes "
                             f"after the last field (length {len(self.data)}, used {self.pos})")


# ------------------------------------------------------------------ write
def chain_to_sections(q: QuantizedChain) -> dict[int, bytes]:
    """The chain's tables as blob sections (layout in the module docstring)."""
    v = getattr(q, "virtualizer", None)
    lim = getattr(q, "limiter", None)
    version = (TABLES_VERSION_LIMITER if lim is not None else
               TABLES_VERSION if v is None else TABLES_VERSION_VIRT)
    m = _Writer()
    m.u32(version, q.fs, q.block_size, q.n_drivers, len(q.paths), q.output_word,
          int(q.dither), q.upmix)
    for d in q.drivers:
        m.name(d.id)
    for p in q.paths:
        m.name(p.name)

    dl = _Writer()
    dl.u32(*[p.delay for p in q.paths])
    dl.u32(*[d.delay for d in q.drivers])

    f = _Writer()
    for p in q.paths:
        f.u32(p.source)
        f.i32(p.common_shift)
        f.u32(len(p.common))
        f.arr(p.common)
        for r, s in zip(p.ratio, p.ratio_shift, strict=True):
            f.i32(s)
            f.u32(len(r))
            f.arr(r)

    b = _Writer()
    for d in q.drivers:
        n = len(d.post_shift)
        b.u32(n)
        b.i32(d.sum_shift)
        for k in range(n):
            b.u32(int(d.kernel[k]), int(d.post_shift[k]))
            b.i32(int(d.section_shift[k]))
            b.arr(d.coeffs[k])

    g = _Writer()
    for d in q.drivers:
        g.i32(d.gain_fract, d.gain_shift)
    out = {SEC_META: m.bytes(), SEC_BIQUADS: b.bytes(), SEC_FIR: f.bytes(),
           SEC_DELAYS: dl.bytes(), SEC_GAINS: g.bytes()}
    if v is not None:
        vw = _Writer()
        vw.u32(v.contra_delay)
        vw.i32(v.exponent)
        for c in (v.ipsi, v.contra):
            _write_sections(vw, c)
        out[SEC_VIRTUALIZER] = vw.bytes()
    if lim is not None:
        lw = _Writer()
        lw.u32(lim.lookahead, lim.attack_log2)
        lw.i32(lim.threshold, lim.release)
        lw.u32(lim.out_shift)
        out[SEC_LIMITER] = lw.bytes()
    ut = getattr(q, "upmix_tables", None)
    if (q.upmix == UPMIX_ADAPTIVE) != (ut is not None):
        raise TableError(f"upmix kind {q.upmix} with{'' if ut is not None else 'out'} "
                         "upmix tables (tables exactly for kind 1)")
    if ut is not None:
        uw = _Writer()
        uw.u32(ut.fft_size, ut.synthesis_size, ut.hop, ut.pool)
        uw.f32(*(getattr(ut, k) for k in DECISION_CONSTANTS))
        for a in (ut.analysis_window, ut.synthesis_window, ut.twiddle_cos, ut.twiddle_sin):
            uw.arr(a)
        out[SEC_UPMIX] = uw.bytes()
    return out


def _read_upmix(r: _Reader) -> UpmixTables:
    n = r.count("fft_size", 8192)
    ls = r.count("synthesis_size", 8192)
    hop = r.u32("hop")
    pool = r.count("pool", 4096)
    if n not in UPMIX_FFT_SIZES or hop == 0 or ls > n or ls % hop or ls // hop < 2 or \
            not 1 <= pool <= 32 or 2 * pool + 1 > n // 2 + 1:
        raise TableError(f"section upmix: fft_size {n}, synthesis_size {ls}, hop {hop}, "
                         f"pool {pool} are not a usable upmix (fft_size one of "
                         f"{UPMIX_FFT_SIZES}: arm_cfft_q31 of fft_size and fft_size/2; "
                         "synthesis_size <= fft_size and a multiple >= 2 of hop, "
                         "1 <= pool <= 32, 2 pool + 1 <= fft_size/2 + 1)")
    consts = [r.f32_nonneg(f) for f in DECISION_CONSTANTS]
    problem = decision_problem(dict(zip(DECISION_CONSTANTS, consts, strict=True)), n)
    if problem:
        raise TableError(f"section upmix: {problem}: rebuild the blob with `soundstage build`")
    wa = r.arr(n, "analysis_window")
    ws = r.arr(ls, "synthesis_window")
    tc = r.arr(n // 2 + 1, "twiddle_cos")
    tsn = r.arr(n // 2 + 1, "twiddle_sin")
    r.done()
    return UpmixTables(n, ls, hop, pool, *consts, wa, ws, tc, tsn)


def _write_sections(w: _Writer, c) -> None:
    n = len(c.post_shift)
    w.u32(n)
    for k in range(n):
        w.u32(int(c.kernel[k]), int(c.post_shift[k]))
        w.i32(int(c.section_shift[k]))
        w.arr(c.coeffs[k])


def _read_sections(r: _Reader, what: str) -> QCascade:
    ns = r.count(f"{what} n_sections", MAX_SECTIONS)
    kern, ps, ts, co = [], [], [], []
    for k in range(ns):
        kk = r.u32(f"{what} section {k} kernel")
        if kk > 1:
            raise TableError(f"section {r.section}: {what} section {k} kernel {kk}, "
                             "expected 0 or 1")
        pk = r.u32(f"{what} section {k} post_shift")
        if pk > 30:
            raise TableError(f"section {r.section}: {what} section {k} post_shift {pk}, "
                             "expected 0..30")
        kern.append(kk)
        ps.append(pk)
        ts.append(r.i32(f"{what} section {k} section_shift"))
        co.append(r.arr(5, f"{what} section {k} coefficients"))
    return QCascade(np.array(co, dtype=np.int32).reshape(ns, 5), np.array(ps, np.int32),
                    np.array(kern, np.int32), np.array(ts, np.int32))


# ------------------------------------------------------------------ read
def sections_to_chain(sections: dict[int, bytes], *, target: str = "cmsis-q31",
                      profile_name: str = "") -> QuantizedChain:
    """Decode the chain sections (others are ignored). Raises `TableError`."""
    for sid, name in ((SEC_META, "meta"), (SEC_BIQUADS, "biquads"), (SEC_FIR, "fir"),
                      (SEC_DELAYS, "delays"), (SEC_GAINS, "gains")):
        if sid not in sections:
            raise TableError(f"section {name} (0x{sid:04x}) missing")
    m = _Reader(sections[SEC_META], "meta")
    version = m.u32("version")
    if version not in (TABLES_VERSION, TABLES_VERSION_VIRT, TABLES_VERSION_LIMITER):
        raise TableError(f"section meta: chain table version {version}, this reader knows "
                         f"{TABLES_VERSION}, {TABLES_VERSION_VIRT} and {TABLES_VERSION_LIMITER}")
    has_lim = version == TABLES_VERSION_LIMITER
    if has_lim != (SEC_LIMITER in sections):
        raise TableError(f"section meta: version {version} "
                         f"{'needs' if has_lim else 'does not allow'} the limiter "
                         f"section (0x{SEC_LIMITER:04x})")
    has_virt = version == TABLES_VERSION_VIRT or (has_lim and SEC_VIRTUALIZER in sections)
    if has_virt != (SEC_VIRTUALIZER in sections):
        raise TableError(f"section meta: version {version} "
                         f"{'needs' if has_virt else 'does not allow'} the virtualizer "
                         f"section (0x{SEC_VIRTUALIZER:04x})")
    fs = m.u32("fs")
    block_size = m.u32("block_size")
    nd = m.count("n_drivers", 16)
    npaths = m.count("n_paths", MAX_PATHS)
    output_word = m.u32("output_word")
    if not 2 <= output_word <= 32:
        raise TableError(f"section meta: output_word {output_word} outside 2..32")
    dither = m.u32("dither")
    if dither > 1:
        raise TableError(f"section meta: dither {dither}, expected 0 or 1")
    upmix = m.u32("upmix")
    if upmix not in (UPMIX_PASSIVE, UPMIX_ADAPTIVE):
        raise TableError(f"section meta: upmix {upmix}, expected 0 (passive) or 1 (adaptive)")
    if (upmix == UPMIX_ADAPTIVE) != (SEC_UPMIX in sections):
        raise TableError(f"section meta: upmix {upmix} "
                         f"{'needs' if upmix == UPMIX_ADAPTIVE else 'does not allow'} the "
                         f"upmix section (0x{SEC_UPMIX:04x})")
    ids = [m.name(f"driver {i} id") for i in range(nd)]
    names = [m.name(f"path {i} name") for i in range(npaths)]
    m.done()

    dl = _Reader(sections[SEC_DELAYS], "delays")
    pdelay = [dl.count(f"path {i} delay", 1 << 20) for i in range(npaths)]
    ddelay = [dl.count(f"driver {i} delay", 1 << 20) for i in range(nd)]
    dl.done()

    f = _Reader(sections[SEC_FIR], "fir")
    paths = []
    for i in range(npaths):
        source = f.u32(f"path {i} source")
        if source > 4:
            raise TableError(f"section fir: path {i} source {source}, expected 0..4")
        cshift = f.i32(f"path {i} common_shift")
        nc = f.count(f"path {i} n_common", MAX_TAPS)
        common = f.arr(nc, f"path {i} common taps")
        ratios, rshifts = [], []
        for d in range(nd):
            rshifts.append(f.i32(f"path {i} driver {d} ratio_shift"))
            nr = f.count(f"path {i} driver {d} n_ratio", MAX_TAPS)
            ratios.append(f.arr(nr, f"path {i} driver {d} ratio taps"))
        paths.append(QPath(names[i], source, pdelay[i], common, cshift, tuple(ratios),
                           tuple(rshifts)))
    f.done()

    b = _Reader(sections[SEC_BIQUADS], "biquads")
    g = _Reader(sections[SEC_GAINS], "gains")
    drivers = []
    for d in range(nd):
        ns = b.count(f"driver {d} n_sections", MAX_SECTIONS)
        sum_shift = b.i32(f"driver {d} sum_shift")
        kern, ps, ts, co = [], [], [], []
        for k in range(ns):
            kk = b.u32(f"driver {d} section {k} kernel")
            if kk > 1:
                raise TableError(f"section biquads: driver {d} section {k} kernel {kk}, "
                                 "expected 0 or 1")
            pk = b.u32(f"driver {d} section {k} post_shift")
            if pk > 30:
                raise TableError(f"section biquads: driver {d} section {k} post_shift {pk}, "
                                 "expected 0..30")
            kern.append(kk)
            ps.append(pk)
            ts.append(b.i32(f"driver {d} section {k} section_shift"))
            co.append(b.arr(5, f"driver {d} section {k} coefficients"))
        gf = g.i32(f"driver {d} gain_fract")
        gs = g.i32(f"driver {d} gain_shift")
        if not -31 <= gs <= 31:
            raise TableError(f"section gains: driver {d} gain_shift {gs} outside -31..31")
        coeffs = np.array(co, dtype=np.int32).reshape(ns, 5)
        drivers.append(QDriver(ids[d], sum_shift, coeffs, np.array(ps, np.int32),
                               np.array(kern, np.int32), np.array(ts, np.int32), gf, gs,
                               ddelay[d]))
    b.done()
    g.done()
    virt = None
    n_sources = 3
    if has_virt:
        r = _Reader(sections[SEC_VIRTUALIZER], "virtualizer")
        cd = r.count("contra_delay", 1 << 20)
        ex = r.i32("exponent")
        ipsi = _read_sections(r, "ipsi")
        contra = _read_sections(r, "contra")
        r.done()
        virt = QVirtualizer(cd, ex, ipsi, contra)
        n_sources = 5
    for i, p in enumerate(paths):
        if p.source >= n_sources:
            raise TableError(f"section fir: path {i} source {p.source}, "
                             f"expected 0..{n_sources - 1}")
    up_tables = _read_upmix(_Reader(sections[SEC_UPMIX], "upmix")) if upmix else None
    lim = _read_limiter(_Reader(sections[SEC_LIMITER], "limiter")) if has_lim else None
    return QuantizedChain(profile_name, fs, target, block_size, output_word, bool(dither),
                          upmix, tuple(paths), tuple(drivers), None, virt,
                          upmix_tables=up_tables, limiter=lim)


def _read_limiter(r: _Reader) -> QLimiter:
    la = r.count("lookahead", 4096)
    a = r.count("attack_log2", 12)
    thr = r.i32("threshold")
    rel = r.i32("release")
    e = r.count("out_shift", 29)
    r.done()
    if (1 << a) > la + 1:
        raise TableError(f"section limiter: attack 2^{a} exceeds lookahead + 1 ({la + 1})")
    if not 1 <= thr <= (2**31 - 1) >> e:
        raise TableError(f"section limiter: threshold {thr} outside 1..{(2**31 - 1) >> e} "
                         f"(out_shift {e})")
    if rel < 0:
        raise TableError(f"section limiter: release {rel} is negative")
    return QLimiter(la, a, thr, rel, e)


# ------------------------------------------------------------------ blob
def chain_to_blob(q: QuantizedChain, extra: dict[int, bytes] | None = None) -> bytes:
    """A whole profile blob holding the chain (plus any `extra` sections)."""
    sections = chain_to_sections(q)
    for k, v in (extra or {}).items():
        if k in sections:
            raise TableError(f"extra section 0x{k:04x} collides with a chain section")
        sections[k] = v
    return build_blob(target=q.target, sample_rate=q.fs, n_drivers=q.n_drivers,
                      profile_name=q.profile_name, sections=sections)


def chain_from_blob(blob: bytes) -> QuantizedChain:
    """Validate a blob and decode its chain; header and meta must agree."""
    b = parse_blob(blob)
    q = sections_to_chain(b.sections, target=b.target, profile_name=b.profile_name)
    if q.n_drivers != b.n_drivers or q.fs != b.sample_rate:
        raise TableError(f"meta says {q.n_drivers} drivers at {q.fs} Hz, blob header "
                         f"{b.n_drivers} at {b.sample_rate} Hz")
    return q


def chains_equal(a: QuantizedChain, b: QuantizedChain) -> bool:
    """Field-by-field equality of two chains' tables (arrays compared by value)."""
    if (a.fs, a.block_size, a.output_word, a.dither, a.upmix, a.target) != (
            b.fs, b.block_size, b.output_word, b.dither, b.upmix, b.target):
        return False
    if len(a.paths) != len(b.paths) or len(a.drivers) != len(b.drivers):
        return False
    for p, r in zip(a.paths, b.paths, strict=True):
        if (p.name, p.source, p.delay, p.common_shift, p.ratio_shift) != (
                r.name, r.source, r.delay, r.common_shift, r.ratio_shift):
            return False
        if not np.array_equal(p.common, r.common):
            return False
        if not all(np.array_equal(x, y) for x, y in zip(p.ratio, r.ratio, strict=True)):
            return False
    ua, ub = getattr(a, "upmix_tables", None), getattr(b, "upmix_tables", None)
    if (ua is None) != (ub is None):
        return False
    if ua is not None:
        for f in ("fft_size", "synthesis_size", "hop", "pool", *DECISION_CONSTANTS,
                  "analysis_window", "synthesis_window",
                  "twiddle_cos", "twiddle_sin"):
            if not np.array_equal(getattr(ua, f), getattr(ub, f)):
                return False
    if getattr(a, "limiter", None) != getattr(b, "limiter", None):
        return False
    va, vb = getattr(a, "virtualizer", None), getattr(b, "virtualizer", None)
    if (va is None) != (vb is None):
        return False
    if va is not None:
        if (va.contra_delay, va.exponent) != (vb.contra_delay, vb.exponent):
            return False
        for x, y in ((va.ipsi, vb.ipsi), (va.contra, vb.contra)):
            for f in ("coeffs", "post_shift", "kernel", "section_shift"):
                if not np.array_equal(np.asarray(getattr(x, f)).reshape(-1),
                                      np.asarray(getattr(y, f)).reshape(-1)):
                    return False
    for d, e in zip(a.drivers, b.drivers, strict=True):
        if (d.id, d.sum_shift, d.gain_fract, d.gain_shift, d.delay) != (
                e.id, e.sum_shift, e.gain_fract, e.gain_shift, e.delay):
            return False
        for x, y in ((d.coeffs, e.coeffs), (d.post_shift, e.post_shift),
                     (d.kernel, e.kernel), (d.section_shift, e.section_shift)):
            if not np.array_equal(np.asarray(x).reshape(-1), np.asarray(y).reshape(-1)):
                return False
    return True
