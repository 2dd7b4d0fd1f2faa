"""The gate's result cache is off in these tests unless a test turns it on in a tmp directory.

Tests here monkeypatch the gate's internals (a missing checkov, a failing run); with a shared
cache their results could leak into, or be answered from, another test's or the user's cache.
"""

from __future__ import annotations

import pytest

import gate


@pytest.fixture(autouse=True)
def gate_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(gate.CACHE_ENV, gate.CACHE_OFF)
