"""Following one stack operation to its end: poll events and status, back off, show progress."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..aws import stacks
from ..aws.errors import explain, is_transient, stack_missing
from ..aws.events import EventCursor
from ..errors import AwsUnavailable
from ..session import Session
from .polling import Poll
from .progress import View, make_view

# How long a run of failed status calls is tolerated before we say we lost sight of it.
BLIND_LIMIT_S = 300.0


@dataclass
class Followed:
    status: str
    reason: str
    events: list[dict[str, Any]]


def settled(status: str, review_pending: bool) -> bool:
    if status == "REVIEW_IN_PROGRESS":
        return not review_pending
    return not status.endswith("_IN_PROGRESS")


class _Blind:
    """How long the status calls have failed in a row; too long ends the follow."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.since: float | None = None

    def failed(self, exc: Exception) -> None:
        now = self.clock()
        self.since = self.since or now
        if now - self.since > BLIND_LIMIT_S:
            raise AwsUnavailable(
                f"lost sight of the stack for {BLIND_LIMIT_S:.0f} s "
                f"({explain(exc) or type(exc).__name__}); it may still be running: "
                "follow it with `python deploy.py status --stack-name NAME`"
            ) from None

    def saw(self) -> None:
        self.since = None


def follow(
    cfn: Any,
    stack_id: str,
    cursor: EventCursor,
    view: View,
    poll: Poll,
    *,
    review_pending: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Followed:
    """Poll until the stack settles; transient faults (throttling, 5xx) never end it."""
    collected: list[dict[str, Any]] = []
    delay = poll.minimum
    blind = _Blind(clock)
    while True:
        try:
            fresh = cursor.fetch()
            stack = stacks.describe(cfn, stack_id) or {"StackStatus": "DELETE_COMPLETE"}
        except Exception as exc:
            if stack_missing(exc):
                view.finish()
                return Followed("DELETE_COMPLETE", "", collected)
            if not is_transient(exc):
                raise
            blind.failed(exc)
            sleep(delay)
            delay = poll.next(delay)
            continue
        blind.saw()
        collected += _shown(view, fresh)
        status = str(stack.get("StackStatus", ""))
        if settled(status, review_pending):
            # Events written between our two calls would otherwise be lost to the root cause.
            collected += _shown(view, _last_events(cursor))
            view.finish()
            return Followed(status, str(stack.get("StackStatusReason", "")), collected)
        view.tick()
        delay = poll.minimum if fresh else poll.next(delay)
        sleep(delay)


def _shown(view: View, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if events:
        view.events(events)
    return events


def _last_events(cursor: EventCursor) -> list[dict[str, Any]]:
    try:
        return cursor.fetch()
    except Exception as exc:
        if not (is_transient(exc) or stack_missing(exc)):
            raise
        return []


def watch(
    session: Session,
    stack_id: str,
    cursor: EventCursor,
    *,
    review_pending: bool = False,
    expect: list[tuple[str, str]] | None = None,
) -> Followed:
    """follow() with the session's console, poll, clock and sleep."""
    view = make_view(session.console.stream, session.poll, session.clock)
    if expect:
        view.expect(expect)
    return follow(
        session.cfn,
        stack_id,
        cursor,
        view,
        session.poll,
        review_pending=review_pending,
        sleep=session.sleep,
        clock=session.clock,
    )


def delete_and_watch(session: Session, stack_id: str) -> Followed:
    token = stacks.request_token("delete")
    cursor = EventCursor.before_operation(session.cfn, stack_id, token)
    stacks.delete(session.cfn, stack_id, token)
    return watch(session, stack_id, cursor)
