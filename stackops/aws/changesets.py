"""Change sets: create, wait for, describe (all pages), execute and delete, always by ARN."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import OperationFailed
from ..follow.polling import Poll
from . import validation
from .errors import call_failed, error_code, error_message, is_transient

# The two ways CloudFormation says "nothing to do".
NO_CHANGE_MARKERS = (
    "didn't contain changes",
    "did not contain changes",
    "No updates are to be performed",
)
# A change set is ready in seconds, a large one in a minute or two; past this something is wrong.
READY_LIMIT_S = 600.0
# Transient faults the waiter gave up on (after botocore's own retries) that we wait through.
TRANSIENT_TRIES = 5


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
    import_existing: bool = False,
    deployment_mode: str | None = None,
    include_nested: bool = False,
    role_arn: str | None = None,
    rollback_configuration: dict[str, Any] | None = None,
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
    if import_existing:
        # Sent only when asked: AWS then adopts what qualifies (see stackops/importable.py).
        kwargs["ImportExistingResources"] = True
    if deployment_mode is not None:  # REVERT_DRIFT; unset keeps CloudFormation's default
        kwargs["DeploymentMode"] = deployment_mode
    if include_nested:
        # One change set per nested stack too, so their changes can be reviewed and judged.
        kwargs["IncludeNestedStacks"] = True
    # Sent only when given: CloudFormation then keeps what the stack had (or uses none).
    if role_arn is not None:
        kwargs["RoleARN"] = role_arn
    if rollback_configuration is not None:
        kwargs["RollbackConfiguration"] = rollback_configuration
    try:
        response = cfn.create_change_set(**kwargs)
    except Exception as exc:
        if error_code(exc) == "ValidationError" and is_no_change(error_message(exc)):
            raise NoChanges(error_message(exc)) from None
        failed = call_failed("CreateChangeSet", exc)
        if failed:
            raise OperationFailed(failed) from None
        raise
    return ChangeSet(arn=response["Id"], stack_id=response.get("StackId", ""))


def describe(cfn: Any, arn: str) -> dict[str, Any]:
    """The change set with every page of Changes merged."""
    pages = cfn.get_paginator("describe_change_set").paginate(ChangeSetName=arn)
    merged: dict[str, Any] = pages.build_full_result()
    merged.setdefault("Changes", [])
    return merged


def wait_ready(cfn: Any, cs: ChangeSet, poll: Poll) -> ChangeSet:
    """Until CREATE_COMPLETE; NoChanges or OperationFailed when CloudFormation says FAILED."""
    from botocore.exceptions import WaiterError

    waiter = cfn.get_waiter("change_set_create_complete")
    config = {"Delay": poll.minimum, "MaxAttempts": max(1, math.ceil(READY_LIMIT_S / poll.minimum))}
    for _ in range(TRANSIENT_TRIES):
        try:
            waiter.wait(ChangeSetName=cs.arn, WaiterConfig=config)
        except WaiterError as exc:
            answer = exc.last_response or {}
            if not _transient_answer(answer):
                raise _not_ready(cs, answer, cfn) from None
        except Exception as exc:
            if not is_transient(exc):
                raise
        else:
            return _ready(cfn, cs)
    raise OperationFailed(f"the change set never answered as ready: {cs.arn}")


def _transient_answer(answer: dict[str, Any]) -> bool:
    from botocore.exceptions import ClientError

    return "Error" in answer and is_transient(ClientError(answer, "DescribeChangeSet"))


def _not_ready(cs: ChangeSet, answer: dict[str, Any], cfn: Any = None) -> Exception:
    status = str(answer.get("Status", ""))
    if status != "FAILED":
        if "Error" in answer:
            return OperationFailed(
                f"DescribeChangeSet failed: {answer['Error'].get('Code', 'error')}: "
                f"{answer['Error'].get('Message', '')}"
            )
        return OperationFailed(
            f"the change set is still {status or 'not ready'} after {READY_LIMIT_S:.0f} s"
        )
    reason = str(answer.get("StatusReason", ""))
    cs.status, cs.reason = status, reason
    if is_no_change(reason):
        return NoChanges(reason)
    return _failed(cfn, cs, reason)


def _failed(cfn: Any, cs: ChangeSet, reason: str) -> OperationFailed:
    """The failure with CloudFormation's early-validation errors, which its reason leaves out."""
    message = f"the change set failed: {reason or 'no reason given'}"
    if cfn is None:
        return OperationFailed(message)
    found = validation.of_change_set(cfn, cs.arn)
    details = found.lines()
    if found.errors:
        message += f"; CloudFormation's early validation found {len(found.errors)} error(s):"
    if found.unavailable:
        details = [f"no validation details: DescribeEvents did not answer ({found.unavailable})"]
    error = OperationFailed(message, details)
    error.validation_errors = [e.as_dict() for e in found.errors]
    return error


def _ready(cfn: Any, cs: ChangeSet) -> ChangeSet:
    desc = describe(cfn, cs.arn)
    cs.status = str(desc.get("Status", ""))
    cs.changes = list(desc.get("Changes", []))
    cs.stack_id = str(desc.get("StackId", cs.stack_id))
    return cs


def execute(
    cfn: Any,
    arn: str,
    token: str,
    *,
    disable_rollback: bool = False,
    retain_except_on_create: bool = False,
) -> None:
    # Each flag is sent only when set, so a default run sends what it always sent.
    flags: dict[str, bool] = {}
    if disable_rollback:
        flags["DisableRollback"] = True
    if retain_except_on_create:
        flags["RetainExceptOnCreate"] = True
    try:
        cfn.execute_change_set(ChangeSetName=arn, ClientRequestToken=token, **flags)
    except Exception as exc:
        failed = call_failed("ExecuteChangeSet", exc)
        if failed:
            raise OperationFailed(failed) from None
        raise


def delete(cfn: Any, arn: str) -> bool:
    """Best effort: True when the change set is gone (or already was)."""
    try:
        cfn.delete_change_set(ChangeSetName=arn)
        return True
    except Exception as exc:
        return error_code(exc) in ("ChangeSetNotFound", "ChangeSetNotFoundException")


def describe_kept(cfn: Any, arn: str) -> dict[str, Any] | None:
    """A kept change set with all its changes, or None when it is gone."""
    try:
        return describe(cfn, arn)
    except Exception as exc:
        if _gone(exc):
            return None
        raise


def _gone(exc: BaseException) -> bool:
    # A deleted change set is ChangeSetNotFound; one whose stack is gone, "does not exist".
    code = error_code(exc)
    return code in ("ChangeSetNotFound", "ChangeSetNotFoundException") or (
        code == "ValidationError" and "does not exist" in error_message(exc)
    )


def template_of(cfn: Any, arn: str) -> dict[str, Any] | None:
    """The template a change set would deploy, as it was given to CreateChangeSet."""
    from .stacks import decoded_template

    answer = cfn.get_template(ChangeSetName=arn, TemplateStage="Original")
    return decoded_template(answer.get("TemplateBody"), f"template of change set {arn}")
