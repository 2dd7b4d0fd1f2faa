"""CI/CD: CodeBuild projects, the V2 CodePipeline, its source (an S3 bundle or a CodeConnections
repository), the bundle's EventBridge trigger and the failure alert."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from troposphere import Equals, GetAtt, If, Join, Not, NoValue, Ref, Sub
from troposphere.codebuild import (
    Artifacts,
    CloudWatchLogs,
    Environment,
    EnvironmentVariable,
    LogsConfig,
    Project,
    Source,
    VpcConfig,
)
from troposphere.codepipeline import (
    Actions,
    ActionTypeId,
    ArtifactStore,
    EncryptionKey,
    InputArtifacts,
    OutputArtifacts,
    Pipeline,
    Stages,
)
from troposphere.events import Rule, Target
from troposphere.iam import ManagedPolicy, Policy, Role
from troposphere.logs import LogGroup

from templates import handles, policies
from templates.context import SUFFIX_PARAM, Context
from templates.data import CACHE_APP_USER
from templates.parameters import GROUP_OPS

# Source -> Build -> DeployStaging -> Approval -> DeployProduction. The source is chosen at
# deploy time: with SourceConnectionArn empty (the default), a bundle uploaded to the source
# bucket, whose S3 "Object Created" event starts the pipeline through EventBridge (never
# polling); with a CodeConnections connection, a push to the branch of the connected
# repository starts it instead, and the bundle's trigger is not created.
# Roles are unnamed so that deploys need CAPABILITY_IAM only, not CAPABILITY_NAMED_IAM.

# The object key whose "Object Created" event starts the pipeline.
SOURCE_OBJECT_KEY = "bundle.zip"
STAGE_NAMES = ("Source", "Build", "DeployStaging", "Approval", "DeployProduction")
BUILD_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
# The DB secret is JSON {"username", "password"}; the cache secret is the bare AUTH token
# (template-core's secrets.py).
DB_SECRET_KEY = "password"

# Buildspecs are files of the source (this repository), paths relative to its root: they are
# reviewed and versioned with the code they build, and both sources carry them.
BUILD_SPEC = "buildspecs/build.yml"
DEPLOY_SPEC = "buildspecs/deploy.yml"

# SourceConnectionArn: empty, or a connection ARN under either service prefix (connections made
# before the CodeStar Connections rename keep the codestar-connections ARN).
CONNECTION_ARN_PATTERN = (
    r"^$|^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}"
    r":connection/[0-9a-f-]+$"
)
# owner/name; GitLab's group paths nest (group/subgroup/name).
REPOSITORY_PATTERN = r"^$|^[\w.-]+(/[\w.-]+)+$"
BRANCH_PATTERN = r"^[\w./-]+$"


@dataclass(frozen=True)
class _Stage:
    """One deploy target: its logical-ID stem, project name part and target stack."""

    logical: str
    part: str

    @property
    def stage(self) -> str:
        return self.part.removeprefix("deploy-")

    @property
    def stack_name(self) -> str:
        return f"edu-app-{self.stage}-${{{SUFFIX_PARAM}}}"


STAGING = _Stage("DeployStaging", "deploy-staging")
PRODUCTION = _Stage("DeployProduction", "deploy-production")


def _role(
    ctx: Context,
    logical_id: str,
    service: str,
    part: str,
    *,
    managed: list[ManagedPolicy],
    inline: list[Any],
    **extra_tags: str,
) -> Role:
    return ctx.add(
        Role(
            logical_id,
            AssumeRolePolicyDocument=policies.trust(service),
            ManagedPolicyArns=[Ref(m) for m in managed],
            Policies=inline,
            Tags=ctx.tags(part, **extra_tags),
        )
    )


def _managed(ctx: Context, logical_id: str, document: Any) -> ManagedPolicy:
    return ctx.add(ManagedPolicy(logical_id, PolicyDocument=document))


def _log_group(ctx: Context, logical_id: str, part: str, key: handles.Key) -> LogGroup:
    # Unnamed: a retained production group would otherwise block re-creating the stack.
    policy = ctx.profile.storage_policy
    return ctx.add(
        LogGroup(
            logical_id,
            DeletionPolicy=policy,
            UpdateReplacePolicy=policy,
            KmsKeyId=key.key_arn,
            RetentionInDays=ctx.profile.log_retention_days,
            Tags=ctx.tags(part),
        )
    )


def _project(
    ctx: Context,
    logical_id: str,
    part: str,
    *,
    role: Role,
    log_group: LogGroup,
    key: handles.Key,
    buildspec: str,
    env: list[EnvironmentVariable],
    vpc: VpcConfig | None = None,
) -> Project:
    extra: dict[str, Any] = {"VpcConfig": vpc} if vpc is not None else {}
    return ctx.add(
        Project(
            logical_id,
            # Unnamed (CloudFormation names it after the logical ID, e.g. BuildProject-a1B2c3),
            # as it shipped: naming it now would replace the project. The Name tag still says
            # edu-<part>-<suffix>.
            ServiceRole=GetAtt(role, "Arn"),
            EncryptionKey=key.key_arn,
            Artifacts=Artifacts(Type="CODEPIPELINE"),
            Source=Source(Type="CODEPIPELINE", BuildSpec=buildspec),
            Environment=Environment(
                ComputeType="BUILD_GENERAL1_SMALL",
                Image=BUILD_IMAGE,
                Type="LINUX_CONTAINER",
                **({"EnvironmentVariables": env} if env else {}),
            ),
            LogsConfig=LogsConfig(
                CloudWatchLogs=CloudWatchLogs(Status="ENABLED", GroupName=Ref(log_group))
            ),
            Tags=ctx.tags(part),
            **extra,
        )
    )


def _plain(name: str, value: Any) -> EnvironmentVariable:
    # Type defaults to PLAINTEXT.
    return EnvironmentVariable(Name=name, Value=value)


def _secret(name: str, secret_arn: Any, json_key: str | None = None) -> EnvironmentVariable:
    # CodeBuild resolves `<secret-arn>[:<json-key>]` at build start with the project's role;
    # without a key it yields the whole secret string.
    expr = policies.sub_expr(secret_arn)
    if json_key and expr:
        value: Any = Sub(f"{expr}:{json_key}")
    elif json_key:
        value = Join(":", [secret_arn, json_key])
    else:
        value = secret_arn
    return EnvironmentVariable(Name=name, Type="SECRETS_MANAGER", Value=value)


def _action(
    name: str,
    category: str,
    provider: str,
    configuration: dict[str, Any],
    *,
    inputs: tuple[str, ...] = (),
    outputs: tuple[str, ...] = (),
) -> Actions:
    artifacts: dict[str, Any] = {}
    if inputs:
        artifacts["InputArtifacts"] = [InputArtifacts(Name=n) for n in inputs]
    if outputs:
        artifacts["OutputArtifacts"] = [OutputArtifacts(Name=n) for n in outputs]
    return Actions(
        Name=name,
        ActionTypeId=ActionTypeId(Category=category, Owner="AWS", Provider=provider, Version="1"),
        Configuration=configuration,
        **artifacts,
    )


@dataclass(frozen=True)
class _Source:
    """The deploy-time choice of source: the connection's parameters and both conditions."""

    connection_arn: Ref
    repository: Ref
    branch: Ref
    # Condition names: exactly one of them holds.
    use_connection: str
    use_bucket: str


def _source_parameters(ctx: Context) -> _Source:
    connection = ctx.parameter(
        "SourceConnectionArn",
        group=GROUP_OPS,
        label="CodeConnections ARN (empty: S3 bundle)",
        Type="String",
        Default="",
        Description="A connection in AVAILABLE state; empty keeps the S3 bundle source",
        AllowedPattern=CONNECTION_ARN_PATTERN,
        ConstraintDescription="empty, or a codeconnections / codestar-connections ARN",
    )
    repository = ctx.parameter(
        "SourceRepository",
        group=GROUP_OPS,
        label="Repository (with a connection)",
        Type="String",
        Default="",
        Description="Full repository ID on the connection's host, e.g. edu-org/platform",
        AllowedPattern=REPOSITORY_PATTERN,
        ConstraintDescription="empty, or owner/name (a GitLab group path may nest)",
    )
    branch = ctx.parameter(
        "SourceBranch",
        group=GROUP_OPS,
        label="Branch (with a connection)",
        Type="String",
        Default="main",
        Description="A push to this branch starts the pipeline",
        AllowedPattern=BRANCH_PATTERN,
        ConstraintDescription="letters, digits, _ . / -",
    )
    ctx.template.add_rule(
        "ConnectionNeedsRepository",
        {
            "RuleCondition": Not(Equals(Ref(connection), "")),
            "Assertions": [
                {
                    "Assert": Not(Equals(Ref(repository), "")),
                    "AssertDescription": "A CodeConnections source needs SourceRepository.",
                }
            ],
        },
    )
    return _Source(
        connection_arn=Ref(connection),
        repository=Ref(repository),
        branch=Ref(branch),
        use_connection=ctx.condition("UseCodeConnections", Not(Equals(Ref(connection), ""))),
        use_bucket=ctx.condition("UseS3Source", Equals(Ref(connection), "")),
    )


def _source_action(source: _Source, buckets: handles.Buckets) -> If:
    """The one Source action: the connected repository's branch, or the uploaded bundle. Both
    are named Source and write the Source artifact, so the stages after them do not change."""
    connection = _action(
        "Source",
        "Source",
        "CodeStarSourceConnection",
        {
            "ConnectionArn": source.connection_arn,
            "FullRepositoryId": source.repository,
            "BranchName": source.branch,
        },
        outputs=("Source",),
    )
    bundle = _action(
        "Source",
        "Source",
        "S3",
        {
            "S3Bucket": buckets.source.name,
            "S3ObjectKey": SOURCE_OBJECT_KEY,
            # The EventBridge rule below starts the pipeline; polling would start it twice.
            "PollForSourceChanges": False,
        },
        outputs=("Source",),
    )
    return If(source.use_connection, connection, bundle)


@dataclass(frozen=True)
class _SharedPolicies:
    """Managed policies that several roles attach (one copy in the template)."""

    artifact_store: ManagedPolicy
    deploy_access: ManagedPolicy


def add_pipeline(
    ctx: Context,
    net: handles.Network,
    groups: handles.SecurityGroups,
    key: handles.Key,
    creds: handles.Secrets,
    buckets: handles.Buckets,
    topic: handles.Topic,
) -> None:
    source = _source_parameters(ctx)
    shared = _shared_policies(ctx, net, key, creds, buckets)
    build = _build_project(ctx, key, shared)
    vpc = VpcConfig(VpcId=net.vpc_id, Subnets=net.private.id_list, SecurityGroupIds=[groups.deploy])
    staging, production = (
        _deploy_project(ctx, stage, key, creds, buckets, shared, vpc)
        for stage in (STAGING, PRODUCTION)
    )
    role = _pipeline_role(ctx, source, buckets, topic, shared, [build, staging, production])
    actions = _stage_actions(_source_action(source, buckets), topic, build, staging, production)
    pipeline = _pipeline(ctx, role, key, buckets, actions)
    pipeline_arn = Sub(
        "arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${Pipeline}"
    )
    _source_upload_trigger(ctx, source, buckets, pipeline_arn)
    _failure_alert(ctx, topic, pipeline)
    ctx.output("PipelineName", Ref(pipeline))


def _shared_policies(
    ctx: Context,
    net: handles.Network,
    key: handles.Key,
    creds: handles.Secrets,
    buckets: handles.Buckets,
) -> _SharedPolicies:
    artifact_store = _managed(
        ctx,
        "ArtifactStorePolicy",
        policies.artifact_store(artifacts_bucket_arn=buckets.artifacts.arn, key_arn=key.key_arn),
    )
    deploy_access = _managed(
        ctx,
        "DeployAccessPolicy",
        policies.deploy_access(
            vpc_id=net.vpc_id,
            # Not CacheSecret: it is the password of the cache's `default` user, switched off
            # under RBAC. The jobs sign in to the cache as its IAM user instead.
            secret_arns=[creds.db_secret],
            cache_connect_arns=_cache_connect_arns(),
        ),
    )
    return _SharedPolicies(artifact_store=artifact_store, deploy_access=deploy_access)


def _build_project(ctx: Context, key: handles.Key, shared: _SharedPolicies) -> Project:
    log_group = _log_group(ctx, "BuildLogGroup", "build", key)
    role = _role(
        ctx,
        "BuildRole",
        "codebuild.amazonaws.com",
        "build",
        managed=[shared.artifact_store],
        inline=[
            Policy(
                PolicyName="build", PolicyDocument=policies.project_role(GetAtt(log_group, "Arn"))
            )
        ],
    )
    return _project(
        ctx,
        "BuildProject",
        "build",
        role=role,
        log_group=log_group,
        key=key,
        buildspec=BUILD_SPEC,
        # No variables: generate.py takes none (the suffix is a stack parameter at deploy time).
        env=[],
    )


def _deploy_project(
    ctx: Context,
    stage: _Stage,
    key: handles.Key,
    creds: handles.Secrets,
    buckets: handles.Buckets,
    shared: _SharedPolicies,
    vpc: VpcConfig,
) -> Project:
    log_group = _log_group(ctx, f"{stage.logical}LogGroup", stage.part, key)
    role = _role(
        ctx,
        f"{stage.logical}Role",
        "codebuild.amazonaws.com",
        stage.part,
        managed=[shared.artifact_store, shared.deploy_access],
        inline=[
            Policy(
                PolicyName="deploy",
                PolicyDocument=policies.project_role(GetAtt(log_group, "Arn")),
            )
        ],
        # Selects the one stack this role may deploy (policies.deploy_access).
        **{policies.STAGE_TAG: stage.stage},
    )
    return _project(
        ctx,
        f"{stage.logical}Project",
        stage.part,
        role=role,
        log_group=log_group,
        key=key,
        buildspec=DEPLOY_SPEC,
        vpc=vpc,
        env=_deploy_env(stage, creds, buckets),
    )


def _cache_connect_arns() -> list[Sub]:
    """The replication group and its application user, by their fixed names: a GetAtt would
    make the pipeline wait for the cache."""
    arn = "arn:${AWS::Partition}:elasticache:${AWS::Region}:${AWS::AccountId}"
    return [
        Sub(f"{arn}:replicationgroup:${{Group}}", Group=Context.name("cache")),
        Sub(f"{arn}:user:${{User}}", User=Context.name(CACHE_APP_USER)),
    ]


def _deploy_env(
    stage: _Stage, creds: handles.Secrets, buckets: handles.Buckets
) -> list[EnvironmentVariable]:
    return [
        _plain("STACK_NAME", Sub(stage.stack_name)),
        _plain("ARTIFACT_BUCKET", buckets.artifacts.name),
        # The DB port is the secret's `port` key; Redis's 6379 and the DB user name are fixed by
        # the template, so they are documented (docs/pipeline.md) rather than passed.
        # No GetAtt on the database or cache here: it would make the pipeline wait for both.
        # The DB host comes from the secret (SecretTargetAttachment writes it); the cache
        # endpoint is the stack's CacheEndpoint export.
        _secret("DB_HOST", creds.db_secret, "host"),
        _secret("DB_PASSWORD", creds.db_secret, DB_SECRET_KEY),
        # The cache's IAM-authenticated user: a job signs a short-lived token with its role.
        _plain("CACHE_USER", Context.name(CACHE_APP_USER)),
    ]


def _pipeline_role(
    ctx: Context,
    source: _Source,
    buckets: handles.Buckets,
    topic: handles.Topic,
    shared: _SharedPolicies,
    projects: list[Project],
) -> Role:
    return _role(
        ctx,
        "PipelineRole",
        "codepipeline.amazonaws.com",
        "pipeline",
        managed=[shared.artifact_store],
        inline=[
            Policy(
                PolicyName="pipeline",
                PolicyDocument=policies.pipeline_role(
                    source_bucket_arn=buckets.source.arn,
                    project_arns=[GetAtt(p, "Arn") for p in projects],
                    topic_arn=topic.arn,
                ),
            ),
            # Only with a connection, and only on that one connection.
            If(
                source.use_connection,
                Policy(
                    PolicyName="connection",
                    PolicyDocument=policies.connection_use(source.connection_arn),
                ),
                NoValue,
            ),
        ],
    )


def _codebuild_action(
    name: str, project: Project, inputs: str, outputs: tuple[str, ...] = ()
) -> Actions:
    return _action(
        name,
        "Build",
        "CodeBuild",
        {"ProjectName": Ref(project)},
        inputs=(inputs,),
        outputs=outputs,
    )


def _stage_actions(
    source: Actions | If,
    topic: handles.Topic,
    build: Project,
    staging: Project,
    production: Project,
) -> dict[str, Actions | If]:
    """Stage name -> its one action, in the order of STAGE_NAMES."""
    approval = _action(
        "Approval",
        "Approval",
        "Manual",
        {"NotificationArn": topic.arn, "CustomData": "Approve to deploy production."},
    )
    return {
        "Source": source,
        "Build": _codebuild_action("Build", build, "Source", ("Build",)),
        "DeployStaging": _codebuild_action("DeployStaging", staging, "Build"),
        "Approval": approval,
        "DeployProduction": _codebuild_action("DeployProduction", production, "Build"),
    }


def _pipeline(
    ctx: Context,
    role: Role,
    key: handles.Key,
    buckets: handles.Buckets,
    stage_actions: dict[str, Actions | If],
) -> Pipeline:
    return ctx.add(
        Pipeline(
            "Pipeline",
            Name=ctx.name("pipeline"),
            PipelineType="V2",
            RoleArn=GetAtt(role, "Arn"),
            # Singular ArtifactStore: one region. (The plural ArtifactStores is for
            # cross-region pipelines, and was the earlier program's deploy blocker.)
            ArtifactStore=ArtifactStore(
                Type="S3",
                Location=buckets.artifacts.name,
                EncryptionKey=EncryptionKey(Id=key.key_arn, Type="KMS"),
            ),
            Stages=[Stages(Name=n, Actions=[stage_actions[n]]) for n in STAGE_NAMES],
            Tags=ctx.tags("pipeline"),
        )
    )


def _source_upload_trigger(
    ctx: Context, source: _Source, buckets: handles.Buckets, pipeline_arn: Sub
) -> None:
    """The bundle's "Object Created" event starts the pipeline; with a connection the bundle is
    not the source, so neither the rule nor its role exists."""
    start_role = ctx.add(
        Role(
            "PipelineStartRole",
            Condition=source.use_bucket,
            AssumeRolePolicyDocument=policies.trust("events.amazonaws.com"),
            Policies=[
                Policy(
                    PolicyName="start",
                    PolicyDocument=policies.start_pipeline_role(pipeline_arn),
                )
            ],
            Tags=ctx.tags("pipeline-start"),
        )
    )
    ctx.add(
        Rule(
            "SourceUploadRule",
            Condition=source.use_bucket,
            EventPattern={
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": {
                    "bucket": {"name": [buckets.source.name]},
                    "object": {"key": [SOURCE_OBJECT_KEY]},
                },
            },
            Tags=ctx.tags("source-upload"),
            Targets=[Target(Id="Pipeline", Arn=pipeline_arn, RoleArn=GetAtt(start_role, "Arn"))],
        )
    )


def _failure_alert(ctx: Context, topic: handles.Topic, pipeline: Pipeline) -> None:
    """A failed execution notifies the topic."""
    ctx.add(
        Rule(
            "PipelineFailureRule",
            EventPattern={
                "source": ["aws.codepipeline"],
                "detail-type": ["CodePipeline Pipeline Execution State Change"],
                "detail": {"pipeline": [Ref(pipeline)], "state": ["FAILED"]},
            },
            Tags=ctx.tags("pipeline-failure"),
            Targets=[Target(Id="Topic", Arn=topic.arn)],
        )
    )
