"""The stack's one customer-managed KMS key and the security groups of every tier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awacs import kms as kms_actions
from awacs.aws import (
    Allow,
    ArnLike,
    Bool,
    BoolIfExists,
    Condition,
    Deny,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import GetAtt, Ref, Split, Sub, ec2, kms

from templates import handles
from templates.context import SUFFIX_PARAM, Context

KEY_ID = "Key"
PIPELINE_KEY_ID = "PipelineKey"
# An account ID as an AWS principal means that account's root, i.e. the account's IAM policies
# decide (IAM stores it as the :root ARN); the bare ID is ~40 bytes shorter than the ARN's Sub.
ACCOUNT_ROOT = Ref("AWS::AccountId")
# The same ID as a condition value (aws:SourceAccount, kms:CallerAccount).
ACCOUNT_ID = Ref("AWS::AccountId")

# Administration only (AWS's key-administrator set): the account root keeps the key manageable
# (no lockout); using the key always goes through one of the scoped statements below.
ADMIN_VERBS = (
    "Create",
    "Delete",
    "Describe",
    "Disable",
    "Enable",
    "Get",
    "List",
    "Put",
    "Revoke",
    "Update",
)
ADMIN_ACTIONS = [
    *(kms_actions.Action(f"{verb}*") for verb in ADMIN_VERBS),
    kms_actions.TagResource,
    kms_actions.UntagResource,
    kms_actions.ScheduleKeyDeletion,
    kms_actions.CancelKeyDeletion,
    kms_actions.RotateKeyOnDemand,
]
USE_ACTIONS = [
    kms_actions.Encrypt,
    kms_actions.Decrypt,
    kms_actions.ReEncryptFrom,
    kms_actions.ReEncryptTo,
    kms_actions.GenerateDataKey,
    kms_actions.GenerateDataKeyWithoutPlaintext,
    kms_actions.DescribeKey,
]
# What an AWS service needs to publish to the KMS-encrypted alarm topic.
TOPIC_PUBLISH_ACTIONS = [kms_actions.Decrypt, kms_actions.GenerateDataKey]
# Services that call KMS on behalf of this account's IAM principals (roles of the pipeline,
# the rotation Lambda, RDS, ElastiCache, and AWS Backup's role for the encrypted vault). IAM
# policies still decide which principal may.
VIA_SERVICES = [
    "secretsmanager",
    "rds",
    "elasticache",
    "s3",
    "codebuild",
    "codepipeline",
    "sns",
    "lambda",
    "backup",
]


def _key_policy() -> PolicyDocument:
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            _account_administers(),
            _account_uses_through_stack_services(),
            _account_grants_for_aws_resources(),
            _no_grants_but_for_aws_resources(),
            _logs_encrypt_log_groups(),
            _alarms_publish_to_topic(),
            _events_publish_to_topic(),
            _rds_events_publish_to_topic(),
        ],
    )


def _account_administers() -> Statement:
    return Statement(
        Sid="AccountAdministersKey",
        Effect=Allow,
        Principal=Principal("AWS", ACCOUNT_ROOT),
        Action=ADMIN_ACTIONS,
        Resource=["*"],
    )


def _via_stack_services() -> StringEquals:
    # One Sub split into the list rather than one Sub per service.
    via_services = Split(
        ",", Sub(",".join(f"{s}.${{AWS::Region}}.amazonaws.com" for s in VIA_SERVICES))
    )
    return StringEquals({"kms:CallerAccount": ACCOUNT_ID, "kms:ViaService": via_services})


def _account_uses_through_stack_services() -> Statement:
    return Statement(
        Sid="AccountUsesKeyThroughStackServices",
        Effect=Allow,
        Principal=Principal("AWS", ACCOUNT_ROOT),
        Action=USE_ACTIONS,
        Resource=["*"],
        Condition=Condition(_via_stack_services()),
    )


def _account_grants_for_aws_resources() -> Statement:
    # The services of VIA_SERVICES (RDS, ElastiCache, Secrets Manager, Lambda ...) hold grants
    # for the resources they manage; a grant for anything else has no use here.
    return Statement(
        Sid="AccountGrantsThroughStackServicesForAwsResources",
        Effect=Allow,
        Principal=Principal("AWS", ACCOUNT_ROOT),
        Action=[kms_actions.CreateGrant],
        Resource=["*"],
        Condition=Condition([_via_stack_services(), Bool("kms:GrantIsForAWSResource", "true")]),
    )


def _no_grants_but_for_aws_resources() -> Statement:
    """CT.KMS.PR.3: nobody, the account root included, creates a grant unless an AWS service
    creates it for an AWS resource or is itself the caller. Every service above passes:
    its CreateGrant carries kms:GrantIsForAWSResource=true."""
    return Statement(
        Sid="DenyGrantsNotForAwsResources",
        Effect=Deny,
        Principal=Principal("AWS", "*"),
        Action=[kms_actions.CreateGrant],
        Resource=["*"],
        Condition=Condition(
            BoolIfExists(
                {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}
            )
        ),
    )


def _logs_encrypt_log_groups() -> Statement:
    return Statement(
        Sid="LogsEncryptThisAccountsLogGroups",
        Effect=Allow,
        Principal=Principal("Service", Sub("logs.${AWS::Region}.amazonaws.com")),
        Action=USE_ACTIONS,
        Resource=["*"],
        Condition=Condition(
            ArnLike(
                "kms:EncryptionContext:aws:logs:arn",
                Sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"),
            )
        ),
    )


def _service_publishes_to_topic(sid: str, service: str, source_arns: str) -> Statement:
    """`service` may encrypt for the topic, on behalf of this account's `source_arns` only."""
    return Statement(
        Sid=sid,
        Effect=Allow,
        Principal=Principal("Service", service),
        Action=TOPIC_PUBLISH_ACTIONS,
        Resource=["*"],
        Condition=Condition(
            [
                StringEquals("aws:SourceAccount", ACCOUNT_ID),
                ArnLike("aws:SourceArn", Sub(source_arns)),
            ]
        ),
    )


def _alarms_publish_to_topic() -> Statement:
    return _service_publishes_to_topic(
        "AlarmsPublishToEncryptedTopic",
        "cloudwatch.amazonaws.com",
        "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*",
    )


def _events_publish_to_topic() -> Statement:
    # EventBridge's KMS requests carry no aws:SourceAccount/SourceArn (the SNS guide: not
    # supported for EventBridge-to-encrypted topics): a condition here would silently drop
    # every event. The topic policy scopes EventBridge to the stack's rule instead.
    return Statement(
        Sid="EventsPublishToEncryptedTopic",
        Effect=Allow,
        Principal=Principal("Service", "events.amazonaws.com"),
        Action=TOPIC_PUBLISH_ACTIONS,
        Resource=["*"],
    )


def _rds_events_publish_to_topic() -> Statement:
    # RDS event subscriptions publish as events.rds.amazonaws.com, on behalf of this account's
    # RDS resources.
    return _service_publishes_to_topic(
        "RdsEventsPublishToEncryptedTopic",
        "events.rds.amazonaws.com",
        "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:*",
    )


def add_key(ctx: Context) -> handles.Key:
    """The data key: the database, the cache, the secrets and their logs."""
    return _key(ctx, KEY_ID, "key", "data")


def add_pipeline_key(ctx: Context) -> handles.Key:
    """The pipeline's own key: artifacts, build logs, approvals. A separate key, so that what
    deploys staging can read the pipeline's artifacts without being able to decrypt anything
    of production's data."""
    return _key(ctx, PIPELINE_KEY_ID, "pipeline-key", "pipeline")


def _key(ctx: Context, logical_id: str, part: str, what: str) -> handles.Key:
    policy = ctx.profile.key_policy
    alias = "" if logical_id == KEY_ID else f"{what}-"
    key = ctx.add(
        kms.Key(
            logical_id,
            Description=Sub(f"edu {what} key ${{{SUFFIX_PARAM}}}"),
            EnableKeyRotation=True,
            PendingWindowInDays=ctx.profile.kms_pending_window_days,
            KeyPolicy=_key_policy(),
            Tags=ctx.tags(part),
            DeletionPolicy=policy,
            UpdateReplacePolicy=policy,
        )
    )
    ctx.add(
        kms.Alias(
            f"{logical_id}Alias",
            AliasName=Sub(f"alias/edu-{alias}${{{SUFFIX_PARAM}}}"),
            TargetKeyId=Ref(key),
        )
    )
    ctx.output(f"{logical_id}Arn", GetAtt(key, "Arn"))
    return handles.Key(key_arn=GetAtt(key, "Arn"))


# -- security groups ---------------------------------------------------------------------------

CACHE_PORT = 6379
HTTPS = 443
ANYWHERE = "0.0.0.0/0"  # egress only: NAT-routed calls to AWS APIs over TLS
# A security group without egress rules allows all egress; one rule to the loopback address
# leaves a group that can send nothing (the data tiers only answer).
NO_EGRESS = ec2.SecurityGroupRule(IpProtocol="-1", CidrIp="127.0.0.1/32", Description="no egress")


@dataclass(frozen=True)
class _DataTier:
    """A group that only answers, and the word its clients' rules use for it."""

    title: str
    part: str
    what: str


@dataclass(frozen=True)
class _Client:
    """A group that calls the data tiers named in `tiers` and AWS APIs over TLS."""

    title: str
    part: str
    description: str
    tiers: tuple[str, ...]
    # How a data tier's ingress rule names this client.
    who: str


# Who reaches which data tier: both the clients' egress and the tiers' ingress come from here,
# so the two sides cannot disagree.
DATA_TIERS = (
    _DataTier("DatabaseSecurityGroup", "db", "PostgreSQL"),
    _DataTier("CacheSecurityGroup", "cache", "Redis"),
)
CLIENTS = (
    _Client("AppSecurityGroup", "app", "Application tier", ("db", "cache"), "app"),
    _Client(
        "RotationSecurityGroup", "rotation", "Secret rotation Lambda", ("db",), "secret rotation"
    ),
    # The only client that signs in with the master secret (templates/bootstrap.py).
    _Client(
        "BootstrapSecurityGroup", "bootstrap", "Database bootstrap job", ("db",), "db bootstrap"
    ),
)


def add_security_groups(
    ctx: Context, net: handles.Network, params: handles.Params
) -> handles.SecurityGroups:
    # Clients may send to the data ports inside the VPC and to AWS APIs over TLS (via NAT);
    # the data tier's ingress names the client groups, so only they get an answer. Only the
    # data tier refers to the clients: no cycle, no separate rule resources.
    # The database listens on the DbPort parameter, the cache on Redis's fixed port.
    ports = {"db": params.db_port, "cache": CACHE_PORT}
    clients = {c.part: _client_group(ctx, net, c, ports) for c in CLIENTS}
    tiers = {t.part: _data_tier_group(ctx, net, t, clients, ports[t.part]) for t in DATA_TIERS}
    ctx.output("AppSecurityGroupId", Ref(clients["app"]), "For DB and cache clients")
    return handles.SecurityGroups(
        database=Ref(tiers["db"]),
        cache=Ref(tiers["cache"]),
        rotation=Ref(clients["rotation"]),
        app=Ref(clients["app"]),
        bootstrap=Ref(clients["bootstrap"]),
    )


def _group(
    ctx: Context, net: handles.Network, title: str, part: str, description: str, **rules: Any
) -> ec2.SecurityGroup:
    return ctx.add(
        ec2.SecurityGroup(
            title,
            GroupDescription=description,
            VpcId=net.vpc_id,
            Tags=ctx.tags(part),
            **rules,
        )
    )


def _client_group(
    ctx: Context, net: handles.Network, client: _Client, ports: dict[str, Any]
) -> ec2.SecurityGroup:
    egress = [_egress(HTTPS, ANYWHERE, "HTTPS via NAT")] + [
        _egress(ports[tier.part], net.vpc_cidr, tier.what)
        for tier in DATA_TIERS
        if tier.part in client.tiers
    ]
    return _group(
        ctx, net, client.title, client.part, client.description, SecurityGroupEgress=egress
    )


def _data_tier_group(
    ctx: Context,
    net: handles.Network,
    tier: _DataTier,
    clients: dict[str, ec2.SecurityGroup],
    port: Any,
) -> ec2.SecurityGroup:
    ingress = [_ingress(port, clients[c.part], c.who) for c in CLIENTS if tier.part in c.tiers]
    return _group(
        ctx,
        net,
        tier.title,
        tier.part,
        tier.what,
        SecurityGroupIngress=ingress,
        SecurityGroupEgress=[NO_EGRESS],
    )


def _egress(port: Any, cidr: Any, what: str) -> ec2.SecurityGroupRule:
    return ec2.SecurityGroupRule(
        IpProtocol="tcp", FromPort=port, ToPort=port, CidrIp=cidr, Description=what
    )


def _ingress(port: Any, source: ec2.SecurityGroup, what: str) -> ec2.SecurityGroupRule:
    return ec2.SecurityGroupRule(
        IpProtocol="tcp",
        FromPort=port,
        ToPort=port,
        SourceSecurityGroupId=Ref(source),
        Description=what,
    )
