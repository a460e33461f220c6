"""Device profiles: the TOML files shipped here, their schema and their loader."""

from ._loader import (
    DEFAULT_PROFILE,
    bundled_profiles,
    load_profile,
    parse_head,
    parse_profile,
)
from ._schema import (
    HEADS,
    UPMIX_HOLD_DIV,
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
)
from .errors import CheckFailed, DeviceError, ProfileError, SoundstageError, UserError

__all__ = [
    "DEFAULT_PROFILE", "HEADS", "UPMIX_HOLD_DIV", "UPMIX_WIDTH_BANDS", "bundled_profiles",
    "load_profile",
    "parse_head", "parse_profile",
    "BeamformerSettings", "CrossoverSettings", "CtcSettings", "Driver", "LimiterSettings",
    "Listener",
    "OutputSettings", "Profile", "UpmixHold", "UpmixSettings", "VirtualizerSettings",
    "CheckFailed", "DeviceError", "ProfileError", "SoundstageError", "UserError",
]
