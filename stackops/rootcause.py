"""The root cause of a failed operation: the earliest real failures, not the cancellations."""

# When one resource fails, CloudFormation cancels the others ("Resource creation cancelled") and
# then rolls back; the first genuine failure is what the user needs, so it comes first.
# Failures inside nested stacks are followed through the nested stack's PhysicalResourceId.

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .aws.events import all_events, is_stack_event

MAX_NESTING = 5


@dataclass(frozen=True)
class Cause:
    logical_id: str
    type: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"logical_id": self.logical_id, "type": self.type, "reason": self.reason}


def is_cancellation(reason: str) -> bool:
    return "cancelled" in reason.lower() or "canceled" in reason.lower()


def is_failure(event: dict[str, Any]) -> bool:
    return str(event.get("ResourceStatus", "")).endswith("_FAILED")


def is_rollback_start(event: dict[str, Any]) -> bool:
    """The stack's own rollback began: with no resource failed, its reason is the cause (an alarm
    of the rollback triggers names itself there)."""
    return str(event.get("ResourceStatus", "")).endswith("ROLLBACK_IN_PROGRESS")


def failures(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Resource failures that are not cancellations, oldest first, one per logical ID."""
    found: list[dict[str, Any]] = []
    ids: set[str] = set()
    for event in events:
        if not is_failure(event) or is_stack_event(event):
            continue
        reason = str(event.get("ResourceStatusReason") or "")
        if is_cancellation(reason):
            continue
        lid = str(event.get("LogicalResourceId", ""))
        if lid in ids:
            continue
        ids.add(lid)
        found.append(event)
    return found


def _nested_failures(cfn: Any, nested_id: str, depth: int) -> list[Cause]:
    try:
        nested_events = all_events(cfn, nested_id)
    except Exception:
        return []
    # The nested stack's latest operation: from its last "started" event onwards.
    start = 0
    starts = ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS")
    for i, event in enumerate(nested_events):
        user = "User Initiated" in str(event.get("ResourceStatusReason") or "")
        if is_stack_event(event) and event.get("ResourceStatus") in starts and (user or i == 0):
            start = i
    return find(cfn, nested_events[start:], depth + 1)


def find(cfn: Any, events: list[dict[str, Any]], depth: int = 0) -> list[Cause]:
    """Causes for events of one operation (oldest first); nested stacks are opened."""
    causes: list[Cause] = []
    for event in failures(events):
        lid = str(event.get("LogicalResourceId", ""))
        rtype = str(event.get("ResourceType", ""))
        reason = str(event.get("ResourceStatusReason") or "no reason given")
        physical = str(event.get("PhysicalResourceId") or "")
        if (
            cfn is not None
            and rtype == "AWS::CloudFormation::Stack"
            and physical.startswith("arn:")
            and depth < MAX_NESTING
        ):
            inner = _nested_failures(cfn, physical, depth)
            if inner:
                causes += [Cause(f"{lid}/{c.logical_id}", c.type, c.reason) for c in inner]
                continue
        causes.append(Cause(lid, rtype, reason))
    if not causes and depth == 0:
        # No resource failed on record: the stack's own failure reason is the best we have.
        for event in events:
            if is_stack_event(event) and (is_failure(event) or is_rollback_start(event)):
                causes.append(
                    Cause(
                        str(event.get("LogicalResourceId", "")),
                        "AWS::CloudFormation::Stack",
                        str(event.get("ResourceStatusReason") or "no reason given"),
                    )
                )
                break
    return causes
