"""E9107: mutually exclusive and co-required properties that the schemas do not express."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c

TARGET_TYPES = (
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::Redshift::Cluster",
    "AWS::DocDB::DBCluster",
    "AWS::DocDB::DBInstance",
    "AWS::RDS::DBProxy",
)


def _present(props: dict[str, Any], key: str) -> bool:
    value = props.get(key)
    return value is not None and value != {"Ref": "AWS::NoValue"}


def _false_or_absent(props: dict[str, Any], key: str, template: dict[str, Any]) -> bool:
    """True when the property can never be true (absent, literal false)."""
    return not _present(props, key) or not c.could_be_true(props[key], template)


class PropertyCombinations(CloudFormationLintRule):
    """Combinations AWS refuses at create time that the resource schemas do not encode.

    (cfn-lint already reports KmsKeyId without StorageEncrypted on RDS, E3720.)
    - RDS DBSubnetGroup: fewer than two subnets (in any Fn::If branch) cannot cover two AZs.
    - RDS DBInstance: MultiAZ with AvailabilityZone ("Requesting a specific availability zone is
      not valid for Multi-AZ instances"); ManageMasterUserPassword with MasterUserPassword;
      MonitoringInterval > 0 without MonitoringRoleArn ("A MonitoringRoleARN value is required
      if you specify a MonitoringInterval value other than 0"); PerformanceInsightsKMSKeyId
      without EnablePerformanceInsights.
    - Secrets Manager Secret: SecretString with GenerateSecretString; SecretStringTemplate and
      GenerateStringKey only together.
    - RotationSchedule: HostedRotationLambda with RotationLambdaARN.
    - SecretTargetAttachment: TargetType must be the type of the resource TargetId refers to.
    - ElastiCache ReplicationGroup: AuthToken needs TransitEncryptionEnabled true ("AuthToken
      can be specified only on replication groups where TransitEncryptionEnabled is true");
      KmsKeyId needs AtRestEncryptionEnabled; AutomaticFailoverEnabled needs 2+ nodes;
      MultiAZEnabled needs AutomaticFailoverEnabled.
    - S3 Bucket: KMSMasterKeyID only with SSEAlgorithm aws:kms or aws:kms:dsse.
    A property given by a parameter or Fn::If counts as "can be true" unless its AllowedValues
    rule it out; a conflicting property under Fn::If is assumed to be guarded.
    """

    id = "E9107"
    shortdesc = "Property combinations"
    description = "Mutually exclusive and co-required properties the schemas do not express"
    source_url = (
        "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html"
    )
    tags = ["properties"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = cfn.template
        types = c.resource_types(template)
        matches = []
        for lid, rtype, props in c.resources(template):
            base = ["Resources", lid, "Properties"]
            for prop, message in self._problems(rtype, props, template, types):
                matches.append(RuleMatch([*base, prop], message))
        return matches

    @staticmethod
    def _problems(
        rtype: str, props: dict[str, Any], template: dict[str, Any], types: dict[str, str]
    ) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if rtype == "AWS::RDS::DBInstance":
            az = props.get("AvailabilityZone")
            guarded = isinstance(az, dict) and "Fn::If" in az
            multi_az = not _false_or_absent(props, "MultiAZ", template)
            if _present(props, "AvailabilityZone") and not guarded and multi_az:
                out.append(
                    (
                        "AvailabilityZone",
                        "AvailabilityZone cannot be set on a Multi-AZ "
                        "instance, and MultiAZ can be true here. Fix: drop "
                        "AvailabilityZone, or make it !If [IsSingleAz, az, "
                        "!Ref AWS::NoValue].",
                    )
                )
            if _present(props, "MasterUserPassword") and not _false_or_absent(
                props, "ManageMasterUserPassword", template
            ):
                out.append(
                    (
                        "MasterUserPassword",
                        "MasterUserPassword cannot be combined with "
                        "ManageMasterUserPassword. Fix: use one of them.",
                    )
                )
            interval = c.literal_int(props.get("MonitoringInterval"))
            if (
                (interval is None and _present(props, "MonitoringInterval")) or (interval or 0) > 0
            ) and (not _present(props, "MonitoringRoleArn")):
                out.append(
                    (
                        "MonitoringInterval",
                        "MonitoringInterval > 0 needs a "
                        "MonitoringRoleArn. Fix: add MonitoringRoleArn (a role trusted by "
                        "monitoring.rds.amazonaws.com).",
                    )
                )
            for dep in ("PerformanceInsightsKMSKeyId", "PerformanceInsightsRetentionPeriod"):
                if _present(props, dep) and _false_or_absent(
                    props, "EnablePerformanceInsights", template
                ):
                    out.append(
                        (
                            dep,
                            f"{dep} needs EnablePerformanceInsights: true. Fix: enable "
                            "Performance Insights or drop the property.",
                        )
                    )
        elif rtype == "AWS::RDS::DBSubnetGroup":
            for option in c.branches(props.get("SubnetIds")):
                if isinstance(option, list) and len(option) < 2:
                    out.append(
                        (
                            "SubnetIds",
                            "A DB subnet group needs subnets in at least two "
                            "Availability Zones (RDS: \"doesn't meet Availability Zone "
                            'coverage requirement"). Fix: list a subnet in each of two '
                            "or more AZs.",
                        )
                    )
                    break
        elif rtype == "AWS::SecretsManager::Secret":
            if _present(props, "SecretString") and _present(props, "GenerateSecretString"):
                out.append(
                    (
                        "SecretString",
                        "SecretString and GenerateSecretString are mutually "
                        "exclusive. Fix: keep GenerateSecretString (no secret in the "
                        "template).",
                    )
                )
            gen = c.mapping(props.get("GenerateSecretString"))
            if gen:
                has_t, has_k = "SecretStringTemplate" in gen, "GenerateStringKey" in gen
                if has_t != has_k:
                    out.append(
                        (
                            "GenerateSecretString",
                            "SecretStringTemplate and "
                            "GenerateStringKey must be given together. Fix: add the missing "
                            "one.",
                        )
                    )
        elif rtype == "AWS::SecretsManager::RotationSchedule":
            if _present(props, "HostedRotationLambda") and _present(props, "RotationLambdaARN"):
                out.append(
                    (
                        "RotationLambdaARN",
                        "HostedRotationLambda and RotationLambdaARN are "
                        "mutually exclusive. Fix: keep one.",
                    )
                )
        elif rtype == "AWS::SecretsManager::SecretTargetAttachment":
            target_type = props.get("TargetType")
            targets = [t for t in c.referenced_ids(props.get("TargetId")) if t in types]
            if isinstance(target_type, str) and targets and types[targets[0]] != target_type:
                actual = types[targets[0]]
                if actual in TARGET_TYPES:
                    out.append(
                        (
                            "TargetType",
                            f"TargetType is {target_type} but TargetId refers "
                            f"to '{targets[0]}', a {actual}. Fix: TargetType: {actual}.",
                        )
                    )
        elif rtype == "AWS::ElastiCache::ReplicationGroup":
            if _present(props, "AuthToken") and _false_or_absent(
                props, "TransitEncryptionEnabled", template
            ):
                out.append(
                    (
                        "AuthToken",
                        "AuthToken needs TransitEncryptionEnabled: true. Fix: "
                        "set TransitEncryptionEnabled: true.",
                    )
                )
            if _present(props, "KmsKeyId") and _false_or_absent(
                props, "AtRestEncryptionEnabled", template
            ):
                out.append(
                    (
                        "KmsKeyId",
                        "KmsKeyId needs AtRestEncryptionEnabled: true. Fix: set "
                        "AtRestEncryptionEnabled: true.",
                    )
                )
            nodes = c.literal_int(props.get("NumCacheClusters"))
            if c.truthy(props.get("AutomaticFailoverEnabled")) and nodes is not None and nodes < 2:
                out.append(
                    (
                        "AutomaticFailoverEnabled",
                        "AutomaticFailoverEnabled needs at least "
                        "2 cache clusters. Fix: NumCacheClusters >= 2, or disable failover.",
                    )
                )
            if c.truthy(props.get("MultiAZEnabled")) and _false_or_absent(
                props, "AutomaticFailoverEnabled", template
            ):
                out.append(
                    (
                        "MultiAZEnabled",
                        "MultiAZEnabled needs AutomaticFailoverEnabled: "
                        "true. Fix: enable automatic failover.",
                    )
                )
        elif rtype == "AWS::S3::Bucket":
            rules = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration")
            for rule in c.items(rules):
                default = (
                    rule.get("ServerSideEncryptionByDefault") if isinstance(rule, dict) else None
                )
                if not isinstance(default, dict):
                    continue
                algo = default.get("SSEAlgorithm")
                if (
                    "KMSMasterKeyID" in default
                    and isinstance(algo, str)
                    and not algo.startswith("aws:kms")
                ):
                    out.append(
                        (
                            "BucketEncryption",
                            f"KMSMasterKeyID is only valid with "
                            f"SSEAlgorithm aws:kms, not {algo}. Fix: SSEAlgorithm: aws:kms.",
                        )
                    )
        return out
