"""The one result every command returns; deploy.py prints it as text and, on request, JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .review import ChangeRow
from .rootcause import Cause
from .securitydiff import SecurityRow


@dataclass(kw_only=True)
class Result:
    stack: str
    operation: str  # create | update | noop | delete | plan | status
    status: str
    exit_code: int
    summary: str
    changes: list[ChangeRow] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    root_cause: list[Cause] | None = None
    duration_s: float = 0.0
    details: list[str] = field(default_factory=list)
    operation_id: str | None = None
    cause_notes: list[str] = field(default_factory=list)  # shown with the root cause and in JSON
    quiet_notes: list[str] = field(default_factory=list)  # in JSON only
    drift: dict[str, Any] | None = None  # drift before deploy (stackops/drift.py); None: not run
    # What widens or narrows access; set by plan, whose JSON then has a `security` key.
    security: list[SecurityRow] | None = None
    # How the change set runs and what a kept one was reviewed against (stackops/options.py);
    # in the JSON only when set, so runs without these flags answer exactly as before.
    role_arn: str | None = None
    rollback: dict[str, Any] | None = None  # {"alarms": [...], "monitor_minutes": N}
    change_set_arn: str | None = None  # a kept change set: made by plan, executed by deploy
    review_basis: dict[str, Any] | None = None  # {"stack_last_updated", "review_fingerprint"}

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "operation": self.operation,
            "status": self.status,
            "changes": [c.as_dict() for c in self.changes],
            "outputs": dict(self.outputs),
            "root_cause": (
                None if self.root_cause is None else [c.as_dict() for c in self.root_cause]
            ),
            "duration_s": round(self.duration_s, 3),
            # Only where drift was looked for (plan or deploy of an existing stack).
            **({} if self.drift is None else {"drift": self.drift}),
            **self._security_json(),
            **self.options_json(),
        }

    def added_json(self) -> dict[str, Any]:
        """Keys added after the first contract: present only when they say something."""
        body: dict[str, Any] = {}
        if self.operation_id:
            body["operation_id"] = self.operation_id
        if self.cause_notes or self.quiet_notes:
            body["root_cause_notes"] = [*self.cause_notes, *self.quiet_notes]
        return body

    def _security_json(self) -> dict[str, Any]:
        if self.security is None:
            return {}
        return {"security": [r.as_dict() for r in self.security]}

    def options_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.role_arn is not None:
            body["role_arn"] = self.role_arn
        if self.rollback is not None:
            body["rollback"] = dict(self.rollback)
        if self.change_set_arn is not None:
            body["change_set_arn"] = self.change_set_arn
        body.update(self.review_basis or {})
        return body
