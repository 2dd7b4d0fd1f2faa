"""The pipeline's buckets: source bundles, the artifact store, and their access-log target."""

from __future__ import annotations

from typing import Any

from troposphere import GetAtt, Ref, Sub
from troposphere.s3 import (
    AbortIncompleteMultipartUpload,
    Bucket,
    BucketEncryption,
    BucketPolicy,
    EventBridgeConfiguration,
    LifecycleConfiguration,
    LifecycleRule,
    LoggingConfiguration,
    NoncurrentVersionExpiration,
    NotificationConfiguration,
    OwnershipControls,
    OwnershipControlsRule,
    PublicAccessBlockConfiguration,
    ServerSideEncryptionByDefault,
    ServerSideEncryptionRule,
    VersioningConfiguration,
)

from templates import handles, policies
from templates.context import NAME_PREFIX, SUFFIX_PARAM, Context

# Logical IDs that other code (tests, deploy.py's bucket emptying) refers to.
SOURCE_BUCKET = "SourceBucket"
ARTIFACTS_BUCKET = "ArtifactsBucket"
LOGS_BUCKET = "LogsBucket"

NONCURRENT_VERSION_DAYS = 30
ABORT_MULTIPART_DAYS = 7

# The S3 user guide (enable-server-access-logging): default encryption of an access-log target
# may be SSE-S3 only ("SSE-KMS is not supported"), and the target should not log itself. So the
# log bucket uses AES256 (checkov does not flag that) and skips the access-logging check.
LOG_BUCKET_SKIPS = [
    {"id": "CKV_AWS_18", "comment": "Access-log target: logging itself would loop"},
]


def bucket_name(part: str) -> Sub:
    """`edu-<part>-<suffix>-<account>-<region>`: S3 names are global, so the account and region
    make them unique. The fixed part is at most 42 characters (part "artifacts", 12-digit
    account, 14-character region), which leaves 21 for the suffix under S3's 63."""
    return Sub(f"{NAME_PREFIX}-{part}-${{{SUFFIX_PARAM}}}-${{AWS::AccountId}}-${{AWS::Region}}")


def _lifecycle(*, expire_current_days: int | None = None) -> LifecycleConfiguration:
    rule: dict[str, Any] = {
        "Status": "Enabled",
        "NoncurrentVersionExpiration": NoncurrentVersionExpiration(
            NoncurrentDays=NONCURRENT_VERSION_DAYS
        ),
        "AbortIncompleteMultipartUpload": AbortIncompleteMultipartUpload(
            DaysAfterInitiation=ABORT_MULTIPART_DAYS
        ),
    }
    if expire_current_days:
        rule["ExpirationInDays"] = expire_current_days
    return LifecycleConfiguration(Rules=[LifecycleRule(**rule)])


def _bucket(
    ctx: Context, logical_id: str, part: str, encryption: ServerSideEncryptionRule, **props: Any
) -> Bucket:
    policy = ctx.profile.storage_policy
    return ctx.add(
        Bucket(
            logical_id,
            DeletionPolicy=policy,
            UpdateReplacePolicy=policy,
            BucketName=bucket_name(part),
            BucketEncryption=BucketEncryption(ServerSideEncryptionConfiguration=[encryption]),
            VersioningConfiguration=VersioningConfiguration(Status="Enabled"),
            PublicAccessBlockConfiguration=PublicAccessBlockConfiguration(
                BlockPublicAcls=True,
                BlockPublicPolicy=True,
                IgnorePublicAcls=True,
                RestrictPublicBuckets=True,
            ),
            # ACLs off: access is decided by policies alone, and log delivery uses the bucket
            # policy below rather than the legacy log-delivery group ACL.
            OwnershipControls=OwnershipControls(
                Rules=[OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
            ),
            Tags=ctx.tags(part),
            **props,
        )
    )


def _policy(ctx: Context, bucket: handles.Bucket, document: Any) -> None:
    ctx.add(BucketPolicy(f"{bucket.logical_id}Policy", Bucket=bucket.name, PolicyDocument=document))


def _handle(bucket: Bucket) -> handles.Bucket:
    return handles.Bucket(logical_id=bucket.title, name=Ref(bucket), arn=GetAtt(bucket, "Arn"))


def add_buckets(ctx: Context, key: handles.Key) -> handles.Buckets:
    logs_bucket = _logs_bucket(ctx)
    kms = ServerSideEncryptionRule(
        BucketKeyEnabled=True,
        ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(
            SSEAlgorithm="aws:kms", KMSMasterKeyID=key.key_arn
        ),
    )
    source = _bucket(
        ctx,
        SOURCE_BUCKET,
        "source",
        kms,
        LoggingConfiguration=_access_logs(logs_bucket, "source/"),
        # The pipeline starts from the "Object Created" event, not from polling.
        NotificationConfiguration=NotificationConfiguration(
            EventBridgeConfiguration=EventBridgeConfiguration(EventBridgeEnabled=True)
        ),
        LifecycleConfiguration=_lifecycle(),
    )
    artifacts = _bucket(
        ctx,
        ARTIFACTS_BUCKET,
        "artifacts",
        kms,
        LoggingConfiguration=_access_logs(logs_bucket, "artifacts/"),
        LifecycleConfiguration=_lifecycle(),
    )
    buckets = handles.Buckets(
        source=_handle(source), artifacts=_handle(artifacts), logs=_handle(logs_bucket)
    )
    _bucket_policies(ctx, buckets)
    ctx.output("SourceBucketName", buckets.source.name, "Upload source bundles here")
    ctx.output("ArtifactsBucketName", buckets.artifacts.name, "Pipeline artifact store")
    ctx.output("LogsBucketName", buckets.logs.name, "S3 access logs")
    return buckets


def _logs_bucket(ctx: Context) -> Bucket:
    return _bucket(
        ctx,
        LOGS_BUCKET,
        "logs",
        ServerSideEncryptionRule(
            ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(SSEAlgorithm="AES256")
        ),
        LifecycleConfiguration=_lifecycle(expire_current_days=ctx.profile.log_retention_days),
        Metadata={"checkov": {"skip": LOG_BUCKET_SKIPS}},
    )


def _access_logs(logs_bucket: Bucket, prefix: str) -> LoggingConfiguration:
    return LoggingConfiguration(DestinationBucketName=Ref(logs_bucket), LogFilePrefix=prefix)


def _bucket_policies(ctx: Context, buckets: handles.Buckets) -> None:
    """TLS only on every bucket; the log bucket also lets S3 deliver the other two's logs."""
    _policy(ctx, buckets.source, policies.bucket_policy(buckets.source.arn))
    _policy(ctx, buckets.artifacts, policies.bucket_policy(buckets.artifacts.arn))
    _policy(
        ctx,
        buckets.logs,
        policies.log_bucket_policy(buckets.logs.arn, [buckets.source.arn, buckets.artifacts.arn]),
    )
