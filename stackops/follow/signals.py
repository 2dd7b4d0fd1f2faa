"""SIGINT and SIGTERM around the few steps that must not be cut in half."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOPPING = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block ends, so its outcome is recorded before we react.

    A signal that arrives meanwhile is delivered when the block ends, not lost.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, set(STOPPING))
    except (ValueError, OSError):  # a platform without sigmask
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def ignored() -> Iterator[None]:
    """Cleanup after an interruption must not itself be interrupted half-way."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in STOPPING}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
