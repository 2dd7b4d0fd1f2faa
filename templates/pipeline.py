"""CI/CD: CodeBuild projects, the V2 CodePipeline, its source (an S3 bundle or a CodeConnections
repository), the bundle's EventBridge trigger, the reviewed production approval and the failure
alert."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from troposphere import Equals, GetAtt, If, Join, Not, NoValue, Ref, Sub, encode_to_dict
from troposphere.codebuild import (
    Artifacts,
    CloudWatchLogs,
    Environment,
    EnvironmentVariable,
    LogsConfig,
    Project,
    Source,
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
from templates.parameters import APPROVER_EMAIL, GROUP_OPS

# Source -> Build -> DeployStaging -> PlanProduction -> Approval -> DeployProduction. The
# production change set is made and its review stored before the approval, and after it the
# pipeline executes exactly that change set (CodePipeline V2 variables carry its ARN).
# The source is chosen at deploy time: with SourceConnectionArn empty (the default), a bundle
# uploaded to the source bucket, whose S3 "Object Created" event starts the pipeline through
# EventBridge (never polling); with a CodeConnections connection, a push to the branch of the
# connected repository starts it instead, and the bundle's trigger is not created.
# DeployStaging creates or updates a staging platform of its own (this template's staging
# profile: own VPC, key, database, cache and secrets), runs its bootstrap job and deploys the
# application into it; everything on that side carries StagingBoundary. The pipeline never
# updates the production platform stack it runs in: an operator does, with deploy.py.
# Roles are unnamed; the one named IAM resource is StagingBoundary (its statements name its own
# ARN), so the platform stack needs CAPABILITY_NAMED_IAM, which deploy.py asks for by itself.

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
    """One deploy target: its logical-ID stem, project name part and the platform it deploys
    into (its EnvironmentSuffix, as a Sub text)."""

    logical: str
    part: str
    target_suffix: str

    @property
    def stage(self) -> str:
        return self.part.removeprefix("deploy-")

    @property
    def stack_name(self) -> str:
        return f"edu-app-{self.stage}-{self.target_suffix}"

    @property
    def bootstrap_project(self) -> str:
        # The target platform's database bootstrap job (templates/bootstrap.py names it).
        return f"edu-db-bootstrap-{self.target_suffix}"


PRODUCTION_SUFFIX = f"${{{SUFFIX_PARAM}}}"
# The staging platform the pipeline creates: the staging profile of this template, deployed
# with EnvironmentSuffix `<suffix>-stg` as stack `edu-platform-<suffix>-stg`.
STAGING = _Stage("DeployStaging", "deploy-staging", policies.STAGING_SUFFIX)
PRODUCTION = _Stage("DeployProduction", "deploy-production", PRODUCTION_SUFFIX)
# CloudFormation's service role for production's application stack (templates/delivery.py);
# staging's is made by the staging platform, and the staging job reads it from that stack.
PRODUCTION_EXECUTION_ROLE_ARN = GetAtt(policies.EXECUTION_ROLE_IDS["production"], "Arn")


def _role(
    ctx: Context,
    logical_id: str,
    service: str,
    part: str,
    *,
    managed: list[ManagedPolicy],
    inline: list[Any],
    boundary: Ref | None = None,
    **extra_tags: Any,
) -> Role:
    extra: dict[str, Any] = {"PermissionsBoundary": boundary} if boundary is not None else {}
    return ctx.add(
        Role(
            logical_id,
            AssumeRolePolicyDocument=policies.trust(service),
            ManagedPolicyArns=[Ref(m) for m in managed],
            Policies=inline,
            Tags=ctx.tags(part, **extra_tags),
            **extra,
        )
    )


def _managed(ctx: Context, logical_id: str, document: Any) -> ManagedPolicy:
    return ctx.add(ManagedPolicy(logical_id, PolicyDocument=document))


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
) -> Project:
    # No project runs in the VPC: none reaches a database or cache (the bootstrap job, which
    # does, is the target platform's own, templates/bootstrap.py).
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
        )
    )


def _plain(name: str, value: Any) -> EnvironmentVariable:
    # Type defaults to PLAINTEXT.
    return EnvironmentVariable(Name=name, Value=value)


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
    """Everything of the pipeline is encrypted with `pipeline_key`. `key`, the data key, and
    `net` are named only to deny them to the staging side (StagingBoundary); `groups` is not
    used: no project runs in the VPC."""
    source = _source_parameters(ctx)
    shared = _shared_policies(ctx, pipeline_key, buckets)
    platform_role = _staging_platform_role(ctx)
    projects = _Projects(
        build=_build_project(ctx, pipeline_key, buckets, shared),
        staging=_staging_project(ctx, pipeline_key, buckets, shared, platform_role),
        plan=_plan_project(ctx, pipeline_key, buckets, shared),
        production=_production_project(ctx, pipeline_key, buckets, shared),
    )
    approvals = _approval_topic(ctx, pipeline_key)
    role = _pipeline_role(ctx, source, buckets, approvals, shared, projects.all())
    actions = _stage_actions(_source_action(source, buckets), approvals, projects)
    pipeline = _pipeline(ctx, role, pipeline_key, buckets, actions)
    pipeline_arn = Sub(
        "arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${Pipeline}"
    )
    _source_upload_trigger(ctx, source, buckets, pipeline_arn)
    _failure_alert(ctx, topic, pipeline)
    ctx.output("PipelineName", Ref(pipeline))
    # Last: its ceiling is read from the policies of the staging side's roles made above.
    _staging_boundary(ctx, net, key, creds, buckets)


def _shared_policies(
    ctx: Context, pipeline_key: handles.Key, buckets: handles.Buckets
) -> _SharedPolicies:
    artifact_store = _managed(
        ctx,
        "ArtifactStorePolicy",
        policies.artifact_store(
            artifacts_bucket_arn=buckets.artifacts.arn, key_arn=pipeline_key.key_arn
        ),
    )
    deploy_access = _managed(ctx, "DeployAccessPolicy", policies.deploy_access())
    health_check = _managed(ctx, "HealthCheckPolicy", policies.health_check())
    return _SharedPolicies(
        artifact_store=artifact_store, deploy_access=deploy_access, health_check=health_check
    )


# Name tags of this stack's resources that the staging side uses (StagingBoundary lets them
# through its deny of production's tagged resources, and keeps them unchanged).
SHARED_WITH_STAGING = (
    "pipeline-key",
    "artifacts",
    STAGING.part,
    "staging-platform-execution",
)


# The staging side's roles in this stack; every role of the staging platform carries the
# boundary as well (its PermissionsBoundaryArn parameter).
STAGING_BOUNDARY = Ref(policies.STAGING_BOUNDARY_ID)
STAGING_ROLE_IDS = (policies.STAGING_PLATFORM_ROLE_ID, f"{STAGING.logical}Role")


def _staging_platform_role(ctx: Context) -> Role:
    role = ctx.add(
        Role(
            policies.STAGING_PLATFORM_ROLE_ID,
            Description="CloudFormation for the pipeline's staging platform stack",
            AssumeRolePolicyDocument=policies.execution_trust(),
            PermissionsBoundary=STAGING_BOUNDARY,
            Policies=[
                Policy(
                    PolicyName="staging-platform",
                    PolicyDocument=policies.staging_platform_execution(),
                )
            ],
            Tags=ctx.tags("staging-platform-execution"),
        )
    )
    ctx.output("StagingPlatformExecutionRoleArn", GetAtt(role, "Arn"), export=False)
    return role


def _staging_boundary(
    ctx: Context,
    net: handles.Network,
    key: handles.Key,
    creds: handles.Secrets,
    buckets: handles.Buckets,
) -> None:
    ctx.add(
        ManagedPolicy(
            policies.STAGING_BOUNDARY_ID,
            # Named: the boundary's own statements name its ARN (policies.staging_boundary).
            ManagedPolicyName=Sub(policies.STAGING_BOUNDARY_NAME),
            Description="Permissions boundary of every role on the staging side",
            PolicyDocument=policies.staging_boundary(
                secret_arns=[creds.db_secret, creds.app_secret, creds.cache_secret],
                data_key_arn=key.key_arn,
                vpc_id=net.vpc_id,
                artifacts_bucket_arn=buckets.artifacts.arn,
                shared_names=[ctx.name(part) for part in SHARED_WITH_STAGING],
                ceiling=_staging_ceiling(ctx),
            ),
        )
    )
    ctx.output("StagingBoundaryArn", STAGING_BOUNDARY, export=False)


def _staging_ceiling(ctx: Context) -> tuple[list[str], list[str]]:
    """What the staging side's policies grant: the staging roles of this stack (their inline
    and managed policies) and every role and policy of the staging profile of this template
    (including the application boundary it publishes for the application's roles)."""
    # Imported here: templates/__init__.py imports this module.
    from templates import build_template

    resources = ctx.template.resources
    documents: list[Any] = []
    for lid in STAGING_ROLE_IDS:
        role = resources[lid]
        documents += [p.PolicyDocument for p in role.Policies]
        documents += [
            resources[m.data["Ref"]].PolicyDocument
            for m in role.properties.get("ManagedPolicyArns", [])
        ]
    encoded = [encode_to_dict(documents), build_template("staging").to_dict()]
    star, scoped = policies.identity_actions(encoded)
    scoped |= set(policies.RDS_MONITORING_ACTIONS) - star
    return sorted(star), sorted(scoped)


def _build_project(
    ctx: Context, key: handles.Key, buckets: handles.Buckets, shared: _SharedPolicies
) -> Project:
    log_group = monitoring.log_group(ctx, "BuildLogGroup", "build", key)
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
        # The application's code goes to the artifact bucket; its parameter files name the
        # platforms (the suffix of the contract's SSM paths) and where the code is.
        env=[
            _plain("ARTIFACT_BUCKET", buckets.artifacts.name),
            _plain("ENVIRONMENT_SUFFIX", Ref(SUFFIX_PARAM)),
        ],
    )


def _deploy_role(
    ctx: Context,
    stage: _Stage,
    log_group: LogGroup,
    managed: list[ManagedPolicy],
    boundary: Ref | None = None,
) -> Role:
    return _role(
        ctx,
        f"{stage.logical}Role",
        "codebuild.amazonaws.com",
        stage.part,
        managed=managed,
        inline=[
            Policy(
                PolicyName="deploy",
                PolicyDocument=policies.project_role(GetAtt(log_group, "Arn")),
            )
        ],
        boundary=boundary,
        # Select what the shared deploy policies let this role reach (policies.deploy_access).
        **{policies.STAGE_TAG: stage.stage, policies.TARGET_TAG: Sub(stage.target_suffix)},
    )


def _staging_project(
    ctx: Context,
    key: handles.Key,
    buckets: handles.Buckets,
    shared: _SharedPolicies,
    platform_role: Role,
) -> Project:
    """Creates or updates the staging platform, runs its bootstrap job, then deploys the
    application into it (buildspecs/deploy.yml). Bounded by StagingBoundary, out of the VPC,
    without any secret: nothing of production is within its reach."""
    log_group = monitoring.log_group(ctx, f"{STAGING.logical}LogGroup", STAGING.part, key)
    own = _managed(
        ctx,
        "DeployStagingPolicy",
        policies.deploy_staging(
            platform_role_arn=GetAtt(platform_role, "Arn"),
            artifacts_bucket_arn=buckets.artifacts.arn,
        ),
    )
    # Read-only: the staging job writes no pipeline artifact (its uploads: DeployStagingPolicy).
    artifacts = _managed(
        ctx,
        "StagingArtifactsPolicy",
        policies.staging_artifacts(artifacts_bucket_arn=buckets.artifacts.arn, key_arn=key.key_arn),
    )
    managed = [artifacts, shared.deploy_access, shared.health_check, own]
    role = _deploy_role(ctx, STAGING, log_group, managed, STAGING_BOUNDARY)
    return _project(
        ctx,
        f"{STAGING.logical}Project",
        STAGING.part,
        role=role,
        log_group=log_group,
        key=key,
        buildspec=DEPLOY_SPEC,
        env=[
            _plain("ENVIRONMENT_SUFFIX", Ref(SUFFIX_PARAM)),
            _plain("PLATFORM_STACK_NAME", Sub(policies.STAGING_PLATFORM_STACK)),
            _plain("STACK_NAME", Sub(STAGING.stack_name)),
            _plain("BOOTSTRAP_PROJECT", Sub(STAGING.bootstrap_project)),
            _plain("ARTIFACT_BUCKET", buckets.artifacts.name),
            # The staging platform's parameters: its code source and its roles' boundary.
            _plain("PIPELINE_KEY_ARN", key.key_arn),
            _plain("STAGING_BOUNDARY_ARN", STAGING_BOUNDARY),
            _plain("STAGING_PLATFORM_ROLE_ARN", GetAtt(platform_role, "Arn")),
        ],
    )


def _production_project(
    ctx: Context, key: handles.Key, buckets: handles.Buckets, shared: _SharedPolicies
) -> Project:
    """After the approval: production's bootstrap job, then exactly the reviewed change set
    (buildspecs/execute.yml). Out of the VPC, without any secret."""
    log_group = monitoring.log_group(ctx, f"{PRODUCTION.logical}LogGroup", PRODUCTION.part, key)
    managed = [shared.artifact_store, shared.deploy_access, shared.health_check]
    role = _deploy_role(ctx, PRODUCTION, log_group, managed)
    return _project(
        ctx,
        f"{PRODUCTION.logical}Project",
        PRODUCTION.part,
        role=role,
        log_group=log_group,
        key=key,
        buildspec=EXECUTE_SPEC,
        env=[
            _plain("STACK_NAME", Sub(PRODUCTION.stack_name)),
            _plain("BOOTSTRAP_PROJECT", Sub(PRODUCTION.bootstrap_project)),
            _plain("ARTIFACT_BUCKET", buckets.artifacts.name),
            # CloudFormation changes the application's resources with this role, not the
            # project's (the reviewed change set already names it).
            _plain("EXECUTION_ROLE_ARN", PRODUCTION_EXECUTION_ROLE_ARN),
        ],
    )


def _plan_project(
    ctx: Context, key: handles.Key, buckets: handles.Buckets, shared: _SharedPolicies
) -> Project:
    """Makes production's change set and stores its review before the approval; it cannot
    execute anything."""
    log_group = monitoring.log_group(ctx, "PlanProductionLogGroup", "plan-production", key)
    # Managed, as every CloudFormation grant here is: the stack grants are reviewed in one place.
    plan = _managed(
        ctx,
        "PlanProductionPolicy",
        policies.plan_production(
            execution_role_arn=PRODUCTION_EXECUTION_ROLE_ARN,
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
            _plain("EXECUTION_ROLE_ARN", PRODUCTION_EXECUTION_ROLE_ARN),
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
