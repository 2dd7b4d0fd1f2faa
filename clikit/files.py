"""The one way either tool writes a file: all or nothing, with the mode a plain open() gives.

Mode rule: every file a tool writes gets ``0o666 & ~umask`` (0644 under the usual umask 022),
as ``open()`` would create it. None of them holds a secret (templates, stack outputs, the gate's
cache), and CI steps that run as other users must be able to read them. The temporary file
is made with mkstemp (0600) and chmod-ed before the rename, so no reader ever sees it half-written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, text: str, *, parents: bool = False) -> None:
    """Write ``text`` to a temp file beside ``path`` and rename it over ``path``.

    ``parents`` creates missing directories first. Raises OSError (nothing written, no temp
    file left) when the directory is missing or not writable, or when ``path`` is a directory.
    """
    directory = path.parent if str(path.parent) else Path(".")
    if parents:
        directory.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(path))
    if path.exists() and not path.is_file():
        # A device or a pipe (--output /dev/null, /dev/stdout, a FIFO): a rename would replace
        # it with a regular file, so it is written in place; it holds no half-written file.
        with path.open("w", encoding="utf-8") as handle:
            handle.write(text)
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
