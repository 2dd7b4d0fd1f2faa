"""stackops.follow.interrupts: what Ctrl-C does at each point of a run."""

from __future__ import annotations

from typing import Any

from botocore.stub import ANY, Stubber

from stackops.follow.interrupts import Run, interrupted
from tests.support.stubbed import (
    STACK,
    STACK_ID,
    newest_first,
    session_for,
    stack_desc,
    stack_event,
)


def test_interrupt_with_cancel_cancels_the_update_and_follows_the_rollback(cfn: Any) -> None:
    session, _ = session_for(cfn)
    run = Run(executing=True, stack_id=STACK_ID, change_set_type="UPDATE", token="t")
    rollback = newest_first(
        stack_event(1, "UPDATE_IN_PROGRESS"),
        stack_event(2, "UPDATE_ROLLBACK_IN_PROGRESS", "Stack update cancelled"),
        stack_event(3, "UPDATE_ROLLBACK_COMPLETE"),
    )
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stack_events", newest_first(stack_event(1, "UPDATE_IN_PROGRESS")),
            {"StackName": STACK_ID},
        )  # fmt: skip
        stub.add_response(
            "cancel_update_stack", {}, {"StackName": STACK_ID, "ClientRequestToken": ANY}
        )
        stub.add_response("describe_stack_events", rollback, {"StackName": STACK_ID})
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK_ID}
        )
        stub.add_response("describe_stack_events", rollback, {"StackName": STACK_ID})
        error = interrupted(session, STACK, run, on_interrupt="cancel")
        stub.assert_no_pending_responses()
    assert "UPDATE_ROLLBACK_COMPLETE" in error.message
