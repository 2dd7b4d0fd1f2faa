"""The gate's result cache is off in these tests unless a test turns it on in a tmp directory.

Tests here monkeypatch the gate's internals (a missing checkov, a failing run); with a shared
cache their results could leak into, or be answered from, another test's or the user's cache.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gate import checkov
from gate.cache import CACHE_ENV, CACHE_OFF


@pytest.fixture(autouse=True)
def gate_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, CACHE_OFF)


@pytest.fixture
def no_checkov(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither CHECKOV_BIN nor the project's .venv-checkov finds a checkov."""
    monkeypatch.setenv("CHECKOV_BIN", str(tmp_path / "absent" / "checkov"))
    monkeypatch.setattr(checkov, "ROOT", tmp_path)
