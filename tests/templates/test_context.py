"""The Context every section builds on: parameters, conditions, outputs, names and tags."""

from __future__ import annotations

from typing import Any

import pytest
from troposphere import Equals, Ref
from troposphere.sns import Topic

from templates.context import PROFILES, Context


def _context() -> Context:
    return Context(profile=PROFILES["ephemeral"])


def _built(ctx: Context) -> dict[str, Any]:
    built: dict[str, Any] = ctx.template.to_dict()
    return built


def test_condition_returns_its_name() -> None:
    assert _context().condition("IsProd", Equals(Ref("Env"), "prod")) == "IsProd"


def test_condition_refuses_a_duplicate_name() -> None:
    ctx = _context()
    ctx.condition("IsProd", Equals(Ref("Env"), "prod"))
    with pytest.raises(ValueError, match="already defined"):
        ctx.condition("IsProd", Equals(Ref("Env"), "staging"))


def test_parameter_is_grouped_and_labelled_for_the_console() -> None:
    ctx = _context()
    ctx.parameter("Env", group="Environment", label="Environment name", Type="String")
    interface = _built(ctx)["Metadata"]["AWS::CloudFormation::Interface"]
    assert interface["ParameterGroups"] == [
        {"Label": {"default": "Environment"}, "Parameters": ["Env"]}
    ]
    assert interface["ParameterLabels"] == {"Env": {"default": "Environment name"}}


def test_output_is_exported_under_the_stack_name() -> None:
    ctx = _context()
    ctx.output("TopicArn", Ref("Topic"))
    output = _built(ctx)["Outputs"]["TopicArn"]
    assert output["Export"] == {"Name": {"Fn::Sub": "${AWS::StackName}-TopicArn"}}


def test_output_without_export_has_none() -> None:
    ctx = _context()
    ctx.output("TopicArn", Ref("Topic"), export=False)
    assert "Export" not in _built(ctx)["Outputs"]["TopicArn"]


def test_output_leaves_out_an_empty_description() -> None:
    # Every byte counts against the TemplateBody limit.
    ctx = _context()
    ctx.output("TopicArn", Ref("Topic"))
    assert "Description" not in _built(ctx)["Outputs"]["TopicArn"]


def test_output_carries_its_condition() -> None:
    ctx = _context()
    ctx.output("TopicArn", Ref("Topic"), condition="IsProd")
    assert _built(ctx)["Outputs"]["TopicArn"]["Condition"] == "IsProd"


def test_name_carries_prefix_and_suffix() -> None:
    assert Context.name("db").to_dict() == {"Fn::Sub": "edu-db-${EnvironmentSuffix}"}


def test_tags_carry_environment_project_and_name() -> None:
    tags = {t["Key"]: t["Value"] for t in _context().tags("db").to_dict()}
    assert tags == {
        "Environment": {"Ref": "EnvironmentSuffix"},
        "Project": "edu-platform",
        "Name": {"Fn::Sub": "edu-db-${EnvironmentSuffix}"},
    }


def test_add_puts_the_resource_in_the_template() -> None:
    ctx = _context()
    ctx.add(Topic("Topic"))
    assert _built(ctx)["Resources"]["Topic"]["Type"] == "AWS::SNS::Topic"
