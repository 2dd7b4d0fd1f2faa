"""The encrypted alarm topic and the data tier's alarms."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import find_resources, matches, resources


def test_topic_is_encrypted_with_the_stack_key(template: dict[str, Any]) -> None:
    topic = template["Resources"]["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": ["Key", "Arn"]}


def test_email_subscription_exists_only_with_an_address(production: dict[str, Any]) -> None:
    (sub,) = resources(production, "AWS::SNS::Subscription").values()
    assert sub["Condition"] == "HasAlarmEmail"
    assert matches(
        sub["Properties"],
        {"Endpoint": {"Ref": "AlarmEmail"}, "Protocol": "email", "TopicArn": {"Ref": "AlarmTopic"}},
    )


def test_topic_policy_lets_alarms_and_events_publish_from_this_account(
    production: dict[str, Any],
) -> None:
    (policy,) = resources(production, "AWS::SNS::TopicPolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert set(statement["Principal"]["Service"]) == {
        "cloudwatch.amazonaws.com",
        "events.amazonaws.com",
    }
    assert statement["Action"] == ["sns:Publish"]
    assert statement["Resource"] == [{"Ref": "AlarmTopic"}]
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


@pytest.mark.parametrize(
    ("namespace", "metric"),
    [
        ("AWS/RDS", "CPUUtilization"),
        ("AWS/RDS", "FreeStorageSpace"),
        ("AWS/RDS", "DatabaseConnections"),
        ("AWS/ElastiCache", "EngineCPUUtilization"),
        ("AWS/ElastiCache", "DatabaseMemoryUsagePercentage"),
    ],
)
def test_data_tier_alarm_notifies_the_topic(
    template: dict[str, Any], namespace: str, metric: str
) -> None:
    found = find_resources(
        template,
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": namespace,
            "MetricName": metric,
            "AlarmActions": [{"Ref": "AlarmTopic"}],
        },
    )
    assert len(found) == 1, f"expected one {metric} alarm"


def test_every_alarm_says_how_to_treat_missing_data(template: dict[str, Any]) -> None:
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    assert alarms
    for lid, alarm in alarms.items():
        assert alarm["Properties"].get("TreatMissingData"), lid


def test_db_alarms_watch_the_database(production: dict[str, Any]) -> None:
    found = find_resources(production, "AWS::CloudWatch::Alarm", {"Namespace": "AWS/RDS"})
    assert found
    for alarm in found.values():
        assert alarm["Properties"]["Dimensions"] == [
            {"Name": "DBInstanceIdentifier", "Value": {"Ref": "Database"}}
        ]


def test_cache_alarms_watch_the_primary_node(production: dict[str, Any]) -> None:
    found = find_resources(production, "AWS::CloudWatch::Alarm", {"Namespace": "AWS/ElastiCache"})
    assert found
    for alarm in found.values():
        assert alarm["Properties"]["Dimensions"] == [
            {"Name": "CacheClusterId", "Value": {"Fn::Sub": "${Cache}-001"}}
        ]
