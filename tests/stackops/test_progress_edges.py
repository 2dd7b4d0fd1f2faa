"""stackops.progress at its edges: what the plain lines and the live board say, and how follow()
ends when the stack settles, vanishes or cannot be seen."""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from stackops import progress
from stackops.aws import explain
from stackops.errors import AwsUnavailable
from stackops.polling import Poll
from stackops.progress import PlainView, TtyView, follow, make_view, settled

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/edu/1"
POLL = Poll(minimum=1.0, maximum=4.0, heartbeat=30.0, factor=2.0)


def resource(lid: str, status: str, rtype: str = "AWS::SNS::Topic", reason: str = "") -> dict:
    event = {
        "StackId": STACK_ID,
        "LogicalResourceId": lid,
        "PhysicalResourceId": f"{lid.lower()}-1",
        "ResourceType": rtype,
        "ResourceStatus": status,
    }
    if reason:
        event["ResourceStatusReason"] = reason
    return event


def stack(status: str) -> dict:
    return {
        "StackId": STACK_ID,
        "LogicalResourceId": "edu",
        "PhysicalResourceId": STACK_ID,
        "ResourceType": "AWS::CloudFormation::Stack",
        "ResourceStatus": status,
    }


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "DescribeStacks")


THROTTLED = error("Throttling", "Rate exceeded")
GONE = error("ValidationError", "Stack with id edu does not exist")


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


def run(cfn: FakeCfn, cursor: FakeCursor, **kw: Any) -> progress.Followed:
    view = PlainView(io.StringIO(), heartbeat=30, clock=Clock(0.0))
    kw.setdefault("sleep", lambda s: None)
    return follow(cfn, STACK_ID, cursor, view, POLL, **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- plain lines


def test_event_line_shows_time_status_resource_type_and_reason():
    out = io.StringIO()
    clock = Clock(100.0)
    view = PlainView(out, heartbeat=30, clock=clock)
    clock.now = 102.5
    view.events([resource("Db", "CREATE_FAILED", "AWS::RDS::DBInstance", "no space")])
    assert out.getvalue() == (
        "     2.5s  CREATE_FAILED                Db (AWS::RDS::DBInstance)  no space\n"
    )


def test_event_line_without_reason_ends_at_the_type():
    out = io.StringIO()
    view = PlainView(out, heartbeat=30, clock=Clock(100.0))
    view.events([resource("Topic", "CREATE_COMPLETE")])
    assert out.getvalue().endswith("Topic (AWS::SNS::Topic)\n")


def test_heartbeat_with_no_resource_running_names_the_stack_operation():
    out = io.StringIO()
    clock = Clock(100.0)
    view = PlainView(out, heartbeat=30, clock=clock)
    view.events([stack("UPDATE_IN_PROGRESS")])
    out.truncate(0)
    out.seek(0)
    clock.now = 130.0
    view.tick()
    assert out.getvalue() == "    30.0s  still in progress: the stack operation\n"


def test_no_heartbeat_before_the_interval_has_passed():
    out = io.StringIO()
    clock = Clock(100.0)
    view = PlainView(out, heartbeat=30, clock=clock)
    clock.now = 129.0
    view.tick()
    assert out.getvalue() == ""


def test_heartbeat_names_at_most_ten_resources_with_their_times():
    out = io.StringIO()
    clock = Clock(100.0)
    view = PlainView(out, heartbeat=30, clock=clock)
    view.events([resource(f"R{i:02}", "CREATE_IN_PROGRESS") for i in range(11)])
    clock.now = 131.0
    view.tick()
    named = ", ".join(f"R{i:02} (31s)" for i in range(10))
    assert out.getvalue().splitlines()[-1] == f"    31.0s  still in progress: {named}"


def test_times_under_ten_seconds_have_a_decimal_and_whole_seconds_from_ten_on():
    out = io.StringIO()
    clock = Clock(90.0)
    view = PlainView(out, heartbeat=5, clock=clock)
    for now, lid in ((90.0, "A"), (100.0, "B"), (101.0, "C")):
        clock.now = now
        view.events([resource(lid, "CREATE_IN_PROGRESS")])
    clock.now = 110.0
    view.tick()
    assert out.getvalue().splitlines()[-1].endswith("A (20s), B (10s), C (9.0s)")


def test_plain_view_from_make_view_uses_the_polls_heartbeat():
    out = io.StringIO()
    clock = Clock(100.0)
    view = make_view(out, Poll(heartbeat=5.0), clock=clock)
    clock.now = 105.0
    view.tick()
    assert "still in progress" in out.getvalue()


def test_stream_without_isatty_gets_plain_lines():
    class Pipe:
        def write(self, text: str) -> None:
            pass

        def flush(self) -> None:
            pass

    assert type(make_view(Pipe(), POLL)) is PlainView  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- live board


def board(clock: Clock) -> tuple[Tty, TtyView]:
    out = Tty()
    view = make_view(out, POLL, clock=clock)
    assert isinstance(view, TtyView)
    return out, view


def last_frame(out: Tty) -> list[str]:
    return out.getvalue().split("\x1b[J")[-1].splitlines()


def row(state: str, lid: str, rtype: str, elapsed: str) -> str:
    return f"  {state:<12} {lid:<32} {rtype:<36} {elapsed}"


def test_board_lists_failed_running_pending_complete_under_a_header_of_counts():
    clock = Clock(100.0)
    out, view = board(clock)
    view.expect([("X1", "AWS::SNS::Topic")])
    view.events(
        [
            stack("UPDATE_IN_PROGRESS"),
            resource("W1", "UPDATE_COMPLETE"),
            resource("Y1", "UPDATE_IN_PROGRESS"),
            resource("Z1", "UPDATE_FAILED"),
        ]
    )
    clock.now = 104.0
    view.tick()
    assert last_frame(out) == [
        "UPDATE_IN_PROGRESS  4.0s  1 pending  1 in progress  1 complete  1 failed",
        row("failed", "Z1", "AWS::SNS::Topic", "0.0s"),
        row("in progress", "Y1", "AWS::SNS::Topic", "4.0s"),
        row("pending", "X1", "AWS::SNS::Topic", ""),
        row("complete", "W1", "AWS::SNS::Topic", "0.0s"),
    ]


def test_board_says_waiting_until_the_stack_reports():
    out, view = board(Clock(100.0))
    view.tick()
    assert out.getvalue() == "waiting  0.0s  0 pending  0 in progress  0 complete  0 failed\n"


def test_redraw_moves_the_cursor_back_over_exactly_the_previous_frame():
    out, view = board(Clock(100.0))
    view.expect([("Topic", "AWS::SNS::Topic")])
    view.tick()
    first = out.getvalue()
    view.tick()
    assert out.getvalue()[len(first) :].startswith("\x1b[2F\x1b[J")


def test_completed_resource_shows_the_time_from_its_start_to_its_end():
    clock = Clock(100.0)
    out, view = board(clock)
    view.events([resource("Topic", "CREATE_IN_PROGRESS")])
    clock.now = 103.0
    view.events([resource("Topic", "CREATE_COMPLETE")])
    clock.now = 110.0
    view.tick()
    assert last_frame(out)[1] == row("complete", "Topic", "AWS::SNS::Topic", "3.0s")


def test_resource_in_progress_twice_is_timed_from_its_first_start():
    clock = Clock(100.0)
    out, view = board(clock)
    view.events([resource("Db", "UPDATE_IN_PROGRESS")])
    clock.now = 105.0
    view.events(
        [resource("Db", "UPDATE_IN_PROGRESS", reason="Requested update requires replacement")]
    )
    clock.now = 107.0
    view.tick()
    assert last_frame(out)[1] == row("in progress", "Db", "AWS::SNS::Topic", "7.0s")


def test_expected_resource_that_starts_is_listed_once():
    out, view = board(Clock(100.0))
    view.expect([("Topic", "AWS::SNS::Topic")])
    view.events([resource("Topic", "CREATE_IN_PROGRESS")])
    assert [line.split()[-2] for line in last_frame(out)[1:]] == ["AWS::SNS::Topic"]


def test_board_shows_at_most_thirty_resources():
    out, view = board(Clock(100.0))
    view.expect([(f"R{i:02}", "AWS::SNS::Topic") for i in range(31)])
    view.tick()
    assert len(last_frame(out)) == 1 + 30


# ---------------------------------------------------------------------------- follow


def test_follow_returns_the_stacks_status_reason():
    done = run(
        FakeCfn(described("UPDATE_ROLLBACK_COMPLETE", "Resource creation failed")),
        FakeCursor([], []),
    )
    assert (done.status, done.reason) == ("UPDATE_ROLLBACK_COMPLETE", "Resource creation failed")


def test_stack_without_a_status_reason_has_an_empty_reason():
    done = run(FakeCfn({"Stacks": [{"StackStatus": "UPDATE_COMPLETE"}]}), FakeCursor([], []))
    assert done.reason == ""


def test_follow_waits_through_review_in_progress_while_a_review_is_pending():
    done = run(
        FakeCfn(described("REVIEW_IN_PROGRESS"), described("CREATE_COMPLETE")),
        FakeCursor([], [], []),
        review_pending=True,
    )
    assert done.status == "CREATE_COMPLETE"


def test_follow_keeps_the_events_of_every_poll():
    first, second, last = (resource(x, "UPDATE_COMPLETE") for x in "ABC")
    done = run(
        FakeCfn(described("UPDATE_IN_PROGRESS"), described("UPDATE_COMPLETE")),
        FakeCursor([first], [second], [last]),
    )
    assert done.events == [first, second, last]


def test_events_found_by_the_last_look_are_shown():
    out = io.StringIO()
    view = PlainView(out, heartbeat=30, clock=Clock(0.0))
    follow(
        FakeCfn(described("UPDATE_COMPLETE")),
        STACK_ID,
        FakeCursor([], [resource("Late", "UPDATE_COMPLETE")]),  # type: ignore[arg-type]
        view,
        POLL,
        sleep=lambda s: None,
    )
    assert "Late (AWS::SNS::Topic)" in out.getvalue()


def test_stack_deleted_while_followed_ends_as_delete_complete():
    seen = resource("A", "DELETE_COMPLETE")
    done = run(FakeCfn(described("DELETE_IN_PROGRESS"), GONE), FakeCursor([seen], []))
    assert (done.status, done.reason, done.events) == ("DELETE_COMPLETE", "", [seen])


def test_stack_no_longer_listed_counts_as_deleted():
    done = run(FakeCfn({"Stacks": []}), FakeCursor([], []))
    assert done.status == "DELETE_COMPLETE"


def test_last_look_failing_transiently_still_ends_the_follow():
    done = run(FakeCfn(described("UPDATE_COMPLETE")), FakeCursor([], THROTTLED))
    assert done.status == "UPDATE_COMPLETE"


def test_last_look_after_the_stack_vanished_still_ends_the_follow():
    done = run(FakeCfn(described("DELETE_COMPLETE")), FakeCursor([], GONE))
    assert done.status == "DELETE_COMPLETE"


def give_up_message(fault: Exception) -> str:
    clock = Clock(1000.0)

    def sleep(seconds: float) -> None:
        clock.now += 200.0

    with pytest.raises(AwsUnavailable) as caught:
        run(FakeCfn(fault, fault, fault), FakeCursor([], [], []), sleep=sleep, clock=clock)
    return caught.value.message


def test_status_calls_failing_for_longer_than_the_limit_give_up_with_advice():
    assert give_up_message(THROTTLED) == (
        "lost sight of the stack for 300 s (ClientError); it may still be running: "
        "follow it with `python deploy.py status --stack-name NAME`"
    )


def test_lost_connection_is_explained_when_giving_up():
    fault = EndpointConnectionError(endpoint_url="https://cloudformation.us-east-1.amazonaws.com")
    explained = explain(fault)
    assert explained and f"({explained})" in give_up_message(fault)


def test_status_calls_failing_for_exactly_the_limit_are_still_tolerated():
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


def test_failed_status_calls_are_retried_after_growing_waits():
    waits: list[float] = []
    run(
        FakeCfn(THROTTLED, THROTTLED, THROTTLED, described("UPDATE_COMPLETE")),
        FakeCursor([], [], [], [], []),
        sleep=waits.append,
    )
    assert waits == [1.0, 2.0, 4.0]


def test_fresh_events_bring_polling_back_to_the_fastest_cadence():
    waits: list[float] = []
    busy = described("UPDATE_IN_PROGRESS")
    run(
        FakeCfn(busy, busy, busy, described("UPDATE_COMPLETE")),
        FakeCursor([], [], [resource("A", "UPDATE_IN_PROGRESS")], [], []),
        sleep=waits.append,
    )
    assert waits[2] == POLL.minimum


def test_review_in_progress_is_settled_only_when_no_review_is_pending():
    assert (settled("REVIEW_IN_PROGRESS", False), settled("REVIEW_IN_PROGRESS", True)) == (
        True,
        False,
    )


def test_cleanup_in_progress_is_not_settled():
    assert settled("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", False) is False


def test_follow_by_default_does_not_wait_for_a_review():
    done = run(FakeCfn(described("REVIEW_IN_PROGRESS")), FakeCursor([], []))
    assert done.status == "REVIEW_IN_PROGRESS"


# ---------------------------------------------------------------------------- polling from env


def test_poll_cadence_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DEPLOY_POLL_MIN", "0.5")
    monkeypatch.setenv("DEPLOY_POLL_MAX", "2")
    monkeypatch.setenv("DEPLOY_HEARTBEAT", "7")
    poll = Poll.from_env()
    assert (poll.minimum, poll.maximum, poll.heartbeat) == (0.5, 2.0, 7.0)


@pytest.mark.parametrize("raw", ["", "soon", "0", "-1"])
def test_unusable_poll_settings_fall_back_to_the_defaults(
    monkeypatch: pytest.MonkeyPatch, raw: str
):
    for name in ("DEPLOY_POLL_MIN", "DEPLOY_POLL_MAX", "DEPLOY_HEARTBEAT"):
        monkeypatch.setenv(name, raw)
    poll = Poll.from_env()
    assert (poll.minimum, poll.maximum, poll.heartbeat) == (1.5, 4.0, 30.0)


def test_poll_maximum_below_the_minimum_is_raised_to_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DEPLOY_POLL_MIN", "3")
    monkeypatch.setenv("DEPLOY_POLL_MAX", "1")
    assert Poll.from_env().maximum == 3.0
