"""The data tier: RDS PostgreSQL and an ElastiCache Redis replication group."""

from __future__ import annotations

from typing import Any

from awacs.aws import Condition, StringEquals
from troposphere import Equals, GetAtt, If, Ref, Sub, elasticache, iam, logs, rds

from templates import handles, policies
from templates.context import SUFFIX_PARAM, Context
from templates.parameters import GROUP_DATA

# Neither tier refers to the other nor to a NAT gateway, so that the three slowest resources of
# the stack are created in parallel.
DB_ID = "Database"
CACHE_ID = "Cache"
# 16 and 17 are listed as deprecated major versions in cfn-lint 1.58's data; 18 is current.
DB_ENGINE_VERSION = "18"
DB_PARAMETER_FAMILY = "postgres18"
DB_NAME = "edu"
# Every type Control Tower's CT.RDS.PR.14 knows for postgres, and no other: the control fails
# on a type outside its list, so `iam-db-auth-error` (which RDS also offers) stays off.
DB_LOG_EXPORTS = ["postgresql", "upgrade"]
# The export groups keep a year on both profiles (CT.CLOUDWATCH.PR.2): an ephemeral stack
# deletes its groups with it, so the retention keeps nothing after the delete.
DB_LOG_RETENTION_DAYS = 365
# pgaudit's scope: role changes and DDL for every session (`pgaudit.log`), and the writes on the
# tables granted to rds_pgaudit (object auditing: a bootstrap step grants INSERT, UPDATE and
# DELETE on the application schema, see docs/template.md). No statement parameters: their
# values are student data. pg_stat_statements stays loaded: RDS preloads it by default and
# Performance Insights reads it, and setting the list replaces the default.
DB_AUDIT_ROLE = "rds_pgaudit"
DB_PARAMETERS = {
    "rds.force_ssl": "1",
    "shared_preload_libraries": "pg_stat_statements,pgaudit",
    "pgaudit.log": "role,ddl",
    "pgaudit.role": DB_AUDIT_ROLE,
    "pgaudit.log_parameter": "0",
    "log_connections": "1",
    "log_disconnections": "1",
}
DB_MULTI_AZ = "DbMultiAzOn"
DB_MAX_STORAGE_PARAM = "DbMaxAllocatedStorage"
DB_MAX_STORAGE_DEFAULT = 100
# gp3 on RDS for PostgreSQL: 64 TiB at most.
DB_MAX_STORAGE_LIMIT = 65536
BACKUP_RETENTION_DAYS = 7
CACHE_ENGINE = "redis"
# 7.0 or later: IAM authentication of RBAC users.
CACHE_ENGINE_VERSION = "7.1"
# checkov reads MultiAZ without evaluating Fn::If's boolean branches (it renders only string
# ones), so it fails a value that is true unless DbMultiAz=false; Control Tower's CT.RDS.PR.1
# checks the same property on the resolved template and passes.
DB_CHECKOV_SKIPS = [
    {
        "id": "CKV_AWS_157",
        "comment": "MultiAZ is Fn::If(DbMultiAz=true, true, false), true by default; checkov "
        "does not evaluate boolean Fn::If branches, CT.RDS.PR.1 checks it resolved",
    }
]
# A staging platform defaults to one database instance and one cache node (parameters.py): it
# holds no student data, and nobody is paged when it is down. The two availability controls
# are skipped there, with that reason; production and ephemeral keep them.
SINGLE_AZ_REASON = (
    "staging profile: a copy for trying changes, holding no student data; one instance by "
    "default (DbMultiAz/CacheNodeCount raise it)"
)
STAGING_DB_CONTROL_SKIPS = [{"id": "CT.RDS.PR.1", "comment": SINGLE_AZ_REASON}]
STAGING_CACHE_CONTROL_SKIPS = [{"id": "CT.ELASTICACHE.PR.3", "comment": SINGLE_AZ_REASON}]
CACHE_LOG_TYPES = ["slow-log", "engine-log"]
CACHE_APP_USER = "cache-app"
CACHE_DEFAULT_USER_PARAM = "CacheDefaultUserState"
# Switched off: nobody can sign in as the user every client without a name becomes.
CACHE_USER_OFF = "off -@all"
# Only while clients still send the old shared token (CacheDefaultUserState=on).
CACHE_DEFAULT_USER_ON = "on ~* +@all"
# Every key and command class but the dangerous ones (FLUSHALL, KEYS, CONFIG, DEBUG ...).
CACHE_APP_ACCESS = "on ~* +@all -@dangerous"


def add_database(
    ctx: Context,
    params: handles.Params,
    net: handles.Network,
    groups: handles.SecurityGroups,
    key: handles.Key,
    creds: handles.Secrets,
) -> handles.Database:
    db = _db_instance(
        ctx,
        params,
        groups,
        key,
        creds,
        subnet_group=_db_subnet_group(ctx, net),
        parameter_group=_db_parameter_group(ctx),
        monitoring_role=_db_monitoring_role(ctx),
        log_groups=_db_log_groups(ctx, key),
    )
    ctx.output("DbEndpoint", GetAtt(db, "Endpoint.Address"))
    ctx.output("DbPort", GetAtt(db, "Endpoint.Port"))
    return handles.Database(
        instance_id=Ref(db),
        endpoint=GetAtt(db, "Endpoint.Address"),
        port=GetAtt(db, "Endpoint.Port"),
    )


def _db_subnet_group(ctx: Context, net: handles.Network) -> rds.DBSubnetGroup:
    return ctx.add(
        rds.DBSubnetGroup(
            "DbSubnetGroup",
            DBSubnetGroupDescription="DB private subnets",
            SubnetIds=net.private.id_list,
            Tags=ctx.tags("db"),
        )
    )


def _db_parameter_group(ctx: Context) -> rds.DBParameterGroup:
    # Description is create-only: it keeps its first wording so the group is not replaced.
    return ctx.add(
        rds.DBParameterGroup(
            "DbParameterGroup",
            Description="PostgreSQL: TLS required",
            Family=DB_PARAMETER_FAMILY,
            Parameters=DB_PARAMETERS,
            Tags=ctx.tags("db"),
        )
    )


def _db_monitoring_role(ctx: Context) -> iam.Role:
    """The role RDS enhanced monitoring assumes, only on behalf of this account."""
    return ctx.add(
        iam.Role(
            "DbMonitoringRole",
            AssumeRolePolicyDocument=policies.trust(
                "monitoring.rds.amazonaws.com",
                Condition(StringEquals("aws:SourceAccount", Ref("AWS::AccountId"))),
            ),
            ManagedPolicyArns=[
                Sub(
                    "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                    "AmazonRDSEnhancedMonitoringRole"
                )
            ],
            Tags=ctx.tags("db-monitoring"),
        )
    )


def _db_log_groups(ctx: Context, key: handles.Key) -> list[logs.LogGroup]:
    """RDS would create its export log groups itself: unencrypted, never expiring, and left
    behind by a stack delete. Creating them first makes them the stack's own."""
    return [
        ctx.add(
            logs.LogGroup(
                f"DbLogGroup{kind.capitalize()}",
                LogGroupName=Sub(f"/aws/rds/instance/edu-db-${{{SUFFIX_PARAM}}}/{kind}"),
                KmsKeyId=key.key_arn,
                RetentionInDays=DB_LOG_RETENTION_DAYS,
                Tags=ctx.tags(f"db-{kind}-logs"),
                DeletionPolicy=ctx.profile.storage_policy,
                UpdateReplacePolicy=ctx.profile.storage_policy,
            )
        )
        for kind in DB_LOG_EXPORTS
    ]


def _db_storage(ctx: Context, params: handles.Params) -> dict[str, Any]:
    """Storage and its autoscaling ceiling.

    A CloudFormation Rule cannot compare numbers (Rules have no less-than), so the ceiling's
    `> DbAllocatedStorage` is RDS's own check: it refuses a smaller ceiling before it changes
    anything, and the update rolls back.
    """
    ceiling = ctx.parameter(
        DB_MAX_STORAGE_PARAM,
        group=GROUP_DATA,
        label="Database storage autoscaling limit (GiB)",
        Type="Number",
        Description="RDS grows the storage up to this size; must exceed DbAllocatedStorage",
        MinValue=22,
        MaxValue=DB_MAX_STORAGE_LIMIT,
        Default=DB_MAX_STORAGE_DEFAULT,
    )
    return {
        "AllocatedStorage": params.db_allocated_storage,
        "MaxAllocatedStorage": Ref(ceiling),
        "StorageType": "gp3",
        "StorageEncrypted": True,
    }


def _db_instance(
    ctx: Context,
    params: handles.Params,
    groups: handles.SecurityGroups,
    key: handles.Key,
    creds: handles.Secrets,
    *,
    subnet_group: rds.DBSubnetGroup,
    parameter_group: rds.DBParameterGroup,
    monitoring_role: iam.Role,
    log_groups: list[logs.LogGroup],
) -> rds.DBInstance:
    policy = ctx.profile.data_policy
    # The controls compare booleans: a Ref to the "true"/"false" parameter is a string.
    multi_az = ctx.condition(DB_MULTI_AZ, Equals(params.db_multi_az, "true"))
    return ctx.add(
        rds.DBInstance(
            DB_ID,
            DependsOn=[g.title for g in log_groups],
            # Named: a change that would replace the instance fails instead of copying data.
            DBInstanceIdentifier=ctx.name("db"),
            Engine="postgres",
            EngineVersion=DB_ENGINE_VERSION,
            DBInstanceClass=params.db_instance_class,
            **_db_storage(ctx, params),
            KmsKeyId=key.key_arn,
            MultiAZ=If(multi_az, True, False),
            DBName=DB_NAME,
            # Not the engine's default (CT.RDS.PR.20); the security groups use the same parameter.
            Port=params.db_port,
            DBSubnetGroupName=Ref(subnet_group),
            DBParameterGroupName=Ref(parameter_group),
            VPCSecurityGroups=[groups.database],
            PubliclyAccessible=False,
            MasterUsername=creds.db_username,
            MasterUserPassword=Sub(
                f"{{{{resolve:secretsmanager:${{{creds.db_secret_id}}}:SecretString:password}}}}"
            ),
            BackupRetentionPeriod=BACKUP_RETENTION_DAYS,
            # Production keeps automated backups after a delete; ephemeral leaves nothing.
            DeleteAutomatedBackups=not ctx.profile.rds_keep_backups,
            MonitoringInterval=60,
            MonitoringRoleArn=GetAtt(monitoring_role, "Arn"),
            EnablePerformanceInsights=True,
            PerformanceInsightsKMSKeyId=key.key_arn,
            EnableIAMDatabaseAuthentication=True,
            EnableCloudwatchLogsExports=DB_LOG_EXPORTS,
            CopyTagsToSnapshot=True,
            AutoMinorVersionUpgrade=True,
            # On both profiles (CT.RDS.PR.13): `deploy.py delete` switches it off on a database
            # the stack does not keep, just before DeleteStack (docs/deploy.md, "delete").
            DeletionProtection=True,
            Tags=ctx.tags("db"),
            DeletionPolicy=policy,
            UpdateReplacePolicy=policy,
            Metadata=_staging_skips(
                ctx, {"checkov": {"skip": DB_CHECKOV_SKIPS}}, STAGING_DB_CONTROL_SKIPS
            ),
        )
    )


def _staging_skips(
    ctx: Context, metadata: dict[str, Any], skips: list[dict[str, str]]
) -> dict[str, Any]:
    if ctx.profile.name != "staging":
        return metadata
    return {**metadata, "guard": {"skip": skips}}


def _staging_cache_metadata(ctx: Context) -> dict[str, Any]:
    metadata = _staging_skips(ctx, {}, STAGING_CACHE_CONTROL_SKIPS)
    return {"Metadata": metadata} if metadata else {}


def add_cache(
    ctx: Context,
    params: handles.Params,
    net: handles.Network,
    groups: handles.SecurityGroups,
    key: handles.Key,
    creds: handles.Secrets,
) -> handles.Cache:
    policy = ctx.profile.data_policy
    subnet_group = ctx.add(
        elasticache.SubnetGroup(
            "CacheSubnetGroup",
            Description="Cache private subnets",
            SubnetIds=net.private.id_list,
            Tags=ctx.tags("cache"),
        )
    )
    multi_node = params.cache_multi_node
    group = ctx.add(
        elasticache.ReplicationGroup(
            CACHE_ID,
            # Named (40 characters at most, see parameters.py): a replacement fails loudly.
            ReplicationGroupId=ctx.name("cache"),
            ReplicationGroupDescription="Education platform cache",
            Engine=CACHE_ENGINE,
            EngineVersion=CACHE_ENGINE_VERSION,
            CacheNodeType=params.cache_node_type,
            NumCacheClusters=params.cache_node_count,
            AutomaticFailoverEnabled=If(multi_node, True, False),
            MultiAZEnabled=If(multi_node, True, False),
            CacheSubnetGroupName=Ref(subnet_group),
            SecurityGroupIds=[groups.cache],
            Port=6379,
            AtRestEncryptionEnabled=True,
            KmsKeyId=key.key_arn,
            # RBAC needs TLS; it replaces the shared AUTH token (the API refuses both at once).
            TransitEncryptionEnabled=True,
            UserGroupIds=[Ref(_cache_user_group(ctx, creds))],
            LogDeliveryConfigurations=_cache_log_delivery(ctx, key),
            SnapshotRetentionLimit=BACKUP_RETENTION_DAYS,
            AutoMinorVersionUpgrade=True,
            Tags=ctx.tags("cache"),
            DeletionPolicy=policy,
            UpdateReplacePolicy=policy,
            **_staging_cache_metadata(ctx),
        )
    )
    ctx.output("CacheEndpoint", GetAtt(group, "PrimaryEndPoint.Address"), "Redis primary")
    ctx.output("CacheAppUser", ctx.name(CACHE_APP_USER), "IAM-authenticated cache user")
    # No CachePort output: the port is fixed (6379).
    return handles.Cache(logical_id=CACHE_ID, node_count=params.cache_node_count)


def _cache_default_user_parameter(ctx: Context) -> str:
    """The one switch an existing stack needs to move from the AUTH token to RBAC without
    breaking clients: see docs/template.md, "Cache authentication"."""
    param = ctx.parameter(
        CACHE_DEFAULT_USER_PARAM,
        group=GROUP_DATA,
        label="Cache default user (old clients)",
        Type="String",
        AllowedValues=["off", "on"],
        Default="off",
        Description="on: clients that still send the old shared token keep working "
        "(as the default user) while they move to IAM; off once they have",
    )
    return ctx.condition("CacheDefaultUserOn", Equals(Ref(param), "on"))


def _cache_user_group(ctx: Context, creds: handles.Secrets) -> elasticache.UserGroup:
    """RBAC: a `default` user (every user group needs one) that is switched off, and the
    application's user, authenticated by IAM (Redis OSS 7.0+ over TLS): no password exists."""
    default_on = _cache_default_user_parameter(ctx)
    default_user = ctx.add(
        elasticache.User(
            "CacheDefaultUser",
            UserId=ctx.name("cache-default"),
            UserName="default",
            Engine=CACHE_ENGINE,
            AccessString=If(default_on, CACHE_DEFAULT_USER_ON, CACHE_USER_OFF),
            # The old AUTH token: a client's `AUTH <token>` is `AUTH default <token>`.
            AuthenticationMode=elasticache.AuthenticationMode(
                Type="password",
                Passwords=[
                    Sub(f"{{{{resolve:secretsmanager:${{{creds.cache_secret_id}}}}}}}"),
                ],
            ),
            Tags=ctx.tags("cache-default"),
        )
    )
    app_user = ctx.add(
        elasticache.User(
            "CacheAppUser",
            # IAM authentication needs the user name and ID to be the same.
            UserId=ctx.name(CACHE_APP_USER),
            UserName=ctx.name(CACHE_APP_USER),
            Engine=CACHE_ENGINE,
            AccessString=CACHE_APP_ACCESS,
            AuthenticationMode=elasticache.AuthenticationMode(Type="iam"),
            Tags=ctx.tags(CACHE_APP_USER),
        )
    )
    return ctx.add(
        elasticache.UserGroup(
            "CacheUserGroup",
            UserGroupId=ctx.name("cache-users"),
            Engine=CACHE_ENGINE,
            UserIds=[Ref(default_user), Ref(app_user)],
            Tags=ctx.tags("cache-users"),
        )
    )


def _cache_log_delivery(
    ctx: Context, key: handles.Key
) -> list[elasticache.LogDeliveryConfigurationRequest]:
    """Slow and engine logs into log groups the stack creates: encrypted with the key, with
    the profile's retention, deleted with ephemeral stacks."""
    configurations = []
    for kind in CACHE_LOG_TYPES:
        log_group = ctx.add(
            logs.LogGroup(
                f"CacheLogGroup{kind.split('-')[0].capitalize()}",
                LogGroupName=Sub(f"/aws/elasticache/edu-cache-${{{SUFFIX_PARAM}}}/{kind}"),
                KmsKeyId=key.key_arn,
                RetentionInDays=ctx.profile.log_retention_days,
                Tags=ctx.tags(f"cache-{kind}s"),
                DeletionPolicy=ctx.profile.storage_policy,
                UpdateReplacePolicy=ctx.profile.storage_policy,
            )
        )
        configurations.append(
            elasticache.LogDeliveryConfigurationRequest(
                DestinationType="cloudwatch-logs",
                DestinationDetails=elasticache.DestinationDetails(
                    CloudWatchLogsDetails=elasticache.CloudWatchLogsDestinationDetails(
                        LogGroup=Ref(log_group)
                    )
                ),
                LogFormat="json",
                LogType=kind,
            )
        )
    return configurations
