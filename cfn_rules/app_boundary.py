"""E9108: an application's IAM roles and users carry the platform's permissions boundary."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c
from cfnmodel import intrinsics

BOUNDED_TYPES = ("AWS::IAM::Role", "AWS::IAM::User")
# The contract's key and the application's parameter name for it (templates/contract.py).
BOUNDARY_KEY = "boundary-arn"
BOUNDARY_PARAMETER = "BoundaryArn"
SSM_STRING = "AWS::SSM::Parameter::Value<String>"


def boundary_parameters(template: dict[str, Any]) -> list[str]:
    """Parameters that read the contract's boundary: named `BoundaryArn`, or an SSM string
    parameter whose default path ends in the boundary key."""
    found = []
    for name, spec in c.mapping(template.get("Parameters")).items():
        spec = c.mapping(spec)
        default = spec.get("Default")
        from_ssm = spec.get("Type") == SSM_STRING and (
            isinstance(default, str) and default.rstrip("/").endswith(f"/{BOUNDARY_KEY}")
        )
        if name == BOUNDARY_PARAMETER or from_ssm:
            found.append(name)
    return found


def refers_to(value: Any, parameters: list[str]) -> bool:
    """Every value the boundary can take is one of `parameters` (Ref, or Sub of only it); a
    branch that is AWS::NoValue leaves the role unbounded."""
    return all(_one_of(option, parameters) for option in options(value))


def options(value: Any) -> list[Any]:
    """Both sides of every Fn::If, AWS::NoValue kept (intrinsics.branches drops it)."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        parts = intrinsics.if_parts(value["Fn::If"])
        if parts is not None:
            return options(parts[1]) + options(parts[2])
    return [value]


def _one_of(value: Any, parameters: list[str]) -> bool:
    call = intrinsics.intrinsic(value)
    if call is None:
        return False
    if call[0] == "Ref":
        return call[1] in parameters
    if call[0] == "Fn::Sub" and isinstance(call[1], str):
        return call[1].strip() in {f"${{{p}}}" for p in parameters}
    return False


class AppBoundary(CloudFormationLintRule):
    """Blocker: in an application template (one that reads the platform's boundary), every IAM
    role and user has PermissionsBoundary set to that boundary.

    The platform's CloudFormation execution role may create IAM roles and users only with its
    boundary attached (a Deny on iam:CreateRole/CreateUser when iam:PermissionsBoundary is
    another value or absent), so such a resource fails the deploy with AccessDenied.
    """

    id = "E9108"
    shortdesc = "Application roles carry the boundary"
    description = "IAM roles and users of an application template have the platform's boundary"
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
    tags = ["iam", "blocker"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        parameters = boundary_parameters(cfn.template)
        if not parameters:
            return []
        matches = []
        for lid, rtype, props in c.resources(cfn.template):
            if rtype not in BOUNDED_TYPES:
                continue
            value = props.get("PermissionsBoundary")
            if value is not None and refers_to(value, parameters):
                continue
            path = ["Resources", lid, "Properties"]
            matches.append(
                RuleMatch(
                    path + (["PermissionsBoundary"] if value else []),
                    message(lid, rtype, value, parameters[0]),
                )
            )
        return matches


def message(lid: str, rtype: str, value: Any, parameter: str) -> str:
    what = (
        "has no PermissionsBoundary"
        if value is None
        else f"has a PermissionsBoundary that is not always the parameter '{parameter}'"
    )
    action = "iam:CreateRole" if rtype == "AWS::IAM::Role" else "iam:CreateUser"
    return (
        f"{rtype} '{lid}' {what}: the platform's CloudFormation execution role denies "
        f"{action} without its boundary, so the deploy fails with AccessDenied. "
        f"Fix: set PermissionsBoundary: !Ref {parameter}."
    )
