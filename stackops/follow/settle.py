"""Walking the state table until a stack can take a change set: wait, recreate, roll on, or stop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import rootcause
from ..aws import stacks
from ..aws.events import EventCursor
from ..errors import NeedsHuman
from ..session import Session
from .operation import Followed, delete_and_watch, watch
from .skips import check_skips
from .states import (
    Next,
    classify,
    continue_rollback_command,
    describe_resource,
    failed_resources,
    next_action,
)

if TYPE_CHECKING:
    from ..request import Request

MAX_STATE_STEPS = 6


class WouldReplace(Exception):
    """plan met a stack that deploy would delete and create again: nothing to diff against."""


@dataclass(frozen=True)
class RollOn:
    """Whether an UPDATE_ROLLBACK_FAILED stack may be rolled on, skipping which resources, and
    which stateful ones of those the user allowed (--allow-replacement)."""

    allowed: bool = False
    skip: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()


def settle(
    session: Session,
    name: str,
    *,
    mutate: bool = True,
    continue_rollback: bool = False,
    before_recreate: Callable[[], None] = lambda: None,
    request: Request | None = None,
) -> dict[str, Any] | None:
    """The stack once it can take a change set (None: there is none to update).

    With mutate=False (plan) nothing that exists is deleted or rolled on: a stack that deploy
    would delete first ends the walk with WouldReplace instead. ``before_recreate`` runs before
    a stack is deleted to be created again, so that a missing input stops the run first.
    ``request`` brings the resources to skip when a rollback is continued (naming one is asking
    for the rollback to go on) and the allow-list of stateful ones.
    """
    skip = request.skip_resources if request else ()
    roll_on = RollOn(
        continue_rollback or bool(skip), skip, request.allow_replacement if request else ()
    )
    stack = stacks.describe(session.cfn, name)
    for _ in range(MAX_STATE_STEPS):
        step = classify(stack, _review_resources(session, stack))
        if step is Next.CREATE:
            return None
        if step is Next.UPDATE:
            return stack
        assert stack is not None
        if step in (Next.CREATE_OVER_REVIEW, Next.RECREATE):
            if not mutate:
                raise WouldReplace(
                    f"stack {name} is {stack['StackStatus']} and holds no data: deploy would "
                    "delete it and create it again"
                )
            # Deleting first and then failing on a missing value would help no one.
            before_recreate()
        _STEPS[step](session, stack, roll_on)
        stack = stacks.describe(session.cfn, name)
    raise NeedsHuman(f"stack {name} did not settle; check it with the console")


def _review_resources(session: Session, stack: dict[str, Any] | None) -> int:
    if stack is None or stack.get("StackStatus") != "REVIEW_IN_PROGRESS":
        return 0
    found = stacks.resources(session.cfn, str(stack["StackId"]))
    return len([r for r in found if r.get("LogicalResourceId")])


def _wait(session: Session, stack: dict[str, Any], _: RollOn) -> None:
    name, stack_id = str(stack["StackName"]), str(stack["StackId"])
    session.console.info(f"Stack {name} is {stack['StackStatus']}: waiting for it to settle.")
    watch(session, stack_id, EventCursor.before_operation(session.cfn, stack_id))


def _remove_review_stack(session: Session, stack: dict[str, Any], _: RollOn) -> None:
    name = str(stack["StackName"])
    session.console.info(f"Stack {name} is an empty REVIEW_IN_PROGRESS stack: removing it first.")
    delete_and_watch(session, str(stack["StackId"]))


def _recreate(session: Session, stack: dict[str, Any], _: RollOn) -> None:
    name = str(stack["StackName"])
    session.console.info(
        f"Stack {name} is {stack['StackStatus']} after a failed first create; it holds no data: "
        "deleting it, then creating it again."
    )
    gone = delete_and_watch(session, str(stack["StackId"]))
    if gone.status != "DELETE_COMPLETE":
        raise NeedsHuman(
            f"stack {name} could not be deleted ({gone.status}): "
            + "; ".join(c.reason for c in rootcause.find(session.cfn, gone.events))
            + f"; next: {next_action(gone.status, name)}"
        )


def _needs_human(session: Session, stack: dict[str, Any], _: RollOn) -> None:
    name, status = str(stack["StackName"]), str(stack["StackStatus"])
    failed = failed_resources(stacks.resources(session.cfn, str(stack["StackId"])))
    lines = [describe_resource(r) for r in failed]
    if status == "DELETE_FAILED":
        what = ", ".join(str(r.get("LogicalResourceId")) for r in failed) or "unknown resources"
        raise NeedsHuman(
            f"stack {name} is DELETE_FAILED: could not delete {what}; "
            f"next: {next_action(status, name)}",
            lines,
        )
    raise NeedsHuman(
        f"stack {name} is {status}, which needs a human before deploying; "
        f"next: {next_action(status, name)}",
        lines,
    )


def _continue_rollback(session: Session, stack: dict[str, Any], roll_on: RollOn) -> None:
    name, stack_id = str(stack["StackName"]), str(stack["StackId"])
    if not roll_on.allowed:
        failed = failed_resources(stacks.resources(session.cfn, stack_id))
        raise NeedsHuman(f"stack {name} is UPDATE_ROLLBACK_FAILED", _blocked(name, failed, session))
    done = continue_rollback(session, stack, roll_on.skip, roll_on.allow)
    if done.status != "UPDATE_ROLLBACK_COMPLETE":
        causes = rootcause.find(session.cfn, done.events)
        raise NeedsHuman(
            f"the rollback of {name} did not complete ({done.status})",
            [f"{c.logical_id} ({c.type}): {c.reason}" for c in causes]
            + [continue_rollback_command(name, session.region)],
        )


def continue_rollback(
    session: Session, stack: dict[str, Any], skip: tuple[str, ...], allow: tuple[str, ...]
) -> Followed:
    """ContinueUpdateRollback, skipping ``skip`` (refused for a stateful resource that ``allow``
    does not name), followed to its end."""
    stack_id = str(stack["StackId"])
    check_skips(session, stack, skip, allow)
    skipping = f", skipping {', '.join(skip)}" if skip else ""
    session.console.info(
        f"Stack {stack['StackName']} is UPDATE_ROLLBACK_FAILED: continuing the rollback{skipping}."
    )
    token = stacks.request_token("continue")
    cursor = EventCursor.before_operation(session.cfn, stack_id, token)
    if skip:
        stacks.continue_rollback_skipping(session.cfn, stack_id, token, list(skip))
    else:
        stacks.continue_rollback(session.cfn, stack_id, token)
    return watch(session, stack_id, cursor)


def _blocked(name: str, failed: list[dict[str, Any]], session: Session) -> list[str]:
    """What blocks the rollback, and the commands that move it on."""
    details = [f"blocked by: {describe_resource(r)}" for r in failed] or [
        "blocked by: (no failed resource listed)"
    ]
    details.append(f"to continue the rollback: {continue_rollback_command(name, session.region)}")
    skip = [str(r.get("LogicalResourceId")) for r in failed]
    if skip:
        details.append(
            "if a resource cannot be fixed: "
            + continue_rollback_command(name, session.region, skip)
        )
    details.append(
        "or rerun this deploy with --continue-rollback (add --skip-resource ID for a resource "
        f"that cannot be fixed), or run {next_action('UPDATE_ROLLBACK_FAILED', name)}"
    )
    return details


_STEPS: dict[Next, Callable[[Session, dict[str, Any], RollOn], None]] = {
    Next.WAIT: _wait,
    Next.CREATE_OVER_REVIEW: _remove_review_stack,
    Next.RECREATE: _recreate,
    Next.CONTINUE_ROLLBACK: _continue_rollback,
    Next.HUMAN: _needs_human,
}
