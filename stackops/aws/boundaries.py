"""A stack's managed policies that roles outside the stack carry as their permissions boundary.

IAM refuses to delete a policy still in use as a boundary (DeleteConflict), so deleting such a
stack would empty its buckets, unprotect its databases and then stop half-way on the policy. The
platform's StagingBoundary is one: every role of the staging platform the pipeline deploys
carries it, so the staging stacks must go first (docs/isolation.md, "Deleting").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

POLICY = "AWS::IAM::ManagedPolicy"
ROLE = "AWS::IAM::Role"
# CloudFormation's own tag on what it creates, where the resource type takes tags.
STACK_TAG = "aws:cloudformation:stack-name"
# Enough to say which stacks to delete first; the count says how many more there are.
NAMED_AT_MOST = 5


@dataclass(frozen=True)
class Holder:
    role: str
    stack: str | None  # the stack that made the role, when its tags say


def outside_holders(
    iam: Any, policy_arns: Iterable[str], own_roles: Iterable[str]
) -> dict[str, list[Holder]]:
    """Policy ARN -> the roles outside the stack that carry it as their boundary."""
    own = set(own_roles)
    found: dict[str, list[Holder]] = {}
    for arn in policy_arns:
        pages = iam.get_paginator("list_entities_for_policy").paginate(
            PolicyArn=arn, EntityFilter="Role", PolicyUsageFilter="PermissionsBoundary"
        )
        names = [r["RoleName"] for page in pages for r in page.get("PolicyRoles", [])]
        outside = [name for name in names if name not in own]
        if outside:
            found[arn] = [Holder(name, _stack_of(iam, name)) for name in outside[:NAMED_AT_MOST]]
            found[arn] += [Holder(name, None) for name in outside[NAMED_AT_MOST:]]
    return found


def _stack_of(iam: Any, role: str) -> str | None:
    tags = iam.list_role_tags(RoleName=role).get("Tags", [])
    return next((str(t["Value"]) for t in tags if t["Key"] == STACK_TAG), None)


def refusal(stack: str, holders: dict[str, list[Holder]]) -> str:
    """One line: which policy, how many roles hold it, which stacks to delete first."""
    arn, roles = next(iter(holders.items()))
    stacks = sorted({h.stack for h in roles if h.stack})
    named = ", ".join(stacks) if stacks else ", ".join(h.role for h in roles[:NAMED_AT_MOST])
    what = "stacks" if stacks else "roles"
    return (
        f"stack {stack}: its policy {arn.rsplit('/', 1)[-1]} is the permissions boundary of "
        f"{len(roles)} role(s) outside it, and IAM refuses to delete it while they exist; "
        f"delete refused before anything was changed. Delete these {what} first: {named}"
    )
