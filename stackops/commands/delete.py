"""delete: confirm, let a running operation settle, stop access logging into the stack's own
buckets, empty them, switch off the deletion protection of its databases, delete, wait; empty
again and retry when a bucket refilled meanwhile. Whatever the stack keeps (its DeletionPolicy,
or that of a nested stack it sits in) is never emptied or unprotected."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clikit import exitcodes

from .. import rootcause
from ..aws import boundaries, buckets, databases, owned, stacks
from ..aws.errors import degraded_reason
from ..aws.events import EventCursor
from ..datasafety.termination import refuse_protected_delete
from ..errors import BadInput, Interrupted, Refused
from ..follow.operation import Followed, delete_and_watch, watch
from ..follow.states import describe_resource, failed_resources, next_action
from ..result import Result
from ..session import Session

# A resource with one of these keeps its data when the stack goes.
KEEPING_POLICIES = ("Retain", "Snapshot", "RetainExceptOnCreate")
BUCKET = "AWS::S3::Bucket"
# S3 delivers server access-log records best effort, up to hours after the request, so a bucket
# emptied before DeleteStack can hold objects again when CloudFormation deletes it. After a
# DELETE_FAILED on such a bucket the delete empties it again and retries, at most this often.
NOT_EMPTY_RETRIES = 2


def run(session: Session, name: str, yes: bool, *, role_arn: str | None = None) -> Result:
    started = session.clock()
    stack = stacks.describe(session.cfn, name)
    if stack is None:
        return delete_result(session, name, "DOES_NOT_EXIST", started, exitcodes.OK,
                       f"Stack {name} does not exist: nothing to delete")  # fmt: skip
    refuse_protected_delete(stack)
    if not _confirmed(session, name, yes):
        return delete_result(session, name, str(stack["StackStatus"]), started, exitcodes.FAILED,
                       "Not deleted: declined")  # fmt: skip
    stack_id = str(stack["StackId"])
    status = str(stack.get("StackStatus", ""))
    if status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
        # CloudFormation refuses DeleteStack while an operation runs: let it settle first.
        session.console.info(f"Stack {name} is {status}: waiting for it to settle.")
        settled = watch(session, stack_id, EventCursor.before_operation(session.cfn, stack_id))
        if settled.status == "DELETE_COMPLETE":
            return delete_result(session, name, settled.status, started, exitcodes.OK,
                           f"Stack {name}: DELETE_COMPLETE")  # fmt: skip
    kept, emptied = _prepare(session, name, stack_id)
    try:
        done, events = _delete(session, name, stack_id, emptied, role_arn)
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; CloudFormation goes on deleting {name}: follow it with "
            f"`python deploy.py status --stack-name {name}`"
        ) from None
    return _outcome(session, name, stack_id, done, kept, events, started)


def delete_result(
    session: Session, name: str, status: str, started: float, code: int, summary: str
) -> Result:
    """The result of `delete` (with or without --force)."""
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
    return session.console.confirm(
        f"Delete stack {name}, empty its buckets and switch off its databases' deletion protection?"
    )


def _prepare(session: Session, name: str, stack_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """What CloudFormation cannot delete by itself, made deletable: the buckets emptied (after
    their logging into them stopped), then the databases unprotected, last, so that a failed
    emptying leaves them protected. Returns what is kept and the buckets emptied."""
    found = owned.inventory(session.cfn, stack_id)
    _refuse_boundaries_in_use(session, name, found)
    kept = _kept(found.policies)
    own = [(r.path, r.physical) for r in found.of_type(BUCKET)]
    # Path -> name of the buckets this delete empties; a kept bucket keeps its data.
    emptied = {lid: bucket for lid, bucket in own if not _within_kept(lid, kept)}
    _stop_access_logging(session, [bucket for _, bucket in own], set(emptied.values()))
    _empty_buckets(session, emptied.values())
    _unprotect_databases(
        session, [r for r in found.of_type(*databases.TYPES) if not _within_kept(r.path, kept)]
    )
    return kept, emptied


def _refuse_boundaries_in_use(session: Session, name: str, found: owned.Inventory) -> None:
    """Refused (exit 3) before anything changes when a policy of the stack is the boundary of
    roles outside it: IAM would stop the delete half-way on it. A check IAM does not answer
    (no permission, an emulator without the API) is a warning."""
    policies = [r.physical for r in found.of_type(boundaries.POLICY)]
    if not policies or session.clients.iam is None:
        return
    own = [r.physical for r in found.of_type(boundaries.ROLE)]
    try:
        holders = boundaries.outside_holders(session.clients.iam, policies, own)
    except Exception as exc:
        reason = degraded_reason(exc)
        if reason is None:
            raise
        session.warn(f"could not check the boundaries its policies may be: {reason}")
        return
    if holders:
        raise Refused(boundaries.refusal(name, holders))


def _kept(policies: dict[str, Any]) -> dict[str, str]:
    """Path -> DeletionPolicy of the resources whose data outlives the stack, nested stacks'
    included. A policy written as an intrinsic function (AWS::LanguageExtensions) may resolve
    to Retain: it counts as keeping, shown by the function's name."""
    return {
        path: policy if isinstance(policy, str) else _function_name(policy)
        for path, policy in policies.items()
        if policy in KEEPING_POLICIES or not isinstance(policy, str)
    }


def _function_name(policy: Any) -> str:
    return next(iter(policy), "unresolved") if isinstance(policy, dict) else "unresolved"


def _within_kept(path: str, kept: dict[str, str]) -> bool:
    """A resource is kept when it is, or when a nested stack it sits in is: a retained nested
    stack keeps everything in it."""
    parts = path.split("/")
    return any("/".join(parts[:n]) in kept for n in range(1, len(parts) + 1))


def _unprotect_databases(session: Session, found: list[owned.Owned]) -> None:
    """Switch deletion protection off on the databases this delete removes (the caller leaves
    out every kept one), so that DeleteStack can delete them.

    A refused call is a warning and the delete goes on: CloudFormation then fails on that
    database, and the root cause names it.
    """
    for db in found:
        try:
            switched = databases.unprotect(session.clients.rds, db.type, db.physical)
        except Exception as exc:
            reason = degraded_reason(exc)
            if reason is None:
                raise
            session.warn(
                f"could not switch off deletion protection of database {db.physical} "
                f"({db.path}): {reason}"
            )
            continue
        if switched:
            session.console.info(
                f"Switched off deletion protection of database {db.physical} ({db.path}): "
                "the stack deletes it"
            )


def _stop_access_logging(session: Session, own: list[str], emptied: set[str]) -> None:
    """Switch off server access logging of the stack's buckets into a bucket this delete
    empties, so that no record of the emptying (or of later traffic) lands after it.

    Best effort: a refused call is a warning, and the retry after DELETE_FAILED still stands.
    """
    for bucket in own:
        try:
            target = buckets.logging_target(session.clients.s3, bucket)
            if target is None or target not in emptied:
                continue
            buckets.stop_logging(session.clients.s3, bucket)
        except Exception as exc:
            reason = degraded_reason(exc)
            if reason is None:
                raise
            session.warn(f"could not stop access logging of bucket {bucket}: {reason}")
            continue
        session.console.info(
            f"Stopped access logging of bucket {bucket} into {target}: "
            "no new log record lands in a bucket about to be emptied"
        )


def _empty_buckets(session: Session, names: Iterable[str]) -> None:
    for bucket in names:
        n = buckets.empty(session.clients.s3, bucket)
        session.console.info(f"Emptied bucket {bucket}: {n} object version(s) and delete marker(s)")


def _delete(
    session: Session, name: str, stack_id: str, emptied: dict[str, str], role: str | None = None
) -> tuple[Followed, list[dict[str, Any]]]:
    """DeleteStack and follow it; after a DELETE_FAILED on buckets that objects reached after
    the emptying, empty them again and retry (NOT_EMPTY_RETRIES times at most). Returns the
    last attempt and the events of all of them."""
    done = _delete_and_watch(session, stack_id, role)
    events = list(done.events)
    for attempt in range(1, NOT_EMPTY_RETRIES + 1):
        failed = done.status == "DELETE_FAILED" and emptied
        refilled = _refilled(session, stack_id, emptied) if failed else []
        if not refilled:
            break
        session.console.info(
            f"Stack {name}: DELETE_FAILED on non-empty bucket(s) {', '.join(refilled)} (objects "
            "arrived after the emptying, such as late access-log records): emptying again and "
            f"retrying the delete ({attempt} of {NOT_EMPTY_RETRIES})"
        )
        _empty_buckets(session, refilled)
        done = _delete_and_watch(session, stack_id, role)
        events += done.events
    return done, events


def _refilled(session: Session, stack_id: str, emptied: dict[str, str]) -> list[str]:
    """Names of the buckets this delete empties whose delete failed for holding objects; never
    a kept bucket, never one that is not this stack's own."""
    return [
        emptied[lid]
        for r in stacks.resources(session.cfn, stack_id)
        if buckets.not_empty(r)
        and (lid := str(r.get("LogicalResourceId") or "")) in emptied
        and str(r.get("PhysicalResourceId") or "") == emptied[lid]
    ]


def _outcome(
    session: Session,
    name: str,
    stack_id: str,
    done: Followed,
    kept: dict[str, str],
    events: list[dict[str, Any]],
    started: float,
) -> Result:
    elapsed = session.since(started)
    details = _kept_lines(kept, events)
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
        summary=f"Stack {name}: {done.status}; next: {next_action(done.status, name)}",
        root_cause=causes,
        duration_s=elapsed,
        details=[f"could not delete: {describe_resource(r)}" for r in failed] + details,
    )


def _kept_lines(kept: dict[str, str], events: list[dict[str, Any]]) -> list[str]:
    """Retained and snapshotted resources, by policy, then those CloudFormation skipped (in any
    attempt)."""
    skipped = dict.fromkeys(
        str(e.get("LogicalResourceId"))
        for e in events
        if e.get("ResourceStatus") == "DELETE_SKIPPED"
    )
    lines = [
        f"retained: {lid} (DeletionPolicy {policy})"
        for lid, policy in sorted(kept.items())
        if policy != "Snapshot"
    ]
    lines += [f"snapshotted: {lid}" for lid, policy in sorted(kept.items()) if policy == "Snapshot"]
    lines += [f"retained: {lid} (DELETE_SKIPPED)" for lid in skipped if lid not in kept]
    return lines


def _delete_and_watch(session: Session, stack_id: str, role: str | None) -> Followed:
    """DeleteStack, with the service role when one is given (--role-arn), and follow it."""
    if role is None:
        return delete_and_watch(session, stack_id)
    token = stacks.request_token("delete")
    cursor = EventCursor.before_operation(session.cfn, stack_id, token)
    stacks.delete_as(session.cfn, stack_id, token, role)
    return watch(session, stack_id, cursor)
