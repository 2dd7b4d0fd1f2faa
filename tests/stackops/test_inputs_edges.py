"""stackops.inputs at its edges: the messages a user reads when an input is wrong, and the odd
inputs (whitespace, dates, `=` in values, nested transforms) that must still work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stackops import inputs
from stackops.errors import BadInput


def _template(**parameters: dict[str, Any]) -> dict[str, Any]:
    return {"Parameters": parameters, "Resources": {"T": {"Type": "AWS::SNS::Topic"}}}


def _bad_input(call: Any, *args: Any) -> BadInput:
    with pytest.raises(BadInput) as caught:
        call(*args)
    return caught.value


# ---------------------------------------------------------------------------- template text


def test_blank_template_is_reported_as_empty_with_its_name():
    error = _bad_input(inputs.parse_template_text, " \n\t\n", "t.json")
    assert error.message == "template t.json is empty"


def test_json_syntax_error_gives_line_and_column():
    error = _bad_input(inputs.parse_template_text, '\n  {"Resources": {,}}', "t.json")
    assert error.message == (
        "template t.json is not valid JSON: Expecting property name enclosed in double quotes "
        "at line 2, column 18"
    )


def test_json_template_is_parsed_as_json():
    text = '  {"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}'
    assert inputs.parse_template_text(text, "t.json")["Resources"] == {
        "T": {"Type": "AWS::SNS::Topic"}
    }


def test_yaml_syntax_error_gives_the_first_line_of_the_decoder_message():
    error = _bad_input(inputs.parse_template_text, "Resources: [unclosed", "t.yaml")
    assert error.message == "template t.yaml is not valid YAML: while parsing a flow sequence"


def test_unquoted_yaml_format_version_stays_the_date_string():
    text = "AWSTemplateFormatVersion: 2010-09-09\nResources:\n  T:\n    Type: AWS::SNS::Topic\n"
    assert inputs.parse_template_text(text, "t.yaml")["AWSTemplateFormatVersion"] == "2010-09-09"


def test_missing_template_file_is_named(tmp_path: Path):
    error = _bad_input(inputs.load_template, tmp_path / "nope.json")
    assert error.message == f"template {tmp_path / 'nope.json'} not found"


def test_template_file_is_parsed_and_named_in_its_errors(tmp_path: Path):
    path = tmp_path / "t.json"
    path.write_text("  \n")
    assert _bad_input(inputs.load_template, path).message == f"template {path} is empty"


def test_unreadable_template_file_is_reported(tmp_path: Path):
    path = tmp_path / "t.json"
    path.write_bytes(b"\xff\xfe{}")
    assert "cannot be read" in _bad_input(inputs.load_template, path).message


def test_compact_body_keeps_non_ascii_characters_as_they_are():
    assert inputs.compact({"Description": "café"}) == '{"Description":"café"}'


# ---------------------------------------------------------------------------- parameter files


def _file(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "params.json"
    path.write_text(json.dumps(data))
    return path


def test_missing_parameter_file_is_named(tmp_path: Path):
    error = _bad_input(inputs.load_parameter_file, tmp_path / "nope.json")
    assert error.message == f"parameter file {tmp_path / 'nope.json'} not found"


def test_unreadable_parameter_file_is_reported(tmp_path: Path):
    path = tmp_path / "params.json"
    path.write_bytes(b"\xff\xfe{}")
    assert "cannot be read" in _bad_input(inputs.load_parameter_file, path).message


def test_parameter_file_syntax_error_gives_the_line(tmp_path: Path):
    path = tmp_path / "params.json"
    path.write_text('{\n  "Env": prod\n}')
    error = _bad_input(inputs.load_parameter_file, path)
    assert error.message == f"parameter file {path} is not valid JSON: Expecting value at line 2"


def test_list_item_without_parameter_key_is_rejected(tmp_path: Path):
    path = _file(tmp_path, [{"ParameterKey": "A", "ParameterValue": "1"}, {"ParameterValue": "2"}])
    error = _bad_input(inputs.load_parameter_file, path)
    assert error.message == f"parameter file {path}: item 1 needs ParameterKey and ParameterValue"


def test_use_previous_value_entries_are_skipped_and_the_rest_still_read(tmp_path: Path):
    path = _file(
        tmp_path,
        [
            {"ParameterKey": "A", "UsePreviousValue": True},
            {"ParameterKey": "B", "ParameterValue": "2"},
        ],
    )
    assert inputs.load_parameter_file(path) == ({"B": "2"}, {})


def test_parameter_file_holding_a_scalar_is_rejected(tmp_path: Path):
    path = _file(tmp_path, "Env=prod")
    error = _bad_input(inputs.load_parameter_file, path)
    assert error.message == f"parameter file {path} must hold a JSON list or object"


def test_template_configuration_with_only_parameters(tmp_path: Path):
    path = _file(tmp_path, {"Parameters": {"Env": "prod"}})
    assert inputs.load_parameter_file(path) == ({"Env": "prod"}, {})


def test_template_configuration_with_only_tags(tmp_path: Path):
    path = _file(tmp_path, {"Tags": {"team": "edu"}})
    assert inputs.load_parameter_file(path) == ({}, {"team": "edu"})


def test_template_configuration_may_carry_a_stack_policy(tmp_path: Path):
    path = _file(
        tmp_path, {"Parameters": {"Env": "prod"}, "Tags": {"team": "edu"}, "StackPolicy": {}}
    )
    assert inputs.load_parameter_file(path) == ({"Env": "prod"}, {"team": "edu"})


def test_template_configuration_with_an_unknown_key_is_not_half_read(tmp_path: Path):
    path = _file(tmp_path, {"Parameters": {"Env": "prod"}, "Extra": "x"})
    error = _bad_input(inputs.load_parameter_file, path)
    assert error.message == f"parameter file {path}: the value of Parameters must not be an object"


def test_template_configuration_parameters_must_be_an_object(tmp_path: Path):
    path = _file(tmp_path, {"Parameters": ["Env=prod"], "Tags": {}})
    error = _bad_input(inputs.load_parameter_file, path)
    assert error.message == f"parameter file {path}: Parameters and Tags must be objects"


def test_false_becomes_the_word_false(tmp_path: Path):
    path = _file(tmp_path, {"Multi": False})
    assert inputs.load_parameter_file(path) == ({"Multi": "false"}, {})


# ---------------------------------------------------------------------------- flags


def test_parameter_value_may_contain_equals_signs():
    assert inputs.parse_pairs(["Query=a=b"], "--parameter") == {"Query": "a=b"}


def test_bad_parameter_flag_is_named_in_the_message():
    error = _bad_input(inputs.resolve, _template(Env={}), None, ["Env"], None)
    assert error.message == "--parameter 'Env' must look like KEY=VALUE"


def test_bad_tag_flag_is_named_in_the_message():
    error = _bad_input(inputs.resolve, _template(), None, None, ["team"])
    assert error.message == "--tag 'team' must look like KEY=VALUE"


def test_first_bad_value_is_the_message_and_the_others_are_details():
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


def test_given_names_the_parameters_the_user_set(tmp_path: Path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"A": "1"}))
    got = inputs.resolve(_template(A={}, B={}, C={}), path, ["B=2"], None)
    assert got.given == frozenset({"A", "B"})


def test_undeclared_parameter_message_lists_the_declared_ones():
    error = _bad_input(inputs.resolve, _template(Env={}, Owner={}), None, ["X=1", "Y=2"], None)
    assert error.message == (
        "the template does not declare parameter(s) X, Y; declared: Env, Owner"
    )


def test_undeclared_parameter_message_says_none_are_declared():
    error = _bad_input(inputs.resolve, _template(), None, ["X=1"], None)
    assert error.message.endswith("; declared: none")


def test_parameters_section_that_is_not_a_map_declares_nothing():
    got = inputs.resolve({"Parameters": "oops", "Resources": {}}, None, None, None)
    assert got.parameters == {}


def test_parameters_without_default_are_missing_on_create():
    template = _template(A={"Type": "String"}, B={"Type": "String", "Default": "b"}, C={})
    assert inputs.missing_on_create(template, {"C": "c"}) == ["A"]


# ---------------------------------------------------------------------------- values


def _problems(spec: dict[str, Any], value: str) -> list[str]:
    return inputs.check_values(_template(P=spec), {"P": value})


def test_each_item_of_a_comma_delimited_list_is_checked_against_allowed_values():
    spec = {"Type": "CommaDelimitedList", "AllowedValues": ["dev", "prod"]}
    assert (_problems(spec, "dev, prod"), _problems(spec, "dev,qa")) == (
        [],
        ["parameter P='dev,qa': not one of the allowed values: dev, prod"],
    )


def test_each_item_of_a_number_list_must_be_a_number():
    assert _problems({"Type": "List<Number>"}, "1, x") == [
        "parameter P='1, x': 'x' is not a number"
    ]


def test_every_bad_item_of_a_number_list_is_reported():
    spec = {"Type": "List<Number>", "MinValue": 1}
    assert len(_problems(spec, "x,0")) == 2


def test_string_value_with_commas_is_checked_as_a_whole():
    assert _problems({"Type": "String", "AllowedValues": ["a,b"]}, "a,b") == []


def test_length_limits_apply_to_strings_not_to_lists():
    assert _problems({"Type": "CommaDelimitedList", "MaxLength": 3}, "a,b,c") == []


def test_number_equal_to_min_value_is_accepted():
    assert _problems({"Type": "Number", "MinValue": 3}, "3") == []


def test_number_below_min_value_names_the_minimum():
    assert _problems({"Type": "Number", "MinValue": 3}, "2") == [
        "parameter P='2': must be at least 3"
    ]


def test_number_equal_to_max_value_is_accepted():
    assert _problems({"Type": "Number", "MaxValue": 3}, "3") == []


def test_number_above_max_value_names_the_maximum():
    assert _problems({"Type": "Number", "MaxValue": 3}, "4") == [
        "parameter P='4': must be at most 3"
    ]


def test_pattern_failure_quotes_the_constraint_description():
    spec = {"AllowedPattern": "[a-z]+", "ConstraintDescription": "lower case"}
    assert _problems(spec, "A") == [
        "parameter P='A': does not match the pattern [a-z]+ (lower case)"
    ]


def test_pattern_failure_without_description_ends_with_the_pattern():
    assert _problems({"AllowedPattern": "[a-z]+"}, "A") == [
        "parameter P='A': does not match the pattern [a-z]+"
    ]


def test_string_as_long_as_min_length_is_accepted():
    assert _problems({"Type": "String", "MinLength": 2}, "ab") == []


def test_string_as_long_as_max_length_is_accepted():
    assert _problems({"Type": "String", "MaxLength": 2}, "ab") == []


# ---------------------------------------------------------------------------- capabilities


def test_iam_resource_after_an_odd_entry_still_needs_capability_iam():
    template = {"Resources": {"Odd": "not a resource", "Role": {"Type": "AWS::IAM::Role"}}}
    assert inputs.capabilities(template) == ["CAPABILITY_IAM"]


def test_transform_nested_in_a_list_needs_auto_expand():
    snippet = {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}}
    template = {"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"Tags": [snippet]}}}}
    assert inputs.capabilities(template) == ["CAPABILITY_AUTO_EXPAND"]
