"""The KMS-encrypted alarm topic, the data tier's alarms and the events that reach the topic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awacs import sns as sns_actions
from awacs.aws import (
    Allow,
    ArnEquals,
    ArnLike,
    Condition,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import (
    AWSObject,
    Equals,
    GetAtt,
    Not,
    Or,
    Ref,
    Sub,
    cloudwatch,
    events,
    logs,
    rds,
    sns,
)

from templates import handles
from templates.context import Context
from templates.parameters import CACHE_NODE_COUNTS

TOPIC_ID = "AlarmTopic"
GIB = 1024**3
# A replication group's member clusters are `<ReplicationGroupId>-001`, `-002` ...
CACHE_MAX_NODES = int(CACHE_NODE_COUNTS[-1])
# CT.RDS.PR.17 asks for failure, maintenance and configuration change.
DB_EVENT_CATEGORIES = ["failover", "failure", "low storage", "maintenance", "configuration change"]
# Secrets Manager reports rotation outcomes through CloudTrail.
ROTATION_FAILED_PATTERN = {
    "source": ["aws.secretsmanager"],
    "detail-type": ["AWS Service Event via CloudTrail"],
    "detail": {"eventSource": ["secretsmanager.amazonaws.com"], "eventName": ["RotationFailed"]},
}
ACCOUNT_ID = Ref("AWS::AccountId")


def add_topic(ctx: Context, params: handles.Params, key: handles.Key) -> handles.Topic:
    # The topic policy is added with the alarms: it names the rule and the subscription that
    # publish here.
    topic = ctx.add(
        sns.Topic(
            TOPIC_ID,
            TopicName=ctx.name("alarms"),
            KmsMasterKeyId=key.key_arn,
            Tags=ctx.tags("alarms"),
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
    statistic: str = "Average"


DB_ALARMS = [
    _Alarm("DbCpuAlarm", "db-cpu", "DB CPU > 80%", "AWS/RDS", "CPUUtilization",
           "GreaterThanThreshold", 80),
    _Alarm("DbFreeStorageAlarm", "db-storage", "DB free storage < 2 GiB", "AWS/RDS",
           "FreeStorageSpace", "LessThanThreshold", 2 * GIB),
    _Alarm("DbConnectionsAlarm", "db-connections", "DB connections > 200", "AWS/RDS",
           "DatabaseConnections", "GreaterThanThreshold", 200),
]  # fmt: skip
# On every node: a replica can become the primary and back, so each node gets each alarm.
CACHE_ALARMS = [
    _Alarm("CacheCpuAlarm", "cache-cpu", "Cache engine CPU > 80%", "AWS/ElastiCache",
           "EngineCPUUtilization", "GreaterThanThreshold", 80),
    _Alarm("CacheMemoryAlarm", "cache-memory", "Cache memory > 80%", "AWS/ElastiCache",
           "DatabaseMemoryUsagePercentage", "GreaterThanThreshold", 80),
    # Keys evicted in each of three 5-minute periods: memory is short, not a one-off burst.
    _Alarm("CacheEvictionsAlarm", "cache-evictions", "Cache evicting keys", "AWS/ElastiCache",
           "Evictions", "GreaterThanThreshold", 0, "Sum"),
    # Only replicas publish ReplicationLag; on the primary the alarm sees no data.
    _Alarm("CacheReplicationLagAlarm", "cache-replication-lag", "Cache replica lag > 30 s",
           "AWS/ElastiCache", "ReplicationLag", "GreaterThanThreshold", 30, "Maximum"),
]  # fmt: skip


# Named, so the pipeline can hold their ARNs (its rollback triggers) without a GetAtt that would
# make the SSM parameter wait for the database's alarms (and lengthen the deploy).
ROLLBACK_TRIGGERS = (*DB_ALARMS, *CACHE_ALARMS[:2])
_NAMED = frozenset(a.title for a in ROLLBACK_TRIGGERS)


def alarm_arn(alarm: _Alarm) -> Sub:
    """The ARN of a named alarm (one of ROLLBACK_TRIGGERS), from its name."""
    prefix = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
    return Sub(prefix + "${Name}", Name=Context.name(alarm.part))


def add_alarms(
    ctx: Context,
    database: handles.Database,
    cache: handles.Cache,
    topic: handles.Topic,
) -> None:
    for alarm in DB_ALARMS:
        _alarm(ctx, alarm, topic, "DBInstanceIdentifier", database.instance_id)
    for node in range(1, CACHE_MAX_NODES + 1):
        condition = _cache_node_condition(ctx, cache, node)
        member = Sub(f"${{{cache.logical_id}}}-{node:03d}")
        for alarm in CACHE_ALARMS:
            _alarm(ctx, _on_node(alarm, node), topic, "CacheClusterId", member, condition)
    _db_event_subscription(ctx, database, topic)
    rule = _rotation_failed_rule(ctx, topic)
    _topic_policy(ctx, topic, rule)


def _on_node(alarm: _Alarm, node: int) -> _Alarm:
    """Node 001 keeps the shipped logical IDs; the others get the node number."""
    suffix = "" if node == 1 else f"{node:03d}"
    return _Alarm(
        f"{alarm.title}{suffix}",
        f"{alarm.part}-{node:03d}" if suffix else alarm.part,
        f"{alarm.description} on node {node:03d}",
        alarm.namespace,
        alarm.metric,
        alarm.operator,
        alarm.threshold,
        alarm.statistic,
    )


def _cache_node_condition(ctx: Context, cache: handles.Cache, node: int) -> str | None:
    """Node N exists only when CacheNodeCount >= N (the parameter allows 1..6 only)."""
    if node == 1:
        return None
    fewer = [Equals(cache.node_count, str(n)) for n in range(1, node)]
    return ctx.condition(f"CacheNode{node}", Not(fewer[0] if len(fewer) == 1 else Or(*fewer)))


def _alarm(
    ctx: Context,
    alarm: _Alarm,
    topic: handles.Topic,
    dimension: str,
    value: Any,
    condition: str | None = None,
) -> None:
    extra: dict[str, Any] = {"Condition": condition} if condition else {}
    if alarm.title in _NAMED:
        extra["AlarmName"] = Context.name(alarm.part)
    ctx.add(
        cloudwatch.Alarm(
            alarm.title,
            AlarmDescription=alarm.description,
            Namespace=alarm.namespace,
            MetricName=alarm.metric,
            Dimensions=[cloudwatch.MetricDimension(Name=dimension, Value=value)],
            Statistic=alarm.statistic,
            Period=300,
            EvaluationPeriods=3,
            ComparisonOperator=alarm.operator,
            Threshold=alarm.threshold,
            # No data means the stack is being created, the metric is delayed or (replication
            # lag) the node is the primary; an outage shows in the other alarms and in events.
            TreatMissingData="notBreaching",
            AlarmActions=[topic.arn],
            OKActions=[topic.arn],
            Tags=ctx.tags(alarm.part),
            **extra,
        )
    )


def _db_event_subscription(
    ctx: Context, database: handles.Database, topic: handles.Topic
) -> rds.EventSubscription:
    return ctx.add(
        rds.EventSubscription(
            "DbEventSubscription",
            # Named: the topic policy scopes RDS to this subscription's ARN.
            SubscriptionName=ctx.name("db-events"),
            SnsTopicArn=topic.arn,
            SourceType="db-instance",
            SourceIds=[database.instance_id],
            EventCategories=DB_EVENT_CATEGORIES,
            Enabled=True,
            Tags=ctx.tags("db-events"),
        )
    )


def _rotation_failed_rule(ctx: Context, topic: handles.Topic) -> events.Rule:
    return ctx.add(
        events.Rule(
            "SecretRotationFailedRule",
            Description="A Secrets Manager rotation failed",
            EventPattern=ROTATION_FAILED_PATTERN,
            State="ENABLED",
            Targets=[events.Target(Id="AlarmTopic", Arn=topic.arn)],
            Tags=ctx.tags("rotation-failed"),
        )
    )


def _topic_policy(ctx: Context, topic: handles.Topic, rule: AWSObject) -> None:
    """Exactly the three publishers, each from this account and from named sources.

    The RDS sources are written from their fixed names, not with Ref: a Ref would make the
    policy wait for the database (and the subscription), which nothing else here needs to.
    """
    rds_sources = [
        Sub("arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:${Db}",
            Db=ctx.name("db")),
        Sub("arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:es:${Es}",
            Es=ctx.name("db-events")),
    ]  # fmt: skip
    alarms = Sub("arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*")
    ctx.add(
        sns.TopicPolicy(
            "AlarmTopicPolicy",
            Topics=[topic.arn],
            PolicyDocument=PolicyDocument(
                Version="2012-10-17",
                Statement=[
                    _publish("AlarmsPublish", "cloudwatch.amazonaws.com", ArnLike, alarms),
                    _publish(
                        "RotationRulePublishes",
                        "events.amazonaws.com",
                        ArnEquals,
                        GetAtt(rule, "Arn"),
                    ),
                    _publish("RdsEventsPublish", "events.rds.amazonaws.com", ArnLike, rds_sources),
                ],
            ),
        )
    )


def _publish(sid: str, service: str, arn_test: Any, source: Any) -> Statement:
    return Statement(
        Sid=sid,
        Effect=Allow,
        Principal=Principal("Service", service),
        Action=[sns_actions.Publish],
        Resource=[Ref(TOPIC_ID)],
        Condition=Condition(
            [StringEquals("aws:SourceAccount", ACCOUNT_ID), arn_test("aws:SourceArn", source)]
        ),
    )


def log_group(ctx: Context, logical_id: str, part: str, key: handles.Key) -> logs.LogGroup:
    """A job's log group: encrypted with `key`, the profile's retention and deletion policy.
    Unnamed: a retained production group would otherwise block re-creating the stack."""
    policy = ctx.profile.storage_policy
    return ctx.add(
        logs.LogGroup(
            logical_id,
            DeletionPolicy=policy,
            UpdateReplacePolicy=policy,
            KmsKeyId=key.key_arn,
            RetentionInDays=ctx.profile.log_retention_days,
            Tags=ctx.tags(part),
        )
    )
