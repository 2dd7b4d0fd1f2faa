"""Application delivery: the permissions boundary every application role must carry, one
CloudFormation execution role per stage, and the contract (SSM parameters) applications read.

Nothing in the pipeline may wait for the database or the cache (see pipeline.py): the boundary
and the execution roles, which the deploy roles' policy names, refer to the cache by its fixed
names and to nothing of the database. Only the contract parameters wait for both.
"""

from __future__ import annotations

from typing import Any

from troposphere import GetAtt, Ref, Sub
from troposphere.iam import ManagedPolicy, Policy, Role
from troposphere.ssm import Parameter

from templates import handles, policies
from templates.context import PROJECT, SUFFIX_PARAM, Context
from templates.contract import CONTRACT_KEYS
from templates.data import CACHE_APP_USER, DB_NAME


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
                # The DB secret until applications get a role and secret of their own.
                app_secret_arn=creds.db_secret,
                key_arn=key.key_arn,
                cache_connect_arns=cache_connect_arns(),
            ),
        )
    )
    arns = {
        stage: GetAtt(_execution_role(ctx, stage, boundary, code), "Arn")
        for stage in policies.EXECUTION_ROLE_IDS
    }
    values = {
        "vpc-id": net.vpc_id,
        "private-subnet-ids": net.private.id_csv,
        "app-security-group-id": groups.app,
        "app-secret-arn": creds.db_secret,
        "db-endpoint": database.endpoint,
        "db-port": database.port,
        "db-name": DB_NAME,
        "cache-endpoint": GetAtt(cache.logical_id, "PrimaryEndPoint.Address"),
        "cache-port": GetAtt(cache.logical_id, "PrimaryEndPoint.Port"),
        "cache-user": Context.name(CACHE_APP_USER),
        "key-arn": key.key_arn,
        "boundary-arn": Ref(boundary),
    }
    _contract(ctx, values)
    # Not exported: an import would lock this stack for as long as the importer exists.
    for stage, arn in arns.items():
        ctx.output(f"{stage.capitalize()}ExecutionRoleArn", arn, export=False)
    ctx.output("AppPermissionsBoundaryArn", Ref(boundary), export=False)
    return handles.Delivery(boundary_arn=Ref(boundary), execution_role_arns=arns)


def cache_connect_arns() -> list[Sub]:
    """The replication group and its application user, by their fixed names: a GetAtt would
    make the execution roles, and so the pipeline, wait for the cache."""
    arn = "arn:${AWS::Partition}:elasticache:${AWS::Region}:${AWS::AccountId}"
    return [
        Sub(f"{arn}:replicationgroup:${{Group}}", Group=Context.name("cache")),
        Sub(f"{arn}:user:${{User}}", User=Context.name(CACHE_APP_USER)),
    ]


def code_source_parameters(ctx: Context) -> handles.CodeSource:
    """A staging platform's application code comes from the production pipeline's bucket."""
    return handles.CodeSource(bucket_arn="", key_arn="")


def _execution_role(
    ctx: Context, stage: str, boundary: ManagedPolicy, code: handles.CodeSource
) -> Role:
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
                        boundary_arn=Ref(boundary),
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
