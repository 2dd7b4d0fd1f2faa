"""Service limits a template must respect: template sizes, name lengths and characters."""

from __future__ import annotations

import string
from typing import NamedTuple

# CreateStack/CreateChangeSet refuse a TemplateBody over this many bytes.
TEMPLATE_BODY_BYTES = 51_200
# Through a TemplateURL: "Template may not exceed 1000000 bytes in size."
TEMPLATE_URL_BYTES = 1_000_000


class NameLimit(NamedTuple):
    """The longest name a service accepts and its characters (None: any printable)."""

    max_length: int
    chars: str | None


ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
IAM_NAME_CHARS = ALNUM + "_+=,.@-"

# (resource type, name property) -> what the service accepts for that name.
NAME_LIMITS: dict[tuple[str, str], NameLimit] = {
    ("AWS::S3::Bucket", "BucketName"): NameLimit(63, LOWER_ALNUM + ".-"),
    ("AWS::ElastiCache::ReplicationGroup", "ReplicationGroupId"): NameLimit(40, ALNUM + "-"),
    ("AWS::ElastiCache::CacheCluster", "ClusterName"): NameLimit(50, ALNUM + "-"),
    ("AWS::ElastiCache::SubnetGroup", "CacheSubnetGroupName"): NameLimit(255, ALNUM + "-"),
    ("AWS::ElastiCache::ParameterGroup", "CacheParameterGroupName"): NameLimit(255, ALNUM + "-"),
    ("AWS::RDS::DBInstance", "DBInstanceIdentifier"): NameLimit(63, ALNUM + "-"),
    ("AWS::RDS::DBCluster", "DBClusterIdentifier"): NameLimit(63, ALNUM + "-"),
    ("AWS::RDS::DBSubnetGroup", "DBSubnetGroupName"): NameLimit(255, ALNUM + " ._-"),
    ("AWS::RDS::DBParameterGroup", "DBParameterGroupName"): NameLimit(255, ALNUM + "-"),
    ("AWS::DocDB::DBCluster", "DBClusterIdentifier"): NameLimit(63, ALNUM + "-"),
    ("AWS::Redshift::Cluster", "ClusterIdentifier"): NameLimit(63, LOWER_ALNUM + "-"),
    ("AWS::CodePipeline::Pipeline", "Name"): NameLimit(100, ALNUM + ".@-_"),
    ("AWS::CodeBuild::Project", "Name"): NameLimit(255, ALNUM + "-_"),
    ("AWS::Logs::LogGroup", "LogGroupName"): NameLimit(512, ALNUM + ".-_/#"),
    ("AWS::IAM::Role", "RoleName"): NameLimit(64, IAM_NAME_CHARS),
    ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"): NameLimit(128, IAM_NAME_CHARS),
    ("AWS::IAM::Policy", "PolicyName"): NameLimit(128, IAM_NAME_CHARS),
    ("AWS::IAM::InstanceProfile", "InstanceProfileName"): NameLimit(128, IAM_NAME_CHARS),
    ("AWS::Lambda::Function", "FunctionName"): NameLimit(64, ALNUM + "-_"),
    ("AWS::SNS::Topic", "TopicName"): NameLimit(256, ALNUM + "-_."),
    ("AWS::SQS::Queue", "QueueName"): NameLimit(80, ALNUM + "-_."),
    ("AWS::SecretsManager::Secret", "Name"): NameLimit(512, ALNUM + "/_+=.@-"),
    ("AWS::KMS::Alias", "AliasName"): NameLimit(256, ALNUM + ":/_-"),
    ("AWS::Events::Rule", "Name"): NameLimit(64, ALNUM + ".-_"),
    ("AWS::CloudWatch::Alarm", "AlarmName"): NameLimit(255, None),
    ("AWS::DynamoDB::Table", "TableName"): NameLimit(255, ALNUM + "_.-"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Name"): NameLimit(32, ALNUM + "-"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "Name"): NameLimit(32, ALNUM + "-"),
    ("AWS::ECS::Cluster", "ClusterName"): NameLimit(255, ALNUM + "-_"),
    ("AWS::ECR::Repository", "RepositoryName"): NameLimit(256, LOWER_ALNUM + "._/-"),
    ("AWS::EC2::SecurityGroup", "GroupName"): NameLimit(255, None),
    ("AWS::StepFunctions::StateMachine", "StateMachineName"): NameLimit(80, ALNUM + "-_"),
    ("AWS::CloudTrail::Trail", "TrailName"): NameLimit(128, ALNUM + "._-"),
}

# The longest value of each pseudo parameter whose length is known before the deploy.
PSEUDO_MAX_LENGTH: dict[str, int] = {
    "AWS::AccountId": 12,
    # Longest region names today (ap-southeast-4, ap-northeast-1, eusc-de-east-1) are 14.
    "AWS::Region": 14,
    "AWS::Partition": 9,  # aws-iso-b / aws-iso-f
    "AWS::URLSuffix": 16,  # amazonaws.com.cn
    "AWS::NoValue": 0,
}
PSEUDO_CHARS: dict[str, frozenset[str]] = {
    "AWS::AccountId": frozenset(string.digits),
    "AWS::Region": frozenset(string.ascii_lowercase + string.digits + "-"),
    "AWS::Partition": frozenset(string.ascii_lowercase + "-"),
    "AWS::URLSuffix": frozenset(string.ascii_lowercase + "."),
    "AWS::NoValue": frozenset(),
}
