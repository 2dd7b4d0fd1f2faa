"""plan: make a change set, show what it would do and what the data-safety check says, delete it."""

from __future__ import annotations

from clikit import exitcodes

from .. import options, securitydiff
from ..aws import changesets, stacks
from ..datasafety import decision
from ..errors import Interrupted
from ..follow.interrupts import Run, cleanup_quietly
from ..follow.settle import WouldReplace
from ..request import Request
from ..result import Result
from ..session import Session
from .execute_kept import review_basis
from .prepare import Prepared, prepare, refusal_notes, show_review, warning_notes


def run(session: Session, req: Request) -> Result:
    started = session.clock()
    name = req.stack_name
    try:
        prep, said = _reviewed(session, req)
    except WouldReplace as exc:
        status = str((stacks.describe(session.cfn, name) or {}).get("StackStatus", ""))
        return Result(
            stack=name,
            operation="plan",
            status=status,
            exit_code=exitcodes.CHANGES,
            summary=f"Plan for {name}: {exc}",
            duration_s=session.since(started),
            security=[],
        )
    if prep.cs is None:
        return Result(
            stack=name,
            operation="plan",
            status=prep.stack_status(),
            exit_code=exitcodes.OK,
            summary=f"No changes for stack {name}: {prep.noop_reason}",
            duration_s=session.since(started),
            drift=prep.drift_json,
            security=[],
        )
    summary = f"Plan for {name}: {len(prep.change_rows)} change(s); " + ", ".join(said)
    refused = decision.refusals(prep.judged)
    if refused:
        summary += f"; {len(refused)} change(s) would be refused by the data-safety check"
    summary += _approval_note(req, prep)
    result = Result(
        stack=name,
        operation="plan",
        status=prep.stack_status("NONE"),
        exit_code=exitcodes.CHANGES,
        summary=summary,
        changes=prep.change_rows,
        duration_s=session.since(started),
        drift=prep.drift_json,
        security=prep.security,
    )
    if req.keep_change_set:
        kept_basis(session, prep, result)
    return result


def _approval_note(req: Request, prep: Prepared) -> str:
    needs = securitydiff.needing_approval(req.require_approval, prep.security)
    if not needs:
        return ""
    return (
        f"; {len(needs)} security change(s) need a person's confirmation in deploy "
        f"(--require-approval {req.require_approval})"
    )


def _reviewed(session: Session, req: Request) -> tuple[Prepared, list[str]]:
    """The prepared change set, shown; plan always removes what it made, whatever happens."""
    run = Run()
    said: list[str] = []
    try:
        prep = prepare(session, req, run, mutate=False)
        if prep.cs is not None:
            # deploy states its refusals once, in the error that stops it; plan has no such error.
            options.show_header(session, req)
            show_review(session, "Plan", req, prep, refusal_notes(prep) + warning_notes(prep))
            if req.keep_change_set:
                said.append(keep(session, run))
    except KeyboardInterrupt:
        said += cleanup_quietly(session, run)
        raise Interrupted(
            "interrupted during review: " + (", ".join(said) or "nothing was created")
        ) from None
    finally:
        said += cleanup_quietly(session, run)
    return prep, said


def keep(session: Session, run: Run) -> str:
    """Leave the reviewed change set (and, on create, its review stack) for deploy --change-set:
    the run forgets them, so its cleanup deletes neither."""
    session.console.info(f"Change set kept for deploy --change-set: {run.change_set_arn}")
    run.change_set_arn = None
    run.review_stack_id = None
    return "change set kept"


def kept_basis(session: Session, prep: Prepared, result: Result) -> None:
    """The kept change set's ARN and what the review was based on, for the JSON result."""
    assert prep.cs is not None
    desc = changesets.describe(session.cfn, prep.cs.arn)
    result.change_set_arn = prep.cs.arn
    result.review_basis = review_basis(desc, stacks.describe(session.cfn, prep.cs.stack_id))
    session.console.info(f"Review fingerprint: {result.review_basis['review_fingerprint']}")
