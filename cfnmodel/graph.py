"""Dependency graph and estimated critical path of any CloudFormation template dict."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cfnmodel.durations import Durations
from cfnmodel.intrinsics import depends_on, references
from cfnmodel.limits import TEMPLATE_BODY_BYTES, TEMPLATE_URL_BYTES

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


# -- building the graph ------------------------------------------------------------------------


def build_graph(template: Mapping[str, Any]) -> Graph:
    """The dependency graph of a template dict's Resources section.

    CloudFormation creates every resource whose dependencies are complete, in parallel, so the
    time a create takes is the longest chain of dependencies, weighted by how long each resource
    takes. The edges come from the same places CloudFormation reads them (cfnmodel.intrinsics):
    `Ref`, `Fn::GetAtt`, `Fn::Sub` variables other than its own locals, and `DependsOn`. Names
    of parameters and pseudo parameters are not edges.

    Conditions are ignored on purpose: a resource under a condition is kept with all its edges,
    as if every condition were true. The graph is the worst case over all parameter values, which
    is what a structural guarantee ("RDS never waits for a NAT gateway") has to hold for. An
    `Fn::If` contributes the references of both branches for the same reason.
    """
    resources: Mapping[str, Any] = template.get("Resources") or {}
    names = frozenset(resources)
    types: dict[str, str] = {}
    needs: dict[str, frozenset[str]] = {}
    for logical_id, body in resources.items():
        types[logical_id] = str(body.get("Type", ""))
        found = set(depends_on(body))
        for key, value in body.items():
            if key not in _NON_REFERENCE_KEYS:
                found.update(references(value))
        # A reference to a name that is not a resource is a parameter or a pseudo parameter.
        needs[logical_id] = frozenset(name for name in found if name in names)
    return Graph(types=types, needs=needs)


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


# -- the deploy-time report (generate.py --explain) --------------------------------------------

# Resources that truly must wait for the slowest resource: the secret attachment needs the DB's
# identifier, and rotation needs the attachment. Everything else after the slowest resource is
# time the template could have saved.
MUST_FOLLOW_TYPES = frozenset(
    {
        "AWS::SecretsManager::SecretTargetAttachment",
        "AWS::SecretsManager::RotationSchedule",
        # RDS refuses a subscription to an instance that does not exist yet (SourceNotFound).
        "AWS::RDS::EventSubscription",
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


def upload_paths(size: int) -> str:
    """How each way of deploying takes a template of `size` compact bytes."""
    if size > TEMPLATE_URL_BYTES:
        return f"too large: CloudFormation refuses a template over {TEMPLATE_URL_BYTES:,} bytes"
    if size <= TEMPLATE_BODY_BYTES:
        return f"inline (TemplateBody, at most {TEMPLATE_BODY_BYTES:,} bytes) on every path"
    return (
        f"through S3 (over the {TEMPLATE_BODY_BYTES:,}-byte TemplateBody limit): the console and "
        "deploy.py upload it themselves; `aws cloudformation deploy` needs --s3-bucket"
    )


def render(report: Explanation, title: str = "Deploy-time report") -> str:
    """The report as text lines for a human (generate.py writes it to stderr)."""
    size = report.compact_bytes
    url = TEMPLATE_URL_BYTES
    followers = " -> ".join(report.followers.ids) or "none"
    verdict = "HOLDS" if report.goal_holds else "DOES NOT HOLD"
    lines = [
        title,
        f"  resources         {report.resource_count}",
        f"  compact size      {size:,} bytes: {100 * size / url:.1f}% of the {url:,}-byte limit "
        f"for a template read from S3",
        f"  how it travels    {upload_paths(size)}",
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
