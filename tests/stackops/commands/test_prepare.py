"""stackops.commands.prepare: parameters, the no-op check, the change set plan and deploy share."""

from __future__ import annotations

from stackops.commands import prepare
from stackops.inputs import Inputs
from stackops.request import Request
from tests.support.samples import topic_template
from tests.support.stubbed import STACK, stack_desc


def test_update_keeps_previous_values_only_for_parameters_still_declared():
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
