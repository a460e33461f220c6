"""dsp_model.fixed clears numba's disk cache when any of its sources changes.

numba keys a cached function on its own file only; the package's __init__
stamps a digest of all its .py files next to the cache and deletes the cached
*.nbi / *.nbc when the digest moves (``refresh_numba_cache``). Exercised on a
temporary copy: nothing in the package is edited.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dsp_model import fixed as F


@pytest.fixture()
def pkg(tmp_path):
    """A copy of the package's sources with a fake numba cache beside them."""
    src = tmp_path / "fixed"
    src.mkdir()
    for p in Path(F.__file__).parent.glob("*.py"):
        shutil.copy(p, src / p.name)
    cache = src / "__pycache__"
    cache.mkdir()
    return src, cache


def _fake_cache(cache: Path) -> list[Path]:
    files = [cache / "chain._run_chunk-451.py311.nbi", cache / "chain._run_chunk-451.py311.1.nbc",
             cache / "ops_nb.wrap32-33.py311.nbi"]
    for f in files:
        f.write_bytes(b"stale machine code")
    (cache / "chain.cpython-311.pyc").write_bytes(b"not numba's")
    return files


def test_stale_cache_is_deleted_when_the_digest_differs(pkg):
    src, cache = pkg
    dirs = [(cache, True)]
    fake = _fake_cache(cache)
    # no stamp yet: everything numba cached is stale
    assert sorted(F.refresh_numba_cache(src, dirs)) == sorted(fake)
    assert not any(f.exists() for f in fake)
    assert (cache / "chain.cpython-311.pyc").exists()  # only numba's files go
    stamp = cache / F.NUMBA_STAMP
    assert stamp.read_text().strip() == F._sources_digest(src)
    assert not list(cache.glob("*.tmp"))
    # same sources: the cache (compiled from them) is kept
    fresh = _fake_cache(cache)
    assert F.refresh_numba_cache(src, dirs) == []
    assert all(f.exists() for f in fresh)
    # any .py of the package changes -- not only the file a function lives in
    ops_nb = src / "ops_nb.py"
    ops_nb.write_text(ops_nb.read_text() + "\n# edited\n")
    assert sorted(F.refresh_numba_cache(src, dirs)) == sorted(fresh)
    assert stamp.read_text().strip() == F._sources_digest(src)
    # a new source file counts too
    (src / "new_kernel.py").write_text("X = 1\n")
    _fake_cache(cache)
    assert len(F.refresh_numba_cache(src, dirs)) == 3


def test_a_wrong_stamp_is_stale_and_missing_dirs(pkg, tmp_path):
    src, cache = pkg
    (cache / F.NUMBA_STAMP).write_text("0" * 64 + "\n")
    fake = _fake_cache(cache)
    absent_user_wide = tmp_path / "user-cache" / "fixed_abc"
    absent_env = tmp_path / "env-cache" / "fixed_abc"
    removed = F.refresh_numba_cache(src, [(cache, True), (absent_user_wide, False),
                                          (absent_env, True)])
    assert sorted(removed) == sorted(fake)
    assert not absent_user_wide.exists()  # not created: numba is not using it
    assert (absent_env / F.NUMBA_STAMP).read_text().strip() == F._sources_digest(src)


def test_io_errors_are_ignored(pkg, tmp_path):
    """A cache 'directory' that cannot be made (here: a file) is skipped."""
    src, _ = pkg
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    assert F.refresh_numba_cache(src, [(blocker, True)]) == []
    assert F.refresh_numba_cache(tmp_path / "missing", [(blocker, True)]) == []


def test_cache_dirs_cover_numba_cache_dir(monkeypatch, tmp_path):
    import numba

    src = Path(F.__file__).resolve().parent
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    dirs = [d for d, _ in F._numba_cache_dirs(src)]
    assert dirs[0] == src / "__pycache__"
    assert any(d.parent == tmp_path and d.name.startswith("fixed_") for d in dirs)
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    assert not any(d.parent == tmp_path for d, _ in F._numba_cache_dirs(src))


def test_the_package_stamp_is_current():
    """Importing dsp_model.fixed ran the refresh: the in-tree stamp matches."""
    cache = Path(F.__file__).resolve().parent / "__pycache__"
    stamp = cache / F.NUMBA_STAMP
    if not stamp.exists():
        pytest.skip("read-only install: no in-tree stamp")
    assert stamp.read_text().strip() == F._sources_digest()
