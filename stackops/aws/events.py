"""Stack events that belong to one operation."""

# An operation's events are found by ClientRequestToken where AWS stamps it, and otherwise as the
# events newer than the last one seen before the operation began. Never by the clock: local and
# AWS clocks disagree, and two operations can start within the same second.

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import stack_missing

# The stack-level statuses that open an operation.
START_STATES = frozenset(
    {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "IMPORT_IN_PROGRESS"}
)


def newest_first(cfn: Any, stack: str) -> Iterator[dict[str, Any]]:
    """The stack's events, newest first, fetched page by page only as far as they are read."""
    for page in cfn.get_paginator("describe_stack_events").paginate(StackName=stack):
        yield from page.get("StackEvents", [])


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
    return list(reversed(list(newest_first(cfn, stack))))


def last_operation_events(cfn: Any, stack: str) -> list[dict[str, Any]]:
    """The events of the stack's latest operation, oldest first."""
    found: list[dict[str, Any]] = []
    request_token: str | None = None
    for event in newest_first(cfn, stack):
        if not found:
            request_token = event.get("ClientRequestToken")
        stamped = event.get("ClientRequestToken")
        if request_token and stamped and stamped != request_token:
            break
        found.append(event)
        if is_stack_event(event) and event.get("ResourceStatus") in START_STATES:
            break
    found.reverse()
    return found


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
            return bool(stamped == self.token)
        # No token on the event (older APIs, console actions, emulators): newer-than-marker
        # is the only evidence, and the caller's marker already guarantees it.
        return True

    def fetch(self) -> list[dict[str, Any]]:
        fresh: list[dict[str, Any]] = []
        for event in newest_first(self.cfn, self.stack):
            if self.last_id is not None and event["EventId"] == self.last_id:
                break
            fresh.append(event)
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
        return bool(physical == event.get("StackId"))
    return bool(event.get("LogicalResourceId") == event.get("StackName"))


def describe_events(cfn: Any, **filters: Any) -> list[dict[str, Any]]:
    """DescribeEvents with these keyword filters (StackName, ChangeSetName, OperationId,
    Filters), every page, oldest first."""
    pages = cfn.get_paginator("describe_events").paginate(**filters)
    found = [e for page in pages for e in page.get("OperationEvents", [])]
    # Newest first on the wire, as DescribeStackEvents; the timestamps decide when all have one.
    found.reverse()
    if all("Timestamp" in e for e in found):
        found.sort(key=lambda e: e["Timestamp"])
    return found
