"""The sample application's built template passes the whole offline gate (`deploy.py validate`:
cfn-lint with the project's rules, and checkov) with no finding at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import build
from tests.support.paths import ROOT

CHECKOV = Path(os.environ.get("CHECKOV_BIN", ROOT / ".venv-checkov" / "bin" / "checkov"))


def no_install(requirements: Path, target: Path) -> None:
    """The template does not depend on the installed packages: skip pip."""


@pytest.mark.slow
def test_the_built_template_passes_the_gate_with_no_finding(tmp_path: Path) -> None:
    if not CHECKOV.exists():
        pytest.skip(f"checkov not installed at {CHECKOV} (run `make checkov-venv`)")
    ca = tmp_path / "ca.pem"
    ca.write_text("test\n")
    argv = ["template", "--out", str(tmp_path / "out"), "--ca-bundle", str(ca)]
    assert build.main(argv, no_install) == 0
    env = {**os.environ, "CHECKOV_BIN": str(CHECKOV), "DEPLOY_GATE_CACHE": "off"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy.py"), "validate", "--template",
         str(tmp_path / "out" / "template.json")],
        capture_output=True, text=True, env=env, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "0 blocker(s), 0 warning(s), 0 policy finding(s)" in done.stderr
    assert "checkov not installed" not in done.stderr
