"""stackops.follow.operation: polling one operation to its end."""

from __future__ import annotations

import io
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import ANY, Stubber

from stackops.aws.clients import Clients
from stackops.aws.errors import explain
from stackops.aws.events import EventCursor
from stackops.errors import AwsUnavailable
from stackops.follow.operation import Followed, delete_and_watch, follow, settled, watch
from stackops.follow.polling import Poll
from stackops.follow.progress import PlainView
from stackops.render import Console
from stackops.session import Session
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


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "DescribeStacks")


THROTTLED = error("Throttling", "Rate exceeded")
GONE = error("ValidationError", "Stack with id edu does not exist")
DENIED = error("AccessDenied", "not allowed")


class Script:
    """Answers each call with the next entry: an exception is raised, anything else returned."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)

    def next(self) -> Any:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class FakeCursor:
    def __init__(self, *batches: Any) -> None:
        self.script = Script(*batches)

    def fetch(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.script.next()
        return result


class FakeCfn:
    def __init__(self, *answers: Any) -> None:
        self.script = Script(*answers)

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        result: dict[str, Any] = self.script.next()
        return result


def described(status: str, reason: str = "") -> dict[str, Any]:
    return {"Stacks": [{"StackStatus": status, "StackStatusReason": reason}]}


SCRIPTED_POLL = Poll(minimum=1.0, maximum=4.0, heartbeat=30.0, factor=2.0)


def run(cfn: FakeCfn, cursor: FakeCursor, **kw: Any) -> Followed:
    view = PlainView(io.StringIO(), heartbeat=30, clock=Clock(0.0))
    kw.setdefault("sleep", lambda s: None)
    return follow(cfn, STACK_ID, cast(EventCursor, cursor), view, SCRIPTED_POLL, **kw)


def test_follow_returns_the_stacks_status_reason() -> None:
    done = run(
        FakeCfn(described("UPDATE_ROLLBACK_COMPLETE", "Resource creation failed")),
        FakeCursor([], []),
    )
    assert (done.status, done.reason) == ("UPDATE_ROLLBACK_COMPLETE", "Resource creation failed")


def test_stack_without_a_status_reason_has_an_empty_reason() -> None:
    done = run(FakeCfn({"Stacks": [{"StackStatus": "UPDATE_COMPLETE"}]}), FakeCursor([], []))
    assert done.reason == ""


def test_follow_waits_through_review_in_progress_while_a_review_is_pending() -> None:
    done = run(
        FakeCfn(described("REVIEW_IN_PROGRESS"), described("CREATE_COMPLETE")),
        FakeCursor([], [], []),
        review_pending=True,
    )
    assert done.status == "CREATE_COMPLETE"


def test_follow_by_default_does_not_wait_for_a_review() -> None:
    done = run(FakeCfn(described("REVIEW_IN_PROGRESS")), FakeCursor([], []))
    assert done.status == "REVIEW_IN_PROGRESS"


def test_follow_keeps_the_events_of_every_poll() -> None:
    first, second, last = (event(n, x, "UPDATE_COMPLETE") for n, x in enumerate("ABC"))
    done = run(
        FakeCfn(described("UPDATE_IN_PROGRESS"), described("UPDATE_COMPLETE")),
        FakeCursor([first], [second], [last]),
    )
    assert done.events == [first, second, last]


def test_events_found_by_the_last_look_are_shown() -> None:
    out = io.StringIO()
    view = PlainView(out, heartbeat=30, clock=Clock(0.0))
    cursor = FakeCursor([], [event(1, "Late", "UPDATE_COMPLETE")])
    follow(
        FakeCfn(described("UPDATE_COMPLETE")),
        STACK_ID,
        cast(EventCursor, cursor),
        view,
        SCRIPTED_POLL,
        sleep=lambda s: None,
    )
    assert "Late (AWS::SNS::Topic)" in out.getvalue()


def test_the_view_is_ticked_between_polls_and_finished_at_the_end() -> None:
    calls: list[str] = []

    class Recorder:
        def expect(self, changes: list[tuple[str, str]]) -> None:
            calls.append("expect")

        def events(self, events: list[dict[str, Any]]) -> None:
            calls.append(f"events {len(events)}")

        def tick(self) -> None:
            calls.append("tick")

        def finish(self) -> None:
            calls.append("finish")

    follow(
        FakeCfn(described("UPDATE_IN_PROGRESS"), described("UPDATE_COMPLETE")),
        STACK_ID,
        cast(EventCursor, FakeCursor([event(1, "A", "UPDATE_IN_PROGRESS")], [], [])),
        Recorder(),
        SCRIPTED_POLL,
        sleep=lambda s: None,
    )
    assert calls == ["events 1", "tick", "finish"]


def test_stack_deleted_while_followed_ends_as_delete_complete() -> None:
    seen = event(1, "A", "DELETE_COMPLETE")
    done = run(FakeCfn(described("DELETE_IN_PROGRESS"), GONE), FakeCursor([seen], [], []))
    assert (done.status, done.reason, done.events) == ("DELETE_COMPLETE", "", [seen])


def test_stack_gone_before_its_events_are_read_ends_as_delete_complete() -> None:
    done = run(FakeCfn(), FakeCursor(GONE))
    assert (done.status, done.reason, done.events) == ("DELETE_COMPLETE", "", [])


def test_stack_no_longer_listed_counts_as_deleted() -> None:
    done = run(FakeCfn({"Stacks": []}), FakeCursor([], []))
    assert done.status == "DELETE_COMPLETE"


def test_a_fault_that_is_not_transient_ends_the_follow() -> None:
    with pytest.raises(ClientError) as caught:
        run(FakeCfn(DENIED), FakeCursor([]))
    assert caught.value is DENIED


def test_last_look_failing_transiently_still_ends_the_follow() -> None:
    done = run(FakeCfn(described("UPDATE_COMPLETE")), FakeCursor([], THROTTLED))
    assert done.status == "UPDATE_COMPLETE"


def test_last_look_after_the_stack_vanished_still_ends_the_follow() -> None:
    done = run(FakeCfn(described("DELETE_COMPLETE")), FakeCursor([], GONE))
    assert done.status == "DELETE_COMPLETE"


def test_last_look_failing_otherwise_is_raised() -> None:
    with pytest.raises(ClientError) as caught:
        run(FakeCfn(described("UPDATE_COMPLETE")), FakeCursor([], DENIED))
    assert caught.value is DENIED


def give_up_message(fault: Exception) -> str:
    clock = Clock(1000.0)

    def sleep(seconds: float) -> None:
        clock.now += 200.0

    with pytest.raises(AwsUnavailable) as caught:
        run(FakeCfn(fault, fault, fault), FakeCursor([], [], []), sleep=sleep, clock=clock)
    return caught.value.message


def test_status_calls_failing_for_longer_than_the_limit_give_up_with_advice() -> None:
    assert give_up_message(THROTTLED) == (
        "lost sight of the stack for 300 s (ClientError); it may still be running: "
        "follow it with `python deploy.py status --stack-name NAME`"
    )


def test_lost_connection_is_explained_when_giving_up() -> None:
    fault = EndpointConnectionError(endpoint_url="https://cloudformation.us-east-1.amazonaws.com")
    explained = explain(fault)
    assert explained and f"({explained})" in give_up_message(fault)


def test_status_calls_failing_for_exactly_the_limit_are_still_tolerated() -> None:
    clock = Clock(1000.0)

    def sleep(seconds: float) -> None:
        clock.now += 150.0

    done = run(
        FakeCfn(THROTTLED, THROTTLED, THROTTLED, described("UPDATE_COMPLETE")),
        FakeCursor([], [], [], [], []),
        sleep=sleep,
        clock=clock,
    )
    assert done.status == "UPDATE_COMPLETE"


def test_a_successful_poll_starts_the_blind_time_over() -> None:
    clock = Clock(1000.0)

    def sleep(seconds: float) -> None:
        clock.now += 200.0

    busy = described("UPDATE_IN_PROGRESS")
    done = run(
        FakeCfn(THROTTLED, busy, THROTTLED, THROTTLED, described("UPDATE_COMPLETE")),
        FakeCursor([], [], [], [], [], []),
        sleep=sleep,
        clock=clock,
    )
    assert done.status == "UPDATE_COMPLETE"


def test_failed_status_calls_are_retried_after_growing_waits() -> None:
    waits: list[float] = []
    run(
        FakeCfn(THROTTLED, THROTTLED, THROTTLED, described("UPDATE_COMPLETE")),
        FakeCursor([], [], [], [], []),
        sleep=waits.append,
    )
    assert waits == [1.0, 2.0, 4.0]


def test_review_in_progress_is_settled_only_when_no_review_is_pending() -> None:
    assert (settled("REVIEW_IN_PROGRESS", False), settled("REVIEW_IN_PROGRESS", True)) == (
        True,
        False,
    )


def test_cleanup_in_progress_is_not_settled() -> None:
    assert settled("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", False) is False
    assert settled("UPDATE_COMPLETE", True) is True


class Steps:
    """A clock that moves `step` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.step = step
        self.now = 0.0

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def session(cfn: Any, clock: Steps, slept: list[float]) -> tuple[Session, io.StringIO]:
    err = io.StringIO()
    clients = Clients(cfn=cfn, s3=None, rds=None, sts=None, region="us-east-1")
    return Session(clients, Console(err, None), FAST, clock=clock, sleep=slept.append), err


def test_watch_shows_progress_with_the_sessions_clock_stream_and_sleep(cfn: Any) -> None:
    slept: list[float] = []
    watching, err = session(cfn, Steps(10.0), slept)
    quiet = newest_first(stack_event(1, "UPDATE_IN_PROGRESS"))
    busy = newest_first(stack_event(1, "UPDATE_IN_PROGRESS"), event(2, "Db", "UPDATE_COMPLETE"))
    with Stubber(cfn) as stub:
        stub.add_response("describe_stack_events", quiet, {"StackName": STACK_ID})
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_IN_PROGRESS"), {"StackName": STACK_ID}
        )
        stub.add_response("describe_stack_events", busy, {"StackName": STACK_ID})
        stub.add_response("describe_stacks", stack_desc("UPDATE_COMPLETE"), {"StackName": STACK_ID})
        stub.add_response("describe_stack_events", busy, {"StackName": STACK_ID})
        cursor = EventCursor(cfn, STACK_ID, last_id="e1-edu")
        done = watch(watching, STACK_ID, cursor, expect=[("Db", "AWS::RDS::DBInstance")])
    assert done.status == "UPDATE_COMPLETE" and slept == [FAST.next(FAST.minimum)]
    # The view started at the first reading (10), ticked at the second, saw the event at the third.
    assert err.getvalue() == "    20.0s  UPDATE_COMPLETE              Db (AWS::SNS::Topic)\n"


def test_watch_gives_up_by_the_sessions_clock(cfn: Any) -> None:
    watching, _ = session(cfn, Steps(200.0), [])
    with Stubber(cfn) as stub:
        for _ in range(3):
            stub.add_client_error("describe_stack_events", "Throttling", "Rate exceeded", 400)
        with pytest.raises(AwsUnavailable):
            watch(watching, STACK_ID, EventCursor(cfn, STACK_ID, "e1"))


def test_watch_by_default_does_not_wait_for_a_review(cfn: Any) -> None:
    watching, _ = session(cfn, Steps(1.0), [])
    with Stubber(cfn) as stub:
        stub.add_response("describe_stack_events", newest_first(), {"StackName": STACK_ID})
        stub.add_response(
            "describe_stacks", stack_desc("REVIEW_IN_PROGRESS"), {"StackName": STACK_ID}
        )
        stub.add_response("describe_stack_events", newest_first(), {"StackName": STACK_ID})
        done = watch(watching, STACK_ID, EventCursor(cfn, STACK_ID, None))
    assert done.status == "REVIEW_IN_PROGRESS"


def test_watch_waits_through_a_pending_review(cfn: Any) -> None:
    watching, _ = session(cfn, Steps(1.0), [])
    with Stubber(cfn) as stub:
        for status in ("REVIEW_IN_PROGRESS", "CREATE_COMPLETE"):
            stub.add_response("describe_stack_events", newest_first(), {"StackName": STACK_ID})
            stub.add_response("describe_stacks", stack_desc(status), {"StackName": STACK_ID})
        stub.add_response("describe_stack_events", newest_first(), {"StackName": STACK_ID})
        done = watch(watching, STACK_ID, EventCursor(cfn, STACK_ID, None), review_pending=True)
    assert done.status == "CREATE_COMPLETE"


def test_delete_and_watch_stamps_a_delete_token_and_follows_only_its_own_events(cfn: Any) -> None:
    tokens: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        tokens.append(params.get("ClientRequestToken", ""))

    cfn.meta.events.register("provide-client-params.cloudformation.DeleteStack", record)
    watching, _ = session(cfn, Steps(1.0), [])
    other = event(2, "Topic", "UPDATE_COMPLETE", token="deploy-update-0000")
    ours = stack_event(3, "DELETE_IN_PROGRESS")
    page = newest_first(stack_event(1, "UPDATE_COMPLETE"), other, ours)
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stack_events",
            newest_first(stack_event(1, "UPDATE_COMPLETE")),
            {"StackName": STACK_ID},
        )
        stub.add_response("delete_stack", {}, {"StackName": STACK_ID, "ClientRequestToken": ANY})
        stub.add_response("describe_stack_events", page, {"StackName": STACK_ID})
        stub.add_client_error(
            "describe_stacks", "ValidationError", f"Stack with id {STACK_ID} does not exist"
        )
        stub.add_response("describe_stack_events", page, {"StackName": STACK_ID})
        done = delete_and_watch(watching, STACK_ID)
    assert (done.status, done.events) == ("DELETE_COMPLETE", [ours])
    assert len(tokens) == 1 and tokens[0].startswith("deploy-delete-")
