"""stackops.follow.operation: polling one operation to its end."""

from __future__ import annotations

import io
from typing import Any

from botocore.stub import Stubber

from stackops.aws.events import EventCursor
from stackops.follow.operation import follow
from stackops.follow.progress import PlainView
from tests.support.stubbed import FAST, STACK_ID, newest_first, stack_desc, stack_event


def test_follow_tolerates_throttling(cfn: Any):
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
