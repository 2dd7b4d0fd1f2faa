"""The one table of what each preflight check asks AWS, and the IAM permission it needs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Needs:
    action: str  # what the caller does, in words: "<caller> may not <action>"
    permission: str


SECRET_REFERENCES = "secret references"
PARAMETER_REFERENCES = "parameter references"
BUCKET_NAMES = "bucket names"
DB_IDENTIFIERS = "DB instance identifiers"
CACHE_GROUP_IDS = "replication group IDs"
LOG_GROUP_NAMES = "log group names"
SECRET_NAMES = "secret names"
KEY_ADMINISTRATION = "key administration"
EIP_QUOTA = "Elastic IP quota"
VPC_QUOTA = "VPC quota"
NAT_QUOTA = "NAT gateway quota"
STACK_RESOURCES = "names and quotas"

# docs/deploy.md ("Account preflight") shows the same table; tests/stackops/preflight keeps them
# equal. Service Quotas (servicequotas:GetServiceQuota) is optional for the quota checks: without
# it they use the documented defaults.
PERMISSIONS: dict[str, Needs] = {
    SECRET_REFERENCES: Needs("describe the referenced secrets", "secretsmanager:DescribeSecret"),
    PARAMETER_REFERENCES: Needs("read the referenced parameters", "ssm:GetParameter"),
    BUCKET_NAMES: Needs("look up buckets by name", "s3:ListBucket"),
    DB_IDENTIFIERS: Needs("describe DB instances", "rds:DescribeDBInstances"),
    CACHE_GROUP_IDS: Needs("describe replication groups", "elasticache:DescribeReplicationGroups"),
    LOG_GROUP_NAMES: Needs("list log groups", "logs:DescribeLogGroups"),
    SECRET_NAMES: Needs("describe secrets", "secretsmanager:DescribeSecret"),
    KEY_ADMINISTRATION: Needs("ask who it is", "sts:GetCallerIdentity"),
    EIP_QUOTA: Needs("list Elastic IPs", "ec2:DescribeAddresses"),
    VPC_QUOTA: Needs("list VPCs", "ec2:DescribeVpcs"),
    NAT_QUOTA: Needs(
        "list NAT gateways, subnets and zones",
        "ec2:DescribeNatGateways, ec2:DescribeSubnets, ec2:DescribeAvailabilityZones",
    ),
    STACK_RESOURCES: Needs("list the stack's resources", "cloudformation:ListStackResources"),
}
