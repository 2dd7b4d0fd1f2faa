"""checkov reports no failed check on either profile; every skip is in Metadata, justified."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import ROOT


def _checkov_bin() -> str:
    found = os.environ.get("CHECKOV_BIN") or str(ROOT / ".venv-checkov/bin/checkov")
    if not Path(found).exists():
        pytest.fail(f"checkov not found at {found}: run `make checkov-venv` or set CHECKOV_BIN")
    return found


@pytest.fixture(scope="session")
def checkov_of(
    built_templates: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], dict[str, Any]]:
    """checkov takes 10-30 s: at most one run per profile per session (per xdist worker),
    and only for the profiles a worker's tests ask for."""
    directory = tmp_path_factory.mktemp("checkov")
    cache: dict[str, dict[str, Any]] = {}

    def run(profile: str) -> dict[str, Any]:
        if profile not in cache:
            path = directory / f"{profile}.json"
            path.write_text(json.dumps(built_templates[profile], sort_keys=True, indent=2))
            cmd = [_checkov_bin(), "-f", str(path), "--framework", "cloudformation"]
            cmd += ["--skip-download", "-o", "json", "--quiet"]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
            cache[profile] = json.loads(done.stdout)
        return cache[profile]

    return run


def _metadata_skips(template: dict[str, Any]) -> list[dict[str, str]]:
    return [
        skip
        for res in template["Resources"].values()
        for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]


def test_checkov_reports_no_failed_check(
    checkov_of: Callable[[str], dict[str, Any]], profile: str
) -> None:
    result = checkov_of(profile)
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for c in result.get("results", {}).get("failed_checks", [])
    ]
    assert failed == []
    assert result["summary"]["failed"] == 0
    assert result["summary"]["passed"] > 0


def test_checkov_skips_come_only_from_resource_metadata(
    checkov_of: Callable[[str], dict[str, Any]], template: dict[str, Any], profile: str
) -> None:
    assert checkov_of(profile)["summary"]["skipped"] == len(_metadata_skips(template))


def test_every_checkov_skip_is_justified(template: dict[str, Any]) -> None:
    skips = _metadata_skips(template)
    assert skips
    for skip in skips:
        assert skip.get("id") and len(skip.get("comment", "").strip()) > 10, skip


def test_every_checkov_skip_is_listed_in_the_docs(template: dict[str, Any]) -> None:
    docs = (ROOT / "docs" / "template.md").read_text()
    skipped = {s["id"] for s in _metadata_skips(template)}
    assert skipped
    missing = skipped - set(docs.split())
    assert not missing, f"list these checkov skips in docs/template.md: {sorted(missing)}"
