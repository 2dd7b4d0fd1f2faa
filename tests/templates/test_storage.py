"""The CI/CD buckets: encrypted, versioned, private, TLS-only, logged, event-emitting, and
Object-Locked where the access-log delivery allows it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import find_resources, matches, resources
from tests.support.profiles import PIPELINE_PROFILES

PROFILES = PIPELINE_PROFILES

SOURCE, ARTIFACTS, LOGS = "SourceBucket", "ArtifactsBucket", "LogsBucket"
ALL_BUCKETS = (SOURCE, ARTIFACTS, LOGS)
KMS_BUCKETS = (SOURCE, ARTIFACTS)


def _props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"][logical_id]["Properties"]
    return props


def _pipeline_key_arn(template: dict[str, Any]) -> dict[str, Any]:
    # The pipeline's own key, not the data key (test_build_encryption.py).
    assert "PipelineKey" in resources(template, "AWS::KMS::Key")
    return {"Fn::GetAtt": ["PipelineKey", "Arn"]}


def _bucket_policy(template: dict[str, Any], bucket: str) -> dict[str, Any]:
    found = find_resources(template, "AWS::S3::BucketPolicy", {"Bucket": {"Ref": bucket}})
    assert len(found) == 1, f"{bucket} should have exactly one bucket policy: {sorted(found)}"
    document: dict[str, Any] = next(iter(found.values()))["Properties"]["PolicyDocument"]
    return document


@pytest.mark.parametrize("bucket", KMS_BUCKETS)
def test_source_and_artifact_buckets_use_the_pipeline_key_with_bucket_keys(
    template: dict[str, Any], bucket: str
) -> None:
    rule = {
        "BucketKeyEnabled": True,
        "ServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms",
            "KMSMasterKeyID": _pipeline_key_arn(template),
        },
    }
    encryption = _props(template, bucket)["BucketEncryption"]
    assert matches(encryption, {"ServerSideEncryptionConfiguration": [rule]})


def test_log_bucket_uses_sse_s3_because_access_log_delivery_refuses_sse_kms(
    template: dict[str, Any],
) -> None:
    rules = _props(template, LOGS)["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert [r["ServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules] == ["AES256"]


@pytest.mark.parametrize("bucket", ALL_BUCKETS)
def test_every_bucket_is_versioned(template: dict[str, Any], bucket: str) -> None:
    assert _props(template, bucket)["VersioningConfiguration"] == {"Status": "Enabled"}


@pytest.mark.parametrize("bucket", ALL_BUCKETS)
def test_every_bucket_blocks_all_public_access(template: dict[str, Any], bucket: str) -> None:
    assert _props(template, bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


@pytest.mark.parametrize("bucket", ALL_BUCKETS)
def test_every_bucket_disables_acls(template: dict[str, Any], bucket: str) -> None:
    ownership = _props(template, bucket)["OwnershipControls"]
    assert ownership == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


@pytest.mark.parametrize("bucket", ALL_BUCKETS)
def test_every_bucket_policy_denies_insecure_transport(
    template: dict[str, Any], bucket: str
) -> None:
    # The bucket and its objects by the ARN of the bucket's fixed name: CT.S3.PR.8 reads a
    # Fn::Sub once it resolves to an ARN, never a Fn::Sub over the bucket's Arn attribute.
    arn = "arn:${AWS::Partition}:s3:::" + _props(template, bucket)["BucketName"]["Fn::Sub"]
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:*"],
        "Resource": [{"Fn::Sub": arn}, {"Fn::Sub": f"{arn}/*"}],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    denies = [s for s in _bucket_policy(template, bucket)["Statement"] if s["Effect"] == "Deny"]
    assert denies == [deny]


@pytest.mark.parametrize("bucket", ALL_BUCKETS)
def test_every_bucket_expires_old_versions_and_aborts_stale_uploads(
    template: dict[str, Any], bucket: str
) -> None:
    rule = {
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }
    assert matches(_props(template, bucket)["LifecycleConfiguration"], {"Rules": [rule]})


@pytest.mark.parametrize("bucket", KMS_BUCKETS)
def test_source_and_artifact_buckets_log_access_to_the_log_bucket(
    template: dict[str, Any], bucket: str
) -> None:
    logging = _props(template, bucket)["LoggingConfiguration"]
    assert logging["DestinationBucketName"] == {"Ref": LOGS}
    assert logging["LogFilePrefix"]


def test_log_bucket_lets_only_s3_log_delivery_for_this_accounts_buckets_write(
    template: dict[str, Any],
) -> None:
    allows = [s for s in _bucket_policy(template, LOGS)["Statement"] if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": ["s3:PutObject"],
            "Resource": [{"Fn::Sub": f"${{{LOGS}.Arn}}/*"}],
            "Condition": {
                "ArnLike": {
                    "aws:SourceArn": [
                        {"Fn::GetAtt": [SOURCE, "Arn"]},
                        {"Fn::GetAtt": [ARTIFACTS, "Arn"]},
                    ]
                },
                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
            },
        }
    ]


def test_log_bucket_retention_follows_the_profile(
    production: dict[str, Any], ephemeral: dict[str, Any]
) -> None:
    def expiry(t: dict[str, Any]) -> int:
        days: int = _props(t, LOGS)["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"]
        return days

    # The profile's log retention, a year on both (CT.CLOUDWATCH.PR.2 asks a year of logs).
    assert (expiry(production), expiry(ephemeral)) == (365, 365)


@pytest.mark.parametrize("bucket", ALL_BUCKETS)
def test_every_bucket_sends_events_to_eventbridge(template: dict[str, Any], bucket: str) -> None:
    assert _props(template, bucket)["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }


@pytest.mark.parametrize("bucket", KMS_BUCKETS)
def test_source_and_artifact_buckets_have_object_lock_without_default_retention(
    template: dict[str, Any], bucket: str
) -> None:
    props = _props(template, bucket)
    assert props["ObjectLockEnabled"] is True
    # No default retention: objects stay deletable, so an ephemeral stack still empties and
    # deletes its buckets, and uploads need no Content-MD5.
    assert "ObjectLockConfiguration" not in props


def test_log_bucket_has_no_object_lock_because_it_blocks_log_delivery(
    template: dict[str, Any],
) -> None:
    props = _props(template, LOGS)
    assert "ObjectLockEnabled" not in props
    assert "ObjectLockConfiguration" not in props


def test_log_bucket_skips_exactly_the_three_controls_log_delivery_rules_out(
    template: dict[str, Any],
) -> None:
    skips = template["Resources"][LOGS]["Metadata"]["guard"]["skip"]
    assert [s["id"] for s in skips] == ["CT.S3.PR.2", "CT.S3.PR.9", "CT.S3.PR.10"]
    assert all(s["comment"].startswith("Access-log target: ") for s in skips)


def test_no_other_bucket_skips_a_control(template: dict[str, Any]) -> None:
    for bucket in KMS_BUCKETS:
        assert "guard" not in template["Resources"][bucket].get("Metadata", {})


@pytest.mark.parametrize("bucket", ALL_BUCKETS)
def test_bucket_names_carry_suffix_account_and_region(
    template: dict[str, Any], bucket: str
) -> None:
    name = _props(template, bucket)["BucketName"]["Fn::Sub"]
    assert name.startswith("edu-")
    assert name.endswith("-${EnvironmentSuffix}-${AWS::AccountId}-${AWS::Region}")


def test_bucket_names_fit_s3_limit_at_the_longest_suffix(template: dict[str, Any]) -> None:
    max_suffix = template["Parameters"]["EnvironmentSuffix"]["MaxLength"]
    longest_region = len("ap-southeast-2")
    for bucket in ALL_BUCKETS:
        name = _props(template, bucket)["BucketName"]["Fn::Sub"]
        worst = (
            name.replace("${EnvironmentSuffix}", "x" * int(max_suffix))
            .replace("${AWS::AccountId}", "1" * 12)
            .replace("${AWS::Region}", "r" * longest_region)
        )
        assert len(worst) <= 63, f"{bucket}: {worst} is {len(worst)} characters"


def test_production_retains_buckets(production: dict[str, Any]) -> None:
    for bucket in ALL_BUCKETS:
        r = production["Resources"][bucket]
        assert (r["DeletionPolicy"], r["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_ephemeral_deletes_buckets(ephemeral: dict[str, Any]) -> None:
    for bucket in ALL_BUCKETS:
        r = ephemeral["Resources"][bucket]
        assert (r["DeletionPolicy"], r["UpdateReplacePolicy"]) == ("Delete", "Delete")


def test_log_bucket_checkov_skip_is_justified(template: dict[str, Any]) -> None:
    skips = template["Resources"][LOGS]["Metadata"]["checkov"]["skip"]
    assert skips and all(s["id"].startswith("CKV") and len(s["comment"]) > 20 for s in skips)


def test_bucket_names_are_exported(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    for name, bucket in (
        ("SourceBucketName", SOURCE),
        ("ArtifactsBucketName", ARTIFACTS),
        ("LogsBucketName", LOGS),
    ):
        assert outputs[name]["Value"] == {"Ref": bucket}
        assert outputs[name]["Export"] == {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{name}"}}
