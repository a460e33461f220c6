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

Debian's libmysofa1 ships MIT KEMAR as KEMAR_SOFA below (./dev installs it).
"""

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
    source_directions,
    source_plant,
    sphere_head,
)
from ._sofa import DevicePlant, read_device_sofa, write_device_sofa

KEMAR_SOFA = "/usr/share/libmysofa/MIT_KEMAR_normal_pinna.sofa"

__all__ = [
    "KEMAR_SOFA",
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
