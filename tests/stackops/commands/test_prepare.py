"""stackops.commands.prepare: parameters, the no-op check, the change set plan and deploy share."""

from __future__ import annotations

import json
from typing import Any

from botocore.stub import Stubber

from stackops.commands import prepare
from stackops.inputs import Inputs
from stackops.request import Request
from tests.support.samples import topic_template
from tests.support.stubbed import STACK, STACK_ID, session_for, stack_desc


def test_update_keeps_previous_values_only_for_parameters_still_declared() -> None:
    stack = stack_desc(
        "UPDATE_COMPLETE",
        Parameters=[
            {"ParameterKey": "Env", "ParameterValue": "prod"},
            {"ParameterKey": "Dropped", "ParameterValue": "x"},
        ],
    )["Stacks"][0]
    req = Request(STACK, topic_template(), Inputs({"Owner": "bob"}, {}, frozenset({"Owner"})))
    assert prepare.parameters(req, stack) == [
        {"ParameterKey": "Env", "UsePreviousValue": True},
        {"ParameterKey": "Owner", "ParameterValue": "bob"},
    ]


def secret_template() -> dict[str, Any]:
    template = topic_template()
    template["Parameters"]["DbPassword"] = {"Type": "String", "NoEcho": True}
    return template


def deployed_with_secret(cfn: Any, template: dict[str, Any]) -> Any:
    """A stack deployed with ``template``; CloudFormation masks the NoEcho value it reports."""
    stub = Stubber(cfn)
    stub.add_response(
        "get_template",
        {"TemplateBody": json.dumps(template)},
        {"StackName": STACK_ID, "TemplateStage": "Original"},
    )
    return stub


def stack_with_masked_secret() -> dict[str, Any]:
    stack: dict[str, Any] = stack_desc(
        "UPDATE_COMPLETE",
        Parameters=[
            {"ParameterKey": "Env", "ParameterValue": "dev"},
            {"ParameterKey": "Owner", "ParameterValue": "platform"},
            {"ParameterKey": "Retention", "ParameterValue": "7"},
            {"ParameterKey": "DbPassword", "ParameterValue": "****"},
        ],
    )["Stacks"][0]
    return stack


def given(**values: str) -> Inputs:
    return Inputs(dict(values), {}, frozenset(values))


def test_a_new_noecho_value_is_never_taken_for_no_change(cfn: Any) -> None:
    template = secret_template()
    session, _ = session_for(cfn)
    req = Request(STACK, template, given(DbPassword="n3w-secret"))
    with deployed_with_secret(cfn, template):
        assert prepare.unchanged(session, req, stack_with_masked_secret()) is False


def test_a_given_noecho_value_goes_through_a_change_set_even_if_it_looks_the_same(cfn: Any) -> None:
    # The stack shows only the mask, so no given value can be proven unchanged.
    template = secret_template()
    session, _ = session_for(cfn)
    req = Request(STACK, template, given(DbPassword="****"))
    with deployed_with_secret(cfn, template):
        assert prepare.unchanged(session, req, stack_with_masked_secret()) is False


def test_same_template_and_values_are_no_change(cfn: Any) -> None:
    template = secret_template()
    session, _ = session_for(cfn)
    req = Request(STACK, template, given(Env="dev"))
    with deployed_with_secret(cfn, template):
        assert prepare.unchanged(session, req, stack_with_masked_secret()) is True
