"""The change table a reviewer reads before anything is executed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .datasafety.decision import Judged
from .securitydiff import WIDENS, SecurityRow


@dataclass(frozen=True)
class ChangeRow:
    action: str
    logical_id: str
    type: str
    replacement: str | None  # "True" | "Conditional" | "False" | None (not applicable)
    properties: tuple[str, ...]  # what causes the replacement, else what changes
    verdict: str = ""  # the data-safety check's decision on it, if any

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "logical_id": self.logical_id,
            "type": self.type,
            "action": self.action,
            "replacement": self.replacement,
        }
        # Added keys, present only when they say something, so a review's JSON (the pipeline's
        # approval artifact among them) carries the causes and the data-safety verdicts.
        if self.properties:
            body["caused_by"] = list(self.properties)
        if self.verdict:
            body["safety"] = self.verdict
        return body


def _properties(details: list[dict[str, Any]]) -> tuple[str, ...]:
    """Property names, those forcing recreation first; top-level names, no duplicates."""
    forcing: list[str] = []
    other: list[str] = []
    for detail in details:
        target = detail.get("Target") or {}
        if target.get("Attribute") not in ("Properties", None):
            continue
        name = str(target.get("Name") or "")
        if not name:
            continue
        bucket = (
            forcing if target.get("RequiresRecreation") in ("Always", "Conditionally") else other
        )
        if name not in forcing and name not in other:
            bucket.append(name)
    return tuple(forcing or other)


def rows(changes: list[dict[str, Any]]) -> list[ChangeRow]:
    out = []
    for change in changes:
        rc = change.get("ResourceChange") or {}
        if not rc:
            continue
        action = str(rc.get("Action", ""))
        replacement = rc.get("Replacement")
        if replacement is None and action == "Modify":
            replacement = None  # the change set did not say (as in some emulators)
        out.append(
            ChangeRow(
                action=action,
                logical_id=str(rc.get("LogicalResourceId", "")),
                type=str(rc.get("ResourceType", "")),
                replacement=str(replacement) if replacement is not None else None,
                properties=_properties(rc.get("Details") or []),
            )
        )
    return out


def with_decisions(change_rows: list[ChangeRow], judged: Iterable[Judged]) -> list[ChangeRow]:
    """Show what the data-safety check decided, and fill in what the change set lacks."""
    by_id = {j.verdict.logical_id: j for j in judged}
    out = [_folded(row, by_id.get(row.logical_id)) for row in change_rows]
    seen = {row.logical_id for row in change_rows}
    for j in by_id.values():
        v = j.verdict
        # Predicted offline but absent from the change set: still worth a reviewer's eye.
        if v.logical_id not in seen and (v.refused or v.replacement in ("True", "Conditional")):
            out.append(
                ChangeRow(
                    action=v.action,
                    logical_id=v.logical_id,
                    type=v.resource_type,
                    replacement=v.replacement,
                    properties=tuple(v.properties),
                    verdict=j.decision.value,
                )
            )
    return out


def _folded(row: ChangeRow, judged: Judged | None) -> ChangeRow:
    if judged is None:
        return row
    v = judged.verdict
    return ChangeRow(
        action=row.action,
        logical_id=row.logical_id,
        type=row.type,
        replacement=row.replacement or v.replacement,
        properties=row.properties or tuple(v.properties),
        verdict=judged.decision.value,
    )


HEADERS = ("ACTION", "LOGICAL ID", "TYPE", "REPLACEMENT", "CAUSED BY", "SAFETY")
NO_ROWS = "(no resource changes: parameters, outputs or tags only)"


def cells(change_rows: list[ChangeRow]) -> list[tuple[str, ...]]:
    return [
        (
            r.action,
            r.logical_id,
            r.type,
            r.replacement or "-",
            ", ".join(r.properties) or "-",
            r.verdict or "-",
        )
        for r in change_rows
    ]


def table(change_rows: list[ChangeRow]) -> list[str]:
    """The change table as plain lines, for logs and pipes."""
    if not change_rows:
        return [f"  {NO_ROWS}"]
    lines = [HEADERS, *cells(change_rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADERS))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]


# --------------------------------------------------------------------------- security diff

SECURITY_HEADERS = ("RESOURCE", "KIND", "+/-", "EFFECT", "PRINCIPAL/PEER", "ACTION", "ON", "ACCESS")
# A create lists every statement of the template; the full list is in --output json of plan.
SECURITY_SHOWN = 60


def security_cells(found: list[SecurityRow]) -> list[tuple[str, ...]]:
    return [
        (r.resource, r.kind, r.sign, r.effect, r.principal, r.action, r.target, r.direction)
        for r in found[:SECURITY_SHOWN]
    ]


def security_table(found: list[SecurityRow]) -> list[str]:
    """The security diff as plain lines: a title, the rows, and how many were left out."""
    if not found:
        return []
    widened = sum(1 for r in found if r.direction == WIDENS)
    title = (
        f"Security changes ({len(found)}: {widened} widen access, "
        f"{len(found) - widened} narrow it):"
    )
    lines = [SECURITY_HEADERS, *security_cells(found)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(SECURITY_HEADERS))]
    out = [title] + [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    if len(found) > SECURITY_SHOWN:
        out.append(f"  ... and {len(found) - SECURITY_SHOWN} more (plan --output json lists all)")
    return out
