"""Acceptance: the project's own templates pass `deploy.py validate` with no finding at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import ROOT

# The gate's result cache stays out of this run: no shared state with the user's cache.
NO_CACHE = {"DEPLOY_GATE_CACHE": "off"}


@pytest.mark.slow
def test_generated_template_passes_validate_with_no_finding(
    template: dict[str, Any], profile: str, tmp_path: Path
) -> None:
    path = tmp_path / f"{profile}.json"
    path.write_text(json.dumps(template))
    command = [sys.executable, str(ROOT / "deploy.py"), "validate", "--template", str(path)]
    proc = subprocess.run(
        [*command, "--output", "json"],
        capture_output=True,
        env={**os.environ, **NO_CACHE},
        text=True,
        check=False,
    )
    payload = json.loads(proc.stdout)
    assert (proc.returncode, payload["findings"]) == (0, []), proc.stderr
    assert not any(n.startswith("checkov not installed") for n in payload["notes"])
