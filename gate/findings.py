"""What the gate reports: findings, their three severities, and the report that collects them.

- BLOCKER: AWS refuses the template as written, with its parameters' defaults (or every value
  they allow).
- WARNING: it fails only for some allowed values (the finding says which), or only in some
  accounts (a secret named but not created here, a key policy that may lock the deployer out).
- POLICY: a security or operations rule (checkov, Control Tower controls, cfn-lint warnings).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

BLOCKER = "blocker"
WARNING = "warning"
POLICY = "policy"


@dataclass(frozen=True)
class Finding:
    severity: str  # "blocker" | "warning" | "policy"
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
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def policies(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == POLICY]

    def sort(self) -> None:
        """Blockers, warnings, then policy; within each by resource and rule, so the output reads
        the same every run."""
        order = {BLOCKER: 0, WARNING: 1}
        self.findings.sort(key=lambda f: (order.get(f.severity, 2), f.logical_id or "", f.rule_id))


def unique(findings: Iterable[Finding]) -> list[Finding]:
    """The findings in their first-seen order, each once (a tool may report one twice)."""
    return list(dict.fromkeys(findings))
