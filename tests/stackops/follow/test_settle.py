"""stackops.follow.settle: the state table walk before a change set."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from stackops.errors import NeedsHuman
from stackops.follow.settle import settle
from tests.support.stubbed import (
    FAILED_RESOURCE,
    STACK,
    STACK_ID,
    T0,
    newest_first,
    session_for,
    stack_desc,
    stack_event,
)


def test_update_rollback_failed_names_blockers_and_the_command(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_FAILED"), {"StackName": STACK}
        )
        stub.add_response("list_stack_resources", FAILED_RESOURCE, {"StackName": STACK_ID})
        with pytest.raises(NeedsHuman) as caught:
            settle(session, STACK)
    details = "\n".join(caught.value.details)
    assert (
        "Db (AWS::RDS::DBInstance) UPDATE_FAILED: DB instance is not in available state" in details
    )
    assert (
        "aws cloudformation continue-update-rollback --stack-name edu --region us-east-1" in details
    )
    assert caught.value.exit_code == 5


def test_continue_rollback_runs_waits_then_goes_on(cfn: Any) -> None:
    session, err = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_FAILED"), {"StackName": STACK}
        )
        before = newest_first(stack_event(1, "UPDATE_ROLLBACK_FAILED"))
        stub.add_response("describe_stack_events", before, {"StackName": STACK_ID})
        stub.add_response(
            "continue_update_rollback", {}, {"StackName": STACK_ID, "ClientRequestToken": ANY}
        )
        after = newest_first(
            stack_event(1, "UPDATE_ROLLBACK_FAILED"),
            stack_event(2, "UPDATE_ROLLBACK_IN_PROGRESS"),
            stack_event(3, "UPDATE_ROLLBACK_COMPLETE"),
        )
        stub.add_response("describe_stack_events", after, {"StackName": STACK_ID})
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK_ID}
        )
        stub.add_response("describe_stack_events", after, {"StackName": STACK_ID})
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK}
        )
        stack = settle(session, STACK, continue_rollback=True)
        stub.assert_no_pending_responses()
    assert stack is not None and stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "continuing the rollback" in err.getvalue()


def test_delete_failed_names_what_could_not_be_deleted(cfn: Any) -> None:
    session, _ = session_for(cfn)
    failed = {
        "StackResourceSummaries": [
            {
                "LogicalResourceId": "Logs",
                "PhysicalResourceId": "edu-logs",
                "ResourceType": "AWS::S3::Bucket",
                "LastUpdatedTimestamp": T0,
                "ResourceStatus": "DELETE_FAILED",
                "ResourceStatusReason": "The bucket you tried to delete is not empty",
            }
        ]
    }
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc("DELETE_FAILED"), {"StackName": STACK})
        stub.add_response("list_stack_resources", failed, {"StackName": STACK_ID})
        with pytest.raises(NeedsHuman, match="could not delete Logs"):
            settle(session, STACK)


def test_delete_failed_names_delete_force_as_the_way_out(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc("DELETE_FAILED"), {"StackName": STACK})
        stub.add_response("list_stack_resources", FAILED_RESOURCE, {"StackName": STACK_ID})
        with pytest.raises(NeedsHuman) as caught:
            settle(session, STACK)
    assert "`python deploy.py delete --stack-name edu --force`" in caught.value.message


@pytest.mark.parametrize("status", ["UPDATE_FAILED", "CREATE_FAILED"])
def test_a_stack_left_failed_without_rollback_points_at_rollback(cfn: Any, status: str) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc(status), {"StackName": STACK})
        stub.add_response("list_stack_resources", FAILED_RESOURCE, {"StackName": STACK_ID})
        with pytest.raises(NeedsHuman) as caught:
            settle(session, STACK)
    assert caught.value.exit_code == 5
    assert "next: `python deploy.py rollback --stack-name edu`" in caught.value.message
    assert any("Db (AWS::RDS::DBInstance)" in line for line in caught.value.details)


def test_a_stack_seen_deleted_is_created_again(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc("DELETE_COMPLETE"), {"StackName": STACK})
        assert settle(session, STACK) is None
