"""deploy --change-set ARN: execute exactly the change set plan --keep-change-set left, or refuse.

The review a human approved was of that change set against the stack as it then was. If the
stack moved since (an update, a rollback, any new event), or CloudFormation no longer offers the
change set, executing it would apply something nobody reviewed: exit 5, never a new change set.
After the checks it runs the steps of a normal deploy (the data-safety check, the confirmation,
the stack policy around execution, following, root cause, termination protection), the very
functions of stackops/commands/deploy.py.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from clikit import exitcodes

from .. import options
from ..aws import changesets, stacks
from ..aws.changesets import ChangeSet
from ..datasafety import decision, verdicts
from ..errors import BadInput, NeedsHuman, OperationFailed
from ..follow.interrupts import Run, interrupted
from ..request import Request
from ..result import Result
from ..review import rows, with_decisions
from ..session import Session
from . import deploy as deploying
from .prepare import Prepared, security_changes, show_review, warning_notes

# What ExecutionStatus other than AVAILABLE means for a kept change set.
NOT_AVAILABLE = {
    "OBSOLETE": "the stack was updated after it was made",
    "EXECUTE_COMPLETE": "it was already executed",
    "EXECUTE_IN_PROGRESS": "it is being executed",
    "EXECUTE_FAILED": "its execution failed",
    "UNAVAILABLE": "CloudFormation cannot execute it",
}
# The change set's own review stack: its event is as old as the change set.
REVIEW = "REVIEW_IN_PROGRESS"
# What of a DescribeChangeSet answer a review depends on (not its ExecutionStatus, which moves).
FINGERPRINTED = (
    "ChangeSetId", "StackId", "CreationTime", "Changes", "Parameters", "Capabilities",
    "RollbackConfiguration",
)  # fmt: skip
REPLAN = "run plan --keep-change-set again and review the new change set"


def run(session: Session, req: Request) -> Result:
    started = session.clock()
    assert req.change_set_arn is not None
    desc = _described(session, req.change_set_arn, req.stack_name)
    stack = stacks.describe(session.cfn, str(desc.get("StackId") or req.stack_name))
    check_fresh(desc, stack, _events(session, stack))
    assert stack is not None
    prep, req = _prepared(session, req, desc, stack)
    basis = review_basis(desc, stack)
    rollback = _rollback(desc)
    # Made by plan, not by this run: nothing here deletes it. The type and stack are what an
    # interruption needs to offer (or, with --on-interrupt cancel, do) the cancel of an update.
    this_run = Run(stack_id=str(desc["StackId"]), change_set_type=prep.change_set_type)
    try:
        _show_header(session, rollback, basis)
        show_review(session, "Kept change set", req, prep, warning_notes(prep))
        result = deploying.execute_reviewed(
            session,
            req,
            prep,
            this_run,
            started,
            declined=lambda: _declined(session, req, prep, started),
        )
    except KeyboardInterrupt:
        raise interrupted(session, req.stack_name, this_run, req.on_interrupt) from None
    result.change_set_arn = req.change_set_arn
    result.review_basis = basis
    result.rollback = rollback
    return result


def _show_header(session: Session, rollback: dict[str, Any] | None, basis: dict[str, Any]) -> None:
    session.console.info(f"Review fingerprint: {basis['review_fingerprint']}")
    if rollback is not None:
        alarms, minutes = tuple(rollback["alarms"]), rollback["monitor_minutes"]
        for line in options.header_lines(None, alarms, minutes):
            session.console.info(line)


def _described(session: Session, arn: str, stack_name: str) -> dict[str, Any]:
    desc = changesets.describe_kept(session.cfn, arn)
    if desc is None:
        raise NeedsHuman(f"change set {arn} is gone (ChangeSetNotFound); {REPLAN}")
    owner = str(desc.get("StackName") or "")
    if owner and owner != stack_name:
        raise BadInput(f"change set {arn} belongs to stack {owner}, not {stack_name}")
    return desc


def _events(session: Session, stack: dict[str, Any] | None) -> list[dict[str, Any]]:
    return stacks.latest_events(session.cfn, str(stack["StackId"])) if stack else []


def check_fresh(
    desc: dict[str, Any], stack: dict[str, Any] | None, events: list[dict[str, Any]]
) -> None:
    """NeedsHuman, naming why, unless the change set can run on the stack it was reviewed on."""
    arn = str(desc.get("ChangeSetId", ""))
    if desc.get("Status") != "CREATE_COMPLETE":
        raise NeedsHuman(
            f"change set {arn} is {desc.get('Status')} "
            f"({desc.get('StatusReason') or 'no reason given'}): nothing to execute"
        )
    execution = str(desc.get("ExecutionStatus", ""))
    if execution != "AVAILABLE":
        why = NOT_AVAILABLE.get(execution, "CloudFormation does not offer it for execution")
        raise NeedsHuman(f"change set {arn} is {execution}: {why}; {REPLAN}")
    if (
        stack is None
        or stack.get("StackId") != desc.get("StackId")
        or stack.get("StackStatus") == "DELETE_COMPLETE"
    ):
        raise NeedsHuman(f"the stack change set {arn} was made for is gone; {REPLAN}")
    _check_stack_unmoved(arn, desc["CreationTime"], stack, events)


def _check_stack_unmoved(
    arn: str, made: Any, stack: dict[str, Any], events: list[dict[str, Any]]
) -> None:
    name, status = stack.get("StackName"), str(stack.get("StackStatus", ""))
    if status.endswith("_IN_PROGRESS") and status != REVIEW:
        raise NeedsHuman(f"stack {name} is {status}: change set {arn} was not made for that")
    updated = stack.get("LastUpdatedTime")
    if updated is not None and updated > made:
        raise NeedsHuman(
            f"stack {name} was updated at {updated.isoformat()}, after change set {arn} was "
            f"made at {made.isoformat()}; {REPLAN}"
        )
    newer = [e for e in events if e.get("ResourceStatus") != REVIEW and e["Timestamp"] > made]
    if newer:
        latest = newer[0]
        raise NeedsHuman(
            f"stack {name} has an event newer than change set {arn} "
            f"({latest.get('LogicalResourceId')} {latest.get('ResourceStatus')} at "
            f"{latest['Timestamp'].isoformat()}; the change set was made at "
            f"{made.isoformat()}); {REPLAN}"
        )


def _prepared(
    session: Session, req: Request, desc: dict[str, Any], stack: dict[str, Any]
) -> tuple[Prepared, Request]:
    """What deploy's steps need: the change set judged as a fresh one is, and the request with
    the template the change set deploys."""
    arn = str(desc["ChangeSetId"])
    creating = stack.get("StackStatus") == REVIEW
    old = None if creating else stacks.deployed_template(session.cfn, str(stack["StackId"]))
    new = changesets.template_of(session.cfn, arn)
    if new is None:
        raise OperationFailed(f"could not read the template of change set {arn}")
    changes = list(desc.get("Changes") or [])
    judged = decision.judge(verdicts.assess(changes, old, new), req.allow_replacement)
    cs = ChangeSet(arn, str(desc["StackId"]), str(desc.get("Status", "")), "", changes)
    cs_type = "CREATE" if creating else "UPDATE"
    change_rows = with_decisions(rows(changes), judged)
    prep = Prepared(stack, cs, cs_type, change_rows, judged, old_template=old)
    kept = replace(req, template=new)
    # --require-approval judges the kept change set as it would a fresh one.
    prep.security = security_changes(kept, None if creating else stack, old)
    return prep, kept


def _declined(session: Session, req: Request, prep: Prepared, started: float) -> Result:
    return Result(
        stack=req.stack_name,
        operation=prep.operation,
        status=prep.stack_status("NONE"),
        exit_code=exitcodes.FAILED,
        summary=f"Not executed: declined; the change set is kept: {req.change_set_arn}",
        changes=prep.change_rows,
        duration_s=session.since(started),
    )


def _rollback(desc: dict[str, Any]) -> dict[str, Any] | None:
    config = desc.get("RollbackConfiguration") or {}
    alarms = tuple(str(t["Arn"]) for t in config.get("RollbackTriggers") or [])
    minutes = config.get("MonitoringTimeInMinutes")
    return options.rollback_json(alarms, None if minutes is None else int(minutes))


def review_basis(desc: dict[str, Any], stack: dict[str, Any] | None) -> dict[str, Any]:
    """What a review of this change set was based on: the stack's LastUpdatedTime and one
    fingerprint of the change set and the stack's state. plan and deploy --change-set print the
    same fingerprint as long as neither moved."""
    stack = stack or {}
    updated = stack.get("LastUpdatedTime")
    basis = {
        "change_set": {key: desc.get(key) for key in FINGERPRINTED},
        "stack": {"StackStatus": stack.get("StackStatus"), "LastUpdatedTime": updated},
    }
    text = json.dumps(basis, sort_keys=True, default=str)
    return {
        "stack_last_updated": None if updated is None else updated.isoformat(),
        "review_fingerprint": "sha256:" + hashlib.sha256(text.encode()).hexdigest(),
    }
