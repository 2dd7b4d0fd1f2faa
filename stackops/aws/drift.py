"""Stack drift as CloudFormation reports it: detect, wait (bounded), read every record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..follow.polling import Poll
from .errors import CREDENTIAL_CODES, error_code, error_message, is_unparsable

# Detection takes seconds for a small stack and a minute or two for a large one; a deploy does
# not wait longer than this for it, and goes on with drift "not checked".
MAX_WAIT_S = 300.0
IN_PROGRESS = "DETECTION_IN_PROGRESS"


class DriftUnavailable(Exception):
    """Drift could not be checked (not allowed, not implemented, or too slow); says why."""


@dataclass
class Detection:
    """One finished detection: its status, and every resource drift record of the stack."""

    status: str  # DETECTION_COMPLETE | DETECTION_FAILED
    stack_drift_status: str  # DRIFTED | IN_SYNC | UNKNOWN | NOT_CHECKED
    reason: str = ""
    records: list[dict[str, Any]] = field(default_factory=list)
    unlisted: list[dict[str, Any]] = field(default_factory=list)  # resources without a record


def unavailable_reason(exc: BaseException) -> str | None:
    """Why drift cannot be checked when ``exc`` says so; None for a fault that must surface.

    A refused call (AccessDenied) or an endpoint without the API (the local emulator answers
    500, which botocore raises as ResponseParserError) is not a reason to stop a deploy.
    Credential faults stay errors: every call after this one would fail the same way.
    """
    from botocore.exceptions import ClientError

    if is_unparsable(exc):
        return "the endpoint gave no parseable answer; it may not implement drift detection"
    if isinstance(exc, ClientError) and error_code(exc) not in CREDENTIAL_CODES:
        return f"{error_code(exc) or 'error'}: {error_message(exc)}".rstrip(": ")
    return None


def _guarded(call: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:
        reason = unavailable_reason(exc)
        if reason is None:
            raise
        raise DriftUnavailable(f"{call} failed: {reason}") from None


def start(cfn: Any, stack: str) -> str:
    """DetectStackDrift: the detection's ID."""
    answer = _guarded("DetectStackDrift", lambda: cfn.detect_stack_drift(StackName=stack))
    return str(answer["StackDriftDetectionId"])


def wait(
    cfn: Any,
    detection_id: str,
    poll: Poll,
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    max_wait: float = MAX_WAIT_S,
) -> dict[str, Any]:
    """DescribeStackDriftDetectionStatus until the detection ends, at most ``max_wait`` seconds."""
    started = clock()
    delay = poll.minimum
    while True:
        answer: dict[str, Any] = _guarded(
            "DescribeStackDriftDetectionStatus",
            lambda: cfn.describe_stack_drift_detection_status(StackDriftDetectionId=detection_id),
        )
        if answer.get("DetectionStatus") != IN_PROGRESS:
            return answer
        if clock() - started + delay > max_wait:
            raise DriftUnavailable(f"detection still in progress after {max_wait:.0f} s")
        sleep(delay)
        delay = poll.next(delay)


def records(cfn: Any, stack: str) -> list[dict[str, Any]]:
    """DescribeStackResourceDrifts, every page (botocore has no paginator for it)."""
    out: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"StackName": stack}
    while True:
        page: dict[str, Any] = _guarded(
            "DescribeStackResourceDrifts",
            lambda: cfn.describe_stack_resource_drifts(**kwargs),
        )
        out.extend(page.get("StackResourceDrifts") or [])
        token = page.get("NextToken")
        if not token:
            return out
        kwargs["NextToken"] = token


def unlisted(cfn: Any, stack: str, listed: set[str]) -> list[dict[str, Any]]:
    """The stack's resources that have no drift record: types drift detection does not check."""
    pages = _guarded(
        "ListStackResources",
        lambda: list(cfn.get_paginator("list_stack_resources").paginate(StackName=stack)),
    )
    summaries = [r for page in pages for r in page.get("StackResourceSummaries", [])]
    return [r for r in summaries if str(r.get("LogicalResourceId", "")) not in listed]


def detect(
    cfn: Any,
    stack: str,
    poll: Poll,
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    max_wait: float = MAX_WAIT_S,
) -> Detection:
    """Run one detection on ``stack`` and read its results; DriftUnavailable when it cannot."""
    detection_id = start(cfn, stack)
    status = wait(cfn, detection_id, poll, clock=clock, sleep=sleep, max_wait=max_wait)
    found = records(cfn, stack)
    listed = {str(r.get("LogicalResourceId", "")) for r in found}
    return Detection(
        status=str(status.get("DetectionStatus", "")),
        stack_drift_status=str(status.get("StackDriftStatus", "")),
        reason=str(status.get("DetectionStatusReason", "")),
        records=found,
        unlisted=unlisted(cfn, stack, listed),
    )
