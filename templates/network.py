"""VPC, subnets in two or three AZs, NAT following NatMode, flow logs, and private paths to AWS
APIs: the S3 gateway endpoint and interface endpoints with private DNS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awacs import logs as logs_actions
from awacs.aws import (
    Allow,
    ArnLike,
    Condition,
    PolicyDocument,
    Statement,
    StringEquals,
)
from troposphere import (
    And,
    Cidr,
    GetAtt,
    GetAZs,
    If,
    NoValue,
    Ref,
    Select,
    Sub,
    ec2,
    iam,
    logs,
)
from troposphere import (
    Condition as UseCondition,
)

from templates import handles, policies
from templates.context import SUFFIX_PARAM, Context
from templates.security import HTTPS, KEY_ID, NO_EGRESS

MAX_AZS = 3
# One Fn::Cidr carves six /24s (8 host bits): public i -> i, private i -> MAX_AZS + i.
SUBNET_COUNT = 2 * MAX_AZS
SUBNET_HOST_BITS = 8
NAT_PER_AZ_IN_THIRD = "NatPerAzInThirdAz"
ENDPOINT_SECURITY_GROUP = "EndpointSecurityGroup"
# Interface endpoints (logical ID -> service), for what the workloads in the private subnets call:
#   secretsmanager: the rotation Lambda (its only AWS API) and the application's credentials;
#   kms: any client that calls KMS itself (envelope encryption, DescribeKey) rather than through
#        a service;
#   logs: log agents and SDK log shipping from the app tier;
#   sts: the SDKs' AssumeRole / web-identity calls of every role used inside the VPC.
# Not rds (the single-user rotation function speaks PostgreSQL on 5432, no RDS API), not lambda
# (Secrets Manager invokes the rotation function from outside the VPC), not elasticache (the app
# speaks Redis, not the ElastiCache API), not monitoring (nothing here publishes custom metrics:
# the alarms read AWS-vended ones). Each endpoint costs per AZ-hour, so only these four.
INTERFACE_ENDPOINTS = {
    "SecretsManagerEndpoint": "secretsmanager",
    "KmsEndpoint": "kms",
    "LogsEndpoint": "logs",
    "StsEndpoint": "sts",
}


def private_route_id(n: int) -> str:
    """Logical ID of AZ n's default route through NAT (for DependsOn of VPC-bound workloads)."""
    return f"PrivateDefaultRoute{n}"


def _per_az(values: list[Any], three_azs: str) -> Any:
    """A list property holding one value per AZ; the third only under ThreeAZs.

    Only the third item is conditional: repeating the whole list in both branches of an Fn::If
    costs ~30 bytes a use, and the template must stay under the 51,200-byte TemplateBody limit.
    """
    first, second, third = values
    return [first, second, If(three_azs, third, NoValue)]


def _per_az_csv(values: list[Any], three_azs: str) -> Any:
    """The IDs as one comma-separated string (outputs, Lambda VPC settings)."""
    first, second, third = (policies.sub_expr(v) for v in values)
    return If(three_azs, Sub(f"{first},{second},{third}"), Sub(f"{first},{second}"))


def add_network(ctx: Context, params: handles.Params) -> handles.Network:
    vpc_resource = _vpc(ctx, params)
    vpc = Ref(vpc_resource)
    public_rt = _internet_access(ctx, vpc)
    ctx.condition(
        NAT_PER_AZ_IN_THIRD, And(UseCondition(params.three_azs), UseCondition(params.nat_per_az))
    )
    cidrs = Cidr(params.vpc_cidr, SUBNET_COUNT, SUBNET_HOST_BITS)
    azs = [_add_az(ctx, params, n, vpc, public_rt, cidrs) for n in range(1, MAX_AZS + 1)]
    _private_default_routes(ctx, params, azs)
    route_tables = [az.route_table for az in azs]
    _s3_gateway_endpoint(ctx, vpc, _per_az(route_tables, params.three_azs))
    private_subnets = _per_az([az.private for az in azs], params.three_azs)
    _interface_endpoints(ctx, vpc_resource, private_subnets)
    _add_flow_logs(ctx, vpc)
    return _network_outputs(ctx, params, vpc_resource, azs)


def _vpc(ctx: Context, params: handles.Params) -> ec2.VPC:
    return ctx.add(
        ec2.VPC(
            "Vpc",
            CidrBlock=params.vpc_cidr,
            EnableDnsSupport=True,
            EnableDnsHostnames=True,
            Tags=ctx.tags("vpc"),
        )
    )


def _internet_access(ctx: Context, vpc: Ref) -> Ref:
    """The internet gateway and the public route table through it; returns the table."""
    igw = ctx.add(ec2.InternetGateway("InternetGateway", Tags=ctx.tags("igw")))
    attachment = ctx.add(
        ec2.VPCGatewayAttachment("InternetGatewayAttachment", VpcId=vpc, InternetGatewayId=Ref(igw))
    )
    public_rt = ctx.add(ec2.RouteTable("PublicRouteTable", VpcId=vpc, Tags=ctx.tags("public")))
    ctx.add(
        ec2.Route(
            "PublicDefaultRoute",
            DependsOn=attachment.title,
            RouteTableId=Ref(public_rt),
            DestinationCidrBlock="0.0.0.0/0",
            GatewayId=Ref(igw),
        )
    )
    return Ref(public_rt)


def _private_default_routes(ctx: Context, params: handles.Params, azs: list[_Az]) -> None:
    nat1 = azs[0].nat
    for az in azs:
        # Per-az mode: each AZ's own NAT; single mode: everyone uses NAT 1.
        nat = az.nat if az.n == 1 else If(params.nat_per_az, az.nat, nat1)
        ctx.add(
            ec2.Route(
                private_route_id(az.n),
                RouteTableId=az.route_table,
                DestinationCidrBlock="0.0.0.0/0",
                NatGatewayId=nat,
                **_in_az(params, az.n),
            )
        )


def _s3_gateway_endpoint(ctx: Context, vpc: Ref, route_table_ids: Any) -> None:
    ctx.add(
        ec2.VPCEndpoint(
            "S3GatewayEndpoint",
            VpcId=vpc,
            ServiceName=Sub("com.amazonaws.${AWS::Region}.s3"),
            VpcEndpointType="Gateway",
            RouteTableIds=route_table_ids,
            Tags=ctx.tags("s3-endpoint"),
        )
    )


def _interface_endpoints(ctx: Context, vpc: ec2.VPC, subnet_ids: Any) -> None:
    """One interface endpoint per service in every private subnet, private DNS on: the SDKs'
    default hostnames resolve to the endpoints, so these calls never leave the VPC."""
    group = ctx.add(
        ec2.SecurityGroup(
            ENDPOINT_SECURITY_GROUP,
            GroupDescription="Interface endpoints: HTTPS from the VPC",
            VpcId=Ref(vpc),
            SecurityGroupIngress=[
                ec2.SecurityGroupRule(
                    IpProtocol="tcp",
                    FromPort=HTTPS,
                    ToPort=HTTPS,
                    CidrIp=GetAtt(vpc, "CidrBlock"),
                    Description="HTTPS from the VPC",
                )
            ],
            # An endpoint only answers.
            SecurityGroupEgress=[NO_EGRESS],
            Tags=ctx.tags("endpoints"),
        )
    )
    for logical_id, service in INTERFACE_ENDPOINTS.items():
        ctx.add(
            ec2.VPCEndpoint(
                logical_id,
                VpcId=Ref(vpc),
                ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
                VpcEndpointType="Interface",
                PrivateDnsEnabled=True,
                SubnetIds=subnet_ids,
                SecurityGroupIds=[Ref(group)],
                Tags=ctx.tags(f"{service}-endpoint"),
            )
        )


def _network_outputs(
    ctx: Context, params: handles.Params, vpc: ec2.VPC, azs: list[_Az]
) -> handles.Network:
    public = [az.public for az in azs]
    private = [az.private for az in azs]
    ctx.output("VpcId", Ref(vpc))
    private_csv = _per_az_csv(private, params.three_azs)
    ctx.output("PublicSubnetIds", _per_az_csv(public, params.three_azs))
    ctx.output("PrivateSubnetIds", private_csv)
    return handles.Network(
        vpc_id=Ref(vpc),
        vpc_cidr=GetAtt(vpc, "CidrBlock"),
        private=handles.Subnets(id_list=_per_az(private, params.three_azs), id_csv=private_csv),
    )


@dataclass(frozen=True)
class _Az:
    n: int
    public: Any
    private: Any
    nat: Any
    route_table: Any


def _in_az(params: handles.Params, n: int) -> dict[str, Any]:
    """The Condition of a resource of AZ n: only the third AZ's are conditional."""
    return {"Condition": params.three_azs} if n == MAX_AZS else {}


def _add_az(
    ctx: Context, params: handles.Params, n: int, vpc: Any, public_rt: Any, cidrs: Any
) -> _Az:
    """AZ n's public and private subnet, its NAT gateway and its private route table."""
    in_az = _in_az(params, n)
    az = Select(n - 1, GetAZs(""))

    def subnet(kind: str, index: int) -> Any:
        return ctx.add(
            ec2.Subnet(
                f"{kind.capitalize()}Subnet{n}",
                VpcId=vpc,
                AvailabilityZone=az,
                CidrBlock=Select(index, cidrs),
                Tags=ctx.tags(f"{kind}-{n}"),
                **in_az,
            )
        )

    public = subnet("public", n - 1)
    private = subnet("private", MAX_AZS + n - 1)
    ctx.add(
        ec2.SubnetRouteTableAssociation(
            f"PublicSubnet{n}RouteTable", SubnetId=Ref(public), RouteTableId=public_rt, **in_az
        )
    )
    # NAT 1 always exists; NAT 2 and 3 only in per-az mode (3 also needs the third AZ).
    nat_condition = {1: None, 2: params.nat_per_az, 3: NAT_PER_AZ_IN_THIRD}[n]
    in_mode = {"Condition": nat_condition} if nat_condition else {}
    eip = ctx.add(ec2.EIP(f"NatEip{n}", Domain="vpc", Tags=ctx.tags(f"nat-{n}"), **in_mode))
    nat = ctx.add(
        ec2.NatGateway(
            f"NatGateway{n}",
            AllocationId=GetAtt(eip, "AllocationId"),
            SubnetId=Ref(public),
            Tags=ctx.tags(f"nat-{n}"),
            **in_mode,
        )
    )
    rt = ctx.add(
        ec2.RouteTable(f"PrivateRouteTable{n}", VpcId=vpc, Tags=ctx.tags(f"private-{n}"), **in_az)
    )
    ctx.add(
        ec2.SubnetRouteTableAssociation(
            f"PrivateSubnet{n}RouteTable", SubnetId=Ref(private), RouteTableId=Ref(rt), **in_az
        )
    )
    return _Az(n=n, public=Ref(public), private=Ref(private), nat=Ref(nat), route_table=Ref(rt))


def _add_flow_logs(ctx: Context, vpc_id: Any) -> None:
    group = _flow_log_group(ctx)
    role = ctx.add(
        iam.Role(
            "FlowLogRole",
            AssumeRolePolicyDocument=_flow_logs_trust(),
            Policies=[
                iam.Policy(
                    PolicyName="write-flow-logs",
                    PolicyDocument=_write_flow_logs(GetAtt(group, "Arn")),
                )
            ],
            Tags=ctx.tags("flow-logs"),
        )
    )
    ctx.add(
        ec2.FlowLog(
            "VpcFlowLog",
            ResourceId=vpc_id,
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="cloud-watch-logs",
            LogGroupName=Ref(group),
            DeliverLogsPermissionArn=GetAtt(role, "Arn"),
            Tags=ctx.tags("flow-log"),
        )
    )


def _flow_log_group(ctx: Context) -> logs.LogGroup:
    policy = ctx.profile.storage_policy
    return ctx.add(
        logs.LogGroup(
            "FlowLogGroup",
            LogGroupName=Sub(f"/edu/${{{SUFFIX_PARAM}}}/vpc-flow-logs"),
            KmsKeyId=GetAtt(KEY_ID, "Arn"),
            RetentionInDays=ctx.profile.log_retention_days,
            Tags=ctx.tags("flow-logs"),
            DeletionPolicy=policy,
            UpdateReplacePolicy=policy,
        )
    )


def _flow_logs_trust() -> PolicyDocument:
    """VPC Flow Logs may assume the role, only for this account's flow logs."""
    return policies.trust(
        "vpc-flow-logs.amazonaws.com",
        Condition(
            [
                StringEquals("aws:SourceAccount", Ref("AWS::AccountId")),
                ArnLike(
                    "aws:SourceArn",
                    Sub(
                        "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*"
                    ),
                ),
            ]
        ),
    )


def _write_flow_logs(log_group_arn: Any) -> PolicyDocument:
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Action=[
                    logs_actions.CreateLogStream,
                    logs_actions.PutLogEvents,
                    logs_actions.DescribeLogStreams,
                ],
                Resource=[log_group_arn],
            )
        ],
    )
