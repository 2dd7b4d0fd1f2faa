"""stackops.aws.drift: DetectStackDrift, the bounded wait, every record; plus the drift and
rollback arguments of change sets (Stubber: moto 5.2.5 answers 500 to DetectStackDrift)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.parsers import ResponseParserError
from botocore.stub import Stubber

from stackops.aws import changesets, drift
from tests.support.drift import (
    DETECTION_ID,
    detection_status,
    drift_record,
    resource_summary,
    stub_detection,
)
from tests.support.stubbed import CS_ARN, FAST, STACK_ID


class FakeClock:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def detect(cfn: Any, clock: FakeClock | None = None, max_wait: float = 60.0) -> drift.Detection:
    clock = clock or FakeClock()
    return drift.detect(cfn, STACK_ID, FAST, clock=clock, sleep=clock.sleep, max_wait=max_wait)


def test_a_detection_waits_until_done_and_reads_the_records(cfn: Any) -> None:
    records = [
        drift_record("Topic", "MODIFIED"),
        drift_record("Queue", "IN_SYNC", "AWS::SQS::Queue"),
    ]
    clock = FakeClock()
    with Stubber(cfn) as stub:
        stub_detection(stub, records)
        found = detect(cfn, clock)
        stub.assert_no_pending_responses()
    assert (found.status, found.stack_drift_status) == ("DETECTION_COMPLETE", "DRIFTED")
    assert [r["LogicalResourceId"] for r in found.records] == ["Topic", "Queue"]
    assert found.unlisted == []
    assert len(clock.sleeps) == 1  # one in-progress answer, one wait


def test_every_page_of_resource_drifts_is_read(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stack_resource_drifts",
            {"StackResourceDrifts": [drift_record("A", "MODIFIED")], "NextToken": "t1"},
            {"StackName": STACK_ID},
        )
        stub.add_response(
            "describe_stack_resource_drifts",
            {"StackResourceDrifts": [drift_record("B", "DELETED")]},
            {"StackName": STACK_ID, "NextToken": "t1"},
        )
        found = drift.records(cfn, STACK_ID)
    assert [r["LogicalResourceId"] for r in found] == ["A", "B"]


def test_resources_without_a_record_are_returned_as_unlisted(cfn: Any) -> None:
    # Types drift detection does not support get no record at all; they must not vanish.
    with Stubber(cfn) as stub:
        stub_detection(
            stub,
            [drift_record("Topic", "IN_SYNC")],
            [
                resource_summary("Topic", "AWS::SNS::Topic"),
                resource_summary("Rotation", "AWS::SecretsManager::RotationSchedule"),
            ],
        )
        found = detect(cfn)
    assert [(r["LogicalResourceId"], r["ResourceType"]) for r in found.unlisted] == [
        ("Rotation", "AWS::SecretsManager::RotationSchedule")
    ]


def test_the_wait_is_bounded(cfn: Any) -> None:
    clock = FakeClock()
    with Stubber(cfn) as stub:
        stub.add_response(
            "detect_stack_drift", {"StackDriftDetectionId": DETECTION_ID}, {"StackName": STACK_ID}
        )
        for _ in range(50):
            stub.add_response(
                "describe_stack_drift_detection_status",
                detection_status("DETECTION_IN_PROGRESS"),
                {"StackDriftDetectionId": DETECTION_ID},
            )
        with pytest.raises(drift.DriftUnavailable, match="still in progress after 0 s"):
            detect(cfn, clock, max_wait=0.01)
    assert clock.now <= 0.01
    assert 0 < len(clock.sleeps) < 50


def test_access_denied_makes_drift_unavailable_with_the_reason(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "detect_stack_drift",
            service_error_code="AccessDenied",
            service_message="not authorized to perform: cloudformation:DetectStackDrift",
            http_status_code=403,
        )
        with pytest.raises(drift.DriftUnavailable) as caught:
            detect(cfn)
    assert "DetectStackDrift failed: AccessDenied" in str(caught.value)
    assert "cloudformation:DetectStackDrift" in str(caught.value)


def test_a_denied_status_call_is_unavailable_too(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response(
            "detect_stack_drift", {"StackDriftDetectionId": DETECTION_ID}, {"StackName": STACK_ID}
        )
        stub.add_client_error(
            "describe_stack_drift_detection_status",
            service_error_code="AccessDenied",
            http_status_code=403,
        )
        with pytest.raises(drift.DriftUnavailable, match="DescribeStackDriftDetectionStatus"):
            detect(cfn)


def test_an_endpoint_without_the_api_is_unavailable_not_an_error() -> None:
    # moto answers 500, which botocore raises as ResponseParserError.
    reason = drift.unavailable_reason(ResponseParserError("Unable to parse response"))
    assert reason is not None and "may not implement drift detection" in reason


def test_credential_faults_are_not_swallowed(cfn: Any) -> None:
    from botocore.exceptions import ClientError

    with Stubber(cfn) as stub:
        stub.add_client_error("detect_stack_drift", service_error_code="ExpiredToken")
        with pytest.raises(ClientError):
            detect(cfn)


def create_args(**extra: Any) -> dict[str, Any]:
    return {
        "StackName": "edu",
        "ChangeSetName": "cs1",
        "ChangeSetType": "UPDATE",
        "Parameters": [],
        "Tags": [],
        "Capabilities": [],
        "Description": "deploy.py",
        "TemplateBody": "{}",
        **extra,
    }


def create(cfn: Any, **extra: Any) -> changesets.ChangeSet:
    return changesets.create(
        cfn, stack_name="edu", name="cs1", change_set_type="UPDATE",
        template_args={"TemplateBody": "{}"}, parameters=[], tags={}, capabilities=[], **extra,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "sent"),
    [({}, {}), ({"deployment_mode": "REVERT_DRIFT"}, {"DeploymentMode": "REVERT_DRIFT"})],
)
def test_deployment_mode_is_sent_only_when_set(
    cfn: Any, extra: dict[str, Any], sent: dict[str, Any]
) -> None:
    with Stubber(cfn) as stub:
        stub.add_response(
            "create_change_set", {"Id": CS_ARN, "StackId": STACK_ID}, create_args(**sent)
        )
        assert create(cfn, **extra).arn == CS_ARN
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("extra", "sent"),
    [
        ({}, {}),
        ({"disable_rollback": True}, {"DisableRollback": True}),
        ({"retain_except_on_create": True}, {"RetainExceptOnCreate": True}),
    ],
)
def test_execute_flags_are_sent_only_when_set(
    cfn: Any, extra: dict[str, Any], sent: dict[str, Any]
) -> None:
    with Stubber(cfn) as stub:
        stub.add_response(
            "execute_change_set",
            {},
            {"ChangeSetName": CS_ARN, "ClientRequestToken": "tok", **sent},
        )
        changesets.execute(cfn, CS_ARN, "tok", **extra)
        stub.assert_no_pending_responses()
