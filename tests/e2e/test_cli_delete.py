"""deploy.py delete on moto's server: access logging into the stack's own buckets is switched off
before they are emptied, so no log record lands in a bucket after its emptying; the deletion
protection of the stack's databases is switched off before DeleteStack, never on a kept one; a
retained bucket of a nested stack keeps its objects.

moto writes a server access-log record into the target bucket for every request to a logging
bucket, at once (S3 does it best effort, up to hours later). The stack below lists its log
bucket first, so deploy.py empties it before the source bucket: with logging still on, the
requests that empty the source would leave records in the emptied log bucket, and moto's
DeleteStack leaves a non-empty bucket behind (reporting DELETE_COMPLETE anyway). The retry after
a real DELETE_FAILED cannot be shown on moto (its delete never fails on a non-empty bucket, and
its ListStackResources always says CREATE_COMPLETE): tests/stackops/commands/test_delete.py
drives it with botocore's Stubber.

Databases on moto: its CloudFormation creates an RDS instance but ignores the template's
DeletionProtection (the instance starts unprotected), so each test switches protection on
through the RDS API after the create. moto's DeleteStack does honour it, in its own way: instead
of a DELETE_FAILED stack it answers DeleteStack itself with InvalidParameterCombination and
forgets the stack while the instance stays (shown below). A refused ModifyDBInstance cannot be
shown (moto has no IAM enforcement here): tests/stackops/commands/test_delete.py drives it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.moto import MotoEnv, write_json

LOG_DELIVERY = "uri=http://acs.amazonaws.com/groups/s3/LogDelivery"


def two_buckets(stack: str, *, source_policy: str | None = None) -> dict[str, Any]:
    """A log bucket and a source bucket of the same stack, the log bucket listed first."""
    source: dict[str, Any] = {
        "Type": "AWS::S3::Bucket",
        "Properties": {"BucketName": f"{stack}-source"},
    }
    if source_policy:
        source["DeletionPolicy"] = source_policy
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "LogsBucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"BucketName": f"{stack}-logs"},
            },
            "SourceBucket": source,
        },
    }


def deploy_logging(moto_env: MotoEnv, tmp_path: Path, stack: str, template: dict[str, Any]) -> Any:
    """Deploy, fill both buckets, and let the source log into the log bucket."""
    path = write_json(tmp_path / f"{stack}.json", template)
    args = ("deploy", "--stack-name", stack, "--template", path, "--skip-validation", "--yes")
    assert moto_env.deploy(*args).returncode == 0
    s3 = moto_env.client("s3")
    source, logs = f"{stack}-source", f"{stack}-logs"
    s3.put_bucket_acl(Bucket=logs, GrantWrite=LOG_DELIVERY, GrantReadACP=LOG_DELIVERY)
    s3.put_bucket_logging(
        Bucket=source,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": "s/"}},
    )
    s3.put_object(Bucket=source, Key="bundle.zip", Body=b"zip")
    s3.put_object(Bucket=logs, Key="s/2026-11-26-10-00-00", Body=b"record")
    return s3


def bucket_names(s3: Any) -> set[str]:
    return {b["Name"] for b in s3.list_buckets()["Buckets"]}


def emptied_order(stderr: str) -> list[str]:
    return [line.split()[2].rstrip(":") for line in stderr.splitlines() if "Emptied bucket" in line]


def test_no_log_record_reaches_a_bucket_after_its_emptying(
    moto_env: MotoEnv, tmp_path: Path
) -> None:
    s3 = deploy_logging(moto_env, tmp_path, "late", two_buckets("late"))
    result = moto_env.deploy("delete", "--stack-name", "late", "--yes")
    assert result.returncode == 0, result.stderr
    # The log bucket went first: only the switch-off kept the source's emptying out of it.
    assert emptied_order(result.stderr) == ["late-logs", "late-source"]
    assert "Stopped access logging of bucket late-source into late-logs" in result.stderr
    assert {"late-source", "late-logs"} & bucket_names(s3) == set()


def test_emptying_with_logging_on_refills_the_log_bucket(moto_env: MotoEnv, tmp_path: Path) -> None:
    # What the test above rules out, shown on the same stack without deploy.py: the log bucket
    # is emptied, then the source's emptying writes records into it, and it outlives its stack.
    s3 = deploy_logging(moto_env, tmp_path, "raw", two_buckets("raw"))
    for bucket in ("raw-logs", "raw-source"):
        for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
    assert s3.list_objects_v2(Bucket="raw-logs")["KeyCount"] > 0
    moto_env.client("cloudformation").delete_stack(StackName="raw")
    assert "raw-logs" in bucket_names(s3)


def test_a_retained_bucket_keeps_its_objects_and_stops_logging_into_a_deleted_one(
    moto_env: MotoEnv, tmp_path: Path
) -> None:
    template = two_buckets("kept", source_policy="Retain")
    s3 = deploy_logging(moto_env, tmp_path, "kept", template)
    result = moto_env.deploy("delete", "--stack-name", "kept", "--yes")
    assert result.returncode == 0, result.stderr
    assert "kept-logs" not in bucket_names(s3)
    kept = s3.list_objects_v2(Bucket="kept-source")["Contents"]
    assert [o["Key"] for o in kept] == ["bundle.zip"]
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket="kept-source")
    assert "retained: SourceBucket (DeletionPolicy Retain)" in result.stderr


# -- databases --------------------------------------------------------------------------------


def with_database(stack: str, policy: str) -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Database": {
                "Type": "AWS::RDS::DBInstance",
                "DeletionPolicy": policy,
                "Properties": {
                    "DBInstanceIdentifier": f"{stack}-db",
                    "Engine": "postgres",
                    "DBInstanceClass": "db.t4g.micro",
                    "AllocatedStorage": "20",
                    "MasterUsername": "edu",
                    "MasterUserPassword": "not-a-secret-moto-only",
                    "DeletionProtection": True,
                },
            }
        },
    }


def protected_database(moto_env: MotoEnv, stack: str, policy: str) -> Any:
    """A stack with one database, its deletion protection on (see the module docstring)."""
    cfn, rds = moto_env.client("cloudformation"), moto_env.client("rds")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(with_database(stack, policy)))
    rds.modify_db_instance(
        DBInstanceIdentifier=f"{stack}-db", DeletionProtection=True, ApplyImmediately=True
    )
    return rds


def database(rds: Any, name: str) -> dict[str, Any] | None:
    found = [
        d for d in rds.describe_db_instances()["DBInstances"] if d["DBInstanceIdentifier"] == name
    ]
    return found[0] if found else None


def test_moto_refuses_to_delete_a_protected_database(moto_env: MotoEnv) -> None:
    # What deploy.py delete has to prevent, on the emulator: the protected instance outlives
    # the DeleteStack (moto answers with an error; AWS reports DELETE_FAILED on the instance).
    rds = protected_database(moto_env, "raw", "Delete")
    with pytest.raises(ClientError, match="InvalidParameterCombination"):
        moto_env.client("cloudformation").delete_stack(StackName="raw")
    assert (database(rds, "raw-db") or {}).get("DeletionProtection") is True


def test_delete_switches_protection_off_and_the_database_goes(moto_env: MotoEnv) -> None:
    rds = protected_database(moto_env, "ci", "Delete")
    result = moto_env.deploy("delete", "--stack-name", "ci", "--yes")
    assert result.returncode == 0, result.stderr
    assert (
        "Switched off deletion protection of database ci-db (Database): the stack deletes it"
        in result.stderr
    )
    assert database(rds, "ci-db") is None


def test_a_retained_database_keeps_its_protection(moto_env: MotoEnv) -> None:
    # moto skips only Retain on DeleteStack (it would delete a Snapshot one): Stubber tests in
    # tests/stackops/commands/test_delete.py cover every keeping policy.
    rds = protected_database(moto_env, "prod", "Retain")
    result = moto_env.deploy("delete", "--stack-name", "prod", "--yes")
    assert result.returncode == 0, result.stderr
    assert "deletion protection" not in result.stderr
    assert (database(rds, "prod-db") or {}).get("DeletionProtection") is True
    assert "retained: Database (DeletionPolicy Retain)" in result.stderr


# -- a nested stack's retained bucket -----------------------------------------------------------


def test_a_retained_bucket_of_a_nested_stack_keeps_its_objects(moto_env: MotoEnv) -> None:
    s3, cfn = moto_env.client("s3"), moto_env.client("cloudformation")
    inner = {
        "Resources": {
            "Archive": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "Properties": {"BucketName": "nest-archive"},
            },
            "Scratch": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "nest-scratch"}},
        }
    }
    s3.create_bucket(Bucket="nest-templates")
    s3.put_object(Bucket="nest-templates", Key="inner.json", Body=json.dumps(inner).encode())
    url = "https://nest-templates.s3.amazonaws.com/inner.json"
    outer = {"Resources": {"Data": {"Type": "AWS::CloudFormation::Stack",
                                    "Properties": {"TemplateURL": url}}}}  # fmt: skip
    cfn.create_stack(StackName="nest", TemplateBody=json.dumps(outer))
    s3.put_object(Bucket="nest-archive", Key="record.csv", Body=b"student data")
    s3.put_object(Bucket="nest-scratch", Key="tmp", Body=b"x")
    result = moto_env.deploy("delete", "--stack-name", "nest", "--yes")
    assert result.returncode == 0, result.stderr
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="nest-archive")["Contents"]] == [
        "record.csv"
    ]
    assert "Emptied bucket nest-scratch" in result.stderr
    assert "Emptied bucket nest-archive" not in result.stderr
    assert "retained: Data/Archive (DeletionPolicy Retain)" in result.stderr
