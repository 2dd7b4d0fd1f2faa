"""Run every preflight check, print what could not be checked, stop on what would fail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import BadInput
from ..request import Request
from ..session import Session
from . import keys, names, quotas, references
from .context import Context, build, relevant
from .findings import Report

CHECKS: tuple[Callable[[Context, Report], None], ...] = (
    references.check,
    names.check,
    keys.check,
    quotas.check,
)


def inspect(session: Session, req: Request, stack: dict[str, Any] | None) -> Report:
    """Every check's findings and skips; no AWS call at all when the template has nothing to
    check (a template of topics asks nothing)."""
    report = Report()
    if not relevant(req.template):
        return report
    ctx = build(session, req, stack, report)
    if ctx is not None:
        for check in CHECKS:
            check(ctx, report)
    return report


def run(session: Session, req: Request, stack: dict[str, Any] | None) -> None:
    """Before the change set: BadInput (exit 4) with one line and fix per blocker."""
    if req.skip_preflight:
        session.console.info("Account preflight skipped (--skip-preflight).")
        return
    report = inspect(session, req, stack)
    for line in report.skips:
        session.console.info(line)
    if report.findings:
        raise BadInput(
            f"the account preflight found {len(report.findings)} blocker(s); nothing was "
            "created (--skip-preflight to go on regardless)",
            [f"BLOCKER {f.line()}" for f in report.findings],
        )
    if report.checked:
        skipped = f", {len(report.skips)} skipped" if report.skips else ""
        session.console.info(f"Account preflight: {report.checked} check(s) passed{skipped}.")
