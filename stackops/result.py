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
    # What widens or narrows access; set by plan, whose JSON then has a `security` key.
    security: list[SecurityRow] | None = None

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
            **self._security_json(),
        }

    def _security_json(self) -> dict[str, Any]:
        if self.security is None:
            return {}
        return {"security": [r.as_dict() for r in self.security]}
