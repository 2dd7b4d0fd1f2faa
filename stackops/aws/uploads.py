"""The template as CloudFormation receives it: a compact body, or an S3 URL when it is large."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cfnmodel.limits import TEMPLATE_BODY_BYTES as BODY_LIMIT
from cfnmodel.limits import TEMPLATE_URL_BYTES as URL_LIMIT

from ..errors import BadInput
from ..inputs import compact
from .errors import error_code

KEY_PREFIX = "cfn-templates/"
EXPIRE_DAYS = 30


def deploy_bucket_name(account: str, region: str) -> str:
    return f"cfn-deploy-{account}-{region}"


def template_url(bucket: str, region: str, key: str) -> str:
    # The regional virtual-hosted form, which CloudFormation accepts in every region.
    return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"


def largest_resources(template: dict[str, Any], count: int = 5) -> list[tuple[str, int]]:
    sizes = [
        (lid, len(json.dumps(res, separators=(",", ":"))))
        for lid, res in (template.get("Resources") or {}).items()
    ]
    return sorted(sizes, key=lambda pair: -pair[1])[:count]


def check_size(template: dict[str, Any], body: str) -> None:
    size = len(body.encode("utf-8"))
    if size > URL_LIMIT:
        biggest = ", ".join(f"{lid} ({n:,} bytes)" for lid, n in largest_resources(template))
        raise BadInput(
            f"template is {size:,} bytes, over CloudFormation's 1 MB limit; largest "
            f"resources: {biggest}"
        )


def ensure_deploy_bucket(s3: Any, bucket: str, region: str) -> None:
    """Create the tool's own bucket once: encrypted, private, old templates expired."""
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except Exception as exc:  # botocore ClientError; 404 means "make it"
        if error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
            raise
    create: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**create)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-old-templates",
                    "Status": "Enabled",
                    "Filter": {"Prefix": KEY_PREFIX},
                    "Expiration": {"Days": EXPIRE_DAYS},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                }
            ]
        },
    )


def template_args(
    template: dict[str, Any],
    *,
    s3: Any,
    sts: Any,
    region: str,
    artifact_bucket: str | None,
    on_upload: Any = None,
) -> dict[str, str]:
    """{"TemplateBody": ...} or {"TemplateURL": ...} for CreateChangeSet."""
    body = compact(template)
    check_size(template, body)
    data = body.encode("utf-8")
    if len(data) <= BODY_LIMIT:
        return {"TemplateBody": body}
    bucket = artifact_bucket
    if not bucket:
        account = sts.get_caller_identity()["Account"]
        bucket = deploy_bucket_name(account, region)
        ensure_deploy_bucket(s3, bucket, region)
    # Content-hashed: the same template is uploaded once and never overwritten by another.
    key = f"{KEY_PREFIX}{hashlib.sha256(data).hexdigest()}.json"
    s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="application/json")
    if on_upload is not None:
        on_upload(bucket, key, len(data))
    return {"TemplateURL": template_url(bucket, region, key)}
