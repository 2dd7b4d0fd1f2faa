"""CloudFormation's early validation of a failed change set, with botocore's Stubber (moto has
no DescribeEvents): errors grouped by resource, and today's message when the API says no."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from stackops.aws import changesets, validation
from stackops.errors import OperationFailed
from tests.support.stubbed import CS_ARN, FAST, STACK_ID

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def validation_event(n: int, lid: str, path: str, reason: str, **extra: Any) -> dict[str, Any]:
    return {
        "EventId": f"v{n}",
        "StackId": STACK_ID,
        "OperationType": "CREATE_CHANGESET",
        "EventType": "VALIDATION_ERROR",
        "LogicalResourceId": lid,
        "ResourceType": "AWS::S3::Bucket",
        "Timestamp": T0,
        "ValidationName": "NAME_CONFLICT_VALIDATION",
        "ValidationStatus": "FAILED",
        "ValidationStatusReason": reason,
        "ValidationPath": path,
        **extra,
    }


EVENTS = [
    validation_event(1, "Files", "/Properties/BucketName", "Resource already exists"),
    validation_event(2, "Db", "/Properties/DBInstanceIdentifier", "edu-db already exists"),
    validation_event(3, "Files", "/Properties/Tags", "Tag keys must be unique"),
    validation_event(4, "Logs", "/Properties/LogGroupName", "warned", ValidationStatus="SKIPPED"),
    {"EventId": "s1", "EventType": "STACK_EVENT", "LogicalResourceId": "edu", "Timestamp": T0},
]
FAILED = {
    "ChangeSetId": CS_ARN,
    "StackId": STACK_ID,
    "Status": "FAILED",
    "StatusReason": "FAILED",
    "ExecutionStatus": "UNAVAILABLE",
}


def test_errors_are_grouped_by_resource(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response("describe_events", {"OperationEvents": EVENTS}, {"ChangeSetName": CS_ARN})
        found = validation.of_change_set(cfn, CS_ARN)
    assert found.unavailable is None
    assert found.lines() == [
        "Files:",
        "  /Properties/BucketName: Resource already exists",
        "  /Properties/Tags: Tag keys must be unique",
        "Db:",
        "  /Properties/DBInstanceIdentifier: edu-db already exists",
    ]


def test_every_page_is_read(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response("describe_events", {"OperationEvents": EVENTS[:1], "NextToken": "t"})
        stub.add_response(
            "describe_events",
            {"OperationEvents": EVENTS[1:2]},
            {"ChangeSetName": CS_ARN, "NextToken": "t"},
        )
        found = validation.of_change_set(cfn, CS_ARN)
    assert [e.logical_id for e in found.errors] == ["Files", "Db"]


def test_failed_change_set_carries_its_validation_errors(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response("describe_change_set", FAILED, {"ChangeSetName": CS_ARN})
        stub.add_response("describe_events", {"OperationEvents": EVENTS}, {"ChangeSetName": CS_ARN})
        with pytest.raises(OperationFailed) as caught:
            changesets.wait_ready(cfn, changesets.ChangeSet(CS_ARN, STACK_ID), FAST)
    error = caught.value
    assert error.message == (
        "the change set failed: FAILED; CloudFormation's early validation found 3 error(s):"
    )
    assert error.details[:2] == ["Files:", "  /Properties/BucketName: Resource already exists"]
    assert error.validation_errors[1] == {
        "logical_id": "Db",
        "path": "/Properties/DBInstanceIdentifier",
        "message": "edu-db already exists",
    }


@pytest.mark.parametrize(
    ("code", "status"), [("AccessDenied", 403), ("InvalidAction", 400), ("InternalFailure", 500)]
)
def test_an_api_error_falls_back_to_the_reason_with_one_line(
    cfn: Any, code: str, status: int
) -> None:
    with Stubber(cfn) as stub:
        stub.add_response("describe_change_set", FAILED, {"ChangeSetName": CS_ARN})
        stub.add_client_error("describe_events", code, "no", http_status_code=status)
        with pytest.raises(OperationFailed) as caught:
            changesets.wait_ready(cfn, changesets.ChangeSet(CS_ARN, STACK_ID), FAST)
    assert caught.value.message == "the change set failed: FAILED"
    assert caught.value.details == [
        f"no validation details: DescribeEvents did not answer ({code}: no)"
    ]
    assert caught.value.validation_errors == []
