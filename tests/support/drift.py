"""Drift detection answers shaped as botocore's service model has them, for Stubber-based tests."""

from __future__ import annotations

import json
from typing import Any

from tests.support.stubbed import STACK_ID, T0

DETECTION_ID = "b78ac9b0-dec1-11e7-a451-50d5cd92b8ae"


def drift_record(
    logical_id: str,
    status: str,
    rtype: str = "AWS::SNS::Topic",
    *,
    differences: list[dict[str, Any]] | None = None,
    expected: dict[str, Any] | None = None,
    actual: dict[str, Any] | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """One StackResourceDrifts[] entry."""
    record: dict[str, Any] = {
        "StackId": STACK_ID,
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": f"p-{logical_id}",
        "ResourceType": rtype,
        "StackResourceDriftStatus": status,
        "Timestamp": T0,
    }
    if differences is not None:
        record["PropertyDifferences"] = differences
    if expected is not None:
        record["ExpectedProperties"] = json.dumps(expected)
    if actual is not None:
        record["ActualProperties"] = json.dumps(actual)
    if reason is not None:
        record["DriftStatusReason"] = reason
    return record


def difference(path: str, expected: str, actual: str, kind: str = "NOT_EQUAL") -> dict[str, Any]:
    return {
        "PropertyPath": path,
        "ExpectedValue": expected,
        "ActualValue": actual,
        "DifferenceType": kind,
    }


def detection_status(status: str, drift: str = "DRIFTED", **extra: Any) -> dict[str, Any]:
    """A DescribeStackDriftDetectionStatus answer."""
    return {
        "StackId": STACK_ID,
        "StackDriftDetectionId": DETECTION_ID,
        "StackDriftStatus": drift,
        "DetectionStatus": status,
        "Timestamp": T0,
        **extra,
    }


def resource_summary(logical_id: str, rtype: str) -> dict[str, Any]:
    """One ListStackResources summary."""
    return {
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": f"p-{logical_id}",
        "ResourceType": rtype,
        "LastUpdatedTimestamp": T0,
        "ResourceStatus": "UPDATE_COMPLETE",
    }


def stub_detection(
    stub: Any,
    records: list[dict[str, Any]],
    resources: list[dict[str, Any]] | None = None,
    *,
    stack: str = STACK_ID,
    status: str = "DETECTION_COMPLETE",
) -> None:
    """Queue a whole detection: start, one in-progress poll, done, the records, the resources."""
    stub.add_response(
        "detect_stack_drift", {"StackDriftDetectionId": DETECTION_ID}, {"StackName": stack}
    )
    wanted = {"StackDriftDetectionId": DETECTION_ID}
    stub.add_response(
        "describe_stack_drift_detection_status",
        detection_status("DETECTION_IN_PROGRESS"),
        wanted,
    )
    done = detection_status(status)
    if status == "DETECTION_FAILED":
        done["DetectionStatusReason"] = "Failed to detect drift on resource [Key]"
    stub.add_response("describe_stack_drift_detection_status", done, wanted)
    stub.add_response(
        "describe_stack_resource_drifts", {"StackResourceDrifts": records}, {"StackName": stack}
    )
    listed = resources
    if listed is None:
        listed = [resource_summary(r["LogicalResourceId"], r["ResourceType"]) for r in records]
    stub.add_response(
        "list_stack_resources", {"StackResourceSummaries": listed}, {"StackName": stack}
    )


def recorded_calls(cfn: Any) -> list[dict[str, Any]]:
    """Every API call ``cfn`` makes from now on, as {"operation": name, **its parameters}."""
    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append({"operation": model.name, **params})

    cfn.meta.events.register("provide-client-params.cloudformation", record)
    return calls


def answer_drift_on(cfn: Any, records: list[dict[str, Any]]) -> None:
    """Answer the drift detection calls of ``cfn`` (a client on moto, which lacks them) the way
    botocore's Stubber does, with ``records`` as the stack's drift; every other call reaches moto.
    """
    from botocore.awsrequest import AWSResponse

    answers = {
        "DetectStackDrift": {"StackDriftDetectionId": DETECTION_ID},
        "DescribeStackDriftDetectionStatus": detection_status("DETECTION_COMPLETE"),
        "DescribeStackResourceDrifts": {"StackResourceDrifts": records},
    }

    def answer(model: Any, **_: Any) -> Any:
        parsed = answers.get(model.name)
        if parsed is None:
            return None
        return AWSResponse("", 200, {}, None), {**parsed, "ResponseMetadata": {}}

    cfn.meta.events.register("before-call.cloudformation", answer)
