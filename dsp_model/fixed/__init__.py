"""Bit-accurate fixed-point vocabulary and kernels (issue #5).

* ``ops``     -- the primitive vocabulary, readable spec (plain Python ints);
* ``ops_nb``  -- the same ops, numba-compiled, used by the kernels;
* ``arith``   -- per-target arithmetic profiles, coefficient quantizers;
* ``kernels`` -- CMSIS-style kernels ``name(inst, src, dst, block_size)``.

The C twins live in ``firmware_export/runtime/ss_ops.h`` and
``ss_kernels.[ch]`` with the same names.

numba's disk cache (``cache=True``) keys a compiled function on its own
source file only, but the chain and the kernels have the ops and kernels of
the other files here compiled into them: after an edit to, say, ops_nb.py,
the cached ``chain._run_chunk`` would still run the old ops. So before any
submodule is imported, ``refresh_numba_cache`` hashes every .py here and, if
the digest differs from the stamp kept next to the cache, deletes the cached
*.nbi / *.nbc and writes the new stamp: any change to this package
recompiles all of it, once. It covers the in-tree ``__pycache__``, the
``NUMBA_CACHE_DIR`` directory when that is set, and numba's user-wide cache
(used when ``__pycache__`` is not writable); I/O errors (read-only installs)
are ignored -- the cache then stays as it is.
"""

import hashlib
import os
from pathlib import Path

_SRC_DIR = Path(__file__).resolve().parent
NUMBA_STAMP = "soundstage-fixed-sources.sha256"  # the stamp file, in each cache dir


def _sources_digest(src_dir: Path = _SRC_DIR) -> str:
    """SHA-256 over the names and contents of the .py files in src_dir."""
    h = hashlib.sha256()
    for p in sorted(src_dir.glob("*.py")):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _numba_cache_dirs(src_dir: Path = _SRC_DIR) -> list[tuple[Path, bool]]:
    """Where numba may cache this package's functions, each with whether to
    create it to hold the stamp (numba picks NUMBA_CACHE_DIR, else the
    in-tree __pycache__ if writable, else its user-wide cache directory)."""
    dirs = [(src_dir / "__pycache__", True)]
    try:  # numba's own naming of the per-source-directory subfolders
        import numba
        from numba.core import caching

        sub = caching._CacheLocator.get_suitable_cache_subpath(str(src_dir / "__init__.py"))
        if numba.config.CACHE_DIR:
            dirs.append((Path(numba.config.CACHE_DIR) / sub, True))
        user = caching.AppDirs(appname="numba", appauthor=False).user_cache_dir
        dirs.append((Path(user) / sub, False))
    except (ImportError, AttributeError):  # numba internals moved: in-tree only
        pass
    return dirs


def refresh_numba_cache(src_dir: Path = _SRC_DIR, cache_dirs=None) -> list[Path]:
    """Delete numba's cached machine code for this package if any of its .py
    files changed since the stamp was written; returns the files deleted.
    cache_dirs: [(directory, create_if_missing)], default ``_numba_cache_dirs``."""
    removed: list[Path] = []
    try:
        digest = _sources_digest(src_dir)
    except OSError:
        return removed
    for d, create in _numba_cache_dirs(src_dir) if cache_dirs is None else cache_dirs:
        stamp = d / NUMBA_STAMP
        try:
            if stamp.read_text().strip() == digest:
                continue
        except OSError:
            pass  # no stamp yet (or unreadable): treat as stale
        try:
            if not d.is_dir():
                if not create:
                    continue
                d.mkdir(parents=True, exist_ok=True)
            for f in sorted(d.glob("*.nbi")) + sorted(d.glob("*.nbc")):
                f.unlink(missing_ok=True)
                removed.append(f)
            tmp = d / f"{NUMBA_STAMP}.{os.getpid()}.tmp"
            tmp.write_text(digest + "\n")
            os.replace(tmp, stamp)
        except OSError:
            pass  # read-only install: leave the cache as it is
    return removed


refresh_numba_cache()

from . import ops, ops_nb  # noqa: E402
from .arith import (  # noqa: E402
    ARITH_TARGETS,
    ArithProfile,
    arith_profile,
    quantize_fir_q15,
    quantize_fir_q31,
    quantize_gain_q15,
    quantize_gain_q31,
    quantize_sos_q15,
    quantize_sos_q31,
)
from .kernels import (  # noqa: E402
    Biquad32x64Q31,
    BiquadDf1Q15,
    BiquadDf1Q31,
    DacQuantQ31,
    Delay,
    DelayQ15,
    DelayQ31,
    FirQ15,
    FirQ31,
    GainQ15,
    GainQ31,
    add_q15,
    add_q31,
    biquad_df1_32x64_q31,
    biquad_df1_32x64_q31_direct,
    biquad_df1_32x64_q31_init,
    biquad_df1_fast_q15,
    biquad_df1_fast_q15_init,
    biquad_df1_q15,
    biquad_df1_q15_init,
    biquad_df1_q31,
    biquad_df1_q31_direct,
    biquad_df1_q31_init,
    dac_quant_q31,
    dac_quant_q31_init,
    delay_q15,
    delay_q15_init,
    delay_q31,
    delay_q31_init,
    fir_fast_q15,
    fir_fast_q15_init,
    fir_q15,
    fir_q15_init,
    fir_q31,
    fir_q31_direct,
    fir_q31_init,
    gain_q15,
    gain_q15_init,
    gain_q31,
    gain_q31_init,
    mix_sat_q15,
    mix_sat_q31,
)
from .limiter import LimiterQ31, limiter_q31, limiter_q31_init  # noqa: E402

__all__ = [
    "ARITH_TARGETS",
    "ArithProfile",
    "Biquad32x64Q31",
    "BiquadDf1Q15",
    "BiquadDf1Q31",
    "DacQuantQ31",
    "Delay",
    "DelayQ15",
    "DelayQ31",
    "FirQ15",
    "FirQ31",
    "GainQ15",
    "GainQ31",
    "LimiterQ31",
    "add_q15",
    "add_q31",
    "arith_profile",
    "biquad_df1_32x64_q31",
    "biquad_df1_32x64_q31_direct",
    "biquad_df1_32x64_q31_init",
    "biquad_df1_fast_q15",
    "biquad_df1_fast_q15_init",
    "biquad_df1_q15",
    "biquad_df1_q15_init",
    "biquad_df1_q31",
    "biquad_df1_q31_direct",
    "biquad_df1_q31_init",
    "dac_quant_q31",
    "dac_quant_q31_init",
    "delay_q15",
    "delay_q15_init",
    "delay_q31",
    "delay_q31_init",
    "fir_fast_q15",
    "fir_fast_q15_init",
    "fir_q15",
    "fir_q15_init",
    "fir_q31",
    "fir_q31_direct",
    "fir_q31_init",
    "gain_q15",
    "gain_q15_init",
    "gain_q31",
    "gain_q31_init",
    "limiter_q31",
    "limiter_q31_init",
    "mix_sat_q15",
    "mix_sat_q31",
    "NUMBA_STAMP",
    "ops",
    "ops_nb",
    "quantize_fir_q15",
    "quantize_fir_q31",
    "quantize_gain_q15",
    "quantize_gain_q31",
    "quantize_sos_q15",
    "quantize_sos_q31",
    "refresh_numba_cache",
]
