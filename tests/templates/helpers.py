"""Small template readers shared by the template tests (the lead's tests/support has the rest)."""

from __future__ import annotations

import re
from typing import Any

from tests.support.cfn import resources, walk

SUFFIX_REF = "${EnvironmentSuffix}"
RESOLVE = re.compile(
    r"^\{\{resolve:secretsmanager:\$\{(?P<secret>[A-Za-z0-9]+)\}(?P<rest>[^}]*)\}\}$"
)


def conditioned(template: dict[str, Any], logical_id: str) -> str | None:
    return template["Resources"][logical_id].get("Condition")


def references(node: Any) -> set[str]:
    """Logical IDs and parameter names `node` refers to through Ref, GetAtt and Sub."""
    found: set[str] = set()
    for _, value in walk(node):
        if not isinstance(value, dict):
            continue
        if "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            found.add(att[0] if isinstance(att, list) else att.split(".")[0])
        if "Fn::Sub" in value:
            text = value["Fn::Sub"]
            text = text[0] if isinstance(text, list) else text
            found.update(v.split(".")[0] for v in re.findall(r"\$\{([^!}][^}]*)\}", text))
    return found


def dependency_graph(template: dict[str, Any]) -> dict[str, set[str]]:
    """Resource -> the resources it waits for (Ref, GetAtt, Sub, DependsOn)."""
    ids = set(resources(template))
    graph: dict[str, set[str]] = {}
    for lid, res in resources(template).items():
        deps = references(res.get("Properties", {}))
        depends_on = res.get("DependsOn", [])
        deps.update([depends_on] if isinstance(depends_on, str) else depends_on)
        graph[lid] = deps & ids
    return graph


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
