"""deploy: review the change set, refuse data loss, confirm, execute, follow it to the end."""

from __future__ import annotations

from clikit import exitcodes

from .. import options, rootcause
from ..aws import changesets, stacks
from ..aws.events import EventCursor
from ..datasafety import decision, termination
from ..datasafety.policy import policy_around_execution
from ..errors import Refused
from ..follow import signals
from ..follow.interrupts import Run, cleanup, cleanup_quietly, interrupted
from ..follow.operation import Followed, watch
from ..request import Request
from ..result import Result
from ..session import Session
from .prepare import Prepared, prepare, show_review, warning_notes

SUCCESS_STATES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})


def run(session: Session, req: Request) -> Result:
    started = session.clock()
    this_run = Run()
    try:
        prep = prepare(session, req, this_run)
        if prep.cs is None:
            return _nothing_to_do(session, req, prep, started)
        options.show_header(session, req)
        show_review(session, "Change set", req, prep, warning_notes(prep))
        _refuse_data_loss(session, prep, this_run)
        if not _confirmed(session, req):
            said = cleanup(session, this_run)
            return Result(
                stack=req.stack_name,
                operation=prep.operation,
                status=prep.stack_status("NONE"),
                exit_code=exitcodes.FAILED,
                summary="Not executed: declined. " + ", ".join(said),
                changes=prep.change_rows,
                duration_s=session.since(started),
            )
        done = _execute(session, req, prep, this_run)
        return _outcome(session, req, prep, done, started)
    except KeyboardInterrupt:
        raise interrupted(session, req.stack_name, this_run, req.on_interrupt) from None
    except BaseException:
        cleanup_quietly(session, this_run)
        raise


def _nothing_to_do(session: Session, req: Request, prep: Prepared, started: float) -> Result:
    stack = prep.stack or {}
    _sync_termination_protection(session, req, stack)
    return Result(
        stack=req.stack_name,
        operation="noop",
        status=str(stack.get("StackStatus", "")),
        exit_code=exitcodes.OK,
        summary=f"No changes for stack {req.stack_name}: {prep.noop_reason}",
        outputs=stacks.outputs_of(stack),
        duration_s=session.since(started),
    )


def _refuse_data_loss(session: Session, prep: Prepared, run: Run) -> None:
    refused = decision.refusals(prep.judged)
    if not refused:
        return
    said = cleanup(session, run)
    error = Refused(
        f"the data-safety check refused {len(refused)} change(s); nothing was executed"
        + (f" ({', '.join(said)})" if said else ""),
        [decision.refusal_message(v) for v in refused],
    )
    error.operation = prep.operation
    error.changes = list(prep.change_rows)
    raise error


def _confirmed(session: Session, req: Request) -> bool:
    """--yes, or a y at the prompt; without a terminal to ask on, the run goes ahead."""
    if req.yes:
        return True
    if not session.console.interactive:
        session.console.info("No terminal to ask on: executing without confirmation.")
        return True
    return session.console.confirm("Execute this change set?")


def _execute(session: Session, req: Request, prep: Prepared, run: Run) -> Followed:
    assert prep.cs is not None
    stack_id = prep.cs.stack_id
    token = stacks.request_token("exec")
    cursor = EventCursor.before_operation(session.cfn, stack_id, token)
    # Opened for --allow-replacement IDs before, protective after, even when the update fails
    # or is interrupted.
    with policy_around_execution(
        session.cfn,
        stack_id,
        creating=prep.operation == "create",
        old_template=prep.old_template,
        new_template=req.template,
        allow=req.allow_replacement,
        warn=session.warn,
    ) as execution:
        # Recorded before a signal is let in, so an interruption knows the change set ran.
        with signals.held():
            run.executing, run.token, run.stack_id = True, token, stack_id
            try:
                changesets.execute(session.cfn, prep.cs.arn, token)
            except BaseException:
                run.executing = False
                raise
        session.console.info(
            f"Executing change set ({prep.operation}) on stack {req.stack_name}..."
        )
        expect = [(r.logical_id, r.type) for r in prep.change_rows]
        done = watch(
            session, stack_id, cursor, review_pending=prep.operation == "create", expect=expect
        )
        execution.finished(done.status)
    return done


def _outcome(
    session: Session, req: Request, prep: Prepared, done: Followed, started: float
) -> Result:
    assert prep.cs is not None
    stack = stacks.describe(session.cfn, prep.cs.stack_id) or {}
    elapsed = session.since(started)
    if done.status in SUCCESS_STATES:
        _sync_termination_protection(session, req, stack)
        return Result(
            stack=req.stack_name,
            operation=prep.operation,
            status=done.status,
            exit_code=exitcodes.OK,
            summary=f"Stack {req.stack_name}: {done.status} in {elapsed:.1f} s",
            changes=prep.change_rows,
            outputs=stacks.outputs_of(stack),
            duration_s=elapsed,
        )
    return Result(
        stack=req.stack_name,
        operation=prep.operation,
        status=done.status,
        exit_code=exitcodes.FAILED,
        summary=f"Stack {req.stack_name}: {done.status}"
        + (f" ({done.reason})" if done.reason else ""),
        changes=prep.change_rows,
        root_cause=rootcause.find(session.cfn, done.events),
        duration_s=elapsed,
    )


def _sync_termination_protection(session: Session, req: Request, stack: dict[str, object]) -> None:
    if stack.get("StackId"):
        termination.sync_termination_protection(
            session.cfn,
            req.stack_name,
            termination.parse_switch(req.termination_protection),
            session.warn,
            current=bool(stack.get("EnableTerminationProtection")),
        )
