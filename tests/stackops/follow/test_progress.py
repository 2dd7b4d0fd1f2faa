"""stackops.follow.progress: the plain lines and the live board."""

from __future__ import annotations

import io

import pytest

from stackops.follow.progress import PlainView, TtyView, make_view
from tests.support.stubbed import FAST, event


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
