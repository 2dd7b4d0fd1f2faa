"""stackops.aws.stacks: describe and list resources as CloudFormation answers them."""

from __future__ import annotations

from typing import Any

from botocore.stub import Stubber

from stackops.aws import stacks
from tests.support.stubbed import STACK, STACK_ID, T0


def summary(lid: str) -> dict[str, Any]:
    return {
        "LogicalResourceId": lid,
        "ResourceType": "AWS::SNS::Topic",
        "LastUpdatedTimestamp": T0,
        "ResourceStatus": "CREATE_COMPLETE",
    }


def test_resources_come_from_every_page(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        first = {"StackResourceSummaries": [summary("A")], "NextToken": "t2"}
        stub.add_response("list_stack_resources", first, {"StackName": STACK_ID})
        second = {"StackResourceSummaries": [summary("B")]}
        stub.add_response(
            "list_stack_resources", second, {"StackName": STACK_ID, "NextToken": "t2"}
        )
        found = stacks.resources(cfn, STACK_ID)
    assert [r["LogicalResourceId"] for r in found] == ["A", "B"]


def test_a_missing_stack_is_none(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist"
        )
        assert stacks.describe(cfn, STACK) is None


def test_outputs_are_a_plain_map() -> None:
    stack = {"Outputs": [{"OutputKey": "TopicArn", "OutputValue": "arn:x"}]}
    assert stacks.outputs_of(stack) == {"TopicArn": "arn:x"}
