"""What plan and deploy share: settle the stack, make the change set, judge it, show the review."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..aws import changesets, stacks, uploads
from ..aws.changesets import ChangeSet, NoChanges
from ..datasafety import decision, verdicts
from ..datasafety.decision import Judged
from ..errors import BadInput, OperationFailed
from ..follow import signals
from ..follow.interrupts import Run, cleanup
from ..follow.settle import settle
from ..inputs import capabilities, missing_on_create
from ..options import rollback_configuration
from ..request import Request
from ..review import ChangeRow, rows, with_decisions
from ..session import Session

UNCHANGED = "template, parameters and tags are unchanged"


@dataclass
class Prepared:
    stack: dict[str, Any] | None
    cs: ChangeSet | None
    change_set_type: str
    change_rows: list[ChangeRow] = field(default_factory=list)
    judged: list[Judged] = field(default_factory=list)
    noop_reason: str = ""
    old_template: dict[str, Any] | None = None  # the deployed one, for the stack policy

    @property
    def operation(self) -> str:
        return "create" if self.change_set_type == "CREATE" else "update"

    def stack_status(self, default: str = "") -> str:
        return str((self.stack or {}).get("StackStatus", default))


def prepare(session: Session, req: Request, run: Run, *, mutate: bool = True) -> Prepared:
    """A change set ready for review, or a Prepared without one when nothing would change."""
    stack = settle(
        session,
        req.stack_name,
        mutate=mutate,
        continue_rollback=req.continue_rollback,
        before_recreate=lambda: check_create_inputs(req),
    )
    cs_type = "CREATE" if stack is None else "UPDATE"
    if stack is not None and unchanged(session, req, stack):
        return Prepared(stack, None, cs_type, noop_reason=UNCHANGED)
    old_template = stacks.deployed_template(session.cfn, str(stack["StackId"])) if stack else None
    try:
        cs = _change_set(session, req, run, stack, cs_type)
    except NoChanges as exc:
        return Prepared(stack, None, cs_type, noop_reason=str(exc))
    found = verdicts.assess(cs.changes, old_template, req.template)
    judged = decision.judge(found, req.allow_replacement)
    change_rows = with_decisions(rows(cs.changes), judged)
    return Prepared(stack, cs, cs_type, change_rows, judged, old_template=old_template)


def _change_set(
    session: Session, req: Request, run: Run, stack: dict[str, Any] | None, cs_type: str
) -> ChangeSet:
    """Create the change set and wait until it is ready; the run records it the moment it exists."""
    params = parameters(req, stack)
    template_args = uploads.template_args(
        req.template,
        s3=session.clients.s3,
        sts=session.clients.sts,
        region=session.region,
        artifact_bucket=req.artifact_bucket,
        on_upload=lambda b, k, n: session.console.info(
            f"Template is {n:,} bytes (over 51,200): uploaded to s3://{b}/{k}"
        ),
    )
    tags = dict(req.inputs.tags) or (stacks.tags_of(stack) if stack is not None else {})
    with signals.held():
        cs = changesets.create(
            session.cfn,
            stack_name=req.stack_name,
            name=stacks.request_token("cs"),
            change_set_type=cs_type,
            template_args=template_args,
            parameters=params,
            tags=tags,
            capabilities=capabilities(req.template),
            import_existing=req.import_existing,
            role_arn=req.role_arn,
            rollback_configuration=rollback_configuration(req.rollback_alarms, req.monitor_minutes),
        )
        run.change_set_arn = cs.arn
        run.stack_id = cs.stack_id
        run.change_set_type = cs_type
        if cs_type == "CREATE":
            run.review_stack_id = cs.stack_id
    try:
        return changesets.wait_ready(session.cfn, cs, session.poll)
    except (NoChanges, OperationFailed):
        cleanup(session, run)
        raise


def parameters(req: Request, stack: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Given values; on update, the previous value of every other parameter still declared."""
    given = req.inputs.parameters
    if stack is None:
        check_create_inputs(req)
        return [{"ParameterKey": k, "ParameterValue": v} for k, v in given.items()]
    previous = {p["ParameterKey"] for p in stack.get("Parameters") or []}
    out: list[dict[str, Any]] = []
    for key in req.template.get("Parameters") or {}:
        if key in given:
            out.append({"ParameterKey": key, "ParameterValue": given[key]})
        elif key in previous:
            # Only what the new template still declares; the rest would be rejected.
            out.append({"ParameterKey": key, "UsePreviousValue": True})
    return out


def check_create_inputs(req: Request) -> None:
    missing = missing_on_create(req.template, req.inputs.parameters)
    if missing:
        raise BadInput(
            "no value for parameter(s) without a default: "
            + ", ".join(missing)
            + "; pass --parameter NAME=VALUE or a --parameters file"
        )


def unchanged(session: Session, req: Request, stack: dict[str, Any]) -> bool:
    """Template, parameters and tags identical to the stack's: no change set needed."""
    old = stacks.deployed_template(session.cfn, str(stack["StackId"]))
    if old is None or old != req.template:
        return False
    current = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters") or []}
    given = req.inputs.parameters
    for key, spec in (req.template.get("Parameters") or {}).items():
        if str((spec or {}).get("NoEcho", "")).lower() == "true" and key in given:
            return False  # masked on the stack: cannot tell
        if key in given and current.get(key) != given[key]:
            return False
        if key not in current:
            return False  # a newly declared parameter
    return not req.inputs.tags or stacks.tags_of(stack) == req.inputs.tags


def show_review(
    session: Session, verb: str, req: Request, prep: Prepared, notes: list[str]
) -> None:
    n = len(prep.change_rows)
    session.console.review(
        f"{verb} for stack {req.stack_name} ({prep.change_set_type}, {n} resource change"
        f"{'' if n == 1 else 's'}):",
        prep.change_rows,
        notes,
    )


def warning_notes(prep: Prepared) -> list[str]:
    return [decision.warning_message(v) for v in decision.warnings(prep.judged)]


def refusal_notes(prep: Prepared) -> list[str]:
    return [decision.refusal_message(v) for v in decision.refusals(prep.judged)]
