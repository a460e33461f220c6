"""Heads and measured acoustics: the plant from the rigid sphere or from SOFA (AES69) data.

One interface, `driver_plant(freqs, profile, head, heads=..., yaw_deg=...)`
-> (F, P, 2, D), the layout of acoustics.drivers_to_ears, for any head:

    SphereHead     the rigid sphere of dsp_model.acoustics
    HrirSet        a measured head, SOFA SimpleFreeFieldHRIR (load_hrir_set),
                   e.g. MIT KEMAR; interpolated between measured directions
    DevicePlant    measured driver -> ear responses at listener positions,
                   SOFA GeneralFIR-E (read_device_sofa / write_device_sofa)

Conventions (directions, the SOFA mapping, onsets, interpolation,
normalisation) are in _hrir.py's and _sofa.py's docstrings. Problems with a
file are one-line device_profiles.errors.UserError (CLI exit code 2).

A head is a choice (_choice.py): `head_for(profile)` turns the profile's
`[listener] head` ("sphere", "kemar" or a .sofa path; --head on the command
line overrides it) into the object every consumer passes down; `heads_for` turns
`[listener] heads = [...]` into the heads a CTC is designed on together, and
`plant_over_heads` stacks their plants along the position axis. Debian's
libmysofa1 ships MIT KEMAR as KEMAR_SOFA (./dev installs it).
"""

from ._choice import (
    HEADS,
    KEMAR_SOFA,
    describe_head,
    head_for,
    head_name,
    heads_for,
    heads_label,
    source_head,
)
from ._hrir import (
    HrirSet,
    dtft,
    hrtf,
    interpolation_weights,
    load_hrir_set,
    onset_delays,
    select,
)
from ._plant import (
    SphereHead,
    device_response,
    driver_plant,
    head_response,
    model_device_plant,
    plant_firs,
    plant_over_heads,
    source_directions,
    source_plant,
    sphere_head,
)
from ._sofa import DevicePlant, read_device_sofa, write_device_sofa

__all__ = [
    "HEADS",
    "KEMAR_SOFA",
    "head_for",
    "heads_for",
    "heads_label",
    "plant_over_heads",
    "source_head",
    "head_name",
    "describe_head",
    "SphereHead",
    "sphere_head",
    "HrirSet",
    "load_hrir_set",
    "onset_delays",
    "interpolation_weights",
    "hrtf",
    "select",
    "dtft",
    "DevicePlant",
    "read_device_sofa",
    "write_device_sofa",
    "model_device_plant",
    "device_response",
    "source_directions",
    "head_response",
    "source_plant",
    "driver_plant",
    "plant_firs",
]
