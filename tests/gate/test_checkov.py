"""gate.checkov: failed checks become policy findings; an absent or failing checkov is a note."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate import run_gate
from gate.checkov import CheckovRun, checkov_bin, finding_from_checkov, run_checkov
from tests.support.gate_templates import CLEAN, write


def test_absent_checkov_is_noted_and_the_gate_goes_on(tmp_path: Path, no_checkov: None) -> None:
    report = run_gate(write(tmp_path, "clean.yaml", CLEAN))
    assert report.findings == [] and report.notes[0].startswith("checkov not installed")


def test_absent_checkov_is_not_a_failure(tmp_path: Path, no_checkov: None) -> None:
    with CheckovRun([write(tmp_path, "clean.yaml", CLEAN)]) as run:
        found, notes = run.results()
    assert not run.failed and len(notes) == 1 and found == {str(tmp_path / "clean.yaml"): []}


def test_no_templates_starts_nothing() -> None:
    with CheckovRun([]) as run:
        assert run.proc is None and run.results() == ({}, [])


def test_checkov_bin_prefers_the_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = write(tmp_path, "checkov", "#!/bin/sh\n")
    binary.chmod(0o755)
    monkeypatch.setenv("CHECKOV_BIN", str(binary))
    assert checkov_bin() == binary


def test_failed_check_is_a_policy_finding_at_the_evaluated_key() -> None:
    finding = finding_from_checkov(
        {
            "check_id": "CKV_AWS_21",
            "check_name": "Ensure the S3 bucket has versioning enabled",
            "resource": "AWS::S3::Bucket.Bucket",
            "check_result": {"evaluated_keys": ["Properties/VersioningConfiguration/Status"]},
            "guideline": "https://example.invalid/guide",
        }
    )
    assert (finding.severity, finding.rule_id, finding.logical_id) == (
        "policy",
        "CKV_AWS_21",
        "Bucket",
    )
    assert finding.path == "Resources/Bucket/Properties/VersioningConfiguration/Status"
    assert finding.message == "checkov: failed 'Ensure the S3 bucket has versioning enabled'."
    assert finding.fix == (
        "ensure the S3 bucket has versioning enabled, or skip it in the resource's Metadata "
        "(checkov: skip) with a justification; guideline: https://example.invalid/guide"
    )


@pytest.mark.slow
def test_checkov_failed_checks_are_policy_findings(tmp_path: Path) -> None:
    if checkov_bin() is None:
        pytest.skip("checkov is not installed (make checkov-venv)")
    path = write(tmp_path, "bucket.yaml", "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")
    found, notes = run_checkov([path])
    ids = {f.rule_id for f in found[str(path)]}
    assert not notes and "CKV_AWS_21" in ids
    assert all(f.severity == "policy" and f.logical_id == "Bucket" for f in found[str(path)])
