"""A stack's own buckets: emptying them (every version and delete marker) before a delete,
switching off the access logging that could refill them, and reading a bucket-not-empty
failure."""

from __future__ import annotations

from typing import Any

from ..errors import OperationFailed
from .errors import error_code

BATCH = 1000  # DeleteObjects takes at most 1,000 keys
# How a bucket that was not empty shows in a DELETE_FAILED reason: the S3 error code, or the
# message CloudFormation's handler passes on ("The bucket you tried to delete is not empty").
NOT_EMPTY_MARKS = ("bucketnotempty", "bucket you tried to delete is not empty")


def empty(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker; return how many went."""
    removed = 0
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            keys = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for i in range(0, len(keys), BATCH):
                removed += _delete_batch(s3, bucket, keys[i : i + BATCH])
    except Exception as exc:
        if error_code(exc) == "NoSuchBucket":
            return removed
        raise
    return removed


def _delete_batch(s3: Any, bucket: str, batch: list[dict[str, str]]) -> int:
    answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    errors = answer.get("Errors") or []
    if errors:
        first = errors[0]
        raise OperationFailed(
            f"could not empty bucket {bucket}: {first.get('Key')}: "
            f"{first.get('Code')} {first.get('Message', '')}"
        )
    return len(batch)


def logging_target(s3: Any, bucket: str) -> str | None:
    """The bucket this one delivers its server access logs to; None when logging is off or the
    bucket is gone."""
    try:
        answer = s3.get_bucket_logging(Bucket=bucket)
    except Exception as exc:
        if error_code(exc) == "NoSuchBucket":
            return None
        raise
    target = (answer.get("LoggingEnabled") or {}).get("TargetBucket")
    return str(target) if target else None


def stop_logging(s3: Any, bucket: str) -> None:
    """Switch off server access logging: an empty BucketLoggingStatus is S3's "off"."""
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})


def not_empty(resource: dict[str, Any]) -> bool:
    """A stack resource summary of a bucket whose delete failed because it held objects."""
    reason = str(resource.get("ResourceStatusReason") or "").lower()
    return (
        resource.get("ResourceType") == "AWS::S3::Bucket"
        and str(resource.get("ResourceStatus", "")) == "DELETE_FAILED"
        and any(mark in reason for mark in NOT_EMPTY_MARKS)
    )
