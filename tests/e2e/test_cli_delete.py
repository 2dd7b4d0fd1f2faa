"""deploy.py delete on moto's server: access logging into the stack's own buckets is switched off
before they are emptied, so no log record lands in a bucket after its emptying.

moto writes a server access-log record into the target bucket for every request to a logging
bucket, at once (S3 does it best effort, up to hours later). The stack below lists its log
bucket first, so deploy.py empties it before the source bucket: with logging still on, the
requests that empty the source would leave records in the emptied log bucket, and moto's
DeleteStack leaves a non-empty bucket behind (reporting DELETE_COMPLETE anyway). The retry after
a real DELETE_FAILED cannot be shown on moto (its delete never fails on a non-empty bucket, and
its ListStackResources always says CREATE_COMPLETE): tests/stackops/commands/test_delete.py
drives it with botocore's Stubber.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
