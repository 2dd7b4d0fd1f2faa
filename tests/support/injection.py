"""Helpers to put moto's in-process backend into states it never reaches by itself."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from typing import Any

from tests.support.moto import DEPLOY
from tests.support.paths import ROOT


def add_event(
    stack: Any,
    logical_id: str,
    resource_type: str,
    status: str,
    reason: str | None = None,
    physical: str = "",
) -> None:
    from moto.cloudformation.models import Event

    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical,
            resource_type=resource_type,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def find_change_set(backend: Any, name_or_arn: str) -> Any:
    found = backend.change_sets.get(name_or_arn)
    if found is not None:
        return found
    return next(c for c in backend.change_sets.values() if c.change_set_name == name_or_arn)


def default_signals() -> None:
    """A child's SIGINT as a user's shell gives it: a test runner started in the background of a
    non-interactive shell (nohup, `cmd &`) ignores SIGINT, every child inherits that, and Python
    installs no KeyboardInterrupt handler for a signal ignored at its start. Use as preexec_fn."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    """deploy.py ARGS in the background, without a terminal, for tests that act while it runs."""
    return subprocess.Popen(
        [sys.executable, str(DEPLOY), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
        preexec_fn=default_signals,
    )


def read_until(proc: subprocess.Popen[bytes], needle: str, timeout: float = 60) -> str:
    """Read the child's stderr (a pipe, bytes) until `needle` shows up; return what was read."""
    assert proc.stderr is not None
    fd = proc.stderr.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    while needle.encode() not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{needle!r} never appeared; stderr so far: {seen.decode()!r}")
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:  # the child closed stderr: it is gone
                raise AssertionError(f"{needle!r} never appeared; stderr: {seen.decode()!r}")
            seen += chunk
    return seen.decode()


def rest(proc: subprocess.Popen[bytes], timeout: float = 60) -> tuple[int, str]:
    """Wait for the child; return its exit code and the remaining stderr."""
    assert proc.stderr is not None
    code = proc.wait(timeout=timeout)
    return code, proc.stderr.read().decode()
