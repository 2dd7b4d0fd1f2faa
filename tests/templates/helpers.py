"""Small template readers shared by the template tests (the lead's tests/support has the rest)."""

from __future__ import annotations

import re
from typing import Any

from cfnmodel.graph import build_graph
from cfnmodel.intrinsics import references

__all__ = [
    "RESOLVE",
    "SUFFIX_REF",
    "conditioned",
    "dependency_graph",
    "reaches",
    "references",
    "tag_map",
]

SUFFIX_REF = "${EnvironmentSuffix}"
RESOLVE = re.compile(
    r"^\{\{resolve:secretsmanager:\$\{(?P<secret>[A-Za-z0-9]+)\}(?P<rest>[^}]*)\}\}$"
)


def conditioned(template: dict[str, Any], logical_id: str) -> str | None:
    condition: str | None = template["Resources"][logical_id].get("Condition")
    return condition


def dependency_graph(template: dict[str, Any]) -> dict[str, set[str]]:
    """Resource -> the resources it waits for (Ref, GetAtt, Sub, DependsOn)."""
    return {node: set(needs) for node, needs in build_graph(template).needs.items()}


def reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen: set[str] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, ()))
    return False


def tag_map(tags: Any) -> dict[str, Any]:
    """Tags as Key -> Value, whether the property is a list of Key/Value or a plain dict."""
    if isinstance(tags, list):
        return {t["Key"]: t["Value"] for t in tags}
    return dict(tags or {})
