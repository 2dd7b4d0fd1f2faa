"""What plan and deploy share: settle the stack, make the change set, judge it, show the review."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .. import drift, preflight, securitydiff
from ..aws import changesets, nested, stacks, uploads
from ..aws.changesets import ChangeSet, NoChanges
from ..datasafety import decision, verdicts
from ..datasafety.decision import Judged
from ..drift import DriftReport
from ..errors import BadInput, OperationFailed
from ..follow import signals
from ..follow.interrupts import Run, cleanup
from ..follow.settle import settle
from ..inputs import capabilities, missing_on_create
from ..options import rollback_configuration
from ..render import show_security
from ..request import Request
from ..review import ChangeRow, rows, with_decisions
from ..securitydiff import SecurityRow
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
    drift: DriftReport | None = None  # None on create: no stack to drift
    security: list[SecurityRow] = field(default_factory=list)  # what widens or narrows access

    @property
    def operation(self) -> str:
        return "create" if self.change_set_type == "CREATE" else "update"

    @property
    def drift_json(self) -> dict[str, Any] | None:
        return None if self.drift is None else self.drift.as_json()

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
        request=req,
    )
    found_drift = drift.check(session, req, stack)  # may stop the run (--on-drift fail)
    mode = found_drift.deployment_mode if found_drift is not None else None
    cs_type = "CREATE" if stack is None else "UPDATE"
    # Reverting drift needs a change set even when the template is the deployed one.
    if stack is not None and mode is None and unchanged(session, req, stack):
        return Prepared(stack, None, cs_type, noop_reason=UNCHANGED, drift=found_drift)
    preflight.run(session, req, stack)
    old_template = stacks.deployed_template(session.cfn, str(stack["StackId"])) if stack else None
    try:
        cs = _change_set(session, req, run, stack, cs_type, deployment_mode=mode)
    except NoChanges as exc:
        return Prepared(stack, None, cs_type, noop_reason=str(exc), drift=found_drift)
    found = verdicts.assess(cs.changes, old_template, req.template)
    judged = decision.judge(found, req.allow_replacement)
    change_rows = with_decisions(rows(cs.changes), judged)
    nested_rows, nested_judged = nested_review(session, cs.changes, req.allow_replacement)
    change_rows, judged = change_rows + nested_rows, judged + nested_judged
    prep = Prepared(
        stack, cs, cs_type, change_rows, judged, old_template=old_template, drift=found_drift
    )
    prep.security = security_changes(req, stack, old_template)
    return prep


def _change_set(
    session: Session,
    req: Request,
    run: Run,
    stack: dict[str, Any] | None,
    cs_type: str,
    *,
    deployment_mode: str | None = None,
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
            deployment_mode=deployment_mode,
            include_nested=nested.declares_nested(req.template),
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
    show_security(session.console, prep.security)


def warning_notes(prep: Prepared) -> list[str]:
    notes = [decision.warning_message(v) for v in decision.warnings(prep.judged)]
    if prep.drift is not None and prep.drift.deployment_mode is not None:
        notes.append(
            f"change set made with DeploymentMode {prep.drift.deployment_mode} (--on-drift "
            "revert): drifted properties go back to the template's values"
        )
    return notes


def refusal_notes(prep: Prepared) -> list[str]:
    return [decision.refusal_message(v) for v in decision.refusals(prep.judged)]


def nested_review(
    session: Session, changes: list[dict[str, Any]], allow: tuple[str, ...]
) -> tuple[list[ChangeRow], list[Judged]]:
    """Every nested stack's changes, judged like the top stack's; IDs are paths from the top
    ("Parent/Child/Db"), and --allow-replacement names a nested resource by that path."""
    out_rows: list[ChangeRow] = []
    out_judged: list[Judged] = []
    for child in nested.expand(session.cfn, changes):
        # Without the new template a diff would see every resource removed: judge on the change.
        new = child.new_template
        found = verdicts.assess(child.changes, child.old_template if new else None, new or {})
        pathed = [replace(v, logical_id=f"{child.path}/{v.logical_id}") for v in found]
        judged = decision.judge(pathed, allow)
        child_rows = [
            replace(r, logical_id=f"{child.path}/{r.logical_id}") for r in rows(child.changes)
        ]
        out_rows += with_decisions(child_rows, judged)
        out_judged += judged
    return out_rows, out_judged


def security_changes(
    req: Request, stack: dict[str, Any] | None, old_template: dict[str, Any] | None
) -> list[SecurityRow]:
    """The security diff of the deployed template and the new one, each resolved with its
    parameter values; on update a parameter not given keeps the stack's value."""
    previous = {
        str(p["ParameterKey"]): str(p.get("ParameterValue", ""))
        for p in (stack or {}).get("Parameters") or []
    }
    return securitydiff.diff(
        old_template, req.template, previous, {**previous, **req.inputs.parameters}
    )
