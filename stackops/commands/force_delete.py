"""delete --force: a DELETE_FAILED stack deleted with DeletionMode=FORCE_DELETE_STACK, which
leaves behind every resource that failed to delete. Those are listed first (type and physical
ID, so they can be found and removed by hand) and the user confirms, or passes --yes.

Nothing is emptied or unprotected first: what is left behind keeps its data, and what
CloudFormation could delete is already gone."""

from __future__ import annotations

from typing import Any

from clikit import exitcodes

from .. import rootcause
from ..aws import stacks
from ..aws.events import EventCursor
from ..datasafety.termination import refuse_protected_delete
from ..errors import BadInput, Interrupted, NeedsHuman
from ..follow.operation import Followed, watch
from ..result import Result
from ..session import Session
from .delete import delete_result


def run(session: Session, name: str, yes: bool) -> Result:
    started = session.clock()
    stack = stacks.describe(session.cfn, name)
    if stack is None:
        return delete_result(session, name, "DOES_NOT_EXIST", started, exitcodes.OK,
                       f"Stack {name} does not exist: nothing to delete")  # fmt: skip
    refuse_protected_delete(stack)
    status, stack_id = str(stack["StackStatus"]), str(stack["StackId"])
    if status != "DELETE_FAILED":
        raise NeedsHuman(
            f"--force deletes only a DELETE_FAILED stack, leaving behind what failed to delete; "
            f"stack {name} is {status}: run `python deploy.py delete --stack-name {name}`"
        )
    left = leftovers(stacks.resources(session.cfn, stack_id))
    for line in left:
        session.console.info(f"left behind: {line}")
    if not _confirmed(session, name, len(left), yes):
        return delete_result(
            session, name, status, started, exitcodes.FAILED, "Not deleted: declined"
        )
    try:
        done = _force(session, stack_id)
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; CloudFormation goes on deleting {name}: follow it with "
            f"`python deploy.py status --stack-name {name}`"
        ) from None
    elapsed = session.since(started)
    if done.status != "DELETE_COMPLETE":
        failed = delete_result(session, name, done.status, started, exitcodes.FAILED, "")
        failed.summary = f"Stack {name}: {done.status}"
        failed.root_cause = rootcause.find(session.cfn, done.events)
        return failed
    gone = delete_result(session, name, done.status, started, exitcodes.OK, "")
    gone.summary = f"Stack {name}: DELETE_COMPLETE (forced) in {elapsed:.1f} s"
    gone.details = [f"left behind: {line}" for line in left]
    return gone


def _force(session: Session, stack_id: str) -> Followed:
    token = stacks.request_token("delete")
    cursor = EventCursor.before_operation(session.cfn, stack_id, token)
    stacks.force_delete(session.cfn, stack_id, token)
    return watch(session, stack_id, cursor)


def leftovers(resources: list[dict[str, Any]]) -> list[str]:
    """What FORCE_DELETE_STACK leaves behind: the resources in DELETE_FAILED."""
    return [
        f"{r.get('LogicalResourceId', '?')} ({r.get('ResourceType', '?')}) "
        f"{r.get('PhysicalResourceId') or '(no physical ID)'}"
        for r in resources
        if r.get("ResourceStatus") == "DELETE_FAILED"
    ]


def _confirmed(session: Session, name: str, count: int, yes: bool) -> bool:
    if yes:
        return True
    if not session.console.interactive:
        raise BadInput(
            f"refusing to force-delete stack {name} without confirmation: no terminal to ask on; "
            "pass --yes"
        )
    return session.console.confirm(
        f"Delete stack {name} and leave the {count} resource(s) above behind?"
    )
