"""RDS PostgreSQL and the ElastiCache replication group."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import cfnlint
import pytest

from tests.support.cfn import assert_has_resource_properties, resources
from tests.templates.helpers import RESOLVE, dependency_graph, reaches

DEPRECATED_VERSIONS = (
    Path(cfnlint.__file__).parent
    / "data/schemas/extensions/aws_rds_dbinstance/engine_version_deprecated.json"
)


def _db(template: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"]["Database"]["Properties"]
    return props


def _cache(template: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"]["Cache"]["Properties"]
    return props


def _deprecated_postgres_versions() -> set[str]:
    for block in json.loads(DEPRECATED_VERSIONS.read_text())["allOf"]:
        props = block["if"]["properties"]
        if props.get("Engine", {}).get("const") == "postgres":
            return set(props["EngineVersion"]["enum"])
    raise AssertionError("cfn-lint lists no deprecated postgres versions")


def test_postgres_version_is_not_deprecated_for_cfn_lint(production: dict[str, Any]) -> None:
    db = _db(production)
    assert db["Engine"] == "postgres"
    assert db["EngineVersion"] not in _deprecated_postgres_versions()


def test_parameter_group_family_matches_the_major_version(production: dict[str, Any]) -> None:
    major = _db(production)["EngineVersion"].split(".")[0]
    assert_has_resource_properties(
        production, "AWS::RDS::DBParameterGroup", {"Family": f"postgres{major}"}
    )


def test_parameter_group_forces_tls(production: dict[str, Any]) -> None:
    assert_has_resource_properties(
        production, "AWS::RDS::DBParameterGroup", {"Parameters": {"rds.force_ssl": "1"}}
    )


def test_database_uses_the_tls_parameter_group(production: dict[str, Any]) -> None:
    assert _db(production)["DBParameterGroupName"] == {"Ref": "DbParameterGroup"}


def test_database_is_private(production: dict[str, Any]) -> None:
    assert _db(production)["PubliclyAccessible"] is False


@pytest.mark.parametrize("lid", ["DbSubnetGroup", "CacheSubnetGroup"])
def test_data_subnet_groups_use_the_private_subnets(production: dict[str, Any], lid: str) -> None:
    ids = production["Resources"][lid]["Properties"]["SubnetIds"]
    assert ids == [
        {"Ref": "PrivateSubnet1"},
        {"Ref": "PrivateSubnet2"},
        {"Fn::If": ["ThreeAZs", {"Ref": "PrivateSubnet3"}, {"Ref": "AWS::NoValue"}]},
    ]


def test_master_password_is_a_dynamic_reference_to_the_db_secret(
    template: dict[str, Any],
) -> None:
    match = RESOLVE.match(_db(template)["MasterUserPassword"]["Fn::Sub"])
    assert match
    assert match["secret"] == "DbSecret"
    assert match["rest"] == ":SecretString:password"


def test_database_keeps_a_week_of_backups(production: dict[str, Any]) -> None:
    assert _db(production)["BackupRetentionPeriod"] >= 7


def test_database_has_enhanced_monitoring(production: dict[str, Any]) -> None:
    db = _db(production)
    assert db["MonitoringInterval"] > 0
    assert db["MonitoringRoleArn"] == {"Fn::GetAtt": ["DbMonitoringRole", "Arn"]}


def test_database_has_performance_insights_with_the_key(production: dict[str, Any]) -> None:
    db = _db(production)
    assert db["EnablePerformanceInsights"] is True
    assert db["PerformanceInsightsKMSKeyId"] == {"Fn::GetAtt": ["Key", "Arn"]}


def test_database_allows_iam_authentication(production: dict[str, Any]) -> None:
    assert _db(production)["EnableIAMDatabaseAuthentication"] is True


def test_database_exports_postgres_logs(production: dict[str, Any]) -> None:
    # Only the log kinds whose groups the stack creates (encrypted, deleted with ephemeral
    # stacks): an exported kind without one gets a group RDS makes, unencrypted and kept forever.
    assert _db(production)["EnableCloudwatchLogsExports"] == ["postgresql"]


def test_database_export_log_groups_are_the_stacks_own(template: dict[str, Any]) -> None:
    groups = template["Resources"]["Database"]["DependsOn"]
    assert groups
    for lid in groups:
        props = template["Resources"][lid]["Properties"]
        assert props["LogGroupName"]["Fn::Sub"].startswith("/aws/rds/instance/edu-db-")
        assert props["KmsKeyId"] == {"Fn::GetAtt": ["Key", "Arn"]}
    assert len(groups) == len(_db(template)["EnableCloudwatchLogsExports"])


def test_database_is_multi_az_per_parameter(production: dict[str, Any]) -> None:
    assert _db(production)["MultiAZ"] == {"Ref": "DbMultiAz"}


@pytest.mark.parametrize("prop", ["AutomaticFailoverEnabled", "MultiAZEnabled"])
def test_cache_fails_over_only_with_two_or_more_nodes(
    production: dict[str, Any], prop: str
) -> None:
    assert _cache(production)[prop] == {"Fn::If": ["CacheMultiNode", True, False]}


def test_cache_node_count_is_the_parameter(production: dict[str, Any]) -> None:
    assert _cache(production)["NumCacheClusters"] == {"Ref": "CacheNodeCount"}


def test_cache_keeps_snapshots(production: dict[str, Any]) -> None:
    assert _cache(production)["SnapshotRetentionLimit"] >= 1


def test_slow_resources_do_not_wait_on_one_another(template: dict[str, Any]) -> None:
    slow = [
        *resources(template, "AWS::RDS::DBInstance"),
        *resources(template, "AWS::ElastiCache::ReplicationGroup"),
        *resources(template, "AWS::EC2::NatGateway"),
    ]
    assert len(slow) >= 4
    graph = dependency_graph(template)
    linked = [(a, b) for a, b in itertools.permutations(slow, 2) if reaches(graph, a, b)]
    assert linked == []
