"""stackops.datasafety.verdicts: whole verdicts, reason text included, for each way to reach one."""

# The reason is what the review shows and what a refusal quotes, so each test compares the whole
# Verdict: level, source, blamed properties, refusal and the exact sentence.

from __future__ import annotations

import copy
from typing import Any

import pytest

from stackops.datasafety.verdicts import Verdict, assess
from tests.support.changesets import (
    TAGS_DETAIL,
    property_detail,
    resource_change,
    stubbed_changes,
)
from tests.support.resources import DB, bucket, db, template

NAME = f"Db ({DB})"
OFFLINE_ONLY = (
    "may be replaced in special cases (offline prediction only, not confirmed by the change set)"
)


def db_verdict(
    replacement: str | None,
    source: str,
    properties: tuple[str, ...],
    refused: bool,
    reason: str,
    action: str = "Modify",
) -> Verdict:
    return Verdict("Db", DB, action, replacement, source, properties, True, refused, reason)


def create_only(path: str) -> str:
    return f"{path} changes and is listed in the schema's createOnlyProperties"


def conditional(path: str) -> str:
    return f"{path} changes and is listed in the schema's conditionalCreateOnlyProperties"


def unknown(prop: str, kind: str, inputs: str) -> str:
    return f"{prop} ({kind}) comes from {inputs}; whether its value changes cannot be known offline"


# ----------------------------------------------------------------------- offline, from the schemas


def test_a_create_only_change_names_the_schema_list() -> None:
    verdicts = assess([], template(Db=db()), template(Db=db(DBName="grades")))
    assert verdicts == [
        db_verdict(
            "True",
            "offline",
            ("DBName",),
            True,
            f"{NAME} would be replaced, losing its data: {create_only('DBName')}",
        )
    ]


def test_only_the_strictest_properties_are_blamed_each_with_its_reason() -> None:
    new = db(DBName="grades", MasterUsername="owner", AllocatedStorage="50")
    assert assess([], template(Db=db()), template(Db=new)) == [
        db_verdict(
            "True",
            "offline",
            ("DBName", "MasterUsername"),
            True,
            f"{NAME} would be replaced, losing its data: "
            f"{create_only('DBName')}; {create_only('MasterUsername')}",
        )
    ]


def test_a_schema_conditional_change_offline_is_a_prediction_only() -> None:
    assert assess([], template(Db=db()), template(Db=db(MultiAZ=True))) == [
        db_verdict(
            "Conditional",
            "offline",
            ("MultiAZ",),
            False,
            f"{NAME} {OFFLINE_ONLY}: {conditional('MultiAZ')}",
        )
    ]


def test_removing_a_schema_conditional_property_is_still_a_prediction() -> None:
    # Only SourceDBInstanceIdentifier is settled by its removal (the replica is promoted).
    old = db(PreferredMaintenanceWindow="sun:03:00-sun:04:00")
    assert assess([], template(Db=old), template(Db=db())) == [
        db_verdict(
            "Conditional",
            "offline",
            ("PreferredMaintenanceWindow",),
            False,
            f"{NAME} {OFFLINE_ONLY}: {conditional('PreferredMaintenanceWindow')}",
        )
    ]


def test_a_replaced_stateless_resource_loses_no_data() -> None:
    def topic(name: str) -> dict[str, Any]:
        return {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}

    assert assess(
        [], template(Alerts=topic("edu-alerts")), template(Alerts=topic("edu-alarms"))
    ) == [
        Verdict(
            "Alerts",
            "AWS::SNS::Topic",
            "Modify",
            "True",
            "offline",
            ("TopicName",),
            False,
            False,
            f"Alerts (AWS::SNS::Topic) would be replaced: {create_only('TopicName')}",
        )
    ]


def test_a_stateful_resource_that_becomes_stateless_still_loses_its_data() -> None:
    new = template(Files={"Type": "AWS::SNS::Topic", "Properties": {}})
    assert assess([], template(Files=bucket()), new) == [
        Verdict(
            "Files",
            "AWS::SNS::Topic",
            "Modify",
            "True",
            "offline",
            ("Type",),
            True,
            True,
            "Files (AWS::SNS::Topic) would be replaced, losing its data: its type changes from "
            "AWS::S3::Bucket to AWS::SNS::Topic",
        )
    ]


# --------------------------------------------------------------------------- resolvers


@pytest.mark.parametrize(("prop", "value"), [("MultiAZ", True), ("BackupRetentionPeriod", 30)])
def test_a_cluster_member_ignores_multi_az_and_backups(prop: str, value: Any) -> None:
    old = db(DBClusterIdentifier={"Ref": "Cluster"})
    new = db(DBClusterIdentifier={"Ref": "Cluster"}, **{prop: value})
    assert assess([], template(Db=old), template(Db=new)) == [
        db_verdict(
            "False",
            "offline",
            (prop,),
            False,
            f"{NAME} is updated in place: {prop} does not apply to a DB instance in a cluster "
            "(DBClusterIdentifier is set)",
        )
    ]


def test_removing_the_source_instance_promotes_the_replica() -> None:
    old = db(SourceDBInstanceIdentifier="students-primary")
    assert assess([], template(Db=old), template(Db=db())) == [
        db_verdict(
            "False",
            "offline",
            ("SourceDBInstanceIdentifier",),
            False,
            f"{NAME} is updated in place: removing SourceDBInstanceIdentifier promotes the read "
            "replica in place",
        )
    ]


def test_changing_the_snapshot_identifier_restores_a_new_instance() -> None:
    old = db(DBSnapshotIdentifier="students-2026-11-01")
    new = db(DBSnapshotIdentifier="students-2026-11-15")
    assert assess([], template(Db=old), template(Db=new)) == [
        db_verdict(
            "True",
            "offline",
            ("DBSnapshotIdentifier",),
            True,
            f"{NAME} would be replaced, losing its data: changing or removing DBSnapshotIdentifier "
            "restores a new DB instance and deletes the current one",
        )
    ]


def test_a_table_whose_keys_change_is_replaced() -> None:
    def table(key: str) -> dict[str, Any]:
        return {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            },
        }

    assert assess([], template(T=table("id")), template(T=table("pk"))) == [
        Verdict(
            "T",
            "AWS::DynamoDB::Table",
            "Modify",
            "True",
            "offline",
            ("KeySchema",),
            True,
            True,
            "T (AWS::DynamoDB::Table) would be replaced, losing its data: a table's KeySchema "
            "cannot change in place",
        )
    ]


# --------------------------------------------------------------------------- normalizing


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"MultiAZ": "true"}, {"MultiAZ": True}),
        ({"AllocatedStorage": "20"}, {"AllocatedStorage": 20.0}),
        # A NoValue list item is dropped, as CloudFormation drops it.
        (
            {"VPCSecurityGroups": ["sg-0a1b2c3d"]},
            {"VPCSecurityGroups": ["sg-0a1b2c3d", {"Ref": "AWS::NoValue"}]},
        ),
    ],
)
def test_the_same_value_spelled_differently_is_no_change(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    assert assess([], template(Db=db(**before)), template(Db=db(**after))) == []


@pytest.mark.parametrize(("before", "after"), [(80.5, 80), (80.5, 90.5), (80, 80.25)])
def test_a_fractional_number_is_compared_as_it_is(before: float, after: float) -> None:
    def alarm(threshold: float) -> dict[str, Any]:
        return {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {"MetricName": "CPUUtilization", "Threshold": threshold},
        }

    assert assess([], template(Cpu=alarm(before)), template(Cpu=alarm(after))) == [
        Verdict(
            "Cpu",
            "AWS::CloudWatch::Alarm",
            "Modify",
            "False",
            "offline",
            ("Threshold",),
            False,
            False,
            "Cpu (AWS::CloudWatch::Alarm) is updated in place: Threshold changes",
        )
    ]


# --------------------------------------------------------------------------- nested schema paths


def sampling_rule(rule: Any) -> dict[str, Any]:
    return {"Type": "AWS::XRay::SamplingRule", "Properties": {"SamplingRule": rule}}


def rule_verdict(replacement: str, reason: str) -> Verdict:
    return Verdict(
        "R",
        "AWS::XRay::SamplingRule",
        "Modify",
        replacement,
        "offline",
        ("SamplingRule",),
        False,
        False,
        f"R (AWS::XRay::SamplingRule) {reason}",
    )


def test_a_nested_create_only_key_is_named_by_its_path() -> None:
    old = template(R=sampling_rule({"Version": 1, "Priority": 10}))
    new = template(R=sampling_rule({"Version": 2, "Priority": 10}))
    assert assess([], old, new) == [
        rule_verdict("True", f"would be replaced: {create_only('SamplingRule/Version')}")
    ]


def test_an_intrinsic_above_a_nested_key_before_the_change_hides_it_too() -> None:
    # The old template chose the rule with Fn::If; the new one writes it out.
    chosen = {"Fn::If": ["Prod", {"Version": 1, "Priority": 10}, {"Version": 2, "Priority": 10}]}
    old = template(R=sampling_rule(chosen))
    new = template(R=sampling_rule({"Version": 1, "Priority": 10}))
    assert assess([], old, new) == [
        rule_verdict(
            "Conditional",
            f"{OFFLINE_ONLY}: SamplingRule is built by an intrinsic function, so whether "
            "SamplingRule/Version (createOnlyProperties) changes cannot be told offline",
        )
    ]


def test_an_intrinsic_above_a_nested_key_that_changes_is_still_a_maybe() -> None:
    old = template(R=sampling_rule({"Fn::If": ["Prod", {"Version": 1}, {"Version": 2}]}))
    new = template(R=sampling_rule({"Fn::If": ["Prod", {"Version": 1}, {"Version": 3}]}))
    assert assess([], old, new) == [
        rule_verdict(
            "Conditional",
            f"{OFFLINE_ONLY}: SamplingRule is built by an intrinsic function, so whether "
            "SamplingRule/Version (createOnlyProperties) changes cannot be told offline",
        )
    ]


def test_a_parent_that_changes_around_the_same_intrinsic_key_is_updated_in_place() -> None:
    version = {"Fn::If": ["Prod", 1, 2]}
    old = template(R=sampling_rule({"Version": version, "Priority": 10}))
    new = template(R=sampling_rule({"Version": copy.deepcopy(version), "Priority": 20}))
    assert assess([], old, new) == [
        rule_verdict("False", "is updated in place: SamplingRule changes")
    ]


def test_a_parameter_below_a_changed_parent_may_still_change_a_nested_key() -> None:
    # The parent's text changes (Priority) but not Version's; Version's parameter may have a new
    # value, which only the change set knows, and it says only that the rule changes.
    old = template(R=sampling_rule({"Version": {"Ref": "RuleVersion"}, "Priority": 10}))
    new = template(R=sampling_rule({"Version": {"Ref": "RuleVersion"}, "Priority": 20}))
    changes = [resource_change("R", "AWS::XRay::SamplingRule")]
    assert assess(changes, old, new) == [
        rule_verdict(
            "Conditional",
            f"{OFFLINE_ONLY}: "
            + unknown("SamplingRule", "createOnlyProperties", "Ref RuleVersion (a parameter)"),
        )
    ]


def vpc_endpoint(**props: Any) -> dict[str, Any]:
    base = {
        "ServiceName": "com.amazonaws.us-east-1.secretsmanager",
        "VpcEndpointType": "Interface",
        "VpcId": "vpc-0a1b2c3d",
    }
    return {"Type": "AWS::EC2::VPCEndpoint", "Properties": {**base, **props}}


def test_adding_a_block_that_leaves_its_create_only_keys_unset_is_in_place() -> None:
    # DnsOptions/PrivateDnsPreference is create-only; it is unset before and after.
    new = vpc_endpoint(DnsOptions={"DnsRecordIpType": "ipv4"})
    assert assess([], template(Api=vpc_endpoint()), template(Api=new)) == [
        Verdict(
            "Api",
            "AWS::EC2::VPCEndpoint",
            "Modify",
            "False",
            "offline",
            ("DnsOptions",),
            False,
            False,
            "Api (AWS::EC2::VPCEndpoint) is updated in place: DnsOptions changes",
        )
    ]


# AWS::MSK::Replicator lists keys of every ReplicationInfoList item (``*``) as create-only.
SOURCE = "arn:aws:kafka:us-east-1:123456789012:cluster/edu-source/1a2b3c4d-1"
OTHER_SOURCE = "arn:aws:kafka:us-east-1:123456789012:cluster/edu-archive/5e6f7a8b-2"
TARGET = "arn:aws:kafka:us-west-2:123456789012:cluster/edu-target/9c0d1e2f-3"


def replication(
    source: str = SOURCE, compression: str = "NONE", topics: tuple[str, ...] = ("grades",)
) -> dict[str, Any]:
    return {
        "SourceKafkaClusterArn": source,
        "TargetKafkaClusterArn": TARGET,
        "TargetCompressionType": compression,
        "TopicReplication": {"TopicsToReplicate": list(topics)},
        "ConsumerGroupReplication": {"ConsumerGroupsToReplicate": [".*"]},
    }


def replicator(*items: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::MSK::Replicator",
        "Properties": {
            "ReplicatorName": "edu-replicator",
            "KafkaClusters": [
                {"AmazonMskCluster": {"MskClusterArn": SOURCE}},
                {"AmazonMskCluster": {"MskClusterArn": TARGET}},
            ],
            "ServiceExecutionRoleArn": "arn:aws:iam::123456789012:role/edu-replicator",
            "ReplicationInfoList": list(items),
        },
    }


def replicator_verdict(replacement: str, reason: str) -> Verdict:
    return Verdict(
        "Repl",
        "AWS::MSK::Replicator",
        "Modify",
        replacement,
        "offline",
        ("ReplicationInfoList",),
        False,
        False,
        f"Repl (AWS::MSK::Replicator) {reason}",
    )


def test_a_list_item_change_outside_its_create_only_keys_is_in_place() -> None:
    old = template(Repl=replicator(replication()))
    new = template(Repl=replicator(replication(topics=("grades", "courses"))))
    assert assess([], old, new) == [
        replicator_verdict("False", "is updated in place: ReplicationInfoList changes")
    ]


def test_a_create_only_key_of_a_list_item_is_found_after_unchanged_ones() -> None:
    # SourceKafkaClusterArn, listed first, stays; TargetCompressionType, listed fifth, changes.
    old = template(Repl=replicator(replication()))
    new = template(Repl=replicator(replication(compression="ZSTD")))
    assert assess([], old, new) == [
        replicator_verdict(
            "True",
            f"would be replaced: {create_only('ReplicationInfoList/*/TargetCompressionType')}",
        )
    ]


def test_one_reason_per_property_the_first_key_the_schema_lists() -> None:
    old = template(Repl=replicator(replication()))
    new = template(Repl=replicator(replication(source=OTHER_SOURCE, compression="ZSTD")))
    assert assess([], old, new) == [
        replicator_verdict(
            "True",
            f"would be replaced: {create_only('ReplicationInfoList/*/SourceKafkaClusterArn')}",
        )
    ]


def test_an_intrinsic_list_item_hides_its_create_only_keys() -> None:
    chosen = {"Fn::If": ["Compress", replication(compression="ZSTD"), replication()]}
    old = template(Repl=replicator(replication()))
    new = template(Repl=replicator(chosen))
    assert assess([], old, new) == [
        replicator_verdict(
            "Conditional",
            f"{OFFLINE_ONLY}: ReplicationInfoList is built by an intrinsic function, so whether "
            "ReplicationInfoList/*/SourceKafkaClusterArn (createOnlyProperties) changes cannot be "
            "told offline",
        )
    ]


# --------------------------------------------------------------------------- same text, other value


def emulator_modify(logical_id: str = "Db", resource_type: str = DB, **fields: Any) -> list[Any]:
    """The emulator's answer: the resource changes, no Replacement, no Details."""
    return stubbed_changes([resource_change(logical_id, resource_type, **fields)])


def test_every_parameter_of_a_sub_is_named() -> None:
    tpl = template(Db=db(DBName={"Fn::Sub": "${Prefix}${Env}"}))
    inputs = "${Prefix} (a parameter), ${Env} (a parameter)"
    assert assess(emulator_modify(), tpl, copy.deepcopy(tpl)) == [
        db_verdict(
            "Conditional",
            "offline",
            ("DBName",),
            False,
            f"{NAME} {OFFLINE_ONLY}: {unknown('DBName', 'createOnlyProperties', inputs)}",
        )
    ]


def test_a_parameter_feeding_a_schema_conditional_property_is_named_with_its_list() -> None:
    tpl = template(Db=db(DBParameterGroupName={"Ref": "DbParameters"}))
    kind = "conditionalCreateOnlyProperties"
    assert assess(emulator_modify(), tpl, copy.deepcopy(tpl)) == [
        db_verdict(
            "Conditional",
            "offline",
            ("DBParameterGroupName",),
            False,
            f"{NAME} {OFFLINE_ONLY}: "
            + unknown("DBParameterGroupName", kind, "Ref DbParameters (a parameter)"),
        )
    ]


@pytest.mark.parametrize(
    ("prop", "value", "inputs"),
    [
        (
            "MasterUsername",
            "{{resolve:secretsmanager:edu/db-owner:SecretString:username}}",
            "a dynamic reference",
        ),
        ("DBSubnetGroupName", {"Fn::ImportValue": "edu-network-DbSubnetGroup"}, "Fn::ImportValue"),
        (
            "KmsKeyId",
            {
                "Fn::If": [
                    "UseCmk",
                    {"Fn::ImportValue": "edu-keys-DataKey"},
                    {"Ref": "AWS::NoValue"},
                ]
            },
            "condition UseCmk, Fn::ImportValue",
        ),
    ],
)
def test_what_else_may_change_a_create_only_value_is_named(
    prop: str, value: Any, inputs: str
) -> None:
    tpl = template(Db=db(**{prop: value}))
    assert assess(emulator_modify(), tpl, copy.deepcopy(tpl)) == [
        db_verdict(
            "Conditional",
            "offline",
            (prop,),
            False,
            f"{NAME} {OFFLINE_ONLY}: {unknown(prop, 'createOnlyProperties', inputs)}",
        )
    ]


def test_a_dynamic_change_is_read_like_a_modification() -> None:
    tpl = template(Db=db(DBName={"Ref": "DbName"}))
    changes = emulator_modify(Action="Dynamic")
    assert assess(changes, tpl, copy.deepcopy(tpl)) == [
        db_verdict(
            "Conditional",
            "offline",
            ("DBName",),
            False,
            f"{NAME} {OFFLINE_ONLY}: "
            + unknown("DBName", "createOnlyProperties", "Ref DbName (a parameter)"),
            action="Dynamic",
        )
    ]


def subnet_group(name: str) -> dict[str, Any]:
    return {
        "Type": "AWS::RDS::DBSubnetGroup",
        "Properties": {"DBSubnetGroupName": name, "SubnetIds": ["subnet-1", "subnet-2"]},
    }


def test_a_replaced_resource_behind_a_condition_is_still_found() -> None:
    # Without a change set, the condition itself is not worth naming; the replaced group is.
    chosen = {"Fn::If": ["InVpc", {"Ref": "Subnets"}, {"Ref": "AWS::NoValue"}]}
    old = template(Subnets=subnet_group("edu-a"), Db=db(DBSubnetGroupName=chosen))
    new = template(Subnets=subnet_group("edu-b"), Db=db(DBSubnetGroupName=copy.deepcopy(chosen)))
    inputs = "Ref Subnets, which is replaced"
    assert [v for v in assess([], old, new) if v.logical_id == "Db"] == [
        db_verdict(
            "Conditional",
            "offline",
            ("DBSubnetGroupName",),
            False,
            f"{NAME} {OFFLINE_ONLY}: "
            + unknown("DBSubnetGroupName", "createOnlyProperties", inputs),
        )
    ]


def test_a_get_att_of_a_replaced_resource_is_named_without_fn() -> None:
    def queue(name: str) -> dict[str, Any]:
        return {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": name}}

    mapping = {
        "Type": "AWS::Lambda::EventSourceMapping",
        "Properties": {
            "EventSourceArn": {"Fn::GetAtt": ["Jobs", "Arn"]},
            "FunctionName": "edu-worker",
        },
    }
    old = template(Jobs=queue("edu-jobs"), Feed=mapping)
    new = template(Jobs=queue("edu-tasks"), Feed=mapping)
    inputs = "GetAtt Jobs.Arn, which is replaced"
    assert [v for v in assess([], old, new) if v.logical_id == "Feed"] == [
        Verdict(
            "Feed",
            "AWS::Lambda::EventSourceMapping",
            "Modify",
            "Conditional",
            "offline",
            ("EventSourceArn",),
            False,
            False,
            f"Feed (AWS::Lambda::EventSourceMapping) {OFFLINE_ONLY}: "
            + unknown("EventSourceArn", "createOnlyProperties", inputs),
        )
    ]


def test_a_modification_the_template_cannot_explain_is_only_updated() -> None:
    # The parameter feeds AllocatedStorage, which is updated in place: nothing to blame.
    tpl = template(Db=db(AllocatedStorage={"Ref": "Storage"}))
    assert assess(emulator_modify(), tpl, copy.deepcopy(tpl)) == [
        db_verdict(None, "none", (), False, f"{NAME} is updated")
    ]


# --------------------------------------------------------------------------- the change set


def test_the_change_set_names_what_always_requires_recreation() -> None:
    # The tags change too; a Tags target names no property.
    change = resource_change(
        "Db",
        DB,
        Replacement="True",
        Details=[TAGS_DETAIL, property_detail("DBName", "Always")],
    )
    new = db(DBName="grades")
    assert assess(stubbed_changes([change]), template(Db=db()), template(Db=new)) == [
        db_verdict(
            "True",
            "both",
            ("DBName",),
            True,
            f"{NAME} would be replaced, losing its data: the change set says DBName always "
            "requires recreation",
        )
    ]


def test_the_change_set_names_what_conditionally_requires_recreation() -> None:
    change = resource_change(
        "Db", DB, Replacement="Conditional", Details=[property_detail("MultiAZ", "Conditionally")]
    )
    new = db(MultiAZ=True)
    assert assess(stubbed_changes([change]), template(Db=db()), template(Db=new)) == [
        db_verdict(
            "Conditional",
            "both",
            ("MultiAZ",),
            True,
            f"{NAME} may be replaced, CloudFormation says: the change set says MultiAZ "
            "conditionally requires recreation",
        )
    ]


def test_the_change_set_names_what_never_requires_recreation() -> None:
    change = resource_change(
        "Db",
        DB,
        Replacement="False",
        Details=[property_detail("AllocatedStorage", "Never")],
    )
    new = db(AllocatedStorage="50")
    assert assess(stubbed_changes([change]), template(Db=db()), template(Db=new)) == [
        db_verdict(
            "False",
            "both",
            ("AllocatedStorage",),
            False,
            f"{NAME} is updated in place: the change set says AllocatedStorage never requires "
            "recreation",
        )
    ]


def test_a_tag_change_blames_only_what_the_templates_show() -> None:
    change = resource_change("Files", "AWS::S3::Bucket", Replacement="False", Details=[TAGS_DETAIL])
    old = bucket(Tags=[{"Key": "team", "Value": "data"}])
    new = bucket(Tags=[{"Key": "team", "Value": "platform"}])
    assert assess(stubbed_changes([change]), template(Files=old), template(Files=new)) == [
        Verdict(
            "Files",
            "AWS::S3::Bucket",
            "Modify",
            "False",
            "both",
            ("Tags",),
            True,
            False,
            "Files (AWS::S3::Bucket) is updated in place: Tags changes",
        )
    ]


def test_properties_of_one_level_are_blamed_by_name() -> None:
    change = resource_change(
        "Db",
        DB,
        Replacement="True",
        Details=[property_detail("MasterUsername", "Always"), property_detail("DBName", "Always")],
    )
    new = db(DBName="grades", MasterUsername="owner")
    says = "the change set says {} always requires recreation"
    assert assess(stubbed_changes([change]), template(Db=db()), template(Db=new)) == [
        db_verdict(
            "True",
            "both",
            ("DBName", "MasterUsername"),
            True,
            f"{NAME} would be replaced, losing its data: "
            f"{says.format('DBName')}; {says.format('MasterUsername')}",
        )
    ]


def test_an_always_evaluated_dynamically_is_a_replacement_under_conditional() -> None:
    # CloudFormation's Replacement stays "Conditional" when the recreating value comes from a
    # parameter it evaluates only on execution; the detail still says "Always".
    detail = property_detail(
        "DBName",
        "Always",
        evaluation="Dynamic",
        ChangeSource="ParameterReference",
        CausingEntity="DbName",
    )
    change = resource_change("Db", DB, Replacement="Conditional", Details=[detail])
    tpl = template(Db=db(DBName={"Ref": "DbName"}))
    assert assess(stubbed_changes([change]), tpl, copy.deepcopy(tpl)) == [
        db_verdict(
            "True",
            "change-set",
            ("DBName",),
            True,
            f"{NAME} would be replaced, losing its data: the change set says DBName always "
            "requires recreation",
        )
    ]


def test_the_offline_view_adds_what_the_template_settles_beyond_the_change_set() -> None:
    # CloudFormation says KeySchema changes "Conditionally"; the table's keys never change in
    # place, so the offline view blames KeySchema next to the name the change set gives.
    def table(name: str, key: str) -> dict[str, Any]:
        return {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": name,
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            },
        }

    details = [
        property_detail("AttributeDefinitions", "Never"),
        property_detail("KeySchema", "Conditionally"),
        property_detail("TableName", "Always"),
    ]
    change = resource_change("T", "AWS::DynamoDB::Table", Replacement="True", Details=details)
    old, new = template(T=table("edu-grades", "id")), template(T=table("edu-marks", "pk"))
    assert assess(stubbed_changes([change]), old, new) == [
        Verdict(
            "T",
            "AWS::DynamoDB::Table",
            "Modify",
            "True",
            "both",
            ("TableName", "KeySchema"),
            True,
            True,
            "T (AWS::DynamoDB::Table) would be replaced, losing its data: the change set says "
            "TableName always requires recreation; a table's KeySchema cannot change in place",
        )
    ]


def test_without_replacement_the_details_decide() -> None:
    change = resource_change(
        "Db",
        DB,
        Details=[
            property_detail("AllocatedStorage", "Never"),
            property_detail("MultiAZ", "Conditionally"),
        ],
    )
    new = db(AllocatedStorage="50", MultiAZ=True)
    assert assess(stubbed_changes([change]), template(Db=db()), template(Db=new)) == [
        db_verdict(
            "Conditional",
            "both",
            ("MultiAZ",),
            True,
            f"{NAME} may be replaced, CloudFormation says: the change set says MultiAZ "
            "conditionally requires recreation",
        )
    ]


def test_a_replacement_without_details_is_explained_by_the_offline_maybe() -> None:
    change = resource_change("Db", DB, Replacement="True")
    new = db(AllocatedStorage="50", MultiAZ=True)
    assert assess(stubbed_changes([change]), template(Db=db()), template(Db=new)) == [
        db_verdict(
            "True",
            "change-set",
            ("MultiAZ",),
            True,
            f"{NAME} would be replaced, losing its data: {conditional('MultiAZ')}",
        )
    ]


@pytest.mark.parametrize(
    ("replacement", "said"),
    [
        ("True", "would be replaced, losing its data"),
        ("Conditional", "may be replaced, CloudFormation says"),
    ],
)
def test_a_replacement_without_details_is_explained_by_the_changed_properties(
    replacement: str, said: str
) -> None:
    change = resource_change("Db", DB, Replacement=replacement)
    new = db(AllocatedStorage="50")
    assert assess(stubbed_changes([change]), template(Db=db()), template(Db=new)) == [
        db_verdict(
            replacement,
            "change-set",
            ("AllocatedStorage",),
            True,
            f"{NAME} {said}: AllocatedStorage changes",
        )
    ]


# The deployed template could not be read (stacks.deployed_template returns None): the change
# set alone decides, and resources it does not list get no verdict.


@pytest.mark.parametrize(
    ("replacement", "reason"),
    [
        ("True", f"{NAME} would be replaced, losing its data: the change set says so"),
        ("Conditional", f"{NAME} may be replaced, CloudFormation says: Replacement: Conditional"),
    ],
)
def test_without_the_deployed_template_a_bare_replacement_is_quoted(
    replacement: str, reason: str
) -> None:
    changes = stubbed_changes([resource_change("Db", DB, Replacement=replacement)])
    new = template(Db=db(), Files=bucket())
    assert assess(changes, None, new) == [db_verdict(replacement, "change-set", (), True, reason)]


def test_a_change_that_names_only_the_resource_reads_the_rest_from_the_template() -> None:
    change = {"ResourceChange": {"LogicalResourceId": "Db"}}
    tpl = template(Db=db(DBName={"Ref": "DbName"}))
    assert assess([change], tpl, copy.deepcopy(tpl)) == [
        db_verdict(
            "Conditional",
            "offline",
            ("DBName",),
            False,
            f"{NAME} {OFFLINE_ONLY}: "
            + unknown("DBName", "createOnlyProperties", "Ref DbName (a parameter)"),
        )
    ]


def test_an_imported_resource_is_only_imported() -> None:
    change = resource_change("Files", "AWS::S3::Bucket", Action="Import")
    new = template(Db=db(), Files={**bucket(), "DeletionPolicy": "Retain"})
    assert assess(stubbed_changes([change]), template(Db=db()), new) == [
        Verdict(
            "Files",
            "AWS::S3::Bucket",
            "Import",
            None,
            "none",
            (),
            True,
            False,
            "Files (AWS::S3::Bucket) is imported",
        )
    ]
