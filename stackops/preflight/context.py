"""The template as this account would see it: parameter values being deployed, the real account,
region and stack name, conditions chosen; plus who is deploying and what the stack owns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cfnmodel.resolve import resolved

from ..aws import stacks
from ..request import Request
from ..session import Session
from .findings import Report
from .permissions import STACK_RESOURCES

# Stands in for a value only CloudFormation will know (the stack ID of a stack not yet made, or
# the account when the caller cannot be learned): a name holding it is not checked.
UNKNOWN = "\x00unknown\x00"
SSM_PARAMETER_TYPE = "AWS::SSM::Parameter::Value<"
CHECKED_TYPES = frozenset(
    {
        "AWS::S3::Bucket",
        "AWS::RDS::DBInstance",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::Logs::LogGroup",
        "AWS::SecretsManager::Secret",
        "AWS::KMS::Key",
        "AWS::EC2::EIP",
        "AWS::EC2::VPC",
        "AWS::EC2::NatGateway",
    }
)


@dataclass(frozen=True)
class Caller:
    account: str | None = None
    principal: str | None = None  # as a key policy names it: an assumed role as its role ARN
    arn: str = "the caller"


@dataclass(frozen=True)
class Owned:
    """What the deployed stack already holds: its names need not be free."""

    logical_ids: frozenset[str] = frozenset()
    physical: frozenset[str] = frozenset()

    def holds(self, name: str) -> bool:
        return name in self.physical or name.lower() in {p.lower() for p in self.physical}


@dataclass
class Context:
    clients: Any
    region: str
    caller: Caller
    resources: dict[str, dict[str, Any]]
    parameters: dict[str, dict[str, Any]]
    values: dict[str, str]
    owned: Owned | None = field(default_factory=Owned)  # None: the stack's could not be read
    # Logical IDs that --import-existing adopts when their name exists: not a taken name.
    adoptable: frozenset[str] = frozenset()

    def new(self, logical_id: str) -> bool:
        return self.owned is None or logical_id not in self.owned.logical_ids

    def of_type(self, *types: str) -> list[tuple[str, dict[str, Any]]]:
        """(logical ID, Properties) of each resource of these types that the stack adds."""
        return [
            (lid, dict(res.get("Properties") or {}))
            for lid, res in self.resources.items()
            if isinstance(res, dict) and res.get("Type") in types and self.new(lid)
        ]


def known(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and UNKNOWN not in value


def relevant(template: dict[str, Any]) -> bool:
    """Whether any check has something to ask: if not, the preflight makes no AWS call."""
    resources = (template.get("Resources") or {}).values()
    if any(isinstance(r, dict) and r.get("Type") in CHECKED_TYPES for r in resources):
        return True
    params = (template.get("Parameters") or {}).values()
    if any(str((p or {}).get("Type", "")).startswith(SSM_PARAMETER_TYPE) for p in params):
        return True
    return "{{resolve:" in json.dumps(template.get("Resources") or {})


def build(
    session: Session, req: Request, stack: dict[str, Any] | None, report: Report
) -> Context | None:
    caller = whoami(session.clients.sts, report)
    report.caller = caller.arn
    values = deployed_values(req, stack)
    pseudo = pseudo_values(session.region, req.stack_name, stack, caller)
    try:
        document = account_view(req.template, values, pseudo)
    except Exception as exc:
        report.skip("every check", f"the template cannot be resolved ({exc})")
        return None
    return Context(
        clients=session.clients,
        region=session.region,
        caller=caller,
        resources=dict(document.get("Resources") or {}),
        parameters=dict(req.template.get("Parameters") or {}),
        values=values,
        owned=owned(session.cfn, stack, report),
        adoptable=_adoptable(req),
    )


def _adoptable(req: Request) -> frozenset[str]:
    if not req.import_existing:
        return frozenset()
    from ..importable import candidates

    return frozenset(c.logical_id for c in candidates(req.template) if c.eligible)


def whoami(sts: Any, report: Report) -> Caller:
    try:
        answer = sts.get_caller_identity()
    except Exception as exc:
        report.skip(
            "checks that need the account or the caller",
            f"GetCallerIdentity failed ({report.reason('key administration', exc)})",
        )
        return Caller()
    arn = str(answer.get("Arn", ""))
    return Caller(account=str(answer.get("Account", "")) or None, principal=role_arn(arn), arn=arn)


def role_arn(arn: str) -> str:
    """An assumed-role session ARN as the role's ARN (what key policies name), else the ARN."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        role = parts[5].split("/")[1]
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{role}"
    return arn


def deployed_values(req: Request, stack: dict[str, Any] | None) -> dict[str, str]:
    """The values the change set will carry: given ones, else (on update) the previous ones."""
    previous = {
        str(p["ParameterKey"]): str(p.get("ParameterValue", ""))
        for p in (stack or {}).get("Parameters") or []
    }
    declared = req.template.get("Parameters") or {}
    return {k: v for k, v in {**previous, **req.inputs.parameters}.items() if k in declared}


def pseudo_values(
    region: str, stack_name: str, stack: dict[str, Any] | None, caller: Caller
) -> dict[str, str]:
    partition = "aws-cn" if region.startswith("cn-") else "aws"
    if region.startswith("us-gov-"):
        partition = "aws-us-gov"
    return {
        "AWS::AccountId": caller.account or UNKNOWN,
        "AWS::Region": region,
        "AWS::Partition": partition,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        "AWS::StackName": stack_name,
        "AWS::StackId": str((stack or {}).get("StackId") or UNKNOWN),
    }


def account_view(
    template: dict[str, Any], values: dict[str, str], pseudo: dict[str, str]
) -> dict[str, Any]:
    """cfnmodel.resolve with this account's pseudo parameters instead of its stand-ins."""
    return resolved(template, values, pseudo=pseudo)


def owned(cfn: Any, stack: dict[str, Any] | None, report: Report) -> Owned | None:
    if stack is None:
        return Owned()
    try:
        listed = stacks.resources(cfn, str(stack["StackId"]))
    except Exception as exc:
        report.skip(STACK_RESOURCES, report.reason(STACK_RESOURCES, exc))
        return None
    physical = {str(r.get("PhysicalResourceId") or "") for r in listed}
    physical |= {secret_name(p) for p in physical if ":secret:" in p}
    return Owned(
        logical_ids=frozenset(str(r.get("LogicalResourceId", "")) for r in listed),
        physical=frozenset(p for p in physical if p),
    )


def secret_name(arn: str) -> str:
    """A secret's name from its ARN: Secrets Manager appends a hyphen and six characters."""
    name = arn.split(":secret:", 1)[1]
    return name[:-7] if len(name) > 7 and name[-7] == "-" else name
