"""stackops.datasafety.verdicts: what each change does to a resource, from both sources."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from stackops.datasafety import decision
from stackops.datasafety.verdicts import STATEFUL_TYPES, Verdict, assess
from tests.support.changesets import resource_change, stubbed_changes
from tests.support.resources import DB, bucket, db, template


def only(verdicts: list[Verdict], logical_id: str) -> Verdict:
    found = [v for v in verdicts if v.logical_id == logical_id]
    assert len(found) == 1, verdicts
    return found[0]


def refusals(verdicts: list[Verdict]) -> list[Verdict]:
    return decision.refusals(decision.judge(verdicts))


def warnings(verdicts: list[Verdict]) -> list[Verdict]:
    return decision.warnings(decision.judge(verdicts))


# --------------------------------------------------------------------------- stateful types


def test_stateful_types_are_the_issue_list() -> None:
    assert {
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::ElastiCache::CacheCluster",
        "AWS::S3::Bucket",
        "AWS::KMS::Key",
        "AWS::SecretsManager::Secret",
        "AWS::Logs::LogGroup",
        "AWS::DynamoDB::Table",
        "AWS::EFS::FileSystem",
    } == STATEFUL_TYPES


# --------------------------------------------------------------------------- offline prediction


def test_dbname_change_is_a_replacement_and_refused() -> None:
    v = only(assess([], template(Db=db()), template(Db=db(DBName="other"))), "Db")
    assert (v.replacement, v.source, v.properties, v.refused) == (
        "True",
        "offline",
        ("DBName",),
        True,
    )


def test_allocated_storage_change_is_in_place_and_allowed() -> None:
    verdicts = assess([], template(Db=db()), template(Db=db(AllocatedStorage="50")))
    v = only(verdicts, "Db")
    assert (v.replacement, v.properties, v.refused) == ("False", ("AllocatedStorage",), False)
    assert refusals(verdicts) == []


@pytest.mark.parametrize(("prop", "value"), [("MultiAZ", True), ("BackupRetentionPeriod", 14)])
def test_schema_conditional_change_offline_is_a_warning_only(prop: str, value: Any) -> None:
    verdicts = assess([], template(Db=db()), template(Db=db(**{prop: value})))
    v = only(verdicts, "Db")
    assert (v.replacement, v.properties, v.refused) == ("Conditional", (prop,), False)
    assert warnings(verdicts) == [v]


def test_cluster_member_backup_retention_is_resolved_to_in_place() -> None:
    old = db(DBClusterIdentifier={"Ref": "Cluster"})
    new = db(DBClusterIdentifier={"Ref": "Cluster"}, BackupRetentionPeriod=30)
    v = only(assess([], template(Db=old), template(Db=new)), "Db")
    assert (v.replacement, v.properties) == ("False", ("BackupRetentionPeriod",))
    assert "cluster" in v.reason


def test_removing_snapshot_identifier_is_resolved_to_replacement() -> None:
    old = db(DBSnapshotIdentifier="students-2026-11-01")
    v = only(assess([], template(Db=old), template(Db=db())), "Db")
    assert (v.replacement, v.properties, v.refused) == ("True", ("DBSnapshotIdentifier",), True)


def test_removing_source_instance_promotes_the_replica_in_place() -> None:
    old = db(SourceDBInstanceIdentifier="students-primary")
    v = only(assess([], template(Db=old), template(Db=db())), "Db")
    assert (v.replacement, v.refused) == ("False", False)
    assert "promotes" in v.reason


def test_dynamodb_key_schema_change_is_resolved_to_replacement() -> None:
    def table(key: str) -> dict[str, Any]:
        return {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            },
        }

    v = only(assess([], template(T=table("id")), template(T=table("pk"))), "T")
    assert (v.replacement, v.refused) == ("True", True)
    assert "KeySchema" in v.properties


def test_removing_a_bucket_is_refused() -> None:
    verdicts = assess([], template(Db=db(), Files=bucket()), template(Db=db()))
    v = only(verdicts, "Files")
    assert (v.action, v.refused) == ("Remove", True)
    assert refusals(verdicts) == [v]


def test_removing_a_stateless_resource_is_allowed() -> None:
    topic = {"Type": "AWS::SNS::Topic", "Properties": {}}
    v = only(assess([], template(Db=db(), Alerts=topic), template(Db=db())), "Alerts")
    assert (v.action, v.refused) == ("Remove", False)


def test_adding_an_unrelated_resource_is_allowed() -> None:
    topic = {"Type": "AWS::SNS::Topic", "Properties": {}}
    verdicts = assess([], template(Db=db()), template(Db=db(), Alerts=topic))
    assert [(v.logical_id, v.action, v.refused) for v in verdicts] == [("Alerts", "Add", False)]


def test_type_change_is_a_replacement() -> None:
    old = template(Store=bucket())
    new = template(Store={"Type": "AWS::DynamoDB::Table", "Properties": {}})
    v = only(assess([], old, new), "Store")
    assert (v.replacement, v.properties, v.refused) == ("True", ("Type",), True)


def test_create_has_no_refusals() -> None:
    verdicts = assess([], None, template(Db=db(), Files=bucket()))
    assert refusals(verdicts) == []


def test_unchanged_resource_gets_no_verdict() -> None:
    assert assess([], template(Db=db()), template(Db=db())) == []


@pytest.mark.parametrize(
    ("before", "after"),
    [("20", 20), (False, "false"), (7, "7")],
)
def test_scalar_spelling_is_not_a_change(before: Any, after: Any) -> None:
    old = template(Db=db(AllocatedStorage=before))
    new = template(Db=db(AllocatedStorage=after))
    assert assess([], old, new) == []


def test_novalue_equals_unset() -> None:
    old = template(Db=db())
    new = template(Db=db(KmsKeyId={"Ref": "AWS::NoValue"}))
    assert assess([], old, new) == []


def test_changed_ref_target_counts_as_change() -> None:
    old = template(Db=db(DBName={"Ref": "DbName"}))
    new = template(Db=db(DBName={"Ref": "OtherName"}))
    v = only(assess([], old, new), "Db")
    assert (v.replacement, v.properties) == ("True", ("DBName",))


def test_parameter_driven_create_only_value_is_conditional_at_most() -> None:
    # Same template text, but the change set says the instance changes: the cause may be the
    # DbName parameter's value, which cannot be known offline.
    tpl = template(Db=db(DBName={"Ref": "DbName"}))
    changes = [resource_change("Db", DB)]
    v = only(assess(changes, tpl, copy.deepcopy(tpl)), "Db")
    assert (v.replacement, v.refused, v.properties) == ("Conditional", False, ("DBName",))
    assert "Ref DbName" in v.reason


def test_pseudo_parameters_are_not_treated_as_unknown() -> None:
    tpl = template(Db=db(DBName={"Fn::Sub": "${AWS::StackName}db"}))
    v = only(assess([resource_change("Db", DB)], tpl, copy.deepcopy(tpl)), "Db")
    assert v.replacement is None


def subnet_group(name: str) -> dict[str, Any]:
    return {
        "Type": "AWS::RDS::DBSubnetGroup",
        "Properties": {"DBSubnetGroupName": name, "SubnetIds": ["subnet-1", "subnet-2"]},
    }


def test_reference_to_a_replaced_resource_is_conditional() -> None:
    old = template(Subnets=subnet_group("a"), Db=db(DBSubnetGroupName={"Ref": "Subnets"}))
    new = template(Subnets=subnet_group("b"), Db=db(DBSubnetGroupName={"Ref": "Subnets"}))
    v = only(assess([], old, new), "Db")
    assert (v.replacement, v.properties, v.refused) == (
        "Conditional",
        ("DBSubnetGroupName",),
        False,
    )
    assert "Ref Subnets, which is replaced" in v.reason


def test_change_set_verdict_settles_references() -> None:
    # Real CloudFormation evaluated the reference itself and says the instance stays.
    old = template(Subnets=subnet_group("a"), Db=db(DBSubnetGroupName={"Ref": "Subnets"}))
    new = template(Subnets=subnet_group("b"), Db=db(DBSubnetGroupName={"Ref": "Subnets"}))
    changes = [resource_change("Db", DB, Replacement="False")]
    v = only(assess(changes, old, new), "Db")
    assert v.replacement == "False"


def test_reference_to_a_kept_resource_is_not_a_change() -> None:
    old = template(Subnets=subnet_group("a"), Db=db(DBSubnetGroupName={"Ref": "Subnets"}))
    new = template(
        Subnets=subnet_group("a"), Db=db(DBSubnetGroupName={"Ref": "Subnets"}, AllocatedStorage=50)
    )
    changes = [resource_change("Db", DB)]
    v = only(assess(changes, old, new), "Db")
    assert (v.replacement, v.properties) == ("False", ("AllocatedStorage",))


def test_nested_create_only_path_flags_only_its_sub_key() -> None:
    # AWS::XRay::SamplingRule lists /properties/SamplingRule/Version as create-only.
    def rule(version: int, priority: int) -> dict[str, Any]:
        return {
            "Type": "AWS::XRay::SamplingRule",
            "Properties": {"SamplingRule": {"Version": version, "Priority": priority}},
        }

    in_place = only(assess([], template(R=rule(1, 1)), template(R=rule(1, 2))), "R")
    replaced = only(assess([], template(R=rule(1, 1)), template(R=rule(2, 1))), "R")
    assert (in_place.replacement, replaced.replacement) == ("False", "True")


# --------------------------------------------------------------------------- change set verdicts


def test_change_set_conditional_is_refused() -> None:
    change = resource_change(
        "Db",
        DB,
        PhysicalResourceId="edu-db-1a2b3c",
        Replacement="Conditional",
        Scope=["Properties"],
        Details=[
            {
                "Target": {
                    "Attribute": "Properties",
                    "Name": "MultiAZ",
                    "RequiresRecreation": "Conditionally",
                    "Path": "/Properties/MultiAZ",
                    "BeforeValue": "false",
                    "AfterValue": "true",
                    "AttributeChangeType": "Modify",
                },
                "Evaluation": "Static",
                "ChangeSource": "DirectModification",
            }
        ],
    )
    changes = stubbed_changes([change])
    verdicts = assess(changes, template(Db=db()), template(Db=db(MultiAZ=True)))
    v = only(verdicts, "Db")
    assert (v.replacement, v.properties, v.refused) == ("Conditional", ("MultiAZ",), True)
    assert v.source in ("change-set", "both")


def test_change_set_true_is_refused_even_when_offline_sees_nothing() -> None:
    change = resource_change(
        "Db",
        DB,
        Replacement="True",
        Details=[
            {
                "Target": {
                    "Attribute": "Properties",
                    "Name": "DBName",
                    "RequiresRecreation": "Always",
                },
                "Evaluation": "Dynamic",
                "ChangeSource": "ParameterReference",
                "CausingEntity": "DbName",
            }
        ],
    )
    tpl = template(Db=db(DBName={"Ref": "DbName"}))
    v = only(assess(stubbed_changes([change]), tpl, copy.deepcopy(tpl)), "Db")
    assert (v.replacement, v.source, v.properties, v.refused) == (
        "True",
        "change-set",
        ("DBName",),
        True,
    )


def test_offline_true_wins_over_change_set_false() -> None:
    change = resource_change("Db", DB, Replacement="False")
    v = only(assess([change], template(Db=db()), template(Db=db(DBName="x"))), "Db")
    assert (v.replacement, v.source, v.refused) == ("True", "offline", True)


def test_change_set_remove_of_stateful_resource_is_refused() -> None:
    change = resource_change("Files", "AWS::S3::Bucket", Action="Remove")
    verdicts = assess([change], None, template())
    assert [v.logical_id for v in refusals(verdicts)] == ["Files"]


# --------------------------------------------------------------------------- more precision


def test_intrinsic_above_a_nested_create_only_path_is_conditional() -> None:
    # Whether SamplingRule/Version changes is hidden behind Fn::If in the new template.
    old = {"Type": "AWS::XRay::SamplingRule", "Properties": {"SamplingRule": {"Version": 1}}}
    new = {
        "Type": "AWS::XRay::SamplingRule",
        "Properties": {"SamplingRule": {"Fn::If": ["Prod", {"Version": 1}, {"Version": 2}]}},
    }
    v = only(assess([], template(R=old), template(R=new)), "R")
    assert (v.replacement, v.properties) == ("Conditional", ("SamplingRule",))


def test_removal_reason_mentions_a_retaining_deletion_policy() -> None:
    kept = {**bucket(), "DeletionPolicy": "Retain"}
    v = only(assess([], template(Files=kept), template()), "Files")
    assert v.refused and "DeletionPolicy Retain" in v.reason


def test_sub_variables_defined_locally_are_not_parameters() -> None:
    name = {"Fn::Sub": ["${Prefix}-db", {"Prefix": "edu"}]}
    tpl = template(Db=db(DBName=name))
    v = only(assess([resource_change("Db", DB)], tpl, copy.deepcopy(tpl)), "Db")
    assert v.replacement is None


def test_production_database_name_change_is_refused(production: dict[str, Any]) -> None:
    new = copy.deepcopy(production)
    new["Resources"]["Database"]["Properties"]["DBName"] = "renamed"
    refused = refusals(assess([], production, new))
    assert [(v.logical_id, v.properties) for v in refused] == [("Database", ("DBName",))]


def test_a_removed_stateful_resource_is_refused_and_says_it_would_be_deleted() -> None:
    assert assess([], template(Files=bucket()), template()) == [
        Verdict(
            "Files",
            "AWS::S3::Bucket",
            "Remove",
            None,
            "none",
            (),
            True,
            True,
            "Files (AWS::S3::Bucket) would be deleted: it is no longer in the template",
        )
    ]


def test_a_removal_says_when_its_deletion_policy_keeps_a_copy() -> None:
    old = template(Files={"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"})
    (verdict,) = assess([], old, template())
    assert verdict.reason == (
        "Files (AWS::S3::Bucket) would be deleted: it is no longer in the template; "
        "its DeletionPolicy Retain keeps a copy outside the stack"
    )


def test_a_removed_stateless_resource_is_only_removed() -> None:
    (verdict,) = assess([], template(T={"Type": "AWS::SNS::Topic"}), template())
    assert (verdict.stateful, verdict.refused, verdict.reason) == (
        False,
        False,
        "T (AWS::SNS::Topic) is removed",
    )


def test_a_removal_the_change_set_reports_comes_from_the_change_set() -> None:
    change = {
        "ResourceChange": {
            "Action": "Remove",
            "LogicalResourceId": "Files",
            "ResourceType": "AWS::S3::Bucket",
        }
    }
    (verdict,) = assess([change], template(Files=bucket()), template())
    assert (verdict.source, verdict.refused) == ("change-set", True)


def test_a_stateful_resource_whose_type_changes_is_replaced_and_refused() -> None:
    new = template(Files={"Type": "AWS::EFS::FileSystem", "Properties": {}})
    assert assess([], template(Files=bucket()), new) == [
        Verdict(
            "Files",
            "AWS::EFS::FileSystem",
            "Modify",
            "True",
            "offline",
            ("Type",),
            True,
            True,
            "Files (AWS::EFS::FileSystem) would be replaced, losing its data: its type changes "
            "from AWS::S3::Bucket to AWS::EFS::FileSystem",
        )
    ]


def test_an_added_resource_is_only_added() -> None:
    assert assess([], template(), template(Files=bucket())) == [
        Verdict(
            "Files",
            "AWS::S3::Bucket",
            "Add",
            None,
            "none",
            (),
            True,
            False,
            "Files (AWS::S3::Bucket) is added",
        )
    ]


def test_an_in_place_update_names_the_changed_properties() -> None:
    old = template(T={"Type": "AWS::SNS::Topic"})
    new = template(T={"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "x"}})
    assert assess([], old, new) == [
        Verdict(
            "T",
            "AWS::SNS::Topic",
            "Modify",
            "False",
            "offline",
            ("DisplayName",),
            False,
            False,
            "T (AWS::SNS::Topic) is updated in place: DisplayName changes",
        )
    ]
