"""stackops.aws.events: the events of one operation, each handed out once."""

from __future__ import annotations

from typing import Any

from botocore.stub import Stubber

from stackops.aws.events import EventCursor, describe_events
from tests.support.opevents import FAILED_ONLY, OP_ID, op_event, page
from tests.support.stubbed import CS_ARN, STACK, STACK_ID, event, newest_first, stack_event


def test_cursor_keeps_only_events_with_this_operations_token(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stack_events",
            newest_first(
                stack_event(1, "UPDATE_COMPLETE", token="old"),
                event(5, "Mine", "UPDATE_IN_PROGRESS", token="tok"),
                event(6, "Other", "UPDATE_IN_PROGRESS", token="someone-else"),
                stack_event(7, "UPDATE_IN_PROGRESS", token="tok"),
            ),
            {"StackName": STACK_ID},
        )
        cursor = EventCursor(cfn, STACK_ID, last_id="e1-edu", token="tok")
        got = [e["LogicalResourceId"] for e in cursor.fetch()]
    assert got == ["Mine", STACK]


def test_cursor_without_tokens_uses_events_newer_than_the_marker(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stack_events",
            newest_first(stack_event(1, "CREATE_COMPLETE"), event(2, "A", "UPDATE_IN_PROGRESS")),
            {"StackName": STACK_ID},
        )
        stub.add_response(
            "describe_stack_events",
            newest_first(
                stack_event(1, "CREATE_COMPLETE"),
                event(2, "A", "UPDATE_IN_PROGRESS"),
                event(3, "A", "UPDATE_COMPLETE"),
            ),
            {"StackName": STACK_ID},
        )
        cursor = EventCursor(cfn, STACK_ID, last_id="e1-edu", token="tok")
        first = [e["EventId"] for e in cursor.fetch()]
        second = [e["EventId"] for e in cursor.fetch()]
    assert (first, second) == (["e2-A"], ["e3-A"])


def test_describe_events_reads_every_page_and_returns_oldest_first(cfn: Any) -> None:
    filters = {"OperationId": OP_ID, "Filters": FAILED_ONLY}
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_events",
            page(op_event(4, "C", "UPDATE_FAILED"), op_event(3, "B", "UPDATE_FAILED"), token="t2"),
            filters,
        )
        stub.add_response(
            "describe_events",
            page(op_event(1, "A", "UPDATE_FAILED")),
            {**filters, "NextToken": "t2"},
        )
        got = describe_events(cfn, **filters)
        stub.assert_no_pending_responses()
    assert [e["LogicalResourceId"] for e in got] == ["A", "B", "C"]


def test_describe_events_passes_any_filter_through(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response("describe_events", page(), {"ChangeSetName": CS_ARN})
        assert describe_events(cfn, ChangeSetName=CS_ARN) == []
