"""W9202: data at rest is encrypted."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c
from cfnmodel import intrinsics

# type -> (property path, "true" = must be literally true / "present" = must be set, fix).
REQUIREMENTS: dict[str, list[tuple[tuple[str, ...], str, str]]] = {
    "AWS::RDS::DBInstance": [(("StorageEncrypted",), "true", "StorageEncrypted: true")],
    "AWS::RDS::DBCluster": [(("StorageEncrypted",), "true", "StorageEncrypted: true")],
    "AWS::DocDB::DBCluster": [(("StorageEncrypted",), "true", "StorageEncrypted: true")],
    "AWS::Redshift::Cluster": [(("Encrypted",), "true", "Encrypted: true")],
    "AWS::EFS::FileSystem": [(("Encrypted",), "true", "Encrypted: true")],
    "AWS::EC2::Volume": [(("Encrypted",), "true", "Encrypted: true")],
    "AWS::ElastiCache::ReplicationGroup": [
        (("AtRestEncryptionEnabled",), "true", "AtRestEncryptionEnabled: true"),
        (("TransitEncryptionEnabled",), "true", "TransitEncryptionEnabled: true"),
    ],
    "AWS::S3::Bucket": [(("BucketEncryption",), "present", "a BucketEncryption with aws:kms")],
    "AWS::Logs::LogGroup": [(("KmsKeyId",), "present", "KmsKeyId: the stack's KMS key ARN")],
    "AWS::SNS::Topic": [(("KmsMasterKeyId",), "present", "KmsMasterKeyId: the stack's KMS key")],
    "AWS::DynamoDB::Table": [
        (("SSESpecification", "SSEEnabled"), "true", "SSESpecification.SSEEnabled: true")
    ],
}


def _get(props: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = props
    for key in path:
        if not isinstance(node, dict):
            return None
        if intrinsics.is_intrinsic(node):
            return node  # conditional: judged as a whole by the caller
        node = node.get(key)
    return node


class StorageEncrypted(CloudFormationLintRule):
    """Promise: everything that stores data encrypts it.

    RDS/DocumentDB/Redshift/EFS/EBS storage encryption must be literally true (a parameter
    could turn it off, and it cannot be changed after creation), ElastiCache replication groups
    encrypt at rest and in transit, S3 buckets declare BucketEncryption, log groups carry a
    KmsKeyId, SNS topics a KmsMasterKeyId, SQS queues KMS or SQS-managed SSE, DynamoDB tables
    SSE. An Aurora DBInstance (in a DBCluster) inherits from its cluster and is skipped.
    """

    id = "W9202"
    shortdesc = "Storage encrypted"
    description = "Resources that store data encrypt it at rest"
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html"
    tags = ["encryption", "promise"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches = []
        for lid, rtype, props in c.resources(cfn.template):
            if rtype == "AWS::RDS::DBInstance" and "DBClusterIdentifier" in props:
                continue
            for path, kind, fix in REQUIREMENTS.get(rtype, []):
                value = _get(props, path)
                if kind == "present":
                    ok = bool(intrinsics.branches(value)) if value is not None else False
                else:
                    options = intrinsics.branches(value)
                    ok = bool(options) and all(c.truthy(o) is True for o in options)
                if not ok:
                    matches.append(
                        RuleMatch(
                            ["Resources", lid, "Properties", *path],
                            f"{rtype} '{lid}' does not encrypt its data "
                            f"({'.'.join(path)} is {value!r}). Fix: set {fix}.",
                        )
                    )
            if rtype == "AWS::SQS::Queue" and not (
                props.get("KmsMasterKeyId") or c.truthy(props.get("SqsManagedSseEnabled"))
            ):
                matches.append(
                    RuleMatch(
                        ["Resources", lid, "Properties"],
                        f"Queue '{lid}' is not encrypted. Fix: set KmsMasterKeyId.",
                    )
                )
        return matches
