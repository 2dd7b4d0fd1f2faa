"""Regional quotas the stack would pass: Elastic IPs, VPCs, NAT gateways per Availability Zone.

The limit comes from Service Quotas when it answers (an account may have a raised quota), else
from AWS's documented default. What exists is counted with EC2's Describe calls; what the stack
adds is counted from the template (resources it already holds are not new).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from .context import Context
from .findings import Finding, Report
from .permissions import EIP_QUOTA, NAT_QUOTA, VPC_QUOTA


@dataclass(frozen=True)
class Quota:
    check: str
    service: str
    code: str
    default: int  # https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
    what: str


EIPS = Quota(EIP_QUOTA, "ec2", "L-0263D0A3", 5, "Elastic IPs")
VPCS = Quota(VPC_QUOTA, "vpc", "L-F678F1CE", 5, "VPCs")
NATS = Quota(NAT_QUOTA, "vpc", "L-FE5A380F", 5, "NAT gateways per Availability Zone")


def limit(ctx: Context, quota: Quota) -> tuple[int, str]:
    """The applied quota and where it came from; the documented default when it cannot be read."""
    try:
        answer = ctx.clients.quotas.get_service_quota(
            ServiceCode=quota.service, QuotaCode=quota.code
        )
        return int(float(answer["Quota"]["Value"])), "Service Quotas"
    except Exception:
        return quota.default, "the documented default"


def _over(ctx: Context, report: Report, quota: Quota, exists: int, adds: int, where: str) -> None:
    allowed, source = limit(ctx, quota)
    if exists + adds > allowed:
        report.findings.append(
            Finding(
                quota.check,
                f"{quota.what}{where}",
                f"{exists} exist and the stack adds {adds}: over the quota of {allowed} ({source})",
                f"release unused ones, or ask for more: aws service-quotas "
                f"request-service-quota-increase --service-code {quota.service} "
                f"--quota-code {quota.code} --desired-value {exists + adds} "
                f"--region {ctx.region}",
            )
        )


def _eips(ctx: Context, report: Report) -> None:
    adds = len(ctx.of_type("AWS::EC2::EIP"))
    if adds:
        with report.attempt(EIP_QUOTA):
            answer = ctx.clients.ec2.describe_addresses(
                Filters=[{"Name": "domain", "Values": ["vpc"]}]
            )
            _over(ctx, report, EIPS, len(answer.get("Addresses") or []), adds, "")
            report.checked += 1


def _vpcs(ctx: Context, report: Report) -> None:
    adds = len(ctx.of_type("AWS::EC2::VPC"))
    if adds:
        with report.attempt(VPC_QUOTA):
            pages = ctx.clients.ec2.get_paginator("describe_vpcs").paginate()
            exists = sum(len(page.get("Vpcs") or []) for page in pages)
            _over(ctx, report, VPCS, exists, adds, "")
            report.checked += 1


def check(ctx: Context, report: Report) -> None:
    if ctx.owned is None:
        return  # what the stack already holds is unknown: everything would count as new
    _eips(ctx, report)
    _vpcs(ctx, report)
    new = ctx.of_type("AWS::EC2::NatGateway")
    if new:
        with report.attempt(NAT_QUOTA):
            _nats(ctx, report, new)
            report.checked += 1


def _nats(ctx: Context, report: Report, new: list[tuple[str, dict[str, Any]]]) -> None:
    exists = _existing_nats(ctx)
    zones: list[str] | None = None
    adds: Counter[str] = Counter()
    for _, props in new:
        zone, zones = _zone_of(ctx, props.get("SubnetId"), zones)
        # A zone the template does not say lands, for this count, where most gateways are.
        adds[zone or max(exists, key=lambda z: exists[z], default="?")] += 1
    for zone, count in sorted(adds.items()):
        _over(ctx, report, NATS, exists.get(zone, 0), count, f" in {zone}")


def _existing_nats(ctx: Context) -> Counter[str]:
    pages = ctx.clients.ec2.get_paginator("describe_nat_gateways").paginate(
        Filters=[{"Name": "state", "Values": ["pending", "available"]}]
    )
    subnets = [g["SubnetId"] for page in pages for g in page.get("NatGateways") or []]
    if not subnets:
        return Counter()
    found = ctx.clients.ec2.describe_subnets(SubnetIds=sorted(set(subnets)))
    zone = {s["SubnetId"]: s["AvailabilityZone"] for s in found.get("Subnets") or []}
    return Counter(zone.get(s, "?") for s in subnets)


def _zone_of(
    ctx: Context, subnet: Any, zones: list[str] | None
) -> tuple[str | None, list[str] | None]:
    """The zone of a subnet the template makes, when its AvailabilityZone is literal or picks
    from Fn::GetAZs by index; the region's zones are read once, on first need."""
    if not (isinstance(subnet, dict) and isinstance(subnet.get("Ref"), str)):
        return None, zones
    res = ctx.resources.get(subnet["Ref"]) or {}
    zone = (res.get("Properties") or {}).get("AvailabilityZone")
    if isinstance(zone, str):
        return zone, zones
    pick = zone.get("Fn::Select") if isinstance(zone, dict) else None
    if not (isinstance(pick, list) and len(pick) == 2 and isinstance(pick[1], dict)):
        return None, zones
    if "Fn::GetAZs" not in pick[1]:
        return None, zones
    if zones is None:
        answer = ctx.clients.ec2.describe_availability_zones(
            Filters=[{"Name": "state", "Values": ["available"]}]
        )
        zones = sorted(z["ZoneName"] for z in answer.get("AvailabilityZones") or [])
    index = int(str(pick[0]))
    return (zones[index] if index < len(zones) else None), zones
