"""The stack's one customer-managed KMS key and the security groups of every tier."""

from __future__ import annotations

from typing import Any

from awacs import kms as kms_actions
from awacs.aws import (
    Allow,
    ArnLike,
    Condition,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import GetAtt, Ref, Split, Sub, ec2, kms

from templates import handles
from templates.context import SUFFIX_PARAM, Context

KEY_ID = "Key"
# An account ID as an AWS principal means that account's root, i.e. the account's IAM policies
# decide (IAM stores it as the :root ARN); the bare ID is ~40 bytes shorter than the ARN's Sub.
ACCOUNT_ROOT = Ref("AWS::AccountId")

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
# Services that call KMS on behalf of this account's IAM principals (roles of the pipeline,
# the rotation Lambda, RDS and ElastiCache). IAM policies still decide which principal may.
VIA_SERVICES = [
    "secretsmanager",
    "rds",
    "elasticache",
    "s3",
    "codebuild",
    "codepipeline",
    "sns",
    "lambda",
]


def _key_policy() -> PolicyDocument:
    account = Ref("AWS::AccountId")
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="AccountAdministersKey",
                Effect=Allow,
                Principal=Principal("AWS", ACCOUNT_ROOT),
                Action=ADMIN_ACTIONS,
                Resource=["*"],
            ),
            Statement(
                Sid="AccountUsesKeyThroughStackServices",
                Effect=Allow,
                Principal=Principal("AWS", ACCOUNT_ROOT),
                # CreateGrant: RDS, ElastiCache and Lambda hold grants for their lifetime.
                Action=[*USE_ACTIONS, kms_actions.CreateGrant],
                Resource=["*"],
                Condition=Condition(
                    StringEquals(
                        {
                            "kms:CallerAccount": account,
                            # One Sub split into the list: eight Subs cost ~100 bytes more of
                            # the 51,200-byte TemplateBody budget.
                            "kms:ViaService": Split(
                                ",",
                                Sub(
                                    ",".join(
                                        f"{s}.${{AWS::Region}}.amazonaws.com" for s in VIA_SERVICES
                                    )
                                ),
                            ),
                        }
                    )
                ),
            ),
            Statement(
                Sid="LogsEncryptThisAccountsLogGroups",
                Effect=Allow,
                Principal=Principal("Service", Sub("logs.${AWS::Region}.amazonaws.com")),
                Action=USE_ACTIONS,
                Resource=["*"],
                Condition=Condition(
                    ArnLike(
                        "kms:EncryptionContext:aws:logs:arn",
                        Sub(
                            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}"
                            ":log-group:*"
                        ),
                    )
                ),
            ),
            Statement(
                Sid="AlarmsPublishToEncryptedTopic",
                Effect=Allow,
                Principal=Principal("Service", "cloudwatch.amazonaws.com"),
                Action=[kms_actions.Decrypt, kms_actions.GenerateDataKey],
                Resource=["*"],
                Condition=Condition(
                    [
                        StringEquals("aws:SourceAccount", account),
                        ArnLike(
                            "aws:SourceArn",
                            Sub(
                                "arn:${AWS::Partition}:cloudwatch:${AWS::Region}"
                                ":${AWS::AccountId}:alarm:*"
                            ),
                        ),
                    ]
                ),
            ),
            # EventBridge's KMS requests carry no aws:SourceAccount/SourceArn: a condition here
            # would silently drop every event. The topic policy scopes EventBridge instead.
            Statement(
                Sid="EventsPublishToEncryptedTopic",
                Effect=Allow,
                Principal=Principal("Service", "events.amazonaws.com"),
                Action=[kms_actions.Decrypt, kms_actions.GenerateDataKey],
                Resource=["*"],
            ),
        ],
    )


def add_key(ctx: Context) -> handles.Key:
    policy = ctx.profile.key_policy
    key = ctx.add(
        kms.Key(
            KEY_ID,
            Description=Sub(f"edu data key ${{{SUFFIX_PARAM}}}"),
            EnableKeyRotation=True,
            PendingWindowInDays=ctx.profile.kms_pending_window_days,
            KeyPolicy=_key_policy(),
            Tags=ctx.tags("key"),
            DeletionPolicy=policy,
            UpdateReplacePolicy=policy,
        )
    )
    alias = ctx.add(
        kms.Alias(
            "KeyAlias",
            AliasName=Sub(f"alias/edu-${{{SUFFIX_PARAM}}}"),
            TargetKeyId=Ref(key),
        )
    )
    ctx.output("KeyArn", GetAtt(key, "Arn"))
    return handles.Key(key_id=Ref(key), key_arn=GetAtt(key, "Arn"), alias=Ref(alias))


# -- security groups ---------------------------------------------------------------------------

DB_PORT = 5432
CACHE_PORT = 6379
HTTPS = 443
ANYWHERE = "0.0.0.0/0"  # egress only: NAT-routed calls to AWS APIs over TLS
# A security group without egress rules allows all egress; one rule to the loopback address
# leaves a group that can send nothing (the data tiers only answer).
NO_EGRESS = ec2.SecurityGroupRule(IpProtocol="-1", CidrIp="127.0.0.1/32", Description="no egress")


def add_security_groups(
    ctx: Context, params: handles.Params, net: handles.Network
) -> handles.SecurityGroups:
    def group(title: str, part: str, description: str, **rules: Any) -> Any:
        return ctx.add(
            ec2.SecurityGroup(
                title,
                GroupDescription=description,
                VpcId=net.vpc_id,
                Tags=ctx.tags(part),
                **rules,
            )
        )

    def egress(port: int, cidr: Any, what: str) -> ec2.SecurityGroupRule:
        return ec2.SecurityGroupRule(
            IpProtocol="tcp", FromPort=port, ToPort=port, CidrIp=cidr, Description=what
        )

    def ingress(port: int, source: Any, what: str) -> ec2.SecurityGroupRule:
        return ec2.SecurityGroupRule(
            IpProtocol="tcp",
            FromPort=port,
            ToPort=port,
            SourceSecurityGroupId=Ref(source),
            Description=what,
        )

    # Clients may send to the data ports inside the VPC and to AWS APIs over TLS (via NAT);
    # the data tier's ingress names the client groups, so only they get an answer. Only the
    # data tier refers to the clients: no cycle, no separate rule resources.
    https = egress(HTTPS, ANYWHERE, "HTTPS via NAT")
    to_db = egress(DB_PORT, net.vpc_cidr, "PostgreSQL")
    to_cache = egress(CACHE_PORT, net.vpc_cidr, "Redis")
    app = group(
        "AppSecurityGroup", "app", "Application tier", SecurityGroupEgress=[https, to_db, to_cache]
    )
    deploy = group(
        "DeploySecurityGroup",
        "deploy",
        "CodeBuild deploy jobs",
        SecurityGroupEgress=[https, to_db, to_cache],
    )
    rotation = group(
        "RotationSecurityGroup",
        "rotation",
        "Secret rotation Lambda",
        SecurityGroupEgress=[https, to_db],
    )
    database = group(
        "DatabaseSecurityGroup",
        "db",
        "PostgreSQL",
        SecurityGroupIngress=[
            ingress(DB_PORT, app, "app"),
            ingress(DB_PORT, deploy, "deploy jobs"),
            ingress(DB_PORT, rotation, "secret rotation"),
        ],
        SecurityGroupEgress=[NO_EGRESS],
    )
    cache = group(
        "CacheSecurityGroup",
        "cache",
        "Redis",
        SecurityGroupIngress=[
            ingress(CACHE_PORT, app, "app"),
            ingress(CACHE_PORT, deploy, "deploy jobs"),
        ],
        SecurityGroupEgress=[NO_EGRESS],
    )

    ctx.output("AppSecurityGroupId", Ref(app), "For DB and cache clients")
    return handles.SecurityGroups(
        app=Ref(app),
        deploy=Ref(deploy),
        database=Ref(database),
        cache=Ref(cache),
        rotation=Ref(rotation),
    )
