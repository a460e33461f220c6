"""`soundstage build`: artifacts, determinism, strict C compile, tables as
the target library wants them, a host program from the generated files,
and the quantizer's refusal surfaced as one line."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from test_c_runtime import synthetic_chain

from device_profiles import bundled_profiles, load_profile
from device_profiles.errors import CheckFailed
from dsp_model.fixed.chain import FixedChain
from firmware_export import build as B
from firmware_export._cbuild import RUNTIME_DIR, cmsis_fft_objects
from firmware_export.golden import stimuli
from firmware_export.headers import cascades, render_header, render_source, runtime_requirements
from firmware_export.tables import chain_from_blob, chain_to_blob
from firmware_export.verify import HOST_LIMITS, RUNTIME_SOURCES, run_blocks
from host_tools.cli import main as cli_main

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
NEEDS_GCC = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not found")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every bundled profile built twice, into two directories."""
    root = tmp_path_factory.mktemp("build")
    out = {}
    for name in bundled_profiles():
        a = B.build_profile(name, root / "a" / name)
        b = B.build_profile(name, root / "b" / name)
        out[name] = (a, b)
    return out


def _files(d):
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


def test_two_runs_are_byte_identical(built, tmp_path):
    for name, (a, b) in built.items():
        fa, fb = _files(a.out_dir), _files(b.out_dir)
        assert fa.keys() == fb.keys()
        for k in fa:
            assert fa[k] == fb[k], f"{name}: {k} differs between two builds"
        again = B.build_profile(name, a.out_dir)  # rebuilding in place changes nothing
        assert _files(again.out_dir) == fa


def test_manifest_lists_every_artifact_with_its_sha256(built):
    import hashlib

    for name, (a, _) in built.items():
        m = json.loads(a.manifest.read_text())
        stem = name.lower()
        listed = {e["path"]: e for e in m["artifacts"]}
        assert set(listed) == {f"{stem}_tables.h", f"{stem}_tables.c", f"{stem}.blob",
                               f"{stem}_quant_report.txt"}
        on_disk = {p.name for p in a.out_dir.iterdir()} - {"manifest.json"}
        assert on_disk == set(listed)
        for rel, e in listed.items():
            data = (a.out_dir / rel).read_bytes()
            assert e["sha256"] == hashlib.sha256(data).hexdigest()
            assert e["bytes"] == len(data)
        assert m["profile"] == name and m["blob_sha256"] == listed[f"{stem}.blob"]["sha256"]
        assert m["design_source"] == B.design_source()[0]
        assert m["drivers"] == [d.id for d in load_profile(name).drivers]


@NEEDS_GCC
@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_generated_c_compiles_warning_free(built, tmp_path, cc):
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} not found")
    outs = {name: a for name, (a, _) in built.items()}
    outs["synthvirt"] = _synthetic_out(tmp_path)
    for name, a in outs.items():
        stem = name.lower()
        src = a.out_dir / f"{stem}_tables.c"
        r = subprocess.run([cc, *STRICT, "-c", str(src), "-o", str(tmp_path / "t.o")],
                           capture_output=True, text=True)
        assert r.returncode == 0 and not r.stderr, r.stderr
        # the header alone, in a TU that uses its macros
        use = tmp_path / "use.c"
        use.write_text(f'#include "{stem}_tables.h"\n'
                       f"int f(void) {{ return (int){stem.upper()}_N_DRIVERS + "
                       f"(int){stem.upper()}_SAMPLE_RATE; }}\n")
        r = subprocess.run([cc, *STRICT, f"-I{a.out_dir}", "-c", str(use), "-o",
                            str(tmp_path / "u.o")], capture_output=True, text=True)
        assert r.returncode == 0 and not r.stderr, r.stderr


@NEEDS_GCC
def test_static_asserts_fire(built, tmp_path):
    """The size asserts are live: tables whose length disagrees with the
    header's count macro do not compile (GCC path and the typedef fallback),
    and the generated pair compiles on the fallback path too."""
    a, _ = built["studio5"]
    h = (a.out_dir / "studio5_tables.h").read_text()
    bad = tmp_path / "bad"
    bad.mkdir()
    src = bad / "studio5_tables.c"  # #include "..." looks next to the .c first
    src.write_bytes((a.out_dir / "studio5_tables.c").read_bytes())
    m = re.search(r"#define (STUDIO5_DRV_\w+_NUM_STAGES) (\d+)u", h)
    (bad / "studio5_tables.h").write_text(
        h.replace(m.group(0), f"#define {m.group(1)} {int(m.group(2)) + 1}u"))
    for extra in ([], ["-U__GNUC__"]):
        r = subprocess.run(["gcc", *STRICT, *extra, f"-I{bad}", "-c", str(src), "-o",
                            str(bad / "t.o")], capture_output=True, text=True)
        assert r.returncode != 0, extra
        ok = subprocess.run(["gcc", *STRICT, *extra, "-c", str(a.out_dir / "studio5_tables.c"),
                             "-o", str(bad / "t.o")], capture_output=True, text=True)
        assert ok.returncode == 0 and not ok.stderr, ok.stderr
    # a table one value short of its macro
    c = src.read_text()
    short = re.sub(r"(const q31_t studio5_drv_\w+_biquad_coeffs\[\] = \{\n    )[^,]+, ",
                   r"\1", c, count=1)
    assert short != c
    (bad / "short.c").write_text(short)
    (bad / "studio5_tables.h").write_text(h)
    r = subprocess.run(["gcc", *STRICT, f"-I{bad}", "-c", str(bad / "short.c"), "-o",
                        str(bad / "t.o")], capture_output=True, text=True)
    assert r.returncode != 0 and "table size" in r.stderr, r.stderr


def _c_arrays(src: str) -> dict[str, np.ndarray]:
    out = {}
    for m in re.finditer(r"const (?:q31_t|int8_t|uint8_t) (\w+)\[\] = \{(.*?)\};", src, re.S):
        vals = [int(eval(v, {})) for v in m.group(2).replace("\n", " ").split(",") if v.strip()]
        out[m.group(1)] = np.array(vals, np.int64)
    return out


@pytest.mark.parametrize("which", ["studio5", "compact2", "synthetic", "synthetic_virt"])
def test_tables_are_the_quantized_chain_in_cmsis_layout(which):
    """Every generated table holds exactly the QuantizedChain's integers:
    biquads {b0, b1, b2, a1, a2} per stage as CMSIS takes them (the quantizer's
    layout, a negated), per-stage post-shift and kernel, cascades as the
    runtime groups them, FIR taps time-reversed; the blob byte for byte."""
    if which.startswith("synthetic"):
        q = synthetic_chain(3, n_drivers=4, n_paths=5, virt=which.endswith("virt"))
    else:
        q = B.quantized_for(load_profile(which))
    blob = chain_to_blob(q)
    arr = _c_arrays(render_source(q, blob))
    stem = q.profile_name.lower()
    hdr = render_header(q, blob)
    for d in q.drivers:
        pre = f"{stem}_drv_{d.id.lower()}"
        if len(d.post_shift) == 0:
            assert f"{pre}_biquad_coeffs" not in arr
            continue
        assert np.array_equal(arr[f"{pre}_biquad_coeffs"], np.asarray(d.coeffs).reshape(-1))
        assert np.array_equal(arr[f"{pre}_biquad_post_shift"], d.post_shift)
        assert np.array_equal(arr[f"{pre}_biquad_kernel"], d.kernel)
        runs = cascades(d.kernel, d.post_shift)
        assert list(arr[f"{pre}_cascade_first"]) == [r[0] for r in runs]
        assert list(arr[f"{pre}_cascade_stages"]) == [r[1] for r in runs]
        assert f"{stem.upper()}_DRV_{d.id.upper()}_GAIN_SHIFT ({d.gain_shift})" in hdr
    v = q.virtualizer
    assert f"{stem.upper()}_HAS_VIRTUALIZER {int(v is not None)}u" in hdr
    if v is not None:
        assert f"{stem.upper()}_VIRT_CONTRA_DELAY {v.contra_delay}u" in hdr
        for part, c in (("ipsi", v.ipsi), ("contra", v.contra)):
            pre = f"{stem}_virt_{part}"
            if len(c.post_shift) == 0:
                assert f"{pre}_biquad_coeffs" not in arr
                continue
            assert np.array_equal(arr[f"{pre}_biquad_coeffs"], np.asarray(c.coeffs).reshape(-1))
            assert np.array_equal(arr[f"{pre}_biquad_post_shift"], c.post_shift)
            assert np.array_equal(arr[f"{pre}_biquad_kernel"], c.kernel)
    for p in q.paths:
        pre = f"{stem}_path_{p.name.lower()}"
        if len(p.common):
            assert np.array_equal(arr[f"{pre}_common"], p.common)
        for d, r in zip(q.drivers, p.ratio, strict=True):
            key = f"{pre}_to_{d.id.lower()}_ratio"
            assert (key in arr) == (len(r) > 0)
            if len(r):
                assert np.array_equal(arr[key], r)
    assert bytes(int(v) for v in arr[f"{stem}_blob"]) == blob


def test_cmsis_sign_convention_and_time_reversal():
    """The header's tables are what arm_biquad_cascade_df1_q31 and arm_fir_q31
    take: a known section and a known asymmetric FIR, by hand."""
    from scipy.signal import butter

    from dsp_model.fixed.arith import quantize_fir_q31, quantize_sos_q31

    sos = butter(2, 1000, fs=48000, output="sos")
    c, ps = quantize_sos_q31(sos)
    a1, a2 = sos[0, 4], sos[0, 5]
    assert c[0, 3] == round(-a1 * 2 ** (31 - ps)) and c[0, 4] == round(-a2 * 2 ** (31 - ps))
    taps = quantize_fir_q31([0.5, 0.25, 0.125])
    assert list(taps) == [2**28, 2**29, 2**30]  # {h[2], h[1], h[0]}


@pytest.mark.parametrize("mb", [64, 7])
def test_header_sizes_are_the_c_loaders(mb):
    """The header's runtime figures come from the C loader (no second
    formula): equal to what the runtime reports after loading the blob."""
    from firmware_export.verify import CChain

    qs = [B.quantized_for(load_profile(n)) for n in bundled_profiles()]
    qs += [synthetic_chain(s, n_drivers=3, n_paths=4, virt=s > 1) for s in (1, 2, 3)]
    for q in qs:
        blob = chain_to_blob(q)
        need = runtime_requirements(blob, mb)
        assert need == CChain(blob, limits=dict(HOST_LIMITS, SS_MAX_BLOCK=mb)).usage()
        if mb == q.block_size:
            hdr = render_header(q, blob)
            P = q.profile_name.upper()
            assert f"#define {P}_SS_MEM32_WORDS {max(need['mem32_words'], 1)}\n" in hdr


class _Out:
    def __init__(self, out_dir):
        self.out_dir = out_dir


def _synthetic_out(tmp_path, name="synthvirt"):
    """Generated files of a synthetic chain with a virtualizer (sources 3, 4)."""
    q = dataclasses.replace(synthetic_chain(9, virt=True, n_paths=6, n_drivers=5,
                                            dither=True), profile_name=name)
    blob = chain_to_blob(q)
    d = tmp_path / name
    d.mkdir()
    (d / f"{name}_tables.h").write_text(render_header(q, blob))
    (d / f"{name}_tables.c").write_text(render_source(q, blob))
    (d / f"{name}.blob").write_bytes(blob)
    return _Out(d)


@NEEDS_GCC
@pytest.mark.parametrize("name", [*bundled_profiles(), "synthvirt"])
def test_host_program_from_generated_files_matches_the_model(built, tmp_path, name):
    """The generated .c compiled with the runtime into a host program sized
    exactly by the generated figures (-D for every TU): it loads the embedded
    blob, processes a stimulus in the profile's blocks and matches FixedChain
    bit for bit (every bundled profile, and a synthetic chain with the
    virtualizer stage and dither)."""
    a = _synthetic_out(tmp_path) if name == "synthvirt" else built[name][0]
    stem, P = name.lower(), name.upper()
    main = tmp_path / "main.c"
    main.write_text(f"""
#include <stdio.h>
#include <stdlib.h>
#include "{stem}_tables.h"
#include "ss_chain.h"
static ss_chain chain;
int main(int argc, char **argv)
{{
    static int32_t in[2 * {P}_BLOCK_SIZE], out[{P}_N_DRIVERS * {P}_BLOCK_SIZE];
    FILE *fi = fopen(argv[1], "rb"), *fo = fopen(argv[2], "wb");
    size_t n;
    int st = ss_chain_init_from_blob(&chain, {stem}_blob, {P}_BLOB_SIZE);
    (void)argc;
    if (st != SS_OK) {{ fprintf(stderr, "init: %s\\n", ss_strerror(st)); return 2; }}
    if (ss_chain_num_drivers(&chain) != {P}_N_DRIVERS) return 3;
    if (sizeof(ss_chain) != ss_chain_sizeof()) return 5; /* one layout in every TU */
    while ((n = fread(in, 2 * sizeof(int32_t), {P}_BLOCK_SIZE, fi)) > 0) {{
        if (ss_chain_process(&chain, in, out, (uint32_t)n) != SS_OK) return 4;
        fwrite(out, {P}_N_DRIVERS * sizeof(int32_t), n, fo);
    }}
    fclose(fi);
    fclose(fo);
    return 0;
}}
""")
    exe = tmp_path / "host"
    srcs = [str(RUNTIME_DIR / s) for s in RUNTIME_SOURCES] + \
        [str(o) for o in cmsis_fft_objects(tmp_path)]
    # the runtime's sizes, as the generated header states them, for every TU
    hdr = (a.out_dir / f"{stem}_tables.h").read_text()
    sizes = [f"-D{m.group(1)}={m.group(2)}"
             for m in re.finditer(rf"#define {P}_(SS_\w+) (\d+)", hdr)]
    assert len(sizes) == 7
    r = subprocess.run(["gcc", *STRICT, "-O2", *sizes, f"-I{a.out_dir}", f"-I{RUNTIME_DIR}",
                        str(main),
                        str(a.out_dir / f"{stem}_tables.c"), *srcs, "-o", str(exe), "-lm"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and not r.stderr, r.stderr
    q = chain_from_blob((a.out_dir / f"{stem}.blob").read_bytes())
    s = stimuli(q.fs)
    x = np.concatenate([s["noise"], s["extremes"]])
    (tmp_path / "in.raw").write_bytes(x.astype("<i4").tobytes())
    r = subprocess.run([str(exe), str(tmp_path / "in.raw"), str(tmp_path / "out.raw")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got = np.frombuffer((tmp_path / "out.raw").read_bytes(), "<i4").reshape(len(x), -1)
    assert np.array_equal(got, run_blocks(FixedChain(q).process, x, [q.block_size]))


def test_blob_for_profile_is_the_built_blob(built):
    for name, (a, _) in built.items():
        blob = B.blob_for_profile(name)
        assert blob == (a.out_dir / f"{name.lower()}.blob").read_bytes()
        assert blob == B.blob_for_profile(load_profile(name))
        assert chain_from_blob(blob).driver_ids == tuple(d.id for d in load_profile(name).drivers)


def _broken_design(profile, design_fn):
    """The profile's design with one unstable section in its first driver."""
    design = design_fn(profile)
    d0 = design.drivers[0]
    sos = np.array(d0.sos, float).copy()
    sos[0] = [0.1, 0.0, 0.0, 1.0, -2.0, 1.0001]  # poles outside the unit circle
    drivers = (dataclasses.replace(d0, sos=sos),) + tuple(design.drivers[1:])
    return dataclasses.replace(design, drivers=drivers)


def test_quantizer_refusal_is_one_line(monkeypatch, tmp_path, capsys):
    real = B.design_source()[1]
    monkeypatch.setattr(B, "design_source",
                        lambda: ("broken", lambda prof: _broken_design(prof, real)))
    with pytest.raises(CheckFailed) as e:
        B.build_profile("studio5", tmp_path / "x")
    msg = str(e.value)
    assert "\n" not in msg and "studio5" in msg and "section 0" in msg, msg
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())
    rc = cli_main(["build", "studio5", "--out", str(tmp_path / "y")])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and len(err.splitlines()) == 1 and "section 0" in err, err


def test_cli_build_writes_the_artifacts(tmp_path, capsys):
    assert cli_main(["build", "compact2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for f in ("compact2_tables.h", "compact2_tables.c", "compact2.blob", "manifest.json"):
        assert (tmp_path / f).is_file() and f in out
