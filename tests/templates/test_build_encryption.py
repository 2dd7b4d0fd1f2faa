"""Everything that stores data is encrypted with the stack's customer-managed key."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import resources

KEY_ARN = {"Fn::GetAtt": ["Key", "Arn"]}
# (resource type, the property that must name the stack key)
KEYED = [
    ("AWS::Logs::LogGroup", "KmsKeyId"),
    ("AWS::SecretsManager::Secret", "KmsKeyId"),
    ("AWS::SNS::Topic", "KmsMasterKeyId"),
    ("AWS::RDS::DBInstance", "KmsKeyId"),
    ("AWS::RDS::DBInstance", "PerformanceInsightsKMSKeyId"),
    ("AWS::ElastiCache::ReplicationGroup", "KmsKeyId"),
]


@pytest.mark.parametrize(("rtype", "prop"), KEYED)
def test_resources_name_the_stack_key(template: dict[str, Any], rtype: str, prop: str) -> None:
    found = resources(template, rtype)
    assert found, f"no {rtype} in the template"
    for lid, res in found.items():
        assert res["Properties"].get(prop) == KEY_ARN, f"{lid}.{prop}"


def test_database_storage_is_encrypted(template: dict[str, Any]) -> None:
    databases = resources(template, "AWS::RDS::DBInstance")
    assert databases
    for res in databases.values():
        assert res["Properties"]["StorageEncrypted"] is True


@pytest.mark.parametrize("prop", ["AtRestEncryptionEnabled", "TransitEncryptionEnabled"])
def test_cache_is_encrypted(template: dict[str, Any], prop: str) -> None:
    caches = resources(template, "AWS::ElastiCache::ReplicationGroup")
    assert caches
    for res in caches.values():
        assert res["Properties"][prop] is True


def test_the_one_key_is_a_symmetric_customer_managed_key(template: dict[str, Any]) -> None:
    # Rotation is a property of the key itself: test_security.py.
    (key,) = resources(template, "AWS::KMS::Key").values()
    assert key["Properties"].get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"


def test_rotation_lambda_environment_is_encrypted(production: dict[str, Any]) -> None:
    schedules = resources(production, "AWS::SecretsManager::RotationSchedule")
    assert schedules
    for res in schedules.values():
        assert res["Properties"]["HostedRotationLambda"]["KmsKeyArn"] == KEY_ARN
