"""Application delivery: the permissions boundary every application role must carry, one
CloudFormation execution role per stage, and the contract (SSM parameters) applications read.

Nothing in the pipeline may wait for the database or the cache (see pipeline.py): the boundary
and the execution roles, which the deploy roles' policy names, refer to the cache by its fixed
names and to nothing of the database. Only the contract parameters wait for both.
"""

from __future__ import annotations

from typing import Any

from troposphere import Equals, GetAtt, If, Not, NoValue, Ref, Sub
from troposphere.iam import ManagedPolicy, Policy, Role
from troposphere.ssm import Parameter

from templates import handles, policies
from templates.context import PROJECT, SUFFIX_PARAM, Context
from templates.contract import CONTRACT_KEYS
from templates.data import CACHE_APP_USER, DB_NAME
from templates.parameters import GROUP_OPS

# A staging platform's parameters (code_source_parameters, _bound_every_role): the production
# platform's pipeline passes all three (buildspecs/deploy.yml).
APP_CODE_BUCKET = "AppCodeBucket"
APP_CODE_KEY = "AppCodeKeyArn"
BOUNDARY_PARAM = "PermissionsBoundaryArn"
BUCKET_PATTERN = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
KEY_ARN_PATTERN = r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]+$"
POLICY_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::\d{12}:policy/[\w+=,.@/-]+$"


def add_delivery(
    ctx: Context,
    net: handles.Network,
    groups: handles.SecurityGroups,
    key: handles.Key,
    creds: handles.Secrets,
    database: handles.Database,
    cache: handles.Cache,
    code: handles.CodeSource,
) -> handles.Delivery:
    boundary = ctx.add(
        ManagedPolicy(
            policies.BOUNDARY_ID,
            Description="Permissions boundary of every application IAM role",
            PolicyDocument=policies.app_boundary(
                app_secret_arn=creds.app_secret,
                key_arn=key.key_arn,
                cache_connect_arns=cache_connect_arns(),
            ),
        )
    )
    app_boundary: Any = Ref(boundary)
    given = _boundary_parameter(ctx) if not ctx.profile.pipeline else None
    if given:
        app_boundary = If(given[0], given[1], app_boundary)
    # One application stage per platform: staging's lives in the staging platform.
    stage = ctx.profile.app_stage
    arns = {stage: GetAtt(_execution_role(ctx, stage, app_boundary, code), "Arn")}
    values = {
        "vpc-id": net.vpc_id,
        "private-subnet-ids": net.private.id_csv,
        "app-security-group-id": groups.app,
        "app-secret-arn": creds.app_secret,
        "db-endpoint": database.endpoint,
        "db-port": database.port,
        "db-name": DB_NAME,
        "cache-endpoint": GetAtt(cache.logical_id, "PrimaryEndPoint.Address"),
        "cache-port": GetAtt(cache.logical_id, "PrimaryEndPoint.Port"),
        "cache-user": Context.name(CACHE_APP_USER),
        "key-arn": key.key_arn,
        "boundary-arn": app_boundary,
    }
    _contract(ctx, values)
    if given:
        _bound_every_role(ctx, *given)
    # Not exported: an import would lock this stack for as long as the importer exists.
    for stage, arn in arns.items():
        ctx.output(f"{stage.capitalize()}ExecutionRoleArn", arn, export=False)
    ctx.output("AppPermissionsBoundaryArn", app_boundary, export=False)
    return handles.Delivery(boundary_arn=app_boundary, execution_role_arns=arns)


def cache_connect_arns() -> list[Sub]:
    """The replication group and its application user, by their fixed names: a GetAtt would
    make the execution roles, and so the pipeline, wait for the cache."""
    arn = "arn:${AWS::Partition}:elasticache:${AWS::Region}:${AWS::AccountId}"
    return [
        Sub(f"{arn}:replicationgroup:${{Group}}", Group=Context.name("cache")),
        Sub(f"{arn}:user:${{User}}", User=Context.name(CACHE_APP_USER)),
    ]


def code_source_parameters(ctx: Context) -> handles.CodeSource:
    """A staging platform's application code comes from the production pipeline's bucket,
    encrypted with the pipeline's key (never production's data key)."""
    ctx.parameter(
        APP_CODE_BUCKET,
        group=GROUP_OPS,
        label="Application code bucket",
        Type="String",
        Description="The pipeline's artifact bucket, where application code is (the pipeline "
        "passes it)",
        AllowedPattern=BUCKET_PATTERN,
        ConstraintDescription="an S3 bucket name",
    )
    key = ctx.parameter(
        APP_CODE_KEY,
        group=GROUP_OPS,
        label="Application code key ARN",
        Type="String",
        Description="The pipeline key that encrypts the code (the pipeline passes it)",
        AllowedPattern=KEY_ARN_PATTERN,
        ConstraintDescription="a KMS key ARN",
    )
    return handles.CodeSource(
        bucket_arn=Sub(f"arn:${{AWS::Partition}}:s3:::${{{APP_CODE_BUCKET}}}"),
        key_arn=Ref(key),
    )


def _boundary_parameter(ctx: Context) -> tuple[str, Ref]:
    """A staging platform deployed by the pipeline: every role of the stack, and every role its
    applications create, carries the boundary the production platform owns (StagingBoundary),
    which denies everything of production. Returns the condition under which it is given, and
    the parameter."""
    param = ctx.parameter(
        BOUNDARY_PARAM,
        group=GROUP_OPS,
        label="Permissions boundary of every role (optional)",
        Type="String",
        Default="",
        Description="The production platform's StagingBoundary ARN (the pipeline passes it); "
        "empty: no boundary",
        AllowedPattern=f"^$|{POLICY_ARN_PATTERN}",
        ConstraintDescription="empty, or an IAM managed policy ARN",
    )
    return ctx.condition("HasPermissionsBoundary", Not(Equals(Ref(param), ""))), Ref(param)


def _bound_every_role(ctx: Context, given: str, boundary: Ref) -> None:
    """Called once every role of the stack is added."""
    for resource in ctx.template.resources.values():
        if resource.resource_type == "AWS::IAM::Role":
            resource.PermissionsBoundary = If(given, boundary, NoValue)


def _execution_role(ctx: Context, stage: str, boundary: Any, code: handles.CodeSource) -> Role:
    # Unnamed, as every role here: deploys need CAPABILITY_IAM only.
    return ctx.add(
        Role(
            policies.EXECUTION_ROLE_IDS[stage],
            Description=f"CloudFormation for the {stage} application stack",
            AssumeRolePolicyDocument=policies.execution_trust(),
            Policies=[
                Policy(
                    PolicyName="execution",
                    PolicyDocument=policies.execution_role(
                        stage=stage,
                        boundary_arn=boundary,
                        artifacts_bucket_arn=code.bucket_arn,
                        key_arn=code.key_arn,
                    ),
                )
            ],
            # The deploy role of the same Stage may pass it (policies.pass_execution_role).
            Tags=ctx.tags(f"{stage}-execution", **{policies.STAGE_TAG: stage}),
        )
    )


def _contract(ctx: Context, values: dict[str, Any]) -> None:
    """One SSM parameter per contract key, `/edu/<suffix>/<key>`."""
    keys = {k.key for k in CONTRACT_KEYS}
    if set(values) != keys:
        raise ValueError(f"contract values {sorted(values)} do not match the keys {sorted(keys)}")
    for spec in CONTRACT_KEYS:
        ctx.add(
            Parameter(
                f"Contract{spec.camel}",
                Name=Sub(spec.path(f"${{{SUFFIX_PARAM}}}")),
                Type=spec.ssm_type,
                Value=values[spec.key],
                Description=spec.description,
                # AWS::SSM::Parameter takes its tags as a map, not a list.
                Tags={
                    "Environment": Ref(SUFFIX_PARAM),
                    "Project": PROJECT,
                    "Name": Context.name(f"contract-{spec.key}"),
                },
            )
        )
