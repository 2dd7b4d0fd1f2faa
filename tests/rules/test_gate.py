"""stackops.gate: findings, severities, rendering, exit codes, checkov handling, any template."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stackops import gate
from tests.support.paths import RULE_FIXTURES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = RULE_FIXTURES
CLEAN = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Suffix:
    Type: String
    AllowedPattern: "^[a-z0-9-]{1,10}$"
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "edu-${Suffix}"
      KmsMasterKeyId: alias/aws/sns
"""
MISSING_SECRET = FIXTURES / "E9101" / "bad_missing_secret.yaml"


@pytest.fixture
def clean_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "clean.yaml"
    path.write_text(CLEAN)
    return path


@pytest.fixture
def no_checkov(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHECKOV_BIN", str(tmp_path / "absent" / "checkov"))
    monkeypatch.setattr(gate, "ROOT", tmp_path)  # hides .venv-checkov as well


def test_clean_yaml_with_short_form_tags_has_no_finding(clean_yaml: Path) -> None:
    assert gate.run_gate(clean_yaml, use_checkov=False).findings == []


def test_custom_error_is_a_blocker_with_location_and_fix() -> None:
    report = gate.run_gate(MISSING_SECRET, use_checkov=False)
    finding = next(f for f in report.findings if f.rule_id == "E9101")
    assert (finding.severity, finding.logical_id) == ("blocker", "Db")
    assert finding.path == "Resources/Db/Properties/MasterUserPassword"
    assert "can't find the specified secret" in finding.message
    assert finding.fix and "Fix:" not in finding.message


def test_promise_rule_is_a_policy_finding() -> None:
    report = gate.run_gate(FIXTURES / "W9203" / "bad_public_db.yaml", use_checkov=False)
    assert "W9203" in {f.rule_id for f in report.policies}
    assert "W9203" not in {f.rule_id for f in report.blockers}


def test_cfn_lint_error_is_a_blocker(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(CLEAN.replace("TopicName:", "TopicNam:"))
    report = gate.run_gate(path, use_checkov=False)
    assert any(f.rule_id == "E3002" and f.severity == "blocker" for f in report.findings)


def test_unparseable_template_is_a_blocker(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"Resources": ')
    assert gate.run_gate(path, use_checkov=False).blockers


def test_finding_line_has_every_part() -> None:
    finding = gate.Finding("blocker", "E9101", "Db", "Resources/Db", "What.", "how")
    assert finding.line() == "BLOCKER E9101 Db Resources/Db: What. Fix: how"


def test_validate_exits_zero_without_findings(clean_yaml: Path, no_checkov: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert gate.validate_command(clean_yaml, "text", out, err) == 0


def test_validate_exits_four_with_findings(no_checkov: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert gate.validate_command(MISSING_SECRET, "text", out, err) == 4
    assert "BLOCKER E9101 Db" in err.getvalue() and out.getvalue() == ""


def test_validate_json_is_one_object_on_stdout(no_checkov: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    gate.validate_command(MISSING_SECRET, "json", out, err)
    payload = json.loads(out.getvalue())
    assert payload["blockers"] >= 1 and payload["findings"][0]["rule_id"]


def test_missing_template_is_one_line_and_exit_four(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert gate.validate_command(tmp_path / "nope.json", "text", out, err) == 4
    assert len(err.getvalue().strip().splitlines()) == 1


def test_absent_checkov_is_noted_and_the_gate_goes_on(clean_yaml: Path, no_checkov: None) -> None:
    report = gate.run_gate(clean_yaml)
    assert report.findings == [] and report.notes[0].startswith("checkov not installed")


@pytest.mark.slow
def test_checkov_failed_checks_are_policy_findings(tmp_path: Path) -> None:
    if gate.checkov_bin() is None:
        pytest.skip("checkov is not installed (make checkov-venv)")
    path = tmp_path / "bucket.yaml"
    path.write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")
    found, notes = gate.run_checkov([path])
    ids = {f.rule_id for f in found[str(path)]}
    assert not notes and "CKV_AWS_21" in ids
    assert all(f.severity == "policy" and f.logical_id == "Bucket" for f in found[str(path)])


def test_cfn_lint_command_line_loads_the_rules_package() -> None:
    cmd = [str(Path(sys.executable).parent / "cfn-lint"), "--append-rules", "cfn_rules"]
    proc = subprocess.run(
        [*cmd, "--", str(MISSING_SECRET)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ""},
        check=False,
    )
    assert "E9101" in proc.stdout, proc.stderr
