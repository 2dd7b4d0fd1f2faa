"""rollback: get a stack out of a failed state without the console. CREATE_FAILED and
UPDATE_FAILED (left by a deploy with --no-rollback) roll back with RollbackStack;
UPDATE_ROLLBACK_FAILED continues its rollback (ContinueUpdateRollback, --skip-resource for what
cannot be fixed). Either is followed to its end; any other state names the command that fits."""

from __future__ import annotations

from typing import Any

from clikit import exitcodes

from .. import rootcause
from ..aws import stacks
from ..aws.events import EventCursor
from ..errors import BadInput, Interrupted, NeedsHuman
from ..follow.operation import Followed, watch
from ..follow.settle import continue_rollback
from ..follow.states import ROLLBACK_STATES, next_action, next_lines
from ..result import Result
from ..session import Session

# Where a rollback that did its job leaves the stack (RollbackStack deletes a stack that never
# had a stable state).
ROLLED_BACK = frozenset({"ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "DELETE_COMPLETE"})


def run(
    session: Session, name: str, skip: tuple[str, ...] = (), allow: tuple[str, ...] = ()
) -> Result:
    started = session.clock()
    stack = stacks.describe(session.cfn, name)
    if stack is None:
        return Result(
            stack=name,
            operation="rollback",
            status="DOES_NOT_EXIST",
            exit_code=exitcodes.FAILED,
            summary=f"Stack {name} does not exist in {session.region}: nothing to roll back",
            duration_s=session.since(started),
        )
    try:
        done = _roll(session, stack, skip, allow)
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; CloudFormation goes on rolling back {name}: follow it with "
            f"`python deploy.py status --stack-name {name}`"
        ) from None
    return _outcome(session, name, done, started)


def _roll(
    session: Session, stack: dict[str, Any], skip: tuple[str, ...], allow: tuple[str, ...]
) -> Followed:
    name, status = str(stack["StackName"]), str(stack["StackStatus"])
    if status == "UPDATE_ROLLBACK_FAILED":
        return continue_rollback(session, stack, skip, allow)
    if status not in ROLLBACK_STATES:
        raise NeedsHuman(
            f"stack {name} is {status}: `rollback` acts on "
            f"{', '.join(sorted(ROLLBACK_STATES | {'UPDATE_ROLLBACK_FAILED'}))} only; "
            f"next: {next_action(status, name)}"
        )
    if skip:
        raise BadInput(
            f"--skip-resource applies to an UPDATE_ROLLBACK_FAILED stack; stack {name} is {status}"
        )
    session.console.info(f"Stack {name} is {status}: rolling it back (RollbackStack).")
    stack_id = str(stack["StackId"])
    token = stacks.request_token("rollback")
    cursor = EventCursor.before_operation(session.cfn, stack_id, token)
    stacks.rollback(session.cfn, stack_id, token)
    return watch(session, stack_id, cursor)


def _outcome(session: Session, name: str, done: Followed, started: float) -> Result:
    elapsed = session.since(started)
    ok = done.status in ROLLED_BACK
    return Result(
        stack=name,
        operation="rollback",
        status=done.status,
        exit_code=exitcodes.OK if ok else exitcodes.FAILED,
        summary=f"Stack {name}: {done.status} in {elapsed:.1f} s",
        root_cause=None if ok else rootcause.find(session.cfn, done.events),
        duration_s=elapsed,
        details=next_lines(done.status, name),
    )
