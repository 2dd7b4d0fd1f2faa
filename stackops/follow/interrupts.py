"""What a run has started, so that an interruption (Ctrl-C, SIGTERM) cleans up exactly that."""

from __future__ import annotations

from dataclasses import dataclass

from ..aws import changesets, stacks
from ..aws.errors import error_code, error_message, stack_missing
from ..aws.events import EventCursor
from ..errors import Interrupted
from ..session import Session
from . import signals
from .operation import watch


@dataclass
class Run:
    """Every change set this run makes is deleted again unless it was executed."""

    change_set_arn: str | None = None
    review_stack_id: str | None = None  # a REVIEW_IN_PROGRESS stack this run created
    executing: bool = False
    stack_id: str | None = None
    change_set_type: str = ""
    token: str | None = None


def cleanup(session: Session, run: Run) -> list[str]:
    """Delete what this run made and did not execute; say what went."""
    said = []
    if run.change_set_arn and not run.executing:
        if changesets.delete(session.cfn, run.change_set_arn):
            said.append("change set deleted")
        run.change_set_arn = None
    if run.review_stack_id and not run.executing:
        try:
            stacks.delete(session.cfn, run.review_stack_id)
            said.append("empty review stack deleted")
        except Exception as exc:
            if not stack_missing(exc):
                said.append(f"could not delete the review stack: {error_message(exc)}")
        run.review_stack_id = None
    return said


def cleanup_quietly(session: Session, run: Run) -> list[str]:
    """cleanup() that a second Ctrl-C cannot cut in half."""
    with signals.ignored():
        return cleanup(session, run)


def interrupted(session: Session, name: str, run: Run, on_interrupt: str) -> Interrupted:
    """The error to stop with after Ctrl-C; cleans up or cancels first, as the run requires."""
    if not run.executing:
        said = cleanup_quietly(session, run)
        if not said:
            return Interrupted("interrupted before any change set was made")
        return Interrupted(f"interrupted during review: {', '.join(said)}; nothing was executed")
    if on_interrupt == "cancel" and run.change_set_type == "UPDATE" and run.stack_id:
        return _cancel_update(session, name, run.stack_id)
    cancel = (
        f"aws cloudformation cancel-update-stack --stack-name {name} --region {session.region}"
        if run.change_set_type == "UPDATE"
        else f"python deploy.py delete --stack-name {name} (once the create settles)"
    )
    return Interrupted(
        f"interrupted; CloudFormation goes on with the {run.change_set_type.lower()} of {name}",
        [f"follow it: {_follow_hint(name)}", f"cancel it: {cancel}"],
    )


def _follow_hint(name: str) -> str:
    return f"python deploy.py status --stack-name {name}"


def _cancel_update(session: Session, name: str, stack_id: str) -> Interrupted:
    session.console.info(
        f"Interrupted: cancelling the update of {name} and following the rollback."
    )
    token = stacks.request_token("cancel")
    cursor = EventCursor.before_operation(session.cfn, stack_id, token)
    try:
        stacks.cancel_update(session.cfn, stack_id, token)
        done = watch(session, stack_id, cursor)
    except KeyboardInterrupt:
        return Interrupted(
            f"interrupted again; the rollback goes on: follow it with `{_follow_hint(name)}`"
        )
    except Exception as exc:
        return Interrupted(
            f"could not cancel the update ({error_code(exc) or type(exc).__name__}: "
            f"{error_message(exc)}); follow it with `{_follow_hint(name)}`"
        )
    return Interrupted(f"update cancelled; stack {name} is {done.status}")
