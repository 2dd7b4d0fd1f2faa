"""stackops modules against botocore's Stubber with real response shapes: what moto cannot show
(per-resource events, ClientRequestToken, nested stacks, throttling, rollback states)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from stackops import changeset, rootcause
from stackops.aws import Clients, explain
from stackops.engine import Engine, Request, _Run
from stackops.errors import Interrupted, NeedsHuman
from stackops.events import EventCursor
from stackops.inputs import Inputs
from stackops.polling import Poll
from stackops.progress import PlainView, follow
from stackops.render import Console
from tests.deploy.samples import topic_template

STACK = "edu"
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/edu/1111"
NESTED_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/edu-Data-X/2222"
CS_ARN = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/cs1/3333"
T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
FAST = Poll(minimum=0.001, maximum=0.002, heartbeat=30)


@pytest.fixture
def cfn() -> Any:
    return boto3.client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


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


def stack_event(n: int, status: str, reason: str | None = None, token: str | None = None) -> dict:
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


def newest_first(*events: dict) -> dict:
    return {"StackEvents": sorted(events, key=lambda e: e["Timestamp"], reverse=True)}


# ---------------------------------------------------------------------------- change sets


def test_no_updates_error_at_create_is_no_changes(cfn: Any):
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "create_change_set",
            service_error_code="ValidationError",
            service_message="No updates are to be performed.",
        )
        with pytest.raises(changeset.NoChanges):
            changeset.create(
                cfn, stack_name=STACK, name="cs1", change_set_type="UPDATE",
                template_args={"TemplateBody": "{}"}, parameters=[], tags={}, capabilities=[],
            )  # fmt: skip


def test_failed_empty_change_set_is_no_changes(cfn: Any):
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_change_set",
            {
                "ChangeSetId": CS_ARN,
                "StackId": STACK_ID,
                "Status": "FAILED",
                "StatusReason": "The submitted information didn't contain changes. Submit "
                "different information to create a change set.",
                "ExecutionStatus": "UNAVAILABLE",
            },
            {"ChangeSetName": CS_ARN},
        )
        with pytest.raises(changeset.NoChanges):
            changeset.wait_ready(cfn, changeset.ChangeSet(CS_ARN, STACK_ID), FAST)


def test_describe_change_set_merges_every_page(cfn: Any):
    def change(lid: str) -> dict:
        return {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Add",
                "LogicalResourceId": lid,
                "ResourceType": "AWS::SNS::Topic",
            },
        }

    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_change_set",
            {"Changes": [change("A")], "NextToken": "t2", "Status": "CREATE_COMPLETE"},
            {"ChangeSetName": CS_ARN},
        )
        stub.add_response(
            "describe_change_set",
            {"Changes": [change("B")], "Status": "CREATE_COMPLETE"},
            {"ChangeSetName": CS_ARN, "NextToken": "t2"},
        )
        got = changeset.describe(cfn, CS_ARN)
    assert [c["ResourceChange"]["LogicalResourceId"] for c in got["Changes"]] == ["A", "B"]


def test_execute_passes_a_client_request_token(cfn: Any):
    with Stubber(cfn) as stub:
        stub.add_response(
            "execute_change_set", {}, {"ChangeSetName": CS_ARN, "ClientRequestToken": "tok-1"}
        )
        changeset.execute(cfn, CS_ARN, "tok-1")
        stub.assert_no_pending_responses()


# ---------------------------------------------------------------------------- events


def test_cursor_keeps_only_events_with_this_operations_token(cfn: Any):
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stack_events",
            newest_first(
                stack_event(1, "UPDATE_COMPLETE", token="old"),
                event(5, "Mine", "UPDATE_IN_PROGRESS", token="tok"),
                event(6, "Other", "UPDATE_IN_PROGRESS", token="someone-else"),
                stack_event(7, "UPDATE_IN_PROGRESS", token="tok"),
            ),
            {"StackName": STACK_ID},
        )
        cursor = EventCursor(cfn, STACK_ID, last_id="e1-edu", token="tok")
        got = [e["LogicalResourceId"] for e in cursor.fetch()]
    assert got == ["Mine", STACK]


def test_cursor_without_tokens_uses_events_newer_than_the_marker(cfn: Any):
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stack_events",
            newest_first(stack_event(1, "CREATE_COMPLETE"), event(2, "A", "UPDATE_IN_PROGRESS")),
            {"StackName": STACK_ID},
        )
        stub.add_response(
            "describe_stack_events",
            newest_first(
                stack_event(1, "CREATE_COMPLETE"),
                event(2, "A", "UPDATE_IN_PROGRESS"),
                event(3, "A", "UPDATE_COMPLETE"),
            ),
            {"StackName": STACK_ID},
        )
        cursor = EventCursor(cfn, STACK_ID, last_id="e1-edu", token="tok")
        first = [e["EventId"] for e in cursor.fetch()]
        second = [e["EventId"] for e in cursor.fetch()]
    assert (first, second) == (["e2-A"], ["e3-A"])


# ---------------------------------------------------------------------------- root cause


def test_root_cause_is_the_earliest_real_failure():
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


def test_root_cause_follows_a_nested_stack(cfn: Any):
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


def test_root_cause_falls_back_to_the_stack_reason():
    events = [stack_event(1, "UPDATE_ROLLBACK_FAILED", "Role lacks permissions")]
    assert rootcause.find(None, events)[0].reason == "Role lacks permissions"


# ---------------------------------------------------------------------------- progress


def test_follow_tolerates_throttling(cfn: Any):
    view = PlainView(io.StringIO(), heartbeat=30, clock=lambda: 0.0)
    with Stubber(cfn) as stub:
        stub.add_client_error("describe_stack_events", "Throttling", "Rate exceeded", 400)
        stub.add_response(
            "describe_stack_events",
            newest_first(stack_event(2, "UPDATE_COMPLETE")),
            {"StackName": STACK_ID},
        )
        stub.add_response("describe_stacks", stack_desc("UPDATE_COMPLETE"), {"StackName": STACK_ID})
        stub.add_response(
            "describe_stack_events",
            newest_first(stack_event(2, "UPDATE_COMPLETE")),
            {"StackName": STACK_ID},
        )
        done = follow(
            cfn, STACK_ID, EventCursor(cfn, STACK_ID, "e1"), view, FAST, sleep=lambda s: None
        )
    assert done.status == "UPDATE_COMPLETE"


def test_heartbeat_names_resources_in_progress():
    now = [0.0]
    out = io.StringIO()
    view = PlainView(out, heartbeat=30, clock=lambda: now[0])
    view.events([event(1, "Db", "CREATE_IN_PROGRESS", rtype="AWS::RDS::DBInstance")])
    now[0] = 29.0
    view.tick()
    assert "still in progress" not in out.getvalue()
    now[0] = 31.0
    view.tick()
    assert "still in progress: Db" in out.getvalue().splitlines()[-1]


def test_plain_view_prints_one_line_per_event():
    out = io.StringIO()
    view = PlainView(out, heartbeat=30, clock=lambda: 0.0)
    view.events([event(1, "A", "CREATE_IN_PROGRESS"), event(2, "A", "CREATE_COMPLETE")])
    assert len(out.getvalue().splitlines()) == 2


def test_backoff_grows_to_the_maximum():
    poll = Poll(minimum=1.5, maximum=10.0)
    delays = [1.5]
    for _ in range(8):
        delays.append(poll.next(delays[-1]))
    assert delays[0] == 1.5 and delays[-1] == 10.0 and delays == sorted(delays)


# ---------------------------------------------------------------------------- engine states


def engine_for(cfn: Any) -> tuple[Engine, io.StringIO]:
    err = io.StringIO()
    clients = Clients(cfn=cfn, s3=None, sts=None, region="us-east-1")
    return Engine(clients, Console(err, None), FAST, sleep=lambda s: None), err


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


def test_update_rollback_failed_names_blockers_and_the_command(cfn: Any):
    engine, _ = engine_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_FAILED"), {"StackName": STACK}
        )
        stub.add_response("list_stack_resources", FAILED_RESOURCE, {"StackName": STACK_ID})
        with pytest.raises(NeedsHuman) as caught:
            engine._settle(request())
    details = "\n".join(caught.value.details)
    assert (
        "Db (AWS::RDS::DBInstance) UPDATE_FAILED: DB instance is not in available state" in details
    )
    assert (
        "aws cloudformation continue-update-rollback --stack-name edu --region us-east-1" in details
    )
    assert caught.value.exit_code == 5


def test_continue_rollback_runs_waits_then_goes_on(cfn: Any):
    engine, err = engine_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_FAILED"), {"StackName": STACK}
        )
        stub.add_response("list_stack_resources", FAILED_RESOURCE, {"StackName": STACK_ID})
        before = newest_first(stack_event(1, "UPDATE_ROLLBACK_FAILED"))
        stub.add_response("describe_stack_events", before, {"StackName": STACK_ID})
        stub.add_response(
            "continue_update_rollback", {}, {"StackName": STACK_ID, "ClientRequestToken": ANY}
        )
        after = newest_first(
            stack_event(1, "UPDATE_ROLLBACK_FAILED"),
            stack_event(2, "UPDATE_ROLLBACK_IN_PROGRESS"),
            stack_event(3, "UPDATE_ROLLBACK_COMPLETE"),
        )
        stub.add_response("describe_stack_events", after, {"StackName": STACK_ID})
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK_ID}
        )
        stub.add_response("describe_stack_events", after, {"StackName": STACK_ID})
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK}
        )
        stack = engine._settle(request(continue_rollback=True))
        stub.assert_no_pending_responses()
    assert stack is not None and stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "continuing the rollback" in err.getvalue()


def test_delete_failed_names_what_could_not_be_deleted(cfn: Any):
    engine, _ = engine_for(cfn)
    failed = {
        "StackResourceSummaries": [
            {
                "LogicalResourceId": "Logs",
                "PhysicalResourceId": "edu-logs",
                "ResourceType": "AWS::S3::Bucket",
                "LastUpdatedTimestamp": T0,
                "ResourceStatus": "DELETE_FAILED",
                "ResourceStatusReason": "The bucket you tried to delete is not empty",
            }
        ]
    }
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc("DELETE_FAILED"), {"StackName": STACK})
        stub.add_response("list_stack_resources", failed, {"StackName": STACK_ID})
        with pytest.raises(NeedsHuman, match="could not delete Logs"):
            engine._settle(request())


def test_interrupt_with_cancel_cancels_the_update_and_follows_the_rollback(cfn: Any):
    engine, _ = engine_for(cfn)
    run = _Run(executing=True, stack_id=STACK_ID, change_set_type="UPDATE", token="t")
    rollback = newest_first(
        stack_event(1, "UPDATE_IN_PROGRESS"),
        stack_event(2, "UPDATE_ROLLBACK_IN_PROGRESS", "Stack update cancelled"),
        stack_event(3, "UPDATE_ROLLBACK_COMPLETE"),
    )
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stack_events", newest_first(stack_event(1, "UPDATE_IN_PROGRESS")),
            {"StackName": STACK_ID},
        )  # fmt: skip
        stub.add_response(
            "cancel_update_stack", {}, {"StackName": STACK_ID, "ClientRequestToken": ANY}
        )
        stub.add_response("describe_stack_events", rollback, {"StackName": STACK_ID})
        stub.add_response(
            "describe_stacks", stack_desc("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK_ID}
        )
        stub.add_response("describe_stack_events", rollback, {"StackName": STACK_ID})
        with pytest.raises(Interrupted, match="UPDATE_ROLLBACK_COMPLETE"):
            engine._interrupted(request(on_interrupt="cancel"), run)
        stub.assert_no_pending_responses()


# ---------------------------------------------------------------------------- faults


def test_expired_token_is_explained_in_one_line(cfn: Any):
    from botocore.exceptions import ClientError

    exc = ClientError(
        {"Error": {"Code": "ExpiredToken", "Message": "The security token included has expired"}},
        "DescribeStacks",
    )
    line = explain(exc)
    assert line is not None and "\n" not in line and "refresh" in line


def test_throttling_is_transient_not_fatal():
    from botocore.exceptions import ClientError
    from botocore.parsers import ResponseParserError

    from stackops.aws import is_transient

    throttled = ClientError({"Error": {"Code": "Throttling", "Message": "Rate"}}, "DescribeStacks")
    assert is_transient(throttled) and is_transient(ResponseParserError("500"))


def test_tty_view_redraws_a_board_in_place():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    from stackops.progress import TtyView, make_view

    out = Tty()
    view = make_view(out, FAST, clock=lambda: 5.0)
    assert isinstance(view, TtyView)
    view.expect([("Db", "AWS::RDS::DBInstance"), ("Topic", "AWS::SNS::Topic")])
    view.events([event(1, "Topic", "CREATE_IN_PROGRESS")])
    view.events([event(2, "Topic", "CREATE_COMPLETE")])
    text = out.getvalue()
    assert "\x1b[" in text  # the second frame moves the cursor back over the first
    last = text.split("\x1b[J")[-1]
    assert "1 pending" in last and "1 complete" in last
    assert any(line.split()[:2] == ["pending", "Db"] for line in last.splitlines())


def test_unreadable_answer_is_explained_in_one_line():
    from botocore.parsers import ResponseParserError

    line = explain(ResponseParserError("Unable to parse response (no element found)"))
    assert line is not None and "not an AWS response" in line


def test_clients_retry_adaptively_with_bounded_timeouts():
    from stackops.aws import make_clients

    clients = make_clients("eu-west-1", "http://127.0.0.1:1")
    config = clients.cfn.meta.config
    assert config.retries["mode"] == "adaptive"
    assert config.connect_timeout <= 5 and config.read_timeout <= 5
    assert clients.cfn.meta.endpoint_url == "http://127.0.0.1:1"
    assert clients.region == "eu-west-1"


def test_create_change_set_sends_the_derived_capabilities_and_tags(cfn: Any):
    expected = {
        "StackName": STACK,
        "ChangeSetName": "cs1",
        "ChangeSetType": "CREATE",
        "Parameters": [{"ParameterKey": "Env", "ParameterValue": "prod"}],
        "Tags": [{"Key": "team", "Value": "edu"}],
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Description": "deploy.py",
        "TemplateBody": "{}",
    }
    with Stubber(cfn) as stub:
        stub.add_response("create_change_set", {"Id": CS_ARN, "StackId": STACK_ID}, expected)
        got = changeset.create(
            cfn, stack_name=STACK, name="cs1", change_set_type="CREATE",
            template_args={"TemplateBody": "{}"},
            parameters=[{"ParameterKey": "Env", "ParameterValue": "prod"}],
            tags={"team": "edu"}, capabilities=["CAPABILITY_NAMED_IAM"],
        )  # fmt: skip
    assert (got.arn, got.stack_id) == (CS_ARN, STACK_ID)


def test_update_keeps_previous_values_only_for_parameters_still_declared(cfn: Any):
    engine, _ = engine_for(cfn)
    stack = stack_desc(
        "UPDATE_COMPLETE",
        Parameters=[
            {"ParameterKey": "Env", "ParameterValue": "prod"},
            {"ParameterKey": "Dropped", "ParameterValue": "x"},
        ],
    )["Stacks"][0]
    req = Request(STACK, topic_template(), Inputs({"Owner": "bob"}, {}, frozenset({"Owner"})))
    assert engine._parameters(req, stack) == [
        {"ParameterKey": "Env", "UsePreviousValue": True},
        {"ParameterKey": "Owner", "ParameterValue": "bob"},
    ]


def test_create_change_set_error_is_a_failure_with_its_message(cfn: Any):
    from stackops.errors import OperationFailed

    with Stubber(cfn) as stub:
        stub.add_client_error(
            "create_change_set",
            service_error_code="ValidationError",
            service_message="Template format error: Unresolved resource dependencies [Vpc]",
        )
        with pytest.raises(OperationFailed, match=r"CreateChangeSet failed: .*\[Vpc\]"):
            changeset.create(
                cfn, stack_name=STACK, name="cs1", change_set_type="CREATE",
                template_args={"TemplateBody": "{}"}, parameters=[], tags={}, capabilities=[],
            )  # fmt: skip


def test_delete_reports_failed_retained_and_snapshotted_resources(cfn: Any):
    import json as _json

    engine, _ = engine_for(cfn)
    template = {
        "Resources": {
            "Db": {"Type": "AWS::RDS::DBInstance", "DeletionPolicy": "Snapshot"},
            "Keys": {"Type": "AWS::KMS::Key", "DeletionPolicy": "Retain"},
            "Logs": {"Type": "AWS::Logs::LogGroup"},
        }
    }
    failed = {
        "StackResourceSummaries": [
            {
                "LogicalResourceId": "Logs",
                "PhysicalResourceId": "edu-logs",
                "ResourceType": "AWS::Logs::LogGroup",
                "LastUpdatedTimestamp": T0,
                "ResourceStatus": "DELETE_FAILED",
                "ResourceStatusReason": "Access denied for logs:DeleteLogGroup",
            }
        ]
    }
    deleting = newest_first(
        stack_event(1, "CREATE_COMPLETE"),
        stack_event(2, "DELETE_IN_PROGRESS", "User Initiated"),
        event(3, "Logs", "DELETE_FAILED", "Access denied for logs:DeleteLogGroup",
              rtype="AWS::Logs::LogGroup"),
        stack_event(4, "DELETE_FAILED", "The following resource(s) failed to delete: [Logs]."),
    )  # fmt: skip
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc("CREATE_COMPLETE"), {"StackName": STACK})
        stub.add_response(
            "get_template",
            {"TemplateBody": _json.dumps(template)},
            {"StackName": STACK_ID, "TemplateStage": "Original"},
        )
        stub.add_response(
            "list_stack_resources", {"StackResourceSummaries": []}, {"StackName": STACK_ID}
        )
        stub.add_response(
            "describe_stack_events", newest_first(stack_event(1, "CREATE_COMPLETE")),
            {"StackName": STACK_ID},
        )  # fmt: skip
        stub.add_response("delete_stack", {}, {"StackName": STACK_ID, "ClientRequestToken": ANY})
        stub.add_response("describe_stack_events", deleting, {"StackName": STACK_ID})
        stub.add_response("describe_stacks", stack_desc("DELETE_FAILED"), {"StackName": STACK_ID})
        stub.add_response("describe_stack_events", deleting, {"StackName": STACK_ID})
        stub.add_response("describe_stacks", stack_desc("DELETE_FAILED"), {"StackName": STACK_ID})
        stub.add_response("list_stack_resources", failed, {"StackName": STACK_ID})
        result = engine.delete(STACK, yes=True)
    assert result.exit_code == 1 and result.status == "DELETE_FAILED"
    assert [c.logical_id for c in result.root_cause or []] == ["Logs"]
    text = "\n".join(result.details)
    assert "could not delete: Logs (AWS::Logs::LogGroup) DELETE_FAILED" in text
    assert "retained: Keys (DeletionPolicy Retain)" in text
    assert "snapshotted: Db" in text
