"""What the gate reports: findings, their two severities, and the report that collects them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

BLOCKER = "blocker"
POLICY = "policy"


@dataclass(frozen=True)
class Finding:
    severity: str  # "blocker" | "policy"
    rule_id: str
    logical_id: str | None
    path: str | None
    message: str
    fix: str

    def line(self) -> str:
        return (
            f"{self.severity.upper()} {self.rule_id} {self.logical_id or '-'} "
            f"{self.path or '-'}: {self.message} Fix: {self.fix}"
        )


@dataclass
class GateReport:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def blockers(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKER]

    @property
    def policies(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == POLICY]

    def sort(self) -> None:
        """Blockers first, then by resource and rule, so the output reads the same every run."""
        self.findings.sort(key=lambda f: (f.severity != BLOCKER, f.logical_id or "", f.rule_id))


def unique(findings: Iterable[Finding]) -> list[Finding]:
    """The findings in their first-seen order, each once (a tool may report one twice)."""
    return list(dict.fromkeys(findings))
