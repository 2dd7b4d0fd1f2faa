"""stackops.follow.signals: holding and ignoring SIGINT/SIGTERM around steps that must finish."""

from __future__ import annotations

import subprocess
import sys

from tests.support.injection import default_signals
from tests.support.paths import ROOT

# Each case runs in a fresh interpreter, where this code is the main thread and SIGINT has its
# default handler, whatever the test runner does with signals in its own processes.
HELD = """
import os, signal
from stackops.follow import signals
steps = []
try:
    with signals.held():
        os.kill(os.getpid(), signal.SIGINT)
        steps.append("block finished")
except KeyboardInterrupt:
    steps.append("interrupted after")
print(steps)
"""
IGNORED = """
import os, signal
from stackops.follow import signals
with signals.ignored():
    os.kill(os.getpid(), signal.SIGINT)
print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)
"""


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        preexec_fn=default_signals,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_sigint_inside_held_arrives_when_the_block_ends() -> None:
    assert run(HELD) == "['block finished', 'interrupted after']"


def test_sigint_inside_ignored_is_dropped_and_the_handler_restored() -> None:
    assert run(IGNORED) == "True"
