"""W9204 (cfn_rules.no_open_data_ports): protocols, port ranges and several ingress rules."""

from __future__ import annotations

from tests.support.rules import findings

FIX = "Fix: allow only the application's security groups (SourceSecurityGroupId)."
ALL_PORTS = (
    "1433 (SQL Server), 1521 (Oracle), 2049 (NFS), 3306 (MySQL), 5432 (PostgreSQL), "
    "5439 (Redshift), 6379 (Redis), 8182 (Neptune), 9042 (Cassandra), 9200 (OpenSearch), "
    "11211 (Memcached), 27017 (MongoDB/DocumentDB)"
)


def group(*ingress: str) -> str:
    """A template whose security group `Db` has the ingress rules given (one flow map each)."""
    rules = "".join(f"\n        - {rule}" for rule in ingress)
    return f"""
Parameters:
  Port:
    Type: Number
Resources:
  Db:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: db
      SecurityGroupIngress:{rules}
"""


def w9204(template: str) -> list[tuple[int, str]]:
    return [(line, message) for _, line, message in findings("no_open_data_ports", template)]


def test_protocol_all_opens_every_data_port() -> None:
    assert w9204(group("{IpProtocol: ALL, CidrIp: 0.0.0.0/0}")) == [
        (11, f"Ingress from 0.0.0.0/0 to {ALL_PORTS}. {FIX}")
    ]


def test_tcp_given_by_its_protocol_number_is_checked() -> None:
    rule = "{IpProtocol: 6, FromPort: 5432, ToPort: 5432, CidrIp: 0.0.0.0/0}"
    assert w9204(group(rule)) == [(11, f"Ingress from 0.0.0.0/0 to 5432 (PostgreSQL). {FIX}")]


def test_udp_by_name_or_number_is_checked() -> None:
    by_name = "{IpProtocol: UDP, FromPort: 2049, ToPort: 2049, CidrIp: 0.0.0.0/0}"
    by_number = "{IpProtocol: '17', FromPort: 2049, ToPort: 2049, CidrIpv6: '::/0'}"
    assert w9204(group(by_name, by_number)) == [
        (11, f"Ingress from 0.0.0.0/0 to 2049 (NFS). {FIX}"),
        (12, f"Ingress from ::/0 to 2049 (NFS). {FIX}"),
    ]


def test_other_protocols_open_no_data_port() -> None:
    rule = "{IpProtocol: icmp, FromPort: -1, ToPort: -1, CidrIp: 0.0.0.0/0}"
    assert w9204(group(rule)) == []


def test_a_missing_protocol_opens_no_data_port() -> None:
    assert w9204(group("{FromPort: 5432, ToPort: 5432, CidrIp: 0.0.0.0/0}")) == []


def test_port_minus_one_opens_every_data_port() -> None:
    rule = "{IpProtocol: tcp, FromPort: -1, ToPort: -1, CidrIp: 0.0.0.0/0}"
    assert w9204(group(rule)) == [(11, f"Ingress from 0.0.0.0/0 to {ALL_PORTS}. {FIX}")]


def test_a_range_whose_upper_port_is_a_parameter_counts_as_a_data_port() -> None:
    rule = "{IpProtocol: tcp, FromPort: 5432, ToPort: !Ref Port, CidrIp: 0.0.0.0/0}"
    assert w9204(group(rule)) == [
        (11, f"Ingress from 0.0.0.0/0 to a port set by a parameter or attribute. {FIX}")
    ]


def test_a_range_is_flagged_for_each_data_port_inside_it() -> None:
    rule = "{IpProtocol: tcp, FromPort: 5432, ToPort: 6379, CidrIp: 0.0.0.0/0}"
    assert w9204(group(rule)) == [
        (11, f"Ingress from 0.0.0.0/0 to 5432 (PostgreSQL), 5439 (Redshift), 6379 (Redis). {FIX}")
    ]


def test_rules_after_a_closed_one_are_still_checked() -> None:
    closed = "{IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 10.0.0.0/8}"
    opened = "{IpProtocol: tcp, FromPort: 3306, ToPort: 3306, CidrIp: 0.0.0.0/0}"
    assert w9204(group(closed, opened)) == [(12, f"Ingress from 0.0.0.0/0 to 3306 (MySQL). {FIX}")]


def test_rules_after_an_open_web_port_are_still_checked() -> None:
    web = "{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}"
    opened = "{IpProtocol: tcp, FromPort: 3306, ToPort: 3306, CidrIp: 0.0.0.0/0}"
    assert w9204(group(web, opened)) == [(12, f"Ingress from 0.0.0.0/0 to 3306 (MySQL). {FIX}")]
