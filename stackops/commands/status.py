"""status: the stack's state, its last operation, the root cause of a failure, its outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clikit import exitcodes

from .. import rootcause, timeline_svg
from ..aws import events, stacks
from ..follow.states import continue_rollback_command, next_lines
from ..result import Result
from ..session import Session

NEEDS_HUMAN_STATES = frozenset({"UPDATE_ROLLBACK_FAILED", "DELETE_FAILED"})


def run(session: Session, name: str, *, timeline: Path | None = None) -> Result:
    started = session.clock()
    stack = stacks.describe(session.cfn, name)
    if stack is None:
        return Result(
            stack=name,
            operation="status",
            status="DOES_NOT_EXIST",
            exit_code=exitcodes.FAILED,
            summary=f"Stack {name} does not exist in {session.region}",
            duration_s=session.since(started),
        )
    status = str(stack["StackStatus"])
    last = events.last_operation_events(session.cfn, str(stack["StackId"]))
    timeline_svg.draw(session, stack, last, timeline)
    failed = status.endswith("_FAILED") or "ROLLBACK" in status
    diag = (
        rootcause.diagnose(session.cfn, str(stack["StackId"]), last, stack=stack)
        if failed
        else None
    )
    if status in NEEDS_HUMAN_STATES:
        code = exitcodes.NEEDS_HUMAN
    else:
        code = exitcodes.FAILED if failed else exitcodes.OK
    return Result(
        stack=name,
        operation=operation_of(status),
        status=status,
        exit_code=code,
        summary=f"Stack {name}: {status}",
        outputs=stacks.outputs_of(stack),
        root_cause=diag.causes if diag else None,
        duration_s=session.since(started),
        details=_details(session, name, stack, last),
        operation_id=diag.operation_id if diag else rootcause.operation_id(last, stack),
        cause_notes=diag.notes if diag else [],
        quiet_notes=diag.quiet if diag else [],
    )


def operation_of(status: str) -> str:
    for prefix, op in (("UPDATE", "update"), ("DELETE", "delete"), ("IMPORT", "update")):
        if status.startswith(prefix):
            return op
    return "create"


def _details(
    session: Session, name: str, stack: dict[str, Any], last: list[dict[str, Any]]
) -> list[str]:
    details = []
    if last:
        first = last[0]
        details.append(
            f"last operation: {first.get('ResourceStatus', '')} at {first.get('Timestamp', '')}"
        )
    if stack.get("StackStatusReason"):
        details.append(f"reason: {stack['StackStatusReason']}")
    if stack["StackStatus"] == "UPDATE_ROLLBACK_FAILED":
        details.append(f"to continue: {continue_rollback_command(name, session.region)}")
    return details + next_lines(str(stack["StackStatus"]), name)
