"""Dependency graph and estimated critical path of any CloudFormation template dict.

CloudFormation creates every resource whose dependencies are complete, in parallel, so the
time a create takes is the longest chain of dependencies, weighted by how long each resource
takes. The edges come from the same places CloudFormation reads them: `Ref`, `Fn::GetAtt` (list
and dotted string), `Fn::Sub` (`${X}`, `${X.Attr}`, in both the string and the list form) and
`DependsOn` (string or list). Names of parameters and pseudo parameters are not edges.

Conditions are ignored on purpose: a resource under a condition is kept with all its edges, as
if every condition were true. The graph is the worst case over all parameter values, which is
what a structural guarantee ("RDS never waits for a NAT gateway") has to hold for. An `Fn::If`
contributes the references of both branches for the same reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DURATIONS_FILE = Path(__file__).resolve().parent.parent / "templates" / "durations.json"

# ${Name} or ${Name.Attr}; ${!Literal} is an escaped literal and never matches (starts with !).
_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")
# Keys of a resource that never hold references to other resources.
_NON_REFERENCE_KEYS = frozenset({"Type", "DependsOn", "Condition"})


class CycleError(ValueError):
    """The template's resources depend on one another in a circle; CloudFormation refuses it."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__("circular dependency: " + " -> ".join(cycle))
        self.cycle = cycle


@dataclass(frozen=True)
class Graph:
    """Resources (logical ID -> type) and, for each, the resources it waits for."""

    types: Mapping[str, str]
    needs: Mapping[str, frozenset[str]]

    def dependents(self) -> dict[str, set[str]]:
        """The reverse edges: for each resource, the resources that wait for it."""
        reverse: dict[str, set[str]] = {node: set() for node in self.types}
        for node, deps in self.needs.items():
            for dep in deps:
                reverse[dep].add(node)
        return reverse

    def ancestors(self, node: str) -> set[str]:
        """Every resource `node` waits for, directly or through others."""
        return _reach(node, self.needs)

    def descendants(self, node: str) -> set[str]:
        """Every resource that waits for `node`, directly or through others."""
        return _reach(node, self.dependents())

    def has_path(self, source: str, target: str) -> bool:
        """True if `target` waits for `source` (through any chain of dependencies)."""
        return source in self.ancestors(target)

    def of_type(self, resource_type: str) -> list[str]:
        return sorted(node for node, kind in self.types.items() if kind == resource_type)


@dataclass(frozen=True)
class Chain:
    """A chain of resources, each waiting for the one before it, and its estimated duration."""

    ids: tuple[str, ...]
    seconds: float

    @property
    def minutes(self) -> float:
        return self.seconds / 60


@dataclass(frozen=True)
class Durations:
    """Estimated create time per resource type, with a stated default for unknown types."""

    seconds: Mapping[str, float]
    default_seconds: float

    def of(self, resource_type: str) -> float:
        return self.seconds.get(resource_type, self.default_seconds)


# -- building the graph ------------------------------------------------------------------------


def build_graph(template: Mapping[str, Any]) -> Graph:
    """The dependency graph of a template dict's Resources section."""
    resources: Mapping[str, Any] = template.get("Resources") or {}
    names = frozenset(resources)
    types: dict[str, str] = {}
    needs: dict[str, frozenset[str]] = {}
    for logical_id, body in resources.items():
        types[logical_id] = str(body.get("Type", ""))
        found = set(_depends_on(body.get("DependsOn")))
        for key, value in body.items():
            if key not in _NON_REFERENCE_KEYS:
                found.update(references(value))
        # A reference to a name that is not a resource is a parameter or a pseudo parameter.
        needs[logical_id] = frozenset(name for name in found if name in names)
    return Graph(types=types, needs=needs)


def references(value: Any) -> set[str]:
    """Names referenced by `Ref`, `Fn::GetAtt` and `Fn::Sub` anywhere inside `value`."""
    return set(_walk(value))


def _walk(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _walk(item)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref" and isinstance(arg, str):
            yield arg
            return
        if key == "Fn::GetAtt":
            yield from _getatt(arg)
            return
        if key == "Fn::Sub":
            yield from _sub(arg)
            return
    for item in value.values():
        yield from _walk(item)


def _getatt(arg: Any) -> Iterator[str]:
    if isinstance(arg, str):
        yield arg.split(".", 1)[0]
    elif isinstance(arg, list) and arg:
        if isinstance(arg[0], str):
            yield arg[0]
        # The attribute name may itself be an intrinsic (e.g. a Ref to a parameter).
        yield from _walk(arg[1:])


def _sub(arg: Any) -> Iterator[str]:
    if isinstance(arg, str):
        yield from _sub_string(arg, local=frozenset())
    elif isinstance(arg, list) and arg and isinstance(arg[0], str):
        variables = arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
        yield from _sub_string(arg[0], local=frozenset(variables))
        yield from _walk(variables)


def _sub_string(text: str, local: frozenset[str]) -> Iterator[str]:
    for match in _SUB_VARIABLE.finditer(text):
        name = match.group(1).strip().split(".", 1)[0]
        # Names of the Sub's own variable map are local, not resources; AWS:: are pseudo params.
        if name not in local and not name.startswith("AWS::"):
            yield name


def _depends_on(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _reach(start: str, edges: Mapping[str, Iterable[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(edges.get(start, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return seen


def serialized_pairs(graph: Graph, nodes: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs (a, b) of `nodes` where b waits for a, directly or through other resources."""
    chosen = sorted(set(nodes))
    return [(a, b) for b in chosen for a in sorted(graph.ancestors(b)) if a in chosen]


# -- order and critical path -------------------------------------------------------------------


def topological_order(graph: Graph) -> list[str]:
    """Resources in an order where each comes after everything it waits for.

    Raises CycleError naming one cycle if there is none (CloudFormation refuses such templates).
    """
    pending = {node: set(deps) for node, deps in graph.needs.items()}
    dependents = graph.dependents()
    ready = sorted(node for node, deps in pending.items() if not deps)
    order: list[str] = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for follower in sorted(dependents[node]):
            pending[follower].discard(node)
            if not pending[follower]:
                ready.append(follower)
        ready.sort()
    if len(order) < len(pending):
        raise CycleError(_find_cycle({n: d for n, d in pending.items() if d}))
    return order


def _find_cycle(remaining: Mapping[str, set[str]]) -> list[str]:
    # Every node left has an unfinished dependency, so walking dependencies must revisit a node.
    node = min(remaining)
    path: list[str] = []
    index: dict[str, int] = {}
    while node not in index:
        index[node] = len(path)
        path.append(node)
        node = min(remaining[node] & set(remaining))
    return [*path[index[node] :], node]


def longest_chains(graph: Graph, durations: Durations) -> dict[str, Chain]:
    """For each resource, the slowest chain of resources ending with it (itself included)."""
    chains: dict[str, Chain] = {}
    for node in topological_order(graph):
        own = durations.of(graph.types[node])
        before = max(
            (chains[dep] for dep in graph.needs[node]),
            key=lambda chain: (chain.seconds, chain.ids),
            default=Chain(ids=(), seconds=0.0),
        )
        chains[node] = Chain(ids=(*before.ids, node), seconds=before.seconds + own)
    return chains


def critical_path(graph: Graph, durations: Durations) -> Chain:
    """The slowest chain in the template: the estimated time of a create from scratch."""
    chains = longest_chains(graph, durations)
    return max(chains.values(), key=lambda c: (c.seconds, c.ids), default=Chain((), 0.0))


# -- durations data ----------------------------------------------------------------------------


def load_durations(path: Path = DURATIONS_FILE) -> Durations:
    """Reads the per-type duration table (each figure with its source) from `path`."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Durations(
        seconds={kind: float(entry["seconds"]) for kind, entry in data["types"].items()},
        default_seconds=float(data["default"]["seconds"]),
    )


# -- the deploy-time report (generate.py --explain) --------------------------------------------

BODY_LIMIT_BYTES = 51_200  # TemplateBody passed inline
URL_LIMIT_BYTES = 1_048_576  # template uploaded to S3 and passed as TemplateURL (1 MB)

# Resources that truly must wait for the slowest resource: the secret attachment needs the DB's
# identifier, and rotation needs the attachment. Everything else after the slowest resource is
# time the template could have saved.
MUST_FOLLOW_TYPES = frozenset(
    {
        "AWS::SecretsManager::SecretTargetAttachment",
        "AWS::SecretsManager::RotationSchedule",
    }
)


@dataclass(frozen=True)
class Explanation:
    """What `generate.py --explain` reports about one template."""

    resource_count: int
    compact_bytes: int
    critical: Chain
    slowest_id: str
    slowest_type: str
    slowest_seconds: float
    # The slowest resource's own chain of required predecessors, itself included.
    slowest_chain: Chain
    # The longest chain of MUST_FOLLOW_TYPES resources waiting for the slowest resource.
    followers: Chain

    @property
    def ratio(self) -> float:
        return self.critical.seconds / self.slowest_seconds if self.slowest_seconds else 0.0

    @property
    def excess_seconds(self) -> float:
        """How much longer the critical path is than the slowest resource's own chain."""
        return self.critical.seconds - self.slowest_chain.seconds

    @property
    def slack_seconds(self) -> float:
        """Allowed excess (the must-follow chain) minus the actual excess; >= 0 meets the goal."""
        return self.followers.seconds - self.excess_seconds

    @property
    def goal_holds(self) -> bool:
        return self.slack_seconds >= -1e-9


def explain(template: Mapping[str, Any], durations: Durations) -> Explanation:
    """Builds the deploy-time report of a template dict."""
    graph = build_graph(template)
    chains = longest_chains(graph, durations)
    critical = max(chains.values(), key=lambda c: (c.seconds, c.ids), default=Chain((), 0.0))
    if not graph.types:
        raise ValueError("the template has no resources")
    # Among equally slow resources, the one whose own chain is longest is the real bottleneck.
    slowest = max(graph.types, key=lambda n: (durations.of(graph.types[n]), chains[n].seconds, n))
    return Explanation(
        resource_count=len(graph.types),
        compact_bytes=len(json.dumps(template, separators=(",", ":")).encode("utf-8")),
        critical=critical,
        slowest_id=slowest,
        slowest_type=graph.types[slowest],
        slowest_seconds=durations.of(graph.types[slowest]),
        slowest_chain=chains[slowest],
        followers=_must_follow_chain(graph, durations, slowest),
    )


def _must_follow_chain(graph: Graph, durations: Durations, start: str) -> Chain:
    reached: dict[str, Chain] = {start: Chain(ids=(), seconds=0.0)}
    for node in topological_order(graph):
        if graph.types[node] not in MUST_FOLLOW_TYPES:
            continue
        before = [reached[dep] for dep in graph.needs[node] if dep in reached]
        if before:
            best = max(before, key=lambda c: (c.seconds, c.ids))
            own = durations.of(graph.types[node])
            reached[node] = Chain(ids=(*best.ids, node), seconds=best.seconds + own)
    return max(reached.values(), key=lambda c: (c.seconds, c.ids))


def render(report: Explanation, title: str = "Deploy-time report") -> str:
    """The report as text lines for a human (generate.py writes it to stderr)."""
    size = report.compact_bytes
    followers = " -> ".join(report.followers.ids) or "none"
    verdict = "HOLDS" if report.goal_holds else "DOES NOT HOLD"
    lines = [
        title,
        f"  resources         {report.resource_count}",
        f"  compact size      {size:,} bytes: {100 * size / BODY_LIMIT_BYTES:.1f}% of the "
        f"{BODY_LIMIT_BYTES:,}-byte TemplateBody limit, {100 * size / URL_LIMIT_BYTES:.1f}% of "
        f"the 1 MB TemplateURL limit",
        f"  critical path     {report.critical.minutes:.1f} min: "
        + " -> ".join(report.critical.ids),
        f"  slowest resource  {report.slowest_seconds / 60:.1f} min: {report.slowest_id} "
        f"({report.slowest_type})",
        f"  ratio             {report.ratio:.2f} (critical path / slowest resource)",
        f"  its own chain     {report.slowest_chain.minutes:.1f} min: "
        + " -> ".join(report.slowest_chain.ids),
        f"  must follow it    {report.followers.minutes:.1f} min: {followers}",
        f"  goal              {verdict}: the critical path exceeds {report.slowest_id}'s own "
        f"chain by {report.excess_seconds / 60:.1f} min, the must-follow resources allow "
        f"{report.followers.minutes:.1f} min (slack {report.slack_seconds / 60:+.1f} min)",
    ]
    return "\n".join(lines) + "\n"
