"""Explicit names are free: moto's server for buckets, DB instances, log groups, secrets and a
stack that already holds its names; Stubber for ElastiCache and S3's 403."""

from __future__ import annotations

import json

from botocore.stub import Stubber

from stackops.aws import stacks
from stackops.preflight.runner import inspect
from tests.support.preflight import (
    ACCOUNT,
    REGION,
    client,
    moto_session,
    request,
    resource,
    stub_client,
    stubbed_session,
    with_resources,
)

BUCKET = "edu-files-dev-" + ACCOUNT


def named_template() -> dict[str, object]:
    return with_resources(
        Files=resource(
            "AWS::S3::Bucket", BucketName={"Fn::Sub": "edu-files-${Env}-${AWS::AccountId}"}
        ),
        Logs=resource("AWS::Logs::LogGroup", LogGroupName={"Fn::Sub": "/edu/${Env}/app"}),
        Db=resource("AWS::RDS::DBInstance", DBInstanceIdentifier={"Fn::Sub": "edu-db-${Env}"}),
        Secret=resource("AWS::SecretsManager::Secret", Name={"Fn::Sub": "edu-${AWS::StackName}"}),
    )


def test_free_names_pass(account: str) -> None:
    session, _ = moto_session(account)
    report = inspect(session, request(named_template()), None)
    assert report.findings == [] and report.skips == [] and report.checked == 4


def test_every_taken_name_is_a_blocker(account: str) -> None:
    client(account, "s3").create_bucket(Bucket=BUCKET)
    client(account, "logs").create_log_group(logGroupName="/edu/dev/app")
    client(account, "rds").create_db_instance(
        DBInstanceIdentifier="edu-db-dev", DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="u", MasterUserPassword="p" * 12, AllocatedStorage=20,
    )  # fmt: skip
    sm = client(account, "secretsmanager")
    sm.create_secret(Name="edu-edu", SecretString="x")
    sm.delete_secret(SecretId="edu-edu", RecoveryWindowInDays=7)
    session, _ = moto_session(account)
    report = inspect(session, request(named_template()), None)
    subjects = {f.check: f.subject for f in report.findings}
    assert subjects == {
        "bucket names": f"Files {BUCKET}",
        "log group names": "Logs /edu/dev/app",
        "DB instance identifiers": "Db edu-db-dev",
        "secret names": "Secret edu-edu",
    }
    secret = next(f for f in report.findings if f.check == "secret names")
    assert "recovery window" in secret.problem and "--force-delete-without-recovery" in secret.fix


def test_names_are_computed_with_the_values_being_deployed(account: str) -> None:
    client(account, "logs").create_log_group(logGroupName="/edu/prod/app")
    session, _ = moto_session(account)
    assert inspect(session, request(named_template()), None).findings == []
    report = inspect(session, request(named_template(), {"Env": "prod"}), None)
    assert [f.subject for f in report.findings] == ["Logs /edu/prod/app"]


def test_names_the_stack_already_holds_are_not_checked(account: str) -> None:
    template = with_resources(Files=resource("AWS::S3::Bucket", BucketName="edu-held"))
    cfn = client(account, "cloudformation")
    cfn.create_stack(StackName="edu", TemplateBody=json.dumps(template))
    stack = stacks.describe(cfn, "edu")
    session, _ = moto_session(account)
    assert inspect(session, request(template), stack).findings == []
    # Without the stack (a create of the same template elsewhere) the bucket is taken.
    assert [f.check for f in inspect(session, request(template), None).findings] == ["bucket names"]


def test_replication_group_id_taken_and_bucket_held_elsewhere() -> None:
    sts, ec, s3 = stub_client("sts"), stub_client("elasticache"), stub_client("s3")
    template = with_resources(
        Cache=resource("AWS::ElastiCache::ReplicationGroup", ReplicationGroupId="edu-cache"),
        Files=resource("AWS::S3::Bucket", BucketName="popular"),
    )
    with Stubber(sts) as s, Stubber(ec) as e, Stubber(s3) as b:
        s.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::1:user/u"})
        b.add_client_error("head_bucket", "403", "Forbidden", http_status_code=403)
        e.add_response(
            "describe_replication_groups",
            {"ReplicationGroups": [{"ReplicationGroupId": "edu-cache"}]},
        )
        session, _ = stubbed_session(sts=sts, elasticache=ec, s3=s3)
        report = inspect(session, request(template), None)
    problems = {f.check: f.problem for f in report.findings}
    assert problems == {
        "bucket names": "is held by another account",
        "replication group IDs": f"a replication group of this ID exists in {REGION}",
    }


def test_replication_group_not_found_is_free() -> None:
    sts, ec = stub_client("sts"), stub_client("elasticache")
    template = with_resources(
        Cache=resource("AWS::ElastiCache::ReplicationGroup", ReplicationGroupId="edu-cache")
    )
    with Stubber(sts) as s, Stubber(ec) as e:
        s.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::1:user/u"})
        e.add_client_error(
            "describe_replication_groups", "ReplicationGroupNotFoundFault", http_status_code=404
        )
        session, _ = stubbed_session(sts=sts, elasticache=ec)
        report = inspect(session, request(template), None)
    assert report.findings == [] and report.skips == [] and report.checked == 1


def test_a_name_holding_an_unknown_stack_id_is_not_checked() -> None:
    sts = stub_client("sts")
    template = with_resources(
        Logs=resource("AWS::Logs::LogGroup", LogGroupName={"Fn::Sub": "/x/${AWS::StackId}"})
    )
    with Stubber(sts) as s:
        s.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::1:user/u"})
        session, _ = stubbed_session(sts=sts)  # no logs client: a call would be a skip line
        report = inspect(session, request(template), None)
    assert report.checked == 0 and report.skips == []
