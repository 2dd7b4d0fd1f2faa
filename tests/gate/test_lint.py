"""gate.lint: cfn-lint with cfn_rules; errors are blockers unless they fail only for some values
or accounts (warnings), the rest policy, each with a fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gate import run_gate
from gate.findings import Finding
from gate.lint import Defaults, literal_values, run_cfn_lint, severity_of, with_values
from tests.support.gate_templates import CLEAN, MISSING_SECRET, PUBLIC_DB, write
from tests.support.paths import ROOT


@pytest.fixture
def missing_secret(tmp_path: Path) -> Path:
    return write(tmp_path, "missing_secret.yaml", MISSING_SECRET)


def test_clean_yaml_with_short_form_tags_has_no_finding(tmp_path: Path) -> None:
    clean = write(tmp_path, "clean.yaml", CLEAN)
    assert run_gate(clean, use_checkov=False).findings == []


def test_custom_error_with_a_declared_severity_keeps_it_with_location_and_fix(
    missing_secret: Path,
) -> None:
    # A secret the template does not create may exist in the account: the rule says warning.
    report = run_gate(missing_secret, use_checkov=False)
    finding = next(f for f in report.findings if f.rule_id == "E9101")
    assert (finding.severity, finding.logical_id) == ("warning", "Db")
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


# Severity from the parameters' defaults: a resource whose Condition is false with them, or a
# scenario of conditions they do not produce, fails only for other values.
CONDITIONED = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Create:
    Type: String
    Default: "no"
    AllowedValues: ["yes", "no"]
Conditions:
  DoCreate: !Equals [!Ref Create, "yes"]
  Never: !Equals ["true", "false"]
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Condition: {condition}
    Properties:
      TopicNam: typo
"""


def errors(path: Path) -> list[Finding]:
    """cfn-lint's own error findings (its W8001 "condition not used" and the like left out)."""
    return [f for f in run_cfn_lint(path, custom_rules=False) if f.rule_id.startswith("E")]


def test_an_error_in_a_resource_created_with_the_defaults_is_a_blocker(tmp_path: Path) -> None:
    text = CONDITIONED.replace('Default: "no"', 'Default: "yes"').format(condition="DoCreate")
    found = errors(write(tmp_path, "t.yaml", text))
    assert [(f.rule_id, f.severity) for f in found] == [("E3002", "blocker")]


def test_an_error_in_a_resource_not_created_with_the_defaults_is_a_warning(tmp_path: Path) -> None:
    text = CONDITIONED.format(condition="DoCreate")
    found = errors(write(tmp_path, "t.yaml", text))
    assert [(f.rule_id, f.severity) for f in found] == [("E3002", "warning")]
    assert found[0].message.endswith(
        "this fails only when condition DoCreate is true (false with the parameters' defaults)."
    )


def test_an_error_in_a_resource_no_value_can_create_is_not_reported(tmp_path: Path) -> None:
    # widdix's *-legacy.yaml templates: a Custom::NullResource under `!Equals [true, false]`.
    text = CONDITIONED.format(condition="Never")
    assert errors(write(tmp_path, "t.yaml", text)) == []


def test_a_scenario_the_defaults_do_not_produce_is_a_warning() -> None:
    defaults = Defaults(truth={"Big": False, "Small": True})
    message = 'X must be set when condition "Big" is True and when condition "Small" is True'
    assert defaults.off_by_default(None, message) == (
        "only when Big is True (not with the parameters' defaults)"
    )
    assert defaults.off_by_default(None, message.replace('"Big" is True', '"Big" is False')) is None


def test_conditions_without_defaults_leave_errors_blockers(tmp_path: Path) -> None:
    text = CONDITIONED.replace('    Default: "no"\n', "").format(condition="DoCreate")
    found = errors(write(tmp_path, "t.yaml", text))
    assert [(f.rule_id, f.severity) for f in found] == [("E3002", "blocker")]


def test_only_a_known_declared_severity_overrides_an_error() -> None:
    assert severity_of("E3002") == "blocker"
    assert severity_of("E9103", "warning") == "warning"
    assert severity_of("E9103", "fatal") == "blocker"
    assert severity_of("W9203", "warning") == "policy"


def test_a_condition_reading_a_parameter_without_a_default_stays_unknown_but_others_are_known(
    tmp_path: Path,
) -> None:
    text = CONDITIONED.format(condition="DoCreate").replace(
        "Resources:", "  Free: !Equals [!Ref Vpc, x]\nResources:"
    )
    text = text.replace("Parameters:\n", "Parameters:\n  Vpc:\n    Type: String\n")
    template: dict[str, Any] = {
        "Parameters": {"Vpc": {"Type": "String"}, "Create": {"Default": "no"}}
    }
    template["Conditions"] = {
        "DoCreate": {"Fn::Equals": [{"Ref": "Create"}, "yes"]},
        "Free": {"Fn::Equals": [{"Ref": "Vpc"}, "x"]},
        "Both": {"Fn::And": [{"Condition": "Free"}, {"Condition": "DoCreate"}]},
    }
    assert Defaults.of(template).truth == {"DoCreate": False}
    found = errors(write(tmp_path, "t.yaml", text))
    assert [(f.rule_id, f.severity) for f in found] == [("E3002", "warning")]


def test_given_values_stand_in_for_the_defaults_when_severities_are_decided() -> None:
    template: dict[str, Any] = {
        "Parameters": {"On": {"Type": "String", "Default": "no"}, "Name": {"Type": "String"}},
        "Conditions": {"Wanted": {"Fn::Equals": [{"Ref": "On"}, "yes"]}},
    }
    assert with_values(template, {})["Parameters"]["On"]["Default"] == "no"
    changed = with_values(template, {"On": "yes", "Other": "x"})
    assert changed["Parameters"]["On"] == {"Type": "String", "Default": "yes"}
    assert changed["Parameters"]["Name"] == {"Type": "String"}
    assert template["Parameters"]["On"]["Default"] == "no"  # the original is not changed


def test_ssm_typed_values_are_paths_and_are_not_given_to_cfn_lint(tmp_path: Path) -> None:
    template = {
        "Parameters": {
            "Subnets": {
                "Type": "AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>",
                "Default": "/edu/x/private-subnet-ids",
            },
            "Size": {"Type": "Number", "Default": 1},
        },
        "Resources": {
            "Group": {
                "Type": "AWS::RDS::DBSubnetGroup",
                "Properties": {"DBSubnetGroupDescription": "d", "SubnetIds": {"Ref": "Subnets"}},
            }
        },
    }
    given = {"Subnets": "/edu/pipe/private-subnet-ids", "Size": "2"}
    assert literal_values(template, given) == {"Size": "2"}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template))
    found = run_cfn_lint(path, parameters=given)
    assert [f for f in found if f.severity == "blocker"] == []
