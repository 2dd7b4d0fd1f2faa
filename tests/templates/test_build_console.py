"""The console form (AWS::CloudFormation::Interface): every parameter grouped and labelled."""

from __future__ import annotations

from collections import Counter
from typing import Any


def _interface(template: dict[str, Any]) -> dict[str, Any]:
    interface: dict[str, Any] = template["Metadata"]["AWS::CloudFormation::Interface"]
    return interface


def test_every_parameter_is_in_exactly_one_group(template: dict[str, Any]) -> None:
    grouped = Counter(p for g in _interface(template)["ParameterGroups"] for p in g["Parameters"])
    assert set(grouped) == set(template["Parameters"])
    assert max(grouped.values()) == 1


def test_every_parameter_has_a_label(template: dict[str, Any]) -> None:
    labels = _interface(template)["ParameterLabels"]
    assert labels
    assert set(labels) == set(template["Parameters"])
    assert all(label["default"].strip() for label in labels.values())


def test_every_group_has_a_label_and_members(template: dict[str, Any]) -> None:
    groups = _interface(template)["ParameterGroups"]
    assert groups
    for group in groups:
        assert group["Label"]["default"].strip()
        assert group["Parameters"]


def test_groups_list_no_unknown_parameter(template: dict[str, Any]) -> None:
    grouped = {p for g in _interface(template)["ParameterGroups"] for p in g["Parameters"]}
    assert grouped <= set(template["Parameters"])
