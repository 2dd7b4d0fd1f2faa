"""deploy: review the change set, refuse data loss, confirm, execute, follow it to the end."""

from __future__ import annotations

from collections.abc import Callable

from clikit import exitcodes

from .. import options, rootcause, securitydiff
from ..aws import changesets, stacks
from ..aws.errors import degraded_reason, explain
from ..aws.events import EventCursor, last_operation_events
from ..datasafety import decision, termination
from ..datasafety.policy import policy_around_execution
from ..errors import Interrupted, Refused, Story, tell
from ..follow import signals
from ..follow.interrupts import Run, cleanup, cleanup_quietly, interrupted
from ..follow.operation import Followed, watch
from ..request import Request
from ..result import Result
from ..review import ChangeRow
from ..session import Session
from .prepare import Prepared, prepare, show_review, warning_notes

SUCCESS_STATES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})


def run(session: Session, req: Request) -> Result:
    started = session.clock()
    this_run = Run()
    prep: Prepared | None = None
    try:
        prep = prepare(session, req, this_run)
        if prep.cs is None:
            return _nothing_to_do(session, req, prep, started)
        options.show_header(session, req)
        show_review(session, "Change set", req, prep, warning_notes(prep))

        def declined() -> Result:
            assert prep is not None
            said = cleanup(session, this_run)
            return Result(
                stack=req.stack_name,
                operation=prep.operation,
                status=prep.stack_status("NONE"),
                exit_code=exitcodes.FAILED,
                summary="Not executed: declined. " + ", ".join(said),
                changes=prep.change_rows,
                duration_s=session.since(started),
                drift=prep.drift_json,
            )

        return execute_reviewed(session, req, prep, this_run, started, declined=declined)
    except KeyboardInterrupt:
        error = interrupted(session, req.stack_name, this_run, req.on_interrupt)
        _tell_story(session, req, prep, this_run, error)
        raise error from None
    except BaseException as exc:
        cleanup_quietly(session, this_run)
        _tell_story(session, req, prep, this_run, exc)
        raise


def execute_reviewed(
    session: Session,
    req: Request,
    prep: Prepared,
    run: Run,
    started: float,
    *,
    declined: Callable[[], Result],
) -> Result:
    """What follows a review on screen, for a change set made now or a kept one: refuse data loss
    and a --no-rollback replacement, ask (as --require-approval says), execute, follow it."""
    _refuse_data_loss(session, prep, run)
    _refuse_no_rollback_replacement(session, req, prep, run)
    if not _confirmed(session, req, prep):
        return declined()
    done = _execute(session, req, prep, run)
    return _outcome(session, req, prep, done, started)


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
        drift=prep.drift_json,
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


def replaced(change_rows: list[ChangeRow]) -> list[ChangeRow]:
    """Rows whose resource the change set replaces, or may (Replacement True or Conditional)."""
    return [r for r in change_rows if r.replacement in ("True", "Conditional")]


def top_stack_rows(change_rows: list[ChangeRow]) -> list[ChangeRow]:
    """The rows of the top stack: the progress board sees only its events, so a nested row
    (its path holds "/") would stay pending to the end."""
    return [r for r in change_rows if "/" not in r.logical_id]


def _refuse_no_rollback_replacement(
    session: Session, req: Request, prep: Prepared, run: Run
) -> None:
    # Without rollback a failed replacement leaves old and new resource side by side, with
    # nothing to put the stack back: --no-rollback is for in-place iterations only.
    blocking = replaced(prep.change_rows) if req.no_rollback else []
    if not blocking:
        return
    said = cleanup(session, run)
    error = Refused(
        "--no-rollback refused: the change set replaces "
        + ", ".join(f"{r.logical_id} ({r.replacement})" for r in blocking)
        + "; deploy without --no-rollback"
        + (f" ({', '.join(said)})" if said else "")
    )
    error.operation = prep.operation
    error.changes = list(prep.change_rows)
    raise error


def _confirmed(session: Session, req: Request, prep: Prepared) -> bool:
    """--yes, or a y at the prompt; without a terminal to ask on, the run goes ahead. A security
    change that --require-approval says needs a person passes only a y at the prompt: with --yes
    or without a terminal there is no one to ask, and it is refused (exit 3)."""
    needs = securitydiff.needing_approval(req.require_approval, prep.security)
    if needs and (req.yes or not session.console.interactive):
        error = Refused(_approval_refusal(req.require_approval, needs))
        error.operation = prep.operation
        error.changes = list(prep.change_rows)
        raise error
    if req.yes:
        return True
    if not session.console.interactive:
        session.console.info("No terminal to ask on: executing without confirmation.")
        return True
    if needs:
        return session.console.confirm(
            f"This change set changes access ({_approval_summary(needs)}). Execute it?"
        )
    return session.console.confirm("Execute this change set?")


def _approval_summary(needs: list[securitydiff.SecurityRow]) -> str:
    widened = securitydiff.widening(needs)
    named = sorted({f"{r.kind} {r.resource}" for r in (widened or needs)})
    shown = ", ".join(named[:3]) + (f" and {len(named) - 3} more" if len(named) > 3 else "")
    verb = "widen" if widened else "change"
    return f"{len(widened or needs)} row(s) {verb} access: {shown}"


def _approval_refusal(mode: str, needs: list[securitydiff.SecurityRow]) -> str:
    # The pipeline passes `never`: its manual approval before production is the confirmation.
    return (
        f"--require-approval {mode}: in the change set {_approval_summary(needs)}; no person to "
        "confirm it (no terminal, or --yes), so nothing was executed; "
        "pass --require-approval never to accept, e.g. after a reviewed approval"
    )


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
                changesets.execute(
                    session.cfn,
                    prep.cs.arn,
                    token,
                    disable_rollback=req.no_rollback,
                    retain_except_on_create=req.retain_except_on_create,
                )
            except BaseException:
                run.executing = False
                raise
        session.console.info(
            f"Executing change set ({prep.operation}) on stack {req.stack_name}..."
        )
        expect = [(r.logical_id, r.type) for r in top_stack_rows(prep.change_rows)]
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
            operation_id=rootcause.operation_id(done.events, stack),
            drift=prep.drift_json,
        )
    diag = rootcause.diagnose(
        session.cfn, prep.cs.stack_id, done.events, stack=stack, change_set=prep.cs.arn
    )
    return Result(
        stack=req.stack_name,
        operation=prep.operation,
        status=done.status,
        exit_code=exitcodes.FAILED,
        summary=f"Stack {req.stack_name}: {done.status}"
        + (f" ({done.reason})" if done.reason else ""),
        changes=prep.change_rows,
        root_cause=diag.causes,
        duration_s=elapsed,
        operation_id=diag.operation_id,
        cause_notes=diag.notes,
        quiet_notes=diag.quiet,
        drift=prep.drift_json,
    )


def _tell_story(
    session: Session, req: Request, prep: Prepared | None, this_run: Run, exc: BaseException
) -> None:
    """An error after the review still carries what was reviewed, the stack's status read
    again, and, when the operation failed, its root cause: the JSON result tells all of it."""
    if prep is None or prep.cs is None or not isinstance(exc, Exception):
        return
    story = Story(operation=prep.operation, changes=list(prep.change_rows))
    tell(exc, story)
    try:
        stack = stacks.describe(session.cfn, prep.cs.stack_id) or {}
        # A create whose change set was cleaned up leaves no stack behind.
        story.stack_status = str(stack.get("StackStatus") or "DOES_NOT_EXIST")
        if isinstance(exc, (Refused, Interrupted)):
            return  # nothing failed: the tool stopped
        status = story.stack_status or ""
        if this_run.executing and (status.endswith("_FAILED") or "ROLLBACK" in status):
            events = last_operation_events(session.cfn, prep.cs.stack_id)
            diag = rootcause.diagnose(
                session.cfn, prep.cs.stack_id, events, stack=stack, change_set=prep.cs.arn
            )
            story.root_cause, story.operation_id = diag.causes, diag.operation_id
            story.notes = diag.notes + diag.quiet
        else:
            # The stack never failed: the request itself was turned down (ExecuteChangeSet
            # rejected, the follow lost), and that error is the cause.
            story.root_cause = [
                rootcause.Cause(req.stack_name, "AWS::CloudFormation::Stack", _said(exc))
            ]
    except Exception:  # the story is best effort; the error being raised matters more
        return


def _said(exc: Exception) -> str:
    message = getattr(exc, "message", None)
    if isinstance(message, str):
        return message
    return explain(exc) or degraded_reason(exc) or f"{type(exc).__name__}: {exc}"


def _sync_termination_protection(session: Session, req: Request, stack: dict[str, object]) -> None:
    if stack.get("StackId"):
        termination.sync_termination_protection(
            session.cfn,
            req.stack_name,
            termination.parse_switch(req.termination_protection),
            session.warn,
            current=bool(stack.get("EnableTerminationProtection")),
        )
