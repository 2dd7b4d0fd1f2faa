"""delete: confirm, let a running operation settle, empty the stack's buckets, delete, wait."""

from __future__ import annotations

from typing import Any

from clikit import exitcodes

from .. import rootcause
from ..aws import buckets, stacks
from ..aws.events import EventCursor
from ..datasafety.termination import refuse_protected_delete
from ..errors import BadInput, Interrupted
from ..follow.operation import Followed, delete_and_watch, watch
from ..follow.states import describe_resource, failed_resources
from ..result import Result
from ..session import Session

# A resource with one of these keeps its data when the stack goes.
KEEPING_POLICIES = ("Retain", "Snapshot", "RetainExceptOnCreate")


def run(session: Session, name: str, yes: bool) -> Result:
    started = session.clock()
    stack = stacks.describe(session.cfn, name)
    if stack is None:
        return _result(session, name, "DOES_NOT_EXIST", started, exitcodes.OK,
                       f"Stack {name} does not exist: nothing to delete")  # fmt: skip
    refuse_protected_delete(stack)
    if not _confirmed(session, name, yes):
        return _result(session, name, str(stack["StackStatus"]), started, exitcodes.FAILED,
                       "Not deleted: declined")  # fmt: skip
    stack_id = str(stack["StackId"])
    status = str(stack.get("StackStatus", ""))
    if status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
        # CloudFormation refuses DeleteStack while an operation runs: let it settle first.
        session.console.info(f"Stack {name} is {status}: waiting for it to settle.")
        settled = watch(session, stack_id, EventCursor.before_operation(session.cfn, stack_id))
        if settled.status == "DELETE_COMPLETE":
            return _result(session, name, settled.status, started, exitcodes.OK,
                           f"Stack {name}: DELETE_COMPLETE")  # fmt: skip
    kept = _kept(session, stack_id)
    _empty_buckets(session, stack_id, kept)
    try:
        done = delete_and_watch(session, stack_id)
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; CloudFormation goes on deleting {name}: follow it with "
            f"`python deploy.py status --stack-name {name}`"
        ) from None
    return _outcome(session, name, stack_id, done, kept, started)


def _result(
    session: Session, name: str, status: str, started: float, code: int, summary: str
) -> Result:
    return Result(
        stack=name,
        operation="delete",
        status=status,
        exit_code=code,
        summary=summary,
        duration_s=session.since(started),
    )


def _confirmed(session: Session, name: str, yes: bool) -> bool:
    if yes:
        return True
    if not session.console.interactive:
        raise BadInput(
            f"refusing to delete stack {name} without confirmation: no terminal to ask on; "
            "pass --yes"
        )
    return session.console.confirm(f"Delete stack {name} and empty its buckets?")


def _kept(session: Session, stack_id: str) -> dict[str, str]:
    """Logical ID -> DeletionPolicy of the resources whose data outlives the stack."""
    template: dict[str, Any] = stacks.deployed_template(session.cfn, stack_id) or {}
    return {
        lid: str(res.get("DeletionPolicy"))
        for lid, res in (template.get("Resources") or {}).items()
        if isinstance(res, dict) and res.get("DeletionPolicy") in KEEPING_POLICIES
    }


def _empty_buckets(session: Session, stack_id: str, kept: dict[str, str]) -> None:
    for logical_id, bucket in buckets.stack_buckets(session.cfn, stack_id):
        if logical_id in kept:
            continue  # its DeletionPolicy keeps the bucket, so its data stays too
        n = buckets.empty(session.clients.s3, bucket)
        session.console.info(f"Emptied bucket {bucket}: {n} object version(s) and delete marker(s)")


def _outcome(
    session: Session,
    name: str,
    stack_id: str,
    done: Followed,
    kept: dict[str, str],
    started: float,
) -> Result:
    elapsed = session.since(started)
    details = _kept_lines(kept, done)
    if done.status == "DELETE_COMPLETE":
        return Result(
            stack=name,
            operation="delete",
            status=done.status,
            exit_code=exitcodes.OK,
            summary=f"Stack {name}: DELETE_COMPLETE in {elapsed:.1f} s",
            duration_s=elapsed,
            details=details,
        )
    causes = rootcause.find(session.cfn, done.events)
    still = stacks.describe(session.cfn, stack_id)
    failed = failed_resources(stacks.resources(session.cfn, stack_id)) if still else []
    return Result(
        stack=name,
        operation="delete",
        status=done.status,
        exit_code=exitcodes.FAILED,
        summary=f"Stack {name}: {done.status}",
        root_cause=causes,
        duration_s=elapsed,
        details=[f"could not delete: {describe_resource(r)}" for r in failed] + details,
    )


def _kept_lines(kept: dict[str, str], done: Followed) -> list[str]:
    """Retained and snapshotted resources, by policy, then those CloudFormation skipped."""
    skipped = [
        str(e.get("LogicalResourceId"))
        for e in done.events
        if e.get("ResourceStatus") == "DELETE_SKIPPED"
    ]
    lines = [
        f"retained: {lid} (DeletionPolicy {policy})"
        for lid, policy in sorted(kept.items())
        if policy != "Snapshot"
    ]
    lines += [f"snapshotted: {lid}" for lid, policy in sorted(kept.items()) if policy == "Snapshot"]
    lines += [f"retained: {lid} (DELETE_SKIPPED)" for lid in skipped if lid not in kept]
    return lines
