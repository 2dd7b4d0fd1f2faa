"""The encrypted alarm topic, its publishers, the data tier's alarms and events."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import find_resources, matches, resources


def test_topic_is_encrypted_with_the_stack_key(template: dict[str, Any]) -> None:
    topic = template["Resources"]["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": ["Key", "Arn"]}


def test_email_subscription_exists_only_with_an_address(production: dict[str, Any]) -> None:
    (sub,) = [
        s
        for s in resources(production, "AWS::SNS::Subscription").values()
        if s["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}
    ]
    assert sub["Condition"] == "HasAlarmEmail"
    assert matches(
        sub["Properties"],
        {"Endpoint": {"Ref": "AlarmEmail"}, "Protocol": "email", "TopicArn": {"Ref": "AlarmTopic"}},
    )


def _publishers(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (policy,) = resources(template, "AWS::SNS::TopicPolicy").values()
    assert policy["Properties"]["Topics"] == [{"Ref": "AlarmTopic"}]
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def test_topic_policy_lets_exactly_three_services_publish(template: dict[str, Any]) -> None:
    statements = _publishers(template)
    assert {sid: s["Principal"] for sid, s in statements.items()} == {
        "AlarmsPublish": {"Service": "cloudwatch.amazonaws.com"},
        "RotationRulePublishes": {"Service": "events.amazonaws.com"},
        "RdsEventsPublish": {"Service": "events.rds.amazonaws.com"},
    }
    for statement in statements.values():
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == ["sns:Publish"]
        assert statement["Resource"] == [{"Ref": "AlarmTopic"}]
        assert statement["Condition"]["StringEquals"] == {
            "aws:SourceAccount": {"Ref": "AWS::AccountId"}
        }


def test_alarms_publish_only_from_this_accounts_alarms(template: dict[str, Any]) -> None:
    condition = _publishers(template)["AlarmsPublish"]["Condition"]
    assert condition["ArnLike"] == {
        "aws:SourceArn": {
            "Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*"
        }
    }


def test_eventbridge_publishes_only_through_the_rotation_rule(template: dict[str, Any]) -> None:
    condition = _publishers(template)["RotationRulePublishes"]["Condition"]
    assert condition["ArnEquals"] == {
        "aws:SourceArn": {"Fn::GetAtt": ["SecretRotationFailedRule", "Arn"]}
    }


def test_rds_publishes_only_for_the_database_and_its_subscription(
    template: dict[str, Any],
) -> None:
    condition = _publishers(template)["RdsEventsPublish"]["Condition"]
    arn = "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}"
    # The fixed names, not Refs: the policy must not wait for the database (deploy time).
    db = {"Fn::Sub": "edu-db-${EnvironmentSuffix}"}
    events = {"Fn::Sub": "edu-db-events-${EnvironmentSuffix}"}
    assert condition["ArnLike"] == {
        "aws:SourceArn": [
            {"Fn::Sub": [f"{arn}:db:${{Db}}", {"Db": db}]},
            {"Fn::Sub": [f"{arn}:es:${{Es}}", {"Es": events}]},
        ]
    }
    names = template["Resources"]
    assert names["Database"]["Properties"]["DBInstanceIdentifier"] == db
    assert names["DbEventSubscription"]["Properties"]["SubscriptionName"] == events


def test_rds_event_subscription_sends_the_databases_trouble_to_the_topic(
    template: dict[str, Any],
) -> None:
    (lid,) = resources(template, "AWS::RDS::EventSubscription")
    assert lid == "DbEventSubscription"
    props = template["Resources"][lid]["Properties"]
    assert {k: v for k, v in props.items() if k != "Tags"} == {
        "SubscriptionName": {"Fn::Sub": "edu-db-events-${EnvironmentSuffix}"},
        "SnsTopicArn": {"Ref": "AlarmTopic"},
        "SourceType": "db-instance",
        "SourceIds": [{"Ref": "Database"}],
        "EventCategories": [
            "failover",
            "failure",
            "low storage",
            "maintenance",
            "configuration change",
        ],
        "Enabled": True,
    }


def test_failed_secret_rotations_reach_the_topic(template: dict[str, Any]) -> None:
    props = template["Resources"]["SecretRotationFailedRule"]["Properties"]
    assert props["EventPattern"] == {
        "source": ["aws.secretsmanager"],
        "detail-type": ["AWS Service Event via CloudTrail"],
        "detail": {
            "eventSource": ["secretsmanager.amazonaws.com"],
            "eventName": ["RotationFailed"],
        },
    }
    assert props["State"] == "ENABLED"
    assert props["Targets"] == [{"Arn": {"Ref": "AlarmTopic"}, "Id": "AlarmTopic"}]


@pytest.mark.parametrize(
    ("namespace", "metric"),
    [
        ("AWS/RDS", "CPUUtilization"),
        ("AWS/RDS", "FreeStorageSpace"),
        ("AWS/RDS", "DatabaseConnections"),
    ],
)
def test_db_alarm_notifies_the_topic(template: dict[str, Any], namespace: str, metric: str) -> None:
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


CACHE_METRICS = {
    "CacheCpuAlarm": ("EngineCPUUtilization", "Average", 80),
    "CacheMemoryAlarm": ("DatabaseMemoryUsagePercentage", "Average", 80),
    "CacheEvictionsAlarm": ("Evictions", "Sum", 0),
    "CacheReplicationLagAlarm": ("ReplicationLag", "Maximum", 30),
}
NODES = range(1, 7)


def _node_alarm(title: str, node: int) -> str:
    return title if node == 1 else f"{title}{node:03d}"


@pytest.mark.parametrize("node", NODES)
@pytest.mark.parametrize("title", sorted(CACHE_METRICS))
def test_every_cache_node_has_each_alarm(template: dict[str, Any], title: str, node: int) -> None:
    alarm = template["Resources"][_node_alarm(title, node)]
    props = alarm["Properties"]
    metric, statistic, threshold = CACHE_METRICS[title]
    assert props["Namespace"] == "AWS/ElastiCache"
    assert (props["MetricName"], props["Statistic"], props["Threshold"]) == (
        metric,
        statistic,
        threshold,
    )
    assert props["ComparisonOperator"] == "GreaterThanThreshold"
    assert props["Dimensions"] == [
        {"Name": "CacheClusterId", "Value": {"Fn::Sub": f"${{Cache}}-{node:03d}"}}
    ]
    # Node N exists only when CacheNodeCount >= N.
    assert alarm.get("Condition") == (None if node == 1 else f"CacheNode{node}")


def test_cache_alarms_cover_exactly_the_possible_nodes(template: dict[str, Any]) -> None:
    found = find_resources(template, "AWS::CloudWatch::Alarm", {"Namespace": "AWS/ElastiCache"})
    assert set(found) == {_node_alarm(t, n) for t in CACHE_METRICS for n in NODES}
    allowed = template["Parameters"]["CacheNodeCount"]["AllowedValues"]
    assert max(int(v) for v in allowed) == max(NODES)


@pytest.mark.parametrize("node", range(2, 7))
def test_node_condition_holds_exactly_when_the_count_reaches_the_node(
    template: dict[str, Any], node: int
) -> None:
    expression = template["Conditions"][f"CacheNode{node}"]
    (inner,) = expression["Fn::Not"]
    equals = inner.get("Fn::Or", [inner])
    excluded = {e["Fn::Equals"][1] for e in equals}
    assert all(e["Fn::Equals"][0] == {"Ref": "CacheNodeCount"} for e in equals)
    assert excluded == {str(n) for n in range(1, node)}


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(template: dict[str, Any]) -> None:
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    assert len(alarms) == 3 + 4 * 6
    for lid, alarm in alarms.items():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}], lid
        assert props["OKActions"] == [{"Ref": "AlarmTopic"}], lid
        assert props.get("ActionsEnabled", True) is True, lid
