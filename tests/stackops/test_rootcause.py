"""stackops.rootcause: the earliest real failure, nested stacks opened."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.stub import Stubber

from stackops import rootcause
from tests.support.stubbed import NESTED_ID, STACK_ID, event, newest_first, stack_event


def test_root_cause_is_the_earliest_real_failure() -> None:
    events = [
        stack_event(1, "UPDATE_IN_PROGRESS", "User Initiated"),
        event(2, "Topic", "UPDATE_FAILED", "Resource update cancelled"),
        event(3, "Db", "UPDATE_FAILED", "DBName cannot be changed"),
        event(4, "Key", "UPDATE_FAILED", "Access denied"),
        stack_event(5, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed"),
    ]
    got = rootcause.find(None, events)
    assert [(c.logical_id, c.reason) for c in got] == [
        ("Db", "DBName cannot be changed"),
        ("Key", "Access denied"),
    ]


def test_root_cause_follows_a_nested_stack(cfn: Any) -> None:
    parent_events = [
        stack_event(1, "CREATE_IN_PROGRESS", "User Initiated"),
        event(
            2,
            "Data",
            "CREATE_FAILED",
            "Embedded stack was not successfully created",
            rtype="AWS::CloudFormation::Stack",
            physical=NESTED_ID,
        ),
    ]
    nested = newest_first(
        event(
            1,
            "edu-Data-X",
            "CREATE_IN_PROGRESS",
            "User Initiated",
            rtype="AWS::CloudFormation::Stack",
            stack_id=NESTED_ID,
            physical=NESTED_ID,
        ),
        event(
            2,
            "Db",
            "CREATE_FAILED",
            "DB subnet group does not cover enough AZs",
            rtype="AWS::RDS::DBInstance",
            stack_id=NESTED_ID,
        ),
    )
    with Stubber(cfn) as stub:
        stub.add_response("describe_stack_events", nested, {"StackName": NESTED_ID})
        got = rootcause.find(cfn, parent_events)
    assert [(c.logical_id, c.type, c.reason) for c in got] == [
        ("Data/Db", "AWS::RDS::DBInstance", "DB subnet group does not cover enough AZs")
    ]


def test_root_cause_falls_back_to_the_stack_reason() -> None:
    events = [stack_event(1, "UPDATE_ROLLBACK_FAILED", "Role lacks permissions")]
    assert rootcause.find(None, events)[0].reason == "Role lacks permissions"


# ---------------------------- spellings, missing reasons, repeats, nested history and depth

STACK_TYPE = "AWS::CloudFormation::Stack"


def stack_status(status: str, reason: str = "", stack_id: str = STACK_ID) -> dict[str, Any]:
    return {
        "StackId": stack_id,
        "StackName": stack_id.split("/")[1],
        "LogicalResourceId": stack_id.split("/")[1],
        "PhysicalResourceId": stack_id,
        "ResourceType": STACK_TYPE,
        "ResourceStatus": status,
        "ResourceStatusReason": reason,
    }


def resource_event(
    lid: str,
    status: str,
    reason: str | None = None,
    rtype: str = "AWS::SNS::Topic",
    physical: str = "",
    stack_id: str = STACK_ID,
) -> dict[str, Any]:
    event = {
        "StackId": stack_id,
        "StackName": stack_id.split("/")[1],
        "LogicalResourceId": lid,
        "PhysicalResourceId": physical,
        "ResourceType": rtype,
        "ResourceStatus": status,
    }
    if reason is not None:
        event["ResourceStatusReason"] = reason
    return event


class FakeCfn:
    """Answers DescribeStackEvents (one page, newest first) from stack id -> events."""

    def __init__(self, events_by_stack: dict[str, list[dict[str, Any]]]) -> None:
        self.events_by_stack = events_by_stack
        self.asked: list[str] = []

    def describe_stack_events(self, StackName: str) -> dict[str, Any]:
        self.asked.append(StackName)
        return {"StackEvents": list(reversed(self.events_by_stack[StackName]))}

    def get_paginator(self, operation: str) -> FakeCfn:
        assert operation == "describe_stack_events"
        return self

    def paginate(self, StackName: str) -> Iterator[dict[str, Any]]:
        yield self.describe_stack_events(StackName)


def nested_failure(lid: str = "Data", physical: str = NESTED_ID) -> dict[str, Any]:
    return resource_event(
        lid, "UPDATE_FAILED", "Embedded stack was not updated", rtype=STACK_TYPE, physical=physical
    )


def causes(cfn: Any, events: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(c.logical_id, c.type, c.reason) for c in rootcause.find(cfn, events)]


def test_us_spelling_of_canceled_is_a_cancellation_too() -> None:
    events = [
        resource_event("Topic", "UPDATE_FAILED", "Resource update canceled"),
        resource_event("Db", "UPDATE_FAILED", "DBName cannot be changed"),
    ]
    assert [c[0] for c in causes(None, events)] == ["Db"]


def test_failure_without_a_reason_says_so() -> None:
    events = [resource_event("Db", "CREATE_FAILED")]
    assert causes(None, events) == [("Db", "AWS::SNS::Topic", "no reason given")]


def test_a_resource_failing_twice_is_listed_once_and_later_ones_still_count() -> None:
    events = [
        resource_event("Db", "UPDATE_FAILED", "first"),
        resource_event("Db", "UPDATE_FAILED", "second"),
        resource_event("Key", "UPDATE_FAILED", "Access denied"),
    ]
    assert [(c[0], c[2]) for c in causes(None, events)] == [
        ("Db", "first"),
        ("Key", "Access denied"),
    ]


def test_stack_reason_is_taken_from_the_stack_failure_not_the_start() -> None:
    events = [
        stack_status("UPDATE_IN_PROGRESS", "User Initiated"),
        stack_status("UPDATE_ROLLBACK_FAILED", "Role lacks permissions"),
    ]
    assert causes(None, events) == [("edu", STACK_TYPE, "Role lacks permissions")]


def test_stack_failure_without_a_reason_says_so() -> None:
    event = stack_status("UPDATE_ROLLBACK_FAILED")
    del event["ResourceStatusReason"]
    assert causes(None, [event]) == [("edu", STACK_TYPE, "no reason given")]


def test_nested_stack_counts_only_its_latest_update() -> None:
    nested = [
        stack_status("CREATE_IN_PROGRESS", stack_id=NESTED_ID),
        resource_event("Old", "CREATE_FAILED", "old failure", stack_id=NESTED_ID),
        stack_status("UPDATE_IN_PROGRESS", "User Initiated", stack_id=NESTED_ID),
        resource_event("Db", "UPDATE_FAILED", "DBName cannot be changed", stack_id=NESTED_ID),
        stack_status("UPDATE_ROLLBACK_IN_PROGRESS", "failed", stack_id=NESTED_ID),
    ]
    got = causes(FakeCfn({NESTED_ID: nested}), [nested_failure()])
    assert got == [("Data/Db", "AWS::SNS::Topic", "DBName cannot be changed")]


def test_nested_stack_counts_only_its_latest_delete() -> None:
    nested = [
        stack_status("CREATE_IN_PROGRESS", stack_id=NESTED_ID),
        resource_event("Old", "CREATE_FAILED", "old failure", stack_id=NESTED_ID),
        stack_status("DELETE_IN_PROGRESS", "User Initiated", stack_id=NESTED_ID),
        resource_event("Bucket", "DELETE_FAILED", "bucket not empty", stack_id=NESTED_ID),
    ]
    got = causes(FakeCfn({NESTED_ID: nested}), [nested_failure()])
    assert [c[0] for c in got] == ["Data/Bucket"]


def test_nested_stacks_inside_nested_stacks_are_opened() -> None:
    inner_id = NESTED_ID.replace("edu-Data-X", "edu-Data-X-Inner-Y")
    cfn = FakeCfn(
        {
            NESTED_ID: [
                stack_status("UPDATE_IN_PROGRESS", stack_id=NESTED_ID),
                nested_failure("Inner", inner_id) | {"StackId": NESTED_ID},
            ],
            inner_id: [
                stack_status("UPDATE_IN_PROGRESS", stack_id=inner_id),
                resource_event("Db", "UPDATE_FAILED", "no space", stack_id=inner_id),
            ],
        }
    )
    assert [c[0] for c in causes(cfn, [nested_failure()])] == ["Data/Inner/Db"]


def test_nesting_is_followed_at_most_max_nesting_levels_deep() -> None:
    # Two stacks that name each other as their failed nested stack: without the limit this
    # never ends.
    other_id = NESTED_ID.replace("edu-Data-X", "edu-Data-Y")
    looping = FakeCfn(
        {
            here: [
                stack_status("UPDATE_IN_PROGRESS", stack_id=here),
                nested_failure("Loop", there) | {"StackId": here},
            ]
            for here, there in ((NESTED_ID, other_id), (other_id, NESTED_ID))
        }
    )
    (cause,) = causes(looping, [nested_failure("Loop")])
    assert cause[0] == "/".join(["Loop"] * (rootcause.MAX_NESTING + 1))


def test_every_cause_is_kept_when_a_nested_stack_follows_a_plain_failure() -> None:
    nested = [
        stack_status("UPDATE_IN_PROGRESS", stack_id=NESTED_ID),
        resource_event("Db", "UPDATE_FAILED", "no space", stack_id=NESTED_ID),
    ]
    events = [resource_event("Topic", "UPDATE_FAILED", "denied"), nested_failure()]
    got = causes(FakeCfn({NESTED_ID: nested}), events)
    assert [c[0] for c in got] == ["Topic", "Data/Db"]


def test_every_cause_is_kept_when_a_plain_failure_follows_a_nested_stack() -> None:
    nested = [
        stack_status("UPDATE_IN_PROGRESS", stack_id=NESTED_ID),
        resource_event("Db", "UPDATE_FAILED", "no space", stack_id=NESTED_ID),
    ]
    events = [nested_failure(), resource_event("Topic", "UPDATE_FAILED", "denied")]
    got = causes(FakeCfn({NESTED_ID: nested}), events)
    assert [c[0] for c in got] == ["Data/Db", "Topic"]


def test_a_failed_resource_that_is_not_a_stack_is_never_opened() -> None:
    cfn = FakeCfn({})
    db = resource_event(
        "Db", "UPDATE_FAILED", "no space", rtype="AWS::RDS::DBInstance", physical="arn:aws:rds:x"
    )
    causes(cfn, [db])
    assert cfn.asked == []


def test_cause_as_json_names_resource_type_and_reason() -> None:
    cause = rootcause.Cause("Db", "AWS::RDS::DBInstance", "no space")
    assert cause.as_dict() == {
        "logical_id": "Db",
        "type": "AWS::RDS::DBInstance",
        "reason": "no space",
    }
