"""stackops.follow.progress: the plain lines and the live board."""

from __future__ import annotations

import io
import re

import pytest

from stackops.follow.polling import Poll
from stackops.follow.progress import Board, PlainView, Row, TtyView, make_view
from tests.support.stubbed import FAST, event, stack_event


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_heartbeat_names_resources_in_progress() -> None:
    now = [0.0]
    out = io.StringIO()
    view = PlainView(out, heartbeat=30, clock=lambda: now[0])
    view.events([event(1, "Db", "CREATE_IN_PROGRESS", rtype="AWS::RDS::DBInstance")])
    now[0] = 29.0
    view.tick()
    assert "still in progress" not in out.getvalue()
    now[0] = 31.0
    view.tick()
    assert "still in progress: Db" in out.getvalue().splitlines()[-1]


def test_plain_view_prints_one_line_per_event() -> None:
    out = io.StringIO()
    view = PlainView(out, heartbeat=30, clock=lambda: 0.0)
    view.events([event(1, "A", "CREATE_IN_PROGRESS"), event(2, "A", "CREATE_COMPLETE")])
    assert len(out.getvalue().splitlines()) == 2


def test_tty_view_redraws_a_board_in_place() -> None:
    out = Tty()
    view = make_view(out, FAST, clock=lambda: 5.0)
    assert isinstance(view, TtyView)
    view.expect([("Db", "AWS::RDS::DBInstance"), ("Topic", "AWS::SNS::Topic")])
    view.events([event(1, "Topic", "CREATE_IN_PROGRESS")])
    view.events([event(2, "Topic", "CREATE_COMPLETE")])
    text = out.getvalue()
    assert "\x1b[" in text  # the second frame moves the cursor back over the first
    last = text.split("\x1b[J")[-1]
    assert "1 pending" in last and "1 complete" in last
    assert any(line.split()[:2] == ["pending", "Db"] for line in last.splitlines())


def test_tty_board_colours_a_failed_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    out = Tty()
    view = make_view(out, FAST, clock=lambda: 5.0)
    view.events([event(1, "Topic", "CREATE_FAILED")])
    assert "\x1b[1;31mfailed" in out.getvalue()


def test_tty_board_honours_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    out = Tty()
    view = make_view(out, FAST, clock=lambda: 5.0)
    view.events([event(1, "Topic", "CREATE_FAILED")])
    assert "31m" not in out.getvalue() and "failed" in out.getvalue()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------------------- plain lines


def test_event_line_shows_time_status_resource_type_and_reason() -> None:
    out = io.StringIO()
    clock = Clock(100.0)
    view = PlainView(out, heartbeat=30, clock=clock)
    clock.now = 102.5
    view.events([event(1, "Db", "CREATE_FAILED", "no space", rtype="AWS::RDS::DBInstance")])
    assert out.getvalue() == (
        "     2.5s  CREATE_FAILED                Db (AWS::RDS::DBInstance)  no space\n"
    )


def test_event_line_without_reason_ends_at_the_type() -> None:
    out = io.StringIO()
    view = PlainView(out, heartbeat=30, clock=Clock(100.0))
    view.events([event(1, "Topic", "CREATE_COMPLETE")])
    assert out.getvalue().endswith("Topic (AWS::SNS::Topic)\n")


def test_heartbeat_with_no_resource_running_names_the_stack_operation() -> None:
    out = io.StringIO()
    clock = Clock(100.0)
    view = PlainView(out, heartbeat=30, clock=clock)
    view.events([stack_event(1, "UPDATE_IN_PROGRESS")])
    out.truncate(0)
    out.seek(0)
    clock.now = 130.0
    view.tick()
    assert out.getvalue() == "    30.0s  still in progress: the stack operation\n"


def test_heartbeat_names_at_most_ten_resources_with_their_times() -> None:
    out = io.StringIO()
    clock = Clock(100.0)
    view = PlainView(out, heartbeat=30, clock=clock)
    view.events([event(i, f"R{i:02}", "CREATE_IN_PROGRESS") for i in range(11)])
    clock.now = 131.0
    view.tick()
    named = ", ".join(f"R{i:02} (31s)" for i in range(10))
    assert out.getvalue().splitlines()[-1] == f"    31.0s  still in progress: {named}"


def test_times_under_ten_seconds_have_a_decimal_and_whole_seconds_from_ten_on() -> None:
    out = io.StringIO()
    clock = Clock(90.0)
    view = PlainView(out, heartbeat=5, clock=clock)
    for now, lid in ((90.0, "A"), (100.0, "B"), (101.0, "C")):
        clock.now = now
        view.events([event(1, lid, "CREATE_IN_PROGRESS")])
    clock.now = 110.0
    view.tick()
    assert out.getvalue().splitlines()[-1].endswith("A (20s), B (10s), C (9.0s)")


def test_plain_view_from_make_view_uses_the_polls_heartbeat() -> None:
    out = io.StringIO()
    clock = Clock(100.0)
    view = make_view(out, Poll(heartbeat=5.0), clock=clock)
    clock.now = 105.0
    view.tick()
    assert "still in progress" in out.getvalue()


def test_stream_without_isatty_gets_plain_lines() -> None:
    class Pipe(io.StringIO):
        isatty = None  # type: ignore[assignment]

    assert type(make_view(Pipe(), FAST)) is PlainView


def test_stream_that_is_not_a_terminal_gets_plain_lines() -> None:
    assert type(make_view(io.StringIO(), FAST)) is PlainView


# ---------------------------------------------------------------------------- live board

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal wide enough that no cell folds, so each row is one line."""
    monkeypatch.setenv("COLUMNS", "160")


def board(clock: Clock) -> tuple[Tty, TtyView]:
    out = Tty()
    view = make_view(out, FAST, clock=clock)
    assert isinstance(view, TtyView)
    return out, view


def last_frame(out: Tty) -> list[str]:
    """Each line of the last frame drawn, escapes removed and runs of spaces made one."""
    frame = ANSI.sub("", out.getvalue().split("\x1b[J")[-1])
    return [" ".join(line.split()) for line in frame.splitlines()]


HEADER = "STATE LOGICAL ID TYPE ELAPSED"


@pytest.mark.usefixtures("wide")
def test_board_lists_failed_running_pending_complete_under_a_header_of_counts() -> None:
    clock = Clock(100.0)
    out, view = board(clock)
    view.expect([("X1", "AWS::SNS::Topic")])
    view.events(
        [
            stack_event(1, "UPDATE_IN_PROGRESS"),
            event(2, "W1", "UPDATE_COMPLETE"),
            event(3, "Y1", "UPDATE_IN_PROGRESS"),
            event(4, "Z1", "UPDATE_FAILED"),
        ]
    )
    clock.now = 104.0
    view.tick()
    assert last_frame(out) == [
        "UPDATE_IN_PROGRESS 4.0s 1 pending 1 in progress 1 complete 1 failed",
        HEADER,
        "failed Z1 AWS::SNS::Topic 0.0s",
        "in progress Y1 AWS::SNS::Topic 4.0s",
        "pending X1 AWS::SNS::Topic",
        "complete W1 AWS::SNS::Topic 0.0s",
    ]


def test_board_says_waiting_until_the_stack_reports() -> None:
    out, view = board(Clock(100.0))
    view.tick()
    assert out.getvalue() == "waiting  0.0s  0 pending  0 in progress  0 complete  0 failed\n"


@pytest.mark.usefixtures("wide")
def test_redraw_moves_the_cursor_back_over_exactly_the_previous_frame() -> None:
    out, view = board(Clock(100.0))
    view.expect([("Topic", "AWS::SNS::Topic")])
    view.tick()
    first = out.getvalue()
    assert first.count("\n") == 3  # counts, header, one row
    view.tick()
    assert out.getvalue()[len(first) :].startswith("\x1b[3F\x1b[J")


def test_first_frame_does_not_move_the_cursor() -> None:
    out, view = board(Clock(100.0))
    view.tick()
    assert not out.getvalue().startswith("\x1b")


@pytest.mark.usefixtures("wide")
def test_finish_draws_the_last_frame() -> None:
    clock = Clock(100.0)
    out, view = board(clock)
    view.events([event(1, "Topic", "CREATE_IN_PROGRESS")])
    clock.now = 102.0
    view.finish()
    assert last_frame(out)[2] == "in progress Topic AWS::SNS::Topic 2.0s"


@pytest.mark.usefixtures("wide")
def test_completed_resource_shows_the_time_from_its_start_to_its_end() -> None:
    clock = Clock(100.0)
    out, view = board(clock)
    view.events([event(1, "Topic", "CREATE_IN_PROGRESS")])
    clock.now = 103.0
    view.events([event(2, "Topic", "CREATE_COMPLETE")])
    clock.now = 110.0
    view.tick()
    assert last_frame(out)[2] == "complete Topic AWS::SNS::Topic 3.0s"


@pytest.mark.usefixtures("wide")
def test_resource_in_progress_twice_is_timed_from_its_first_start() -> None:
    clock = Clock(100.0)
    out, view = board(clock)
    view.events([event(1, "Db", "UPDATE_IN_PROGRESS")])
    clock.now = 105.0
    view.events([event(2, "Db", "UPDATE_IN_PROGRESS", "Requested update requires replacement")])
    clock.now = 107.0
    view.tick()
    assert last_frame(out)[2] == "in progress Db AWS::SNS::Topic 7.0s"


@pytest.mark.usefixtures("wide")
def test_expected_resource_that_starts_is_listed_once() -> None:
    out, view = board(Clock(100.0))
    view.expect([("Topic", "AWS::SNS::Topic")])
    view.events([event(1, "Topic", "CREATE_IN_PROGRESS")])
    assert last_frame(out)[2:] == ["in progress Topic AWS::SNS::Topic 0.0s"]


@pytest.mark.usefixtures("wide")
def test_board_shows_at_most_thirty_resources_in_order_of_their_names() -> None:
    out, view = board(Clock(100.0))
    view.expect([(f"R{i:02}", "AWS::SNS::Topic") for i in reversed(range(31))])
    view.tick()
    frame = last_frame(out)
    assert frame[0] == "waiting 0.0s 31 pending 0 in progress 0 complete 0 failed"
    assert [line.split()[1] for line in frame[2:]] == [f"R{i:02}" for i in range(30)]


def test_stack_events_set_the_title_not_a_row() -> None:
    out, view = board(Clock(100.0))
    view.events([stack_event(1, "CREATE_IN_PROGRESS")])
    assert out.getvalue() == (
        "CREATE_IN_PROGRESS  0.0s  0 pending  0 in progress  0 complete  0 failed\n"
    )


# ---------------------------------------------------------------------------- board and rows


def test_a_resource_first_seen_complete_has_started_and_ended_then() -> None:
    board = Board()
    board.apply(event(1, "Topic", "CREATE_COMPLETE"), 7.0)
    row = board.rows["Topic"]
    assert (row.state, row.status, row.started, row.ended) == (
        "complete",
        "CREATE_COMPLETE",
        7.0,
        7.0,
    )
    assert row.elapsed(50.0) == 0.0


def test_a_failed_resource_keeps_its_start_and_ends_when_it_failed() -> None:
    board = Board()
    board.apply(event(1, "Db", "UPDATE_IN_PROGRESS"), 2.0)
    board.apply(event(2, "Db", "UPDATE_FAILED"), 5.0)
    row = board.rows["Db"]
    assert (row.state, row.started, row.ended, row.elapsed(60.0)) == ("failed", 2.0, 5.0, 3.0)


def test_a_pending_row_has_no_elapsed_time_and_is_not_running() -> None:
    board = Board()
    board.expect("Db", "AWS::RDS::DBInstance")
    board.expect("Db", "AWS::Other::Type")
    assert board.rows["Db"] == Row("Db", "AWS::RDS::DBInstance")
    assert board.rows["Db"].elapsed(10.0) is None and board.running() == []


def test_running_lists_only_the_resources_in_progress() -> None:
    board = Board()
    board.apply(event(1, "A", "CREATE_IN_PROGRESS"), 1.0)
    board.apply(event(2, "B", "CREATE_COMPLETE"), 1.0)
    board.apply(event(3, "C", "DELETE_IN_PROGRESS"), 1.0)
    assert [r.logical_id for r in board.running()] == ["A", "C"]


def test_no_heartbeat_before_the_interval_has_passed_since_the_last_line() -> None:
    out = io.StringIO()
    clock = Clock(100.0)
    view = PlainView(out, heartbeat=30, clock=clock)
    clock.now = 129.0
    view.tick()
    assert out.getvalue() == ""
