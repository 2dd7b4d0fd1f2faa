"""Change sets: create, wait for, describe (all pages), execute and delete, always by ARN."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .aws import error_code, error_message, is_transient
from .errors import OperationFailed
from .polling import Poll

# The two ways CloudFormation says "nothing to do".
NO_CHANGE_MARKERS = (
    "didn't contain changes",
    "did not contain changes",
    "No updates are to be performed",
)


class NoChanges(Exception):
    """CloudFormation refused the change set as empty."""


def is_no_change(message: str) -> bool:
    return any(marker in message for marker in NO_CHANGE_MARKERS)


@dataclass
class ChangeSet:
    arn: str
    stack_id: str
    status: str = ""
    reason: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)


def create(
    cfn: Any,
    *,
    stack_name: str,
    name: str,
    change_set_type: str,
    template_args: dict[str, str],
    parameters: list[dict[str, Any]],
    tags: dict[str, str],
    capabilities: list[str],
) -> ChangeSet:
    kwargs: dict[str, Any] = {
        "StackName": stack_name,
        "ChangeSetName": name,
        "ChangeSetType": change_set_type,
        "Parameters": parameters,
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        "Capabilities": capabilities,
        "Description": "deploy.py",
        **template_args,
    }
    try:
        response = cfn.create_change_set(**kwargs)
    except Exception as exc:
        if error_code(exc) == "ValidationError" and is_no_change(error_message(exc)):
            raise NoChanges(error_message(exc)) from None
        if error_code(exc) or type(exc).__name__ == "ResponseParserError":
            raise OperationFailed(
                f"CreateChangeSet failed: {error_code(exc) or 'error'}: {error_message(exc)}"
            ) from None
        raise
    return ChangeSet(arn=response["Id"], stack_id=response.get("StackId", ""))


def describe(cfn: Any, arn: str) -> dict[str, Any]:
    """The change set with every page of Changes merged."""
    first: dict[str, Any] | None = None
    changes: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"ChangeSetName": arn}
        if token:
            kwargs["NextToken"] = token
        page = cfn.describe_change_set(**kwargs)
        if first is None:
            first = page
        changes += page.get("Changes", [])
        token = page.get("NextToken")
        if not token:
            break
    assert first is not None
    first = dict(first)
    first["Changes"] = changes
    first.pop("NextToken", None)
    return first


def wait_ready(cfn: Any, cs: ChangeSet, poll: Poll) -> ChangeSet:
    """Until CREATE_COMPLETE; NoChanges or OperationFailed when CloudFormation says FAILED."""
    delay = poll.minimum
    while True:
        try:
            desc = describe(cfn, cs.arn)
        except Exception as exc:
            if not is_transient(exc):
                raise
            desc = {"Status": "CREATE_IN_PROGRESS"}
        status = str(desc.get("Status", ""))
        if status == "CREATE_COMPLETE":
            cs.status = status
            cs.changes = list(desc.get("Changes", []))
            cs.stack_id = str(desc.get("StackId", cs.stack_id))
            return cs
        if status == "FAILED":
            reason = str(desc.get("StatusReason", ""))
            cs.status, cs.reason = status, reason
            if is_no_change(reason):
                raise NoChanges(reason)
            raise OperationFailed(f"the change set failed: {reason or 'no reason given'}")
        time.sleep(delay)
        delay = poll.next(delay)


def execute(cfn: Any, arn: str, token: str) -> None:
    try:
        cfn.execute_change_set(ChangeSetName=arn, ClientRequestToken=token)
    except Exception as exc:
        if error_code(exc) or type(exc).__name__ == "ResponseParserError":
            raise OperationFailed(
                f"ExecuteChangeSet failed: {error_code(exc) or 'error'}: {error_message(exc)}"
            ) from None
        raise


def delete(cfn: Any, arn: str) -> bool:
    """Best effort: True when the change set is gone (or already was)."""
    try:
        cfn.delete_change_set(ChangeSetName=arn)
        return True
    except Exception as exc:
        return error_code(exc) in ("ChangeSetNotFound", "ChangeSetNotFoundException")
