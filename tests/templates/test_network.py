"""VPC, subnets per AZ, NAT following NatMode, flow logs and the S3 gateway endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import assert_has_resource_properties, resources, strings
from tests.templates.helpers import conditioned

AZ_RESOURCES = ("PublicSubnet{}", "PrivateSubnet{}", "PrivateRouteTable{}", "PrivateDefaultRoute{}")


def test_vpc_has_dns_support_and_hostnames(production: dict[str, Any]) -> None:
    assert_has_resource_properties(
        production,
        "AWS::EC2::VPC",
        {"EnableDnsSupport": True, "EnableDnsHostnames": True, "CidrBlock": {"Ref": "VpcCidr"}},
    )


@pytest.mark.parametrize("pattern", AZ_RESOURCES)
def test_first_two_azs_always_exist(production: dict[str, Any], pattern: str) -> None:
    for n in (1, 2):
        assert conditioned(production, pattern.format(n)) is None


@pytest.mark.parametrize("pattern", AZ_RESOURCES)
def test_third_az_resources_are_conditional(production: dict[str, Any], pattern: str) -> None:
    assert conditioned(production, pattern.format(3)) == "ThreeAZs"


def test_every_third_az_resource_is_conditional(production: dict[str, Any]) -> None:
    third = [lid for lid in resources(production) if lid.endswith("3")]
    assert third
    assert all(conditioned(production, lid) for lid in third), third


def test_subnet_cidrs_are_carved_from_the_vpc_cidr(production: dict[str, Any]) -> None:
    subnets = resources(production, "AWS::EC2::Subnet")
    assert len(subnets) == 6
    indexes = set()
    for res in subnets.values():
        select = res["Properties"]["CidrBlock"]["Fn::Select"]
        assert select[1]["Fn::Cidr"][0] == {"Ref": "VpcCidr"}
        indexes.add(select[0])
    assert indexes == set(range(6))


def test_subnets_take_azs_from_get_azs(production: dict[str, Any]) -> None:
    subnets = resources(production, "AWS::EC2::Subnet")
    assert subnets
    for res in subnets.values():
        az = res["Properties"]["AvailabilityZone"]["Fn::Select"]
        assert az[1] == {"Fn::GetAZs": ""}


def test_no_subnet_maps_public_ips(production: dict[str, Any]) -> None:
    subnets = resources(production, "AWS::EC2::Subnet")
    assert subnets
    for res in subnets.values():
        assert res["Properties"].get("MapPublicIpOnLaunch", False) is False


def test_first_nat_gateway_always_exists(production: dict[str, Any]) -> None:
    assert conditioned(production, "NatGateway1") is None


def test_second_nat_gateway_only_per_az(production: dict[str, Any]) -> None:
    assert conditioned(production, "NatGateway2") == "NatPerAz"


def test_third_nat_gateway_needs_three_azs_and_per_az(production: dict[str, Any]) -> None:
    condition = conditioned(production, "NatGateway3")
    assert production["Conditions"][condition] == {
        "Fn::And": [{"Condition": "ThreeAZs"}, {"Condition": "NatPerAz"}]
    }


@pytest.mark.parametrize("n", [2, 3])
def test_private_routes_use_own_nat_only_per_az(production: dict[str, Any], n: int) -> None:
    route = production["Resources"][f"PrivateDefaultRoute{n}"]["Properties"]
    assert route["NatGatewayId"] == {
        "Fn::If": ["NatPerAz", {"Ref": f"NatGateway{n}"}, {"Ref": "NatGateway1"}]
    }


def test_public_route_goes_through_the_internet_gateway(production: dict[str, Any]) -> None:
    assert_has_resource_properties(
        production,
        "AWS::EC2::Route",
        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": {"Ref": "InternetGateway"}},
    )


def test_flow_logs_capture_all_vpc_traffic(production: dict[str, Any]) -> None:
    assert_has_resource_properties(
        production,
        "AWS::EC2::FlowLog",
        {
            "ResourceId": {"Ref": "Vpc"},
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": {"Ref": "FlowLogGroup"},
        },
    )


def test_flow_log_group_is_kms_encrypted(production: dict[str, Any]) -> None:
    props = production["Resources"]["FlowLogGroup"]["Properties"]
    assert props["KmsKeyId"] == {"Fn::GetAtt": ["Key", "Arn"]}


def test_flow_log_role_writes_only_its_log_group(production: dict[str, Any]) -> None:
    role = production["Resources"]["FlowLogRole"]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert statements
    for statement in statements:
        assert statement["Resource"] == [{"Fn::GetAtt": ["FlowLogGroup", "Arn"]}]
        assert all(a.startswith("logs:") and "*" not in a for a in statement["Action"])


def test_flow_log_role_trusts_only_this_accounts_flow_logs(production: dict[str, Any]) -> None:
    trust = production["Resources"]["FlowLogRole"]["Properties"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert "aws:SourceAccount" in statement["Condition"]["StringEquals"]


def test_s3_gateway_endpoint_serves_every_private_route_table(
    production: dict[str, Any],
) -> None:
    assert_has_resource_properties(
        production,
        "AWS::EC2::VPCEndpoint",
        {
            "VpcEndpointType": "Gateway",
            "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"},
            "RouteTableIds": [
                {"Ref": "PrivateRouteTable1"},
                {"Ref": "PrivateRouteTable2"},
                {"Fn::If": ["ThreeAZs", {"Ref": "PrivateRouteTable3"}, {"Ref": "AWS::NoValue"}]},
            ],
        },
    )


def test_subnet_outputs_follow_the_az_count(production: dict[str, Any]) -> None:
    value = production["Outputs"]["PrivateSubnetIds"]["Value"]
    assert "ThreeAZs" in strings(value)


INTERFACE_ENDPOINTS = {
    "SecretsManagerEndpoint": "secretsmanager",
    "KmsEndpoint": "kms",
    "LogsEndpoint": "logs",
    "StsEndpoint": "sts",
}
PRIVATE_SUBNETS = [
    {"Ref": "PrivateSubnet1"},
    {"Ref": "PrivateSubnet2"},
    {"Fn::If": ["ThreeAZs", {"Ref": "PrivateSubnet3"}, {"Ref": "AWS::NoValue"}]},
]


def test_interface_endpoints_are_exactly_the_four_services(template: dict[str, Any]) -> None:
    interface = {
        lid: r["Properties"]["ServiceName"]
        for lid, r in resources(template, "AWS::EC2::VPCEndpoint").items()
        if r["Properties"]["VpcEndpointType"] == "Interface"
    }
    assert interface == {
        lid: {"Fn::Sub": f"com.amazonaws.${{AWS::Region}}.{service}"}
        for lid, service in INTERFACE_ENDPOINTS.items()
    }


@pytest.mark.parametrize("logical_id", INTERFACE_ENDPOINTS)
def test_interface_endpoint_has_private_dns_in_every_private_subnet(
    template: dict[str, Any], logical_id: str
) -> None:
    endpoint = template["Resources"][logical_id]
    assert "Condition" not in endpoint
    props = endpoint["Properties"]
    assert props["VpcId"] == {"Ref": "Vpc"}
    assert props["PrivateDnsEnabled"] is True
    assert props["SubnetIds"] == PRIVATE_SUBNETS
    assert props["SecurityGroupIds"] == [{"Ref": "EndpointSecurityGroup"}]
    assert "PolicyDocument" not in props


def test_endpoint_security_group_takes_only_https_from_the_vpc_and_sends_nothing(
    template: dict[str, Any],
) -> None:
    props = template["Resources"]["EndpointSecurityGroup"]["Properties"]
    assert props["VpcId"] == {"Ref": "Vpc"}
    assert props["SecurityGroupIngress"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "CidrIp": {"Fn::GetAtt": ["Vpc", "CidrBlock"]},
            "Description": "HTTPS from the VPC",
        }
    ]
    assert props["SecurityGroupEgress"] == [
        {"IpProtocol": "-1", "CidrIp": "127.0.0.1/32", "Description": "no egress"}
    ]


def test_nat_mode_defaults_to_one_gateway_per_az_in_production_only(
    production: dict[str, Any], ephemeral: dict[str, Any]
) -> None:
    assert production["Parameters"]["NatMode"]["Default"] == "per-az"
    assert ephemeral["Parameters"]["NatMode"]["Default"] == "single"
