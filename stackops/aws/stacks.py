"""Stacks as CloudFormation answers about them: describe, resources, deployed template, outputs."""

from __future__ import annotations

import json
import uuid
from typing import Any

from ..errors import BadInput
from ..inputs import parse_template_text
from .errors import stack_missing


def request_token(kind: str) -> str:
    """A ClientRequestToken: CloudFormation stamps it on the operation's events."""
    return f"deploy-{kind}-{uuid.uuid4().hex[:16]}"


def describe(cfn: Any, name: str) -> dict[str, Any] | None:
    """The stack (by name or ID), or None when it does not exist."""
    try:
        stacks = cfn.describe_stacks(StackName=name).get("Stacks", [])
    except Exception as exc:
        if stack_missing(exc):
            return None
        raise
    return dict(stacks[0]) if stacks else None


def resources(cfn: Any, stack: str) -> list[dict[str, Any]]:
    """Every resource summary of the stack, all pages."""
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
    return [r for page in pages for r in page.get("StackResourceSummaries", [])]


def deployed_template(cfn: Any, stack: str) -> dict[str, Any] | None:
    """The template the stack was last deployed with, or None when it cannot be read."""
    body = cfn.get_template(StackName=stack, TemplateStage="Original").get("TemplateBody")
    return decoded_template(body, f"deployed template of {stack}")


def outputs_of(stack: dict[str, Any]) -> dict[str, str]:
    return {str(o["OutputKey"]): str(o.get("OutputValue", "")) for o in stack.get("Outputs") or []}


def tags_of(stack: dict[str, Any]) -> dict[str, str]:
    return {str(t["Key"]): str(t["Value"]) for t in stack.get("Tags") or []}


def delete(cfn: Any, stack_id: str, token: str | None = None) -> None:
    kwargs = {"ClientRequestToken": token} if token else {}
    cfn.delete_stack(StackName=stack_id, **kwargs)


def continue_rollback(cfn: Any, stack_id: str, token: str) -> None:
    cfn.continue_update_rollback(StackName=stack_id, ClientRequestToken=token)


def cancel_update(cfn: Any, stack_id: str, token: str) -> None:
    cfn.cancel_update_stack(StackName=stack_id, ClientRequestToken=token)


def set_policy(cfn: Any, stack: str, policy: dict[str, Any]) -> None:
    cfn.set_stack_policy(StackName=stack, StackPolicyBody=json.dumps(policy, sort_keys=True))


def termination_protection(cfn: Any, stack: str) -> bool:
    stacks = cfn.describe_stacks(StackName=stack).get("Stacks") or [{}]
    return bool(stacks[0].get("EnableTerminationProtection", False))


def set_termination_protection(cfn: Any, stack: str, enabled: bool) -> None:
    cfn.update_termination_protection(StackName=stack, EnableTerminationProtection=enabled)


def continue_rollback_skipping(cfn: Any, stack_id: str, token: str, skip: list[str]) -> None:
    """ContinueUpdateRollback that marks ``skip`` as rolled back without rolling them back."""
    cfn.continue_update_rollback(StackName=stack_id, ClientRequestToken=token, ResourcesToSkip=skip)


def rollback(cfn: Any, stack_id: str, token: str) -> None:
    """RollbackStack: from CREATE_FAILED or UPDATE_FAILED back to the last stable state."""
    cfn.rollback_stack(StackName=stack_id, ClientRequestToken=token)


def force_delete(cfn: Any, stack_id: str, token: str) -> None:
    """DeleteStack of a DELETE_FAILED stack that leaves what failed to delete behind."""
    cfn.delete_stack(
        StackName=stack_id, ClientRequestToken=token, DeletionMode="FORCE_DELETE_STACK"
    )


def decoded_template(body: Any, source: str) -> dict[str, Any] | None:
    """A GetTemplate TemplateBody as a dict, or None when it cannot be read."""
    if body is None:
        return None
    if isinstance(body, dict):  # boto3 decodes JSON bodies itself
        decoded: dict[str, Any] = json.loads(json.dumps(body))
        return decoded
    try:
        return parse_template_text(str(body), source)
    except BadInput:
        return None


def delete_as(cfn: Any, stack_id: str, token: str, role_arn: str) -> None:
    """DeleteStack with the service role CloudFormation deletes the resources with."""
    cfn.delete_stack(StackName=stack_id, ClientRequestToken=token, RoleARN=role_arn)


def latest_events(cfn: Any, stack: str) -> list[dict[str, Any]]:
    """The first page of the stack's events, newest first."""
    return list(cfn.describe_stack_events(StackName=stack).get("StackEvents") or [])
