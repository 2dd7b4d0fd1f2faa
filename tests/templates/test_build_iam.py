"""Least privilege across the whole template: every role, managed policy and resource policy."""

from __future__ import annotations

import json
from typing import Any

from cfnmodel.intrinsics import walk

# Actions that AWS authorizes only against `Resource: "*"` (no resource-level permission in the
# Service Authorization Reference), each with the reason it is granted here.
RESOURCE_STAR_ALLOWED = {
    "ec2:DescribeDhcpOptions": "CodeBuild in a VPC; EC2 Describe* calls have no resource type",
    "ec2:DescribeNetworkInterfaces": "CodeBuild in a VPC; EC2 Describe* calls have no resource",
    "ec2:DescribeSecurityGroups": "CodeBuild in a VPC; EC2 Describe* calls have no resource type",
    "ec2:DescribeSubnets": "CodeBuild in a VPC; EC2 Describe* calls have no resource type",
    "ec2:DescribeVpcs": "CodeBuild in a VPC; EC2 Describe* calls have no resource type",
    "logs:DescribeLogGroups": "the execution roles' log group reads; it has no resource type",
    "logs:DescribeResourcePolicies": "the execution roles' log group reads; no resource type",
    # The staging platform's CloudFormation role (StagingPlatformExecutionRole) and the staging
    # deploy role: what CloudFormation's EC2, KMS, Logs and Secrets Manager handlers call that
    # has no resource type.
    **{
        f"ec2:{verb}": "staging platform: EC2 Describe* calls have no resource type"
        for verb in (
            "DescribeAccountAttributes",
            "DescribeAddresses",
            "DescribeAvailabilityZones",
            "DescribeFlowLogs",
            "DescribeInternetGateways",
            "DescribeNatGateways",
            "DescribePrefixLists",
            "DescribeRouteTables",
            "DescribeSecurityGroupRules",
            "DescribeTags",
            "DescribeVpcAttribute",
            "DescribeVpcEndpointServices",
            "DescribeVpcEndpoints",
        )
    },
    "kms:CreateKey": "staging platform: a key that does not exist yet has no ARN",
    "secretsmanager:GetRandomPassword": "staging platform: GenerateSecretString; no resource",
    **{
        f"logs:{verb}": "staging platform: ElastiCache log delivery (vended logs); no resource"
        for verb in (
            "CreateLogDelivery",
            "DeleteLogDelivery",
            "GetLogDelivery",
            "ListLogDeliveries",
            "UpdateLogDelivery",
            "PutResourcePolicy",
        )
    },
    # StagingBoundary is a ceiling, not a grant: its allows cover the calls above by verb.
    "ec2:Describe*": "StagingBoundary's ceiling: no EC2 Describe call has a resource type",
    "logs:Describe*": "StagingBoundary's ceiling: the Logs reads the staging roles make",
}

# In a key policy, "Resource": "*" means "this key": the policy is attached to one key only.
RESOURCE_IS_SELF = {"AWS::KMS::Key"}


def _json_documents(node: Any) -> list[dict[str, Any]]:
    """Policy documents written as JSON strings (bare, or as the template of an Fn::Sub)."""
    found = []
    for _, value in walk(node):
        if isinstance(value, str) and '"Statement"' in value:
            try:
                doc = json.loads(value)
            except ValueError:
                continue
            if isinstance(doc, dict):
                found.append(doc)
    return found


def statements(template: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(logical ID, resource type, statement) for every policy statement in the template.

    A statement is any dict with an `Effect` anywhere under Resources (inside Fn::If included),
    plus the statements of policy documents written as JSON strings, whoever wrote them.
    """
    found = []
    for lid, resource in template["Resources"].items():
        nodes = [resource, *_json_documents(resource)]
        for node in nodes:
            for _, value in walk(node):
                if isinstance(value, dict) and value.get("Effect") in ("Allow", "Deny"):
                    found.append((lid, resource["Type"], value))
    # Every test below loops over these: none found would pass them all.
    assert found, "no policy statement found in the template"
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _actions(statement: dict[str, Any]) -> list[Any]:
    return _as_list(statement.get("Action", []))


def _allows(template: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    allows = [s for s in statements(template) if s[2]["Effect"] == "Allow"]
    assert allows, "no Allow statement found in the template"
    return allows


def test_the_walker_sees_every_kind_of_policy(template: dict[str, Any], profile: str) -> None:
    # Guards the tests below against passing vacuously.
    kinds = {kind for _, kind, _ in statements(template)}
    assert {
        "AWS::IAM::Role",
        "AWS::IAM::ManagedPolicy",
        "AWS::KMS::Key",
        "AWS::SNS::TopicPolicy",
    } <= kinds
    # Buckets belong to the pipeline, which a staging platform has not.
    assert ("AWS::S3::BucketPolicy" in kinds) == (profile != "staging")


def test_no_statement_uses_not_action(template: dict[str, Any]) -> None:
    offenders = [lid for lid, _, s in statements(template) if "NotAction" in s]
    assert offenders == []


def test_no_statement_uses_not_principal_or_not_resource(template: dict[str, Any]) -> None:
    offenders = [
        lid for lid, _, s in statements(template) if {"NotPrincipal", "NotResource"} & set(s)
    ]
    assert offenders == []


def test_no_allow_grants_every_action(template: dict[str, Any]) -> None:
    offenders = [(lid, s) for lid, _, s in _allows(template) if "*" in _actions(s)]
    assert offenders == []


def test_no_allow_grants_a_whole_service(template: dict[str, Any]) -> None:
    # A Deny may say `s3:*` (the TLS-only bucket statements): widening a deny only takes power
    # away. An Allow never may.
    offenders = [
        (lid, a)
        for lid, _, s in _allows(template)
        for a in _actions(s)
        if isinstance(a, str) and a.endswith(":*")
    ]
    assert offenders == []


def test_every_action_is_a_service_action_string(template: dict[str, Any]) -> None:
    offenders = [
        (lid, a)
        for lid, _, s in statements(template)
        for a in _actions(s)
        if not (isinstance(a, str) and (a == "*" or ":" in a))
    ]
    assert offenders == []


def test_resource_star_only_for_actions_without_resource_level_permissions(
    template: dict[str, Any],
) -> None:
    offenders = [
        (lid, a)
        for lid, kind, s in _allows(template)
        if kind not in RESOURCE_IS_SELF and "*" in _as_list(s.get("Resource", []))
        for a in _actions(s)
        if a not in RESOURCE_STAR_ALLOWED
    ]
    assert offenders == []


def test_no_allow_is_granted_to_everyone(template: dict[str, Any]) -> None:
    def public(principal: Any) -> bool:
        if principal == "*":
            return True
        return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS", []))

    offenders = [lid for lid, _, s in _allows(template) if public(s.get("Principal"))]
    assert offenders == []


def test_every_identity_statement_names_its_resources(template: dict[str, Any]) -> None:
    # An identity-policy Allow without Resource is invalid IAM; without this test, a builder
    # that forgot it would slip past the Resource "*" rule above.
    offenders = [
        lid
        for lid, kind, s in _allows(template)
        if kind in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")
        or (kind == "AWS::IAM::Role" and "Principal" not in s)
        if not s.get("Resource")
    ]
    assert offenders == []
