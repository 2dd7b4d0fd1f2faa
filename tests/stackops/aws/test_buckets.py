"""stackops.aws.buckets: emptying a bucket, every version and delete marker."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from stackops.aws import buckets
from stackops.errors import OperationFailed


@pytest.fixture
def s3() -> Any:
    return boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def versions(*keys: str) -> dict[str, Any]:
    return {"Versions": [{"Key": k, "VersionId": f"v-{k}"} for k in keys], "IsTruncated": False}


def test_every_version_is_deleted_and_counted(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_response("list_object_versions", versions("a", "b"), {"Bucket": "data"})
        objects = [{"Key": "a", "VersionId": "v-a"}, {"Key": "b", "VersionId": "v-b"}]
        expected = {"Bucket": "data", "Delete": {"Objects": objects, "Quiet": True}}
        stub.add_response("delete_objects", {}, expected)
        assert buckets.empty(s3, "data") == 2


def test_an_object_that_will_not_go_is_a_failure(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_response("list_object_versions", versions("a"), {"Bucket": "data"})
        errors = {"Errors": [{"Key": "a", "Code": "AccessDenied", "Message": "no"}]}
        stub.add_response("delete_objects", errors, None)
        with pytest.raises(OperationFailed, match="could not empty bucket data: a: AccessDenied"):
            buckets.empty(s3, "data")


def test_a_bucket_already_gone_is_empty(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_client_error("list_object_versions", "NoSuchBucket", "gone", 404)
        assert buckets.empty(s3, "data") == 0


# -- access logging -------------------------------------------------------------------------


def test_logging_target_names_the_bucket_logs_go_to(s3: Any) -> None:
    with Stubber(s3) as stub:
        answer = {"LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "source/"}}
        stub.add_response("get_bucket_logging", answer, {"Bucket": "source"})
        assert buckets.logging_target(s3, "source") == "logs"


def test_logging_target_is_none_when_logging_is_off(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_response("get_bucket_logging", {}, {"Bucket": "source"})
        assert buckets.logging_target(s3, "source") is None


def test_logging_target_of_a_bucket_already_gone_is_none(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_client_error("get_bucket_logging", "NoSuchBucket", "gone", 404)
        assert buckets.logging_target(s3, "source") is None


def test_logging_target_passes_other_errors_on(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_client_error("get_bucket_logging", "AccessDenied", "no", 403)
        with pytest.raises(ClientError, match="AccessDenied"):
            buckets.logging_target(s3, "source")


def test_stop_logging_puts_an_empty_logging_status(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_response("put_bucket_logging", {}, {"Bucket": "source", "BucketLoggingStatus": {}})
        buckets.stop_logging(s3, "source")
        stub.assert_no_pending_responses()


# -- a delete that failed on a non-empty bucket ---------------------------------------------


def summary(status: str, reason: str, rtype: str = "AWS::S3::Bucket") -> dict[str, Any]:
    return {
        "LogicalResourceId": "Logs",
        "ResourceType": rtype,
        "ResourceStatus": status,
        "ResourceStatusReason": reason,
    }


@pytest.mark.parametrize(
    "reason",
    [
        'Resource handler returned message: "The bucket you tried to delete is not empty '
        '(Service: S3, Status Code: 409, Request ID: X)" '
        "(HandlerErrorCode: GeneralServiceException)",
        "BucketNotEmpty: The bucket you tried to delete is not empty",
        "The bucket you tried to delete is not empty. You must delete all versions in the bucket.",
    ],
)
def test_a_bucket_not_empty_failure_is_recognised(reason: str) -> None:
    assert buckets.not_empty(summary("DELETE_FAILED", reason))


@pytest.mark.parametrize(
    ("status", "reason", "rtype"),
    [
        ("DELETE_FAILED", "Access Denied", "AWS::S3::Bucket"),
        ("DELETE_FAILED", "", "AWS::S3::Bucket"),
        ("DELETE_FAILED", "BucketNotEmpty", "AWS::S3::BucketPolicy"),
        ("CREATE_FAILED", "BucketNotEmpty", "AWS::S3::Bucket"),
        ("DELETE_COMPLETE", "BucketNotEmpty", "AWS::S3::Bucket"),
    ],
)
def test_other_failures_are_not_a_bucket_not_empty(status: str, reason: str, rtype: str) -> None:
    assert not buckets.not_empty(summary(status, reason, rtype))
