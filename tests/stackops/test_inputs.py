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


# Below: the messages a user reads when an input is wrong, and odd inputs (whitespace, dates,
# `=` in values, nested transforms) that must still work.


def _template(**parameters: dict[str, Any]) -> dict[str, Any]:
    return {"Parameters": parameters, "Resources": {"T": {"Type": "AWS::SNS::Topic"}}}


def _bad_input(call: Any, *args: Any) -> BadInput:
    with pytest.raises(BadInput) as caught:
        call(*args)
    return caught.value


# ---------------------------------------------------------------------------- template text


def test_blank_template_is_reported_as_empty_with_its_name() -> None:
    error = _bad_input(inputs.parse_template_text, " \n\t\n", "t.json")
    assert error.message == "template t.json is empty"


def test_json_syntax_error_gives_line_and_column() -> None:
    error = _bad_input(inputs.parse_template_text, '\n  {"Resources": {,}}', "t.json")
    assert error.message == (
        "template t.json is not valid JSON: Expecting property name enclosed in double quotes "
        "at line 2, column 18"
    )


def test_json_template_is_parsed_as_json() -> None:
    text = '  {"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}'
    assert inputs.parse_template_text(text, "t.json")["Resources"] == {
        "T": {"Type": "AWS::SNS::Topic"}
    }


def test_yaml_syntax_error_gives_the_first_line_of_the_decoder_message() -> None:
    error = _bad_input(inputs.parse_template_text, "Resources: [unclosed", "t.yaml")
    assert error.message == "template t.yaml is not valid YAML: while parsing a flow sequence"


def test_unquoted_yaml_format_version_stays_the_date_string() -> None:
    text = "AWSTemplateFormatVersion: 2010-09-09\nResources:\n  T:\n    Type: AWS::SNS::Topic\n"
    assert inputs.parse_template_text(text, "t.yaml")["AWSTemplateFormatVersion"] == "2010-09-09"


def test_missing_template_file_is_named(tmp_path: Path) -> None:
    error = _bad_input(inputs.load_template, tmp_path / "nope.json")
    assert error.message == f"template {tmp_path / 'nope.json'} not found"


def test_template_file_is_parsed_and_named_in_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text("  \n")
    assert _bad_input(inputs.load_template, path).message == f"template {path} is empty"


def test_unreadable_template_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_bytes(b"\xff\xfe{}")
    assert "cannot be read" in _bad_input(inputs.load_template, path).message


def test_compact_body_keeps_non_ascii_characters_as_they_are() -> None:
    assert inputs.compact({"Description": "café"}) == '{"Description":"café"}'


# ---------------------------------------------------------------------------- parameter files


def _write_params(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "params.json"
    path.write_text(json.dumps(data))
    return path


def test_missing_parameter_file_is_named(tmp_path: Path) -> None:
    error = _bad_input(inputs.load_parameter_file, tmp_path / "nope.json")
    assert error.message == f"parameter file {tmp_path / 'nope.json'} not found"


def test_unreadable_parameter_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "params.json"
    path.write_bytes(b"\xff\xfe{}")
    assert "cannot be read" in _bad_input(inputs.load_parameter_file, path).message


def test_parameter_file_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "params.json"
    path.write_text('{\n  "Env": prod\n}')
    error = _bad_input(inputs.load_parameter_file, path)
    assert error.message == f"parameter file {path} is not valid JSON: Expecting value at line 2"


def test_list_item_without_parameter_key_is_rejected(tmp_path: Path) -> None:
    path = _write_params(
        tmp_path, [{"ParameterKey": "A", "ParameterValue": "1"}, {"ParameterValue": "2"}]
    )
    error = _bad_input(inputs.load_parameter_file, path)
    assert error.message == f"parameter file {path}: item 1 needs ParameterKey and ParameterValue"


def test_use_previous_value_entries_are_skipped_and_the_rest_still_read(tmp_path: Path) -> None:
    path = _write_params(
        tmp_path,
        [
            {"ParameterKey": "A", "UsePreviousValue": True},
            {"ParameterKey": "B", "ParameterValue": "2"},
        ],
    )
    assert inputs.load_parameter_file(path) == ({"B": "2"}, {})


def test_parameter_file_holding_a_scalar_is_rejected(tmp_path: Path) -> None:
    path = _write_params(tmp_path, "Env=prod")
    error = _bad_input(inputs.load_parameter_file, path)
    assert error.message == f"parameter file {path} must hold a JSON list or object"


def test_template_configuration_with_only_parameters(tmp_path: Path) -> None:
    path = _write_params(tmp_path, {"Parameters": {"Env": "prod"}})
    assert inputs.load_parameter_file(path) == ({"Env": "prod"}, {})


def test_template_configuration_with_only_tags(tmp_path: Path) -> None:
    path = _write_params(tmp_path, {"Tags": {"team": "edu"}})
    assert inputs.load_parameter_file(path) == ({}, {"team": "edu"})


def test_template_configuration_may_carry_a_stack_policy(tmp_path: Path) -> None:
    path = _write_params(
        tmp_path, {"Parameters": {"Env": "prod"}, "Tags": {"team": "edu"}, "StackPolicy": {}}
    )
    assert inputs.load_parameter_file(path) == ({"Env": "prod"}, {"team": "edu"})


def test_template_configuration_with_an_unknown_key_is_not_half_read(tmp_path: Path) -> None:
    path = _write_params(tmp_path, {"Parameters": {"Env": "prod"}, "Extra": "x"})
    error = _bad_input(inputs.load_parameter_file, path)
    assert error.message == f"parameter file {path}: the value of Parameters must not be an object"


def test_template_configuration_parameters_must_be_an_object(tmp_path: Path) -> None:
    path = _write_params(tmp_path, {"Parameters": ["Env=prod"], "Tags": {}})
    error = _bad_input(inputs.load_parameter_file, path)
    assert error.message == f"parameter file {path}: Parameters and Tags must be objects"


def test_false_becomes_the_word_false(tmp_path: Path) -> None:
    path = _write_params(tmp_path, {"Multi": False})
    assert inputs.load_parameter_file(path) == ({"Multi": "false"}, {})


# ---------------------------------------------------------------------------- flags


def test_parameter_value_may_contain_equals_signs() -> None:
    assert inputs.parse_pairs(["Query=a=b"], "--parameter") == {"Query": "a=b"}


def test_bad_parameter_flag_is_named_in_the_message() -> None:
    error = _bad_input(inputs.resolve, _template(Env={}), None, ["Env"], None)
    assert error.message == "--parameter 'Env' must look like KEY=VALUE"


def test_bad_tag_flag_is_named_in_the_message() -> None:
    error = _bad_input(inputs.resolve, _template(), None, None, ["team"])
    assert error.message == "--tag 'team' must look like KEY=VALUE"


def test_first_bad_value_is_the_message_and_the_others_are_details() -> None:
    template = _template(
        A={"Type": "String", "AllowedValues": ["x"]},
        B={"Type": "Number"},
        C={"Type": "String", "MaxLength": 1},
    )
    error = _bad_input(inputs.resolve, template, None, ["A=y", "B=two", "C=long"], None)
    assert (error.message, error.details) == (
        "parameter A='y': not one of the allowed values: x",
        ["parameter B='two': 'two' is not a number", "parameter C='long': longer than MaxLength 1"],
    )


def test_given_names_the_parameters_the_user_set(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"A": "1"}))
    got = inputs.resolve(_template(A={}, B={}, C={}), path, ["B=2"], None)
    assert got.given == frozenset({"A", "B"})


def test_undeclared_parameter_message_lists_the_declared_ones() -> None:
    error = _bad_input(inputs.resolve, _template(Env={}, Owner={}), None, ["X=1", "Y=2"], None)
    assert error.message == (
        "the template does not declare parameter(s) X, Y; declared: Env, Owner"
    )


def test_undeclared_parameter_message_says_none_are_declared() -> None:
    error = _bad_input(inputs.resolve, _template(), None, ["X=1"], None)
    assert error.message.endswith("; declared: none")


def test_parameters_section_that_is_not_a_map_declares_nothing() -> None:
    got = inputs.resolve({"Parameters": "oops", "Resources": {}}, None, None, None)
    assert got.parameters == {}


def test_parameters_without_default_are_missing_on_create() -> None:
    template = _template(A={"Type": "String"}, B={"Type": "String", "Default": "b"}, C={})
    assert inputs.missing_on_create(template, {"C": "c"}) == ["A"]


# ---------------------------------------------------------------------------- values


def _problems(spec: dict[str, Any], value: str) -> list[str]:
    return inputs.check_values(_template(P=spec), {"P": value})


def test_each_item_of_a_comma_delimited_list_is_checked_against_allowed_values() -> None:
    spec = {"Type": "CommaDelimitedList", "AllowedValues": ["dev", "prod"]}
    assert (_problems(spec, "dev, prod"), _problems(spec, "dev,qa")) == (
        [],
        ["parameter P='dev,qa': not one of the allowed values: dev, prod"],
    )


def test_each_item_of_a_number_list_must_be_a_number() -> None:
    assert _problems({"Type": "List<Number>"}, "1, x") == [
        "parameter P='1, x': 'x' is not a number"
    ]


def test_every_bad_item_of_a_number_list_is_reported() -> None:
    spec = {"Type": "List<Number>", "MinValue": 1}
    assert len(_problems(spec, "x,0")) == 2


def test_string_value_with_commas_is_checked_as_a_whole() -> None:
    assert _problems({"Type": "String", "AllowedValues": ["a,b"]}, "a,b") == []


def test_length_limits_apply_to_strings_not_to_lists() -> None:
    assert _problems({"Type": "CommaDelimitedList", "MaxLength": 3}, "a,b,c") == []


def test_number_equal_to_min_value_is_accepted() -> None:
    assert _problems({"Type": "Number", "MinValue": 3}, "3") == []


def test_number_below_min_value_names_the_minimum() -> None:
    assert _problems({"Type": "Number", "MinValue": 3}, "2") == [
        "parameter P='2': must be at least 3"
    ]


def test_number_equal_to_max_value_is_accepted() -> None:
    assert _problems({"Type": "Number", "MaxValue": 3}, "3") == []


def test_number_above_max_value_names_the_maximum() -> None:
    assert _problems({"Type": "Number", "MaxValue": 3}, "4") == [
        "parameter P='4': must be at most 3"
    ]


def test_pattern_failure_quotes_the_constraint_description() -> None:
    spec = {"AllowedPattern": "[a-z]+", "ConstraintDescription": "lower case"}
    assert _problems(spec, "A") == [
        "parameter P='A': does not match the pattern [a-z]+ (lower case)"
    ]


def test_pattern_failure_without_description_ends_with_the_pattern() -> None:
    assert _problems({"AllowedPattern": "[a-z]+"}, "A") == [
        "parameter P='A': does not match the pattern [a-z]+"
    ]


def test_string_as_long_as_min_length_is_accepted() -> None:
    assert _problems({"Type": "String", "MinLength": 2}, "ab") == []


def test_string_as_long_as_max_length_is_accepted() -> None:
    assert _problems({"Type": "String", "MaxLength": 2}, "ab") == []


# ---------------------------------------------------------------------------- capabilities


def test_iam_resource_after_an_odd_entry_still_needs_capability_iam() -> None:
    template = {"Resources": {"Odd": "not a resource", "Role": {"Type": "AWS::IAM::Role"}}}
    assert inputs.capabilities(template) == ["CAPABILITY_IAM"]


def test_transform_nested_in_a_list_needs_auto_expand() -> None:
    snippet = {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}}
    template = {"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"Tags": [snippet]}}}}
    assert inputs.capabilities(template) == ["CAPABILITY_AUTO_EXPAND"]
