"""A small IAM policy evaluator over generated templates, for proving what a role may do.

The template is resolved first (parameters, pseudo parameters, conditions, `Fn::If`); what only
the deployed stack knows (a secret's ARN, a group's ID) stays a `Sym`, named by stack label,
logical ID and attribute. Every match is three-valued (`Tri`): a Deny applies only when its
match is certain, an Allow whenever it could apply. So an unknown value can make a role look
more powerful than it is, never less: a proof that something is denied stays a proof.

Two different resources never share an ARN or ID, so two `Sym`s standing alone compare exactly;
a `Sym` inside a wider pattern is compared through the shape its ARN is known to have.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cache
from typing import Any, Literal

from cfnmodel.intrinsics import intrinsic, join_parts, sub_parts
from cfnmodel.resolve import parameter_values, resolved

PSEUDO: dict[str, Any] = {
    "AWS::AccountId": "111122223333",
    "AWS::Region": "eu-west-1",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"


class Tri(IntEnum):
    """No, maybe, yes: `and` is min, `or` is max, `not` mirrors."""

    NO = 0
    MAYBE = 1
    YES = 2

    def negated(self) -> Tri:
        return Tri(2 - self.value)


@dataclass(frozen=True)
class Sym:
    """A value of a deployed stack: `Ref` (attr "Ref") or `Fn::GetAtt` of one of its resources."""

    stack: str
    logical: str
    attr: str
    kind: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"<{self.stack}:{self.logical}.{self.attr}>"


@dataclass(frozen=True, eq=False)
class Unknown:
    """A value nothing is known about (an import, a Select); equal to nothing, not even itself."""

    text: str

    def __str__(self) -> str:
        return f"<?{self.text}>"


Part = str | Sym | Unknown
Value = tuple[Part, ...]
# What a request or a context names: a plain string, one Sym, or parts to concatenate.
Given = str | Sym | Value
ContextValue = Given | list[Given] | bool | None


def text(value: Value) -> str:
    return "".join(str(part) for part in value)


def as_value(given: Given | bool | int) -> Value:
    if isinstance(given, bool):  # JSON policies may write Bool conditions unquoted
        return ("true" if given else "false",)
    if isinstance(given, int):
        return (str(given),)
    if isinstance(given, str | Sym | Unknown):
        return (given,)
    return tuple(given)


# Ref of these types returns the ARN, the same value as their Arn attribute.
_REF_IS_ARN = frozenset(
    {"AWS::SecretsManager::Secret", "AWS::IAM::ManagedPolicy", "AWS::SNS::Topic"}
)
# Known shapes (globs) of values only the account knows; {p}, {r}, {a}: partition, region, account.
_SHAPES: dict[tuple[str, str], str] = {
    ("AWS::SecretsManager::Secret", "Arn"): "arn:{p}:secretsmanager:{r}:{a}:secret:*",
    ("AWS::KMS::Key", "Arn"): "arn:{p}:kms:{r}:{a}:key/*",
    ("AWS::KMS::Key", "Ref"): "*-*-*-*-*",
    ("AWS::IAM::ManagedPolicy", "Arn"): "arn:{p}:iam::{a}:policy/*",
    ("AWS::IAM::Role", "Arn"): "arn:{p}:iam::{a}:role/*",
    ("AWS::EC2::SecurityGroup", "GroupId"): "sg-*",
    ("AWS::EC2::VPC", "Ref"): "vpc-*",
    ("AWS::EC2::Subnet", "Ref"): "subnet-*",
    ("AWS::S3::Bucket", "Arn"): "arn:{p}:s3:::*",
    ("AWS::Logs::LogGroup", "Arn"): "arn:{p}:logs:{r}:{a}:log-group:*",
    ("AWS::SNS::Topic", "Arn"): "arn:{p}:sns:{r}:{a}:*",
}


def _shape(sym: Sym) -> str:
    pattern = _SHAPES.get((sym.kind, sym.attr), "*")
    return pattern.format(
        p=PSEUDO["AWS::Partition"], r=PSEUDO["AWS::Region"], a=PSEUDO["AWS::AccountId"]
    )


# ---------------------------------------------------------------- matching


class _Any:
    def __repr__(self) -> str:
        return "*"


class _One:
    def __repr__(self) -> str:
        return "?"


ANY = _Any()
ONE = _One()
Elem = str | _Any | _One | Sym | Unknown
_POLICY_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _glob_elems(literal: str, glob: bool) -> list[Elem]:
    if not glob:
        return list(literal)
    return [ANY if ch == "*" else ONE if ch == "?" else ch for ch in literal]


def _pattern_elems(pattern: Value, glob: bool, variables: Mapping[str, Value]) -> list[Elem]:
    """A policy value as elements; policy variables (`${aws:...}`) replaced from the context."""
    out: list[Elem] = []
    for part in pattern:
        if not isinstance(part, str):
            out.append(part)
            continue
        last = 0
        for found in _POLICY_VARIABLE.finditer(part):
            out.extend(_glob_elems(part[last : found.start()], glob))
            name = found.group(1)
            escapes = {"*": "*", "?": "?", "$": "$"}
            if name in escapes:
                out.append(escapes[name])
            elif name in variables:
                out.extend(_value_elems(variables[name]))
            else:
                out.append(Unknown("${" + name + "}"))
            last = found.end()
        out.extend(_glob_elems(part[last:], glob))
    return out


def _value_elems(value: Value) -> list[Elem]:
    out: list[Elem] = []
    for part in value:
        out.extend(list(part) if isinstance(part, str) else [part])
    return out


def _same(a: Elem, b: Elem, fold: bool) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower() if fold else a == b
    return isinstance(a, Sym) and isinstance(b, Sym) and a == b


def _covers(pattern: Sequence[Elem], value: Sequence[Elem | _Any | _One], fold: bool) -> bool:
    """Every string `value` stands for matches `pattern`.

    A Sym is one fixed unknown string (only `*` or the same Sym covers it); a `*` or `?` in
    `value` (from a Sym's shape) is covered only by a `*`, or a `?` by a `?`.
    """

    @cache
    def at(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(value)
        elem = pattern[i]
        if elem is ANY:
            return at(i + 1, j) or (j < len(value) and at(i, j + 1))
        if j == len(value):
            return False
        if elem is ONE:
            return (isinstance(value[j], str) or value[j] is ONE) and at(i + 1, j + 1)
        return _same(elem, value[j], fold) and at(i + 1, j + 1)

    return at(0, 0)


def _as_glob(elems: Sequence[Elem]) -> list[str | _Any | _One]:
    """The elements with every unknown widened to the glob of the values it may have."""
    out: list[str | _Any | _One] = []
    for elem in elems:
        if isinstance(elem, Sym):
            out.extend(_glob_elems(_shape(elem), True))  # type: ignore[arg-type]
        elif isinstance(elem, Unknown):
            out.append(ANY)
        else:
            out.append(elem)
    return out


def _intersects(a: Sequence[str | _Any | _One], b: Sequence[str | _Any | _One], fold: bool) -> bool:
    """Some string matches both globs: reachability over the pair of positions."""
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] is ANY:
            todo.append((i + 1, j))
        if j < len(b) and b[j] is ANY:
            todo.append((i, j + 1))
        if i < len(a) and j < len(b) and not (a[i] is ANY and b[j] is ANY):
            x, y = a[i], b[j]
            wild = isinstance(x, _Any | _One) or isinstance(y, _Any | _One)
            if wild or _same(x, y, fold):
                todo.append((i if x is ANY else i + 1, j if y is ANY else j + 1))
    return False


def match(
    pattern: Value,
    value: Value,
    *,
    glob: bool = True,
    fold: bool = False,
    variables: Mapping[str, Value] | None = None,
) -> Tri:
    """Whether `value` matches the policy's `pattern`: YES, NO, or MAYBE when unknowns decide."""
    elems = _pattern_elems(pattern, glob, variables or {})
    if (
        len(elems) == 1
        and len(value) == 1
        and isinstance(elems[0], Sym)
        and isinstance(value[0], Sym)
    ):
        return Tri.YES if elems[0] == value[0] else Tri.NO
    target = _value_elems(value)
    shaped = [e for elem in target for e in (_as_glob([elem]) if isinstance(elem, Sym) else [elem])]
    if _covers(elems, target, fold) or _covers(elems, shaped, fold):
        return Tri.YES
    return Tri.MAYBE if _intersects(_as_glob(elems), _as_glob(target), fold) else Tri.NO


def action_matches(pattern: str, action: str) -> bool:
    return _covers(_glob_elems(pattern.lower(), True), list(action.lower()), False)


# ---------------------------------------------------------------- policies


@dataclass(frozen=True)
class Statement:
    label: str  # the Sid, else "#<index>"
    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[Value, ...]
    not_resource: bool
    condition: Mapping[str, Mapping[str, tuple[Value, ...]]]


@dataclass(frozen=True)
class Policy:
    name: str  # where it comes from: "Role/inline:name", "ManagedPolicyId", an ARN
    statements: tuple[Statement, ...]


def _listed(node: Any) -> list[Any]:
    return node if isinstance(node, list) else [node]


def statement_of(raw: Mapping[str, Any], index: int, convert: Any) -> Statement:
    effect = raw["Effect"]
    if effect not in ("Allow", "Deny"):
        raise ValueError(f"statement {index}: effect {effect!r}")
    not_action = "NotAction" in raw
    not_resource = "NotResource" in raw
    condition = {
        operator: {key: tuple(convert(v) for v in _listed(values)) for key, values in body.items()}
        for operator, body in (raw.get("Condition") or {}).items()
    }
    return Statement(
        label=str(raw.get("Sid") or f"#{index}"),
        effect=effect,
        actions=tuple(str(a) for a in _listed(raw["NotAction" if not_action else "Action"])),
        not_action=not_action,
        resources=tuple(
            convert(r) for r in _listed(raw.get("NotResource" if not_resource else "Resource", "*"))
        ),
        not_resource=not_resource,
        condition=condition,
    )


def policy_of(name: str, document: Mapping[str, Any], convert: Any = as_value) -> Policy:
    """A policy from its document; `convert` turns resolved leftovers into `Value`s."""
    statements = _listed(document.get("Statement") or [])
    return Policy(name, tuple(statement_of(raw, i, convert) for i, raw in enumerate(statements)))


# ---------------------------------------------------------------- conditions

_OPERATORS: dict[str, tuple[bool, bool, bool]] = {
    # base operator: (glob, fold case, negated)
    "StringEquals": (False, False, False),
    "StringNotEquals": (False, False, True),
    "StringEqualsIgnoreCase": (False, True, False),
    "StringNotEqualsIgnoreCase": (False, True, True),
    "StringLike": (True, False, False),
    "StringNotLike": (True, False, True),
    "ArnEquals": (True, False, False),
    "ArnLike": (True, False, False),
    "ArnNotEquals": (True, False, True),
    "ArnNotLike": (True, False, True),
    "Bool": (False, True, False),
}


def _context_values(raw: ContextValue) -> list[Value]:
    if isinstance(raw, bool):
        return [("true" if raw else "false",)]
    if isinstance(raw, list):
        return [as_value(item) for item in raw]
    return [as_value(raw)]  # type: ignore[arg-type]


def _condition(
    operator: str, key: str, wanted: tuple[Value, ...], context: Mapping[str, ContextValue]
) -> Tri:
    """One key of one operator; a key the context lacks is unknown, None means known absent."""
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if key not in context:
        return Tri.MAYBE
    raw = context[key]
    if base == "Null":
        absent = raw is None
        return Tri.YES if any(text(w).lower() == str(absent).lower() for w in wanted) else Tri.NO
    if base not in _OPERATORS:
        raise ValueError(f"condition operator {operator} is not evaluated")
    glob, fold, negated = _OPERATORS[base]
    if raw is None:  # IAM: an absent key fails, except negated, IfExists and ForAllValues
        if qualifier:
            return Tri.YES if (if_exists or qualifier == "ForAllValues") else Tri.NO
        return Tri.YES if (if_exists or negated) else Tri.NO
    variables = {k: v[0] for k, v in _flat_context(context).items() if len(v) == 1}

    def one(value: Value) -> Tri:
        hit = max(
            (match(w, value, glob=glob, fold=fold, variables=variables) for w in wanted),
            default=Tri.NO,
        )
        return hit.negated() if negated else hit

    results = [one(value) for value in _context_values(raw)]
    if qualifier == "ForAllValues":
        return min(results, default=Tri.YES)
    return max(results, default=Tri.NO)


def _flat_context(context: Mapping[str, ContextValue]) -> dict[str, list[Value]]:
    return {key: _context_values(raw) for key, raw in context.items() if raw is not None}


def conditions_hold(statement: Statement, context: Mapping[str, ContextValue]) -> Tri:
    results = [
        _condition(operator, key, wanted, context)
        for operator, body in statement.condition.items()
        for key, wanted in body.items()
    ]
    return min(results, default=Tri.YES)


def applies(
    statement: Statement, action: str, resource: Value, context: Mapping[str, ContextValue]
) -> Tri:
    """Whether the statement covers the request: action, resource and condition together."""
    named = any(action_matches(pattern, action) for pattern in statement.actions)
    if named == statement.not_action:
        return Tri.NO
    variables = {k: v[0] for k, v in _flat_context(context).items() if len(v) == 1}
    hit = max(
        (match(r, resource, variables=variables) for r in statement.resources), default=Tri.NO
    )
    if statement.not_resource:
        hit = hit.negated()
    return min(hit, conditions_hold(statement, context))


# ---------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Hit:
    policy: str
    statement: str
    effect: str
    certainty: Tri

    def __str__(self) -> str:
        maybe = "" if self.certainty is Tri.YES else " (may apply: unknowns)"
        return f"{self.effect} {self.policy}/{self.statement}{maybe}"


@dataclass(frozen=True)
class Decision:
    effect: Literal["allow", "deny", "implicit-deny"]
    why: tuple[Hit, ...]  # the statements that decided it
    reason: str
    unknown: tuple[str, ...] = ()  # policies whose documents were not known

    @property
    def allowed(self) -> bool:
        return self.effect == "allow"

    def __str__(self) -> str:
        hits = "; ".join(str(hit) for hit in self.why) or "-"
        unknown = f" [unknown policies: {', '.join(self.unknown)}]" if self.unknown else ""
        return f"{self.effect}: {self.reason} by {hits}{unknown}"


def _hits(
    policies: Iterable[Policy], action: str, resource: Value, context: Mapping[str, ContextValue]
) -> tuple[list[Hit], list[Hit]]:
    denies: list[Hit] = []
    allows: list[Hit] = []
    for policy in policies:
        for statement in policy.statements:
            tri = applies(statement, action, resource, context)
            if statement.effect == "Deny" and tri is Tri.YES:
                denies.append(Hit(policy.name, statement.label, "Deny", tri))
            elif statement.effect == "Allow" and tri is not Tri.NO:
                allows.append(Hit(policy.name, statement.label, "Allow", tri))
    return denies, allows


@dataclass(frozen=True)
class RolePolicies:
    """What governs a role: identity policies, its boundary (None: none, "unknown": any)."""

    role: str
    identity: tuple[Policy, ...]
    boundary: Policy | Literal["unknown"] | None
    unknown: tuple[str, ...]  # identity policies whose documents were not given
    tags: Mapping[str, str]


def evaluate(
    governed: RolePolicies, action: str, resource: Given, context: Mapping[str, ContextValue]
) -> Decision:
    """Explicit deny, else allow when identity and boundary both allow, else implicit deny."""
    value = as_value(resource)
    tags = {f"aws:PrincipalTag/{key}": val for key, val in governed.tags.items()}
    full: dict[str, ContextValue] = {**tags, **context}
    denies, allows = _hits(governed.identity, action, value, full)
    unknown = governed.unknown
    bound_denies: list[Hit] = []
    bound_allows: list[Hit] = []
    if isinstance(governed.boundary, Policy):
        bound_denies, bound_allows = _hits([governed.boundary], action, value, full)
    elif governed.boundary == "unknown":
        unknown = (*unknown, "boundary (unknown document: taken as allowing everything)")
    if denies or bound_denies:
        return Decision("deny", tuple(denies + bound_denies), "explicit deny", unknown)
    if governed.unknown:
        allows.extend(Hit(name, "?", "Allow", Tri.MAYBE) for name in governed.unknown)
    if not allows:
        return Decision("implicit-deny", (), "no identity policy allows it", unknown)
    if isinstance(governed.boundary, Policy) and not bound_allows:
        return Decision("implicit-deny", tuple(allows), "the boundary does not allow it", unknown)
    return Decision("allow", tuple(allows + bound_allows), "allowed", unknown)


# ---------------------------------------------------------------- templates


class Model:
    """One resolved template, the roles' policies read from it; `stack` labels its `Sym`s."""

    def __init__(
        self,
        template: Mapping[str, Any],
        given: Mapping[str, str | Sym] | None = None,
        *,
        stack: str = "stack",
        documents: Mapping[str | Sym, Policy] | None = None,
    ) -> None:
        self.stack = stack
        # A parameter may carry another stack's value (its boundary's ARN): resolve it as a
        # marker string, turned back into that Sym wherever it lands.
        self.markers: dict[str, Sym] = {}
        self.given: dict[str, str] = {}
        for name, raw in (given or {}).items():
            if isinstance(raw, Sym):
                marker = f"\x00{len(self.markers)}\x00"
                self.markers[marker] = raw
                raw = marker
            self.given[name] = raw
        self.template = resolved(template, self.given, pseudo=PSEUDO)
        self.resources: dict[str, Any] = self.template.get("Resources") or {}
        self.documents = dict(documents or {})
        self.known: dict[str, Any] = {**PSEUDO, **parameter_values(template, self.given)}

    # -- values

    def sym(self, logical: str, attr: str = "Ref") -> Sym:
        """The stack value `Ref logical` / `GetAtt logical.attr`."""
        kind = str(self.resources[logical]["Type"])
        if attr == "Ref" and kind in _REF_IS_ARN:
            attr = "Arn"
        return Sym(self.stack, logical, attr, kind)

    def value(self, node: Any) -> Value:
        """A resolved property value as parts; anything not understood is an Unknown."""
        if isinstance(node, str):
            return self._split(node)
        if isinstance(node, bool | int | float):
            return (str(node).lower() if isinstance(node, bool) else str(node),)
        call = intrinsic(node)
        if call is None:
            return (Unknown(repr(node)),)
        name, arg = call
        if name == "Ref" and isinstance(arg, str) and arg in self.resources:
            return (self.sym(arg),)
        if name == "Fn::GetAtt":
            logical, attr = arg.split(".", 1) if isinstance(arg, str) else arg
            if isinstance(logical, str) and isinstance(attr, str) and logical in self.resources:
                return (self.sym(logical, attr),)
        if name == "Fn::Join" and (parts := join_parts(arg)) is not None:
            joined = [self.value(item) for item in parts[1]]
            sep: Value = (parts[0],)
            return tuple(itertools.chain.from_iterable(_interleave(joined, sep)))
        if name == "Fn::Sub" and (sub := sub_parts(arg)) is not None:
            return self._sub(*sub)
        return (Unknown(repr(node)),)

    def _split(self, raw: str) -> Value:
        if not self.markers or "\x00" not in raw:
            return (raw,)
        parts: list[Part] = []
        for piece in re.split(r"(\x00\d+\x00)", raw):
            if piece in self.markers:
                parts.append(self.markers[piece])
            elif piece:
                parts.append(piece)
        return tuple(parts)

    def _sub(self, body: str, local: Mapping[str, Any]) -> Value:
        out: list[Part] = []
        last = 0
        for found in re.finditer(r"\$\{([^}]*)\}", body):
            out.append(body[last : found.start()])
            out.extend(self._sub_variable(found.group(1).strip(), local))
            last = found.end()
        out.append(body[last:])
        return tuple(part for part in out if part != "")

    def _sub_variable(self, name: str, local: Mapping[str, Any]) -> Value:
        if name.startswith("!"):
            return ("${" + name[1:] + "}",)
        if name in local:
            return self.value(local[name])
        if isinstance(self.known.get(name), str):
            return self._split(self.known[name])
        logical, _, attr = name.partition(".")
        if logical in self.resources:
            return (self.sym(logical, attr or "Ref"),)
        return (Unknown("${" + name + "}"),)

    # -- policies

    def managed_policy(self, logical: str) -> Policy:
        body = self.resources[logical]
        if body["Type"] not in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            raise ValueError(f"{logical} is a {body['Type']}, not a policy")
        return policy_of(logical, body["Properties"]["PolicyDocument"], self.value)

    def roles(self) -> list[str]:
        return sorted(k for k, v in self.resources.items() if v["Type"] == "AWS::IAM::Role")

    def _attached(self, role: str, ref: Any) -> tuple[Policy | None, str | None]:
        """A ManagedPolicyArns / boundary entry: (policy, None) if known, else (None, its name)."""
        value = self.value(ref)
        only = value[0] if len(value) == 1 else None
        if isinstance(only, Sym) and only.stack == self.stack and only.logical in self.resources:
            return self.managed_policy(only.logical), None
        if isinstance(only, Sym) and only in self.documents:
            return self.documents[only], None
        name = text(value)
        if name in self.documents:
            return self.documents[name], None
        return None, name

    def governing(self, role: str, boundary: Policy | None = None) -> RolePolicies:
        """The role's policies; `boundary` replaces the one the template names (or lacks)."""
        props = self.resources[role].get("Properties") or {}
        identity = [
            policy_of(f"{role}/inline:{p['PolicyName']}", p["PolicyDocument"], self.value)
            for p in props.get("Policies") or []
        ]
        unknown: list[str] = []
        for ref in props.get("ManagedPolicyArns") or []:
            policy, missing = self._attached(role, ref)
            if policy is not None:
                identity.append(policy)
            else:
                unknown.append(str(missing))
        identity.extend(self._naming(role))
        bound: Policy | Literal["unknown"] | None = boundary
        if boundary is None and "PermissionsBoundary" in props:
            policy, _ = self._attached(role, props["PermissionsBoundary"])
            bound = policy if policy is not None else "unknown"
        tags = {
            str(t["Key"]): t["Value"]
            for t in props.get("Tags") or []
            if isinstance(t["Value"], str)
        }
        return RolePolicies(role, tuple(identity), bound, tuple(unknown), tags)

    def _naming(self, role: str) -> list[Policy]:
        """Policies of the template whose Roles list names the role (by Ref or by its name)."""
        name = (self.resources[role].get("Properties") or {}).get("RoleName")
        found = []
        for logical, body in self.resources.items():
            if body["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                continue
            for entry in (body.get("Properties") or {}).get("Roles") or []:
                value = self.value(entry)
                if value == (self.sym(role),) or (name is not None and value == (name,)):
                    found.append(self.managed_policy(logical))
                    break
        return found

    def decide(
        self,
        role: str,
        action: str,
        resource: Given,
        context: Mapping[str, ContextValue] | None = None,
        *,
        boundary: Policy | None = None,
    ) -> Decision:
        return evaluate(self.governing(role, boundary), action, resource, context or {})


def _interleave(items: list[Value], sep: Value) -> list[Value]:
    out: list[Value] = []
    for index, item in enumerate(items):
        if index:
            out.append(sep)
        out.append(item)
    return out


def decide(
    template: Mapping[str, Any],
    role_id: str,
    action: str,
    resource: Given,
    context: Mapping[str, ContextValue] | None = None,
    *,
    given: Mapping[str, str | Sym] | None = None,
    stack: str = "stack",
    documents: Mapping[str | Sym, Policy] | None = None,
    boundary: Policy | None = None,
) -> Decision:
    """What IAM decides for `role_id` doing `action` on `resource` (build a `Model` to reuse)."""
    model = Model(template, given, stack=stack, documents=documents)
    return model.decide(role_id, action, resource, context, boundary=boundary)


def placeholders(template: Mapping[str, Any]) -> dict[str, str | Sym]:
    """A value for each parameter without a default (the e-mail addresses, the staging
    platform's code location), for a Model of the template as a deploy would give them."""
    return {
        name: "ops@example.com" if "Email" in name else f"placeholder-{name.lower()}"
        for name, spec in (template.get("Parameters") or {}).items()
        if "Default" not in spec
    }
