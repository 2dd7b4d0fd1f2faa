"""The rich review table and live board: content, width, colour and NO_COLOR."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest

from stackops import terminal


@dataclass(frozen=True)
class Change:
    action: str
    logical_id: str
    type: str
    replacement: str | None
    properties: tuple[str, ...]
    verdict: str = ""


@dataclass
class Resource:
    logical_id: str
    type: str
    state: str
    started: float | None = None

    def elapsed(self, now: float) -> float | None:
        return None if self.started is None else now - self.started


CHANGES = [
    Change("Modify", "Db", "AWS::RDS::DBInstance", "True", ("DBName",), "REFUSED"),
    Change("Add", "Topic", "AWS::SNS::Topic", None, ()),
]


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _plain(text: str) -> str:
    return ANSI.sub("", text)


def _render(renderable: object, *, color: bool, width: int = 120) -> str:
    out = io.StringIO()
    console = terminal.console_for(out, width=width, force_terminal=True)
    if not color:
        console.no_color = True
    console.print(renderable)
    return out.getvalue()


def test_review_table_names_every_change_and_its_verdict() -> None:
    text = _render(terminal.review_table(CHANGES), color=False)
    for word in ("ACTION", "Db", "AWS::RDS::DBInstance", "DBName", "REFUSED", "Topic"):
        assert word in text


def test_review_table_colours_a_refusal_on_a_terminal() -> None:
    text = _render(terminal.review_table(CHANGES), color=True)
    assert "\x1b[1;31m" in text  # bold red: the refused replacement


def test_no_color_keeps_the_table_and_drops_the_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    console = terminal.console_for(out, width=120, force_terminal=True)
    assert console.no_color
    console.print(terminal.review_table(CHANGES))
    assert "REFUSED" in out.getvalue()
    assert "\x1b[31m" not in out.getvalue() and "\x1b[1;31m" not in out.getvalue()


def test_review_table_fits_a_narrow_terminal() -> None:
    text = _plain(_render(terminal.review_table(CHANGES), color=False, width=60))
    lines = text.splitlines()
    assert lines
    assert max(len(line) for line in lines) <= 60
    assert "REFUSED" in text


def test_board_orders_failed_first_and_counts_what_it_hides() -> None:
    rows = [Resource(f"Ok{i:02d}", "AWS::SNS::Topic", "complete") for i in range(40)]
    rows.append(Resource("Broken", "AWS::RDS::DBInstance", "failed", started=0.0))
    text = _plain(_render(terminal.board_table(rows, 12.0, "UPDATE_IN_PROGRESS"), color=False))
    body = text.splitlines()
    assert body[0].startswith("UPDATE_IN_PROGRESS")
    assert "Broken" in body[1]
    assert "12s" in body[1]
    assert f"and {41 - terminal.BOARD_ROWS} more" in text


def test_live_board_redraws_in_place() -> None:
    out = io.StringIO()
    console = terminal.console_for(out, width=100, force_terminal=True)
    board = terminal.LiveBoard(console, clock=lambda: 5.0)
    row = Resource("Queue", "AWS::SQS::Queue", "in progress", started=1.0)
    board.draw([row], "CREATE_IN_PROGRESS")
    row.state = "complete"
    board.draw([row], "CREATE_COMPLETE")
    board.stop()
    text = out.getvalue()
    assert "CREATE_COMPLETE" in text
    assert "\x1b[2K" in text or "\x1b[1A" in text  # the cursor moved back to redraw
