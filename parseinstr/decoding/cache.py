"""On-disk cache of compiled grammars: one ``.npz`` file per (grammar, tokenizer, version).

Files are written atomically; one that cannot be read back (truncated, from another numpy,
edited) is deleted and rebuilt by the caller. The folder is kept under a size limit by
removing the least recently used files.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

#: Default size limit of the cache folder, in bytes.
DEFAULT_LIMIT = 1 << 30


def cache_dir() -> Path:
    """``$PARSEINSTR_CACHE/decoding``, else ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    root = os.environ.get("PARSEINSTR_CACHE")
    if root:
        return Path(root) / "decoding"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "parseinstr" / "decoding"


def load(key: str, folder: Path | None = None) -> dict[str, np.ndarray] | None:
    """The arrays stored under ``key``, or None (missing, or broken and now removed)."""
    path = (folder or cache_dir()) / f"{key}.npz"
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        os.utime(path)  # least recently *used* goes first
        return arrays
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        path.unlink(missing_ok=True)
        return None


def store(
    key: str, arrays: dict[str, np.ndarray], folder: Path | None = None, limit: int = DEFAULT_LIMIT
) -> Path | None:
    """Write ``arrays`` under ``key`` atomically; trim the folder to ``limit`` bytes.

    Returns the path, or None when the folder cannot be written (the cache is optional).
    """
    folder = folder or cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        path = folder / f"{key}.npz"
        os.replace(tmp, path)
    except OSError:
        return None
    trim(folder, limit)
    return path


def trim(folder: Path, limit: int) -> None:
    """Delete least recently used entries until the folder holds at most ``limit`` bytes."""
    try:
        entries = [(p.stat().st_mtime, p.stat().st_size, p) for p in folder.glob("*.npz")]
    except OSError:
        return
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= limit:
            break
        path.unlink(missing_ok=True)
        total -= size


def clear(folder: Path | None = None) -> int:
    """Remove every cached file; returns how many were removed."""
    folder = folder or cache_dir()
    n = 0
    for pattern in ("*.npz", "*.tmp"):
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)
            n += 1
    return n
