"""E9103: names built from literals and parameters fit their service's length and charset."""

from __future__ import annotations

import math
import string
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _bounds as b

ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
# (resource type, property) -> (max length, allowed characters or None for "any printable").
NAME_RULES: dict[tuple[str, str], tuple[int, str | None]] = {
    ("AWS::S3::Bucket", "BucketName"): (63, LOWER_ALNUM + ".-"),
    ("AWS::ElastiCache::ReplicationGroup", "ReplicationGroupId"): (40, ALNUM + "-"),
    ("AWS::ElastiCache::CacheCluster", "ClusterName"): (50, ALNUM + "-"),
    ("AWS::ElastiCache::SubnetGroup", "CacheSubnetGroupName"): (255, ALNUM + "-"),
    ("AWS::ElastiCache::ParameterGroup", "CacheParameterGroupName"): (255, ALNUM + "-"),
    ("AWS::RDS::DBInstance", "DBInstanceIdentifier"): (63, ALNUM + "-"),
    ("AWS::RDS::DBCluster", "DBClusterIdentifier"): (63, ALNUM + "-"),
    ("AWS::RDS::DBSubnetGroup", "DBSubnetGroupName"): (255, ALNUM + " ._-"),
    ("AWS::RDS::DBParameterGroup", "DBParameterGroupName"): (255, ALNUM + "-"),
    ("AWS::DocDB::DBCluster", "DBClusterIdentifier"): (63, ALNUM + "-"),
    ("AWS::Redshift::Cluster", "ClusterIdentifier"): (63, LOWER_ALNUM + "-"),
    ("AWS::CodePipeline::Pipeline", "Name"): (100, ALNUM + ".@-_"),
    ("AWS::CodeBuild::Project", "Name"): (255, ALNUM + "-_"),
    ("AWS::Logs::LogGroup", "LogGroupName"): (512, ALNUM + ".-_/#"),
    ("AWS::IAM::Role", "RoleName"): (64, ALNUM + "_+=,.@-"),
    ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"): (128, ALNUM + "_+=,.@-"),
    ("AWS::IAM::Policy", "PolicyName"): (128, ALNUM + "_+=,.@-"),
    ("AWS::IAM::InstanceProfile", "InstanceProfileName"): (128, ALNUM + "_+=,.@-"),
    ("AWS::Lambda::Function", "FunctionName"): (64, ALNUM + "-_"),
    ("AWS::SNS::Topic", "TopicName"): (256, ALNUM + "-_."),
    ("AWS::SQS::Queue", "QueueName"): (80, ALNUM + "-_."),
    ("AWS::SecretsManager::Secret", "Name"): (512, ALNUM + "/_+=.@-"),
    ("AWS::KMS::Alias", "AliasName"): (256, ALNUM + ":/_-"),
    ("AWS::Events::Rule", "Name"): (64, ALNUM + ".-_"),
    ("AWS::CloudWatch::Alarm", "AlarmName"): (255, None),
    ("AWS::DynamoDB::Table", "TableName"): (255, ALNUM + "_.-"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Name"): (32, ALNUM + "-"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "Name"): (32, ALNUM + "-"),
    ("AWS::ECS::Cluster", "ClusterName"): (255, ALNUM + "-_"),
    ("AWS::ECR::Repository", "RepositoryName"): (256, LOWER_ALNUM + "._/-"),
    ("AWS::EC2::SecurityGroup", "GroupName"): (255, None),
    ("AWS::StepFunctions::StateMachine", "StateMachineName"): (80, ALNUM + "-_"),
    ("AWS::CloudTrail::Trail", "TrailName"): (128, ALNUM + "._-"),
}


class NamesFitTheirServices(CloudFormationLintRule):
    """A name-like property's longest possible value fits its service.

    The longest value is computed from literals, parameters (MaxLength, AllowedValues, the
    longest string AllowedPattern admits) and pseudo parameters (AWS::AccountId 12, AWS::Region
    14, AWS::Partition 9, AWS::URLSuffix 16). Names built from AWS::StackName are not judged: the
    stack name (up to 128 characters) is only known at deploy time. A parameter with none of
    these bounds makes the name unbounded, which is reported too: any long value fails the
    deploy ("... must be at most 63 characters").
    Characters come from literals, AllowedValues and AllowedPattern; parameters without either
    are not charset-checked. Plain literal names are left to cfn-lint's schema rules.
    """

    id = "E9103"
    shortdesc = "Names fit their services"
    description = "Name-like properties cannot exceed their service's length or charset rules"
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"
    tags = ["names", "parameters"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = cfn.template
        matches = []
        for lid, res in (template.get("Resources") or {}).items():
            if not isinstance(res, dict) or not isinstance(res.get("Properties"), dict):
                continue
            for prop, value in res["Properties"].items():
                rule = NAME_RULES.get((str(res.get("Type")), prop))
                if rule is None or isinstance(value, str):
                    continue
                path = ["Resources", lid, "Properties", prop]
                matches.extend(RuleMatch(path, m) for m in self._check(prop, value, rule, template))
        return matches

    @staticmethod
    def _check(
        prop: str, value: Any, rule: tuple[int, str | None], template: dict[str, Any]
    ) -> list[str]:
        max_len, allowed = rule
        found = b.bound(value, template)
        parts = ", ".join(sorted(set(found.why))) or "literals"
        problems = []
        if found.length == math.inf:
            unbounded = [
                w
                for w in found.why
                if b.parameter_bound(w, template.get("Parameters", {}).get(w, {})).length
                == math.inf
            ] or found.why
            problems.append(
                f"{prop} has no upper length bound (from {', '.join(sorted(set(unbounded)))}); "
                f"the service allows {max_len}. Fix: give the parameter a MaxLength or a bounded "
                "AllowedPattern so the whole name stays within the limit."
            )
        elif found.length is not None and found.length > max_len:
            problems.append(
                f"{prop} can be {int(found.length)} characters long (from {parts}); the service "
                f"allows {max_len}. Fix: lower the parameters' MaxLength or shorten the literal "
                f"parts by {int(found.length) - max_len}."
            )
        if allowed is not None and found.chars is not None:
            bad = found.chars - set(allowed)
            if bad:
                problems.append(
                    f"{prop} can contain {''.join(sorted(bad))!r}, which the service refuses "
                    f"(from {parts}). Fix: restrict AllowedPattern / the literal to "
                    f"{allowed!r}."
                )
        return problems
