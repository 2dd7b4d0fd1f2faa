"""stackops.inputs: template, parameters, tags and capabilities, checked before any AWS call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stackops import inputs
from stackops.errors import BadInput
from tests.support.samples import topic_template


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    return path


def test_cli_list_format(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"ParameterKey": "Env", "ParameterValue": "prod"}])
    assert inputs.load_parameter_file(path) == ({"Env": "prod"}, {})


def test_codepipeline_format_gives_parameters_and_tags(tmp_path: Path) -> None:
    path = _write(tmp_path, {"Parameters": {"Env": "prod"}, "Tags": {"team": "edu"}})
    assert inputs.load_parameter_file(path) == ({"Env": "prod"}, {"team": "edu"})


def test_plain_map_format_stringifies_values(tmp_path: Path) -> None:
    path = _write(tmp_path, {"Retention": 30, "Multi": True, "Azs": ["a", "b"]})
    assert inputs.load_parameter_file(path) == (
        {"Retention": "30", "Multi": "true", "Azs": "a,b"},
        {},
    )


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, {"Env": "staging", "Owner": "x"})
    got = inputs.resolve(topic_template(), path, ["Env=prod"], ["a=b"])
    assert got.parameters == {"Env": "prod", "Owner": "x"} and got.tags == {"a": "b"}


def test_undeclared_parameter_is_rejected() -> None:
    with pytest.raises(BadInput, match="Nope"):
        inputs.resolve(topic_template(), None, ["Nope=1"], None)


def test_pair_without_equals_is_rejected() -> None:
    with pytest.raises(BadInput, match="KEY=VALUE"):
        inputs.parse_pairs(["Env"], "--parameter")


def test_one_line_per_bad_value() -> None:
    problems = inputs.check_values(
        topic_template(), {"Env": "qa", "Retention": "99999", "Owner": "UPPER"}
    )
    assert len(problems) == 3


def test_non_number_for_number_parameter() -> None:
    assert "not a number" in inputs.check_values(topic_template(), {"Retention": "ten"})[0]


def test_noecho_value_is_never_printed() -> None:
    template = {
        "Parameters": {"Secret": {"Type": "String", "NoEcho": True, "MinLength": 12}},
        "Resources": {},
    }
    problems = inputs.check_values(template, {"Secret": "hunter2"})
    assert problems and all("hunter2" not in p for p in problems)


def test_yaml_short_forms_become_long_forms() -> None:
    text = (
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n"
        "    Properties:\n      DisplayName: !Sub '${AWS::Region}'\n"
    )
    got = inputs.parse_template_text(text, "t.yaml")
    assert got["Resources"]["T"]["Properties"]["DisplayName"] == {"Fn::Sub": "${AWS::Region}"}


def test_template_without_resources_is_rejected() -> None:
    with pytest.raises(BadInput, match="no Resources"):
        inputs.parse_template_text('{"Parameters": {}}', "t.json")


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ({"Type": "AWS::SNS::Topic"}, []),
        ({"Type": "AWS::IAM::Role", "Properties": {}}, ["CAPABILITY_IAM"]),
        ({"Type": "AWS::IAM::Role", "Properties": {"RoleName": "r"}}, ["CAPABILITY_NAMED_IAM"]),
        ({"Type": "AWS::Serverless::Function"}, ["CAPABILITY_AUTO_EXPAND"]),
    ],
)
def test_capabilities_come_from_the_template(resource: dict[str, Any], expected: list[str]) -> None:
    assert inputs.capabilities({"Resources": {"R": resource}}) == expected


def test_transform_needs_auto_expand() -> None:
    template = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {}}
    assert inputs.capabilities(template) == ["CAPABILITY_AUTO_EXPAND"]


def test_pattern_python_cannot_compile_is_left_to_cloudformation() -> None:
    template = {"Parameters": {"P": {"Type": "String", "AllowedPattern": "[a-z"}}, "Resources": {}}
    assert inputs.check_values(template, {"P": "abc"}) == []


def test_allowed_values_are_matched_case_sensitively() -> None:
    # CloudFormation compares AllowedValues exactly: Prod is not prod.
    problems = inputs.check_values(topic_template(), {"Env": "Prod"})
    assert len(problems) == 1 and "not one of the allowed values" in problems[0]


def test_an_allowed_value_passes() -> None:
    assert inputs.check_values(topic_template(), {"Env": "prod"}) == []
