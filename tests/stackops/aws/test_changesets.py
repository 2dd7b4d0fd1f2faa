"""stackops.aws.changesets: create, wait for, describe, execute change sets."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from stackops.aws import changesets
from stackops.errors import OperationFailed
from tests.support.stubbed import CS_ARN, FAST, STACK, STACK_ID


def test_no_updates_error_at_create_is_no_changes(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "create_change_set",
            service_error_code="ValidationError",
            service_message="No updates are to be performed.",
        )
        with pytest.raises(changesets.NoChanges):
            changesets.create(
                cfn, stack_name=STACK, name="cs1", change_set_type="UPDATE",
                template_args={"TemplateBody": "{}"}, parameters=[], tags={}, capabilities=[],
            )  # fmt: skip


def test_failed_empty_change_set_is_no_changes(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_change_set",
            {
                "ChangeSetId": CS_ARN,
                "StackId": STACK_ID,
                "Status": "FAILED",
                "StatusReason": "The submitted information didn't contain changes. Submit "
                "different information to create a change set.",
                "ExecutionStatus": "UNAVAILABLE",
            },
            {"ChangeSetName": CS_ARN},
        )
        with pytest.raises(changesets.NoChanges):
            changesets.wait_ready(cfn, changesets.ChangeSet(CS_ARN, STACK_ID), FAST)


def test_describe_change_set_merges_every_page(cfn: Any) -> None:
    def change(lid: str) -> dict[str, Any]:
        return {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Add",
                "LogicalResourceId": lid,
                "ResourceType": "AWS::SNS::Topic",
            },
        }

    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_change_set",
            {"Changes": [change("A")], "NextToken": "t2", "Status": "CREATE_COMPLETE"},
            {"ChangeSetName": CS_ARN},
        )
        stub.add_response(
            "describe_change_set",
            {"Changes": [change("B")], "Status": "CREATE_COMPLETE"},
            {"ChangeSetName": CS_ARN, "NextToken": "t2"},
        )
        got = changesets.describe(cfn, CS_ARN)
    assert [c["ResourceChange"]["LogicalResourceId"] for c in got["Changes"]] == ["A", "B"]


def test_execute_passes_a_client_request_token(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response(
            "execute_change_set", {}, {"ChangeSetName": CS_ARN, "ClientRequestToken": "tok-1"}
        )
        changesets.execute(cfn, CS_ARN, "tok-1")
        stub.assert_no_pending_responses()


def test_create_change_set_sends_the_derived_capabilities_and_tags(cfn: Any) -> None:
    expected = {
        "StackName": STACK,
        "ChangeSetName": "cs1",
        "ChangeSetType": "CREATE",
        "Parameters": [{"ParameterKey": "Env", "ParameterValue": "prod"}],
        "Tags": [{"Key": "team", "Value": "edu"}],
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Description": "deploy.py",
        "TemplateBody": "{}",
    }
    with Stubber(cfn) as stub:
        stub.add_response("create_change_set", {"Id": CS_ARN, "StackId": STACK_ID}, expected)
        got = changesets.create(
            cfn, stack_name=STACK, name="cs1", change_set_type="CREATE",
            template_args={"TemplateBody": "{}"},
            parameters=[{"ParameterKey": "Env", "ParameterValue": "prod"}],
            tags={"team": "edu"}, capabilities=["CAPABILITY_NAMED_IAM"],
        )  # fmt: skip
    assert (got.arn, got.stack_id) == (CS_ARN, STACK_ID)


def test_create_change_set_error_is_a_failure_with_its_message(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "create_change_set",
            service_error_code="ValidationError",
            service_message="Template format error: Unresolved resource dependencies [Vpc]",
        )
        with pytest.raises(OperationFailed, match=r"CreateChangeSet failed: .*\[Vpc\]"):
            changesets.create(
                cfn, stack_name=STACK, name="cs1", change_set_type="CREATE",
                template_args={"TemplateBody": "{}"}, parameters=[], tags={}, capabilities=[],
            )  # fmt: skip
