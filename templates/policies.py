"""Pure awacs builders for the policy documents (CI/CD, application delivery): no troposphere
resources here."""

from __future__ import annotations

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
    # The group's Arn attribute ends in ":*", which covers its log streams.
    return identity_document(
        Statement(
            Effect=Allow,
            Action=[logs.CreateLogStream, logs.PutLogEvents],
            Resource=[log_group_arn],
        )
    )


def deploy_stack_arn(stage: str) -> str:
    """The Sub text of the ARN of one stage's application stack (`stage` may be a variable)."""
    return (
        "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/"
        f"edu-app-{stage}-${{{SUFFIX_PARAM}}}/*"
    )


def _ec2_arn(resource: str, **variables: Any) -> Sub:
    return Sub(
        f"arn:${{AWS::Partition}}:ec2:${{AWS::Region}}:${{AWS::AccountId}}:{resource}", **variables
    )


def _vpc_arn(vpc_id: Any) -> Sub:
    expr = sub_expr(vpc_id)
    return _ec2_arn(f"vpc/{expr}") if expr else _ec2_arn("vpc/${Vpc}", Vpc=vpc_id)


def deploy_access(
    *, vpc_id: Any, secret_arns: Sequence[Any], cache_connect_arns: Sequence[Any]
) -> PolicyDocument:
    """Both deploy projects: run in the VPC (CodeBuild user guide, "Allow CodeBuild access to
    AWS services required to create a VPC network interface"), read the stack's secrets,
    which CodeBuild resolves into SECRETS_MANAGER environment variables with this role, sign in
    to the cache as its IAM-authenticated application user, and deploy their own stage's
    stack, through their own stage's execution role."""
    return identity_document(
        *_codebuild_in_vpc(vpc_id),
        Statement(
            Effect=Allow,
            Action=[secretsmanager.GetSecretValue],
            Resource=list(secret_arns),
        ),
        # ElastiCache IAM authentication: Connect on the replication group and on the user.
        Statement(
            Effect=Allow,
            Action=[elasticache.Connect],
            Resource=list(cache_connect_arns),
        ),
        # Change sets on the caller's own stage only: each deploy role carries a `Stage` tag
        # (staging or production) and the ARN takes it from the calling principal, so the
        # staging role cannot touch the production stack. One statement for both roles instead
        # of one per role: one grant to review, in the one managed policy both roles attach. A
        # principal without the tag matches nothing; the roles cannot retag themselves.
        Statement(
            Effect=Allow,
            Action=DEPLOY_STACK_ACTIONS,
            Resource=[Sub(deploy_stack_arn(f"${{!aws:PrincipalTag/{STAGE_TAG}}}"))],
        ),
        pass_execution_role(),
        # CloudFormation resolves an application's `AWS::SSM::Parameter::Value<...>` parameters
        # when the change set is created; the contract's values are no secret.
        read_contract(),
    )


def _codebuild_in_vpc(vpc_id: Any) -> list[Statement]:
    """What CodeBuild needs to place a build in the VPC (CodeBuild user guide, "Allow CodeBuild
    access to AWS services required to create a VPC network interface")."""
    return [
        # Describe* calls have no resource-level permission in EC2: Resource must be "*".
        Statement(
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
            Effect=Allow,
            Action=[ec2.CreateNetworkInterface, ec2.DeleteNetworkInterface],
            Resource=[
                _ec2_arn("network-interface/*"),
                _ec2_arn("subnet/*"),
                _ec2_arn("security-group/*"),
            ],
        ),
        Statement(
            Effect=Allow,
            Action=[ec2.CreateNetworkInterfacePermission],
            Resource=[_ec2_arn("network-interface/*")],
            Condition=Condition(
                [
                    StringEquals({"ec2:AuthorizedService": "codebuild.amazonaws.com"}),
                    ArnEquals({"ec2:Vpc": _vpc_arn(vpc_id)}),
                ]
            ),
        ),
    ]


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

    Both roles share this statement (in DeployAccessPolicy): the execution roles carry the same
    `Stage` tag as the deploy roles, and the condition matches the two, so the staging deploy
    role cannot pass the production execution role. Neither may retag a role.
    """
    return Statement(
        Sid="PassOwnStageExecutionRole",
        Effect=Allow,
        Action=[iam.PassRole],
        Resource=[GetAtt(lid, "Arn") for lid in EXECUTION_ROLE_IDS.values()],
        Condition=Condition(
            StringEquals(
                {
                    "iam:PassedToService": "cloudformation.amazonaws.com",
                    f"aws:ResourceTag/{STAGE_TAG}": f"${{aws:PrincipalTag/{STAGE_TAG}}}",
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
    `edu-app-<stage>-<suffix>-health`, keyed like `deploy_access` by the role's `Stage` tag."""
    function = (
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
        f"edu-app-${{!aws:PrincipalTag/{STAGE_TAG}}}-${{{SUFFIX_PARAM}}}-health"
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
        # The log group handler's reads: neither call has a resource-level permission, so
        # Resource must be "*". They list names, settings and policies, no log data.
        Statement(
            Sid="FindLogGroups",
            Effect=Allow,
            Action=[logs.DescribeLogGroups, logs.DescribeResourcePolicies],
            Resource=["*"],
        ),
        Statement(
            Sid="Alarms",
            Effect=Allow,
            Action=ALARM_ACTIONS,
            Resource=[_arn("cloudwatch", f"alarm:{names}")],
        ),
    ]


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
                _ec2_arn("network-interface/*"),
                _ec2_arn("subnet/*"),
                _ec2_arn("security-group/*"),
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
