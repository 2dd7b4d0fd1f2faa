"""stackops.follow.skips and settle's continued rollback with --skip-resource (botocore's
Stubber: moto has no ContinueUpdateRollback)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from stackops.errors import BadInput, Refused
from stackops.follow.settle import settle
from stackops.follow.skips import check_skips
from tests.support.stubbed import (
    NESTED_ID,
    STACK,
    STACK_ID,
    T0,
    newest_first,
    request,
    session_for,
    stack_desc,
    stack_event,
)


def row(lid: str, rtype: str, physical: str = "", status: str = "UPDATE_FAILED") -> dict[str, Any]:
    return {
        "LogicalResourceId": lid,
        "PhysicalResourceId": physical or f"p-{lid}",
        "ResourceType": rtype,
        "LastUpdatedTimestamp": T0,
        "ResourceStatus": status,
    }


PARENT = {
    "StackResourceSummaries": [
        row("Db", "AWS::RDS::DBInstance"),
        row("Topic", "AWS::SNS::Topic"),
        row("Data", "AWS::CloudFormation::Stack", NESTED_ID),
    ]
}
NESTED = {
    "StackResourceSummaries": [
        row("Queue", "AWS::SQS::Queue"),
        row("Files", "AWS::S3::Bucket"),
    ]
}
STACK_ROW = stack_desc("UPDATE_ROLLBACK_FAILED")["Stacks"][0]


def listed(stub: Stubber, *nested: bool) -> None:
    """One ListStackResources of the parent per ID, then the nested stack's where named."""
    for opens in nested:
        stub.add_response("list_stack_resources", PARENT, {"StackName": STACK_ID})
        if opens:
            stub.add_response("list_stack_resources", NESTED, {"StackName": NESTED_ID})


def test_a_stateless_resource_and_one_in_a_nested_stack_may_be_skipped(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        listed(stub, False, True)
        check_skips(session, STACK_ROW, ("Topic", "Data.Queue"), ())
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(("skip", "nested"), [("Db", False), ("Data.Files", True)])
def test_a_stateful_resource_is_refused_unless_allowed_by_the_same_id(
    cfn: Any, skip: str, nested: bool
) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        listed(stub, nested)
        with pytest.raises(Refused) as caught:
            check_skips(session, STACK_ROW, (skip,), ("Other",))
    assert caught.value.exit_code == 3
    assert f"--allow-replacement {skip}" in caught.value.message
    assert caught.value.details == []
    with Stubber(cfn) as stub:
        listed(stub, nested)
        check_skips(session, STACK_ROW, (skip,), (skip,))


@pytest.mark.parametrize(("skip", "nested"), [("Nope", False), ("Data.Nope", True)])
def test_an_id_the_stack_does_not_hold_is_bad_input(cfn: Any, skip: str, nested: bool) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        listed(stub, nested)
        with pytest.raises(BadInput, match=f"--skip-resource {skip}: no such resource"):
            check_skips(session, STACK_ROW, (skip,), ())


def test_nothing_to_skip_asks_nothing(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        check_skips(session, STACK_ROW, (), ())
        stub.assert_no_pending_responses()


def test_deploy_with_skip_resource_continues_the_rollback_skipping_it(cfn: Any) -> None:
    session, err = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_FAILED"), {"StackName": STACK}
        )
        listed(stub, False)
        before = newest_first(stack_event(1, "UPDATE_ROLLBACK_FAILED"))
        stub.add_response("describe_stack_events", before, {"StackName": STACK_ID})
        stub.add_response(
            "continue_update_rollback",
            {},
            {"StackName": STACK_ID, "ClientRequestToken": ANY, "ResourcesToSkip": ["Topic"]},
        )
        after = newest_first(
            stack_event(1, "UPDATE_ROLLBACK_FAILED"),
            stack_event(2, "UPDATE_ROLLBACK_COMPLETE"),
        )
        stub.add_response("describe_stack_events", after, {"StackName": STACK_ID})
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK_ID}
        )
        stub.add_response("describe_stack_events", after, {"StackName": STACK_ID})
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK}
        )
        # --skip-resource alone: naming a resource to skip asks for the rollback to go on.
        stack = settle(session, STACK, request=request(skip_resources=("Topic",)))
        stub.assert_no_pending_responses()
    assert stack is not None and stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "continuing the rollback" in err.getvalue()


def test_deploy_refuses_to_skip_a_database_and_calls_nothing_more(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_FAILED"), {"StackName": STACK}
        )
        listed(stub, False)
        with pytest.raises(Refused, match="refusing to skip stateful Db"):
            settle(session, STACK, request=request(skip_resources=("Db",)))
        stub.assert_no_pending_responses()
