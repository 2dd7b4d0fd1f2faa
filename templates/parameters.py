"""Deploy-time choices: Parameters, their Conditions, and Rules against bad combinations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from troposphere import Equals, Not, Ref

from templates import handles
from templates.context import SUFFIX_PARAM, Context

# Physical names are `edu-<part>-<suffix>`; buckets add `-<account>-<region>`. The tightest
# limits decide the suffix's length (longest region names today, e.g. ap-southeast-5: 14):
#   S3 bucket (63):     4 "edu-" + part + 1 + S + 1 + 12 account + 1 + 14 region = 33 + part + S
#                       -> S = 16 leaves 14 characters for a bucket's part ("artifacts" is 9).
#   ElastiCache group (40): "edu-cache-" 10 + S -> 26.
#   RDS identifier (63), IAM role (64), Lambda (64): part + S + 5 stays far below them.
# Lowercase only (S3), starts and ends alphanumeric and never `--` (ElastiCache, RDS).
SUFFIX_MAX_LENGTH = 16
SUFFIX_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"

# Subnets are /24 (Fn::Cidr with 8 host bits) and there are up to six: the VPC is /16../21.
VPC_CIDR_PATTERN = r"^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)/(1[6-9]|2[01])$"
DB_INSTANCE_CLASSES = [
    "db.t4g.medium",
    "db.t4g.large",
    "db.m7g.large",
    "db.m7g.xlarge",
    "db.r7g.large",
    "db.r7g.xlarge",
]
CACHE_NODE_TYPES = [
    "cache.t4g.micro",
    "cache.t4g.small",
    "cache.t4g.medium",
    "cache.m7g.large",
    "cache.r7g.large",
]
# A replication group has one primary and up to five replicas.
CACHE_NODE_COUNTS = ["1", "2", "3", "4", "5", "6"]

# DbPort's default: not PostgreSQL's 5432, which Control Tower's CT.RDS.PR.20 refuses.
DB_PORT = 5433

GROUP_ENV = "Environment"
GROUP_NET = "Network"
GROUP_DATA = "Data tier"
GROUP_OPS = "Operations and delivery"
# NatMode's default per profile: production survives the loss of an AZ (each private subnet
# leaves through its own AZ's NAT gateway); ephemeral stacks keep the one, cheaper gateway.
NAT_MODE_DEFAULTS = {"production": "per-az", "ephemeral": "single", "staging": "single"}
# A staging platform holds no student data: one database instance and one cache node, which
# Multi-AZ's rule (below) allows together. Its data-tier availability controls are skipped with
# that reason (data.py).
PROFILE_DEFAULTS: dict[str, dict[str, str]] = {
    "staging": {"DbMultiAz": "false", "CacheNodeCount": "1"},
}
# The pipeline's staging platform is named after production's: `<suffix>-stg`. It has no
# buckets (whose names bound SUFFIX_MAX_LENGTH), so its suffix may be that much longer.
STAGING_SUFFIX_TAIL = "-stg"
STAGING_SUFFIX_MAX_LENGTH = SUFFIX_MAX_LENGTH + len(STAGING_SUFFIX_TAIL)
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# Who approves production deploys (the pipeline's Approval notices). Production has no default:
# a production stack without an approver would leave approvals unseen. Ephemeral stacks may
# leave it empty (no subscription), as their pipelines are for trying things out.
APPROVER_EMAIL = "ApproverEmail"


@dataclass(frozen=True)
class _Spec:
    """One parameter: its place in the console form and its CloudFormation properties."""

    name: str
    group: str
    label: str
    props: dict[str, Any]


# In console order: the form lists groups, and parameters within a group, as they come here.
PARAMETERS: tuple[_Spec, ...] = (
    _Spec(
        SUFFIX_PARAM,
        GROUP_ENV,
        "Environment suffix",
        {
            "Type": "String",
            "Description": "In every resource name; unique per stack, e.g. prod",
            "AllowedPattern": SUFFIX_PATTERN,
            "MinLength": 2,
            "MaxLength": SUFFIX_MAX_LENGTH,
            "ConstraintDescription": f"2-{SUFFIX_MAX_LENGTH} chars: a-z, 0-9, single inner hyphens",
        },
    ),
    _Spec(
        "AzCount",
        GROUP_NET,
        "Availability Zones",
        {"Type": "String", "AllowedValues": ["2", "3"], "Default": "2"},
    ),
    _Spec(
        "NatMode",
        GROUP_NET,
        "NAT gateways",
        {"Type": "String", "AllowedValues": ["single", "per-az"]},
    ),
    _Spec(
        "VpcCidr",
        GROUP_NET,
        "VPC CIDR block",
        {
            "Type": "String",
            "Default": "10.40.0.0/16",
            "AllowedPattern": VPC_CIDR_PATTERN,
            "ConstraintDescription": "IPv4 CIDR /16 to /21",
        },
    ),
    _Spec(
        "DbInstanceClass",
        GROUP_DATA,
        "Database instance class",
        {
            "Type": "String",
            "AllowedValues": DB_INSTANCE_CLASSES,
            "Default": DB_INSTANCE_CLASSES[0],
        },
    ),
    _Spec(
        "DbAllocatedStorage",
        GROUP_DATA,
        "Database storage (GiB)",
        {"Type": "Number", "MinValue": 20, "MaxValue": 2000, "Default": 20},
    ),
    _Spec(
        "DbMultiAz",
        GROUP_DATA,
        "Database Multi-AZ",
        {"Type": "String", "AllowedValues": ["true", "false"], "Default": "true"},
    ),
    _Spec(
        "DbPort",
        GROUP_DATA,
        "Database port",
        {
            "Type": "Number",
            "Description": "Not PostgreSQL's default 5432 (Control Tower CT.RDS.PR.20); a stack "
            "created before 5433 keeps its port by deploying with DbPort=5432 (docs/template.md)",
            "MinValue": 1150,
            "MaxValue": 65535,
            "Default": DB_PORT,
        },
    ),
    _Spec(
        "CacheNodeType",
        GROUP_DATA,
        "Cache node type",
        {"Type": "String", "AllowedValues": CACHE_NODE_TYPES, "Default": CACHE_NODE_TYPES[0]},
    ),
    _Spec(
        "CacheNodeCount",
        GROUP_DATA,
        "Cache nodes (2+: failover)",
        {"Type": "String", "AllowedValues": CACHE_NODE_COUNTS, "Default": "2"},
    ),
    _Spec(
        "AlarmEmail",
        GROUP_OPS,
        "Alarm e-mail (optional)",
        {"Type": "String", "Default": "", "AllowedPattern": f"^$|{EMAIL_PATTERN}"},
    ),
    _Spec(
        APPROVER_EMAIL,
        GROUP_OPS,
        "Approver e-mail (production deploys)",
        {
            "Type": "String",
            "Description": "Gets each pending production approval with a link to its review",
            "AllowedPattern": EMAIL_PATTERN,
            "ConstraintDescription": "an e-mail address",
        },
    ),
)


def _profile_props(ctx: Context, spec: _Spec) -> dict[str, Any]:
    """The spec's properties, with the defaults that depend on the profile filled in."""
    if spec.name == "NatMode":
        return {**spec.props, "Default": NAT_MODE_DEFAULTS[ctx.profile.name]}
    if spec.name in PROFILE_DEFAULTS.get(ctx.profile.name, {}):
        return {**spec.props, "Default": PROFILE_DEFAULTS[ctx.profile.name][spec.name]}
    if spec.name == SUFFIX_PARAM and not ctx.profile.pipeline:
        longest = STAGING_SUFFIX_MAX_LENGTH
        return {
            **spec.props,
            "MaxLength": longest,
            "ConstraintDescription": f"2-{longest} chars: a-z, 0-9, single inner hyphens",
        }
    if spec.name == APPROVER_EMAIL and ctx.profile.name != "production":
        optional = {
            "AllowedPattern": f"^$|{EMAIL_PATTERN}",
            "ConstraintDescription": "empty, or an e-mail address",
        }
        return {**spec.props, "Default": "", **optional}
    return spec.props


def add_parameters(ctx: Context) -> handles.Params:
    ref = {
        spec.name: Ref(
            ctx.parameter(
                spec.name, group=spec.group, label=spec.label, **_profile_props(ctx, spec)
            )
        )
        for spec in PARAMETERS
        # Only a platform with a pipeline has approvals to send.
        if spec.name != APPROVER_EMAIL or ctx.profile.pipeline
    }
    params = handles.Params(
        vpc_cidr=ref["VpcCidr"],
        db_instance_class=ref["DbInstanceClass"],
        db_allocated_storage=ref["DbAllocatedStorage"],
        db_multi_az=ref["DbMultiAz"],
        db_port=ref["DbPort"],
        cache_node_type=ref["CacheNodeType"],
        cache_node_count=ref["CacheNodeCount"],
        alarm_email=ref["AlarmEmail"],
        three_azs=ctx.condition("ThreeAZs", Equals(ref["AzCount"], "3")),
        nat_per_az=ctx.condition("NatPerAz", Equals(ref["NatMode"], "per-az")),
        has_alarm_email=ctx.condition("HasAlarmEmail", Not(Equals(ref["AlarmEmail"], ""))),
        cache_multi_node=ctx.condition("CacheMultiNode", Not(Equals(ref["CacheNodeCount"], "1"))),
    )
    _add_rules(ctx)
    return params


def _add_rules(ctx: Context) -> None:
    """Rules run before any resource is touched, so a bad combination costs nothing."""
    # A standby database that fails over to an AZ whose cache node died with the first AZ
    # still leaves the platform down: Multi-AZ on one tier only pays without the benefit.
    ctx.template.add_rule(
        "MultiAzDatabaseNeedsMultiNodeCache",
        {
            "RuleCondition": {"Fn::Equals": [Ref("DbMultiAz"), "true"]},
            "Assertions": [
                {
                    "Assert": {"Fn::Not": [{"Fn::Equals": [Ref("CacheNodeCount"), "1"]}]},
                    "AssertDescription": "DbMultiAz=true needs CacheNodeCount >= 2.",
                },
            ],
        },
    )
