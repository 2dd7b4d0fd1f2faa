"""The root cause of a failed operation: the earliest real failures, not the cancellations."""

# When one resource fails, CloudFormation cancels the others ("Resource creation cancelled") and
# then rolls back; the first genuine failure is what the user needs, so it comes first.
# Failures inside nested stacks are followed through the nested stack's PhysicalResourceId.
# diagnose() asks DescribeEvents for the operation's failed events first (it also reports hook
# and validation failures) and falls back to the stack's event history (find) when the endpoint
# lacks it; failed hook invocations come from ListHookResults/GetHookResult.

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .aws import hooks
from .aws.errors import error_code, is_unparsable
from .aws.events import START_STATES, all_events, describe_events, is_stack_event

MAX_NESTING = 5
READ_INSTEAD = "; read from DescribeStackEvents instead"
STACK_TYPE = "AWS::CloudFormation::Stack"
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
MISSING_API_CODES = frozenset(
    {"UnknownOperation", "UnknownOperationException", "InvalidAction", "NotImplemented"}
)


@dataclass(frozen=True)
class Cause:
    logical_id: str
    type: str
    reason: str
    # Set only when a hook's verdict is the cause.
    hook: str | None = None
    hook_status: str | None = None
    failure_mode: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"logical_id": self.logical_id, "type": self.type, "reason": self.reason}
        extra = {
            "hook": self.hook,
            "hook_status": self.hook_status,
            "hook_failure_mode": self.failure_mode,
        }
        out.update({k: v for k, v in extra.items() if v})
        return out


@dataclass
class Diagnosis:
    """The causes of one failed operation, and what kept the search from seeing everything."""

    causes: list[Cause] = field(default_factory=list)
    operation_id: str | None = None
    notes: list[str] = field(default_factory=list)  # a missing permission: one line each
    quiet: list[str] = field(default_factory=list)  # how the causes were found: JSON only

    def unreadable(self, exc: Exception, what: str, action: str, then: str = "") -> None:
        code = error_code(exc)
        if code in DENIED_CODES:
            line = f"root cause: cannot read {what}: needs cloudformation:{action}"
            if line not in self.notes:
                self.notes.append(line)
            return
        if code in MISSING_API_CODES or is_unparsable(exc):
            line = f"root cause: {action} is not available at this endpoint{then}"
        else:
            line = f"root cause: {action} failed ({code or type(exc).__name__}){then}"
        if line not in self.quiet:
            self.quiet.append(line)


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


# ------------------------------------------------------------------- DescribeEvents first


def diagnose(
    cfn: Any,
    stack_id: str,
    events: list[dict[str, Any]],
    *,
    stack: dict[str, Any] | None = None,
    change_set: str | None = None,
) -> Diagnosis:
    """The causes of the failed operation whose stack events (oldest first) are ``events``."""
    diag = Diagnosis(operation_id=operation_id(events, stack))
    causes = _from_describe_events(cfn, stack_id, diag) or find(cfn, events)
    since = events[0].get("Timestamp") if events else None
    hooked = {(c.logical_id.rsplit("/", 1)[-1], c.hook) for c in causes}
    for cause in _hook_causes(cfn, stack_id, change_set, since, diag):
        if (cause.logical_id, cause.hook) not in hooked:
            causes.append(cause)
    diag.causes = causes
    return diag


def operation_id(events: list[dict[str, Any]], stack: dict[str, Any] | None = None) -> str | None:
    """The operation's id: stamped on its opening stack event, on any of its events, or the
    stack's last operation that is not an automatic rollback."""
    opening = [e for e in events if is_stack_event(e) and e.get("ResourceStatus") in START_STATES]
    for event in opening + events:
        if event.get("OperationId"):
            return str(event["OperationId"])
    for entry in (stack or {}).get("LastOperations", []) or []:
        if entry.get("OperationType") != "ROLLBACK" and entry.get("OperationId"):
            return str(entry["OperationId"])
    return None


def _failed_events(
    cfn: Any, diag: Diagnosis, op_id: str | None, stack_id: str
) -> list[dict[str, Any]] | None:
    """The failed events of the operation (or, without its id, the stack's latest one)."""
    where = {"OperationId": op_id} if op_id else {"StackName": stack_id}
    try:
        found = describe_events(cfn, **where, Filters={"FailedEvents": True})
    except Exception as exc:
        diag.unreadable(exc, "operation events", "DescribeEvents", READ_INSTEAD)
        return None
    return found if op_id else latest_operation(found)


def latest_operation(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events of the latest operation that is not an automatic rollback (all when unmarked)."""
    ids = [e.get("OperationId") for e in events if e.get("OperationType") != "ROLLBACK"]
    ids = [i for i in ids if i] or [e.get("OperationId") for e in events if e.get("OperationId")]
    if not ids:
        return events
    return [e for e in events if e.get("OperationId") == ids[-1]]


def _from_describe_events(
    cfn: Any, stack_id: str, diag: Diagnosis, depth: int = 0
) -> list[Cause] | None:
    if cfn is None:
        return None
    found = _failed_events(cfn, diag, diag.operation_id if depth == 0 else None, stack_id)
    if found is None:
        return None
    causes: list[Cause] = []
    for event in found:
        if _is_knock_on(event):
            continue
        inner = _opened(cfn, event, diag, depth)
        lid = str(event.get("LogicalResourceId", ""))
        causes += [_prefixed(lid, c) for c in inner] if inner else [event_cause(event)]
    if not causes:
        # Nothing but the stack's own failure on record: its reason is the best we have.
        causes = [event_cause(e) for e in found if _is_stack_level(e)][:1]
    return _unique(causes)


def _is_stack_level(event: dict[str, Any]) -> bool:
    physical = event.get("PhysicalResourceId")
    return bool(event.get("ResourceType") == STACK_TYPE and physical == event.get("StackId"))


def _is_knock_on(event: dict[str, Any]) -> bool:
    """A cancellation, or the stack's own failure or rollback, which only echo the real one."""
    reason = str(event.get("ResourceStatusReason") or "")
    return is_cancellation(reason) or _is_stack_level(event)


def _opened(cfn: Any, event: dict[str, Any], diag: Diagnosis, depth: int) -> list[Cause]:
    """A failed nested stack's own causes ("Embedded stack ... was not successfully ..." only
    points inward); none when it cannot be read or nesting goes too deep."""
    physical = str(event.get("PhysicalResourceId") or "")
    if event.get("ResourceType") != STACK_TYPE or not physical.startswith("arn:"):
        return []
    if depth >= MAX_NESTING:
        return []
    return _from_describe_events(cfn, physical, diag, depth + 1) or []


def _prefixed(lid: str, cause: Cause) -> Cause:
    return Cause(
        f"{lid}/{cause.logical_id}",
        cause.type,
        cause.reason,
        cause.hook,
        cause.hook_status,
        cause.failure_mode,
    )


def _unique(causes: list[Cause]) -> list[Cause]:
    seen: set[tuple[str, str | None]] = set()
    out = []
    for cause in causes:
        if (cause.logical_id, cause.hook) not in seen:
            seen.add((cause.logical_id, cause.hook))
            out.append(cause)
    return out


def event_cause(event: dict[str, Any]) -> Cause:
    """One DescribeEvents failure as a cause: a hook's verdict, a validation, or a resource."""
    lid = str(event.get("LogicalResourceId") or event.get("ValidationPath") or "")
    rtype = str(event.get("ResourceType") or "")
    reason = str(event.get("ResourceStatusReason") or "")
    if event.get("EventType") == "HOOK_INVOCATION_ERROR" or event.get("HookType"):
        return Cause(
            lid,
            rtype,
            str(event.get("HookStatusReason") or reason or "no reason given"),
            hook=str(event.get("HookType") or "") or None,
            hook_status=str(event.get("HookStatus") or "") or None,
            failure_mode=str(event.get("HookFailureMode") or "") or None,
        )
    if event.get("EventType") == "VALIDATION_ERROR":
        name = str(event.get("ValidationName") or "validation")
        said = str(event.get("ValidationStatusReason") or reason or "no reason given")
        return Cause(lid, rtype, f"{name}: {said}")
    return Cause(lid, rtype, reason or "no reason given")


# ------------------------------------------------------------------------------- hooks


def _hook_causes(
    cfn: Any, stack_id: str, change_set: str | None, since: Any, diag: Diagnosis
) -> list[Cause]:
    """Failed hook invocations against the change set or the stack (this operation's only)."""
    if cfn is None:
        return []
    targets = ([("CHANGE_SET", change_set)] if change_set else []) + [("STACK", stack_id)]
    causes: list[Cause] = []
    for target_type, target_id in targets:
        try:
            listed = hooks.failed(hooks.results(cfn, target_type, target_id))
        except Exception as exc:
            diag.unreadable(exc, "hook results", "ListHookResults")
            return causes
        for summary in listed:
            invoked = summary.get("InvokedAt")
            if since is not None and invoked is not None and invoked < since:
                continue  # an earlier operation's
            if summary.get("FailureMode") == "WARN":
                continue  # a warning never failed the operation
            causes.append(_hook_cause(cfn, summary, diag))
    return _unique(causes)


def _hook_cause(cfn: Any, summary: dict[str, Any], diag: Diagnosis) -> Cause:
    invocation = summary
    try:
        invocation = hooks.result(cfn, str(summary.get("HookResultId", "")))
    except Exception as exc:
        diag.unreadable(exc, "hook messages", "GetHookResult")
    target = invocation.get("Target") or {}
    return Cause(
        str(target.get("TargetId") or summary.get("TargetId") or ""),
        str(target.get("TargetTypeName") or summary.get("TargetType") or ""),
        hooks.message(invocation),
        hook=str(invocation.get("TypeName") or summary.get("TypeName") or "hook"),
        hook_status=str(invocation.get("Status") or summary.get("Status") or "") or None,
        failure_mode=str(invocation.get("FailureMode") or summary.get("FailureMode") or "") or None,
    )
