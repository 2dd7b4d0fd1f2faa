"""Pure awacs builders for the policy documents (CI/CD, application delivery): no troposphere
resources here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from awacs import (
    awslambda,
    cloudformation,
    cloudwatch,
    codebuild,
    codeconnections,
    codepipeline,
    codestar_connections,
    ec2,
    elasticache,
    iam,
    kms,
    logs,
    s3,
    secretsmanager,
    sns,
    ssm,
    sts,
)
from awacs.aws import (
    Action,
    Allow,
    ArnEquals,
    ArnLike,
    Bool,
    Condition,
    Deny,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
    StringNotEquals,
)
from troposphere import GetAtt, Ref, Sub

from templates.context import SUFFIX_PARAM
from templates.contract import PREFIX as CONTRACT_PREFIX

# Each function returns one document, scoped to this stack's own resources. A statement with
# `Resource: "*"` appears only where AWS offers no resource-level permission for its actions, with
# a comment saying so; tests/templates/test_build_iam.py holds the allow-list and fails on
# anything else.

VERSION = "2012-10-17"
ACCOUNT = Ref("AWS::AccountId")

# Every client of an SSE-KMS bucket or of the encrypted artifact store needs these on the key.
KEY_USE = [kms.Decrypt, kms.Encrypt, kms.GenerateDataKey, kms.DescribeKey]


def sub_expr(value: Any) -> str | None:
    """`value` as a `${...}` Sub expression when it is a plain Ref or GetAtt, else None.

    `Sub("${Bucket.Arn}/*")` is the form one writes by hand, and reads better in the template
    and in its diffs than `Sub("${B}/*", B=GetAtt(...))`.
    """
    if isinstance(value, Ref):
        return f"${{{value.data['Ref']}}}"
    if isinstance(value, GetAtt):
        logical, attribute = value.data["Fn::GetAtt"]
        return f"${{{logical}.{attribute}}}"
    if isinstance(value, Sub) and isinstance(value.data["Fn::Sub"], str):
        # A Sub without variables: its text extends the same way.
        text: str = value.data["Fn::Sub"]
        return text
    return None


def objects(bucket_arn: Any) -> Sub:
    """The ARN pattern of every object in a bucket."""
    expr = sub_expr(bucket_arn)
    return Sub(f"{expr}/*") if expr else Sub("${Bucket}/*", Bucket=bucket_arn)


def _doc(*statements: Statement) -> PolicyDocument:
    return PolicyDocument(Version=VERSION, Statement=list(statements))


def identity_document(*statements: Statement) -> PolicyDocument:
    """An identity policy: one statement per purpose, as the builders below write them."""
    return _doc(*statements)


# -- resource policies ----------------------------------------------------------------------


def deny_insecure_transport(bucket_arn: Any) -> Statement:
    # A Deny may name the whole service: widening a deny only takes power away, and any action
    # left out of an explicit list would stay reachable over plain HTTP.
    return Statement(
        Effect=Deny,
        Principal=Principal("*"),
        Action=[s3.Action("*")],
        Resource=[bucket_arn, objects(bucket_arn)],
        Condition=Condition(Bool({"aws:SecureTransport": "false"})),
    )


def bucket_policy(bucket_arn: Any) -> PolicyDocument:
    """Source and artifact buckets: TLS only. Access comes from identity policies."""
    return _doc(deny_insecure_transport(bucket_arn))


def log_bucket_policy(bucket_arn: Any, source_bucket_arns: Sequence[Any]) -> PolicyDocument:
    """The access-log target: S3 log delivery may write, only for this account's buckets."""
    delivery = Statement(
        Effect=Allow,
        Principal=Principal("Service", "logging.s3.amazonaws.com"),
        Action=[s3.PutObject],
        Resource=[objects(bucket_arn)],
        Condition=Condition(
            [
                ArnLike({"aws:SourceArn": list(source_bucket_arns)}),
                StringEquals({"aws:SourceAccount": ACCOUNT}),
            ]
        ),
    )
    return _doc(delivery, deny_insecure_transport(bucket_arn))


# -- trust policies -------------------------------------------------------------------------


def trust(service: str, condition: Condition | None = None) -> PolicyDocument:
    """Lets one AWS service assume the role, on the condition given (a confused-deputy guard
    for services that act for any account). Passing the role to that service still needs
    iam:PassRole in this account, which keeps other accounts out."""
    statement = Statement(
        Effect=Allow,
        Principal=Principal("Service", service),
        Action=[sts.AssumeRole],
    )
    if condition is not None:
        statement.Condition = condition
    return _doc(statement)


# -- identity policies ----------------------------------------------------------------------
#
# Grants shared by several roles live in managed policies: one copy to review, and one
# attachment per role against IAM's quotas; what is particular to one role stays inline in it.


def artifact_store(*, artifacts_bucket_arn: Any, key_arn: Any) -> PolicyDocument:
    """The pipeline and every project: read and write the encrypted artifact store."""
    return identity_document(
        Statement(
            Effect=Allow,
            Action=[s3.GetObject, s3.GetObjectVersion, s3.PutObject],
            Resource=[objects(artifacts_bucket_arn)],
        ),
        Statement(
            Effect=Allow,
            # ListBucket: deploy.py's head_bucket before uploading a large template.
            Action=[s3.GetBucketAcl, s3.GetBucketLocation, s3.GetBucketVersioning, s3.ListBucket],
            Resource=[artifacts_bucket_arn],
        ),
        Statement(Effect=Allow, Action=KEY_USE, Resource=[key_arn]),
    )


def pipeline_role(
    *, source_bucket_arn: Any, project_arns: Sequence[Any], topic_arn: Any
) -> PolicyDocument:
    """CodePipeline: read the source bundle, run the three projects, and notify the topic when
    an approval is pending (the artifact store comes from `artifact_store`)."""
    return identity_document(
        Statement(
            Effect=Allow,
            Action=[s3.GetObject, s3.GetObjectVersion],
            Resource=[objects(source_bucket_arn)],
        ),
        Statement(
            Effect=Allow,
            Action=[s3.GetBucketVersioning, s3.GetBucketLocation],
            Resource=[source_bucket_arn],
        ),
        Statement(
            Effect=Allow,
            Action=[codebuild.StartBuild, codebuild.BatchGetBuilds],
            Resource=list(project_arns),
        ),
        Statement(Effect=Allow, Action=[sns.Publish], Resource=[topic_arn]),
    )


def connection_use(connection_arn: Any) -> PolicyDocument:
    """CodePipeline's use of the CodeConnections source, on that one connection. Both service
    prefixes: a connection made before the CodeStar Connections rename carries the
    codestar-connections ARN, one made after it the codeconnections ARN."""
    return identity_document(
        Statement(
            Effect=Allow,
            Action=[codestar_connections.UseConnection, codeconnections.UseConnection],
            Resource=[connection_arn],
        )
    )


def start_pipeline_role(pipeline_arn: Any) -> PolicyDocument:
    """EventBridge: start this one pipeline, nothing else."""
    return identity_document(
        Statement(
            Effect=Allow,
            Action=[codepipeline.StartPipelineExecution],
            Resource=[pipeline_arn],
        )
    )


# Exactly the calls deploy.py makes for `deploy` (stackops/engine.py, protection.py): change
# sets, progress, stack policy around execution, termination protection, and recovery on
# interrupt or failed rollback.
DEPLOY_STACK_ACTIONS = [
    cloudformation.CancelUpdateStack,
    cloudformation.ContinueUpdateRollback,
    cloudformation.CreateChangeSet,
    cloudformation.DeleteChangeSet,
    cloudformation.DescribeChangeSet,
    cloudformation.DescribeStackEvents,
    cloudformation.DescribeStacks,
    cloudformation.ExecuteChangeSet,
    cloudformation.GetStackPolicy,
    cloudformation.GetTemplate,
    cloudformation.ListStackResources,
    cloudformation.SetStackPolicy,
    cloudformation.UpdateTerminationProtection,
]
# The role tag that names a deploy role's one target stage (see deploy_access).
STAGE_TAG = "Stage"


def project_role(log_group_arn: Any) -> PolicyDocument:
    """One project's own grant: its log group."""
    return identity_document(log_group_writes(log_group_arn))


def log_group_writes(log_group_arn: Any) -> Statement:
    """A job writes its own log group (the group's Arn attribute ends in ":*", which covers
    its log streams)."""
    return Statement(
        Effect=Allow,
        Action=[logs.CreateLogStream, logs.PutLogEvents],
        Resource=[log_group_arn],
    )


def deploy_stack_arn(stage: str) -> str:
    """The Sub text of the ARN of one stage's application stack on this platform."""
    return _stack_arn(f"edu-app-{stage}-${{{SUFFIX_PARAM}}}")


def ec2_arn(resource: str, **variables: Any) -> Sub:
    """An EC2 resource of this account and region."""
    return Sub(
        f"arn:${{AWS::Partition}}:ec2:${{AWS::Region}}:${{AWS::AccountId}}:{resource}", **variables
    )


def vpc_arn(vpc_id: Any) -> Sub:
    expr = sub_expr(vpc_id)
    return ec2_arn(f"vpc/{expr}") if expr else ec2_arn("vpc/${Vpc}", Vpc=vpc_id)


# The deploy roles' tag naming the EnvironmentSuffix of the platform their stage deploys into:
# `<suffix>-stg` for staging (its own platform stack), `<suffix>` for production (this stack).
TARGET_TAG = "TargetEnvironment"
# deploy.py uploads a template over CloudFormation's 51,200-byte limit here (stackops/aws/uploads.py
# KEY_PREFIX) when given --artifact-bucket.
TEMPLATE_UPLOAD_PREFIX = "cfn-templates/"


def _principal_tag(tag: str) -> str:
    return f"${{!aws:PrincipalTag/{tag}}}"


def deploy_access() -> PolicyDocument:
    """Both deploy projects: deploy their own stage's application stack through that stage's
    execution role, run the target platform's database bootstrap job and read its contract.

    Every statement takes its target from the calling role's tags, `Stage` (staging,
    production) and `TargetEnvironment` (the target platform's suffix), so this one policy,
    attached to both roles, names nothing of either stage: the staging role reaches only the
    staging platform's (`<suffix>-stg`) things and the production role only production's. A
    principal without the tags matches nothing; neither role may retag itself. No secret, no
    VPC: the deploy projects run outside the VPC and hold no credential of a database.
    """
    stage, target = _principal_tag(STAGE_TAG), _principal_tag(TARGET_TAG)
    return identity_document(
        Statement(
            Sid="OwnStageApplicationStack",
            Effect=Allow,
            Action=DEPLOY_STACK_ACTIONS,
            Resource=[Sub(_stack_arn(f"edu-app-{stage}-{target}"))],
        ),
        pass_execution_role(),
        Statement(
            Sid="RunTargetBootstrap",
            Effect=Allow,
            Action=[codebuild.StartBuild, codebuild.BatchGetBuilds],
            Resource=[_arn("codebuild", f"project/edu-db-bootstrap-{target}")],
        ),
        # CloudFormation resolves an application's `AWS::SSM::Parameter::Value<...>` parameters
        # with the caller's permissions when the change set is made; the contract's values are
        # no secret.
        Statement(
            Sid="ReadTargetContract",
            Effect=Allow,
            Action=[ssm.GetParameters, ssm.GetParameter],
            Resource=[_arn("ssm", f"parameter{CONTRACT_PREFIX}/{target}/*")],
        ),
    )


def _stack_arn(name: str) -> str:
    return (
        "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/"
        f"{name}/*"
    )


# -- application delivery -------------------------------------------------------------------

# What `deploy.py plan --keep-change-set` calls on the production application stack: make and
# read the change set, read the stack and its events, template, resources and policy for the
# review, and delete the change set again when the plan fails or is interrupted. No
# ExecuteChangeSet: executing is the DeployProduction project's, after the approval.
PLAN_STACK_ACTIONS = [
    cloudformation.CreateChangeSet,
    cloudformation.DeleteChangeSet,
    cloudformation.DescribeChangeSet,
    cloudformation.DescribeEvents,
    cloudformation.DescribeStackEvents,
    cloudformation.DescribeStacks,
    cloudformation.GetStackPolicy,
    cloudformation.GetTemplate,
    cloudformation.ListStackResources,
]


def ssm_parameter_arn(path: str) -> Sub:
    """The ARN of an SSM parameter (or, ending in `*`, of a path) given with a leading `/`."""
    return Sub(f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{path}")


def pass_to_cloudformation(role_arn: Any) -> Statement:
    """iam:PassRole on one CloudFormation service role, to CloudFormation only."""
    return Statement(
        Effect=Allow,
        Action=[iam.PassRole],
        Resource=[role_arn],
        Condition=Condition(StringEquals({"iam:PassedToService": "cloudformation.amazonaws.com"})),
    )


def plan_production(
    *, execution_role_arn: Any, contract_path: str, rollback_alarms_path: str
) -> PolicyDocument:
    """The production plan project: a change set on the production application stack only, made
    with the production execution role; the platform contract's parameters, which CloudFormation
    resolves with the caller's permissions, and the rollback alarms' list, which CodeBuild
    resolves into the project's environment. Reviews go to the artifact store
    (`artifact_store`)."""
    return identity_document(
        Statement(
            Effect=Allow,
            Action=PLAN_STACK_ACTIONS,
            Resource=[Sub(deploy_stack_arn("production"))],
        ),
        pass_to_cloudformation(execution_role_arn),
        Statement(
            Effect=Allow,
            Action=[ssm.GetParameters],
            Resource=[ssm_parameter_arn(contract_path), ssm_parameter_arn(rollback_alarms_path)],
        ),
    )


# -- application delivery: CloudFormation execution roles and the permissions boundary -------
#
# An application stack is deployed by CloudFormation acting as its stage's execution role, not
# with the deploy role's credentials: the deploy role may only pass that role to CloudFormation,
# and the execution role may only create the resource types an application on this platform
# needs, named after the stage's application stack. Every IAM role it creates must carry the
# boundary, so no application template can grant its code more than the boundary allows.

# Fixed logical IDs: the deploy roles' policy names the execution roles by them, so that the
# pipeline's call needs no new handle (templates/delivery.py creates them).
EXECUTION_ROLE_IDS = {"staging": "StagingExecutionRole", "production": "ProductionExecutionRole"}
BOUNDARY_ID = "AppPermissionsBoundary"
# Where application code (Lambda zips) lies in the artifact bucket: the only objects the
# execution roles may read.
APP_CODE_PREFIX = "app-code/"
# The `iam:` actions that write a role's permissions: allowed only with the boundary in place.
ROLE_WRITE_ACTIONS = [
    iam.CreateRole,
    iam.PutRolePolicy,
    iam.AttachRolePolicy,
    iam.DeleteRolePolicy,
    iam.DetachRolePolicy,
    iam.PutRolePermissionsBoundary,
]


def app_stack_name(stage: str) -> str:
    """The Sub text of one stage's application stack name (`_Stage.stack_name` in pipeline.py)."""
    return f"edu-app-{stage}-${{{SUFFIX_PARAM}}}"


def _app_names(stage: str) -> str:
    # CloudFormation names an unnamed resource `<stack>-<logical ID>-<random>`, so the stack's
    # resources start with its name and a hyphen; a named resource must follow the same rule.
    return f"{app_stack_name(stage)}-*"


def _arn(service: str, resource: str) -> Sub:
    return Sub(f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}")


def _role_arn(name: str) -> Sub:
    return Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{name}")


def _contract_arn() -> Sub:
    return _arn("ssm", f"parameter{CONTRACT_PREFIX}/${{{SUFFIX_PARAM}}}/*")


def read_contract() -> Statement:
    """The platform's contract parameters (`/edu/<suffix>/*`), read only."""
    return Statement(
        Sid="ReadContract",
        Effect=Allow,
        Action=[ssm.GetParameters, ssm.GetParameter],
        Resource=[_contract_arn()],
    )


def pass_execution_role() -> Statement:
    """A deploy role may hand its own stage's execution role to CloudFormation, and nothing else.

    Both roles share this statement (in DeployAccessPolicy). The execution roles are unnamed and
    the staging one lives in the staging platform stack, so the ARN cannot name them: the
    condition does, by the tags each carries, `Stage` and `Environment` (the suffix of the
    platform that made it), which must equal the calling role's `Stage` and `TargetEnvironment`.
    The staging deploy role therefore cannot pass production's execution role (and the
    staging boundary denies anything tagged with production's suffix besides). Neither may
    retag a role.
    """
    return Statement(
        Sid="PassOwnStageExecutionRole",
        Effect=Allow,
        Action=[iam.PassRole],
        Resource=[_role_arn("*")],
        Condition=Condition(
            StringEquals(
                {
                    "iam:PassedToService": "cloudformation.amazonaws.com",
                    f"aws:ResourceTag/{STAGE_TAG}": f"${{aws:PrincipalTag/{STAGE_TAG}}}",
                    "aws:ResourceTag/Environment": f"${{aws:PrincipalTag/{TARGET_TAG}}}",
                }
            )
        ),
    )


def execution_trust() -> PolicyDocument:
    """CloudFormation only, and only on behalf of this account (a confused-deputy guard)."""
    return trust(
        "cloudformation.amazonaws.com",
        Condition(StringEquals({"aws:SourceAccount": ACCOUNT})),
    )


# The AWS::Lambda::Function, ::Permission, ::Version, ::Alias and ::EventInvokeConfig handlers'
# calls, on the stage's own functions (a version or alias ARN is the function's plus a suffix).
LAMBDA_ACTIONS = [
    awslambda.CreateFunction,
    awslambda.DeleteFunction,
    awslambda.GetFunction,
    awslambda.GetFunctionConfiguration,
    awslambda.UpdateFunctionCode,
    awslambda.UpdateFunctionConfiguration,
    awslambda.GetFunctionCodeSigningConfig,
    awslambda.GetRuntimeManagementConfig,
    awslambda.PutRuntimeManagementConfig,
    awslambda.GetFunctionRecursionConfig,
    awslambda.PutFunctionRecursionConfig,
    awslambda.GetFunctionScalingConfig,
    awslambda.GetProvisionedConcurrencyConfig,
    awslambda.GetFunctionConcurrency,
    awslambda.PutFunctionConcurrency,
    awslambda.DeleteFunctionConcurrency,
    awslambda.AddPermission,
    awslambda.RemovePermission,
    awslambda.GetPolicy,
    awslambda.PublishVersion,
    awslambda.ListVersionsByFunction,
    awslambda.CreateAlias,
    awslambda.UpdateAlias,
    awslambda.DeleteAlias,
    awslambda.GetAlias,
    awslambda.ListAliases,
    awslambda.PutFunctionEventInvokeConfig,
    awslambda.UpdateFunctionEventInvokeConfig,
    awslambda.DeleteFunctionEventInvokeConfig,
    awslambda.GetFunctionEventInvokeConfig,
    awslambda.TagResource,
    awslambda.UntagResource,
    awslambda.ListTags,
]
# What the AWS::IAM::Role handler calls besides the role-writing actions, which need the boundary.
ROLE_LIFECYCLE_ACTIONS = [
    iam.GetRole,
    iam.DeleteRole,
    iam.UpdateRole,
    iam.UpdateRoleDescription,
    iam.UpdateAssumeRolePolicy,
    iam.GetRolePolicy,
    iam.ListRolePolicies,
    iam.ListAttachedRolePolicies,
    iam.TagRole,
    iam.UntagRole,
    iam.ListRoleTags,
]
LOG_GROUP_ACTIONS = [
    logs.CreateLogGroup,
    logs.DeleteLogGroup,
    logs.PutRetentionPolicy,
    logs.DeleteRetentionPolicy,
    logs.AssociateKmsKey,
    logs.DisassociateKmsKey,
    logs.TagResource,
    logs.UntagResource,
    logs.ListTagsForResource,
    logs.TagLogGroup,
    logs.UntagLogGroup,
    logs.ListTagsLogGroup,
    logs.GetDataProtectionPolicy,
    logs.DescribeIndexPolicies,
]
ALARM_ACTIONS = [
    cloudwatch.PutMetricAlarm,
    cloudwatch.DeleteAlarms,
    cloudwatch.DescribeAlarms,
    cloudwatch.TagResource,
    cloudwatch.UntagResource,
    cloudwatch.ListTagsForResource,
]
# Lambda validates a function's VpcConfig with the caller's credentials.
VPC_VALIDATION_ACTIONS = [ec2.DescribeSecurityGroups, ec2.DescribeSubnets, ec2.DescribeVpcs]


def execution_role(
    *, stage: str, boundary_arn: Any, artifacts_bucket_arn: Any, key_arn: Any
) -> PolicyDocument:
    """What CloudFormation may do for one stage's application stack (docs/pipeline.md,
    "Execution roles and the boundary", lists each statement by its Sid)."""
    names = _app_names(stage)
    roles = _role_arn(names)
    bucket = sub_expr(artifacts_bucket_arn)
    code = Sub(f"{bucket}/{APP_CODE_PREFIX}*") if bucket else objects(artifacts_bucket_arn)
    return identity_document(
        Statement(
            Sid="LambdaFunctions",
            Effect=Allow,
            Action=LAMBDA_ACTIONS,
            Resource=[_arn("lambda", f"function:{names}")],
        ),
        _pass_app_roles(roles),
        Statement(Sid="AppRoles", Effect=Allow, Action=ROLE_LIFECYCLE_ACTIONS, Resource=[roles]),
        Statement(
            Sid="AppRolesBounded",
            Effect=Allow,
            Action=ROLE_WRITE_ACTIONS,
            Resource=[roles],
            Condition=Condition(StringEquals({"iam:PermissionsBoundary": boundary_arn})),
        ),
        Statement(
            Sid="KeepTheBoundary",
            Effect=Deny,
            Action=[iam.DeleteRolePermissionsBoundary],
            Resource=["*"],
        ),
        *_execution_logs_and_alarms(names),
        read_contract(),
        *_read_code(code, key_arn),
        # EC2 Describe* calls have no resource-level permission: Resource must be "*".
        Statement(
            Sid="ValidateVpcConfig", Effect=Allow, Action=VPC_VALIDATION_ACTIONS, Resource=["*"]
        ),
    )


def health_check() -> PolicyDocument:
    """Both deploy projects: invoke their own stage's health check after a deploy,
    `edu-app-<stage>-<target suffix>-health`, keyed like `deploy_access` by the role's tags."""
    function = (
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
        f"edu-app-{_principal_tag(STAGE_TAG)}-{_principal_tag(TARGET_TAG)}-health"
    )
    return identity_document(
        Statement(Effect=Allow, Action=[awslambda.InvokeFunction], Resource=[Sub(function)])
    )


def _pass_app_roles(roles: Sub) -> Statement:
    # A function's execution role: the stage's own (bounded) roles, to Lambda only.
    return Statement(
        Sid="PassAppRolesToLambda",
        Effect=Allow,
        Action=[iam.PassRole],
        Resource=[roles],
        Condition=Condition(StringEquals({"iam:PassedToService": "lambda.amazonaws.com"})),
    )


def _execution_logs_and_alarms(names: str) -> list[Statement]:
    return [
        Statement(
            Sid="LogGroups",
            Effect=Allow,
            Action=LOG_GROUP_ACTIONS,
            Resource=[_arn("logs", f"log-group:/aws/lambda/{names}")],
        ),
        _find_log_groups(),
        Statement(
            Sid="Alarms",
            Effect=Allow,
            Action=ALARM_ACTIONS,
            Resource=[_arn("cloudwatch", f"alarm:{names}")],
        ),
    ]


def _find_log_groups() -> Statement:
    """The log group handler's reads: neither call has a resource-level permission, so
    Resource must be "*". They list names, settings and policies, no log data."""
    return Statement(
        Sid="FindLogGroups",
        Effect=Allow,
        Action=[logs.DescribeLogGroups, logs.DescribeResourcePolicies],
        Resource=["*"],
    )


def _read_code(code: Any, key_arn: Any) -> list[Statement]:
    # Lambda fetches a function's zip from S3 with the caller's credentials, through the
    # bucket's SSE-KMS key.
    return [
        Statement(
            Sid="ReadAppCode",
            Effect=Allow,
            Action=[s3.GetObject, s3.GetObjectVersion],
            Resource=[code],
        ),
        Statement(
            Sid="DecryptAppCode",
            Effect=Allow,
            Action=[kms.Decrypt],
            Resource=[key_arn],
            Condition=Condition(
                StringEquals({"kms:ViaService": Sub("s3.${AWS::Region}.amazonaws.com")})
            ),
        ),
    ]


# Key administration: what no application may do to the platform key, whatever its role says.
KEY_ADMIN_ACTIONS = [
    kms.CancelKeyDeletion,
    kms.CreateAlias,
    kms.CreateGrant,
    kms.DeleteAlias,
    kms.DeleteImportedKeyMaterial,
    kms.DisableKey,
    kms.DisableKeyRotation,
    kms.EnableKey,
    kms.EnableKeyRotation,
    kms.ImportKeyMaterial,
    kms.PutKeyPolicy,
    kms.RevokeGrant,
    kms.ScheduleKeyDeletion,
    kms.TagResource,
    kms.UntagResource,
    kms.UpdateAlias,
    kms.UpdateKeyDescription,
]
# A VPC Lambda's network interfaces, which Lambda manages with the function's own role (Lambda
# developer guide, "Giving Lambda functions access to resources in an Amazon VPC").
ENI_ACTIONS = [
    ec2.CreateNetworkInterface,
    ec2.DeleteNetworkInterface,
    ec2.AssignPrivateIpAddresses,
    ec2.UnassignPrivateIpAddresses,
]
ENI_DESCRIBE_ACTIONS = [ec2.DescribeNetworkInterfaces, ec2.DescribeSubnets]


def app_boundary(
    *, app_secret_arn: Any, key_arn: Any, cache_connect_arns: Sequence[Any]
) -> PolicyDocument:
    """The most any application role may do, whatever its own policies say: run in the VPC, log
    to its stage's log groups, read its one secret and sign in to the cache. An allow here grants
    nothing by itself; the role's own policy must allow it too."""
    log_groups = [
        _arn("logs", f"log-group:/aws/lambda/{_app_names(stage)}") for stage in EXECUTION_ROLE_IDS
    ]
    return identity_document(
        Statement(
            Sid="AppLogs",
            Effect=Allow,
            Action=[logs.CreateLogStream, logs.PutLogEvents],
            Resource=log_groups,
        ),
        Statement(
            Sid="AppSecret",
            Effect=Allow,
            Action=[secretsmanager.GetSecretValue],
            Resource=[app_secret_arn],
        ),
        Statement(
            Sid="AppKeyUse",
            Effect=Allow,
            Action=[kms.Decrypt],
            Resource=[key_arn],
            Condition=Condition(StringEquals({"kms:ViaService": _via(["secretsmanager", "logs"])})),
        ),
        Statement(
            Sid="AppCache",
            Effect=Allow,
            Action=[elasticache.Connect],
            Resource=list(cache_connect_arns),
        ),
        *_app_network_interfaces(),
        *_app_denials(app_secret_arn),
    )


def _via(services: Sequence[str]) -> list[Sub]:
    return [Sub(f"{service}.${{AWS::Region}}.amazonaws.com") for service in services]


def _app_network_interfaces() -> list[Statement]:
    return [
        # Describe* calls have no resource-level permission in EC2: Resource must be "*".
        Statement(Sid="AppEniDescribe", Effect=Allow, Action=ENI_DESCRIBE_ACTIONS, Resource=["*"]),
        # The ENI's ID is generated when Lambda creates it: only this account and region.
        Statement(
            Sid="AppEni",
            Effect=Allow,
            Action=ENI_ACTIONS,
            Resource=[
                ec2_arn("network-interface/*"),
                ec2_arn("subnet/*"),
                ec2_arn("security-group/*"),
            ],
        ),
    ]


def _app_denials(app_secret_arn: Any) -> list[Statement]:
    # Explicit, so that a later widening of an allow above cannot reach these.
    return [
        Statement(Sid="DenyIam", Effect=Deny, Action=[iam.Action("*")], Resource=["*"]),
        Statement(
            Sid="DenyKeyAdministration", Effect=Deny, Action=KEY_ADMIN_ACTIONS, Resource=["*"]
        ),
        # The request's SecretId must be the app secret's ARN (the contract publishes it).
        Statement(
            Sid="DenyOtherSecrets",
            Effect=Deny,
            Action=[secretsmanager.GetSecretValue],
            Resource=["*"],
            Condition=Condition(StringNotEquals({"secretsmanager:SecretId": app_secret_arn})),
        ),
    ]


# -- the staging side: its permissions boundary, its platform's CloudFormation role ----------
#
# The pipeline's DeployStaging stage creates a staging platform of its own (the `staging`
# profile of this template, stack `edu-platform-<suffix>-stg`) and deploys the application into
# it. Every role on that side carries StagingBoundary: the staging deploy role, the role
# CloudFormation creates the staging platform with, and every role the staging platform creates
# (it takes the boundary as its PermissionsBoundaryArn parameter). What the boundary denies, no
# policy on the staging side can grant.

STAGING_BOUNDARY_ID = "StagingBoundary"
STAGING_PLATFORM_ROLE_ID = "StagingPlatformExecutionRole"
# A fixed name: the boundary's own statements must name its ARN, and a Ref to itself would be a
# circular reference.
STAGING_BOUNDARY_NAME = f"edu-staging-boundary-${{{SUFFIX_PARAM}}}"
STAGING_TAIL = "-stg"  # templates.parameters.STAGING_SUFFIX_TAIL
STAGING_SUFFIX = f"${{{SUFFIX_PARAM}}}{STAGING_TAIL}"
# What a staging platform names: `edu-<part>-<suffix>-stg` when named by the template, and
# `edu-platform-<suffix>-stg-<LogicalId>-<random>` when CloudFormation names it after the stack.
STAGING_NAMES = f"edu-*-{STAGING_SUFFIX}*"
STAGING_PLATFORM_STACK = f"edu-platform-{STAGING_SUFFIX}"
STAGING_APP_STACK = f"edu-app-staging-{STAGING_SUFFIX}"


def staging_boundary_arn() -> Sub:
    return Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{STAGING_BOUNDARY_NAME}")


def _production_tagged() -> StringEquals:
    return StringEquals({"aws:ResourceTag/Environment": Ref(SUFFIX_PARAM)})


def staging_boundary(
    *,
    secret_arns: Sequence[Any],
    data_key_arn: Any,
    vpc_id: Any,
    artifacts_bucket_arn: Any,
    shared_names: Sequence[Any],
    ceiling: tuple[Sequence[str], Sequence[str]],
) -> PolicyDocument:
    """The ceiling of every role on the staging side. It grants nothing by itself (a role's
    own policy must allow an action too): its Allows are what the staging side's own policies
    name (`ceiling`: the actions granted on "*", and the others; see `staging_ceiling`), and
    its Denies are what it is for. `shared_names` are the Name tags of the production stack's
    resources the staging side must use: the pipeline key, the artifact bucket, the staging
    deploy project's log group and the staging platform's execution role."""
    return identity_document(
        *staging_ceiling(star_actions=ceiling[0], scoped_actions=ceiling[1]),
        *_staging_denies_production(secret_arns, data_key_arn, vpc_id, shared_names),
        *_staging_keeps_shared(artifacts_bucket_arn),
        *_staging_keeps_boundary(),
    )


def _staging_denies_production(
    secret_arns: Sequence[Any], data_key_arn: Any, vpc_id: Any, shared_names: Sequence[Any]
) -> list[Statement]:
    vpc = vpc_arn(vpc_id)
    return [
        # Production's credentials: the master, application and cache secrets.
        Statement(
            Sid="DenyProductionSecrets",
            Effect=Deny,
            Action=[Action("*")],
            Resource=list(secret_arns),
        ),
        # Production's data key: no decrypting a snapshot, secret or log of production.
        Statement(
            Sid="DenyProductionDataKey",
            Effect=Deny,
            Action=[Action("kms", "*")],
            Resource=[data_key_arn],
        ),
        # Everything production's stack tags as its own (Environment = its suffix): security
        # groups, database, cache, roles, log groups, parameters, the contract's parameters.
        # Only the few resources the pipeline shares with staging (by their Name tag) are left
        # to the roles' own policies, and the statements below keep those unchanged.
        Statement(
            Sid="DenyProductionTagged",
            Effect=Deny,
            Action=[Action("*")],
            Resource=["*"],
            Condition=Condition(
                [
                    _production_tagged(),
                    StringNotEquals({"aws:ResourceTag/Name": list(shared_names)}),
                ]
            ),
        ),
        # Production's network: the VPC itself, and anything in it (subnets, security groups,
        # network interfaces, routes) by the ec2:Vpc key, whatever its tags.
        Statement(
            Sid="DenyProductionVpc", Effect=Deny, Action=[Action("ec2", "*")], Resource=[vpc]
        ),
        Statement(
            Sid="DenyInProductionVpc",
            Effect=Deny,
            Action=[Action("ec2", "*")],
            Resource=["*"],
            Condition=Condition(ArnEquals({"ec2:Vpc": vpc})),
        ),
        # Production's contract (`/edu/<suffix>/*`): where production's secret, key and groups
        # are published. The staging platform's own is `/edu/<suffix>-stg/*`.
        Statement(
            Sid="DenyProductionContract",
            Effect=Deny,
            Action=[Action("ssm", "*")],
            Resource=[ssm_parameter_arn(f"{CONTRACT_PREFIX}/${{{SUFFIX_PARAM}}}/*")],
        ),
    ]


# What would change a shared resource rather than use it: its tags (which decide the Denies
# above), a role's policies and trust, a key's policy, grants and life, a log group's life and
# key. By verb, as a Deny may be written (widening a deny only takes power away); what the
# staging side uses them for (kms:Decrypt, iam:PassRole, logs:PutLogEvents) matches none.
SHARED_CHANGE_ACTIONS = [
    Action("kms", verb)
    for verb in (
        "Cancel*", "Create*", "Delete*", "Disable*", "Enable*", "Import*", "Put*",
        "Replicate*", "Revoke*", "Rotate*", "Schedule*", "Tag*", "Untag*", "Update*",
    )
] + [
    Action("iam", verb)
    for verb in ("Attach*", "Delete*", "Detach*", "Put*", "Tag*", "Untag*", "Update*")
] + [
    Action("logs", verb)
    for verb in ("Associate*", "Delete*", "Disassociate*", "PutRetentionPolicy", "Tag*", "Untag*")
] + [
    # The staging deploy project shares its log group's Name tag; nothing on the staging side
    # acts on a CodeBuild project of production (CodeBuild runs it, not the role).
    Action("codebuild", "*"),
]  # fmt: skip
# The artifact bucket's settings: S3 decides by the bucket's ARN, not its tags.
BUCKET_CHANGE_ACTIONS = [
    Action("s3", verb)
    for verb in (
        "DeleteBucket*", "PutBucket*", "PutEncryptionConfiguration", "PutLifecycleConfiguration",
    )
]  # fmt: skip
# What the production deploy runs from: the application's code and the approved reviews.
PRODUCTION_OBJECT_PREFIXES = ("app-code/*", "reviews/*")


def _staging_keeps_shared(artifacts_bucket_arn: Any) -> list[Statement]:
    bucket = sub_expr(artifacts_bucket_arn) or "${Bucket}"
    extra = {} if sub_expr(artifacts_bucket_arn) else {"Bucket": artifacts_bucket_arn}
    return [
        # The resources shared with staging stay as production made them.
        Statement(
            Sid="DenySharedChanges",
            Effect=Deny,
            Action=SHARED_CHANGE_ACTIONS,
            Resource=["*"],
            Condition=Condition(_production_tagged()),
        ),
        Statement(
            Sid="DenyArtifactBucketChanges",
            Effect=Deny,
            Action=BUCKET_CHANGE_ACTIONS,
            Resource=[artifacts_bucket_arn],
        ),
        # Staging reads the code production will run and may upload templates, but may not
        # replace that code or an approver's review.
        Statement(
            Sid="DenyProductionObjects",
            Effect=Deny,
            Action=[s3.PutObject, s3.DeleteObject, s3.DeleteObjectVersion],
            Resource=[Sub(f"{bucket}/{p}", **extra) for p in PRODUCTION_OBJECT_PREFIXES],
        ),
    ]


def _staging_keeps_boundary() -> list[Statement]:
    boundary = staging_boundary_arn()
    return [
        # A role made without this boundary, or moved to another, would be outside every Deny
        # here: a role is created or re-bounded only with this one.
        Statement(
            Sid="DenyRolesWithoutThisBoundary",
            Effect=Deny,
            Action=[iam.CreateRole, iam.PutRolePermissionsBoundary],
            Resource=["*"],
            Condition=Condition(StringNotEquals({"iam:PermissionsBoundary": boundary})),
        ),
        # Removing it would do the same.
        Statement(
            Sid="DenyBoundaryRemoval",
            Effect=Deny,
            Action=[iam.DeleteRolePermissionsBoundary],
            Resource=["*"],
        ),
        # A new default version, or none, would rewrite the ceiling from below.
        Statement(
            Sid="DenyBoundaryChanges",
            Effect=Deny,
            Action=[
                iam.CreatePolicyVersion,
                iam.DeletePolicy,
                iam.DeletePolicyVersion,
                iam.SetDefaultPolicyVersion,
            ],
            Resource=[boundary],
        ),
        # Users take no boundary from here and keys outlive the pipeline: long-lived
        # credentials on the staging side would be a way around all of the above.
        Statement(
            Sid="DenyUsersAndKeys",
            Effect=Deny,
            Action=[iam.CreateUser, iam.CreateAccessKey],
            Resource=["*"],
        ),
    ]


def _service_actions(service: str, *names: str) -> list[Action]:
    return [Action(service, name) for name in names]


def _staging_arn(service: str, resource: str) -> Sub:
    return _arn(service, resource.replace("{names}", STAGING_NAMES))


# What CloudFormation calls to create, update and delete the staging profile's resource types
# (`generate.py --profile staging`), service by service.
STAGING_EC2_ACTIONS = _service_actions(
    "ec2",
    "AllocateAddress", "AssociateRouteTable", "AttachInternetGateway",
    "AuthorizeSecurityGroupEgress", "AuthorizeSecurityGroupIngress", "CreateFlowLogs",
    "CreateInternetGateway", "CreateNatGateway", "CreateRoute", "CreateRouteTable",
    "CreateSecurityGroup", "CreateSubnet", "CreateTags", "CreateVpc", "CreateVpcEndpoint",
    "DeleteFlowLogs", "DeleteInternetGateway", "DeleteNatGateway", "DeleteRoute",
    "DeleteRouteTable", "DeleteSecurityGroup", "DeleteSubnet", "DeleteTags", "DeleteVpc",
    "DeleteVpcEndpoints", "DetachInternetGateway", "DisassociateAddress",
    "DisassociateRouteTable", "ModifySecurityGroupRules", "ModifySubnetAttribute",
    "ModifyVpcAttribute", "ModifyVpcEndpoint", "ReleaseAddress", "ReplaceRoute",
    "RevokeSecurityGroupEgress", "RevokeSecurityGroupIngress",
    "UpdateSecurityGroupRuleDescriptionsEgress", "UpdateSecurityGroupRuleDescriptionsIngress",
)  # fmt: skip
# EC2's Describe* calls have no resource-level permission: Resource must be "*".
STAGING_EC2_READS = _service_actions(
    "ec2",
    "DescribeAccountAttributes", "DescribeAddresses", "DescribeAvailabilityZones",
    "DescribeFlowLogs", "DescribeInternetGateways", "DescribeNatGateways",
    "DescribeNetworkInterfaces", "DescribePrefixLists", "DescribeRouteTables",
    "DescribeSecurityGroupRules", "DescribeSecurityGroups", "DescribeSubnets", "DescribeTags",
    "DescribeVpcAttribute", "DescribeVpcEndpointServices", "DescribeVpcEndpoints",
    "DescribeVpcs",
)  # fmt: skip
STAGING_RDS_ACTIONS = _service_actions(
    "rds",
    "AddSourceIdentifierToSubscription", "AddTagsToResource", "CreateDBInstance",
    "CreateDBParameterGroup", "CreateDBSubnetGroup", "CreateEventSubscription",
    "DeleteDBInstance", "DeleteDBParameterGroup", "DeleteDBSubnetGroup",
    "DeleteEventSubscription", "DescribeDBInstances", "DescribeDBParameterGroups",
    "DescribeDBParameters", "DescribeDBSubnetGroups", "DescribeEventSubscriptions",
    "ListTagsForResource", "ModifyDBInstance", "ModifyDBParameterGroup", "ModifyDBSubnetGroup",
    "ModifyEventSubscription", "RebootDBInstance", "RemoveSourceIdentifierFromSubscription",
    "RemoveTagsFromResource",
)  # fmt: skip
STAGING_CACHE_ACTIONS = _service_actions(
    "elasticache",
    "AddTagsToResource", "CreateCacheCluster", "CreateCacheSubnetGroup", "CreateReplicationGroup",
    "CreateUser", "CreateUserGroup", "DeleteCacheSubnetGroup", "DeleteReplicationGroup",
    "DeleteUser", "DeleteUserGroup", "DescribeCacheClusters", "DescribeCacheSubnetGroups",
    "DescribeReplicationGroups", "DescribeUserGroups", "DescribeUsers", "ListTagsForResource",
    "ModifyCacheSubnetGroup", "ModifyReplicationGroup", "ModifyUser", "ModifyUserGroup",
    "RemoveTagsFromResource",
)  # fmt: skip
STAGING_KEY_ACTIONS = _service_actions(
    "kms",
    "CreateGrant", "Decrypt", "DescribeKey", "DisableKeyRotation", "EnableKeyRotation",
    "Encrypt", "GenerateDataKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListResourceTags",
    "PutKeyPolicy", "ScheduleKeyDeletion", "TagResource", "UntagResource",
    "UpdateKeyDescription",
)  # fmt: skip
STAGING_SECRET_ACTIONS = _service_actions(
    "secretsmanager",
    "CreateSecret", "DeleteSecret", "DescribeSecret", "GetSecretValue", "PutSecretValue",
    "TagResource", "UntagResource", "UpdateSecret",
)  # fmt: skip
STAGING_TOPIC_ACTIONS = _service_actions(
    "sns",
    "CreateTopic", "DeleteTopic", "GetSubscriptionAttributes", "GetTopicAttributes",
    "ListTagsForResource", "SetTopicAttributes", "Subscribe", "TagResource", "Unsubscribe",
    "UntagResource",
)  # fmt: skip
STAGING_MISC_ACTIONS = [
    *_service_actions(
        "ssm",
        "AddTagsToResource", "DeleteParameter", "GetParameter", "GetParameters",
        "ListTagsForResource", "PutParameter", "RemoveTagsFromResource",
    ),
    *_service_actions(
        "events",
        "DeleteRule", "DescribeRule", "ListTargetsByRule", "PutRule", "PutTargets",
        "RemoveTargets", "TagResource", "UntagResource",
    ),
    *_service_actions(
        "codebuild", "BatchGetProjects", "CreateProject", "DeleteProject", "UpdateProject",
    ),
]  # fmt: skip
STAGING_POLICY_ACTIONS = _service_actions(
    "iam",
    "CreatePolicy", "CreatePolicyVersion", "DeletePolicy", "DeletePolicyVersion", "GetPolicy",
    "GetPolicyVersion", "ListPolicyVersions", "TagPolicy", "UntagPolicy",
)  # fmt: skip
# The roles of the staging platform are handed to these services only: RDS (enhanced
# monitoring), VPC flow logs, CodeBuild (the bootstrap job), Lambda.
STAGING_PASS_TO = [
    "rds.amazonaws.com",
    "monitoring.rds.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
    "codebuild.amazonaws.com",
    "lambda.amazonaws.com",
]


def staging_platform_execution() -> PolicyDocument:
    """What CloudFormation may do for the staging platform stack, `edu-platform-<suffix>-stg`:
    create, update and delete its resources, named `edu-*-<suffix>-stg*` wherever the service
    names them. The role carries StagingBoundary, which removes anything of production that a
    pattern here might reach."""
    return identity_document(
        *_staging_network(),
        Statement(
            Sid="StagingDataTier",
            Effect=Allow,
            Action=[*STAGING_RDS_ACTIONS, *STAGING_CACHE_ACTIONS],
            Resource=[
                _staging_arn("rds", "*:{names}"),
                _staging_arn("elasticache", "*:{names}"),
                # ElastiCache checks the engine's default parameter group on create.
                _arn("elasticache", "parametergroup:default.*"),
            ],
        ),
        *_staging_keys(),
        Statement(
            Sid="StagingSecrets",
            Effect=Allow,
            Action=STAGING_SECRET_ACTIONS,
            Resource=[_staging_arn("secretsmanager", "secret:{names}")],
        ),
        *_staging_logs_and_alarms(),
        Statement(
            Sid="StagingServices",
            Effect=Allow,
            Action=[*STAGING_TOPIC_ACTIONS, *STAGING_MISC_ACTIONS],
            Resource=[
                _staging_arn("sns", "{names}"),
                _arn("ssm", f"parameter{CONTRACT_PREFIX}/{STAGING_SUFFIX}/*"),
                _staging_arn("events", "rule/{names}"),
                _staging_arn("codebuild", "project/{names}"),
            ],
        ),
        *_staging_roles(),
    )


def _staging_network() -> list[Statement]:
    return [
        # EC2 names what it creates by generated IDs, so no name can scope these: this account
        # and region only, and StagingBoundary's Denies keep production's VPC, what is in it and
        # what production tagged out of reach.
        Statement(
            Sid="StagingNetwork",
            Effect=Allow,
            Action=STAGING_EC2_ACTIONS,
            Resource=[_arn("ec2", "*")],
        ),
        Statement(
            Sid="StagingNetworkReads", Effect=Allow, Action=STAGING_EC2_READS, Resource=["*"]
        ),
        # An interface endpoint with private DNS associates the VPC with the endpoint service's
        # private hosted zone, which AWS owns: only its ARN form can be named.
        Statement(
            Sid="StagingEndpointDns",
            Effect=Allow,
            Action=[Action("route53", "AssociateVPCWithHostedZone")],
            Resource=[Sub("arn:${AWS::Partition}:route53:::hostedzone/*")],
        ),
    ]


def _staging_keys() -> list[Statement]:
    staging_tagged = StringEquals({"aws:ResourceTag/Environment": Sub(STAGING_SUFFIX)})
    return [
        # kms:CreateKey has no resource (the key does not exist yet): Resource must be "*"; the
        # request must tag the key as the staging platform's, as the template does.
        Statement(
            Sid="CreateStagingKey",
            Effect=Allow,
            Action=[kms.CreateKey],
            Resource=["*"],
            Condition=Condition(StringEquals({"aws:RequestTag/Environment": Sub(STAGING_SUFFIX)})),
        ),
        # Tagging the key it creates, which has no tag yet to match below.
        Statement(
            Sid="TagNewStagingKey",
            Effect=Allow,
            Action=[kms.TagResource],
            Resource=[_arn("kms", "key/*")],
            Condition=Condition(StringEquals({"aws:RequestTag/Environment": Sub(STAGING_SUFFIX)})),
        ),
        # Keys are named by generated IDs: the staging platform's by its Environment tag.
        Statement(
            Sid="StagingKey",
            Effect=Allow,
            Action=STAGING_KEY_ACTIONS,
            Resource=[_arn("kms", "key/*")],
            Condition=Condition(staging_tagged),
        ),
        Statement(
            Sid="StagingKeyAlias",
            Effect=Allow,
            Action=[kms.CreateAlias, kms.DeleteAlias, kms.UpdateAlias],
            Resource=[
                _arn("kms", f"alias/edu-{STAGING_SUFFIX}"),
                _staging_arn("kms", "alias/{names}"),
                _arn("kms", "key/*"),
            ],
        ),
        # secretsmanager:GetRandomPassword has no resource: Resource must be "*". It only
        # returns random characters.
        Statement(
            Sid="GenerateSecrets",
            Effect=Allow,
            Action=[secretsmanager.GetRandomPassword],
            Resource=["*"],
        ),
    ]


def _staging_logs_and_alarms() -> list[Statement]:
    return [
        Statement(
            Sid="StagingLogGroups",
            Effect=Allow,
            Action=LOG_GROUP_ACTIONS,
            Resource=[
                _staging_arn("logs", "log-group:/aws/*/{names}"),
                _arn("logs", f"log-group:{CONTRACT_PREFIX}/{STAGING_SUFFIX}/*"),
                _staging_arn("logs", "log-group:{names}"),
            ],
        ),
        _find_log_groups(),
        # The cache's log delivery to CloudWatch Logs is set up with the caller's credentials
        # (ElastiCache user guide, "Log delivery"); these calls have no resource-level
        # permission: Resource must be "*".
        Statement(
            Sid="CacheLogDelivery",
            Effect=Allow,
            Action=_service_actions(
                "logs",
                "CreateLogDelivery",
                "DeleteLogDelivery",
                "GetLogDelivery",
                "ListLogDeliveries",
                "PutResourcePolicy",
                "UpdateLogDelivery",
            ),
            Resource=["*"],
        ),
        Statement(
            Sid="StagingAlarms",
            Effect=Allow,
            Action=ALARM_ACTIONS,
            Resource=[_staging_arn("cloudwatch", "alarm:{names}")],
        ),
    ]


def _staging_roles() -> list[Statement]:
    roles = _role_arn(STAGING_NAMES)
    return [
        Statement(
            Sid="StagingRoles",
            Effect=Allow,
            Action=ROLE_LIFECYCLE_ACTIONS,
            Resource=[roles],
        ),
        # Every role it writes carries StagingBoundary (which also denies any other).
        Statement(
            Sid="StagingRolesBounded",
            Effect=Allow,
            Action=ROLE_WRITE_ACTIONS,
            Resource=[roles],
            Condition=Condition(StringEquals({"iam:PermissionsBoundary": staging_boundary_arn()})),
        ),
        # It passes only the staging platform's own roles, which it could only create bounded.
        Statement(
            Sid="PassStagingRoles",
            Effect=Allow,
            Action=[iam.PassRole],
            Resource=[roles],
            Condition=Condition(StringEquals({"iam:PassedToService": STAGING_PASS_TO})),
        ),
        # The application boundary the staging platform publishes for its application's roles.
        Statement(
            Sid="StagingPolicies",
            Effect=Allow,
            Action=STAGING_POLICY_ACTIONS,
            Resource=[
                Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{STAGING_NAMES}")
            ],
        ),
    ]


def deploy_staging(*, platform_role_arn: Any, artifacts_bucket_arn: Any) -> PolicyDocument:
    """The staging deploy role's own grant besides `deploy_access`: the staging platform
    stack, through StagingPlatformExecutionRole only, and uploads of templates too large for
    CloudFormation's TemplateBody (deploy.py --artifact-bucket)."""
    bucket = sub_expr(artifacts_bucket_arn)
    uploads = (
        Sub(f"{bucket}/{TEMPLATE_UPLOAD_PREFIX}*")
        if bucket
        else Sub(f"${{Bucket}}/{TEMPLATE_UPLOAD_PREFIX}*", Bucket=artifacts_bucket_arn)
    )
    return identity_document(
        Statement(
            Sid="StagingPlatformStack",
            Effect=Allow,
            Action=DEPLOY_STACK_ACTIONS,
            Resource=[Sub(_stack_arn(STAGING_PLATFORM_STACK))],
        ),
        pass_to_cloudformation(platform_role_arn),
        Statement(Sid="UploadTemplates", Effect=Allow, Action=[s3.PutObject], Resource=[uploads]),
        *_staging_preflight(),
    )


def _staging_preflight() -> list[Statement]:
    """deploy.py's account preflight of the staging platform (stackops/preflight/permissions.py):
    names already taken and quotas, read only, so that a leftover resource or a full quota
    stops the deploy with one line before CloudFormation starts."""
    return [
        Statement(
            Sid="PreflightStagingNames",
            Effect=Allow,
            Action=[
                secretsmanager.DescribeSecret,
                Action("rds", "DescribeDBInstances"),
                elasticache.DescribeReplicationGroups,
            ],
            Resource=[
                _staging_arn("secretsmanager", "secret:{names}"),
                _staging_arn("rds", "db:{names}"),
                _staging_arn("elasticache", "replicationgroup:{names}"),
            ],
        ),
        # Listing log groups, addresses, VPCs, NAT gateways, subnets and zones has no
        # resource-level permission: Resource must be "*". Names and counts, no data.
        Statement(
            Sid="PreflightQuotas",
            Effect=Allow,
            Action=[
                logs.DescribeLogGroups,
                ec2.DescribeAddresses,
                ec2.DescribeAvailabilityZones,
                ec2.DescribeNatGateways,
                ec2.DescribeSubnets,
                ec2.DescribeVpcs,
            ],
            Resource=["*"],
        ),
    ]


def staging_artifacts(*, artifacts_bucket_arn: Any, key_arn: Any) -> PolicyDocument:
    """The staging deploy project's use of the artifact store: read only (it writes no
    artifact), through the pipeline key."""
    return identity_document(
        Statement(
            Effect=Allow,
            Action=[s3.GetObject, s3.GetObjectVersion],
            Resource=[objects(artifacts_bucket_arn)],
        ),
        Statement(
            Effect=Allow,
            Action=[s3.GetBucketAcl, s3.GetBucketLocation, s3.GetBucketVersioning, s3.ListBucket],
            Resource=[artifacts_bucket_arn],
        ),
        Statement(Effect=Allow, Action=KEY_USE, Resource=[key_arn]),
    )


# AmazonRDSEnhancedMonitoringRole, the AWS managed policy of a staging platform's RDS
# monitoring role: not in any template, so the ceiling names its actions here.
RDS_MONITORING_ACTIONS = [
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:GetLogEvents",
    "logs:PutLogEvents",
    "logs:PutRetentionPolicy",
]


def _identity_statements(node: Any) -> list[dict[str, Any]]:
    """Every Allow statement under `node` (an encoded template or document) that names no
    Principal: identity policies, not trust or resource policies."""
    if isinstance(node, list):
        return [s for item in node for s in _identity_statements(item)]
    if not isinstance(node, dict):
        return []
    if node.get("Effect") == "Allow" and "Principal" not in node:
        return [node]
    return [s for value in node.values() for s in _identity_statements(value)]


def identity_actions(node: Any) -> tuple[set[str], set[str]]:
    """(actions some Allow grants on Resource "*", every other action) of the identity policies
    under `node`, an encoded template or policy document."""
    star: set[str] = set()
    scoped: set[str] = set()
    for statement in _identity_statements(node):
        actions = statement.get("Action", [])
        names = {a for a in (actions if isinstance(actions, list) else [actions])}
        resources = statement.get("Resource", [])
        on_star = "*" in (resources if isinstance(resources, list) else [resources])
        (star if on_star else scoped).update(a for a in names if isinstance(a, str))
    return star, scoped - star


def _verb(action: str) -> str:
    """`service:CreateDBInstance` -> `service:Create*`: the action's leading verb."""
    service, _, name = action.partition(":")
    match = re.match(r"[A-Z][a-z]+", name)
    return f"{service}:{match.group(0) if match else name}*"


def _read_verb(action: str) -> str:
    # Describe calls only read settings: by verb, which keeps the policy within its size limit.
    return _verb(action) if action.partition(":")[2].startswith("Describe") else action


def staging_ceiling(
    *, star_actions: Sequence[str], scoped_actions: Sequence[str]
) -> list[Statement]:
    """The Allows of StagingBoundary: the actions the staging side's own policies grant.

    Derived, not written by hand, so that the ceiling cannot fall behind what the staging
    side's policies need, while still naming actions (no `*`, no `service:*`). Those granted
    on Resource "*" (no resource-level permission) stay as named (Describe calls by verb,
    `ec2:Describe*`); the others are
    widened to their verb (`rds:Create*`), which keeps the policy under IAM's 6,144-character
    limit, and limited to this account's resources (and S3's, whose ARNs carry no account).
    """
    account = [
        Sub("arn:${AWS::Partition}:*:*:${AWS::AccountId}:*"),
        Sub("arn:${AWS::Partition}:s3:::*"),
    ]
    return [
        Statement(
            Sid="CeilingWithoutResourceLevel",
            Effect=Allow,
            Action=[
                Action(*a.split(":", 1)) for a in sorted({_read_verb(a) for a in star_actions})
            ],
            Resource=["*"],
        ),
        Statement(
            Sid="CeilingInThisAccount",
            Effect=Allow,
            Action=[Action(*a.split(":", 1)) for a in sorted({_verb(a) for a in scoped_actions})],
            Resource=account,
        ),
    ]
