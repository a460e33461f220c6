"""C header + source of one profile's tables, in the target library's layout.

`render_header(q, blob)` / `render_source(q, blob)` turn a `QuantizedChain`
(cmsis-q31) and its blob into ``<stem>_tables.h`` / ``<stem>_tables.c``:

* ``#define``s: profile name, target and id, blob format and table versions,
  content hash (SHA-256 of the blob, and its first 32 bits), sample rate,
  block size, driver count and one index per driver id, path count, Q
  formats (input, coefficients, output word), the pool sizes the portable
  runtime (ss_chain.h) needs for this profile at its block size;
* per driver: the biquad sections as CMSIS ``q31_t {b0, b1, b2, a1, a2}``
  per stage (a1, a2 negated vs scipy, as ``arm_biquad_cascade_df1_q31``
  takes them; scaled by 2^-postShift), their kernel and postShift, the
  cascades (runs of sections one ``arm_biquad_*_init_q31`` instance can
  hold: same kernel and postShift), the ``arm_scale_q31`` gain
  (scaleFract, shift) and the output delay;
* the virtualizer (if the chain has one): contra delay, exponent, the ipsi
  and contra sections in the same layout as a driver's;
* the limiter (if the chain has one): look-ahead, attack, threshold,
  release and its exponent (``<P>_HAS_LIMITER``, ``<P>_LIM_*``);
* per path: source (0 L', 1 R', 2 C, 3 e_L, 4 e_R), delay, the common FIR and per driver
  the ratio FIR, taps time-reversed ``{h[N-1] .. h[0]}`` as ``arm_fir_q31``
  takes them (a table of 0 taps is not emitted: its TAPS define is 0);
* the blob itself as ``const uint8_t <stem>_blob[]`` (for
  ``ss_chain_init_from_blob``);
* ``_Static_assert``s (in the .c, whose arrays are sized by their data; the
  header's externs are unsized, so a size can only come from the data) that
  every table holds what the header's count macros say, plus a few on
  the header's own figures (through ``__extension__`` on GCC/Clang so
  ``-std=c99 -pedantic`` stays warning-free; elsewhere an extern array of
  negative size).

Everything is a pure function of (q, blob): no dates, no paths.
"""

from __future__ import annotations

import hashlib

import numpy as np

from firmware_export.blob import FORMAT_VERSION, TARGET_IDS
from firmware_export.quantize import KERNEL_32X64, KERNEL_DF1, KERNEL_NAMES, QuantizedChain
from firmware_export.tables import TABLES_VERSION, TABLES_VERSION_LIMITER, TABLES_VERSION_VIRT

CMSIS_KERNELS = {KERNEL_DF1: "arm_biquad_cascade_df1_q31",
                 KERNEL_32X64: "arm_biquad_cas_df1_32x64_q31"}
SOURCES = ("L'", "R'", "C", "e_L", "e_R")
PER_LINE = 6


def c_identifier(name: str) -> str:
    s = "".join(ch if ch.isalnum() and ch.isascii() else "_" for ch in name)
    return s if s and not s[0].isdigit() else f"p_{s}"


def _unique(names: list[str]) -> list[str]:
    """C identifier stems for `names`, made unique by an index suffix where
    two would collide."""
    ids = [c_identifier(n).lower() for n in names]
    out = []
    for i, s in enumerate(ids):
        out.append(s if ids.count(s) == 1 else f"{s}_{i}")
    return out


def cascades(kernel, post_shift) -> list[tuple[int, int, int, int]]:
    """Runs of consecutive sections with one kernel and post_shift:
    (first, n_stages, kernel, post_shift) -- as the runtime groups them."""
    runs = []
    k, n = 0, len(post_shift)
    while k < n:
        j = k + 1
        while j < n and kernel[j] == kernel[k] and post_shift[j] == post_shift[k]:
            j += 1
        runs.append((k, j - k, int(kernel[k]), int(post_shift[k])))
        k = j
    return runs


def _trimmed(taps) -> tuple[int, int, bytes]:
    """A CMSIS-order FIR table as ss_chain.c runs it (its trim_taps): (leading
    natural-order zeros k0, kept taps n, their bytes); all zero: (0, 1, ...)."""
    t = np.asarray(taps, np.int32)
    nz = np.nonzero(t)[0]
    if len(nz) == 0:
        return 0, 1, b"\0\0\0\0"
    return len(t) - 1 - int(nz[-1]), int(nz[-1] - nz[0] + 1), t[nz[0]:nz[-1] + 1].tobytes()


def runtime_requirements(blob: bytes, max_block: int) -> dict[str, int]:
    """What ss_chain.c allocates for `blob` in a build with SS_MAX_BLOCK =
    max_block (pool words, paths, feeds, cascades): asked of the C loader
    itself (`ss_chain_requirements`, host build), so the figures in the
    header cannot drift from the runtime."""
    from firmware_export.verify import HOST_LIMITS, c_requirements, runtime_library

    return c_requirements(blob, runtime_library(dict(HOST_LIMITS, SS_MAX_BLOCK=max_block)))


def _int(v: int) -> str:
    v = int(v)
    return "(-2147483647 - 1)" if v == -(2**31) else str(v)


def _array(ctype: str, name: str, values, count: str, per_line: int = PER_LINE) -> list[str]:
    """`const ctype name[] = {...};` sized by its data, and a static assert
    that the data holds `count` (the header's macro) elements."""
    vals = [_int(v) for v in np.asarray(values).reshape(-1)]
    lines = [f"const {ctype} {name}[] = {{"]
    for i in range(0, len(vals), per_line):
        lines.append("    " + ", ".join(vals[i:i + per_line]) + ",")
    lines.append("};")
    lines.append(f"SS_STATIC_ASSERT(sizeof({name}) == ({count}) * sizeof({ctype}), "
                 f"\"{name}: table size\");")
    return lines


def _bytes_array(name: str, data: bytes, count: str) -> list[str]:
    lines = [f"const uint8_t {name}[] = {{"]
    for i in range(0, len(data), 12):
        lines.append("    " + ", ".join(f"0x{b:02x}" for b in data[i:i + 12]) + ",")
    lines.append("};")
    lines.append(f"SS_STATIC_ASSERT(sizeof({name}) == {count}, \"{name}: blob size\");")
    return lines


class _Names:
    """Every C name the two files share, from one place."""

    def __init__(self, q: QuantizedChain, blob: bytes):
        self.stem = c_identifier(q.profile_name).lower()
        self.P = self.stem.upper()
        self.drivers = _unique(list(q.driver_ids))
        self.paths = _unique([p.name for p in q.paths])
        self.sha = hashlib.sha256(blob).hexdigest()

    # drivers and paths get their own prefix, so no id can collide with
    # another kind of name
    def drv(self, d: int) -> str:
        return f"{self.stem}_drv_{self.drivers[d]}"

    def DRV(self, d: int) -> str:  # noqa: N802 (macro prefix)
        return f"{self.P}_DRV_{self.drivers[d].upper()}"

    def path(self, i: int) -> str:
        return f"{self.stem}_path_{self.paths[i]}"

    def PATH(self, i: int) -> str:  # noqa: N802
        return f"{self.P}_PATH_{self.paths[i].upper()}"

    def ratio(self, i: int, d: int) -> str:
        return f"{self.path(i)}_to_{self.drivers[d]}_ratio"

    def RATIO(self, i: int, d: int) -> str:  # noqa: N802
        return f"{self.PATH(i)}_TO_{self.drivers[d].upper()}_RATIO"


def _sections_decl(pre: str) -> list[str]:
    return ["/* per stage {b0, b1, b2, a1, a2}; stage k uses kernel[k] and postShift[k] */",
            f"extern const q31_t {pre}_biquad_coeffs[];",
            f"extern const int8_t {pre}_biquad_post_shift[];",
            "/* 0 = arm_biquad_cascade_df1_q31, 1 = arm_biquad_cas_df1_32x64_q31 */",
            f"extern const uint8_t {pre}_biquad_kernel[];",
            "/* cascade c: stages [first[c], first[c] + stages[c]) in one instance */",
            f"extern const uint8_t {pre}_cascade_first[];",
            f"extern const uint8_t {pre}_cascade_stages[];"]


def _sections_def(pre: str, MACRO: str, c) -> list[str]:  # noqa: N803 (macro prefix)
    """The tables of one run of sections (a driver's, or a virtualizer cascade)."""
    runs = cascades(c.kernel, c.post_shift)
    o = [f"/* {pre}: kernels {', '.join(KERNEL_NAMES[int(k)] for k in c.kernel)} */"]
    o += _array("q31_t", f"{pre}_biquad_coeffs", np.asarray(c.coeffs).reshape(-1),
                f"5u * {MACRO}_NUM_STAGES", 5)
    o += _array("int8_t", f"{pre}_biquad_post_shift", c.post_shift, f"{MACRO}_NUM_STAGES", 16)
    o += _array("uint8_t", f"{pre}_biquad_kernel", c.kernel, f"{MACRO}_NUM_STAGES", 16)
    o += _array("uint8_t", f"{pre}_cascade_first", [r[0] for r in runs],
                f"{MACRO}_NUM_CASCADES", 16)
    o += _array("uint8_t", f"{pre}_cascade_stages", [r[1] for r in runs],
                f"{MACRO}_NUM_CASCADES", 16)
    o.append("")
    return o


def _tables_version(q: QuantizedChain) -> int:
    """The meta version tables.chain_to_sections writes for q."""
    if getattr(q, "limiter", None) is not None:
        return TABLES_VERSION_LIMITER
    return TABLES_VERSION if getattr(q, "virtualizer", None) is None else TABLES_VERSION_VIRT


def render_header(q: QuantizedChain, blob: bytes) -> str:
    if q.target != "cmsis-q31":
        raise ValueError(f"C tables for target {q.target!r} are not implemented (cmsis-q31)")
    n = _Names(q, blob)
    P, guard = n.P, f"SS_{n.P}_TABLES_H"
    req = runtime_requirements(blob, q.block_size)
    o = [
        f"/* {n.stem}_tables.h -- profile {q.profile_name!s}, target {q.target}.",
        " * Generated by `soundstage build` (firmware_export/headers.py); do not edit.",
        " * Tables in CMSIS-DSP layout (q31_t): biquads {b0, b1, b2, a1, a2} per stage",
        " * with a1, a2 negated vs scipy and scaled by 2^-postShift",
        " * (arm_biquad_cascade_df1_q31 / arm_biquad_cas_df1_32x64_q31); FIR taps",
        " * time-reversed {h[N-1] .. h[0]} (arm_fir_q31); gains as arm_scale_q31",
        " * (scaleFract, shift). Include arm_math.h (if used) before this header.",
        " *",
        " * Either run the whole chain with the portable runtime (sizes: the",
        f" * {P}_SS_* figures, as -D for every file):",
        f" *     ss_chain_init_from_blob(&chain, {n.stem}_blob, {P}_BLOB_SIZE);",
        " * or drive CMSIS-DSP directly, per driver cascade c (stages from",
        " * <drv>_cascade_first[c], <drv>_cascade_stages[c] of them, one postShift):",
        " *     arm_biquad_cascade_df1_init_q31(&S, stages,",
        " *         (q31_t *)&<drv>_biquad_coeffs[5 * first], state, post_shift[first]);",
        " * (kernel 1: arm_biquad_cas_df1_32x64_init_q31, q63_t state), and per FIR",
        " *     arm_fir_init_q31(&F, TAPS, (q31_t *)table, state, blockSize);",
        " * The processing order is the blob's (BLOB_FORMAT.md \"Chain sections\"). */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#include <stdint.h>",
        "",
        "#if !defined(ARM_MATH_TYPES_H_) && !defined(_ARM_MATH_H) && !defined(SS_Q31_T_DEFINED)",
        "#define SS_Q31_T_DEFINED",
        "typedef int32_t q31_t;",
        "#endif",
        "",
        "#ifndef SS_STATIC_ASSERT",
        "#if defined(__GNUC__) || defined(__clang__)",
        "#define SS_STATIC_ASSERT(cond, msg) __extension__ _Static_assert(cond, msg)",
        "#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L",
        "#define SS_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)",
        "#else",
        "/* C99 without GNU extensions: a negative array size stops the build */",
        "#define SS_STATIC_ASSERT(cond, msg) extern char ss_static_assert_failed[(cond) ? 1 : -1]",
        "#endif",
        "#endif",
        "",
        "/* ---- profile */",
        f'#define {P}_PROFILE_NAME "{q.profile_name}"',
        f'#define {P}_TARGET "{q.target}"',
        f"#define {P}_TARGET_ID {TARGET_IDS[q.target]}u",
        f"#define {P}_FORMAT_VERSION {FORMAT_VERSION}u /* profile blob format */",
        f"#define {P}_TABLES_VERSION {_tables_version(q)}u /* chain section layout (meta) */",
        f'#define {P}_CONTENT_HASH "{n.sha}" /* SHA-256 of the blob */',
        f"#define {P}_CONTENT_HASH32 0x{n.sha[:8]}u /* its first 32 bits */",
        f"#define {P}_SAMPLE_RATE {q.fs}u",
        f"#define {P}_BLOCK_SIZE {q.block_size}u",
        f"#define {P}_N_DRIVERS {q.n_drivers}u",
        f"#define {P}_N_PATHS {len(q.paths)}u",
        "",
        "/* ---- formats: input samples, coefficients, output word */",
        f"#define {P}_INPUT_Q 31 /* interleaved L, R in Q31 */",
        f"#define {P}_COEF_Q 31 /* q31_t tables (biquads also scaled by 2^-postShift) */",
        f"#define {P}_OUTPUT_WORD {q.output_word}u /* DAC code bits, right-justified in int32 */",
        f"#define {P}_DITHER {int(q.dither)}u /* TPDF dither on the output word */",
        "",
        "/* ---- driver ids (index into the interleaved output) */",
    ]
    for d, did in enumerate(q.driver_ids):
        o.append(f"#define {n.DRV(d)} {d}u /* \"{did}\" */")
    o.append(f"#define {P}_DRIVER_IDS {{" + ", ".join(f'"{x}"' for x in q.driver_ids) + "}")
    o += [
        "",
        f"/* ---- portable runtime (ss_chain.h) sizes for this profile at SS_MAX_BLOCK ="
        f" {q.block_size} */",
        f"#define {P}_SS_MAX_BLOCK {q.block_size}",
        f"#define {P}_SS_MEM32_WORDS {max(req['mem32_words'], 1)}",
        f"#define {P}_SS_MEM64_WORDS {max(req['mem64_words'], 1)}",
        f"#define {P}_SS_MAX_PATHS {max(req['n_paths'], 1)}",
        f"#define {P}_SS_MAX_FEEDS {max(req['n_feeds'], 1)}",
        f"#define {P}_SS_MAX_CASCADES {max(req['n_cascades'], 1)}",
        f"#define {P}_SS_MAX_DRIVERS {q.n_drivers}",
        "",
        f"#define {P}_BLOB_SIZE {len(blob)}u",
        f"extern const uint8_t {n.stem}_blob[];",
    ]
    for d, drv in enumerate(q.drivers):
        D = n.DRV(d)
        ns = len(drv.post_shift)
        runs = cascades(drv.kernel, drv.post_shift)
        o += ["", f"/* ---- driver {drv.id}: {ns} biquad section(s) in {len(runs)} cascade(s),"
              " then gain, delay, output word */",
              f"#define {D}_NUM_STAGES {ns}u",
              f"#define {D}_NUM_CASCADES {len(runs)}u",
              f"#define {D}_GAIN_FRACT ((q31_t){_int(drv.gain_fract)}) /* arm_scale_q31 "
              "scaleFract */",
              f"#define {D}_GAIN_SHIFT ({int(drv.gain_shift)}) /* arm_scale_q31 shift */",
              f"#define {D}_DELAY {int(drv.delay)}u /* samples, after the gain */"]
        if ns:
            o += _sections_decl(n.drv(d))
    v = getattr(q, "virtualizer", None)
    o += ["", f"/* ---- virtualizer: {'present' if v is not None else 'none'} (e_L = "
          "ipsi(L') + contra(R'), e_R = contra(L') + ipsi(R'); contra = delay then",
          " * sections; both sides use the same tables, each its own state) */",
          f"#define {P}_HAS_VIRTUALIZER {int(v is not None)}u"]
    if v is not None:
        o += [f"#define {P}_VIRT_CONTRA_DELAY {int(v.contra_delay)}u /* samples */",
              f"#define {P}_VIRT_EXPONENT ({int(v.exponent)}) /* e holds e_true * 2^-exponent */"]
        for part, c in (("ipsi", v.ipsi), ("contra", v.contra)):
            V = f"{P}_VIRT_{part.upper()}"
            o += [f"#define {V}_NUM_STAGES {len(c.post_shift)}u",
                  f"#define {V}_NUM_CASCADES {len(cascades(c.kernel, c.post_shift))}u"]
            if len(c.post_shift):
                o += _sections_decl(f"{n.stem}_virt_{part}")
    lim = getattr(q, "limiter", None)
    o += ["", f"/* ---- limiter: {'present' if lim is not None else 'none'} (limiter_q31 over "
          "all drivers after their delays,", " * before the output word; one Q30 gain) */",
          f"#define {P}_HAS_LIMITER {int(lim is not None)}u"]
    if lim is not None:
        o += [f"#define {P}_LIM_LOOKAHEAD {int(lim.lookahead)}u /* samples (latency) */",
              f"#define {P}_LIM_ATTACK_LOG2 {int(lim.attack_log2)}u /* ramp of 2^this samples */",
              f"#define {P}_LIM_THRESHOLD ((q31_t){_int(lim.threshold)}) /* at the limiter's "
              "scale */",
              f"#define {P}_LIM_RELEASE ((q31_t){_int(lim.release)}) /* Q31 one-pole */",
              f"#define {P}_LIM_OUT_SHIFT {int(lim.out_shift)}u /* drivers reach it at "
              "true * 2^-this */"]
    for i, p in enumerate(q.paths):
        A = n.PATH(i)
        o += ["", f"/* ---- path {p.name}: {SOURCES[p.source]} -> delay -> common FIR -> per "
              "driver ratio FIR */",
              f"#define {A}_SOURCE {p.source}u /* 0 L', 1 R', 2 C, 3 e_L, 4 e_R */",
              f"#define {A}_DELAY {p.delay}u /* samples, before the common FIR */",
              f"#define {A}_COMMON_TAPS {len(p.common)}u /* 0: identity (no filter) */"]
        if len(p.common):
            o.append(f"extern const q31_t {n.path(i)}_common[];")
        for d, r in enumerate(p.ratio):
            R = n.RATIO(i, d)
            o.append(f"#define {R}_TAPS {len(r)}u /* 0: path does not feed "
                     f"{q.driver_ids[d]} */")
            if len(r):
                o.append(f"extern const q31_t {n.ratio(i, d)}[];")
    o += ["", "SS_STATIC_ASSERT(sizeof(q31_t) == 4, \"q31_t is 32 bits\");",
          f"SS_STATIC_ASSERT({P}_N_DRIVERS >= 1u && {P}_N_DRIVERS <= 16u, \"driver count\");",
          f"SS_STATIC_ASSERT({P}_SS_MAX_DRIVERS == {P}_N_DRIVERS, \"runtime driver count\");",
          "", f"#endif /* {guard} */", ""]
    return "\n".join(o)


def render_source(q: QuantizedChain, blob: bytes) -> str:
    n = _Names(q, blob)
    o = [f"/* {n.stem}_tables.c -- tables of profile {q.profile_name} (see {n.stem}_tables.h)."
         " Generated; do not edit. */",
         f'#include "{n.stem}_tables.h"', ""]
    for d, drv in enumerate(q.drivers):
        if len(drv.post_shift):
            o += _sections_def(n.drv(d), n.DRV(d), drv)
    v = getattr(q, "virtualizer", None)
    if v is not None:
        for part, c in (("ipsi", v.ipsi), ("contra", v.contra)):
            if len(c.post_shift):
                o += _sections_def(f"{n.stem}_virt_{part}", f"{n.P}_VIRT_{part.upper()}", c)
    for i, p in enumerate(q.paths):
        if len(p.common):
            o.append(f"/* path {p.name} common FIR, time-reversed */")
            o += _array("q31_t", f"{n.path(i)}_common", p.common, f"{n.PATH(i)}_COMMON_TAPS")
            o.append("")
        for d, r in enumerate(p.ratio):
            if len(r):
                o.append(f"/* path {p.name} -> driver {q.driver_ids[d]} ratio FIR, "
                         "time-reversed */")
                o += _array("q31_t", n.ratio(i, d), r, f"{n.RATIO(i, d)}_TAPS")
                o.append("")
    o.append(f"/* the profile blob (BLOB_FORMAT.md), SHA-256 {n.sha} */")
    o += _bytes_array(f"{n.stem}_blob", blob, f"{n.P}_BLOB_SIZE")
    o.append("")
    return "\n".join(o)
