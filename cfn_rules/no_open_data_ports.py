"""W9204: no ingress from anywhere (0.0.0.0/0, ::/0) to a data port."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c
from cfnmodel import intrinsics

DATA_PORTS = {
    1433: "SQL Server",
    1521: "Oracle",
    2049: "NFS",
    3306: "MySQL",
    5432: "PostgreSQL",
    5439: "Redshift",
    6379: "Redis",
    8182: "Neptune",
    9042: "Cassandra",
    9200: "OpenSearch",
    11211: "Memcached",
    27017: "MongoDB/DocumentDB",
}
OPEN = ("0.0.0.0/0", "::/0")


def exposed_ports(rule: dict[str, Any]) -> list[int] | None:
    """Data ports an ingress rule opens; None when the ports are not literal (unknown)."""
    # A missing protocol reads as "none", which opens nothing, like any unknown protocol.
    protocol = str(rule.get("IpProtocol")).lower()
    if protocol in ("-1", "all"):
        return sorted(DATA_PORTS)
    if protocol not in ("tcp", "6", "udp", "17"):
        return []
    low, high = c.literal_int(rule.get("FromPort")), c.literal_int(rule.get("ToPort"))
    if low is None or high is None:
        return None
    if low == -1:
        return sorted(DATA_PORTS)
    return [p for p in sorted(DATA_PORTS) if low <= p <= high]


class NoOpenDataPorts(CloudFormationLintRule):
    """Promise: data ports (PostgreSQL 5432, MySQL 3306, Redis 6379, SQL Server 1433, Oracle
    1521, MongoDB 27017, ...) never accept 0.0.0.0/0 or ::/0. Ports given by a parameter or an
    attribute (e.g. the DB's Endpoint.Port) count as data ports.
    """

    id = "W9204"
    shortdesc = "No open data ports"
    description = "No security group ingress from anywhere to a database or cache port"
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
    tags = ["network", "promise"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches = []
        for lid, rtype, props in c.resources(cfn.template):
            rules: list[tuple[list[Any], dict[str, Any]]] = []
            if rtype == "AWS::EC2::SecurityGroup":
                for where, r in intrinsics.indexed_items(props.get("SecurityGroupIngress")):
                    if isinstance(r, dict):
                        rules.append((["SecurityGroupIngress", *where], r))
            elif rtype == "AWS::EC2::SecurityGroupIngress":
                rules.append(([], props))
            for path, rule in rules:
                cidr = rule.get("CidrIp") or rule.get("CidrIpv6")
                if cidr not in OPEN:
                    continue
                ports = exposed_ports(rule)
                if ports == []:
                    continue
                what = (
                    "a port set by a parameter or attribute"
                    if ports is None
                    else ", ".join(f"{p} ({DATA_PORTS[p]})" for p in ports)
                )
                matches.append(
                    RuleMatch(
                        ["Resources", lid, "Properties", *path],
                        f"Ingress from {cidr} to {what}. Fix: allow only the application's "
                        "security groups (SourceSecurityGroupId).",
                    )
                )
        return matches
