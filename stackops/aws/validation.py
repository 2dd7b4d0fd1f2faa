"""CloudFormation's early validation of a change set: the VALIDATION_ERROR events DescribeEvents
gives for the change set's ARN, where a FAILED change set's own StatusReason says only "FAILED"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import degraded_reason


@dataclass(frozen=True)
class ValidationError:
    logical_id: str
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"logical_id": self.logical_id, "path": self.path, "message": self.message}


@dataclass
class Validation:
    errors: list[ValidationError] = field(default_factory=list)
    unavailable: str | None = None  # why the events could not be read

    def lines(self) -> list[str]:
        """Each resource once, then each of its errors: `path: message`."""
        out: list[str] = []
        for lid in dict.fromkeys(e.logical_id for e in self.errors):
            out.append(f"{lid or 'template'}:")
            out += [
                f"  {e.path or '(resource)'}: {e.message}"
                for e in self.errors
                if e.logical_id == lid
            ]
        return out


def of_change_set(cfn: Any, arn: str) -> Validation:
    """The change set's validation errors; `unavailable` says why when the API would not answer
    (an endpoint without it, an emulator, a caller without cloudformation:DescribeEvents)."""
    try:
        pages = cfn.get_paginator("describe_events").paginate(ChangeSetName=arn)
        events = [e for page in pages for e in page.get("OperationEvents") or []]
    except Exception as exc:
        return Validation(unavailable=degraded_reason(exc) or f"{type(exc).__name__}: {exc}")
    found: list[ValidationError] = []
    for event in events:
        if event.get("EventType") != "VALIDATION_ERROR":
            continue
        if event.get("ValidationStatus") == "SKIPPED":
            continue
        error = ValidationError(
            logical_id=str(event.get("LogicalResourceId") or ""),
            path=str(event.get("ValidationPath") or ""),
            message=str(
                event.get("ValidationStatusReason")
                or event.get("ResourceStatusReason")
                or event.get("ValidationName")
                or "no reason given"
            ),
        )
        if error not in found:
            found.append(error)
    return Validation(errors=found)
