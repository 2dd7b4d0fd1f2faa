"""E9107: mutually exclusive and co-required properties that the schemas do not express."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c
from cfnmodel import intrinsics

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
    return value is not None and value != intrinsics.NO_VALUE


def _false_or_absent(props: dict[str, Any], key: str, template: dict[str, Any]) -> bool:
    """True when the property can never be true (absent, literal false)."""
    return not _present(props, key) or not c.could_be_true(props[key], template)


Problem = tuple[str, str]  # (property, message)
Check = Callable[[dict[str, Any], dict[str, Any], dict[str, str]], list[Problem]]


def _multi_az_with_zone(props: dict[str, Any], template: dict[str, Any], _: Any) -> list[Problem]:
    az = props.get("AvailabilityZone")
    guarded = isinstance(az, dict) and "Fn::If" in az
    multi_az = not _false_or_absent(props, "MultiAZ", template)
    if not (_present(props, "AvailabilityZone") and not guarded and multi_az):
        return []
    return [
        (
            "AvailabilityZone",
            "AvailabilityZone cannot be set on a Multi-AZ instance, and MultiAZ can be true "
            "here. Fix: drop AvailabilityZone, or make it !If [IsSingleAz, az, "
            "!Ref AWS::NoValue].",
        )
    ]


def _two_master_passwords(props: dict[str, Any], template: dict[str, Any], _: Any) -> list[Problem]:
    if not _present(props, "MasterUserPassword"):
        return []
    if _false_or_absent(props, "ManageMasterUserPassword", template):
        return []
    return [
        (
            "MasterUserPassword",
            "MasterUserPassword cannot be combined with ManageMasterUserPassword. Fix: use one "
            "of them.",
        )
    ]


def _monitoring_without_role(props: dict[str, Any], _: Any, __: Any) -> list[Problem]:
    interval = c.literal_int(props.get("MonitoringInterval"))
    unknown = interval is None and _present(props, "MonitoringInterval")
    if not (unknown or (interval or 0) > 0) or _present(props, "MonitoringRoleArn"):
        return []
    return [
        (
            "MonitoringInterval",
            "MonitoringInterval > 0 needs a MonitoringRoleArn. Fix: add MonitoringRoleArn (a "
            "role trusted by monitoring.rds.amazonaws.com).",
        )
    ]


def _insights_disabled(props: dict[str, Any], template: dict[str, Any], _: Any) -> list[Problem]:
    return [
        (
            dep,
            f"{dep} needs EnablePerformanceInsights: true. Fix: enable Performance Insights or "
            "drop the property.",
        )
        for dep in ("PerformanceInsightsKMSKeyId", "PerformanceInsightsRetentionPeriod")
        if _present(props, dep) and _false_or_absent(props, "EnablePerformanceInsights", template)
    ]


def _one_subnet(props: dict[str, Any], _: Any, __: Any) -> list[Problem]:
    options = intrinsics.branches(props.get("SubnetIds"))
    if not any(isinstance(option, list) and len(option) < 2 for option in options):
        return []
    return [
        (
            "SubnetIds",
            "A DB subnet group needs subnets in at least two Availability Zones (RDS: \"doesn't "
            'meet Availability Zone coverage requirement"). Fix: list a subnet in each of two '
            "or more AZs.",
        )
    ]


def _presence(value: Any) -> tuple[str, bool, bool] | None:
    """(condition, present when it is true, present when false) of a property written as Fn::If."""
    call = intrinsics.intrinsic(value)
    parts = intrinsics.if_parts(call[1]) if call is not None and call[0] == "Fn::If" else None
    if parts is None or not isinstance(parts[0], str):
        return None
    return parts[0], parts[1] != intrinsics.NO_VALUE, parts[2] != intrinsics.NO_VALUE


def _together(props: dict[str, Any], first: str, second: str) -> bool:
    """Whether both properties can be present at once: not when each is a Fn::If on the same
    condition that leaves it out in the other's branch."""
    if not (_present(props, first) and _present(props, second)):
        return False
    a, b = _presence(props[first]), _presence(props[second])
    if a is None or b is None or a[0] != b[0]:
        return True
    return (a[1] and b[1]) or (a[2] and b[2])


def _literal_and_generated_secret(props: dict[str, Any], _: Any, __: Any) -> list[Problem]:
    if not _together(props, "SecretString", "GenerateSecretString"):
        return []
    return [
        (
            "SecretString",
            "SecretString and GenerateSecretString are mutually exclusive: AWS refuses a secret "
            "with both. Fix: keep GenerateSecretString (no secret in the template), or make each "
            "the other's Fn::If branch with AWS::NoValue.",
        )
    ]


def _template_without_key(props: dict[str, Any], _: Any, __: Any) -> list[Problem]:
    gen = c.mapping(props.get("GenerateSecretString"))
    if not gen or ("SecretStringTemplate" in gen) == ("GenerateStringKey" in gen):
        return []
    return [
        (
            "GenerateSecretString",
            "SecretStringTemplate and GenerateStringKey must be given together. Fix: add the "
            "missing one.",
        )
    ]


def _two_rotation_lambdas(props: dict[str, Any], _: Any, __: Any) -> list[Problem]:
    if not (_present(props, "HostedRotationLambda") and _present(props, "RotationLambdaARN")):
        return []
    return [
        (
            "RotationLambdaARN",
            "HostedRotationLambda and RotationLambdaARN are mutually exclusive. Fix: keep one.",
        )
    ]


def _wrong_target_type(props: dict[str, Any], _: Any, types: dict[str, str]) -> list[Problem]:
    target_type = props.get("TargetType")
    targets = [t for t in intrinsics.references(props.get("TargetId")) if t in types]
    if not (isinstance(target_type, str) and targets and types[targets[0]] != target_type):
        return []
    actual = types[targets[0]]
    if actual not in TARGET_TYPES:
        return []
    return [
        (
            "TargetType",
            f"TargetType is {target_type} but TargetId refers to '{targets[0]}', a {actual}. "
            f"Fix: TargetType: {actual}.",
        )
    ]


def _needs_enabled(
    prop: str, switch: str, props: dict[str, Any], template: dict[str, Any], _: Any
) -> list[Problem]:
    """`prop` is only set where the boolean `switch` can be true.

    CHECKS binds `prop` and `switch` with functools.partial rather than a closure made at import,
    so this body runs at each call, where mutation testing can reach it.
    """
    if not _present(props, prop) or not _false_or_absent(props, switch, template):
        return []
    return [(prop, f"{prop} needs {switch}: true. Fix: set {switch}: true.")]


def _failover_with_one_node(props: dict[str, Any], _: Any, __: Any) -> list[Problem]:
    nodes = c.literal_int(props.get("NumCacheClusters"))
    if not (c.truthy(props.get("AutomaticFailoverEnabled")) and nodes is not None and nodes < 2):
        return []
    return [
        (
            "AutomaticFailoverEnabled",
            "AutomaticFailoverEnabled needs at least 2 cache clusters. Fix: NumCacheClusters "
            ">= 2, or disable failover.",
        )
    ]


def _multi_az_without_failover(
    props: dict[str, Any], template: dict[str, Any], _: Any
) -> list[Problem]:
    if not c.truthy(props.get("MultiAZEnabled")):
        return []
    if not _false_or_absent(props, "AutomaticFailoverEnabled", template):
        return []
    return [
        (
            "MultiAZEnabled",
            "MultiAZEnabled needs AutomaticFailoverEnabled: true. Fix: enable automatic failover.",
        )
    ]


def _kms_key_without_kms(props: dict[str, Any], _: Any, __: Any) -> list[Problem]:
    rules = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration")
    found = []
    for rule in intrinsics.items(rules):
        default = rule.get("ServerSideEncryptionByDefault") if isinstance(rule, dict) else None
        if not isinstance(default, dict):
            continue
        algo = default.get("SSEAlgorithm")
        if "KMSMasterKeyID" in default and isinstance(algo, str) and not algo.startswith("aws:kms"):
            found.append(
                (
                    "BucketEncryption",
                    f"KMSMasterKeyID is only valid with SSEAlgorithm aws:kms, not {algo}. Fix: "
                    "SSEAlgorithm: aws:kms.",
                )
            )
    return found


# Resource type -> its checks, in the order their findings are reported.
CHECKS: dict[str, tuple[Check, ...]] = {
    "AWS::RDS::DBInstance": (
        _multi_az_with_zone,
        _two_master_passwords,
        _monitoring_without_role,
        _insights_disabled,
    ),
    "AWS::RDS::DBSubnetGroup": (_one_subnet,),
    "AWS::SecretsManager::Secret": (_literal_and_generated_secret, _template_without_key),
    "AWS::SecretsManager::RotationSchedule": (_two_rotation_lambdas,),
    "AWS::SecretsManager::SecretTargetAttachment": (_wrong_target_type,),
    "AWS::ElastiCache::ReplicationGroup": (
        partial(_needs_enabled, "AuthToken", "TransitEncryptionEnabled"),
        partial(_needs_enabled, "UserGroupIds", "TransitEncryptionEnabled"),
        partial(_needs_enabled, "KmsKeyId", "AtRestEncryptionEnabled"),
        _failover_with_one_node,
        _multi_az_without_failover,
    ),
    "AWS::S3::Bucket": (_kms_key_without_kms,),
}


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
      can be specified only on replication groups where TransitEncryptionEnabled is true"), and so
      do UserGroupIds (RBAC needs encryption in transit);
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
            for check in CHECKS.get(rtype, ()):
                for prop, message in check(props, template, types):
                    matches.append(_severity(check, props, template, [*base, prop], message))
        return matches


# Checks whose conflict needs a boolean that may be a parameter: refused as written only when the
# boolean is true with the parameters' defaults (or every value they allow).
VALUE_DEPENDENT: dict[Callable[..., list[Problem]], str] = {
    _multi_az_with_zone: "MultiAZ",
    _two_master_passwords: "ManageMasterUserPassword",
}


def _severity(
    check: Callable[..., list[Problem]],
    props: dict[str, Any],
    template: dict[str, Any],
    path: list[Any],
    message: str,
) -> RuleMatch:
    flag = VALUE_DEPENDENT.get(check)
    if flag is None or true_as_written(props.get(flag), template):
        return RuleMatch(path, message)
    what, _, fix = message.partition(" Fix: ")
    return c.warning(
        path,
        f"{what} This fails only for values that make {flag} true (not the parameters' "
        f"defaults). Fix: {fix}",
    )


def true_as_written(value: Any, template: dict[str, Any]) -> bool:
    """Whether a boolean property is true as deployed with the parameters' defaults (a parameter
    without one: with every value it allows); unknown values are not."""
    literal = c.truthy(value)
    if literal is not None:
        return literal
    call = intrinsics.intrinsic(value)
    if call is None:
        return False
    function, arg = call
    if function == "Ref" and isinstance(arg, str):
        param = c.mapping(c.mapping(template.get("Parameters")).get(arg))
        if "Default" in param:
            return c.truthy(param["Default"]) is True
        allowed = param.get("AllowedValues")
        return isinstance(allowed, list) and bool(allowed) and all(c.truthy(v) for v in allowed)
    if function == "Fn::If":
        parts = intrinsics.if_parts(arg)
        return parts is not None and all(true_as_written(p, template) for p in parts[1:])
    return False
