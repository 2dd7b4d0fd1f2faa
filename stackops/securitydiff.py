"""What a change set widens or narrows: IAM, security groups, key, bucket, topic and queue policies.

Pure: the deployed template and the new one in, rows out; no AWS call. Both templates are first
resolved with their parameter values (cfnmodel.resolve), so `!If` branches and `!Ref Param` are
compared as CloudFormation would send them; references to resources stay as written.

A policy statement is split into atoms, one per principal and action, so that a statement that
gains one action (say `*`) shows as that one action added rather than as a whole statement
removed and another added. An atom present only in the new template is `+`, only in the old one
`-`. An added Allow widens, a removed one narrows; for Deny it is the other way round. A
security-group rule (protocol, ports, peer) added widens, removed narrows. Conditions,
resources and Not* elements are part of the atom: dropping a Condition shows as the conditioned
atom removed and the unconditioned one added, which widens.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cfnmodel import intrinsics, resolve

IAM = "IAM"
TRUST = "IAM trust"
SG = "SG"
KMS = "KMS"
BUCKET = "bucket policy"
TOPIC = "topic policy"
QUEUE = "queue policy"
WIDENS = "widens"
NARROWS = "narrows"


@dataclass(frozen=True, order=True)
class SecurityRow:
    resource: str  # the logical ID of the resource holding the policy or rule
    kind: str  # IAM | IAM trust | SG | KMS | bucket policy | topic policy | queue policy
    sign: str  # "+" (only in the new template) | "-" (only in the deployed one)
    effect: str  # Allow | Deny; for a security group: ingress | egress
    principal: str  # who; for a security group: the peer (CIDR, group, prefix list)
    action: str  # what; for a security group: the protocol
    target: str  # on what; for a security group: the ports
    direction: str  # widens | narrows

    def as_dict(self) -> dict[str, str]:
        return {
            "resource": self.resource,
            "kind": self.kind,
            "change": self.sign,
            "effect": self.effect,
            "principal": self.principal,
            "action": self.action,
            "target": self.target,
            "direction": self.direction,
        }


# One atom: (kind, effect, principal, action, target); the resource is the key it is filed under.
Atom = tuple[str, str, str, str, str]


def diff(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    old_parameters: Mapping[str, str] | None = None,
    new_parameters: Mapping[str, str] | None = None,
) -> list[SecurityRow]:
    """Every access atom added or removed between the deployed template (None on create) and the
    new one, each marked as widening or narrowing."""
    before = atoms_of(_resolved(old, old_parameters)) if old is not None else {}
    after = atoms_of(_resolved(new, new_parameters))
    out: list[SecurityRow] = []
    for resource in sorted(set(before) | set(after)):
        was, now = before.get(resource, set()), after.get(resource, set())
        out += [_row(resource, "+", atom) for atom in sorted(now - was)]
        out += [_row(resource, "-", atom) for atom in sorted(was - now)]
    return out


def widening(found: Iterable[SecurityRow]) -> list[SecurityRow]:
    return [r for r in found if r.direction == WIDENS]


def _row(resource: str, sign: str, atom: Atom) -> SecurityRow:
    kind, effect, principal, action, target = atom
    grants = effect != "Deny"
    direction = WIDENS if (sign == "+") == grants else NARROWS
    return SecurityRow(resource, kind, sign, effect, principal, action, target, direction)


def _resolved(template: Mapping[str, Any], given: Mapping[str, str] | None) -> Mapping[str, Any]:
    """The template with parameters and conditions applied; as written when that is impossible
    (a parameter without value, an unknown function): a raw comparison still shows changes."""
    try:
        return resolve.resolved(template, dict(given or {}))
    except (resolve.ResolveError, KeyError, TypeError, ValueError, IndexError):
        return template


def atoms_of(template: Mapping[str, Any]) -> dict[str, set[Atom]]:
    """Access atoms per logical ID, for every resource type this module knows."""
    out: dict[str, set[Atom]] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, Mapping):
            continue
        reader = _READERS.get(str(resource.get("Type", "")))
        props = resource.get("Properties")
        if reader is None or not isinstance(props, Mapping):
            continue
        found = set(reader(props))
        if found:
            out[str(logical_id)] = found
    return out


# --------------------------------------------------------------------------- text


def text(value: Any) -> str:
    """A value as one short string: rendered intrinsics (`${Bucket.Arn}`), else compact JSON."""
    if value is None:
        return "-"
    rendered = intrinsics.render(value)
    if rendered is not None:
        return rendered
    if isinstance(value, list):
        return ",".join(sorted(text(v) for v in value))
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


# --------------------------------------------------------------------------- policies


def _principals(statement: Mapping[str, Any]) -> list[str]:
    for key, prefix in (("Principal", ""), ("NotPrincipal", "not ")):
        if key not in statement:
            continue
        value = statement[key]
        if not isinstance(value, Mapping) or intrinsics.is_intrinsic(value):
            return [prefix + text(value)]
        return sorted(
            f"{prefix}{kind}:{text(item)}"
            for kind, items in value.items()
            for item in _listed(items)
        )
    return ["-"]  # an identity policy: the role, user or group it is attached to


def _actions(statement: Mapping[str, Any]) -> list[str]:
    if "NotAction" in statement:
        return ["not " + text(statement["NotAction"])]
    return sorted({text(a) for a in _listed(statement.get("Action"))}) or ["-"]


def _target(statement: Mapping[str, Any]) -> str:
    if "NotResource" in statement:
        where = "not " + text(statement["NotResource"])
    else:
        where = text(statement.get("Resource"))
    if statement.get("Condition"):
        where += " if " + text(statement["Condition"])
    return where


def statement_atoms(kind: str, document: Any) -> set[Atom]:
    """One atom per principal and action of every statement in a policy document."""
    if not isinstance(document, Mapping):
        return {(kind, "?", "-", "policy " + text(document), "-")} if document else set()
    out: set[Atom] = set()
    for statement in _listed(document.get("Statement")):
        if not isinstance(statement, Mapping):
            out.add((kind, "?", "-", "statement " + text(statement), "-"))
            continue
        effect = str(statement.get("Effect", "Allow"))
        target = _target(statement)
        for principal in _principals(statement):
            for action in _actions(statement):
                out.add((kind, effect, principal, action, target))
    return out


def _identity(props: Mapping[str, Any]) -> set[Atom]:
    """Role, user or group: inline policies and attached managed policies."""
    out: set[Atom] = set()
    for policy in _listed(props.get("Policies")):
        if isinstance(policy, Mapping):
            out |= statement_atoms(IAM, policy.get("PolicyDocument"))
    for arn in _listed(props.get("ManagedPolicyArns")):
        out.add((IAM, "Allow", "-", "managed policy " + text(arn), "-"))
    return out


def _role(props: Mapping[str, Any]) -> set[Atom]:
    return _identity(props) | statement_atoms(TRUST, props.get("AssumeRolePolicyDocument"))


def _policy(props: Mapping[str, Any]) -> set[Atom]:
    """AWS::IAM::Policy and ManagedPolicy: the document, and whom it is attached to."""
    out = statement_atoms(IAM, props.get("PolicyDocument"))
    for key in ("Roles", "Users", "Groups"):
        for name in _listed(props.get(key)):
            out.add((IAM, "Allow", f"{key[:-1].lower()}:{text(name)}", "attached", "-"))
    return out


def _document(kind: str, key: str) -> Callable[[Mapping[str, Any]], set[Atom]]:
    return lambda props: statement_atoms(kind, props.get(key))


# --------------------------------------------------------------------------- security groups

_PEERS = (
    "CidrIp",
    "CidrIpv6",
    "SourceSecurityGroupId",
    "SourceSecurityGroupName",
    "SourceSecurityGroupOwnerId",
    "SourcePrefixListId",
    "DestinationSecurityGroupId",
    "DestinationPrefixListId",
)
_PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def rule_atom(direction: str, rule: Mapping[str, Any]) -> Atom:
    """One rule: its protocol, ports and peer; the description grants nothing and is left out."""
    protocol = _PROTOCOLS.get(str(rule.get("IpProtocol", "")), text(rule.get("IpProtocol")))
    low, high = text(rule.get("FromPort")), text(rule.get("ToPort"))
    ports = low if low == high else f"{low}-{high}"
    if protocol == "all":
        ports = "all"  # protocol -1 opens every port, whatever the rule says
    peers = [f"{key}={text(rule[key])}" for key in _PEERS if key in rule]
    return (SG, direction, " ".join(peers) or "-", protocol, ports)


def _group(props: Mapping[str, Any]) -> set[Atom]:
    out: set[Atom] = set()
    for key, direction in (("SecurityGroupIngress", "ingress"), ("SecurityGroupEgress", "egress")):
        for rule in _listed(props.get(key)):
            if isinstance(rule, Mapping):
                out.add(rule_atom(direction, rule))
    return out


def _standalone(direction: str) -> Callable[[Mapping[str, Any]], set[Atom]]:
    """AWS::EC2::SecurityGroupIngress/Egress: the rule, with the group it opens as its target."""

    def read(props: Mapping[str, Any]) -> set[Atom]:
        kind, effect, peer, protocol, ports = rule_atom(direction, props)
        group = text(props.get("GroupId", props.get("GroupName")))
        return {(kind, effect, peer, protocol, f"{ports} on {group}")}

    return read


_READERS: dict[str, Callable[[Mapping[str, Any]], set[Atom]]] = {
    "AWS::IAM::Role": _role,
    "AWS::IAM::User": _identity,
    "AWS::IAM::Group": _identity,
    "AWS::IAM::Policy": _policy,
    "AWS::IAM::ManagedPolicy": _policy,
    "AWS::EC2::SecurityGroup": _group,
    "AWS::EC2::SecurityGroupIngress": _standalone("ingress"),
    "AWS::EC2::SecurityGroupEgress": _standalone("egress"),
    "AWS::KMS::Key": _document(KMS, "KeyPolicy"),
    "AWS::S3::BucketPolicy": _document(BUCKET, "PolicyDocument"),
    "AWS::SNS::TopicPolicy": _document(TOPIC, "PolicyDocument"),
    "AWS::SQS::QueuePolicy": _document(QUEUE, "PolicyDocument"),
}


# --------------------------------------------------------------------------- approval

APPROVAL_MODES = ("never", "broadening", "any-change")


def needing_approval(mode: str, found: Iterable[SecurityRow]) -> list[SecurityRow]:
    """The rows a person must confirm under --require-approval MODE: none for `never`, those
    that widen access for `broadening`, every row for `any-change`."""
    if mode == "never":
        return []
    if mode == "any-change":
        return list(found)
    return widening(found)
