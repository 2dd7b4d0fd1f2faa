"""gate.lint: cfn-lint with cfn_rules; errors are blockers, the rest policy, each with a fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gate import run_gate
from gate.lint import run_cfn_lint
from tests.support.gate_templates import CLEAN, MISSING_SECRET, PUBLIC_DB, write
from tests.support.paths import ROOT


@pytest.fixture
def missing_secret(tmp_path: Path) -> Path:
    return write(tmp_path, "missing_secret.yaml", MISSING_SECRET)


def test_clean_yaml_with_short_form_tags_has_no_finding(tmp_path: Path) -> None:
    clean = write(tmp_path, "clean.yaml", CLEAN)
    assert run_gate(clean, use_checkov=False).findings == []


def test_custom_error_is_a_blocker_with_location_and_fix(missing_secret: Path) -> None:
    report = run_gate(missing_secret, use_checkov=False)
    finding = next(f for f in report.findings if f.rule_id == "E9101")
    assert (finding.severity, finding.logical_id) == ("blocker", "Db")
    assert finding.path == "Resources/Db/Properties/MasterUserPassword"
    assert "can't find the specified secret" in finding.message
    assert finding.fix and "Fix:" not in finding.message


def test_promise_rule_is_a_policy_finding(tmp_path: Path) -> None:
    report = run_gate(write(tmp_path, "public_db.yaml", PUBLIC_DB), use_checkov=False)
    assert "W9203" in {f.rule_id for f in report.policies}
    assert "W9203" not in {f.rule_id for f in report.blockers}


def test_cfn_lint_error_is_a_blocker(tmp_path: Path) -> None:
    path = write(tmp_path, "typo.yaml", CLEAN.replace("TopicName:", "TopicNam:"))
    report = run_gate(path, use_checkov=False)
    assert any(f.rule_id == "E3002" and f.severity == "blocker" for f in report.findings)


def test_unparseable_template_is_a_blocker(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.json", '{"Resources": ')
    assert run_gate(path, use_checkov=False).blockers


def test_finding_without_a_fix_in_its_message_points_at_the_rule(tmp_path: Path) -> None:
    path = write(tmp_path, "typo.yaml", CLEAN.replace("TopicName:", "TopicNam:"))
    finding = next(f for f in run_cfn_lint(path) if f.rule_id == "E3002")
    assert finding.fix.startswith("see cfn-lint E3002 (")
    assert finding.logical_id == "Topic"


def test_custom_rules_can_be_left_out(missing_secret: Path) -> None:
    assert "E9101" not in {f.rule_id for f in run_cfn_lint(missing_secret, custom_rules=False)}


def test_cfn_lint_command_line_loads_the_rules_package(missing_secret: Path) -> None:
    cmd = [str(Path(sys.executable).parent / "cfn-lint"), "--append-rules", "cfn_rules"]
    proc = subprocess.run(
        [*cmd, "--", str(missing_secret)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ""},
        check=False,
    )
    assert "E9101" in proc.stdout, proc.stderr
