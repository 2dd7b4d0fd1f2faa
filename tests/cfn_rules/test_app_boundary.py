"""E9108 (cfn_rules.app_boundary): an application template's IAM roles and users carry the
platform's boundary; the gate (`deploy.py validate`) refuses the sample application's template
once its role loses the boundary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app import template as app_template
from tests.support.paths import ROOT
from tests.support.rules import findings

ROLE = """
  Role:
    Type: AWS::IAM::Role
    Properties:
      {boundary}
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole}}
"""


def template(parameters: str, boundary: str) -> str:
    return f"Parameters:\n{parameters}\nResources:{ROLE.format(boundary=boundary)}"


NAMED = "  BoundaryArn:\n    Type: AWS::SSM::Parameter::Value<String>"
BY_PATH = (
    "  Limit:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /edu/dev/boundary-arn"
)


def rule_ids(text: str) -> list[str]:
    return [rid for rid, _, _ in findings("app_boundary", text)]


def test_a_role_without_the_boundary_is_flagged_with_the_reason_and_the_fix() -> None:
    [(rid, line, message)] = findings("app_boundary", template(NAMED, "Path: /edu-app/"))
    assert (rid, line) == ("E9108", 7)  # the Properties line: nothing to point at
    assert "denies iam:CreateRole without its boundary" in message
    assert "AccessDenied" in message
    assert message.endswith("Fix: set PermissionsBoundary: !Ref BoundaryArn.")


def test_the_boundary_parameter_is_also_found_by_its_ssm_path() -> None:
    assert rule_ids(template(BY_PATH, "Path: /edu-app/")) == ["E9108"]
    assert rule_ids(template(BY_PATH, "PermissionsBoundary: !Ref Limit")) == []


def test_a_literal_boundary_is_not_the_platforms() -> None:
    literal = "PermissionsBoundary: arn:aws:iam::123456789012:policy/other"
    assert rule_ids(template(NAMED, literal)) == ["E9108"]


def test_a_boundary_that_a_condition_can_drop_is_flagged() -> None:
    dropped = 'PermissionsBoundary: !If [C, !Ref BoundaryArn, !Ref "AWS::NoValue"]'
    text = template(NAMED, dropped) + "Conditions:\n  C: !Equals [a, b]\n"
    assert rule_ids(text) == ["E9108"]


def test_a_ssm_parameter_of_another_key_does_not_make_an_application_template() -> None:
    other = "  Key:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /edu/dev/key-arn"
    assert rule_ids(template(other, "Path: /edu-app/")) == []


def test_deploy_validate_refuses_the_sample_template_once_its_role_loses_the_boundary(
    tmp_path: Path,
) -> None:
    data = json.loads(app_template.to_json())
    role = data["Resources"][app_template.ROLE]["Properties"]
    assert role.pop("PermissionsBoundary") == {"Ref": "BoundaryArn"}
    path = tmp_path / "app.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    env = {
        **os.environ,
        "CHECKOV_BIN": str(tmp_path / "absent" / "checkov"),
        "DEPLOY_GATE_CACHE": "off",
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy.py"), "validate", "--template", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 4, done.stderr
    flagged = [line for line in done.stderr.splitlines() if " E9108 " in line]
    assert flagged and flagged[0].startswith(f"BLOCKER E9108 {app_template.ROLE} ")
