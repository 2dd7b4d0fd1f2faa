"""stackops.follow.operation: polling one operation to its end."""

from __future__ import annotations

import io
from typing import Any

from botocore.stub import Stubber

from stackops.aws.events import EventCursor
from stackops.follow.operation import follow
from stackops.follow.polling import Poll
from stackops.follow.progress import PlainView
from tests.support.stubbed import FAST, STACK_ID, event, newest_first, stack_desc, stack_event


def test_follow_tolerates_throttling(cfn: Any) -> None:
    view = PlainView(io.StringIO(), heartbeat=30, clock=lambda: 0.0)
    with Stubber(cfn) as stub:
        stub.add_client_error("describe_stack_events", "Throttling", "Rate exceeded", 400)
        stub.add_response(
            "describe_stack_events",
            newest_first(stack_event(2, "UPDATE_COMPLETE")),
            {"StackName": STACK_ID},
        )
        stub.add_response("describe_stacks", stack_desc("UPDATE_COMPLETE"), {"StackName": STACK_ID})
        stub.add_response(
            "describe_stack_events",
            newest_first(stack_event(2, "UPDATE_COMPLETE")),
            {"StackName": STACK_ID},
        )
        done = follow(
            cfn, STACK_ID, EventCursor(cfn, STACK_ID, "e1"), view, FAST, sleep=lambda s: None
        )
    assert done.status == "UPDATE_COMPLETE"


def test_backoff_grows_between_polls_while_nothing_happens(cfn: Any) -> None:
    view = PlainView(io.StringIO(), heartbeat=30, clock=lambda: 0.0)
    poll = Poll(minimum=1.0, maximum=4.0, factor=2.0)
    slept: list[float] = []
    quiet = newest_first(stack_event(1, "UPDATE_IN_PROGRESS"))
    with Stubber(cfn) as stub:
        for status in ["UPDATE_IN_PROGRESS"] * 4 + ["UPDATE_COMPLETE"]:
            stub.add_response("describe_stack_events", quiet, {"StackName": STACK_ID})
            stub.add_response("describe_stacks", stack_desc(status), {"StackName": STACK_ID})
        stub.add_response("describe_stack_events", quiet, {"StackName": STACK_ID})
        cursor = EventCursor(cfn, STACK_ID, last_id="e1-edu")
        done = follow(cfn, STACK_ID, cursor, view, poll, sleep=slept.append)
        stub.assert_no_pending_responses()
    assert done.status == "UPDATE_COMPLETE"
    assert slept == [2.0, 4.0, 4.0, 4.0]


def test_backoff_starts_over_when_events_arrive(cfn: Any) -> None:
    view = PlainView(io.StringIO(), heartbeat=30, clock=lambda: 0.0)
    poll = Poll(minimum=1.0, maximum=4.0, factor=2.0)
    slept: list[float] = []
    quiet = newest_first(stack_event(1, "UPDATE_IN_PROGRESS"))
    busy = newest_first(stack_event(1, "UPDATE_IN_PROGRESS"), event(2, "A", "UPDATE_IN_PROGRESS"))
    running = "UPDATE_IN_PROGRESS"
    rounds = [(quiet, running), (quiet, running), (busy, running), (busy, "UPDATE_COMPLETE")]
    with Stubber(cfn) as stub:
        for events, status in rounds:
            stub.add_response("describe_stack_events", events, {"StackName": STACK_ID})
            stub.add_response("describe_stacks", stack_desc(status), {"StackName": STACK_ID})
        stub.add_response("describe_stack_events", busy, {"StackName": STACK_ID})
        cursor = EventCursor(cfn, STACK_ID, last_id="e1-edu")
        follow(cfn, STACK_ID, cursor, view, poll, sleep=slept.append)
    assert slept == [2.0, 4.0, 1.0]
