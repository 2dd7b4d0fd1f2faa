"""Resources to skip when a rollback is continued: found in the stack (``Nested.LogicalId`` for
one in a nested stack), and refused when stateful unless --allow-replacement names them too.

Skipping tells CloudFormation a resource is rolled back when it is not: the stack then records
a database, bucket or key that is out of step with the real one, and the next update acts on
what the stack records. For a stateful resource that can lose data, so it takes both flags."""

from __future__ import annotations

from typing import Any

from ..aws import stacks
from ..datasafety.verdicts import STATEFUL_TYPES
from ..errors import BadInput, Refused
from ..session import Session

NESTED_STACK = "AWS::CloudFormation::Stack"


def check_skips(
    session: Session, stack: dict[str, Any], skip: tuple[str, ...], allow: tuple[str, ...]
) -> None:
    """BadInput for an ID the stack does not hold, Refused for a stateful one not allowed."""
    if not skip:
        return
    name = str(stack["StackName"])
    types = {lid: _type_of(session, str(stack["StackId"]), lid.split(".")) for lid in skip}
    missing = [lid for lid, rtype in types.items() if rtype is None]
    if missing:
        raise BadInput(
            f"--skip-resource {', '.join(missing)}: no such resource in stack {name} "
            "(a resource of a nested stack is named Nested.LogicalId)"
        )
    refused = [lid for lid, t in types.items() if t in STATEFUL_TYPES and lid not in allow]
    if refused:
        what = ", ".join(f"{lid} ({types[lid]})" for lid in refused)
        flags = " ".join(f"--allow-replacement {lid}" for lid in refused)
        raise Refused(
            f"refusing to skip stateful {what}: the stack would record it as rolled back while "
            f"its data is not; if that is intended, rerun also with {flags}"
        )


def _type_of(session: Session, stack_id: str, path: list[str]) -> str | None:
    """The resource type at ``path`` (logical IDs, outermost first), or None when absent."""
    found = {
        str(r.get("LogicalResourceId")): r
        for r in stacks.resources(session.cfn, stack_id)
        if r.get("LogicalResourceId")
    }
    row = found.get(path[0])
    if row is None:
        return None
    if len(path) == 1:
        return str(row.get("ResourceType", ""))
    nested = str(row.get("PhysicalResourceId") or "")
    if row.get("ResourceType") != NESTED_STACK or not nested:
        return None
    return _type_of(session, nested, path[1:])
