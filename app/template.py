"""The sample application's CloudFormation template: one health-check Lambda function in the
platform's private subnets, its encrypted log group, its bounded role and an error alarm.

Everything the platform provides comes in through the contract (`templates/contract.py`): each
contract key is a parameter of type `AWS::SSM::Parameter::Value<...>` whose value is the SSM
path `/edu/<suffix>/<key>`. Only the resource types and names the platform's CloudFormation
execution role allows are used: names start with the stack name, roles sit under `/edu-app/`
with the contract's permissions boundary.
"""

from __future__ import annotations

import json
from typing import Any

from awacs import ec2, elasticache, kms, logs, secretsmanager, xray
from awacs.aws import (
    Allow,
    ArnEquals,
    Condition,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from awacs.sts import AssumeRole
from troposphere import (
    GetAtt,
    Join,
    Output,
    Parameter,
    Ref,
    Select,
    Split,
    Sub,
    Template,
    awslambda,
    cloudwatch,
    iam,
)
from troposphere import logs as cwlogs

from templates.contract import CONTRACT_KEYS

FUNCTION = "HealthFunction"
ROLE = "HealthRole"
LOG_GROUP = "HealthLogGroup"
ALARM = "HealthErrorsAlarm"
ROLE_PATH = "/edu-app/"
RUNTIME = "python3.13"
HANDLER = "app.service.handler.handler"
LOG_RETENTION_DAYS = 365
# The CA bundle's path inside code.zip (relative to the function's task root).
CA_BUNDLE_FILE = "rds-global-bundle.pem"
# The platform names its cache user `edu-cache-app-<suffix>` and its replication group
# `edu-cache-<suffix>`; the contract carries the user, so the group is derived from it (IAM
# sign-in signs for the group and `elasticache:Connect` names both).
CACHE_USER_PREFIX = "edu-cache-app-"
CACHE_GROUP_PREFIX = "edu-cache-"

# checkov checks this template cannot meet with the resource types the platform's execution
# role allows, each with the reason.
FUNCTION_CHECKOV_SKIPS = [
    {
        "id": "CKV_AWS_272",
        "comment": "code signing needs an AWS::Signer::SigningProfile and a CodeSigningConfig, "
        "which the platform's execution role does not let an application create; code.zip "
        "comes from the pipeline's own KMS-encrypted artifact bucket",
    },
    {
        "id": "CKV_AWS_116",
        "comment": "a dead-letter queue only receives failed asynchronous invocations; the "
        "health check is only invoked synchronously (aws lambda invoke), its caller sees errors",
    },
    {
        "id": "CKV_AWS_115",
        "comment": "any ReservedConcurrentExecutions fails in accounts whose concurrency quota "
        "is the new-account default of 10 (unreserved concurrency may not drop below 10)",
    },
    {
        "id": "CKV_AWS_173",
        "comment": "the environment holds only names, ports and ARNs (the credentials are read "
        "from Secrets Manager at run time); a customer-managed key here would need "
        "kms:CreateGrant for the deploying role, which the platform's execution role lacks",
    },
]

# Control Tower controls the same way.
ALARM_CONTROL_SKIPS = [
    {
        "id": "CT.CLOUDWATCH.PR.1",
        "comment": "the contract publishes no SNS topic and the platform's execution role lets "
        "an application create none; the alarm's state is read in the console and by "
        "`aws cloudwatch describe-alarms`",
    }
]


def contract_parameters(template: Template) -> dict[str, Parameter]:
    """One parameter per contract key, named `ContractKey.camel`, typed as the contract says."""
    return {
        k.key: template.add_parameter(
            Parameter(
                k.camel,
                Type=k.parameter_type,
                Description=f"SSM path of {k.description} (/edu/<suffix>/{k.key})",
            )
        )
        for k in CONTRACT_KEYS
    }


def code_parameters(template: Template) -> tuple[Parameter, Parameter]:
    bucket = template.add_parameter(
        Parameter(
            "CodeBucket",
            Type="String",
            Description="the bucket holding code.zip (the pipeline's artifact bucket)",
            AllowedPattern="^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        )
    )
    key = template.add_parameter(
        Parameter(
            "CodeKey",
            Type="String",
            Description="the key of code.zip in CodeBucket",
            AllowedPattern="^[A-Za-z0-9!_.*'()/-]{1,1024}$",
        )
    )
    return bucket, key


def named(suffix: str) -> Sub:
    """`<stack name>-<suffix>`: the platform's execution role only allows these names."""
    return Sub(f"${{AWS::StackName}}-{suffix}")


def cache_group_id(cache_user: Any) -> Join:
    """`edu-cache-<suffix>` from the contract's cache user `edu-cache-app-<suffix>`."""
    rest = Select(1, Split(CACHE_USER_PREFIX, cache_user))
    return Join("", [CACHE_GROUP_PREFIX, rest])


def _arn(service: str, resource: str, **variables: Any) -> Sub:
    return Sub(
        f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}",
        **variables,
    )


def health_policy(p: dict[str, Parameter], log_group_arn: Any, group_id: Any) -> PolicyDocument:
    """Exactly what the health function does: write its logs, place its ENIs, read its one
    secret (and decrypt it through Secrets Manager), sign in to the cache as its user, trace."""
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Action=[logs.CreateLogStream, logs.PutLogEvents],
                Resource=[Sub("${Arn}:log-stream:*", Arn=log_group_arn)],
            ),
            *_vpc_statements(Ref(p["vpc-id"])),
            Statement(
                Effect=Allow,
                Action=[secretsmanager.GetSecretValue],
                Resource=[Ref(p["app-secret-arn"])],
            ),
            Statement(
                Effect=Allow,
                Action=[kms.Decrypt],
                Resource=[Ref(p["key-arn"])],
                Condition=Condition(
                    StringEquals(
                        {"kms:ViaService": Sub("secretsmanager.${AWS::Region}.amazonaws.com")}
                    )
                ),
            ),
            Statement(
                Effect=Allow,
                Action=[elasticache.Connect],
                Resource=[
                    _arn("elasticache", "replicationgroup:${Group}", Group=group_id),
                    _arn("elasticache", "user:${User}", User=Ref(p["cache-user"])),
                ],
            ),
            # X-Ray's trace APIs have no resource-level permission: Resource must be "*".
            Statement(
                Effect=Allow,
                Action=[xray.PutTraceSegments, xray.PutTelemetryRecords],
                Resource=["*"],
            ),
        ],
    )


def _vpc_statements(vpc_id: Any) -> list[Statement]:
    """What Lambda needs to attach the function to the VPC (Lambda developer guide, "Giving
    Lambda functions access to resources in an Amazon VPC")."""
    return [
        # EC2's Describe* calls have no resource-level permission: Resource must be "*".
        Statement(
            Effect=Allow,
            Action=[ec2.DescribeNetworkInterfaces, ec2.DescribeSubnets],
            Resource=["*"],
        ),
        # The ENI's ID is made by Lambda, so only this account and region can be named, and
        # new ENIs only in the platform's VPC.
        Statement(
            Effect=Allow,
            Action=[ec2.CreateNetworkInterface],
            Resource=[
                _arn("ec2", "network-interface/*"),
                _arn("ec2", "subnet/*"),
                _arn("ec2", "security-group/*"),
            ],
            Condition=Condition(ArnEquals({"ec2:Vpc": _arn("ec2", "vpc/${Vpc}", Vpc=vpc_id)})),
        ),
        Statement(
            Effect=Allow,
            Action=[
                ec2.DeleteNetworkInterface,
                ec2.AssignPrivateIpAddresses,
                ec2.UnassignPrivateIpAddresses,
            ],
            Resource=[_arn("ec2", "network-interface/*")],
        ),
    ]


def lambda_trust() -> PolicyDocument:
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("Service", "lambda.amazonaws.com"),
                Action=[AssumeRole],
                Condition=Condition(StringEquals({"aws:SourceAccount": Ref("AWS::AccountId")})),
            )
        ],
    )


def environment(p: dict[str, Parameter], group_id: Any) -> dict[str, Any]:
    """Only names, ports and ARNs: the credentials stay in Secrets Manager until run time."""
    return {
        "SECRET_ARN": Ref(p["app-secret-arn"]),
        "DB_HOST": Ref(p["db-endpoint"]),
        "DB_PORT": Ref(p["db-port"]),
        "DB_NAME": Ref(p["db-name"]),
        "DB_CA_BUNDLE": CA_BUNDLE_FILE,
        "CACHE_HOST": Ref(p["cache-endpoint"]),
        "CACHE_PORT": Ref(p["cache-port"]),
        "CACHE_USER": Ref(p["cache-user"]),
        "CACHE_REPLICATION_GROUP": group_id,
    }


def add_resources(t: Template, p: dict[str, Parameter], code: tuple[Parameter, Parameter]) -> None:
    log_group = t.add_resource(
        cwlogs.LogGroup(
            LOG_GROUP,
            LogGroupName=Sub("/aws/lambda/${AWS::StackName}-health"),
            KmsKeyId=Ref(p["key-arn"]),
            RetentionInDays=LOG_RETENTION_DAYS,
            # Retained, the named group would outlive the stack and make its next creation fail
            # (AlreadyExists); the health check's logs hold no student data.
            DeletionPolicy="Delete",
            UpdateReplacePolicy="Delete",
        )
    )
    group_id = cache_group_id(Ref(p["cache-user"]))
    role = t.add_resource(
        iam.Role(
            ROLE,
            RoleName=named("health"),
            Path=ROLE_PATH,
            PermissionsBoundary=Ref(p["boundary-arn"]),
            AssumeRolePolicyDocument=lambda_trust(),
            Policies=[
                iam.Policy(
                    PolicyName="health",
                    PolicyDocument=health_policy(p, GetAtt(log_group, "Arn"), group_id),
                )
            ],
        )
    )
    function = t.add_resource(
        awslambda.Function(
            FUNCTION,
            FunctionName=named("health"),
            Description="Health check: reaches the platform's database and cache over TLS",
            Runtime=RUNTIME,
            Architectures=["arm64"],
            Handler=HANDLER,
            Code=awslambda.Code(S3Bucket=Ref(code[0]), S3Key=Ref(code[1])),
            Role=GetAtt(role, "Arn"),
            MemorySize=256,
            Timeout=20,
            VpcConfig=awslambda.VPCConfig(
                SubnetIds=Ref(p["private-subnet-ids"]),
                SecurityGroupIds=[Ref(p["app-security-group-id"])],
            ),
            Environment=awslambda.Environment(Variables=environment(p, group_id)),
            LoggingConfig=awslambda.LoggingConfig(LogGroup=Ref(log_group)),
            TracingConfig=awslambda.TracingConfig(Mode="Active"),
            Metadata={"checkov": {"skip": FUNCTION_CHECKOV_SKIPS}},
        )
    )
    t.add_resource(error_alarm(function))
    t.add_output(Output("HealthFunctionName", Value=Ref(function)))


def error_alarm(function: awslambda.Function) -> cloudwatch.Alarm:
    return cloudwatch.Alarm(
        ALARM,
        AlarmName=named("health-errors"),
        AlarmDescription="The health function failed (an error, not an ok=false answer)",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[cloudwatch.MetricDimension(Name="FunctionName", Value=Ref(function))],
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        Metadata={"guard": {"skip": ALARM_CONTROL_SKIPS}},
    )


def build() -> Template:
    t = Template(
        Description="edu sample application: a health check of the platform's database and "
        "cache over TLS"
    )
    params = contract_parameters(t)
    add_resources(t, params, code_parameters(t))
    return t


def to_json() -> str:
    """The template as JSON, keys in a fixed order (the build's output is deterministic)."""
    data: dict[str, Any] = build().to_dict()
    return json.dumps(data, indent=1, sort_keys=True) + "\n"
