"""SOFA (AES69) files in and out through sofar: opening, checks, resampling, device plants.

Every problem with a file is a one-line `UserError` (the CLI exits 2): the
file, what is wrong, what to do.

sofar returns arrays with singleton dimensions dropped (a file with one
emitter gives a 3-D Data.IR), so the dimension sizes (M, R, N, E) are read
from the netCDF header and the arrays reshaped to them.

Device plants (measured driver -> ear responses) are GeneralFIR-E files:
GeneralFIR with an emitter dimension (AES69-2022), Data.IR (M, R, N, E) with
one measurement per listener position (M = P), the two ears as receivers
(R = 2, [left, right]) and one emitter per driver (E = D). Plain GeneralFIR
(Data.IR (M, R, N), one emitter) is read too when its measurements are the
listener positions x drivers grid, one (listener, emitter position) pair each.
The global frame of a device file is the profile's (device_profiles/_schema.py):
device at the origin, +x the listener's right, +y toward the listener, +z up;
ListenerView gives the way each listener faces ((0, -1, 0) at yaw 0, toward the
device), ReceiverPosition the ears in the listener's own frame (SOFA's: +x
ahead, +y left).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import netCDF4
import numpy as np
import sofar
from scipy.signal import resample_poly

from device_profiles.errors import UserError

MAX_RESAMPLE_FACTOR = 1000  # up or down factor of resample_poly after reduction


@dataclass(frozen=True, eq=False)
class SofaData:
    """A SOFA file as read: conventions, variables (sofar names, e.g. Data_IR), dimensions."""

    path: str
    conventions: str
    variables: dict
    dims: dict[str, int]

    def has(self, name: str) -> bool:
        return name in self.variables

    def get(self, name: str):
        return self.variables[name]


def open_sofa(path, supported: tuple[str, ...]) -> SofaData:
    """Read a SOFA file of one of the `supported` conventions, or raise a one-line UserError."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: no such SOFA file")
    if p.suffix != ".sofa":
        # sofar replaces any suffix by .sofa before opening: it would read another file.
        raise UserError(f"{p}: a SOFA file must end in .sofa (sofar opens no other name); "
                        "rename it")
    try:
        with netCDF4.Dataset(p, "r") as nc:
            dims = {k: len(v) for k, v in nc.dimensions.items()}
            conv = getattr(nc, "SOFAConventions", None)
    except OSError as e:
        raise UserError(f"{p}: not a SOFA file, netCDF4 cannot open it ({_one_line(e)}); "
                        "export it again as SOFA (AES69)") from None
    if conv is None:
        raise UserError(f"{p}: no SOFAConventions attribute, so not a SOFA file; "
                        "export it again as SOFA (AES69)")
    conv = str(conv)
    if conv not in supported:
        raise UserError(f"{p}: SOFA convention {conv!r} is not supported (supported: "
                        f"{', '.join(supported)}); convert the data to one of them")
    try:
        s = sofar.read_sofa_as_netcdf(str(p))
    except Exception as e:  # sofar/netCDF4 raise many kinds on damaged files
        raise UserError(f"{p}: damaged SOFA file, sofar cannot read it ({_one_line(e)}); "
                        "export it again") from None
    names = [k for k in vars(s) if not k.startswith("_")]
    return SofaData(str(p), conv, {k: getattr(s, k) for k in names}, dims)


def _one_line(e: Exception) -> str:
    text = " ".join(str(e).split())
    return text[:160] if text else type(e).__name__


def require(sd: SofaData, names: tuple[str, ...]) -> None:
    """One UserError naming every missing variable (SOFA spelling, Data.IR not Data_IR)."""
    missing = [n for n in names if not sd.has(n.replace(".", "_"))]
    if missing:
        raise UserError(f"{sd.path}: {sd.conventions} file without {', '.join(missing)}; "
                        "the convention requires them: export the file again in full")


def array(sd: SofaData, name: str, shape: tuple[str | int, ...]) -> np.ndarray:
    """Variable `name` as a float array of `shape` (dimension letters or sizes).

    A variable given once ('I' where the shape asks for 'M') is broadcast to
    the M measurements.
    """
    want = tuple(sd.dims.get(d, 1) if isinstance(d, str) else d for d in shape)
    x = np.asarray(np.ma.filled(np.ma.asarray(sd.get(name.replace(".", "_")), float),
                                np.nan), float)
    if not np.all(np.isfinite(x)):
        raise UserError(f"{sd.path}: {name} holds missing or non-finite values; "
                        "export the file again")
    if x.size == int(np.prod(want)):
        return x.reshape(want)
    one = tuple(1 if d == "M" else n for d, n in zip(shape, want, strict=True))
    if "M" in shape and x.size == int(np.prod(one)):  # given once (I) for all measurements
        return np.broadcast_to(x.reshape(one), want).copy()
    raise UserError(f"{sd.path}: {name} has {x.size} values, the file's dimensions "
                    f"({', '.join(f'{d}={n}' for d, n in zip(shape, want, strict=True))}) "
                    f"ask for {int(np.prod(want))}; export the file again")


def directions(sd: SofaData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SourcePosition (M,) as SOFA azimuth, elevation (deg) and distance (m)."""
    pos = array(sd, "SourcePosition", ("M", "C"))
    if attribute(sd, "SourcePosition_Type", "spherical").lower() == "spherical":
        return pos[:, 0], pos[:, 1], pos[:, 2]  # as written, no round trip
    xyz = cartesian(sd, "SourcePosition", pos)
    r = np.linalg.norm(xyz, axis=-1)
    el = np.rad2deg(np.arcsin(np.clip(xyz[:, 2] / np.where(r > 0, r, 1.0), -1, 1)))
    return np.rad2deg(np.arctan2(xyz[:, 1], xyz[:, 0])), el, r


def attribute(sd: SofaData, name: str, default: str) -> str:
    return str(sd.variables.get(name.replace(".", "_").replace(":", "_"), default))


def cartesian(sd: SofaData, name: str, xyz: np.ndarray) -> np.ndarray:
    """Positions (..., 3) of variable `name` in cartesian metres, whatever its :Type."""
    kind = attribute(sd, f"{name}_Type", "cartesian").lower()
    if kind == "cartesian":
        return xyz
    if kind == "spherical":
        az, el, r = np.deg2rad(xyz[..., 0]), np.deg2rad(xyz[..., 1]), xyz[..., 2]
        return np.stack([r * np.cos(el) * np.cos(az), r * np.cos(el) * np.sin(az),
                         r * np.sin(el)], axis=-1)
    raise UserError(f"{sd.path}: {name}:Type {kind!r} is not supported (cartesian or "
                    "spherical); export the file again")


def sampling_rate(sd: SofaData) -> float:
    """The file's one sampling rate (Hz), or a one-line UserError."""
    x = np.ravel(np.ma.filled(np.ma.asarray(sd.get("Data_SamplingRate"), float), np.nan))
    if x.size == 0 or not np.all(np.isfinite(x)) or np.any(x <= 0):
        raise UserError(f"{sd.path}: Data.SamplingRate {x.tolist()} Hz is not a positive "
                        "sample rate; fix the file's Data.SamplingRate")
    if np.ptp(x) > 0:
        raise UserError(f"{sd.path}: Data.SamplingRate varies between measurements "
                        f"({x.min():g}..{x.max():g} Hz); resample the file to one rate")
    return float(x[0])


def resample(sd_path: str, x: np.ndarray, fs_from: float, fs_to: float | None) -> np.ndarray:
    """Impulse responses (..., N) from fs_from to fs_to (scipy.signal.resample_poly).

    The result is scaled by fs_from / fs_to so the transfer function keeps its
    gain: an impulse response is a filter, and at a higher rate the same
    continuous response takes more samples (a signal would keep its amplitude).
    The anti-aliasing filter is a Kaiser window of beta 8 (on KEMAR, 44.1 -> 48
    kHz: error -82 dB re the set's peak over 500 Hz-6 kHz; scipy's default
    beta 5 gives -57 dB). Rates must be whole hertz and the reduced ratio up/down at most
    MAX_RESAMPLE_FACTOR each; otherwise a one-line UserError.
    """
    if fs_to is None or fs_to == fs_from:
        return x
    for what, fs in (("the file's", fs_from), ("the requested", fs_to)):
        if not np.isfinite(fs) or fs <= 0 or abs(fs - round(fs)) > 1e-6:
            raise UserError(f"{sd_path}: {what} sample rate {fs:g} Hz cannot be resampled "
                            f"(only whole-hertz rates can); resample the file to "
                            f"{round(fs_to) if fs_to else 48000} Hz elsewhere")
    ratio = Fraction(round(fs_to), round(fs_from))
    up, down = ratio.numerator, ratio.denominator
    if max(up, down) > MAX_RESAMPLE_FACTOR:
        raise UserError(f"{sd_path}: sample rate {fs_from:g} Hz cannot be resampled to "
                        f"{fs_to:g} Hz (ratio {up}/{down}, factors above "
                        f"{MAX_RESAMPLE_FACTOR}); resample the file to {fs_to:g} Hz elsewhere")
    return resample_poly(x, up, down, axis=-1, window=("kaiser", 8.0)) * (fs_from / fs_to)


# --- device plants: measured driver -> ear impulse responses ------------------------------

DEVICE_CONVENTIONS = ("GeneralFIR-E", "GeneralFIR")


@dataclass(frozen=True, eq=False)
class DevicePlant:
    """Driver -> ear impulse responses at listener positions.

    irs (P, 2, D, N) [left, right ear] at fs; listener_positions (P, 3) head
    centres and yaw_deg (P,) (+ toward +x) in the profile's frame;
    emitter_positions (D, 3) the drivers; ear_offset (2, 3) the ears in the
    listener's SOFA frame (+x ahead, +y left); source: where it came from.
    """

    irs: np.ndarray
    fs: float
    listener_positions: np.ndarray
    yaw_deg: np.ndarray
    emitter_positions: np.ndarray
    ear_offset: np.ndarray
    source: str = "model"


def _view(yaw_deg: np.ndarray) -> np.ndarray:
    """ListenerView vectors (P, 3) for yaws (deg, + toward +x): (0, -1, 0) at 0."""
    y = np.deg2rad(np.asarray(yaw_deg, float))
    return np.stack([np.sin(y), -np.cos(y), np.zeros_like(y)], axis=-1)


def write_device_sofa(path, plant: DevicePlant, *, title: str = "", comment: str = "") -> None:
    """Write a DevicePlant as a GeneralFIR-E SOFA file (sofar verifies it on writing)."""
    irs = np.asarray(plant.irs, float)
    p_, r_, d_, _ = irs.shape
    s = sofar.Sofa("GeneralFIR-E")
    s.GLOBAL_Title = title or "soundstage device plant"
    s.GLOBAL_Comment = comment or (
        "driver -> ear impulse responses; global frame: device at the origin, +x the "
        "listener's right, +y toward the listener, +z up (soundstage profile coordinates); "
        "receivers [left, right] ear, one emitter per driver")
    s.GLOBAL_AuthorContact = "soundstage"
    s.GLOBAL_Organization = "soundstage"
    s.ListenerPosition = np.asarray(plant.listener_positions, float).reshape(p_, 3)
    s.add_variable("ListenerView", _view(plant.yaw_deg).reshape(p_, 3), "double", "MC")
    s.add_attribute("ListenerView_Type", "cartesian")
    s.add_attribute("ListenerView_Units", "metre")
    s.add_variable("ListenerUp", np.array([0.0, 0.0, 1.0]), "double", "IC")
    s.ReceiverPosition = np.asarray(plant.ear_offset, float).reshape(r_, 3)
    s.SourcePosition = np.zeros(3)
    s.SourcePosition_Type = "cartesian"
    s.SourcePosition_Units = "metre"
    s.EmitterPosition = np.asarray(plant.emitter_positions, float).reshape(d_, 3)
    s.Data_IR = np.transpose(irs, (0, 1, 3, 2))  # (M, R, N, E)
    s.Data_SamplingRate = float(plant.fs)
    s.Data_Delay = np.zeros((1, r_, d_))
    sofar.write_sofa(str(path), s)


def read_device_sofa(path, fs: float | None = None) -> DevicePlant:
    """Read measured driver -> ear responses (GeneralFIR-E, or GeneralFIR as a grid).

    fs: resample to this rate (default: keep the file's).
    """
    sd = open_sofa(path, DEVICE_CONVENTIONS)
    need = ("Data.IR", "Data.SamplingRate", "ListenerPosition", "ListenerView",
            "ReceiverPosition", "EmitterPosition")
    require(sd, need)
    fs_file = sampling_rate(sd)
    if sd.dims.get("R") != 2:
        raise UserError(f"{sd.path}: {sd.dims.get('R')} receivers; a device plant has two, "
                        "the left and the right ear")
    lis = cartesian(sd, "ListenerPosition", array(sd, "ListenerPosition", ("M", "C")))
    view = cartesian(sd, "ListenerView", array(sd, "ListenerView", ("M", "C")))
    ears = cartesian(sd, "ReceiverPosition", array(sd, "ReceiverPosition", ("R", "C")))
    yaw = np.rad2deg(np.arctan2(view[:, 0], -view[:, 1]))
    if np.any(np.abs(view[:, 2]) > 1e-6 * np.linalg.norm(view, axis=-1)):
        raise UserError(f"{sd.path}: ListenerView tilts out of the horizontal plane; only "
                        "head yaw is supported")
    if sd.conventions == "GeneralFIR-E":
        emit = cartesian(sd, "EmitterPosition", array(sd, "EmitterPosition", ("E", "C")))
        ir = array(sd, "Data.IR", ("M", "R", "N", "E"))  # (M, R, N, E)
        irs = np.transpose(ir, (0, 1, 3, 2))
        delay = array(sd, "Data.Delay", ("M", "R", "E")) if sd.has("Data_Delay") else None
    else:
        irs, lis, view_yaw, emit, delay = _general_fir_grid(sd, lis, yaw)
        yaw = view_yaw
    if delay is not None and np.any(delay != 0):
        raise UserError(f"{sd.path}: Data.Delay is not zero; write the delays into "
                        "Data.IR (soundstage reads zero-delay files only)")
    # ears in the listener frame: SOFA's +y is the left ear
    order = np.argsort(-ears[:, 1])
    if ears[order[0], 1] <= ears[order[1], 1]:
        raise UserError(f"{sd.path}: ReceiverPosition does not tell left (+y) from right "
                        "(-y) ear; write the ears at (0, +a, 0) and (0, -a, 0)")
    irs = resample(sd.path, irs[:, order], fs_file, fs)
    return DevicePlant(irs, fs_file if fs is None else float(fs), lis, yaw, emit,
                       ears[order], sd.path)


def _general_fir_grid(sd: SofaData, lis: np.ndarray, yaw: np.ndarray):
    """Plain GeneralFIR (one emitter, M = P x D measurements) -> the (P, 2, D, N) grid."""
    m_ = sd.dims["M"]
    ir = array(sd, "Data.IR", ("M", "R", "N"))
    src = cartesian(sd, "SourcePosition", array(sd, "SourcePosition", ("M", "C")))
    if sd.dims.get("E", 1) != 1:
        raise UserError(f"{sd.path}: GeneralFIR with {sd.dims['E']} emitters but no emitter "
                        "dimension in Data.IR; write GeneralFIR-E")
    offset = array(sd, "EmitterPosition", ("E", "C", "M"))[0].T  # (M, C), eCM or eCI
    emit = src + cartesian(sd, "EmitterPosition", offset)
    il, pos = _first_seen(np.concatenate([lis, yaw[:, None]], axis=1))
    ie, emitters = _first_seen(emit)
    p_, d_ = len(pos), len(emitters)
    grid = np.full((p_, d_), -1)
    grid[il, ie] = np.arange(m_)
    if p_ * d_ != m_ or np.any(grid < 0):
        raise UserError(f"{sd.path}: GeneralFIR measurements are not one per (listener "
                        f"position, emitter) pair ({m_} measurements, {p_} positions x "
                        f"{d_} emitters); write GeneralFIR-E")
    irs = np.transpose(ir[grid], (0, 2, 1, 3))  # (P, D, R, N) -> (P, R, D, N)
    delay = array(sd, "Data.Delay", ("M", "R"))[grid] if sd.has("Data_Delay") else None
    return irs, pos[:, :3], pos[:, 3], emitters, delay


def _first_seen(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each row (to 1 um / 1e-6 deg) among the distinct rows in order of first
    appearance, and those rows."""
    seen: dict[tuple, int] = {}
    first = []
    idx = np.empty(len(rows), int)
    for m, row in enumerate(rows):
        idx[m] = seen.setdefault(tuple(np.round(row, 6)), len(seen))
        if idx[m] == len(first):
            first.append(row)
    return idx, np.array(first)


