"""The KMS-encrypted alarm topic and the data tier's alarms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awacs import sns as sns_actions
from awacs.aws import Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import Ref, Sub, cloudwatch, sns

from templates import handles
from templates.context import Context

TOPIC_ID = "AlarmTopic"
# Publishers that are AWS services; the pipeline's approval uses its own role's IAM policy.
SERVICE_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
GIB = 1024**3


def add_topic(ctx: Context, params: handles.Params, key: handles.Key) -> handles.Topic:
    topic = ctx.add(
        sns.Topic(
            TOPIC_ID,
            TopicName=ctx.name("alarms"),
            KmsMasterKeyId=key.key_arn,
            Tags=ctx.tags("alarms"),
        )
    )
    ctx.add(
        sns.TopicPolicy(
            "AlarmTopicPolicy",
            Topics=[Ref(topic)],
            PolicyDocument=PolicyDocument(
                Version="2012-10-17",
                Statement=[
                    Statement(
                        Sid="AccountServicesPublish",
                        Effect=Allow,
                        Principal=Principal("Service", SERVICE_PUBLISHERS),
                        Action=[sns_actions.Publish],
                        Resource=[Ref(topic)],
                        Condition=Condition(
                            StringEquals("aws:SourceAccount", Ref("AWS::AccountId"))
                        ),
                    )
                ],
            ),
        )
    )
    ctx.add(
        sns.SubscriptionResource(
            "AlarmEmailSubscription",
            Condition=params.has_alarm_email,
            TopicArn=Ref(topic),
            Protocol="email",
            Endpoint=params.alarm_email,
        )
    )
    ctx.output("AlarmTopicArn", Ref(topic))
    return handles.Topic(arn=Ref(topic))


@dataclass(frozen=True)
class _Alarm:
    title: str
    part: str
    description: str
    namespace: str
    metric: str
    operator: str
    threshold: float


DB_ALARMS = [
    _Alarm("DbCpuAlarm", "db-cpu", "DB CPU > 80%", "AWS/RDS", "CPUUtilization",
           "GreaterThanThreshold", 80),
    _Alarm("DbFreeStorageAlarm", "db-storage", "DB free storage < 2 GiB", "AWS/RDS",
           "FreeStorageSpace", "LessThanThreshold", 2 * GIB),
    _Alarm("DbConnectionsAlarm", "db-connections", "DB connections > 200", "AWS/RDS",
           "DatabaseConnections", "GreaterThanThreshold", 200),
]  # fmt: skip
CACHE_ALARMS = [
    _Alarm("CacheCpuAlarm", "cache-cpu", "Cache engine CPU > 80%", "AWS/ElastiCache",
           "EngineCPUUtilization", "GreaterThanThreshold", 80),
    _Alarm("CacheMemoryAlarm", "cache-memory", "Cache memory > 80%", "AWS/ElastiCache",
           "DatabaseMemoryUsagePercentage", "GreaterThanThreshold", 80),
]  # fmt: skip


def add_alarms(
    ctx: Context,
    database: handles.Database,
    cache: handles.Cache,
    topic: handles.Topic,
) -> None:
    # ElastiCache publishes per node; node 001 is the primary the group was created with.
    primary_node = Sub(f"${{{cache.logical_id}}}-001")
    targets: list[tuple[list[_Alarm], str, Any]] = [
        (DB_ALARMS, "DBInstanceIdentifier", database.instance_id),
        (CACHE_ALARMS, "CacheClusterId", primary_node),
    ]
    for alarms, dimension, value in targets:
        for alarm in alarms:
            ctx.add(
                cloudwatch.Alarm(
                    alarm.title,
                    AlarmDescription=alarm.description,
                    Namespace=alarm.namespace,
                    MetricName=alarm.metric,
                    Dimensions=[cloudwatch.MetricDimension(Name=dimension, Value=value)],
                    Statistic="Average",
                    Period=300,
                    EvaluationPeriods=3,
                    ComparisonOperator=alarm.operator,
                    Threshold=alarm.threshold,
                    # No data means the stack is being created or the metric is delayed; an
                    # outage shows in the other alarms and in RDS/ElastiCache events.
                    TreatMissingData="notBreaching",
                    AlarmActions=[topic.arn],
                    OKActions=[topic.arn],
                    Tags=ctx.tags(alarm.part),
                )
            )
