"""E9107 (cfn_rules.property_combinations): each combination AWS refuses, and its allowed
neighbours."""

from __future__ import annotations

from tests.support.rules import findings
from tests.support.severities import severities

HEAD = """
Parameters:
  Never:
    Type: String
    AllowedValues: ["false"]
  Free:
    Type: String
Resources:
  Res:
"""
# Line of the first property of `Res`.
FIRST = 12


def e9107(rtype: str, *properties: str) -> list[tuple[int, str]]:
    lines = "".join(f"\n      {p}" for p in properties)
    template = f"{HEAD}    Type: {rtype}\n    Properties:{lines}\n"
    return [(line, message) for _, line, message in findings("property_combinations", template)]


DB = "AWS::RDS::DBInstance"
CACHE = "AWS::ElastiCache::ReplicationGroup"
TWO_PASSWORDS = (
    "MasterUserPassword cannot be combined with ManageMasterUserPassword. Fix: use one of them."
)


def test_a_literal_false_multi_az_allows_an_availability_zone() -> None:
    assert e9107(DB, "MultiAZ: false", "AvailabilityZone: us-east-1a") == []


def test_a_password_with_a_managed_password_is_refused() -> None:
    got = e9107(DB, "ManageMasterUserPassword: true", "MasterUserPassword: x")
    assert got == [(FIRST + 1, TWO_PASSWORDS)]


def test_a_password_with_a_managed_password_that_cannot_be_true_passes() -> None:
    assert e9107(DB, "ManageMasterUserPassword: !Ref Never", "MasterUserPassword: x") == []


def test_a_managed_password_alone_passes() -> None:
    assert e9107(DB, "ManageMasterUserPassword: true") == []


MONITORING = (
    "MonitoringInterval > 0 needs a MonitoringRoleArn. Fix: add MonitoringRoleArn (a role "
    "trusted by monitoring.rds.amazonaws.com)."
)


def test_monitoring_every_second_needs_a_role() -> None:
    assert e9107(DB, "MonitoringInterval: 1") == [(FIRST, MONITORING)]


def test_monitoring_interval_zero_needs_no_role() -> None:
    assert e9107(DB, "MonitoringInterval: 0") == []


def test_monitoring_with_a_role_passes() -> None:
    assert e9107(DB, "MonitoringInterval: 60", "MonitoringRoleArn: arn:aws:iam::1:role/m") == []


def test_insights_retention_needs_insights_that_can_be_enabled() -> None:
    assert e9107(
        DB, "EnablePerformanceInsights: !Ref Never", "PerformanceInsightsRetentionPeriod: 7"
    ) == [
        (
            FIRST + 1,
            "PerformanceInsightsRetentionPeriod needs EnablePerformanceInsights: true. Fix: "
            "enable Performance Insights or drop the property.",
        )
    ]


ROTATION = "AWS::SecretsManager::RotationSchedule"


def test_a_hosted_rotation_with_a_rotation_lambda_is_refused() -> None:
    got = e9107(ROTATION, "HostedRotationLambda: {RotationType: x}", "RotationLambdaARN: arn")
    assert got == [
        (
            FIRST + 1,
            "HostedRotationLambda and RotationLambdaARN are mutually exclusive. Fix: keep one.",
        )
    ]


def test_a_rotation_lambda_alone_passes() -> None:
    assert e9107(ROTATION, "RotationLambdaARN: arn") == []


def test_an_auth_token_needs_transit_encryption_that_can_be_true() -> None:
    assert e9107(CACHE, "TransitEncryptionEnabled: !Ref Never", "AuthToken: x") == [
        (
            FIRST + 1,
            "AuthToken needs TransitEncryptionEnabled: true. Fix: set TransitEncryptionEnabled: "
            "true.",
        )
    ]


def test_an_auth_token_with_transit_encryption_passes() -> None:
    assert e9107(CACHE, "TransitEncryptionEnabled: true", "AuthToken: x") == []


def test_no_auth_token_needs_no_transit_encryption() -> None:
    assert e9107(CACHE, "TransitEncryptionEnabled: false") == []


def test_a_cache_key_needs_encryption_at_rest() -> None:
    assert e9107(CACHE, "KmsKeyId: alias/cache") == [
        (
            FIRST,
            "KmsKeyId needs AtRestEncryptionEnabled: true. Fix: set AtRestEncryptionEnabled: true.",
        )
    ]


MULTI_AZ = "MultiAZEnabled needs AutomaticFailoverEnabled: true. Fix: enable automatic failover."


def test_multi_az_needs_failover_that_can_be_true() -> None:
    got = e9107(CACHE, "MultiAZEnabled: true", "AutomaticFailoverEnabled: !Ref Never")
    assert got == [(FIRST, MULTI_AZ)]


def test_multi_az_with_failover_that_may_be_true_passes() -> None:
    assert e9107(CACHE, "MultiAZEnabled: true", "AutomaticFailoverEnabled: !Ref Free") == []


def test_no_multi_az_needs_no_failover() -> None:
    assert e9107(CACHE, "MultiAZEnabled: false", "AutomaticFailoverEnabled: false") == []


def test_every_encryption_rule_of_a_bucket_is_checked() -> None:
    rules = (
        "[{BucketKeyEnabled: true}, "
        "{ServerSideEncryptionByDefault: {SSEAlgorithm: AES256, KMSMasterKeyID: k}}]"
    )
    got = e9107(
        "AWS::S3::Bucket", "BucketEncryption:", f"  ServerSideEncryptionConfiguration: {rules}"
    )
    assert got == [
        (
            FIRST,
            "KMSMasterKeyID is only valid with SSEAlgorithm aws:kms, not AES256. Fix: "
            "SSEAlgorithm: aws:kms.",
        )
    ]


def test_a_user_group_needs_transit_encryption_as_an_auth_token_does() -> None:
    # ElastiCache RBAC works only over TLS: a user group on a plain-text group is refused.
    assert e9107(CACHE, "UserGroupIds: [users]") == [
        (
            FIRST,
            "UserGroupIds needs TransitEncryptionEnabled: true. Fix: set "
            "TransitEncryptionEnabled: true.",
        )
    ]
    assert e9107(CACHE, "TransitEncryptionEnabled: true", "UserGroupIds: [users]") == []


SECRET = "AWS::SecretsManager::Secret"
GENERATED = "GenerateSecretString: {PasswordLength: 30}"


def test_a_secret_string_with_a_generated_one_is_refused() -> None:
    got = e9107(SECRET, "SecretString: x", GENERATED)
    assert [m.split(":")[0] for _, m in got] == [
        "SecretString and GenerateSecretString are mutually exclusive"
    ]


def test_a_secret_string_and_a_generated_one_in_opposite_branches_of_one_condition_pass() -> None:
    # widdix's state/secretsmanager-dbsecret.yaml: one or the other, never both.
    string = "SecretString: !If [C, x, !Ref AWS::NoValue]"
    generated = "GenerateSecretString: !If [C, !Ref AWS::NoValue, {PasswordLength: 30}]"
    assert e9107(SECRET, string, generated) == []


def test_a_secret_string_and_a_generated_one_that_can_meet_are_refused() -> None:
    string = "SecretString: !If [C, x, !Ref AWS::NoValue]"
    both = [
        "GenerateSecretString: !If [C, {PasswordLength: 30}, !Ref AWS::NoValue]",
        "GenerateSecretString: !If [D, !Ref AWS::NoValue, {PasswordLength: 30}]",
        GENERATED,
    ]
    for generated in both:
        assert len(e9107(SECRET, string, generated)) == 1, generated


# Severity: refused as written when the boolean is true with the defaults, else only for the values
# that make it true.


def e9107_severities(*properties: str, params: str = "") -> list[tuple[str, str]]:
    lines = "".join(f"\n      {p}" for p in properties)
    head = HEAD.replace("Resources:", params + "Resources:")
    template = f"{head}    Type: {DB}\n    Properties:{lines}\n"
    return [(sev, msg) for _, sev, msg in severities("property_combinations", template)]


def test_multi_az_true_as_written_with_a_zone_is_a_blocker() -> None:
    found = e9107_severities("MultiAZ: true", "AvailabilityZone: us-east-1a")
    assert [sev for sev, _ in found] == ["blocker"]
    on = "  Multi:\n    Type: String\n    Default: 'true'\n"
    found = e9107_severities("MultiAZ: !Ref Multi", "AvailabilityZone: us-east-1a", params=on)
    assert [sev for sev, _ in found] == ["blocker"]


def test_multi_az_from_a_parameter_false_by_default_is_a_warning_that_says_so() -> None:
    off = (
        "  Single:\n    Type: String\n    Default: 'false'\n    AllowedValues: ['true', 'false']\n"
    )
    found = e9107_severities("MultiAZ: !Ref Single", "AvailabilityZone: us-east-1a", params=off)
    assert [sev for sev, _ in found] == ["warning"]
    assert "This fails only for values that make MultiAZ true" in found[0][1]
    assert found[0][1].count(" Fix: ") == 1


def test_a_managed_password_from_a_free_parameter_is_a_warning() -> None:
    found = e9107_severities("ManageMasterUserPassword: !Ref Free", "MasterUserPassword: x")
    assert [sev for sev, _ in found] == ["warning"]
    found = e9107_severities("ManageMasterUserPassword: true", "MasterUserPassword: x")
    assert [sev for sev, _ in found] == ["blocker"]
