"""Drift before deploy: what drifted (actual, last deployed, desired) and what the run does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from .aws import drift as aws_drift
from .aws import stacks
from .errors import Refused
from .request import Request
from .session import Session

FAIL, WARN, REVERT = "fail", "warn", "revert"
ON_DRIFT = (FAIL, WARN, REVERT)
REVERT_DRIFT = "REVERT_DRIFT"  # CreateChangeSet's DeploymentMode
# A stack is production when one of its tags (the stack's own, or one this run gives) has one of
# these keys and one of these values, both compared without case.
PRODUCTION_KEYS = frozenset({"environment", "env", "stage"})
PRODUCTION_VALUES = frozenset({"production", "prod"})
DRIFTED_STATES = frozenset({"MODIFIED", "DELETED"})
UNCHECKED_STATES = frozenset({"NOT_CHECKED", "UNKNOWN", "UNSUPPORTED"})
SHOWN_CHARS = 120  # a value longer than this is cut in the human lines (the JSON keeps it whole)


class DriftRefused(Refused):
    """--on-drift fail (the default on a production stack) met drift; carries the report."""

    def __init__(self, message: str, details: list[str], report: DriftReport) -> None:
        super().__init__(message, details)
        self.drift = report.as_json()


@dataclass(frozen=True)
class Difference:
    path: str
    actual: Any
    deployed: Any
    desired: Any
    kind: str = "NOT_EQUAL"  # ADD | REMOVE | NOT_EQUAL

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "actual": self.actual,
            "last_deployed": self.deployed,
            "desired": self.desired,
            "difference": self.kind,
        }


@dataclass(frozen=True)
class Drifted:
    logical_id: str
    type: str
    status: str  # MODIFIED | DELETED
    differences: tuple[Difference, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "logical_id": self.logical_id,
            "type": self.type,
            "status": self.status,
            "differences": [d.as_dict() for d in self.differences],
        }


@dataclass(frozen=True)
class Unchecked:
    logical_id: str
    type: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"logical_id": self.logical_id, "type": self.type, "reason": self.reason}


@dataclass
class DriftReport:
    """What drift detection said about the stack and what this run does about it."""

    mode: str  # fail | warn | revert: the chosen one
    production: bool
    checked: bool
    reason: str = ""  # why it was not checked, or why the detection failed in part
    drifted: list[Drifted] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)

    @property
    def deployment_mode(self) -> str | None:
        return REVERT_DRIFT if self.mode == REVERT else None

    def as_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "reason": self.reason or None,
            "mode": self.mode,
            "production": self.production,
            "drifted": [d.as_dict() for d in self.drifted],
            "not_checked": [u.as_dict() for u in self.unchecked],
        }


def is_production(tags: Mapping[str, str]) -> bool:
    return any(
        k.strip().lower() in PRODUCTION_KEYS and v.strip().lower() in PRODUCTION_VALUES
        for k, v in tags.items()
    )


def chosen_mode(on_drift: str | None, production: bool) -> str:
    """The flag when given; else fail on a production stack and warn on any other."""
    if on_drift is not None:
        return on_drift
    return FAIL if production else WARN


def pointer(document: Any, path: str) -> tuple[bool, Any]:
    """(found, value) at a JSON-pointer ``path`` like ``/Tags/0/Value``."""
    node = document
    for raw in [p for p in path.split("/") if p]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def _properties_json(record: Mapping[str, Any], key: str) -> Any:
    try:
        return json.loads(str(record.get(key) or "null"))
    except ValueError:
        return None


def drifted_resource(record: Mapping[str, Any], desired: Mapping[str, Any]) -> Drifted:
    """One MODIFIED/DELETED record with its three values per property; ``desired`` is the
    resource's Properties in the new template (resolved where possible), {} when it is gone."""
    actual_props = _properties_json(record, "ActualProperties")
    expected_props = _properties_json(record, "ExpectedProperties")
    differences = []
    for diff in record.get("PropertyDifferences") or []:
        path = str(diff.get("PropertyPath", ""))
        inner = path.removeprefix("/Properties")
        actual = diff.get("ActualValue", pointer(actual_props, inner)[1])
        deployed = diff.get("ExpectedValue", pointer(expected_props, inner)[1])
        found, wanted = pointer(desired, inner)
        differences.append(
            Difference(
                path=path,
                actual=actual,
                deployed=deployed,
                desired=wanted if found else None,
                kind=str(diff.get("DifferenceType", "NOT_EQUAL")),
            )
        )
    return Drifted(
        logical_id=str(record.get("LogicalResourceId", "")),
        type=str(record.get("ResourceType", "")),
        status=str(record.get("StackResourceDriftStatus", "")),
        differences=tuple(differences),
    )


def unchecked_resources(detection: aws_drift.Detection) -> list[Unchecked]:
    """Records drift detection could not judge, and resources it has no record for."""
    out = [
        Unchecked(
            logical_id=str(r.get("LogicalResourceId", "")),
            type=str(r.get("ResourceType", "")),
            reason=str(r.get("DriftStatusReason") or r.get("StackResourceDriftStatus", "")),
        )
        for r in detection.records
        if r.get("StackResourceDriftStatus") in UNCHECKED_STATES
    ]
    out += [
        Unchecked(
            logical_id=str(r.get("LogicalResourceId", "")),
            type=str(r.get("ResourceType", "")),
            reason="drift detection does not support this resource type",
        )
        for r in detection.unlisted
        if r.get("LogicalResourceId")
    ]
    return out


def _stack_pseudo(stack: Mapping[str, Any]) -> dict[str, Any]:
    """The pseudo parameters' real values for this stack, read from its ARN."""
    stack_id = str(stack.get("StackId", ""))
    parts = stack_id.split(":")
    if len(parts) < 6:
        return {"AWS::StackName": str(stack.get("StackName", ""))}
    return {
        "AWS::Partition": parts[1],
        "AWS::Region": parts[3],
        "AWS::AccountId": parts[4],
        "AWS::StackId": stack_id,
        "AWS::StackName": str(stack.get("StackName", "")),
        "AWS::NotificationARNs": list(stack.get("NotificationARNs") or []),
    }


def desired_properties(req: Request, stack: Mapping[str, Any]) -> dict[str, Any]:
    """Each resource's Properties in the new template, resolved where the values are known.

    Parameters are the given values, else the stack's previous ones; a NoEcho value is shown
    masked, never as given. Whatever cannot be resolved stays as written.
    """
    from cfnmodel import resolve

    declared = req.template.get("Parameters") or {}
    previous = {
        str(p["ParameterKey"]): str(p.get("ParameterValue", ""))
        for p in stack.get("Parameters") or []
    }
    values = {**previous, **req.inputs.parameters}
    for name, spec in declared.items():
        if str((spec or {}).get("NoEcho", "")).lower() == "true" and name in values:
            values[name] = "****"
    template = req.template
    # What cannot be resolved (a malformed or unresolvable expression) is shown as written.
    with suppress(resolve.ResolveError, KeyError, TypeError, ValueError, IndexError):
        template = resolve.resolved(
            req.template,
            {k: v for k, v in values.items() if k in declared},
            pseudo=_stack_pseudo(stack),
        )
    resources = template.get("Resources") or {}
    return {lid: (body or {}).get("Properties") or {} for lid, body in resources.items()}


def shown(value: Any) -> str:
    if value is None:
        return "(not set)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def lines(report: DriftReport, stack_name: str) -> list[str]:
    """What a reviewer reads before the change set: each drifted property's three values."""
    if not report.checked:
        return [f"Drift not checked on stack {stack_name} (going on without it): {report.reason}"]
    n = len(report.drifted)
    head = (
        f"Drift on stack {stack_name}: {n} resource(s) drifted"
        if n
        else (f"Drift on stack {stack_name}: none found")
    )
    out = [head + (f" ({report.reason})" if report.reason else "")]
    for item in report.drifted:
        out.append(f"  {item.logical_id} ({item.type}): {item.status}")
        if item.status == "DELETED":
            out.append("    deleted outside CloudFormation")
        for d in item.differences:
            out.append(
                f"    {d.path}: actual {shown(d.actual)} | last deployed {shown(d.deployed)}"
                f" | desired {shown(d.desired)}"
            )
    for u in report.unchecked:
        out.append(f"  not checked: {u.logical_id} ({u.type}): {u.reason}")
    return out


def verdict(report: DriftReport, stack_name: str) -> None:
    """Stop the run under --on-drift fail when drift was found; every other case goes on."""
    if report.mode != FAIL or not report.drifted:
        return
    why = "the default for a production-tagged stack" if report.production else "--on-drift fail"
    raise DriftRefused(
        f"stack {stack_name} has drifted ({why}); nothing was changed: rerun with "
        "--on-drift revert to put the drifted properties back, or --on-drift warn to deploy "
        "over the drift",
        [f"drifted: {d.logical_id} ({d.type}) {d.status}" for d in report.drifted],
        report,
    )


def check(session: Session, req: Request, stack: Mapping[str, Any] | None) -> DriftReport | None:
    """Detect drift on an existing stack, show it, and stop or go on as --on-drift says.

    None on create (no stack). Drift that cannot be checked is one line, and the run goes on.
    """
    if stack is None:
        return None
    # Either the stack's tags or the ones this run gives: a production stack is never
    # mistaken for another by a run that changes its tags.
    production = is_production(stacks.tags_of(dict(stack))) or is_production(req.inputs.tags)
    report = DriftReport(chosen_mode(req.on_drift, production), production, checked=False)
    try:
        found = aws_drift.detect(
            session.cfn,
            str(stack.get("StackId") or req.stack_name),
            session.poll,
            clock=session.clock,
            sleep=session.sleep,
        )
    except aws_drift.DriftUnavailable as exc:
        report.reason = str(exc)
    else:
        report.checked = True
        if found.status != "DETECTION_COMPLETE":
            report.reason = f"{found.status}: {found.reason}".rstrip(": ")
        desired = desired_properties(req, stack)
        report.drifted = [
            drifted_resource(r, desired.get(str(r.get("LogicalResourceId")), {}))
            for r in found.records
            if r.get("StackResourceDriftStatus") in DRIFTED_STATES
        ]
        report.unchecked = unchecked_resources(found)
    for line in lines(report, req.stack_name):
        session.console.info(line)
    verdict(report, req.stack_name)
    return report
