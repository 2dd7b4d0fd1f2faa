"""Every taggable resource carries Environment, Project and Name."""

from __future__ import annotations

import importlib
import inspect
from functools import cache
from typing import Any

from tests.support.cfn import resources
from tests.templates.helpers import tag_map

REQUIRED = {"Environment", "Project", "Name"}


@cache
def _taggable(resource_type: str) -> bool:
    # From troposphere's resource classes (those whose props include Tags), so that a new
    # resource type cannot slip through a hard-coded list.
    service = resource_type.split("::")[1].lower()
    module = importlib.import_module(f"troposphere.{service}")
    # troposphere is untyped: its classes are Any here, as is their ``props`` mapping.
    classes: list[tuple[str, Any]] = inspect.getmembers(module, inspect.isclass)
    for _, cls in classes:
        if getattr(cls, "resource_type", None) == resource_type:
            return "Tags" in cls.props
    raise AssertionError(f"troposphere.{service} has no class for {resource_type}")


def test_taggable_types_are_recognised(production: dict[str, Any]) -> None:
    assert _taggable("AWS::EC2::VPC")
    assert not _taggable("AWS::EC2::Route")


def test_every_taggable_resource_has_the_required_tags(template: dict[str, Any]) -> None:
    taggable = [r for r in resources(template).values() if _taggable(r["Type"])]
    assert taggable
    missing = {
        lid: sorted(REQUIRED - set(tag_map(r.get("Properties", {}).get("Tags"))))
        for lid, r in resources(template).items()
        if _taggable(r["Type"])
    }
    assert {lid: keys for lid, keys in missing.items() if keys} == {}


def _tag_values(template: dict[str, Any], key: str) -> dict[str, Any]:
    """Logical ID -> the value of its tag `key`, for every resource that carries one."""
    found = {
        lid: tags[key]
        for lid, r in resources(template).items()
        if key in (tags := tag_map(r.get("Properties", {}).get("Tags")))
    }
    assert found, f"no resource carries a {key} tag"
    return found


def test_environment_tag_is_the_suffix(template: dict[str, Any]) -> None:
    for lid, value in _tag_values(template, "Environment").items():
        assert value == {"Ref": "EnvironmentSuffix"}, lid


def test_name_tag_carries_the_suffix(template: dict[str, Any]) -> None:
    for lid, value in _tag_values(template, "Name").items():
        assert "${EnvironmentSuffix}" in value["Fn::Sub"], lid
