"""The database bootstrap job: a CodeBuild project inside the VPC that signs in with the
master secret and creates or updates the application's role and database (dbbootstrap/job.py).

It is the only principal of this template that may read the master secret (the hosted rotation
functions, created by the Secrets Manager transform, are the others). Every platform stack has
its own, named `edu-db-bootstrap-<suffix>`, so that the pipeline can start the staging
platform's and the production platform's job by name and wait for it; an operator starts it the
same way (`buildspecs/bootstrap.sh edu-db-bootstrap-<suffix>`). Its source is its buildspec:
nothing comes from the pipeline's artifacts, so it needs neither their bucket nor their key.
"""

from __future__ import annotations

from typing import Any

from awacs import ec2, kms, secretsmanager
from awacs.aws import Allow, ArnEquals, Condition, Statement, StringEquals
from troposphere import GetAtt, Ref, Sub
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
from troposphere.iam import Policy, Role
from troposphere.logs import LogGroup

from dbbootstrap.buildspec import IMAGE, JOB_ENV, buildspec
from templates import handles, monitoring, policies
from templates.context import Context
from templates.data import DB_NAME

PROJECT_ID = "DbBootstrapProject"
ROLE_ID = "DbBootstrapRole"
LOG_GROUP_ID = "DbBootstrapLogGroup"
PART = "db-bootstrap"
# pip, the CA bundle and a few statements: minutes. A hung connection must not hold the
# pipeline for CodeBuild's default hour.
TIMEOUT_MINUTES = 15


def add_bootstrap(
    ctx: Context,
    net: handles.Network,
    groups: handles.SecurityGroups,
    key: handles.Key,
    creds: handles.Secrets,
    database: handles.Database,
) -> handles.Bootstrap:
    log_group = monitoring.log_group(ctx, LOG_GROUP_ID, PART, key)
    role = ctx.add(
        Role(
            ROLE_ID,
            Description="The database bootstrap job: the master secret, inside the VPC",
            AssumeRolePolicyDocument=policies.trust("codebuild.amazonaws.com"),
            Policies=[
                Policy(
                    PolicyName="bootstrap",
                    PolicyDocument=bootstrap_role(
                        log_group_arn=GetAtt(log_group, "Arn"),
                        secret_arns=[creds.db_secret, creds.app_secret],
                        key_arn=key.key_arn,
                        vpc_id=net.vpc_id,
                    ),
                )
            ],
            Tags=ctx.tags(PART),
        )
    )
    name = ctx.name(PART)
    _project(ctx, name, role, log_group, net, groups, key, creds)
    ctx.output("DbBootstrapProjectName", name, "Run after each deploy: creates the app's DB role")
    return handles.Bootstrap(project_name=name)


def _project(
    ctx: Context,
    name: Sub,
    role: Role,
    log_group: LogGroup,
    net: handles.Network,
    groups: handles.SecurityGroups,
    key: handles.Key,
    creds: handles.Secrets,
) -> None:
    ctx.add(
        Project(
            PROJECT_ID,
            # Named: the pipeline starts the staging and production platforms' jobs by name.
            Name=name,
            Description="Creates or updates the application's database role (idempotent)",
            ServiceRole=GetAtt(role, "Arn"),
            EncryptionKey=key.key_arn,
            Artifacts=Artifacts(Type="NO_ARTIFACTS"),
            Source=Source(Type="NO_SOURCE", BuildSpec=buildspec()),
            Environment=Environment(
                ComputeType="BUILD_GENERAL1_SMALL",
                Image=IMAGE,
                Type="LINUX_CONTAINER",
                # ARNs and a name, never a password: the job reads both secrets itself.
                EnvironmentVariables=[
                    EnvironmentVariable(Name=name, Value=value)
                    for name, value in zip(
                        JOB_ENV, (creds.db_secret, creds.app_secret, DB_NAME), strict=True
                    )
                ],
            ),
            VpcConfig=VpcConfig(
                VpcId=net.vpc_id,
                Subnets=net.private.id_list,
                SecurityGroupIds=[groups.bootstrap],
            ),
            TimeoutInMinutes=TIMEOUT_MINUTES,
            LogsConfig=LogsConfig(
                CloudWatchLogs=CloudWatchLogs(Status="ENABLED", GroupName=Ref(log_group))
            ),
            Tags=ctx.tags(PART),
        )
    )


def bootstrap_role(*, log_group_arn: Any, secret_arns: list[Any], key_arn: Any, vpc_id: Any) -> Any:
    """Its log group, the two secrets (decrypted through Secrets Manager only), and the network
    interface CodeBuild places in the VPC for it. Nothing else: no bucket, no other secret."""
    return policies.identity_document(
        policies.log_group_writes(log_group_arn),
        Statement(
            Sid="MasterAndAppSecrets",
            Effect=Allow,
            Action=[secretsmanager.GetSecretValue],
            Resource=secret_arns,
        ),
        Statement(
            Sid="DecryptSecrets",
            Effect=Allow,
            Action=[kms.Decrypt],
            Resource=[key_arn],
            Condition=Condition(
                StringEquals({"kms:ViaService": Sub("secretsmanager.${AWS::Region}.amazonaws.com")})
            ),
        ),
        *_codebuild_in_vpc(vpc_id),
    )


def _codebuild_in_vpc(vpc_id: Any) -> list[Statement]:
    """What CodeBuild needs to place a build in the VPC (CodeBuild user guide, "Allow CodeBuild
    access to AWS services required to create a VPC network interface")."""
    return [
        # Describe* calls have no resource-level permission in EC2: Resource must be "*".
        Statement(
            Sid="DescribeNetwork",
            Effect=Allow,
            Action=[
                ec2.DescribeDhcpOptions,
                ec2.DescribeNetworkInterfaces,
                ec2.DescribeSecurityGroups,
                ec2.DescribeSubnets,
                ec2.DescribeVpcs,
            ],
            Resource=["*"],
        ),
        # The ENI's ID is generated at build time, so only this account and region can be named.
        Statement(
            Sid="NetworkInterfaces",
            Effect=Allow,
            Action=[ec2.CreateNetworkInterface, ec2.DeleteNetworkInterface],
            Resource=[
                policies.ec2_arn("network-interface/*"),
                policies.ec2_arn("subnet/*"),
                policies.ec2_arn("security-group/*"),
            ],
        ),
        Statement(
            Sid="NetworkInterfacePermission",
            Effect=Allow,
            Action=[ec2.CreateNetworkInterfacePermission],
            Resource=[policies.ec2_arn("network-interface/*")],
            Condition=Condition(
                [
                    StringEquals({"ec2:AuthorizedService": "codebuild.amazonaws.com"}),
                    ArnEquals({"ec2:Vpc": policies.vpc_arn(vpc_id)}),
                ]
            ),
        ),
    ]
