"""stackops.rootcause: the earliest real failure, nested stacks opened."""

from __future__ import annotations

from typing import Any

from botocore.stub import Stubber

from stackops import rootcause
from tests.support.stubbed import NESTED_ID, event, newest_first, stack_event


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
