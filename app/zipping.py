"""Deterministic zip files: the same inputs give the same bytes (and so the same sha256).

Entries are sorted by name, each carries one fixed timestamp and one file mode, and caches
(`__pycache__`, `*.pyc`) are left out: what a build writes depends only on the files' content.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

# The earliest time a zip can store; any fixed value would do.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
SKIPPED_PARTS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})


def files_under(root: Path, start: Path) -> Iterator[tuple[str, Path]]:
    """(archive name relative to `root`, path) of every file below `start`, caches left out."""
    for path in start.rglob("*"):
        rel = path.relative_to(root)
        if path.is_file() and not SKIPPED_PARTS & set(rel.parts) and path.suffix != ".pyc":
            yield rel.as_posix(), path


def write(out: Path, entries: Iterable[tuple[str, Path]]) -> str:
    """Write `entries` (archive name, source file) to `out`; returns the zip's sha256."""
    by_name = dict(entries)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(by_name):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100000 | FILE_MODE) << 16
            info.create_system = 3  # Unix, so the mode above is read as one
            archive.writestr(info, by_name[name].read_bytes())
    return sha256(out)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
