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


def test_parameter_group_loads_pgaudit_with_the_documented_scope(
    template: dict[str, Any],
) -> None:
    # Role changes and DDL for every session, writes on what rds_pgaudit is granted (the
    # application schema), connections and disconnections, never statement parameters.
    params = template["Resources"]["DbParameterGroup"]["Properties"]["Parameters"]
    assert params == {
        "rds.force_ssl": "1",
        "shared_preload_libraries": "pg_stat_statements,pgaudit",
        "pgaudit.log": "role,ddl",
        "pgaudit.role": "rds_pgaudit",
        "pgaudit.log_parameter": "0",
        "log_connections": "1",
        "log_disconnections": "1",
    }


def test_parameter_group_keeps_its_create_only_description(production: dict[str, Any]) -> None:
    # Description and Family are create-only: a new wording would replace the group.
    props = production["Resources"]["DbParameterGroup"]["Properties"]
    assert (props["Description"], props["Family"]) == ("PostgreSQL: TLS required", "postgres18")


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


def test_database_exports_every_postgres_log_type(template: dict[str, Any]) -> None:
    # Exactly CT.RDS.PR.14's list for postgres: a type outside it fails the control.
    assert _db(template)["EnableCloudwatchLogsExports"] == ["postgresql", "upgrade"]


@pytest.mark.parametrize(
    ("lid", "kind"), [("DbLogGroupPostgresql", "postgresql"), ("DbLogGroupUpgrade", "upgrade")]
)
def test_each_export_has_an_encrypted_log_group_of_the_stack(
    template: dict[str, Any], lid: str, kind: str
) -> None:
    group = template["Resources"][lid]
    assert group["Type"] == "AWS::Logs::LogGroup"
    props = group["Properties"]
    assert props["LogGroupName"] == {
        "Fn::Sub": f"/aws/rds/instance/edu-db-${{EnvironmentSuffix}}/{kind}"
    }
    assert props["KmsKeyId"] == {"Fn::GetAtt": ["Key", "Arn"]}
    assert props["RetentionInDays"] == 365


def test_database_waits_for_its_export_log_groups(template: dict[str, Any]) -> None:
    # RDS would otherwise create the groups itself: unencrypted and never expiring.
    assert template["Resources"]["Database"]["DependsOn"] == [
        "DbLogGroupPostgresql",
        "DbLogGroupUpgrade",
    ]


@pytest.mark.parametrize(
    ("profile_name", "policy"), [("production", "Retain"), ("ephemeral", "Delete")]
)
def test_export_log_groups_follow_the_profile(
    built_templates: dict[str, dict[str, Any]], profile_name: str, policy: str
) -> None:
    for lid in ("DbLogGroupPostgresql", "DbLogGroupUpgrade"):
        group = built_templates[profile_name]["Resources"][lid]
        assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == (policy, policy)


def test_database_is_multi_az_per_parameter_as_a_boolean(template: dict[str, Any]) -> None:
    # Control Tower's Guard rules compare booleans: a Ref to the String parameter fails them.
    assert _db(template)["MultiAZ"] == {"Fn::If": ["DbMultiAzOn", True, False]}
    assert template["Conditions"]["DbMultiAzOn"] == {"Fn::Equals": [{"Ref": "DbMultiAz"}, "true"]}


def test_database_multi_az_defaults_to_on_where_student_data_lives(
    template: dict[str, Any], profile: str
) -> None:
    # A staging platform holds no student data: one instance and one cache node by default.
    expected = ("false", "1") if profile == "staging" else ("true", "2")
    params = template["Parameters"]
    assert (params["DbMultiAz"]["Default"], params["CacheNodeCount"]["Default"]) == expected


def test_database_listens_on_a_port_that_is_not_the_engine_default(
    template: dict[str, Any],
) -> None:
    assert _db(template)["Port"] == {"Ref": "DbPort"}
    spec = template["Parameters"]["DbPort"]
    assert (spec["Type"], spec["Default"], spec["MinValue"]) == ("Number", 5433, 1150)


def test_db_port_output_is_the_instances_endpoint_port(template: dict[str, Any]) -> None:
    assert template["Outputs"]["DbPort"]["Value"] == {"Fn::GetAtt": ["Database", "Endpoint.Port"]}


def test_database_storage_autoscales_up_to_the_parameter(template: dict[str, Any]) -> None:
    db = _db(template)
    assert db["AllocatedStorage"] == {"Ref": "DbAllocatedStorage"}
    assert db["MaxAllocatedStorage"] == {"Ref": "DbMaxAllocatedStorage"}


def test_storage_ceiling_parameter_is_bounded_above_the_storage(template: dict[str, Any]) -> None:
    ceiling = template["Parameters"]["DbMaxAllocatedStorage"]
    storage = template["Parameters"]["DbAllocatedStorage"]
    assert ceiling["Type"] == "Number"
    assert (ceiling["Default"], ceiling["MinValue"], ceiling["MaxValue"]) == (100, 22, 65536)
    assert ceiling["Default"] > storage["Default"]
    # RDS wants the ceiling at least 10% above the storage; the smallest storage is 20 GiB.
    assert ceiling["MinValue"] >= storage["MinValue"] * 1.1
    assert ceiling["Description"].strip()


def test_storage_ceiling_sits_in_the_data_tier_group(template: dict[str, Any]) -> None:
    interface = template["Metadata"]["AWS::CloudFormation::Interface"]
    (group,) = [
        g for g in interface["ParameterGroups"] if "DbMaxAllocatedStorage" in g["Parameters"]
    ]
    assert group["Label"]["default"] == "Data tier"
    assert interface["ParameterLabels"]["DbMaxAllocatedStorage"]["default"].strip()


def test_the_database_skips_no_control_but_staging_multi_az(
    template: dict[str, Any], profile: str
) -> None:
    skips = template["Resources"]["Database"]["Metadata"].get("guard", {}).get("skip", [])
    assert [s["id"] for s in skips] == (["CT.RDS.PR.1"] if profile == "staging" else [])


def test_production_database_has_deletion_protection(production: dict[str, Any]) -> None:
    assert _db(production)["DeletionProtection"] is True


def test_ephemeral_database_has_deletion_protection_too(ephemeral: dict[str, Any]) -> None:
    # CT.RDS.PR.13 without a skip: `deploy.py delete` switches it off before DeleteStack.
    assert _db(ephemeral)["DeletionProtection"] is True


def test_database_skips_only_checkovs_multi_az_check(template: dict[str, Any]) -> None:
    # checkov cannot read the Fn::If; the value it skips is the one CT.RDS.PR.1 passes.
    skips = template["Resources"]["Database"]["Metadata"]["checkov"]["skip"]
    assert [s["id"] for s in skips] == ["CKV_AWS_157"]
    assert _db(template)["MultiAZ"]["Fn::If"][1] is True


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
