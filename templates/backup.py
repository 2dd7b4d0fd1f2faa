"""AWS Backup of the database (production only): a vault encrypted with the stack's key under a
governance-mode vault lock, a daily and a monthly rule, an optional copy to a second region."""

from __future__ import annotations

from typing import Any

from troposphere import Equals, GetAtt, If, Not, NoValue, Ref, Sub
from troposphere.backup import (
    BackupPlan,
    BackupPlanResourceType,
    BackupRuleResourceType,
    BackupSelection,
    BackupSelectionResourceType,
    BackupVault,
    CopyActionResourceType,
    LifecycleResourceType,
    LockConfigurationType,
)
from troposphere.iam import Role

from templates import handles, policies
from templates.context import Context
from templates.parameters import GROUP_DATA

# Ephemeral stacks keep no backups: a locked vault and its recovery points would outlive the
# stack and block a clean delete.
PROFILES_WITH_BACKUP = frozenset({"production"})

VAULT = "BackupVault"
PLAN = "BackupPlan"
SELECTION = "BackupSelection"
ROLE = "BackupRole"
HAS_COPY = "HasBackupCopy"

# Governance mode is a lock without ChangeableForDays: principals with
# backup:DeleteBackupVaultLockConfiguration can still lift it, nobody else can delete a recovery
# point younger than this. With ChangeableForDays it would turn into compliance mode (immutable,
# even for the account root) once that grace time ends. Equal to the daily retention's minimum,
# so no rule can ask for less than the lock enforces.
LOCK_MIN_RETENTION_DAYS = 7
DAILY_SCHEDULE = "cron(0 3 * * ? *)"
MONTHLY_SCHEDULE = "cron(0 4 1 * ? *)"
START_WINDOW_MINUTES = 60
COMPLETION_WINDOW_MINUTES = 1440
# The AWS managed policies of AWS Backup's default service role: create and restore backups.
MANAGED_POLICIES = (
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
)
COPY_VAULT_PATTERN = (
    r"^$|^arn:aws[a-z-]*:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:[A-Za-z0-9_-]{2,50}$"
)


def add_backup(ctx: Context, key: handles.Key, database: handles.Database) -> None:
    """Backs the database up into a locked vault; nothing at all for profiles without backups."""
    if ctx.profile.name not in PROFILES_WITH_BACKUP:
        return
    daily, monthly, copy_vault = _parameters(ctx)
    has_copy = ctx.condition(HAS_COPY, Not(Equals(copy_vault, "")))
    vault = _vault(ctx, key)
    plan = ctx.add(
        BackupPlan(
            PLAN,
            BackupPlan=BackupPlanResourceType(
                BackupPlanName=ctx.name("backup"),
                BackupPlanRule=[
                    _rule(ctx, "daily", DAILY_SCHEDULE, vault, daily, copy_vault, has_copy),
                    _rule(ctx, "monthly", MONTHLY_SCHEDULE, vault, monthly, copy_vault, has_copy),
                ],
            ),
            BackupPlanTags=_tag_map(ctx, "backup"),
        )
    )
    ctx.add(
        BackupSelection(
            SELECTION,
            BackupPlanId=Ref(plan),
            BackupSelection=BackupSelectionResourceType(
                SelectionName=ctx.name("database"),
                IamRoleArn=GetAtt(_role(ctx), "Arn"),
                Resources=[_db_instance_arn(database)],
            ),
        )
    )
    ctx.output("BackupVaultArn", GetAtt(vault, "BackupVaultArn"))


def _parameters(ctx: Context) -> tuple[Ref, Ref, Ref]:
    daily = ctx.parameter(
        "BackupDailyRetentionDays",
        group=GROUP_DATA,
        label="Daily backups kept (days)",
        Type="Number",
        Default=35,
        MinValue=LOCK_MIN_RETENTION_DAYS,
        MaxValue=365,
        Description="AWS Backup daily recovery points of the database; the vault lock keeps "
        f"every point at least {LOCK_MIN_RETENTION_DAYS} days",
    )
    monthly = ctx.parameter(
        "BackupMonthlyRetentionDays",
        group=GROUP_DATA,
        label="Monthly backups kept (days)",
        Type="Number",
        Default=365,
        MinValue=30,
        MaxValue=3650,
        Description="AWS Backup monthly recovery points (taken on the 1st) of the database",
    )
    copy_vault = ctx.parameter(
        "BackupCopyVaultArn",
        group=GROUP_DATA,
        label="Backup copy vault ARN (optional)",
        Type="String",
        Default="",
        AllowedPattern=COPY_VAULT_PATTERN,
        ConstraintDescription="empty, or the ARN of a backup vault",
        Description="A vault in a second region that receives a copy of every recovery point, "
        "kept as long as the original; empty: no copy",
    )
    return Ref(daily), Ref(monthly), Ref(copy_vault)


def _vault(ctx: Context, key: handles.Key) -> BackupVault:
    policy = ctx.profile.storage_policy
    return ctx.add(
        BackupVault(
            VAULT,
            BackupVaultName=ctx.name("backup"),
            EncryptionKeyArn=key.key_arn,
            LockConfiguration=LockConfigurationType(MinRetentionDays=LOCK_MIN_RETENTION_DAYS),
            BackupVaultTags=_tag_map(ctx, "backup"),
            DeletionPolicy=policy,
            UpdateReplacePolicy=policy,
        )
    )


def _rule(
    ctx: Context,
    name: str,
    schedule: str,
    vault: BackupVault,
    retention_days: Ref,
    copy_vault: Ref,
    has_copy: str,
) -> BackupRuleResourceType:
    lifecycle = LifecycleResourceType(DeleteAfterDays=retention_days)
    copy = CopyActionResourceType(DestinationBackupVaultArn=copy_vault, Lifecycle=lifecycle)
    return BackupRuleResourceType(
        RuleName=name,
        TargetBackupVault=Ref(vault),
        ScheduleExpression=schedule,
        StartWindowMinutes=START_WINDOW_MINUTES,
        CompletionWindowMinutes=COMPLETION_WINDOW_MINUTES,
        Lifecycle=lifecycle,
        CopyActions=If(has_copy, [copy], NoValue),
        RecoveryPointTags=_tag_map(ctx, f"backup-{name}"),
    )


def _role(ctx: Context) -> Role:
    return ctx.add(
        Role(
            ROLE,
            AssumeRolePolicyDocument=policies.trust("backup.amazonaws.com"),
            ManagedPolicyArns=[
                Sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{name}") for name in MANAGED_POLICIES
            ],
            Tags=ctx.tags("backup"),
        )
    )


def _db_instance_arn(database: handles.Database) -> Sub:
    prefix = "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:"
    expr = policies.sub_expr(database.instance_id)
    return Sub(prefix + expr) if expr else Sub(prefix + "${Id}", Id=database.instance_id)


def _tag_map(ctx: Context, part: str) -> dict[str, Any]:
    """The standard tags as the key-value map AWS Backup's resources take instead of a list."""
    return {tag["Key"]: tag["Value"] for tag in ctx.tags(part).tags}
