"""Nested stacks' change sets: every level's changes, with the templates to judge them against."""

# CreateChangeSet with IncludeNestedStacks=True makes one change set per nested stack; the
# parent's AWS::CloudFormation::Stack change carries its ChangeSetId. Each is described, and its
# nested stacks in turn, as deep as MAX_DEPTH (the depth the delete command looks for buckets).
# A template that cannot be read is None: the data-safety check then judges on the change alone,
# as it does at the top level when the deployed template is missing.

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..inputs import parse_template_text
from .changesets import describe
from .stacks import deployed_template

STACK_TYPE = "AWS::CloudFormation::Stack"
MAX_DEPTH = 5


@dataclass
class NestedChangeSet:
    path: str  # nested-stack logical IDs from the top stack down, "Parent/Child"
    arn: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    old_template: dict[str, Any] | None = None  # the nested stack as deployed (None on add)
    new_template: dict[str, Any] | None = None  # what its change set would deploy


def declares_nested(template: Mapping[str, Any]) -> bool:
    """Whether the template has a nested stack, so the change set should include theirs."""
    resources = template.get("Resources") or {}
    return any(isinstance(r, Mapping) and r.get("Type") == STACK_TYPE for r in resources.values())


def expand(
    cfn: Any, changes: list[dict[str, Any]], prefix: str = "", depth: int = 1
) -> list[NestedChangeSet]:
    """Every nested change set under ``changes``, parents before their children."""
    if depth > MAX_DEPTH:
        return []
    out: list[NestedChangeSet] = []
    for change in changes:
        rc = change.get("ResourceChange") or {}
        arn = rc.get("ChangeSetId")
        if rc.get("ResourceType") != STACK_TYPE or not arn:
            continue
        path = f"{prefix}{rc.get('LogicalResourceId', '')}"
        nested = NestedChangeSet(path, str(arn))
        nested.changes = list(describe(cfn, nested.arn).get("Changes") or [])
        physical = rc.get("PhysicalResourceId")
        if physical and rc.get("Action") != "Add":
            nested.old_template = _quietly(deployed_template, cfn, str(physical))
        nested.new_template = _quietly(_change_set_template, cfn, nested.arn)
        out.append(nested)
        out += expand(cfn, nested.changes, f"{path}/", depth + 1)
    return out


def _change_set_template(cfn: Any, arn: str) -> dict[str, Any] | None:
    body = cfn.get_template(ChangeSetName=arn, TemplateStage="Original").get("TemplateBody")
    if isinstance(body, dict):  # boto3 decodes JSON bodies itself
        return dict(body)
    return None if body is None else parse_template_text(str(body), f"template of {arn}")


def _quietly(
    read: Callable[[Any, str], dict[str, Any] | None], cfn: Any, name: str
) -> dict[str, Any] | None:
    """A template, or None when it cannot be read (denied, gone, unparsable)."""
    try:
        found = read(cfn, name)
    except Exception:
        return None
    return found
