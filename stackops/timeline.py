"""The last operation of a stack as a waterfall: one bar per resource, from its events."""

# A bar runs from the resource's first *_IN_PROGRESS event to its last event that is not
# *_IN_PROGRESS (a rollback that deletes what was created stretches it: the resource was busy
# that long). A resource with any *_FAILED event is failed, with that event's reason. A resource
# still in progress ends at the operation's last event.
#
# The critical path is the chain of resources whose end times bound the operation's end: from
# the last resource to finish, back through the dependency that finished last before it began,
# and so on. Dependencies come from the deployed template's graph (cfnmodel.graph; through
# resources this operation did not touch, so transitively) and, without a template, from the
# events alone: anything that finished before a resource began may have held it up. The chain is
# computed by cfnmodel.graph.critical_path with each resource weighted by the time from its
# latest-finishing dependency's end to its own end, so every chain's length is its end time.

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cfnmodel.durations import Durations
from cfnmodel.graph import Graph, build_graph, critical_path

from .aws.events import is_stack_event

SUFFIXES = (".svg", ".html")
NO_RESOURCE_EVENTS = (
    "no resource events in the last operation (the endpoint reported stack-level events only, "
    "or nothing changed)"
)


def checked_path(path: Path) -> Path:
    """The picture's path, if its extension names a format this module writes."""
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"{path}: the timeline is written as .svg or .html, not {path.suffix!r}")
    return path


@dataclass(frozen=True)
class Bar:
    logical_id: str
    type: str
    start: float  # seconds after the operation began
    end: float
    status: str  # the failure status if it failed, else its last status
    reason: str = ""
    critical: bool = False

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")

    @property
    def running(self) -> bool:
        return self.status.endswith("_IN_PROGRESS")

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Timeline:
    stack: str
    status: str  # the stack's last stack-level status in these events
    started: datetime | None
    total_s: float
    bars: tuple[Bar, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def critical_ids(self) -> tuple[str, ...]:
        return tuple(b.logical_id for b in sorted(self.bars, key=lambda b: b.end) if b.critical)


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _stamp(event: Mapping[str, Any]) -> datetime:
    return _when(event.get("Timestamp"))


@dataclass
class _Span:
    type: str
    start: datetime | None = None
    end: datetime | None = None
    status: str = ""
    failure: str = ""
    reason: str = ""


def _spans(events: Iterable[Mapping[str, Any]]) -> dict[str, _Span]:
    spans: dict[str, _Span] = {}
    for event in events:
        if is_stack_event(dict(event)):
            continue
        lid = str(event.get("LogicalResourceId", ""))
        span = spans.setdefault(lid, _Span(str(event.get("ResourceType", ""))))
        status, when = str(event.get("ResourceStatus", "")), _stamp(event)
        span.status = status
        if status.endswith("_IN_PROGRESS"):
            span.start = when if span.start is None else span.start
            continue
        span.start = when if span.start is None else span.start
        span.end = when
        if status.endswith("_FAILED") and not span.failure:
            span.failure = status
            span.reason = str(event.get("ResourceStatusReason") or "")
    return spans


def build(
    stack: str, events: list[dict[str, Any]], template: Mapping[str, Any] | None = None
) -> Timeline:
    """The waterfall of one operation's events (oldest first), critical path marked."""
    if not events:
        return Timeline(stack, "", None, 0.0, (), ("no events: the stack has no operation",))
    ordered = sorted(events, key=_stamp)
    origin, last = _stamp(ordered[0]), _stamp(ordered[-1])
    stack_events = [e for e in ordered if is_stack_event(e)]
    status = str(stack_events[-1].get("ResourceStatus", "")) if stack_events else ""
    bars = []
    for lid, span in _spans(ordered).items():
        start = span.start or last
        end = span.end if span.end is not None else last
        bars.append(
            Bar(
                logical_id=lid,
                type=span.type,
                start=(start - origin).total_seconds(),
                end=(end - origin).total_seconds(),
                status=span.failure or span.status,
                reason=span.reason,
            )
        )
    bars.sort(key=lambda b: (b.start, b.end, b.logical_id))
    marked = mark_critical(bars, template)
    notes = () if bars else (NO_RESOURCE_EVENTS,)
    return Timeline(stack, status, origin, (last - origin).total_seconds(), marked, notes)


def _waits_for(bars: list[Bar], template: Mapping[str, Any] | None) -> dict[str, frozenset[str]]:
    """For each bar, the bars that finished before it began and that it may have waited for."""
    by_id = {b.logical_id: b for b in bars}
    graph = build_graph(template) if template else None
    out: dict[str, frozenset[str]] = {}
    for bar in bars:
        if graph is not None and bar.logical_id in graph.types:
            # Through resources this operation left alone, a wait is still a wait.
            possible: Iterable[str] = graph.ancestors(bar.logical_id)
        else:
            possible = by_id
        out[bar.logical_id] = frozenset(
            lid for lid in possible if lid in by_id and _before(by_id[lid], bar)
        )
    return out


def _before(first: Bar, then: Bar) -> bool:
    """`first` finished by the time `then` began; ties between instant bars broken by order,
    so that no two bars wait for each other."""
    order = (first.start, first.end, first.logical_id) < (then.start, then.end, then.logical_id)
    return first.end <= then.start and order


def mark_critical(bars: list[Bar], template: Mapping[str, Any] | None = None) -> tuple[Bar, ...]:
    """The bars, with those on the chain that bounds the operation's end marked critical."""
    if not bars:
        return ()
    needs = _waits_for(bars, template)
    by_id = {b.logical_id: b for b in bars}
    own = {
        lid: by_id[lid].end - max((by_id[d].end for d in deps), default=0.0)
        for lid, deps in needs.items()
    }
    graph = Graph(types={lid: lid for lid in by_id}, needs=needs)
    chain = critical_path(graph, Durations(seconds=own, default_seconds=0.0))
    on_path = set(chain.ids)
    return tuple(replace(b, critical=b.logical_id in on_path) for b in bars)
