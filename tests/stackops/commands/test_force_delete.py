"""stackops.commands.force_delete (delete --force): lists what FORCE_DELETE_STACK leaves
behind, asks (or --yes), and sends DeletionMode. botocore's Stubber: moto 5.2.5 ignores
DeletionMode and always lists resources as CREATE_COMPLETE."""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from stackops.commands import force_delete
from stackops.errors import BadInput, NeedsHuman, Refused
from stackops.render import Console
from stackops.session import Session
from tests.support.stubbed import (
    FAST,
    STACK,
    STACK_ID,
    T0,
    newest_first,
    session_for,
    stack_desc,
    stack_event,
)

LEFT = {
    "StackResourceSummaries": [
        {
            "LogicalResourceId": "Logs",
            "PhysicalResourceId": "edu-logs",
            "ResourceType": "AWS::S3::Bucket",
            "LastUpdatedTimestamp": T0,
            "ResourceStatus": "DELETE_FAILED",
            "ResourceStatusReason": "The bucket you tried to delete is not empty",
        },
        {
            "LogicalResourceId": "Topic",
            "PhysicalResourceId": "arn:aws:sns:us-east-1:123456789012:edu-topic",
            "ResourceType": "AWS::SNS::Topic",
            "LastUpdatedTimestamp": T0,
            "ResourceStatus": "DELETE_COMPLETE",
        },
    ]
}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def failed_stack(stub: Stubber) -> None:
    stub.add_response("describe_stacks", stack_desc("DELETE_FAILED"), {"StackName": STACK})
    stub.add_response("list_stack_resources", LEFT, {"StackName": STACK_ID})


def forced(stub: Stubber, end: str = "DELETE_COMPLETE") -> None:
    before = newest_first(stack_event(1, "DELETE_FAILED"))
    stub.add_response("describe_stack_events", before, {"StackName": STACK_ID})
    stub.add_response(
        "delete_stack",
        {},
        {"StackName": STACK_ID, "ClientRequestToken": ANY, "DeletionMode": "FORCE_DELETE_STACK"},
    )
    after = newest_first(stack_event(1, "DELETE_FAILED"), stack_event(2, end))
    stub.add_response("describe_stack_events", after, {"StackName": STACK_ID})
    stub.add_response("describe_stacks", stack_desc(end), {"StackName": STACK_ID})
    stub.add_response("describe_stack_events", after, {"StackName": STACK_ID})


def test_force_lists_what_it_leaves_behind_and_sends_the_deletion_mode(cfn: Any) -> None:
    session, err = session_for(cfn)
    with Stubber(cfn) as stub:
        failed_stack(stub)
        forced(stub)
        result = force_delete.run(session, STACK, yes=True)
        stub.assert_no_pending_responses()
    assert (result.status, result.exit_code) == ("DELETE_COMPLETE", 0)
    assert result.details == ["left behind: Logs (AWS::S3::Bucket) edu-logs"]
    assert "left behind: Logs (AWS::S3::Bucket) edu-logs" in err.getvalue()
    assert "Topic" not in err.getvalue()  # deleted already: nothing left of it


def test_force_asks_on_a_terminal_and_goes_ahead_on_yes(cfn: Any) -> None:
    err = io.StringIO()
    session, _ = session_for(cfn)
    asked = Session(session.clients, Console(err, Terminal("y\n")), FAST, sleep=lambda s: None)
    with Stubber(cfn) as stub:
        failed_stack(stub)
        forced(stub)
        result = force_delete.run(asked, STACK, yes=False)
        stub.assert_no_pending_responses()
    assert result.exit_code == 0
    text = err.getvalue()
    assert text.index("left behind: Logs") < text.index("leave the 1 resource(s) above behind?")


def test_force_declined_deletes_nothing(cfn: Any) -> None:
    session, _ = session_for(cfn)
    asked = Session(
        session.clients, Console(io.StringIO(), Terminal("n\n")), FAST, sleep=lambda s: None
    )
    with Stubber(cfn) as stub:
        failed_stack(stub)
        result = force_delete.run(asked, STACK, yes=False)
        stub.assert_no_pending_responses()  # and no DeleteStack was expected
    assert (result.status, result.exit_code) == ("DELETE_FAILED", 1)


def test_force_without_a_terminal_and_without_yes_refuses(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        failed_stack(stub)
        with pytest.raises(BadInput, match="pass --yes") as caught:
            force_delete.run(session, STACK, yes=False)
    assert caught.value.exit_code == 4


@pytest.mark.parametrize("status", ["UPDATE_COMPLETE", "UPDATE_ROLLBACK_FAILED"])
def test_force_on_any_other_state_is_exit_5_and_changes_nothing(cfn: Any, status: str) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc(status), {"StackName": STACK})
        with pytest.raises(NeedsHuman) as caught:
            force_delete.run(session, STACK, yes=True)
        stub.assert_no_pending_responses()
    assert caught.value.exit_code == 5
    assert f"stack edu is {status}" in caught.value.message
    assert "`python deploy.py delete --stack-name edu`" in caught.value.message


def test_a_forced_delete_that_fails_exits_1(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        failed_stack(stub)
        forced(stub, end="DELETE_FAILED")
        result = force_delete.run(session, STACK, yes=True)
    assert (result.status, result.exit_code) == ("DELETE_FAILED", 1)


def test_force_refuses_a_stack_with_termination_protection(cfn: Any) -> None:
    session, _ = session_for(cfn)
    protected = stack_desc("DELETE_FAILED", EnableTerminationProtection=True)
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", protected, {"StackName": STACK})
        with pytest.raises(Refused) as caught:
            force_delete.run(session, STACK, yes=True)
        stub.assert_no_pending_responses()
    assert caught.value.exit_code == 3
