"""What a stack owns, nested stacks included: each resource under its path, and the
DeletionPolicy each deployed template gives it.

Everything comes from this stack's own answers (GetTemplate, ListStackResources, then the same
for each nested stack it lists), never from names, so another stack's resource never shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import stacks
from .errors import stack_missing

MAX_NESTED_DEPTH = 5
NESTED_STACK = "AWS::CloudFormation::Stack"
# The policy of every resource of a stack whose deployed template cannot be read: not a string,
# so the delete counts it as keeping. Not knowing whether data may go means it stays.
UNREADABLE = {"UnreadableTemplate": "the deployed template could not be read"}


@dataclass(frozen=True)
class Owned:
    # The logical ID; "Outer/Inner" for the resource Inner of the nested stack Outer.
    path: str
    type: str
    physical: str


@dataclass
class Inventory:
    resources: list[Owned] = field(default_factory=list)
    # Path -> DeletionPolicy as the deployed template writes it: a string, or an intrinsic
    # function (a dict) under the AWS::LanguageExtensions transform.
    policies: dict[str, Any] = field(default_factory=dict)

    def of_type(self, *types: str) -> list[Owned]:
        return [r for r in self.resources if r.type in types]


def inventory(cfn: Any, stack_id: str) -> Inventory:
    """The stack's resources and DeletionPolicies, nested stacks down to MAX_NESTED_DEPTH.

    Per stack the template is read before the resources are listed, so that a resource is
    never listed without the policy that decides whether its data outlives the stack.
    """
    found = Inventory()
    _walk(cfn, stack_id, "", 0, found)
    return found


def _walk(cfn: Any, stack_id: str, prefix: str, depth: int, found: Inventory) -> None:
    template = stacks.deployed_template(cfn, stack_id)
    for lid, res in ((template or {}).get("Resources") or {}).items():
        if isinstance(res, dict) and "DeletionPolicy" in res:
            found.policies[f"{prefix}{lid}"] = res["DeletionPolicy"]
    for r in stacks.resources(cfn, stack_id):
        physical = str(r.get("PhysicalResourceId") or "")
        if not physical:
            continue
        path = f"{prefix}{r.get('LogicalResourceId') or ''}"
        rtype = str(r.get("ResourceType") or "")
        found.resources.append(Owned(path, rtype, physical))
        if template is None:
            found.policies[path] = UNREADABLE
        if rtype == NESTED_STACK and depth < MAX_NESTED_DEPTH:
            _nested(cfn, physical, f"{path}/", depth + 1, found)


def _nested(cfn: Any, stack_id: str, prefix: str, depth: int, found: Inventory) -> None:
    try:
        _walk(cfn, stack_id, prefix, depth, found)
    except Exception as exc:
        if not stack_missing(exc):
            raise
