"""`soundstage build`: everything the firmware build needs, for one profile.

    profile -> design (`design_for`) -> `quantize_chain` (checks) -> tables
      -> <name>_tables.h / <name>_tables.c   (headers.py: CMSIS layouts, #defines)
      -> <name>.blob                         (tables.py + blob.py: the flashable image)
      -> <name>_quant_report.txt             (headroom plan, kernels, post-shifts, errors)
      -> manifest.json                       (every artifact with its SHA-256)

Design source: the one switch `soundstage validate` uses
(``dsp_model.validate.chain_design_for``): ``dsp_model.design.design_chain``
when it exists (the full design), else the plain-stereo chain; an error
inside an existing design module propagates. Quantized with the same
arguments validate uses, so the blob is the chain validate checked.

Deterministic: no timestamps, no absolute paths, sorted keys; two runs give
byte-identical files (tests/test_build.py checks it).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from device_profiles import Profile, load_profile
from device_profiles.errors import CheckFailed

MANIFEST_VERSION = 1


# The full design takes seconds; one process (a test session, `golden
# --update`) asks for the same profile many times. Keyed by the whole
# resolved profile (its repr), so any change to it is designed afresh.
_DESIGNS: dict[str, object] = {}
_QUANTIZED: dict[str, object] = {}


def _validate_design(profile: Profile):
    from dsp_model.validate import chain_design_for

    key = repr(profile)
    if key not in _DESIGNS:
        _DESIGNS[key] = chain_design_for(profile)[0]
    return _DESIGNS[key]


def design_source() -> tuple[str, object]:
    """(name, function profile -> ChainDesign) of the design in use: the one
    `soundstage validate` checks (`dsp_model.validate.chain_design_for`)."""
    return "dsp_model.design.design_chain", _validate_design


def design_for(profile: Profile):
    return design_source()[1](profile)


def quantized_for(profile: Profile):
    """The profile's design, quantized for its target exactly as `soundstage
    validate` quantizes it. A design the quantizer's checks refuse raises
    `CheckFailed` with one line naming the stage, the filter and the figure."""
    from firmware_export.quantize import quantize_chain

    fn = design_source()[1]
    key = repr(profile)
    if fn is _validate_design and key in _QUANTIZED:
        return _QUANTIZED[key]
    design = fn(profile)
    try:
        q = quantize_chain(design, profile.target, tolerance_db=profile.output.tolerance_db,
                           dither=profile.output.dither)
    except CheckFailed as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CheckFailed(f"profile {profile.name}: quantization refused the design: "
                          f"{first}") from None
    if fn is _validate_design:
        _QUANTIZED[key] = q
    return q


def _resolve(profile) -> Profile:
    return profile if isinstance(profile, Profile) else load_profile(profile)


def blob_for_profile(profile) -> bytes:
    """The flashable profile blob of `profile` (a `Profile`, bundled name or
    TOML path): design, quantize (with its checks), serialize."""
    from firmware_export.tables import chain_to_blob

    return chain_to_blob(quantized_for(_resolve(profile)))


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class BuildResult:
    profile: str
    out_dir: Path
    artifacts: dict[str, str]  # relative path -> sha256
    manifest: Path


def build_profile(profile, out_dir) -> BuildResult:
    """Write the header, tables .c, blob and manifest of `profile` into `out_dir`."""
    from firmware_export.headers import c_identifier, render_header, render_source
    from firmware_export.tables import chain_to_blob

    prof = _resolve(profile)
    q = quantized_for(prof)
    blob = chain_to_blob(q)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = c_identifier(prof.name).lower()
    files = {
        f"{stem}_tables.h": render_header(q, blob).encode(),
        f"{stem}_tables.c": render_source(q, blob).encode(),
        f"{stem}.blob": blob,
        f"{stem}_quant_report.txt": _report_text(q).encode(),
    }
    for rel, data in files.items():
        _write_if_changed(out / rel, data)
    artifacts = {rel: hashlib.sha256(data).hexdigest() for rel, data in sorted(files.items())}
    src_name, _ = design_source()
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "profile": prof.name,
        "target": q.target,
        "design_source": src_name,
        "sample_rate": q.fs,
        "n_drivers": q.n_drivers,
        "drivers": list(q.driver_ids),
        "blob_sha256": hashlib.sha256(blob).hexdigest(),
        "artifacts": [{"path": rel, "sha256": h, "bytes": len(files[rel])}
                      for rel, h in artifacts.items()],
    }
    mpath = out / "manifest.json"
    _write_if_changed(mpath, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    return BuildResult(prof.name, out, artifacts, mpath)


def _report_text(q) -> str:
    """The quantizer's report (headroom plan, kernels, post-shifts, errors)."""
    lines = [f"quantization report: profile {q.profile_name}, target {q.target}"]
    lines += q.report.lines() if q.report is not None else ["(no report)"]
    return "\n".join(lines) + "\n"


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
