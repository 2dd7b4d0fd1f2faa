"""What the preflight found (blockers, each with its fix) and what it could not check (skips)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..aws.errors import degraded_reason, error_code
from .permissions import PERMISSIONS

# The answers that mean "no such thing": the check has its answer, nothing failed.
NOT_FOUND_CODES = frozenset(
    {
        "404",
        "NoSuchBucket",
        "NotFound",
        "ResourceNotFoundException",
        "ParameterNotFound",
        "ParameterVersionNotFound",
        "DBInstanceNotFound",
        "DBInstanceNotFoundFault",
        "ReplicationGroupNotFoundFault",
        "ReplicationGroupNotFound",
    }
)
# The answers that mean "this caller may not ask": the check is skipped, the run goes on.
DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "AuthorizationErrorException",
        "Forbidden",
    }
)


def not_found(exc: BaseException) -> bool:
    return error_code(exc) in NOT_FOUND_CODES


def denied(exc: BaseException) -> bool:
    return error_code(exc) in DENIED_CODES


@dataclass(frozen=True)
class Finding:
    check: str
    subject: str
    problem: str
    fix: str

    def line(self) -> str:
        return f"{self.check}: {self.subject}: {self.problem}; fix: {self.fix}"


@dataclass
class Report:
    caller: str = "the caller"
    findings: list[Finding] = field(default_factory=list)
    skips: list[str] = field(default_factory=list)
    checked: int = 0

    def skip(self, check: str, reason: str) -> None:
        self.skips.append(f"preflight: skipped {check}: {reason}")

    @contextmanager
    def attempt(self, check: str) -> Iterator[None]:
        """Run one check family; any failure of AWS (or of the tool) becomes one skip line."""
        try:
            yield
        except Exception as exc:
            self.skip(check, self.reason(check, exc))

    def reason(self, check: str, exc: Exception) -> str:
        needs = PERMISSIONS[check]
        if denied(exc):
            return f"{self.caller} may not {needs.action} (needs {needs.permission})"
        return degraded_reason(exc) or f"{type(exc).__name__}: {exc}"
