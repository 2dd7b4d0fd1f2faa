"""CI/CD: CodeBuild projects, the V2 CodePipeline, its source (an S3 bundle or a CodeConnections
repository), the bundle's EventBridge trigger, the reviewed production approval and the failure
alert."""

from __future__ import annotations

import json
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
from troposphere.sns import SubscriptionResource, Topic
from troposphere.ssm import Parameter as SsmParameter

from templates import handles, monitoring, policies
from templates.context import PROJECT, SUFFIX_PARAM, Context
from templates.contract import PREFIX as CONTRACT_PREFIX
from templates.data import CACHE_APP_USER
from templates.parameters import APPROVER_EMAIL, GROUP_OPS

# Source -> Build -> DeployStaging -> PlanProduction -> Approval -> DeployProduction. The
# production change set is made and its review stored before the approval, and after it the
# pipeline executes exactly that change set (CodePipeline V2 variables carry its ARN).
# The source is chosen at deploy time: with SourceConnectionArn empty (the default), a bundle
# uploaded to the source bucket, whose S3 "Object Created" event starts the pipeline through
# EventBridge (never polling); with a CodeConnections connection, a push to the branch of the
# connected repository starts it instead, and the bundle's trigger is not created.
# Roles are unnamed so that deploys need CAPABILITY_IAM only, not CAPABILITY_NAMED_IAM.

# The object key whose "Object Created" event starts the pipeline.
SOURCE_OBJECT_KEY = "bundle.zip"
STAGE_NAMES = (
    "Source",
    "Build",
    "DeployStaging",
    "PlanProduction",
    "Approval",
    "DeployProduction",
)
BUILD_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
# The DB secret is JSON {"username", "password"}; the cache secret is the bare AUTH token
# (template-core's secrets.py).
DB_SECRET_KEY = "password"

# Buildspecs are files of the source (this repository), paths relative to its root: they are
# reviewed and versioned with the code they build, and both sources carry them.
BUILD_SPEC = "buildspecs/build.yml"
DEPLOY_SPEC = "buildspecs/deploy.yml"
PLAN_SPEC = "buildspecs/plan.yml"
EXECUTE_SPEC = "buildspecs/execute.yml"

# The plan project's exported variables (buildspecs/plan.yml), read by the later actions as
# #{PlanProduction.NAME}.
PLAN_NAMESPACE = "PlanProduction"
PLAN_VARIABLES = ("CHANGE_SET_ARN", "REVIEW_URL", "SUMMARY")
# Production's change sets roll back when one of these alarms fires (CloudFormation takes at
# most five): the database's and the cache primary's load. Their ARNs reach the plan project
# through an SSM parameter, resolved at build start: a GetAtt in the project would make the
# pipeline wait for the database and the cache.
ROLLBACK_ALARMS_PATH = f"/edu-pipeline/${{{SUFFIX_PARAM}}}/rollback-alarms"
# At least ten minutes of watching after the resources are in place (deploy.py's default with
# an alarm; stated here so that the template says what production gets).
MONITOR_MINUTES = "10"
# Every platform-contract parameter of this stack (templates/contract.py).
CONTRACT_PATH = f"{CONTRACT_PREFIX}/${{{SUFFIX_PARAM}}}/*"

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

    @property
    def execution_role_arn(self) -> GetAtt:
        # The stage's CloudFormation service role (templates/delivery.py).
        return GetAtt(policies.EXECUTION_ROLE_IDS[self.stage], "Arn")


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
    namespace: str | None = None,
) -> Actions:
    extra: dict[str, Any] = {}
    if inputs:
        extra["InputArtifacts"] = [InputArtifacts(Name=n) for n in inputs]
    if outputs:
        extra["OutputArtifacts"] = [OutputArtifacts(Name=n) for n in outputs]
    if namespace:
        extra["Namespace"] = namespace
    return Actions(
        Name=name,
        ActionTypeId=ActionTypeId(Category=category, Owner="AWS", Provider=provider, Version="1"),
        Configuration=configuration,
        **extra,
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
    health_check: ManagedPolicy


@dataclass(frozen=True)
class _Projects:
    build: Project
    staging: Project
    plan: Project
    production: Project

    def all(self) -> list[Project]:
        return [self.build, self.staging, self.plan, self.production]


def add_pipeline(
    ctx: Context,
    net: handles.Network,
    groups: handles.SecurityGroups,
    key: handles.Key,
    pipeline_key: handles.Key,
    creds: handles.Secrets,
    buckets: handles.Buckets,
    topic: handles.Topic,
) -> None:
    source = _source_parameters(ctx)
    shared = _shared_policies(ctx, net, key, creds, buckets)
    vpc = VpcConfig(VpcId=net.vpc_id, Subnets=net.private.id_list, SecurityGroupIds=[groups.deploy])
    staging, production = (
        _deploy_project(ctx, stage, key, creds, buckets, shared, vpc)
        for stage in (STAGING, PRODUCTION)
    )
    projects = _Projects(
        build=_build_project(ctx, key, buckets, shared),
        staging=staging,
        plan=_plan_project(ctx, key, buckets, shared),
        production=production,
    )
    approvals = _approval_topic(ctx, key)
    role = _pipeline_role(ctx, source, buckets, approvals, shared, projects.all())
    actions = _stage_actions(_source_action(source, buckets), approvals, projects)
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
    health_check = _managed(ctx, "HealthCheckPolicy", policies.health_check())
    return _SharedPolicies(
        artifact_store=artifact_store, deploy_access=deploy_access, health_check=health_check
    )


def _build_project(
    ctx: Context, key: handles.Key, buckets: handles.Buckets, shared: _SharedPolicies
) -> Project:
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
        # The application's code goes to the artifact bucket; its parameter file names the
        # platform (the suffix of the contract's SSM paths) and where the code is.
        env=[
            _plain("ARTIFACT_BUCKET", buckets.artifacts.name),
            _plain("ENVIRONMENT_SUFFIX", Ref(SUFFIX_PARAM)),
        ],
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
        managed=[shared.artifact_store, shared.deploy_access, shared.health_check],
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
        # Production executes the change set reviewed before the approval; staging deploys.
        buildspec=EXECUTE_SPEC if stage is PRODUCTION else DEPLOY_SPEC,
        vpc=vpc,
        env=_deploy_env(stage, creds, buckets),
    )


def _plan_project(
    ctx: Context, key: handles.Key, buckets: handles.Buckets, shared: _SharedPolicies
) -> Project:
    """Makes production's change set and stores its review before the approval. Out of the
    VPC and without the secrets: it runs no migration, and it cannot execute anything."""
    log_group = _log_group(ctx, "PlanProductionLogGroup", "plan-production", key)
    # Managed, as every CloudFormation grant here is: the stack grants are reviewed in one place.
    plan = _managed(
        ctx,
        "PlanProductionPolicy",
        policies.plan_production(
            execution_role_arn=PRODUCTION.execution_role_arn,
            contract_path=CONTRACT_PATH,
            rollback_alarms_path=ROLLBACK_ALARMS_PATH,
        ),
    )
    role = _role(
        ctx,
        "PlanProductionRole",
        "codebuild.amazonaws.com",
        "plan-production",
        managed=[shared.artifact_store, plan],
        inline=[
            Policy(
                PolicyName="plan",
                PolicyDocument=policies.project_role(GetAtt(log_group, "Arn")),
            )
        ],
    )
    _rollback_alarms_parameter(ctx)
    return _project(
        ctx,
        "PlanProductionProject",
        "plan-production",
        role=role,
        log_group=log_group,
        key=key,
        buildspec=PLAN_SPEC,
        env=[
            _plain("STACK_NAME", Sub(PRODUCTION.stack_name)),
            _plain("ARTIFACT_BUCKET", buckets.artifacts.name),
            _plain("EXECUTION_ROLE_ARN", PRODUCTION.execution_role_arn),
            EnvironmentVariable(
                Name="ROLLBACK_ALARM_ARNS", Type="PARAMETER_STORE", Value=Sub(ROLLBACK_ALARMS_PATH)
            ),
            _plain("MONITOR_MINUTES", MONITOR_MINUTES),
        ],
    )


def _rollback_alarms_parameter(ctx: Context) -> None:
    """The production alarms' ARNs, comma-separated, for the plan project's rollback triggers."""
    ctx.add(
        SsmParameter(
            "RollbackAlarmsParameter",
            Name=Sub(ROLLBACK_ALARMS_PATH),
            Type="StringList",
            Value=Join(
                ",", [monitoring.alarm_arn(alarm) for alarm in monitoring.ROLLBACK_TRIGGERS]
            ),
            Description="Alarms that roll back a production application deploy",
            Tags={
                "Environment": Ref(SUFFIX_PARAM),
                "Project": PROJECT,
                "Name": ctx.name("rollback-alarms"),
            },
        )
    )


def _approval_topic(ctx: Context, key: handles.Key) -> handles.Topic:
    """Pending production approvals, e-mailed to the approver with the review's link. Production
    requires the address; an ephemeral stack without one gets no subscription."""
    topic = ctx.add(
        Topic(
            "ApprovalTopic",
            TopicName=ctx.name("approvals"),
            KmsMasterKeyId=key.key_arn,
            Tags=ctx.tags("approvals"),
        )
    )
    extra: dict[str, Any] = {}
    if ctx.profile.name != "production":
        extra["Condition"] = ctx.condition("HasApproverEmail", Not(Equals(Ref(APPROVER_EMAIL), "")))
    ctx.add(
        SubscriptionResource(
            "ApproverEmailSubscription",
            TopicArn=Ref(topic),
            Protocol="email",
            Endpoint=Ref(APPROVER_EMAIL),
            **extra,
        )
    )
    ctx.output("ApprovalTopicArn", Ref(topic))
    return handles.Topic(arn=Ref(topic))


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
        # CloudFormation changes the application's resources with this role, not the project's.
        _plain("EXECUTION_ROLE_ARN", stage.execution_role_arn),
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
    name: str,
    project: Project,
    inputs: str,
    outputs: tuple[str, ...] = (),
    *,
    variables: dict[str, str] | None = None,
    namespace: str | None = None,
) -> Actions:
    configuration: dict[str, Any] = {"ProjectName": Ref(project)}
    if variables:
        # A JSON string, as CodePipeline takes it; values may name pipeline variables.
        configuration["EnvironmentVariables"] = json.dumps(
            [{"name": k, "value": v, "type": "PLAINTEXT"} for k, v in variables.items()]
        )
    return _action(
        name,
        "Build",
        "CodeBuild",
        configuration,
        inputs=(inputs,),
        outputs=outputs,
        namespace=namespace,
    )


def plan_variable(name: str) -> str:
    """The pipeline-variable reference to one of the plan project's exported variables."""
    assert name in PLAN_VARIABLES, name
    return f"#{{{PLAN_NAMESPACE}.{name}}}"


def _stage_actions(
    source: Actions | If, approvals: handles.Topic, projects: _Projects
) -> dict[str, Actions | If]:
    """Stage name -> its one action, in the order of STAGE_NAMES."""
    # The approver sees what will change in one line and opens the stored review from the
    # notice or the console; DeployProduction then executes that change set and no other.
    approval = _action(
        "Approval",
        "Approval",
        "Manual",
        {
            "NotificationArn": approvals.arn,
            "CustomData": plan_variable("SUMMARY"),
            "ExternalEntityLink": plan_variable("REVIEW_URL"),
        },
    )
    plan = _codebuild_action(
        "PlanProduction",
        projects.plan,
        "Build",
        # Reviews are stored under the execution's ID (buildspecs/plan.yml).
        variables={"PIPELINE_EXECUTION_ID": "#{codepipeline.PipelineExecutionId}"},
        namespace=PLAN_NAMESPACE,
    )
    execute = _codebuild_action(
        "DeployProduction",
        projects.production,
        "Build",
        variables={"CHANGE_SET_ARN": plan_variable("CHANGE_SET_ARN")},
    )
    return {
        "Source": source,
        "Build": _codebuild_action("Build", projects.build, "Source", ("Build",)),
        "DeployStaging": _codebuild_action("DeployStaging", projects.staging, "Build"),
        "PlanProduction": plan,
        "Approval": approval,
        "DeployProduction": execute,
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
