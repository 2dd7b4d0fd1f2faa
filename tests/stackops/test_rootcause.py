"""stackops.rootcause: the earliest real failure, nested stacks opened."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from botocore.stub import Stubber

from stackops import render, rootcause
from stackops.render import root_cause_lines
from stackops.result import Result
from tests.support.opevents import (
    FAILED_ONLY,
    HOOK,
    HOOK_ID,
    OP_ID,
    hook_detail,
    hook_summary,
    no_hooks,
    op_event,
    page,
    stack_level,
)
from tests.support.stubbed import CS_ARN, NESTED_ID, STACK_ID, event, newest_first, stack_event


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


# ------------------------------------------- DescribeEvents first, hooks, missing permissions

INNER_ID = NESTED_ID.replace("edu-Data-X", "edu-Data-X-Inner-Y")


def stub_calls(stub: Stubber, calls: list[tuple[str, Any, dict[str, Any]]]) -> None:
    for operation, answer, params in calls:
        if isinstance(answer, str):
            stub.add_client_error(operation, service_error_code=answer, expected_params=params)
        else:
            stub.add_response(operation, answer, params)


def opening(op_id: str | None = OP_ID) -> list[dict[str, Any]]:
    """The followed stack events of the failed update, as DescribeStackEvents gives them."""
    first = stack_event(1, "UPDATE_IN_PROGRESS", "User Initiated")
    return [first | {"OperationId": op_id} if op_id else first]


def by_operation(op_id: str = OP_ID) -> dict[str, Any]:
    return {"OperationId": op_id, "Filters": FAILED_ONLY}


def by_stack(stack_id: str) -> dict[str, Any]:
    return {"StackName": stack_id, "Filters": FAILED_ONLY}


def embedded(
    n: int, lid: str, physical: str, stack_id: str = STACK_ID, **kw: Any
) -> dict[str, Any]:
    reason = f"Embedded stack {physical} was not successfully updated. Currently in ROLLBACK"
    return op_event(
        n,
        lid,
        "UPDATE_FAILED",
        reason,
        rtype=STACK_TYPE,
        physical=physical,
        stack_id=stack_id,
        **kw,
    )


def test_describe_events_skips_knock_ons_and_finds_the_failure_two_nested_stacks_down(
    cfn: Any,
) -> None:
    parent = page(
        op_event(2, "Topic", "UPDATE_FAILED", "Resource update cancelled"),
        embedded(3, "Data", NESTED_ID),
        stack_level(4, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed: [Data]"),
    )
    nested = page(
        op_event(
            2, "Queue", "UPDATE_FAILED", "Resource update cancelled", stack_id=NESTED_ID, op_id="x1"
        ),
        embedded(3, "Inner", INNER_ID, stack_id=NESTED_ID, op_id="x1"),
        # The nested stack's automatic rollback is an operation of its own: not the cause.
        op_event(
            6,
            "Old",
            "UPDATE_FAILED",
            "rollback hiccup",
            stack_id=NESTED_ID,
            op_id="x2",
            OperationType="ROLLBACK",
        ),
    )
    inner = page(
        op_event(
            2,
            "Db",
            "UPDATE_FAILED",
            "DBName cannot be changed",
            rtype="AWS::RDS::DBInstance",
            stack_id=INNER_ID,
            op_id="y1",
        )
    )
    with Stubber(cfn) as stub:
        stub_calls(
            stub,
            [
                ("describe_events", parent, by_operation()),
                ("describe_events", nested, by_stack(NESTED_ID)),
                ("describe_events", inner, by_stack(INNER_ID)),
                *no_hooks(),
            ],
        )
        got = rootcause.diagnose(cfn, STACK_ID, opening(), change_set=CS_ARN)
        stub.assert_no_pending_responses()
    assert [(c.logical_id, c.type, c.reason) for c in got.causes] == [
        ("Data/Inner/Db", "AWS::RDS::DBInstance", "DBName cannot be changed")
    ]
    assert (got.operation_id, got.notes, got.quiet) == (OP_ID, [], [])


def test_only_the_stacks_own_failure_is_reported_when_nothing_else_failed(cfn: Any) -> None:
    answer = page(stack_level(4, "UPDATE_ROLLBACK_FAILED", "Role lacks permissions"))
    with Stubber(cfn) as stub:
        stub_calls(stub, [("describe_events", answer, by_operation()), *no_hooks(None)])
        got = rootcause.diagnose(cfn, STACK_ID, opening())
    assert [c.reason for c in got.causes] == ["Role lacks permissions"]


def test_a_failed_hook_is_a_cause_with_its_type_status_mode_and_message(cfn: Any) -> None:
    listed = {
        "HookResults": [
            hook_summary(),
            hook_summary(HOOK_ID[:-1] + "2", mode="WARN"),
            hook_summary(HOOK_ID[:-1] + "3", status="HOOK_COMPLETE_SUCCEEDED"),
        ]
    }
    with Stubber(cfn) as stub:
        stub_calls(
            stub,
            [
                ("describe_events", page(), by_operation()),
                ("list_hook_results", listed, {"TargetType": "CHANGE_SET", "TargetId": CS_ARN}),
                ("get_hook_result", hook_detail(), {"HookResultId": HOOK_ID}),
                (
                    "list_hook_results",
                    {"HookResults": []},
                    {"TargetType": "STACK", "TargetId": STACK_ID},
                ),
            ],
        )
        got = rootcause.diagnose(cfn, STACK_ID, opening(), change_set=CS_ARN)
        stub.assert_no_pending_responses()
    (cause,) = got.causes
    assert cause.as_dict() == {
        "logical_id": "Data",
        "type": "AWS::S3::Bucket",
        "reason": "1 rule(s) failed; BucketEncryption: no KMS key",
        "hook": HOOK,
        "hook_status": "HOOK_COMPLETE_FAILED",
        "hook_failure_mode": "FAIL",
    }
    assert root_cause_lines(got.causes)[1] == (
        f"  Data (AWS::S3::Bucket): hook {HOOK} (HOOK_COMPLETE_FAILED, FAIL): "
        "1 rule(s) failed; BucketEncryption: no KMS key"
    )


def test_a_hook_error_among_the_events_is_listed_once_with_the_hook_results(cfn: Any) -> None:
    hook_event = op_event(
        3,
        "Data",
        "UPDATE_FAILED",
        "The hook failed",
        rtype="AWS::S3::Bucket",
        EventType="HOOK_INVOCATION_ERROR",
        HookType=HOOK,
        HookStatus="HOOK_COMPLETE_FAILED",
        HookStatusReason="no KMS key",
        HookFailureMode="FAIL",
    )
    with Stubber(cfn) as stub:
        stub_calls(
            stub,
            [
                ("describe_events", page(hook_event), by_operation()),
                (
                    "list_hook_results",
                    {"HookResults": [hook_summary()]},
                    {"TargetType": "STACK", "TargetId": STACK_ID},
                ),
                ("get_hook_result", hook_detail(), {"HookResultId": HOOK_ID}),
            ],
        )
        got = rootcause.diagnose(cfn, STACK_ID, opening())
    assert [(c.logical_id, c.hook, c.reason) for c in got.causes] == [("Data", HOOK, "no KMS key")]


def test_hook_results_that_cannot_be_read_are_one_line_and_the_rest_still_works(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub_calls(
            stub,
            [
                (
                    "describe_events",
                    page(op_event(3, "Db", "UPDATE_FAILED", "no space")),
                    by_operation(),
                ),
                (
                    "list_hook_results",
                    "AccessDenied",
                    {"TargetType": "CHANGE_SET", "TargetId": CS_ARN},
                ),
            ],
        )
        got = rootcause.diagnose(cfn, STACK_ID, opening(), change_set=CS_ARN)
        stub.assert_no_pending_responses()
    assert [c.logical_id for c in got.causes] == ["Db"]
    assert got.notes == [
        "root cause: cannot read hook results: needs cloudformation:ListHookResults"
    ]


def test_a_hook_message_that_cannot_be_read_keeps_the_summary(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub_calls(
            stub,
            [
                ("describe_events", page(), by_operation()),
                (
                    "list_hook_results",
                    {"HookResults": [hook_summary()]},
                    {"TargetType": "STACK", "TargetId": STACK_ID},
                ),
                ("get_hook_result", "AccessDenied", {"HookResultId": HOOK_ID}),
            ],
        )
        got = rootcause.diagnose(cfn, STACK_ID, opening())
    assert [(c.hook, c.reason) for c in got.causes] == [(HOOK, "Hook failed")]
    assert got.notes == [
        "root cause: cannot read hook messages: needs cloudformation:GetHookResult"
    ]


def test_operation_events_denied_is_one_line_and_stack_events_still_give_the_cause(
    cfn: Any,
) -> None:
    events = [*opening(), event(3, "Db", "UPDATE_FAILED", "DBName cannot be changed")]
    with Stubber(cfn) as stub:
        stub_calls(stub, [("describe_events", "AccessDenied", by_operation()), *no_hooks(None)])
        got = rootcause.diagnose(cfn, STACK_ID, events)
    assert [(c.logical_id, c.reason) for c in got.causes] == [("Db", "DBName cannot be changed")]
    assert got.notes == [
        "root cause: cannot read operation events: needs cloudformation:DescribeEvents"
    ]


def test_an_endpoint_without_describe_events_falls_back_quietly(cfn: Any) -> None:
    events = [*opening(), event(3, "Db", "UPDATE_FAILED", "DBName cannot be changed")]
    with Stubber(cfn) as stub:
        stub_calls(stub, [("describe_events", "UnknownOperation", by_operation()), *no_hooks(None)])
        got = rootcause.diagnose(cfn, STACK_ID, events)
    assert [c.logical_id for c in got.causes] == ["Db"]
    assert got.notes == []
    assert got.quiet == [
        "root cause: DescribeEvents is not available at this endpoint; "
        "read from DescribeStackEvents instead"
    ]


def test_the_operation_id_comes_from_the_stacks_last_operations_when_events_lack_it(
    cfn: Any,
) -> None:
    stack = {
        "LastOperations": [
            {"OperationType": "ROLLBACK", "OperationId": "rb"},
            {"OperationType": "UPDATE_STACK", "OperationId": "up"},
        ]
    }
    with Stubber(cfn) as stub:
        stub_calls(
            stub,
            [
                (
                    "describe_events",
                    page(op_event(3, "Db", "UPDATE_FAILED", "x", op_id="up")),
                    by_operation("up"),
                ),
                *no_hooks(None),
            ],
        )
        got = rootcause.diagnose(cfn, STACK_ID, opening(None), stack=stack)
        stub.assert_no_pending_responses()
    assert (got.operation_id, [c.logical_id for c in got.causes]) == ("up", ["Db"])


def test_without_an_operation_id_the_stacks_latest_operation_is_read(cfn: Any) -> None:
    answer = page(
        op_event(2, "Old", "UPDATE_FAILED", "an older failure", op_id="old"),
        op_event(5, "Db", "UPDATE_FAILED", "no space", op_id="new"),
        op_event(
            7, "Db", "UPDATE_FAILED", "rollback trouble", op_id="rb", OperationType="ROLLBACK"
        ),
    )
    with Stubber(cfn) as stub:
        stub_calls(stub, [("describe_events", answer, by_stack(STACK_ID)), *no_hooks(None)])
        got = rootcause.diagnose(cfn, STACK_ID, opening(None))
    assert [(c.logical_id, c.reason) for c in got.causes] == [("Db", "no space")]


def test_a_validation_error_names_the_validation() -> None:
    failure = op_event(
        2,
        "Bucket",
        "CREATE_FAILED",
        EventType="VALIDATION_ERROR",
        ValidationName="NAME_CONFLICT_VALIDATION",
        ValidationStatusReason="bucket name taken",
    )
    assert rootcause.event_cause(failure).reason == "NAME_CONFLICT_VALIDATION: bucket name taken"


def test_a_missing_permission_is_shown_and_the_fallback_only_in_json() -> None:
    denied = "root cause: cannot read hook results: needs cloudformation:ListHookResults"
    fallback = "root cause: DescribeEvents is not available at this endpoint"
    result = Result(
        stack="edu",
        operation="update",
        status="UPDATE_ROLLBACK_COMPLETE",
        exit_code=1,
        summary="Stack edu: UPDATE_ROLLBACK_COMPLETE",
        root_cause=[rootcause.Cause("Db", "AWS::RDS::DBInstance", "no space")],
        operation_id=OP_ID,
        cause_notes=[denied],
        quiet_notes=[fallback],
    )
    shown, machine = io.StringIO(), io.StringIO()
    render.text(result, shown)
    render.as_json(result, machine)
    assert denied in shown.getvalue().splitlines() and fallback not in shown.getvalue()
    body = json.loads(machine.getvalue())
    assert (body["operation_id"], body["root_cause_notes"]) == (OP_ID, [denied, fallback])
