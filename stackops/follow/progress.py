"""Showing an operation while it runs."""

# On a terminal: a live table of resources (pending, in progress, complete, failed) with elapsed
# times, redrawn in place. Elsewhere (CI logs): one line per resource event, and a heartbeat
# every DEPLOY_HEARTBEAT seconds (30 by default) naming what is still in progress.

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from .. import terminal
from ..aws.events import is_stack_event
from .polling import Poll

PENDING, RUNNING, DONE, FAILED = "pending", "in progress", "complete", "failed"


def _state(status: str) -> str:
    if status.endswith("_FAILED"):
        return FAILED
    if status.endswith("_IN_PROGRESS"):
        return RUNNING
    return DONE


@dataclass
class Row:
    logical_id: str
    type: str
    state: str = PENDING
    status: str = ""
    started: float | None = None
    ended: float | None = None

    def elapsed(self, now: float) -> float | None:
        if self.started is None:
            return None
        return (self.ended or now) - self.started


@dataclass
class Board:
    rows: dict[str, Row] = field(default_factory=dict)

    def expect(self, logical_id: str, rtype: str) -> None:
        self.rows.setdefault(logical_id, Row(logical_id, rtype))

    def apply(self, event: dict[str, Any], now: float) -> None:
        lid = str(event.get("LogicalResourceId", ""))
        row = self.rows.setdefault(lid, Row(lid, str(event.get("ResourceType", ""))))
        row.status = str(event.get("ResourceStatus", ""))
        row.state = _state(row.status)
        if row.state == RUNNING and row.started is None:
            row.started = now
        if row.state in (DONE, FAILED):
            row.ended = now
            if row.started is None:
                row.started = now

    def running(self) -> list[Row]:
        return [r for r in self.rows.values() if r.state == RUNNING]


def _fmt_elapsed(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds:.0f}s" if seconds >= 10 else f"{seconds:.1f}s"


class PlainView:
    """Line per event; heartbeat when nothing was said for a while."""

    def __init__(self, stream: TextIO, heartbeat: float, clock: Callable[[], float]) -> None:
        self.stream = stream
        self.heartbeat = heartbeat
        self.clock = clock
        self.board = Board()
        self.started = clock()
        self.last_said = self.started

    def say(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()
        self.last_said = self.clock()

    def expect(self, changes: list[tuple[str, str]]) -> None:
        for lid, rtype in changes:
            self.board.expect(lid, rtype)

    def events(self, events: list[dict[str, Any]]) -> None:
        now = self.clock()
        for event in events:
            if not is_stack_event(event):
                self.board.apply(event, now)
            reason = event.get("ResourceStatusReason")
            tail = f"  {reason}" if reason else ""
            self.say(
                f"  {now - self.started:6.1f}s  {event.get('ResourceStatus', ''):<28} "
                f"{event.get('LogicalResourceId', '')} ({event.get('ResourceType', '')}){tail}"
            )

    def tick(self) -> None:
        now = self.clock()
        if now - self.last_said < self.heartbeat:
            return
        running = self.board.running()
        names = ", ".join(f"{r.logical_id} ({_fmt_elapsed(r.elapsed(now))})" for r in running[:10])
        what = names or "the stack operation"
        self.say(f"  {now - self.started:6.1f}s  still in progress: {what}")

    def finish(self) -> None:
        return None


class TtyView(PlainView):
    """The board as a rich table, redrawn in place."""

    def __init__(self, stream: TextIO, heartbeat: float, clock: Callable[[], float]) -> None:
        super().__init__(stream, heartbeat, clock)
        self.drawn = 0
        self.status = ""

    def events(self, events: list[dict[str, Any]]) -> None:
        now = self.clock()
        for event in events:
            if is_stack_event(event):
                self.status = str(event.get("ResourceStatus", ""))
            else:
                self.board.apply(event, now)
        self.redraw()

    def tick(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        frame = self.frame()
        # Back over the previous frame, then clear to the end of the screen.
        back = f"\x1b[{self.drawn}F\x1b[J" if self.drawn else ""
        self.stream.write(back + frame)
        self.stream.flush()
        self.drawn = frame.count("\n")

    def frame(self) -> str:
        now = self.clock()
        rows = list(self.board.rows.values())
        counts = {s: sum(1 for r in rows if r.state == s) for s in (PENDING, RUNNING, DONE, FAILED)}
        title = f"{self.status or 'waiting'}  {_fmt_elapsed(now - self.started)}  " + "  ".join(
            f"{n} {s}" for s, n in counts.items()
        )
        order = {FAILED: 0, RUNNING: 1, PENDING: 2, DONE: 3}
        shown = sorted(rows, key=lambda r: (order[r.state], r.logical_id))[:30]
        if not shown:
            return title + "\n"
        board = terminal.table(
            ("STATE", "LOGICAL ID", "TYPE", "ELAPSED"),
            [(r.state, r.logical_id, r.type, _fmt_elapsed(r.elapsed(now))) for r in shown],
            [terminal.STATE_STYLES.get(r.state, "") for r in shown],
        )
        return title + "\n" + terminal.rendered(board, self.stream)

    def finish(self) -> None:
        self.redraw()


class View(Protocol):
    """What follow() tells the screen: the resources to expect, new events, a tick, the end."""

    def expect(self, changes: list[tuple[str, str]]) -> None: ...

    def events(self, events: list[dict[str, Any]]) -> None: ...

    def tick(self) -> None: ...

    def finish(self) -> None: ...


def make_view(stream: TextIO, poll: Poll, clock: Callable[[], float] = time.monotonic) -> View:
    """The live board on a terminal; one line per event elsewhere (CI logs, pipes)."""
    if terminal.is_terminal(stream):
        return TtyView(stream, poll.heartbeat, clock)
    return PlainView(stream, poll.heartbeat, clock)
