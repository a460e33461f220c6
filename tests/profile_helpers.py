"""What the profile and head tests share: a bundled profile's raw TOML (to break
on purpose), and the skip marker for the tests that need MIT KEMAR's HRIRs."""

from __future__ import annotations

import os
import sys

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import dsp_model.heads as heads
from device_profiles._loader import resolve_path

needs_kemar = pytest.mark.skipif(
    not os.path.isfile(heads.KEMAR_SOFA),
    reason=f"KEMAR SOFA NOT INSTALLED: {heads.KEMAR_SOFA} is missing (apt-get install "
           "libmysofa1, or ./dev setup as root)")


def raw_profile(name: str) -> dict:
    """The bundled profile `name` as parsed TOML, before validation."""
    return tomllib.loads(resolve_path(name).read_text())
