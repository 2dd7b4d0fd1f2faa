"""clikit.files.write_atomic: all or nothing on a regular file, in place on a device or a pipe."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from clikit.files import write_atomic


def test_a_regular_file_is_replaced_whole_and_no_temp_file_is_left(tmp_path: Path) -> None:
    target = tmp_path / "template.json"
    target.write_text("old")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["template.json"]


def test_a_pipe_stays_a_pipe(tmp_path: Path) -> None:
    # As --output /dev/null or /dev/stdout: a rename would put a regular file in its place.
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_atomic(fifo, "template")
    reader.join(timeout=10)
    assert received == ["template"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path, "x")
