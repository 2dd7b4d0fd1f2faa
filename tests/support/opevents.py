"""DescribeEvents and hook-result answers shaped as botocore 1.44's service model has them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.support.stubbed import CS_ARN, STACK_ID, T0

OP_ID = "op-update-1"
HOOK_ID = "11111111-2222-3333-4444-555555555551"
HOOK = "Edu::Security::EncryptionHook"
FAILED_ONLY = {"FailedEvents": True}


def op_event(
    n: int,
    lid: str,
    status: str,
    reason: str = "",
    *,
    rtype: str = "AWS::SNS::Topic",
    stack_id: str = STACK_ID,
    physical: str | None = None,
    op_id: str = OP_ID,
    **extra: Any,
) -> dict[str, Any]:
    """One OperationEvent; extra keys (EventType, HookType, ...) are passed through."""
    event: dict[str, Any] = {
        "EventId": f"oe{n}-{lid}",
        "StackId": stack_id,
        "OperationId": op_id,
        "OperationType": "UPDATE_STACK",
        "EventType": "PROVISIONING_ERROR",
        "LogicalResourceId": lid,
        "PhysicalResourceId": physical if physical is not None else f"p-{lid}",
        "ResourceType": rtype,
        "Timestamp": T0 + timedelta(seconds=n),
        "ResourceStatus": status,
        **extra,
    }
    if reason:
        event["ResourceStatusReason"] = reason
    return event


def stack_level(n: int, status: str, reason: str, stack_id: str = STACK_ID) -> dict[str, Any]:
    return op_event(
        n,
        stack_id.split("/")[1],
        status,
        reason,
        rtype="AWS::CloudFormation::Stack",
        stack_id=stack_id,
        physical=stack_id,
        EventType="STACK_EVENT",
    )


def page(*events: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    """A DescribeEvents page, newest first as the service sends it."""
    body: dict[str, Any] = {
        "OperationEvents": sorted(events, key=lambda e: e["Timestamp"], reverse=True)
    }
    if token:
        body["NextToken"] = token
    return body


def hook_summary(
    rid: str = HOOK_ID, status: str = "HOOK_COMPLETE_FAILED", mode: str = "FAIL", n: int = 5
) -> dict[str, Any]:
    return {
        "HookResultId": rid,
        "InvocationPoint": "PRE_PROVISION",
        "FailureMode": mode,
        "TypeName": HOOK,
        "Status": status,
        "HookStatusReason": "Hook failed",
        "InvokedAt": T0 + timedelta(seconds=n),
        "TargetType": "CHANGE_SET",
        "TargetId": CS_ARN,
    }


def hook_detail(rid: str = HOOK_ID, lid: str = "Data") -> dict[str, Any]:
    return {
        "HookResultId": rid,
        "InvocationPoint": "PRE_PROVISION",
        "FailureMode": "FAIL",
        "TypeName": HOOK,
        "Status": "HOOK_COMPLETE_FAILED",
        "HookStatusReason": "1 rule(s) failed",
        "Target": {
            "TargetType": "RESOURCE",
            "TargetTypeName": "AWS::S3::Bucket",
            "TargetId": lid,
            "Action": "CREATE",
        },
        "Annotations": [
            {
                "AnnotationName": "BucketEncryption",
                "Status": "FAILED",
                "StatusMessage": "no KMS key",
            },
            {"AnnotationName": "Versioning", "Status": "PASSED", "StatusMessage": "fine"},
        ],
    }


def no_hooks(
    change_set: str | None = CS_ARN, stack_id: str = STACK_ID
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The ListHookResults calls diagnose makes when no hook ran: (operation, answer, params)."""
    calls: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    if change_set:
        calls.append(
            (
                "list_hook_results",
                {"HookResults": []},
                {"TargetType": "CHANGE_SET", "TargetId": change_set},
            )
        )
    calls.append(
        ("list_hook_results", {"HookResults": []}, {"TargetType": "STACK", "TargetId": stack_id})
    )
    return calls
