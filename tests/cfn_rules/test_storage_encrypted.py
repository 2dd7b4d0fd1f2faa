"""W9202 (cfn_rules.storage_encrypted): literal truth, conditions, nested properties,
queues and Aurora members."""

from __future__ import annotations

from tests.support.rules import findings


def resource(rtype: str, properties: str = "{}") -> str:
    return f"""
Parameters:
  Encrypt:
    Type: String
Conditions:
  Prod: !Equals [!Ref "AWS::Region", us-east-1]
Resources:
  Store:
    Type: {rtype}
    Properties: {properties}
"""


def flagged(template: str) -> list[str]:
    return [message for _, _, message in findings("storage_encrypted", template)]


def test_unencrypted_database_is_flagged_with_the_property_and_the_fix() -> None:
    got = findings("storage_encrypted", resource("AWS::RDS::DBInstance"))
    assert got == [
        (
            "W9202",
            10,
            "AWS::RDS::DBInstance 'Store' does not encrypt its data (StorageEncrypted is None). "
            "Fix: set StorageEncrypted: true.",
        )
    ]


def test_encryption_a_parameter_could_turn_off_is_flagged() -> None:
    assert len(flagged(resource("AWS::EFS::FileSystem", "{Encrypted: !Ref Encrypt}"))) == 1


def test_encryption_true_in_every_branch_of_a_condition_passes() -> None:
    props = "{Encrypted: !If [Prod, true, 'true']}"
    assert flagged(resource("AWS::EC2::Volume", props)) == []


def test_encryption_false_in_one_branch_of_a_condition_is_flagged() -> None:
    props = "{Encrypted: !If [Prod, true, false]}"
    assert len(flagged(resource("AWS::EC2::Volume", props))) == 1


def test_aurora_instance_inherits_encryption_from_its_cluster() -> None:
    props = "{DBClusterIdentifier: aurora, Engine: aurora-postgresql}"
    assert flagged(resource("AWS::RDS::DBInstance", props)) == []


def test_cache_is_flagged_once_for_each_missing_kind_of_encryption() -> None:
    got = flagged(resource("AWS::ElastiCache::ReplicationGroup"))
    assert [m.split("(")[1].split(" ")[0] for m in got] == [
        "AtRestEncryptionEnabled",
        "TransitEncryptionEnabled",
    ]


def test_key_that_is_present_passes() -> None:
    assert flagged(resource("AWS::Logs::LogGroup", "{KmsKeyId: alias/logs}")) == []


def test_key_present_only_as_no_value_is_flagged() -> None:
    props = "{KmsKeyId: !If [Prod, !Ref 'AWS::NoValue', !Ref 'AWS::NoValue']}"
    assert len(flagged(resource("AWS::Logs::LogGroup", props))) == 1


def test_table_with_sse_enabled_passes() -> None:
    props = "{SSESpecification: {SSEEnabled: true}}"
    assert flagged(resource("AWS::DynamoDB::Table", props)) == []


def test_table_without_sse_names_the_nested_property() -> None:
    (message,) = flagged(resource("AWS::DynamoDB::Table", "{SSESpecification: {}}"))
    assert "(SSESpecification.SSEEnabled is None)" in message


def test_log_group_without_a_key_is_flagged() -> None:
    assert len(flagged(resource("AWS::Logs::LogGroup"))) == 1


def test_resources_after_an_aurora_instance_are_still_checked() -> None:
    template = resource("AWS::RDS::DBInstance", "{DBClusterIdentifier: aurora}") + (
        "  Queue:\n    Type: AWS::SQS::Queue\n"
    )
    assert flagged(template) == ["Queue 'Queue' is not encrypted. Fix: set KmsMasterKeyId."]


def test_unencrypted_queue_is_reported_on_its_properties_line() -> None:
    assert [line for _, line, _ in findings("storage_encrypted", resource("AWS::SQS::Queue"))] == [
        10
    ]


def test_queue_without_encryption_is_flagged() -> None:
    assert flagged(resource("AWS::SQS::Queue")) == [
        "Queue 'Store' is not encrypted. Fix: set KmsMasterKeyId."
    ]


def test_queue_with_sqs_managed_encryption_passes() -> None:
    assert flagged(resource("AWS::SQS::Queue", "{SqsManagedSseEnabled: true}")) == []


def test_queue_with_a_kms_key_passes() -> None:
    assert flagged(resource("AWS::SQS::Queue", "{KmsMasterKeyId: alias/aws/sqs}")) == []


def test_a_resource_whose_whole_properties_are_a_condition_is_not_judged() -> None:
    # Nothing can be said offline about Properties: !If [...]; the queue after it still is.
    props = "!If [Prod, {StorageEncrypted: false}, {StorageEncrypted: false}]"
    template = resource("AWS::RDS::DBInstance", props) + "  Queue:\n    Type: AWS::SQS::Queue\n"
    assert flagged(template) == ["Queue 'Queue' is not encrypted. Fix: set KmsMasterKeyId."]
