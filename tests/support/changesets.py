"""DescribeChangeSet `Changes[]` entries for the data-safety tests, checked by botocore."""

from __future__ import annotations

import datetime
from typing import Any

import boto3
from botocore.stub import Stubber


def resource_change(logical_id: str, resource_type: str, **fields: Any) -> dict[str, Any]:
    """A Changes[] entry as the emulator returns it: no Replacement, no Details."""
    return {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Modify",
            "LogicalResourceId": logical_id,
            "ResourceType": resource_type,
            **fields,
        },
    }


def property_detail(
    name: str, recreation: str, evaluation: str = "Static", **more: Any
) -> dict[str, Any]:
    """One Details[] entry for a changed property, as real CloudFormation writes it."""
    return {
        "Target": {
            "Attribute": "Properties",
            "Name": name,
            "RequiresRecreation": recreation,
            "Path": f"/Properties/{name}",
            "AttributeChangeType": "Modify",
        },
        "Evaluation": evaluation,
        "ChangeSource": "DirectModification",
        **more,
    }


# A change of the resource's tags: a Tags target names no property.
TAGS_DETAIL: dict[str, Any] = {
    "Target": {"Attribute": "Tags", "RequiresRecreation": "Never"},
    "Evaluation": "Static",
    "ChangeSource": "DirectModification",
}


def stubbed_changes(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Changes[] after a round trip through a Stubber-validated describe_change_set response."""
    client = boto3.client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    response = {
        "ChangeSetName": "deploy-1",
        "ChangeSetId": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/deploy-1/abc",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/edu/def",
        "StackName": "edu",
        "CreationTime": datetime.datetime(2026, 11, 26, tzinfo=datetime.UTC),
        "ExecutionStatus": "AVAILABLE",
        "Status": "CREATE_COMPLETE",
        "Changes": changes,
    }
    with Stubber(client) as stub:
        stub.add_response("describe_change_set", response, {"ChangeSetName": "deploy-1"})
        described = client.describe_change_set(ChangeSetName="deploy-1")
        round_tripped: list[dict[str, Any]] = described["Changes"]
        return round_tripped
