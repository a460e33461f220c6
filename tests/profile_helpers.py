"""What the profile and head tests share: a bundled profile's raw TOML (to break
on purpose), its upmix variants (`upmix_cases`, `profile_with_upmix`), and the
skip marker for the tests that need MIT KEMAR's HRIRs."""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import dsp_model.heads as heads
from device_profiles import bundled_profiles, load_profile
from device_profiles._loader import resolve_path

needs_kemar = pytest.mark.skipif(
    not os.path.isfile(heads.KEMAR_SOFA),
    reason=f"KEMAR SOFA NOT INSTALLED: {heads.KEMAR_SOFA} is missing (apt-get install "
           "libmysofa1, or ./dev setup as root)")


def raw_profile(name: str) -> dict:
    """The bundled profile `name` as parsed TOML, before validation."""
    return tomllib.loads(resolve_path(name).read_text())


def upmix_cases(*names: str, slow_variant: bool = False) -> list:
    """pytest params (profile, upmix mode) for the chain tests: each bundled
    profile (or those named) with the upmix it ships and with the other one (both
    are settings of the chain), so the tests follow the profile and hold both
    modes end to end. `slow_variant` marks the added variant slow (where a
    chain run costs)."""
    out = []
    for name in names or bundled_profiles():
        shipped = load_profile(name).upmix.mode
        other = "passive" if shipped == "adaptive" else "adaptive"
        marks = [pytest.mark.slow] if slow_variant else []
        out.append(pytest.param(name, shipped, id=f"{name}-{shipped}"))
        out.append(pytest.param(name, other, id=f"{name}-{other}", marks=marks))
    return out


@functools.cache
def _variant_dir() -> Path:
    # one directory per test session: the design cache is keyed by the profile's
    # repr, which holds its path, so one variant is designed once per session
    d = tempfile.mkdtemp(prefix="soundstage-upmix-variants-")
    atexit.register(shutil.rmtree, d, True)
    return Path(d)


def profile_with_upmix(name: str, mode: str) -> str:
    """The bundled profile `name` if it ships `mode`; else the path of a copy of
    its TOML with [upmix] mode = `mode` and nothing else changed, loaded through
    the same checks (a path, so the CLI and the target builds take it as they
    take any profile)."""
    if load_profile(name).upmix.mode == mode:
        return name
    path = _variant_dir() / f"{name}_{mode}.toml"
    if not path.exists():
        text, n = re.subn(r'(?m)^mode = "\w+"', f'mode = "{mode}"',
                          resolve_path(name).read_text())
        assert n == 1, f"{name}: expected one [upmix] mode line, found {n}"
        path.write_text(text)
    assert load_profile(path).upmix.mode == mode
    return str(path)
