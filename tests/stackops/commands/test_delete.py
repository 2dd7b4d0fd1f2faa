"""stackops.commands.delete: what a delete reports."""

from __future__ import annotations

import json
from typing import Any

from botocore.stub import ANY, Stubber

from stackops.commands import delete
from tests.support.stubbed import (
    STACK,
    STACK_ID,
    T0,
    event,
    newest_first,
    session_for,
    stack_desc,
    stack_event,
)


def test_delete_reports_failed_retained_and_snapshotted_resources(cfn: Any) -> None:
    session, _ = session_for(cfn)
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
            {"TemplateBody": json.dumps(template)},
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
        result = delete.run(session, STACK, yes=True)
    assert result.exit_code == 1 and result.status == "DELETE_FAILED"
    assert [c.logical_id for c in result.root_cause or []] == ["Logs"]
    text = "\n".join(result.details)
    assert "could not delete: Logs (AWS::Logs::LogGroup) DELETE_FAILED" in text
    assert "retained: Keys (DeletionPolicy Retain)" in text
    assert "snapshotted: Db" in text
