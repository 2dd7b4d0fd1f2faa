"""Quotas: counted on moto's server (which has no Service Quotas answer, so the documented
defaults apply); a raised quota from Stubber's Service Quotas."""

from __future__ import annotations

from botocore.stub import Stubber

from stackops.preflight.runner import inspect
from tests.support.preflight import (
    ACCOUNT,
    client,
    moto_session,
    request,
    resource,
    stub_client,
    stubbed_session,
    with_resources,
)


def eips(count: int) -> dict[str, object]:
    return with_resources(
        **{f"Eip{i}": resource("AWS::EC2::EIP", Domain="vpc") for i in range(count)}
    )


def test_elastic_ips_over_the_default_quota(account: str) -> None:
    ec2 = client(account, "ec2")
    for _ in range(4):
        ec2.allocate_address(Domain="vpc")
    session, _ = moto_session(account)
    assert inspect(session, request(eips(1)), None).findings == []
    report = inspect(session, request(eips(2)), None)
    assert len(report.findings) == 1
    finding = report.findings[0]
    assert (
        finding.problem
        == "4 exist and the stack adds 2: over the quota of 5 (the documented default)"
    )
    assert "--quota-code L-0263D0A3 --desired-value 6" in finding.fix


def test_vpcs_count_the_default_vpc(account: str) -> None:
    ec2 = client(account, "ec2")
    for i in range(3):
        ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")
    session, _ = moto_session(account)
    vpc = with_resources(Vpc=resource("AWS::EC2::VPC", CidrBlock="10.9.0.0/16"))
    assert inspect(session, request(vpc), None).findings == []
    ec2.create_vpc(CidrBlock="10.8.0.0/16")
    assert [f.check for f in inspect(session, request(vpc), None).findings] == ["VPC quota"]


def test_nat_gateways_per_zone(account: str) -> None:
    ec2 = client(account, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1a")
    for _ in range(5):
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.create_nat_gateway(SubnetId=subnet["Subnet"]["SubnetId"], AllocationId=allocation)
    session, _ = moto_session(account)

    def nat_in(index: int) -> dict[str, object]:
        zone = {"Fn::Select": [index, {"Fn::GetAZs": ""}]}
        return with_resources(
            Public=resource(
                "AWS::EC2::Subnet", AvailabilityZone=zone, VpcId="vpc-1", CidrBlock="10.1.0.0/24"
            ),
            Nat=resource("AWS::EC2::NatGateway", SubnetId={"Ref": "Public"}),
        )

    report = inspect(session, request(nat_in(0)), None)
    assert [f.subject for f in report.findings] == [
        "NAT gateways per Availability Zone in us-east-1a"
    ]
    assert inspect(session, request(nat_in(1)), None).findings == []


def test_a_raised_quota_from_service_quotas_is_used() -> None:
    sts, ec2, quotas = stub_client("sts"), stub_client("ec2"), stub_client("service-quotas")
    with Stubber(sts) as s, Stubber(ec2) as e, Stubber(quotas) as q:
        s.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::1:user/u"})
        e.add_response(
            "describe_addresses", {"Addresses": [{"AllocationId": f"a{i}"} for i in range(9)]}
        )
        q.add_response(
            "get_service_quota",
            {"Quota": {"Value": 10.0}},
            {"ServiceCode": "ec2", "QuotaCode": "L-0263D0A3"},
        )
        session, _ = stubbed_session(sts=sts, ec2=ec2, quotas=quotas)
        assert inspect(session, request(eips(1)), None).findings == []
        e.add_response(
            "describe_addresses", {"Addresses": [{"AllocationId": f"a{i}"} for i in range(9)]}
        )
        q.add_response("get_service_quota", {"Quota": {"Value": 10.0}})
        s.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::1:user/u"})
        report = inspect(session, request(eips(2)), None)
    assert report.findings[0].problem.endswith("over the quota of 10 (Service Quotas)")


def test_denied_describe_is_a_skip() -> None:
    sts, ec2 = stub_client("sts"), stub_client("ec2")
    with Stubber(sts) as s, Stubber(ec2) as e:
        s.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::1:user/u"})
        e.add_client_error("describe_addresses", "UnauthorizedOperation", http_status_code=403)
        session, _ = stubbed_session(sts=sts, ec2=ec2)
        report = inspect(session, request(eips(1)), None)
    assert report.skips == [
        "preflight: skipped Elastic IP quota: arn:aws:iam::1:user/u may not list Elastic IPs "
        "(needs ec2:DescribeAddresses)"
    ]
