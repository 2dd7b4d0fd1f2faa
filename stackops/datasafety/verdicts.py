"""Data-safety verdicts: predict replacement or removal of stateful resources, and say why."""

# Verdicts come from two sources and the stricter one wins:
#
# - the change set (``Changes[].ResourceChange.Replacement`` and ``Details[].Target``), which real
#   CloudFormation fills in and the local emulator leaves empty;
# - an offline prediction: the deployed template (GetTemplate) is diffed against the new one, and
#   every changed property is looked up in the resource provider schemas that cfn-lint ships
#   (``createOnlyProperties`` -> "True", ``conditionalCreateOnlyProperties`` -> "Conditional").
#
# A verdict is ``refused``, for a stateful type, on: a removal; a "True" verdict from either source;
# a "Conditional" verdict from the change set, since there AWS itself says it may replace. A
# "Conditional" predicted offline alone is a warning: the schemas list routine changes (MultiAZ,
# BackupRetentionPeriod) that replace only in special cases. Where the template settles those
# cases, ``_RESOLVERS`` decides them (each resolver cites its reason).

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cfnmodel import intrinsics

# The one list of resource types whose replacement or removal loses data.
STATEFUL_TYPES: frozenset[str] = frozenset(
    {
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::ElastiCache::CacheCluster",
        "AWS::S3::Bucket",
        "AWS::KMS::Key",
        "AWS::SecretsManager::Secret",
        "AWS::Logs::LogGroup",
        "AWS::DynamoDB::Table",
        "AWS::EFS::FileSystem",
    }
)

# Create-only lists are the same in every region for the types we care about; one region keeps
# the lookup cheap and deterministic.
SCHEMA_REGION = "us-east-1"

_RANK: dict[str | None, int] = {None: 0, "False": 1, "Conditional": 2, "True": 3}
_RECREATION = {"Always": "True", "Conditionally": "Conditional", "Never": "False"}
# Pseudo parameters whose value cannot change between two updates of one stack; the stack's
# notification ARNs can, so a property built from them may change with no template change.
_STABLE_PSEUDO_PARAMETERS = intrinsics.PSEUDO_PARAMETERS - {"AWS::NotificationARNs"}


@dataclass(frozen=True)
class Verdict:
    logical_id: str
    resource_type: str
    action: str  # "Add" | "Modify" | "Remove" | "Import" | "Dynamic"
    replacement: str | None  # "True" | "Conditional" | "False" | None (unknown/not applicable)
    source: str  # "change-set" | "offline" | "both" | "none"
    properties: tuple[str, ...]  # the properties to blame (top-level names)
    stateful: bool
    refused: bool  # loses data: refused unless --allow-replacement names it (see decision.py)
    reason: str  # one human sentence


@dataclass(frozen=True)
class _PropVerdict:
    """What one top-level property change means for the resource, from one source."""

    name: str
    level: str  # "True" | "Conditional" | "False"
    why: str


# --------------------------------------------------------------------------- normalizing


class _Absent:
    """A property that is not set (missing, or Ref AWS::NoValue); ``ABSENT`` is the one instance,
    so identity is its equality."""


ABSENT = _Absent()


def _is_no_value(value: Any) -> bool:
    return isinstance(value, Mapping) and dict(value) == intrinsics.NO_VALUE


def _normalize(value: Any) -> Any:
    """A canonical form, so that 20 == "20", True == "true", and NoValue == unset."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Mapping):
        return {str(k): _normalize(v) for k, v in value.items() if not _is_no_value(v)}
    if isinstance(value, list | tuple):
        return [_normalize(v) for v in value if not _is_no_value(v)]
    return value


def _properties(resource: Mapping[str, Any] | None) -> dict[str, Any]:
    props = (resource or {}).get("Properties") or {}
    return _normalize(props) if isinstance(props, Mapping) else {}


@dataclass(frozen=True)
class _Context:
    """What the whole template tells about one resource's references."""

    resources: frozenset[str] = frozenset()  # logical IDs in the new template
    replaced: frozenset[str] = frozenset()  # IDs that may get a new physical ID in this update
    # Parameters, conditions and imports may change unseen; worth saying only when the change
    # set confirms that the resource changes and does not say how.
    unknowns_matter: bool = False


def _dynamic_inputs(value: Any, ctx: _Context) -> list[str]:
    """What, besides the template text, may change this value in this update.

    Parameters, conditions, imports and dynamic references are unknown offline. A reference to
    another resource changes only when that resource is replaced. Pseudo parameters that cannot
    change within one stack (region, account, stack name) never do.
    """
    found: list[str] = []
    for use in intrinsics.uses(value):
        if isinstance(use, intrinsics.Reference):
            found += _reference_input(use, ctx)
        elif not ctx.unknowns_matter:
            continue
        elif isinstance(use, intrinsics.DynamicReference):
            found.append("a dynamic reference")
        elif isinstance(use, intrinsics.ImportUse):
            found.append("Fn::ImportValue")
        else:
            found.append(f"condition {use.name}")
    return list(dict.fromkeys(found))


def _reference_input(ref: intrinsics.Reference, ctx: _Context) -> list[str]:
    label = f"${{{ref.text}}}" if ref.function == "Fn::Sub" else f"{ref.function} {ref.text}"
    label = label.removeprefix("Fn::")
    if ref.name in _STABLE_PSEUDO_PARAMETERS:
        return []
    if ref.name in ctx.resources:
        return [f"{label}, which is replaced"] if ref.name in ctx.replaced else []
    return [f"{label} (a parameter)"] if ctx.unknowns_matter else []


# --------------------------------------------------------------------------- schemas


def _schema_pointers(resource_type: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """(createOnlyProperties, conditionalCreateOnlyProperties) as path tuples below Properties."""
    # Imported here: cfn-lint takes most of a second to import, and only an update needs it.
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(SCHEMA_REGION, resource_type).schema
    except ResourceNotFoundError:
        return [], []
    below = "/properties/"

    def paths(key: str) -> list[tuple[str, ...]]:
        pointers = schema.get(key) or []
        return [tuple(p.removeprefix(below).split("/")) for p in pointers if p.startswith(below)]

    return paths("createOnlyProperties"), paths("conditionalCreateOnlyProperties")


@dataclass(frozen=True)
class _Opaque:
    """A value hidden behind an intrinsic function above the path we want to read."""

    value: Any


def _extract(value: Any, path: tuple[str, ...]) -> Any:
    """The value at a schema path (``*`` = every list item), or ABSENT / _Opaque."""
    if not path:
        return value
    if value is ABSENT:
        return ABSENT
    if intrinsics.is_intrinsic(value):
        return _Opaque(value)
    head, rest = path[0], path[1:]
    if head == "*":
        if not isinstance(value, list):
            return ABSENT
        return tuple(_extract(item, rest) for item in value)
    if not isinstance(value, Mapping):
        return ABSENT
    return _extract(value.get(head, ABSENT), rest)


def _has_opaque(value: Any) -> bool:
    if isinstance(value, tuple):
        return any(_has_opaque(v) for v in value)
    return isinstance(value, _Opaque)


def _pointer_verdict(
    path: tuple[str, ...], old: Mapping[str, Any], new: Mapping[str, Any], level: str, kind: str
) -> _PropVerdict | None:
    """Whether the change of ``path`` (a create-only pointer) happens between old and new."""
    top = path[0]
    shown = "/".join(path)
    before, after = _extract(old, path), _extract(new, path)
    if before == after:
        return None
    if _has_opaque(before) or _has_opaque(after):
        # An intrinsic function above the sub-key hides whether the sub-key itself changes: a
        # "maybe" at most, whether the schema lists the sub-key as create-only or conditional.
        return _PropVerdict(
            top,
            "Conditional",
            f"{top} is built by an intrinsic function, so whether {shown} ({kind}) changes "
            "cannot be told offline",
        )
    return _PropVerdict(top, level, f"{shown} changes and is listed in the schema's {kind}")


# --------------------------------------------------------------------------- resolvers
#
# Where the schema says "conditional", the template sometimes settles the condition. Each
# resolver returns a definite verdict or None (the schema's Conditional stands).

_Resolver = Callable[[str, Mapping[str, Any], Mapping[str, Any]], _PropVerdict | None]


def _resolve_db_instance(
    prop: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> _PropVerdict | None:
    in_cluster = "DBClusterIdentifier" in old and "DBClusterIdentifier" in new
    if in_cluster and prop in {"BackupRetentionPeriod", "MultiAZ"}:
        # RDS docs: for Aurora instances these are "not applicable"; the cluster manages
        # backups and storage spans all AZs, so the instance is never recreated for them.
        return _PropVerdict(
            prop,
            "False",
            f"{prop} does not apply to a DB instance in a cluster (DBClusterIdentifier is set)",
        )
    if prop == "DBSnapshotIdentifier":
        # CloudFormation docs (AWS::RDS::DBInstance, DBSnapshotIdentifier): after a restore the
        # same ID must stay in the template; dropping it creates an empty instance and deletes
        # the original, and a different ID restores a new instance and deletes the original.
        return _PropVerdict(
            prop,
            "True",
            f"changing or removing {prop} restores a new DB instance and deletes the current one",
        )
    if prop == "SourceDBInstanceIdentifier" and prop in old and prop not in new:
        # CloudFormation docs: removing it promotes the read replica to a standalone instance.
        return _PropVerdict(prop, "False", f"removing {prop} promotes the read replica in place")
    return None


def _resolve_dynamodb_table(
    prop: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> _PropVerdict | None:
    if prop == "KeySchema":
        # UpdateTable has no KeySchema parameter: a table's keys cannot change in place.
        return _PropVerdict(prop, "True", "a table's KeySchema cannot change in place")
    return None


_RESOLVERS: dict[str, _Resolver] = {
    "AWS::RDS::DBInstance": _resolve_db_instance,
    "AWS::DynamoDB::Table": _resolve_dynamodb_table,
}


# --------------------------------------------------------------------------- offline


@dataclass(frozen=True)
class _Offline:
    action: str | None  # None: the template diff shows no change
    level: str | None = None
    props: tuple[_PropVerdict, ...] = ()  # strictest first


def _offline(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, ctx: _Context
) -> _Offline:
    # Old is None for an added resource, and for any resource of the change set when the deployed
    # template could not be read; _assess_one then takes the change set's action, and this view
    # adds no level and no property.
    if old is None:
        return _Offline("Add")
    if new is None:
        return _Offline("Remove")
    old_type, new_type = old.get("Type"), new.get("Type")
    if old_type != new_type:
        why = f"its type changes from {old_type} to {new_type}"
        return _Offline("Modify", "True", (_PropVerdict("Type", "True", why),))

    old_props, new_props = _properties(old), _properties(new)
    changed = tuple(
        sorted(
            k
            for k in set(old_props) | set(new_props)
            if old_props.get(k, ABSENT) != new_props.get(k, ABSENT)
        )
    )
    verdicts = _Strictest()
    pointers = _schema_pointers(str(new_type))
    _text_changes(verdicts, pointers, str(new_type), changed, old_props, new_props)
    _value_changes(verdicts, pointers, new_props, ctx)
    for name in changed:
        if name not in verdicts.found:
            verdicts.found[name] = _PropVerdict(name, "False", f"{name} changes")
    ordered = tuple(sorted(verdicts.found.values(), key=lambda v: (-_RANK[v.level], v.name)))
    level = ordered[0].level if ordered else None
    return _Offline("Modify" if ordered else None, level, ordered)


class _Strictest:
    """The strictest verdict per top-level property."""

    def __init__(self) -> None:
        self.found: dict[str, _PropVerdict] = {}

    def keep(self, v: _PropVerdict) -> None:
        held = self.found.get(v.name)
        if _RANK[v.level] > _RANK[held.level if held else None]:
            self.found[v.name] = v


_Pointers = tuple[list[tuple[str, ...]], list[tuple[str, ...]]]


def _text_changes(
    verdicts: _Strictest,
    pointers: _Pointers,
    resource_type: str,
    changed: tuple[str, ...],
    old_props: Mapping[str, Any],
    new_props: Mapping[str, Any],
) -> None:
    """Create-only properties whose template text changes."""
    create_only, conditional = pointers
    resolver = _RESOLVERS.get(resource_type)
    for paths, level, kind in (
        (create_only, "True", "createOnlyProperties"),
        (conditional, "Conditional", "conditionalCreateOnlyProperties"),
    ):
        for path in paths:
            if path[0] not in changed:
                continue
            found = _pointer_verdict(path, old_props, new_props, level, kind)
            if found is None:
                continue
            if level == "Conditional" and resolver is not None:
                found = resolver(path[0], old_props, new_props) or found
            verdicts.keep(found)


def _value_changes(
    verdicts: _Strictest,
    pointers: _Pointers,
    new_props: Mapping[str, Any],
    ctx: _Context,
) -> None:
    """Same text, different value: a create-only property fed by a resource that is replaced,
    or (when the change set says the resource changes) by a parameter. Offline, that is
    Conditional at most."""
    # A property whose text changes is read here too unless _text_changes judged it: a nested
    # create-only key (SamplingRule/Version) may keep its text while its parent changes.
    create_only, conditional = pointers
    for paths, kind in (
        (create_only, "createOnlyProperties"),
        (conditional, "conditionalCreateOnlyProperties"),
    ):
        for path in paths:
            top = path[0]
            if top in verdicts.found or top not in new_props:
                continue
            inputs = _dynamic_inputs(new_props[top], ctx)
            if inputs:
                verdicts.keep(
                    _PropVerdict(
                        top,
                        "Conditional",
                        f"{top} ({kind}) comes from {', '.join(inputs)}; whether its value "
                        "changes cannot be known offline",
                    )
                )


# --------------------------------------------------------------------------- change set


@dataclass(frozen=True)
class _FromChangeSet:
    action: str
    resource_type: str
    level: str | None
    props: tuple[_PropVerdict, ...]  # by name


def _from_change_set(change: Mapping[str, Any]) -> tuple[str, _FromChangeSet] | None:
    # Change.Type has one value, "Resource"; a change of anything else would carry no
    # ResourceChange.LogicalResourceId.
    rc = change.get("ResourceChange") or {}
    logical_id = rc.get("LogicalResourceId")
    if not logical_id:
        return None
    props = _Strictest()
    for detail in rc.get("Details") or []:
        # Name is set for a Properties target only ("For all other attributes, the value is
        # null"), so a Tags, Metadata or policy target names no property and is skipped.
        target = detail.get("Target") or {}
        name = target.get("Name")
        level = _RECREATION.get(str(target.get("RequiresRecreation")))
        if not name or level is None:
            continue
        how = {"True": "always", "Conditional": "conditionally", "False": "never"}[level]
        props.keep(
            _PropVerdict(name, level, f"the change set says {name} {how} requires recreation")
        )
    replacement = rc.get("Replacement")
    stated = replacement if replacement in ("True", "False", "Conditional") else None
    # A detail can be stricter than Replacement: "Always", evaluated dynamically, comes with
    # Replacement "Conditional".
    level = max([stated, *(p.level for p in props.found.values())], key=_RANK.__getitem__)
    by_name = tuple(sorted(props.found.values(), key=lambda v: v.name))
    return logical_id, _FromChangeSet(
        str(rc.get("Action") or "Modify"), str(rc.get("ResourceType") or ""), level, by_name
    )


# --------------------------------------------------------------------------- assessment


def resources_of(template: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    resources = (template or {}).get("Resources") or {}
    return {k: v for k, v in resources.items() if isinstance(v, Mapping)}


def _blame(level: str | None, *sources: tuple[_PropVerdict, ...]) -> tuple[_PropVerdict, ...]:
    """The property verdicts at ``level`` from all sources, the change set's first, deduplicated."""
    seen: dict[str, _PropVerdict] = {}
    for props in sources:
        for p in props:
            if p.level == level and p.name not in seen:
                seen[p.name] = p
    return tuple(seen.values())


def _assess_one(
    logical_id: str,
    cs: _FromChangeSet | None,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    ctx: _Context,
) -> Verdict | None:
    if cs is not None and cs.level is not None:
        # CloudFormation evaluated parameters and references itself: only the template text
        # and the schemas are left to check.
        ctx = _Context(ctx.resources)
    else:
        modified = cs is not None and cs.action in ("Modify", "Dynamic")
        ctx = _Context(ctx.resources, ctx.replaced, unknowns_matter=modified)
    off = _offline(old, new, ctx)
    if cs is not None:
        action = cs.action
    elif off.action is not None:
        action = off.action
    else:
        return None
    resource_type = (
        (cs.resource_type if cs else "")
        or str((new or {}).get("Type") or "")
        or str((old or {}).get("Type") or "")
    )
    stateful = resource_type in STATEFUL_TYPES or str((old or {}).get("Type")) in STATEFUL_TYPES
    subject = _Subject(logical_id, resource_type, stateful)
    if action == "Remove":
        return _removal(subject, cs, old)
    if action in ("Add", "Import"):
        return Verdict(
            logical_id, resource_type, action, None, "none", (), stateful, False,
            f"{subject.name} is {'added' if action == 'Add' else 'imported'}",
        )  # fmt: skip
    return _modification(subject, action, cs, off)


@dataclass(frozen=True)
class _Subject:
    logical_id: str
    resource_type: str
    stateful: bool

    @property
    def name(self) -> str:
        return f"{self.logical_id} ({self.resource_type})"


def _removal(
    subject: _Subject, cs: _FromChangeSet | None, old: Mapping[str, Any] | None
) -> Verdict:
    policy = (old or {}).get("DeletionPolicy")
    kept = f"; its DeletionPolicy {policy} keeps a copy outside the stack" if policy else ""
    refused = subject.stateful
    reason = (
        f"{subject.name} would be deleted: it is no longer in the template{kept}"
        if refused
        else f"{subject.name} is removed"
    )
    return Verdict(
        subject.logical_id, subject.resource_type, "Remove", None,
        "none" if cs is None else "change-set", (), subject.stateful, refused, reason,
    )  # fmt: skip


def _source(cs_level: str | None, off_level: str | None) -> str:
    if cs_level is None and off_level is None:
        return "none"
    if _RANK[cs_level] == _RANK[off_level]:
        return "both"
    return "change-set" if _RANK[cs_level] > _RANK[off_level] else "offline"


def _blamed(
    level: str | None, cs: _FromChangeSet | None, off: _Offline
) -> tuple[_PropVerdict, ...]:
    blame = _blame(level, cs.props if cs else (), off.props)
    # The change set's level is above the offline one and it names no property at its level
    # (Replacement without Details): the offline view's strictest properties may still say why.
    return blame or _blame(off.level, off.props)


def _modification(
    subject: _Subject, action: str, cs: _FromChangeSet | None, off: _Offline
) -> Verdict:
    cs_level = cs.level if cs else None
    off_level = off.level
    level = max(cs_level, off_level, key=_RANK.__getitem__)
    blame = _blamed(level, cs, off)
    properties = tuple(p.name for p in blame)
    refused = subject.stateful and (
        cs_level == "True" or off_level == "True" or cs_level == "Conditional"
    )
    why = "; ".join(p.why for p in blame)
    name = subject.name
    if level == "True":
        lost = ", losing its data" if subject.stateful else ""
        reason = f"{name} would be replaced{lost}: {why or 'the change set says so'}"
    elif level == "Conditional" and cs_level == "Conditional":
        reason = f"{name} may be replaced, CloudFormation says: {why or 'Replacement: Conditional'}"
    elif level == "Conditional":
        reason = (
            f"{name} may be replaced in special cases (offline prediction only, "
            f"not confirmed by the change set): {why}"
        )
    elif properties:
        reason = f"{name} is updated in place: {why}"
    else:
        reason = f"{name} is updated"
    return Verdict(
        subject.logical_id, subject.resource_type, action, level, _source(cs_level, off_level),
        properties, subject.stateful, refused, reason,
    )  # fmt: skip


def assess(
    changes: list[dict[str, Any]],
    old_template: dict[str, Any] | None,
    new_template: dict[str, Any],
) -> list[Verdict]:
    """One verdict per resource that the change set or the template diff says changes.

    ``changes`` is ``describe_change_set()["Changes"]`` (Replacement and Details may be
    missing, as in the emulator); ``old_template`` is the deployed stack's GetTemplate body as
    a dict, or None on create.
    """
    from_cs: dict[str, _FromChangeSet] = {}
    for change in changes or []:
        parsed = _from_change_set(change)
        if parsed is not None:
            from_cs[parsed[0]] = parsed[1]
    old_resources = resources_of(old_template) if old_template is not None else None
    new_resources = resources_of(new_template)

    ids = list(from_cs)
    if old_resources is not None:
        ids += sorted((set(old_resources) | set(new_resources)) - set(from_cs))

    def one_pass(ctx: _Context) -> list[Verdict]:
        out = []
        for logical_id in ids:
            old = old_resources.get(logical_id) if old_resources is not None else None
            new = new_resources.get(logical_id)
            verdict = _assess_one(logical_id, from_cs.get(logical_id), old, new, ctx)
            if verdict is not None:
                out.append(verdict)
        return out

    # A replacement gives the resource a new physical ID, which flows into every create-only
    # property that refers to it: a second pass knows which resources are replaced. Only
    # certain replacements propagate, and what they make of a referrer is a "maybe"
    # (Conditional), never a certain replacement; so the second pass replaces no further
    # resource and nothing is left to repeat. Chaining "maybe" onto "maybe" would flag half
    # the template on every parameter change.
    ctx = _Context(resources=frozenset(new_resources))
    verdicts = one_pass(ctx)
    replaced = frozenset(v.logical_id for v in verdicts if v.replacement == "True")
    return one_pass(_Context(ctx.resources, replaced)) if replaced else verdicts
