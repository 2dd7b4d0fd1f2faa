"""Stack events that belong to one operation.

An operation's events are found by ClientRequestToken where AWS stamps it, and otherwise as the
events newer than the last one seen before the operation began. Never by the clock: local and
AWS clocks disagree, and two operations can start within the same second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .aws import error_code, error_message


def stack_missing(exc: BaseException) -> bool:
    return error_code(exc) == "ValidationError" and "does not exist" in error_message(exc)


def newest_event_id(cfn: Any, stack: str) -> str | None:
    """The id of the stack's latest event, or None when it has none (or does not exist)."""
    try:
        page = cfn.describe_stack_events(StackName=stack)
    except Exception as exc:
        if stack_missing(exc):
            return None
        raise
    events = page.get("StackEvents", [])
    return str(events[0]["EventId"]) if events else None


def all_events(cfn: Any, stack: str) -> list[dict[str, Any]]:
    """Every event of a stack, oldest first."""
    out: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"StackName": stack}
        if token:
            kwargs["NextToken"] = token
        page = cfn.describe_stack_events(**kwargs)
        out += page.get("StackEvents", [])
        token = page.get("NextToken")
        if not token:
            break
    out.reverse()
    return out


@dataclass
class EventCursor:
    """Hands out each new event of one operation once, oldest first."""

    cfn: Any
    stack: str
    last_id: str | None = None
    token: str | None = None
    seen: set[str] = field(default_factory=set)

    @classmethod
    def before_operation(cls, cfn: Any, stack: str, token: str | None = None) -> EventCursor:
        return cls(cfn=cfn, stack=stack, last_id=newest_event_id(cfn, stack), token=token)

    def belongs(self, event: dict[str, Any]) -> bool:
        stamped = event.get("ClientRequestToken")
        if self.token and stamped:
            return stamped == self.token
        # No token on the event (older APIs, console actions, emulators): newer-than-marker
        # is the only evidence, and the caller's marker already guarantees it.
        return True

    def fetch(self) -> list[dict[str, Any]]:
        fresh: list[dict[str, Any]] = []
        token: str | None = None
        done = False
        while not done:
            kwargs: dict[str, Any] = {"StackName": self.stack}
            if token:
                kwargs["NextToken"] = token
            page = self.cfn.describe_stack_events(**kwargs)
            for event in page.get("StackEvents", []):
                if self.last_id is not None and event["EventId"] == self.last_id:
                    done = True
                    break
                fresh.append(event)
            token = page.get("NextToken")
            if not token:
                done = True
        fresh.reverse()
        out = []
        for event in fresh:
            event_id = str(event["EventId"])
            if event_id in self.seen:
                continue
            self.seen.add(event_id)
            if self.belongs(event):
                out.append(event)
        if fresh:
            self.last_id = str(fresh[-1]["EventId"])
        return out


def is_stack_event(event: dict[str, Any]) -> bool:
    """An event about the stack itself, not one of its resources (a nested stack is one)."""
    if event.get("ResourceType") != "AWS::CloudFormation::Stack":
        return False
    physical = event.get("PhysicalResourceId")
    if physical and event.get("StackId"):
        return physical == event.get("StackId")
    return event.get("LogicalResourceId") == event.get("StackName")
