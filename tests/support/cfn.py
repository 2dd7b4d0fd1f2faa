"""Partial-match helpers over a template dict, in the spirit of CDK's assertions.

Each helper answers one question about the template so that a test states one behaviour.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cfnmodel.intrinsics import walk


def resources(template: dict[str, Any], resource_type: str | None = None) -> dict[str, Any]:
    """Logical ID -> resource, optionally only those of one type."""
    found = template.get("Resources", {})
    if resource_type is None:
        return dict(found)
    return {lid: r for lid, r in found.items() if r.get("Type") == resource_type}


def matches(actual: Any, expected: Any) -> bool:
    """True when `expected` is a partial match of `actual`.

    Dicts match when every expected key matches; lists match when each expected item matches
    some actual item (order free); anything else must be equal.
    """
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and matches(actual[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and all(
            any(matches(a, e) for a in actual) for e in expected
        )
    return bool(actual == expected)


def find_resources(
    template: dict[str, Any], resource_type: str, properties: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Resources of a type whose Properties partially match `properties`."""
    return {
        lid: r
        for lid, r in resources(template, resource_type).items()
        if matches(r.get("Properties", {}), properties or {})
    }


def assert_has_resource_properties(
    template: dict[str, Any], resource_type: str, properties: dict[str, Any]
) -> None:
    found = find_resources(template, resource_type, properties)
    assert found, (
        f"no {resource_type} has properties matching {properties!r}; "
        f"candidates: {sorted(resources(template, resource_type))}"
    )


def strings(node: Any) -> Iterator[str]:
    """Every string anywhere below `node`, keys excluded."""
    for _, value in walk(node):
        if isinstance(value, str):
            yield value
