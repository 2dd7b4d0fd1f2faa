"""The Guard rules the controls tests run: their home, or a failure that says how to get them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.controls import guard_home, installed


def installed_home() -> Path:
    """Where `make guard` unpacked the rules and cfn-guard; the test fails when they are not."""
    home = guard_home()
    if not installed(home):
        pytest.fail(f"the Guard rules are not in {home}: run `make guard`")
    return home
