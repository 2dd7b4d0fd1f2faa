"""stackops.commands.delete: what a delete reports, and what it does before DeleteStack.

botocore's Stubber throughout: it fails on any call not expected, in the order expected, so a
test shows both that a step happens before DeleteStack and that a kept bucket or database gets
no call at all. moto cannot show the failure paths (its DeleteStack never fails on a non-empty
bucket, and a protected database makes its DeleteStack answer with an error instead of
DELETE_FAILED); tests/e2e/test_cli_delete.py covers the rest on moto's server.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from stackops.commands import delete
from stackops.errors import Refused
from tests.support.stubbed import (
    NESTED_ID,
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
    # Without --force the delete is as before, and its line names the flag that gets out.
    assert result.summary.startswith("Stack edu: DELETE_FAILED; next: ")
    assert "`python deploy.py delete --stack-name edu --force`" in result.summary
    text = "\n".join(result.details)
    assert "could not delete: Logs (AWS::Logs::LogGroup) DELETE_FAILED" in text
    assert "retained: Keys (DeletionPolicy Retain)" in text
    assert "snapshotted: Db" in text


# -- access logging and the retry after a bucket refilled (botocore's Stubber) --------------
# moto's DeleteStack never fails on a non-empty bucket (it reports DELETE_COMPLETE and leaves
# the bucket), and its ListStackResources always says CREATE_COMPLETE, so the DELETE_FAILED
# path can only be driven here; tests/e2e/test_cli_delete.py covers the rest on moto's server.

SOURCE, LOGS = "edu-source", "edu-logs"
NOT_EMPTY = (
    'Resource handler returned message: "The bucket you tried to delete is not empty '
    '(Service: S3, Status Code: 409)" (HandlerErrorCode: GeneralServiceException)'
)


@pytest.fixture
def s3() -> Any:
    return boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def bucket_row(lid: str, name: str, status: str = "CREATE_COMPLETE", reason: str = "") -> Any:
    row = {
        "LogicalResourceId": lid,
        "PhysicalResourceId": name,
        "ResourceType": "AWS::S3::Bucket",
        "LastUpdatedTimestamp": T0,
        "ResourceStatus": status,
    }
    if reason:
        row["ResourceStatusReason"] = reason
    return row


def rows(*summaries: dict[str, Any]) -> dict[str, Any]:
    return {"StackResourceSummaries": list(summaries)}


def start(stub: Stubber, template: dict[str, Any], listing: dict[str, Any]) -> None:
    """describe, the deployed template (what is kept), the stack's buckets."""
    stub.add_response("describe_stacks", stack_desc("CREATE_COMPLETE"), {"StackName": STACK})
    stub.add_response(
        "get_template",
        {"TemplateBody": json.dumps(template)},
        {"StackName": STACK_ID, "TemplateStage": "Original"},
    )
    stub.add_response("list_stack_resources", listing, {"StackName": STACK_ID})


def attempt(stub: Stubber, n: int, status: str, failed: str | None = None) -> None:
    """One DeleteStack followed to `status` (events numbered from `n`)."""
    before = newest_first(stack_event(n, "CREATE_COMPLETE"))
    events = [stack_event(n + 1, "DELETE_IN_PROGRESS", "User Initiated")]
    if failed:
        events.append(event(n + 2, failed, "DELETE_FAILED", NOT_EMPTY, rtype="AWS::S3::Bucket"))
    events.append(stack_event(n + 3, status))
    stub.add_response("describe_stack_events", before, {"StackName": STACK_ID})
    stub.add_response("delete_stack", {}, {"StackName": STACK_ID, "ClientRequestToken": ANY})
    stub.add_response("describe_stack_events", newest_first(*events), {"StackName": STACK_ID})
    stub.add_response("describe_stacks", stack_desc(status), {"StackName": STACK_ID})
    stub.add_response("describe_stack_events", newest_first(*events), {"StackName": STACK_ID})


def emptying(stub: Stubber, bucket: str, *keys: str) -> None:
    versions = [{"Key": k, "VersionId": f"v-{k}"} for k in keys]
    stub.add_response("list_object_versions", {"Versions": versions}, {"Bucket": bucket})
    if versions:
        stub.add_response(
            "delete_objects",
            {},
            {"Bucket": bucket, "Delete": {"Objects": versions, "Quiet": True}},
        )


def logging_of(stub: Stubber, bucket: str, target: str | None) -> None:
    answer = {"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": ""}} if target else {}
    stub.add_response("get_bucket_logging", answer, {"Bucket": bucket})


TWO_BUCKETS = {
    "Resources": {
        "SourceBucket": {"Type": "AWS::S3::Bucket"},
        "LogsBucket": {"Type": "AWS::S3::Bucket"},
    }
}
LISTING = rows(bucket_row("SourceBucket", SOURCE), bucket_row("LogsBucket", LOGS))


def test_logging_into_an_emptied_bucket_stops_before_any_emptying(cfn: Any, s3: Any) -> None:
    session, err = session_for(cfn, s3)
    with Stubber(cfn) as stub, Stubber(s3) as s3_stub:
        start(stub, TWO_BUCKETS, LISTING)
        logging_of(s3_stub, SOURCE, LOGS)
        s3_stub.add_response(
            "put_bucket_logging", {}, {"Bucket": SOURCE, "BucketLoggingStatus": {}}
        )
        logging_of(s3_stub, LOGS, None)
        emptying(s3_stub, SOURCE, "bundle.zip")
        emptying(s3_stub, LOGS, "log-1", "log-2")
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
        s3_stub.assert_no_pending_responses()
    assert (result.exit_code, result.status) == (0, "DELETE_COMPLETE")
    assert f"Stopped access logging of bucket {SOURCE} into {LOGS}" in err.getvalue()


def test_logging_into_a_kept_bucket_is_left_on(cfn: Any, s3: Any) -> None:
    session, err = session_for(cfn, s3)
    template = json.loads(json.dumps(TWO_BUCKETS))
    template["Resources"]["LogsBucket"]["DeletionPolicy"] = "Retain"
    with Stubber(cfn) as stub, Stubber(s3) as s3_stub:
        start(stub, template, LISTING)
        logging_of(s3_stub, SOURCE, LOGS)  # no put_bucket_logging: the stub would refuse it
        logging_of(s3_stub, LOGS, None)
        emptying(s3_stub, SOURCE)
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
        s3_stub.assert_no_pending_responses()
    assert result.exit_code == 0
    assert "Stopped access logging" not in err.getvalue()
    assert "retained: LogsBucket (DeletionPolicy Retain)" in result.details


def test_a_refused_logging_call_is_a_warning_and_the_delete_goes_on(cfn: Any, s3: Any) -> None:
    session, err = session_for(cfn, s3)
    with Stubber(cfn) as stub, Stubber(s3) as s3_stub:
        start(stub, TWO_BUCKETS, LISTING)
        s3_stub.add_client_error("get_bucket_logging", "AccessDenied", "no s3:GetBucketLogging")
        logging_of(s3_stub, LOGS, None)
        emptying(s3_stub, SOURCE)
        emptying(s3_stub, LOGS)
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
    assert result.exit_code == 0
    assert f"warning: could not stop access logging of bucket {SOURCE}: AccessDenied" in (
        err.getvalue()
    )


def test_a_bucket_refilled_after_emptying_is_emptied_again_and_the_delete_retried(
    cfn: Any, s3: Any
) -> None:
    session, err = session_for(cfn, s3)
    with Stubber(cfn) as stub, Stubber(s3) as s3_stub:
        start(stub, TWO_BUCKETS, LISTING)
        logging_of(s3_stub, SOURCE, None)
        logging_of(s3_stub, LOGS, None)
        emptying(s3_stub, SOURCE)
        emptying(s3_stub, LOGS, "log-1")
        attempt(stub, 1, "DELETE_FAILED", failed="LogsBucket")
        failed = rows(bucket_row("LogsBucket", LOGS, "DELETE_FAILED", NOT_EMPTY))
        stub.add_response("list_stack_resources", failed, {"StackName": STACK_ID})
        emptying(s3_stub, LOGS, "late-log-record")
        attempt(stub, 10, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
        stub.assert_no_pending_responses()
        s3_stub.assert_no_pending_responses()
    assert (result.exit_code, result.status) == (0, "DELETE_COMPLETE")
    text = err.getvalue()
    assert f"DELETE_FAILED on non-empty bucket(s) {LOGS}" in text
    assert "emptying again and retrying the delete (1 of 2)" in text
    assert f"Emptied bucket {LOGS}: 1 object version(s)" in text


def test_the_retry_is_bounded(cfn: Any, s3: Any) -> None:
    session, err = session_for(cfn, s3)
    failed = rows(bucket_row("LogsBucket", LOGS, "DELETE_FAILED", NOT_EMPTY))
    with Stubber(cfn) as stub, Stubber(s3) as s3_stub:
        start(stub, TWO_BUCKETS, LISTING)
        logging_of(s3_stub, SOURCE, None)
        logging_of(s3_stub, LOGS, None)
        emptying(s3_stub, SOURCE)
        emptying(s3_stub, LOGS)
        for n in range(delete.NOT_EMPTY_RETRIES + 1):
            attempt(stub, 10 * n + 1, "DELETE_FAILED", failed="LogsBucket")
            if n < delete.NOT_EMPTY_RETRIES:
                stub.add_response("list_stack_resources", failed, {"StackName": STACK_ID})
                emptying(s3_stub, LOGS, f"late-{n}")
        # The outcome: the stack is still there, and names what could not go.
        stub.add_response("describe_stacks", stack_desc("DELETE_FAILED"), {"StackName": STACK_ID})
        stub.add_response("list_stack_resources", failed, {"StackName": STACK_ID})
        result = delete.run(session, STACK, yes=True)
        stub.assert_no_pending_responses()
    assert (result.exit_code, result.status) == (1, "DELETE_FAILED")
    assert err.getvalue().count("emptying again and retrying the delete") == 2
    assert any(line.startswith("could not delete: LogsBucket") for line in result.details)
    assert [c.logical_id for c in result.root_cause or []] == ["LogsBucket"]


def test_a_kept_bucket_that_failed_not_empty_is_never_emptied(cfn: Any, s3: Any) -> None:
    session, err = session_for(cfn, s3)
    template = json.loads(json.dumps(TWO_BUCKETS))
    template["Resources"]["LogsBucket"]["DeletionPolicy"] = "Retain"
    failed = rows(bucket_row("LogsBucket", LOGS, "DELETE_FAILED", NOT_EMPTY))
    with Stubber(cfn) as stub, Stubber(s3) as s3_stub:
        start(stub, template, LISTING)
        logging_of(s3_stub, SOURCE, None)
        logging_of(s3_stub, LOGS, None)
        emptying(s3_stub, SOURCE)  # the only emptying: the stub refuses any call on LOGS
        attempt(stub, 1, "DELETE_FAILED", failed="LogsBucket")
        stub.add_response("list_stack_resources", failed, {"StackName": STACK_ID})
        stub.add_response("describe_stacks", stack_desc("DELETE_FAILED"), {"StackName": STACK_ID})
        stub.add_response("list_stack_resources", failed, {"StackName": STACK_ID})
        result = delete.run(session, STACK, yes=True)
        stub.assert_no_pending_responses()
        s3_stub.assert_no_pending_responses()
    assert result.exit_code == 1
    assert "retrying" not in err.getvalue() and f"Emptied bucket {LOGS}" not in err.getvalue()


def test_another_failure_is_not_retried(cfn: Any, s3: Any) -> None:
    session, err = session_for(cfn, s3)
    denied = rows(bucket_row("LogsBucket", LOGS, "DELETE_FAILED", "Access Denied"))
    with Stubber(cfn) as stub, Stubber(s3) as s3_stub:
        start(stub, TWO_BUCKETS, LISTING)
        logging_of(s3_stub, SOURCE, None)
        logging_of(s3_stub, LOGS, None)
        emptying(s3_stub, SOURCE)
        emptying(s3_stub, LOGS)
        attempt(stub, 1, "DELETE_FAILED", failed="LogsBucket")
        stub.add_response("list_stack_resources", denied, {"StackName": STACK_ID})
        stub.add_response("describe_stacks", stack_desc("DELETE_FAILED"), {"StackName": STACK_ID})
        stub.add_response("list_stack_resources", denied, {"StackName": STACK_ID})
        result = delete.run(session, STACK, yes=True)
        stub.assert_no_pending_responses()
    assert result.exit_code == 1
    assert "retrying" not in err.getvalue()


# -- databases: deletion protection off before DeleteStack, never on a kept one ---------------


@pytest.fixture
def rds() -> Any:
    return boto3.client(
        "rds", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def db_row(lid: str, name: str, rtype: str = "AWS::RDS::DBInstance") -> dict[str, Any]:
    return {
        "LogicalResourceId": lid,
        "PhysicalResourceId": name,
        "ResourceType": rtype,
        "LastUpdatedTimestamp": T0,
        "ResourceStatus": "CREATE_COMPLETE",
    }


def unprotecting(stub: Stubber, name: str, operation: str = "modify_db_instance") -> None:
    key = "DBClusterIdentifier" if operation == "modify_db_cluster" else "DBInstanceIdentifier"
    expected = {key: name, "DeletionProtection": False, "ApplyImmediately": True}
    stub.add_response(operation, {}, expected)


def calls_of(*clients: Any) -> list[str]:
    """The operation names the clients are asked for, in the order asked, across clients;
    recorded on the first event of a call, before the Stubber can refuse it."""
    asked: list[str] = []

    def record(model: Any, **kwargs: Any) -> None:
        asked.append(model.name)

    for client in clients:
        client.meta.events.register("provide-client-params", record)
    return asked


def with_policy(policy: str | None, rtype: str = "AWS::RDS::DBInstance") -> dict[str, Any]:
    resource: dict[str, Any] = {"Type": rtype}
    if policy:
        resource["DeletionPolicy"] = policy
    return {"Resources": {"Db": resource}}


def test_protection_is_switched_off_before_delete_stack(cfn: Any, rds: Any) -> None:
    session, err = session_for(cfn, rds=rds)
    asked = calls_of(cfn, rds)
    with Stubber(cfn) as stub, Stubber(rds) as rds_stub:
        start(stub, with_policy("Delete"), rows(db_row("Db", "edu-db-ci")))
        unprotecting(rds_stub, "edu-db-ci")
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
        rds_stub.assert_no_pending_responses()
    assert (result.exit_code, result.status) == (0, "DELETE_COMPLETE")
    assert asked.index("ModifyDBInstance") < asked.index("DeleteStack")
    lines = [line for line in err.getvalue().splitlines() if "deletion protection" in line]
    assert lines == [
        "Switched off deletion protection of database edu-db-ci (Db): the stack deletes it"
    ]


def test_a_cluster_is_switched_off_through_the_cluster_call(cfn: Any, rds: Any) -> None:
    session, err = session_for(cfn, rds=rds)
    with Stubber(cfn) as stub, Stubber(rds) as rds_stub:
        start(stub, with_policy(None, "AWS::RDS::DBCluster"),
              rows(db_row("Db", "edu-cluster-ci", "AWS::RDS::DBCluster")))  # fmt: skip
        unprotecting(rds_stub, "edu-cluster-ci", "modify_db_cluster")
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
        rds_stub.assert_no_pending_responses()
    assert result.exit_code == 0
    assert "Switched off deletion protection of database edu-cluster-ci" in err.getvalue()


@pytest.mark.parametrize("policy", delete.KEEPING_POLICIES)
def test_a_kept_database_is_never_touched(cfn: Any, rds: Any, policy: str) -> None:
    session, err = session_for(cfn, rds=rds)
    asked = calls_of(rds)
    with Stubber(cfn) as stub, Stubber(rds):  # no rds response: any rds call would raise
        start(stub, with_policy(policy), rows(db_row("Db", "edu-db")))
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
        stub.assert_no_pending_responses()
    assert result.exit_code == 0
    assert asked == []
    assert "deletion protection" not in err.getvalue()


def test_a_database_inside_a_retained_nested_stack_is_never_touched(cfn: Any, rds: Any) -> None:
    session, err = session_for(cfn, rds=rds)
    asked = calls_of(rds)
    outer = {
        "Resources": {"Data": {"Type": "AWS::CloudFormation::Stack", "DeletionPolicy": "Retain"}}
    }
    with Stubber(cfn) as stub, Stubber(rds):
        start(stub, outer, rows(db_row("Data", NESTED_ID, "AWS::CloudFormation::Stack")))
        stub.add_response("get_template", {"TemplateBody": json.dumps(with_policy("Delete"))},
                          {"StackName": NESTED_ID, "TemplateStage": "Original"})  # fmt: skip
        stub.add_response("list_stack_resources", rows(db_row("Db", "edu-db")),
                          {"StackName": NESTED_ID})  # fmt: skip
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
        stub.assert_no_pending_responses()
    assert result.exit_code == 0 and asked == []
    assert "deletion protection" not in err.getvalue()


def test_a_policy_written_as_a_function_counts_as_keeping(cfn: Any, rds: Any) -> None:
    session, _ = session_for(cfn, rds=rds)
    template = with_policy(None)
    template["Resources"]["Db"]["DeletionPolicy"] = {"Fn::If": ["Prod", "Retain", "Delete"]}
    with Stubber(cfn) as stub, Stubber(rds):
        start(stub, template, rows(db_row("Db", "edu-db")))
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
    assert "retained: Db (DeletionPolicy Fn::If)" in result.details


def test_a_refused_switch_off_is_a_warning_and_the_delete_goes_on(cfn: Any, rds: Any) -> None:
    session, err = session_for(cfn, rds=rds)
    asked = calls_of(cfn)
    with Stubber(cfn) as stub, Stubber(rds) as rds_stub:
        start(stub, with_policy("Delete"), rows(db_row("Db", "edu-db-ci")))
        rds_stub.add_client_error(
            "modify_db_instance", "AccessDenied", "no rds:ModifyDBInstance", 403
        )
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
        stub.assert_no_pending_responses()
    assert "DeleteStack" in asked and result.exit_code == 0
    warnings = [line for line in err.getvalue().splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: could not switch off deletion protection of database edu-db-ci (Db): "
        "AccessDenied: no rds:ModifyDBInstance"
    ]


def test_a_database_gone_already_is_not_reported(cfn: Any, rds: Any) -> None:
    session, err = session_for(cfn, rds=rds)
    with Stubber(cfn) as stub, Stubber(rds) as rds_stub:
        start(stub, with_policy("Delete"), rows(db_row("Db", "edu-db-ci")))
        rds_stub.add_client_error("modify_db_instance", "DBInstanceNotFound", "gone", 404)
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
    assert result.exit_code == 0
    assert "deletion protection" not in err.getvalue()


# -- a retained bucket inside a nested stack ------------------------------------------------


def test_a_retained_bucket_of_a_nested_stack_is_never_emptied(cfn: Any, s3: Any) -> None:
    session, err = session_for(cfn, s3)
    outer = {"Resources": {"Data": {"Type": "AWS::CloudFormation::Stack"}}}
    inner = json.loads(json.dumps(TWO_BUCKETS))
    inner["Resources"]["LogsBucket"]["DeletionPolicy"] = "Retain"
    with Stubber(cfn) as stub, Stubber(s3) as s3_stub:
        start(stub, outer, rows(db_row("Data", NESTED_ID, "AWS::CloudFormation::Stack")))
        stub.add_response("get_template", {"TemplateBody": json.dumps(inner)},
                          {"StackName": NESTED_ID, "TemplateStage": "Original"})  # fmt: skip
        stub.add_response("list_stack_resources", LISTING, {"StackName": NESTED_ID})
        logging_of(s3_stub, SOURCE, None)
        logging_of(s3_stub, LOGS, None)
        emptying(s3_stub, SOURCE, "bundle.zip")  # the only emptying: LOGS would get no answer
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
        stub.assert_no_pending_responses()
        s3_stub.assert_no_pending_responses()
    assert result.exit_code == 0
    assert f"Emptied bucket {SOURCE}" in err.getvalue()
    assert f"Emptied bucket {LOGS}" not in err.getvalue()
    assert "retained: Data/LogsBucket (DeletionPolicy Retain)" in result.details


def test_every_bucket_of_a_retained_nested_stack_is_kept(cfn: Any, s3: Any) -> None:
    session, err = session_for(cfn, s3)
    outer = {
        "Resources": {"Data": {"Type": "AWS::CloudFormation::Stack", "DeletionPolicy": "Retain"}}
    }
    with Stubber(cfn) as stub, Stubber(s3) as s3_stub:
        start(stub, outer, rows(db_row("Data", NESTED_ID, "AWS::CloudFormation::Stack")))
        stub.add_response("get_template", {"TemplateBody": json.dumps(TWO_BUCKETS)},
                          {"StackName": NESTED_ID, "TemplateStage": "Original"})  # fmt: skip
        stub.add_response("list_stack_resources", LISTING, {"StackName": NESTED_ID})
        logging_of(s3_stub, SOURCE, None)
        logging_of(s3_stub, LOGS, None)
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
        s3_stub.assert_no_pending_responses()
    assert result.exit_code == 0 and "Emptied bucket" not in err.getvalue()


# -- a policy still in use as a permissions boundary ----------------------------------------

BOUNDARY_ARN = "arn:aws:iam::111122223333:policy/edu-staging-boundary-prod"
WITH_BOUNDARY = {
    "Resources": {
        "StagingBoundary": {"Type": "AWS::IAM::ManagedPolicy"},
        "SourceBucket": {"Type": "AWS::S3::Bucket"},
    }
}


def _boundary_listing() -> dict[str, Any]:
    policy = db_row("StagingBoundary", BOUNDARY_ARN, "AWS::IAM::ManagedPolicy")
    return rows(policy, bucket_row("SourceBucket", SOURCE))


def test_a_policy_other_stacks_roles_carry_as_boundary_refuses_before_any_change(
    cfn: Any, s3: Any
) -> None:
    iam = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    session, _ = session_for(cfn, s3)
    session.clients.iam = iam
    asked = calls_of(cfn, s3, iam)
    role = "edu-platform-prod-stg-StagingExecutionRole-B2"
    with Stubber(cfn) as stub, Stubber(s3), Stubber(iam) as iam_stub:
        start(stub, WITH_BOUNDARY, _boundary_listing())
        iam_stub.add_response(
            "list_entities_for_policy",
            {"PolicyRoles": [{"RoleName": role, "RoleId": "AROA0000000000000001"}]},
            {
                "PolicyArn": BOUNDARY_ARN,
                "EntityFilter": "Role",
                "PolicyUsageFilter": "PermissionsBoundary",
            },
        )
        iam_stub.add_response(
            "list_role_tags",
            {"Tags": [{"Key": "aws:cloudformation:stack-name", "Value": "edu-platform-prod-stg"}]},
            {"RoleName": role},
        )
        with pytest.raises(Refused) as refused:
            delete.run(session, STACK, yes=True)
    assert refused.value.exit_code == 3
    assert str(refused.value).endswith("Delete these stacks first: edu-platform-prod-stg")
    # Nothing emptied, unprotected or deleted.
    assert not {"ListObjectVersions", "GetBucketLogging", "DeleteStack"} & set(asked)


def test_a_boundary_check_iam_refuses_is_a_warning_and_the_delete_goes_on(
    cfn: Any, s3: Any
) -> None:
    iam = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    session, err = session_for(cfn, s3)
    session.clients.iam = iam
    with Stubber(cfn) as stub, Stubber(s3) as s3_stub, Stubber(iam) as iam_stub:
        start(stub, WITH_BOUNDARY, _boundary_listing())
        iam_stub.add_client_error("list_entities_for_policy", "AccessDenied", "not allowed")
        logging_of(s3_stub, SOURCE, None)
        emptying(s3_stub, SOURCE)
        attempt(stub, 1, "DELETE_COMPLETE")
        result = delete.run(session, STACK, yes=True)
    assert result.exit_code == 0
    assert "could not check the boundaries its policies may be: AccessDenied" in err.getvalue()
