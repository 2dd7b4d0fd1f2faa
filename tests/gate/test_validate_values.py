"""`deploy.py validate --parameters/--parameter` and plan/deploy's gate: every layer judges the
values being deployed, read by deploy's own readers (three file formats, KEY=VALUE flags)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import deploy
from gate.layers import prepare
from gate.params import deployed, read_values, stand_ins
from stackops.errors import BadInput
from tests.support.controls_layer import ha_template, rds_home, write_template

FORMATS: dict[str, Any] = {
    "cli-list": [{"ParameterKey": "Ha", "ParameterValue": "{}"}],
    "codepipeline": {"Parameters": {"Ha": "{}"}, "Tags": {"Team": "edu"}},
    "map": {"Ha": "{}"},
}


@pytest.fixture
def template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EDU_GUARD_HOME", str(rds_home(tmp_path)))
    monkeypatch.setenv("CHECKOV_BIN", str(tmp_path / "no-checkov"))
    monkeypatch.setattr("gate.checkov.ROOT", tmp_path)
    return write_template(tmp_path, ha_template(default="yes"))


def parameter_file(directory: Path, kind: str, value: str) -> Path:
    path = directory / f"{kind}-{value}.json"
    path.write_text(json.dumps(FORMATS[kind]).replace("{}", value), encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_each_file_format_is_read(tmp_path: Path, kind: str) -> None:
    path = write_template(tmp_path, ha_template())
    assert read_values(path, parameter_file(tmp_path, kind, "no"), None) == {"Ha": "no"}
    assert read_values(path, parameter_file(tmp_path, kind, "no"), ["Ha=yes"]) == {"Ha": "yes"}


def test_a_bad_value_is_bad_input(tmp_path: Path) -> None:
    path = write_template(tmp_path, ha_template())
    with pytest.raises(BadInput, match="not one of the allowed values"):
        read_values(path, None, ["Ha=maybe"])
    with pytest.raises(BadInput, match="does not declare"):
        read_values(path, None, ["Nope=1"])


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_validate_parameters_changes_the_finding(
    template: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["validate", "--template", str(template), "--parameters"]
    assert deploy.main([*argv, str(parameter_file(template.parent, kind, "yes"))]) == 0
    assert deploy.main([*argv, str(parameter_file(template.parent, kind, "no"))]) == 4
    assert "POLICY CT.RDS.PR.1 Db" in capsys.readouterr().err


def test_validate_parameter_flag(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["validate", "--template", str(template), "--output", "json"]
    assert deploy.main([*argv, "--parameter", "Ha=no"]) == 4
    rule_ids = {f["rule_id"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert "CT.RDS.PR.1" in rule_ids
    assert deploy.main([*argv, "--parameter", "Ha=yes", "--controls", "on"]) == 0


def test_validate_bad_value_is_one_line_and_exit_four(
    template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = deploy.main(["validate", "--template", str(template), "--parameter", "Ha=maybe"])
    err = capsys.readouterr().err
    assert code == 4 and err.startswith("error: parameter Ha='maybe'") and "Traceback" not in err


def test_plans_gate_judges_the_deployed_values_before_any_aws_call(
    template: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Any AWS call would go to a closed port, once, and fail with exit 1: exit 4 proves the gate
    # stopped the plan first.
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
    }.items():
        monkeypatch.setenv(name, value)
    argv = ["plan", "--stack-name", "s", "--template", str(template), "--strict"]
    argv += ["--endpoint-url", "http://127.0.0.1:9"]
    assert deploy.main([*argv, "--parameter", "Ha=no"]) == 4
    assert "CT.RDS.PR.1" in capsys.readouterr().err
    assert deploy.main([*argv, "--parameter", "Ha=yes"]) == 1
    assert "CT.RDS.PR.1" not in capsys.readouterr().err


def test_stand_ins_and_the_deployed_template() -> None:
    template = ha_template()
    template["Parameters"]["Suffix"] = {"Type": "String", "MinLength": 3}
    template["Parameters"]["Size"] = {"Type": "Number", "MinValue": 20}
    template["Parameters"]["Tier"] = {"Type": "String", "AllowedValues": ["gold", "tin"]}
    assert stand_ins(template, {"Size": "30"}) == {"Suffix": "aaa", "Tier": "gold"}
    document = deployed(template, {"Ha": "yes"})
    assert document["Resources"]["Db"]["Properties"]["MultiAZ"] is True
    assert "Conditions" not in document


def test_an_unresolvable_template_is_a_note_for_checkov(tmp_path: Path) -> None:
    template = ha_template()
    template["Resources"]["Db"]["Condition"] = "Undefined"
    path = write_template(tmp_path, template)
    files = prepare(path, {"Ha": "yes"}, "off", tmp_path)
    assert files.checkov == path and "not resolvable" in files.notes[0]


def test_strict_stops_on_a_warning_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A secret the template does not create is a warning (it depends on the account).
    secret = "{{resolve:secretsmanager:made-elsewhere:SecretString:password}}"
    body = {
        "Resources": {
            "Param": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Type": "String", "Value": secret},
            }
        }
    }
    path = tmp_path / "warn.json"
    path.write_text(json.dumps(body))
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    argv = ["plan", "--stack-name", "s", "--template", str(path)]
    argv += ["--endpoint-url", "http://127.0.0.1:9"]
    assert deploy.main(argv) == 1  # a warning alone lets the plan reach AWS (closed port)
    assert "warning: WARNING E9101" in capsys.readouterr().err
    assert deploy.main([*argv, "--strict"]) == 4
    assert "--strict: the offline gate found 1 warning(s)" in capsys.readouterr().err
