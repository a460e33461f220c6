"""A head as a choice: the profile's `[listener] head` (or `--head`) -> the head object.

    "sphere"        SphereHead of the profile's listener (head_radius, ear_angle)
    "kemar"         MIT KEMAR (KEMAR_SOFA, from Debian's libmysofa1) as an HrirSet at
                    the profile's rate, diffuse-field equalised to the sphere of the
                    profile's head_radius
    "<path>.sofa"   SimpleFreeFieldHRIR -> HrirSet (as KEMAR); GeneralFIR(-E) ->
                    DevicePlant (measured device -> ear responses at the profile's rate)

`[listener] heads = [...]` lists several heads the CTC is designed on together
(heads_for); the first of them is the profile's head.

Every consumer gets the object and passes it to driver_plant / source_plant; none
of them looks at which head it is. Loaded sets are cached per (file, its
modification time, rate, radius): sets are immutable, so sharing one is safe.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from device_profiles import HEADS, parse_head
from device_profiles.errors import UserError

from ._hrir import HRIR_CONVENTIONS, HrirSet, load_hrir_set
from ._plant import SphereHead
from ._sofa import DEVICE_CONVENTIONS, DevicePlant, open_sofa, read_device_sofa

KEMAR_SOFA = "/usr/share/libmysofa/MIT_KEMAR_normal_pinna.sofa"

_DEFAULT_RADIUS = 0.0875  # m, the schema's default head_radius
_DEFAULT_EAR_ANGLE = 90.0


def head_for(profile_or_name, fs: float | None = None, *, head: str | None = None):
    """The head object for a profile's choice (or a bare choice string).

    profile_or_name: a Profile (its listener.head, head_radius, ear_angle and
    sample_rate) or a choice ("sphere", "kemar", a .sofa path; then the sphere is
    the schema's default listener). head: overrides the profile's choice (the
    CLI's --head). fs: the rate of a measured head (default the profile's; with a
    bare name, the file's own). Problems are one-line UserErrors (exit code 2).
    """
    if isinstance(profile_or_name, str):
        choice = profile_or_name if head is None else head
        radius, ear_angle = _DEFAULT_RADIUS, _DEFAULT_EAR_ANGLE
    else:
        lis = profile_or_name.listener
        choice = lis.head if head is None else head
        radius, ear_angle = lis.head_radius, lis.ear_angle
        fs = profile_or_name.sample_rate if fs is None else fs
    choice = parse_head(choice)
    if choice == "sphere":
        return SphereHead(radius, ear_angle)
    if choice == "kemar":
        if not Path(KEMAR_SOFA).is_file():
            raise UserError(f"head 'kemar' needs {KEMAR_SOFA}, which is not installed: "
                            "apt-get install libmysofa1 (./dev installs it)")
        return _load(KEMAR_SOFA, _mtime(KEMAR_SOFA), fs, radius)
    if not Path(choice).is_file():
        raise UserError(f"{choice}: no such SOFA file (head = \"sphere\", \"kemar\" or the "
                        "path to a .sofa file)")
    return _load(choice, _mtime(choice), fs, radius)


def heads_for(profile, *, head: str | None = None) -> tuple:
    """The heads a design is made on together: the profile's `[listener] heads` (or its
    one `head`) as head objects, in order; `head` (the CLI's --head) replaces them by
    that one head. The first is the profile's head (head_for), the one the rest of
    the design and its reports use."""
    if head is not None:
        return (head_for(profile, head=head),)
    names = profile.listener.heads or (profile.listener.head,)
    return tuple(head_for(profile, head=n) for n in names)


def heads_label(heads) -> str:
    """A short name of one head or several: "sphere", "sphere+kemar"."""
    if isinstance(heads, (tuple, list)):
        return "+".join(head_name(h) for h in heads)
    return head_name(heads)


def _mtime(path: str) -> int:
    return Path(path).stat().st_mtime_ns


@lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int, fs: float | None, radius: float):
    conv = open_sofa(path, HRIR_CONVENTIONS + DEVICE_CONVENTIONS).conventions
    if conv in HRIR_CONVENTIONS:
        return load_hrir_set(path, fs=fs, sphere_radius=radius)
    return read_device_sofa(path, fs=fs)


def source_head(head, profile):
    """The head that hears sources other than the profile's drivers (the virtual and
    the reference stereo pair): the head itself, or for measured device -> ear
    responses (which hold the drivers only) the rigid sphere of the profile."""
    if isinstance(head, DevicePlant):
        return SphereHead(profile.listener.head_radius, profile.listener.ear_angle)
    return head


def head_name(head) -> str:
    """A short name of a head object for reports: "sphere", "kemar" or the file."""
    if isinstance(head, SphereHead):
        return "sphere"
    if isinstance(head, (HrirSet, DevicePlant)):
        src = str(head.source)
        return "kemar" if src and Path(src) == Path(KEMAR_SOFA) else src
    raise TypeError(f"not a head: {type(head).__name__}")


def describe_head(head) -> dict:
    """JSON-able description of a head for metrics: its name and what it is."""
    if isinstance(head, SphereHead):
        return {"name": "sphere", "model": "rigid sphere (acoustics.py)",
                "radius_m": head.radius, "ear_angle_deg": head.ear_angle}
    if isinstance(head, HrirSet):
        return {"name": head_name(head), "model": "measured HRIRs (SOFA SimpleFreeFieldHRIR), "
                "interpolated, diffuse-field equalised to the sphere", "file": head.source,
                "directions": int(len(head.azimuth)), "fs": head.fs}
    if isinstance(head, DevicePlant):
        return {"name": head_name(head), "model": "measured device -> ear responses "
                "(SOFA GeneralFIR)", "file": head.source,
                "listener_positions": int(len(head.listener_positions)), "fs": head.fs}
    raise TypeError(f"not a head: {type(head).__name__}")


__all__ = ["HEADS", "KEMAR_SOFA", "head_for", "heads_for", "heads_label", "source_head",
           "head_name", "describe_head"]
