"""CloudFormation answers shaped as botocore's service model has them, for Stubber-based tests."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from stackops.aws.clients import Clients
from stackops.follow.polling import Poll
from stackops.inputs import Inputs
from stackops.render import Console
from stackops.request import Request
from stackops.session import Session
from tests.support.samples import topic_template

STACK = "edu"
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/edu/1111"
NESTED_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/edu-Data-X/2222"
CS_ARN = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/cs1/3333"
T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
FAST = Poll(minimum=0.001, maximum=0.002, heartbeat=30)


def event(
    n: int,
    lid: str,
    status: str,
    reason: str | None = None,
    rtype: str = "AWS::SNS::Topic",
    token: str | None = None,
    stack_id: str = STACK_ID,
    physical: str | None = None,
) -> dict[str, Any]:
    e: dict[str, Any] = {
        "StackId": stack_id,
        "EventId": f"e{n}-{lid}",
        "StackName": STACK,
        "LogicalResourceId": lid,
        "PhysicalResourceId": physical if physical is not None else f"p-{lid}",
        "ResourceType": rtype,
        "Timestamp": T0 + timedelta(seconds=n),
        "ResourceStatus": status,
    }
    if reason:
        e["ResourceStatusReason"] = reason
    if token:
        e["ClientRequestToken"] = token
    return e


def stack_event(
    n: int, status: str, reason: str | None = None, token: str | None = None
) -> dict[str, Any]:
    return event(n, STACK, status, reason, "AWS::CloudFormation::Stack", token, physical=STACK_ID)


def stack_desc(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackId": STACK_ID,
                "StackName": STACK,
                "StackStatus": status,
                "CreationTime": T0,
                **extra,
            }
        ]
    }


def newest_first(*events: dict[str, Any]) -> dict[str, Any]:
    return {"StackEvents": sorted(events, key=lambda e: e["Timestamp"], reverse=True)}


def session_for(cfn: Any, s3: Any = None, rds: Any = None) -> tuple[Session, io.StringIO]:
    """A session on stubbed clients that never really sleeps; its console writes to the buffer."""
    err = io.StringIO()
    clients = Clients(cfn=cfn, s3=s3, rds=rds, sts=None, region="us-east-1")
    return Session(clients, Console(err, None), FAST, sleep=lambda s: None), err


def request(**kw: Any) -> Request:
    return Request(STACK, topic_template(), Inputs({}, {}), **kw)


FAILED_RESOURCE = {
    "StackResourceSummaries": [
        {
            "LogicalResourceId": "Db",
            "PhysicalResourceId": "edu-db",
            "ResourceType": "AWS::RDS::DBInstance",
            "LastUpdatedTimestamp": T0,
            "ResourceStatus": "UPDATE_FAILED",
            "ResourceStatusReason": "DB instance is not in available state",
        }
    ]
}
