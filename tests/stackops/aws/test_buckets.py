"""stackops.aws.buckets: emptying a bucket, every version and delete marker."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
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
