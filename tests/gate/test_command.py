"""gate.command: `deploy.py validate` exit codes, and which stream gets what."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gate.command import validate_command
from tests.support.gate_templates import CLEAN, MISSING_SECRET, write


@pytest.fixture
def missing_secret(tmp_path: Path) -> Path:
    return write(tmp_path, "missing_secret.yaml", MISSING_SECRET)


def test_validate_exits_zero_without_findings(tmp_path: Path, no_checkov: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert validate_command(write(tmp_path, "clean.yaml", CLEAN), "text", out, err) == 0
    assert out.getvalue() == "" and err.getvalue().endswith(
        "0 blocker(s), 0 warning(s), 0 policy finding(s)\n"
    )


def test_validate_exits_four_with_findings(missing_secret: Path, no_checkov: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert validate_command(missing_secret, "text", out, err) == 4
    assert "WARNING E9101 Db" in err.getvalue() and out.getvalue() == ""


def test_validate_json_is_one_object_on_stdout(missing_secret: Path, no_checkov: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert validate_command(missing_secret, "json", out, err) == 4
    payload = json.loads(out.getvalue())
    assert payload["warnings"] >= 1 and payload["findings"][0]["rule_id"]
    assert err.getvalue() == ""


def test_missing_template_is_one_line_and_exit_four(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert validate_command(tmp_path / "nope.json", "text", out, err) == 4
    assert len(err.getvalue().strip().splitlines()) == 1
