"""cfn-lint (informational checks included) reports nothing on either profile."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint
from cfnlint.template import Template as LintTemplate

REGIONS = ["us-east-1", "eu-west-1"]
# The one place where cfn-lint rules are switched off, each with its reason.
# On the generated templates: none.
IGNORED_RULES: dict[str, str] = {}
# On the topology-pinned copies only (see _pinned), never on what generate.py writes.
PINNED_IGNORED_RULES: dict[str, str] = {
    "W1028": "pinning AzCount/NatMode to one value makes the other Fn::If branch unreachable "
    "by construction; the unpinned templates are linted without this ignore",
}
# Conditions whose every combination cfn-lint must explore.
TOPOLOGY_CONDITIONS = ("ThreeAZs", "NatPerAz")
TOPOLOGY_PINS = [(az, nat) for az in ("2", "3") for nat in ("single", "per-az")]


def _lint(
    template: dict[str, Any], regions: list[str], ignored: dict[str, str] = IGNORED_RULES
) -> list[str]:
    config = ManualArgs(include_checks=["I"], ignore_checks=list(ignored), regions=regions)
    matches = lint(json.dumps(template), config=config)
    return [f"{m.rule.id} {'/'.join(map(str, m.path))}: {m.message}" for m in matches]


def test_ignored_rules_each_have_a_reason() -> None:
    reasons = [*IGNORED_RULES.values(), *PINNED_IGNORED_RULES.values()]
    assert reasons
    assert all(len(reason.strip()) > 20 for reason in reasons)


def test_cfn_lint_reports_nothing(template: dict[str, Any]) -> None:
    assert _lint(template, REGIONS) == []


def _pinned(template: dict[str, Any], az: str, nat: str) -> dict[str, Any]:
    """The template with AzCount and NatMode allowed one value each: cfn-lint then lints
    exactly that topology (its condition solver honours AllowedValues)."""
    pinned = copy.deepcopy(template)
    for name, value in (("AzCount", az), ("NatMode", nat)):
        pinned["Parameters"][name].update(AllowedValues=[value], Default=value)
    return pinned


@pytest.mark.parametrize(("az", "nat"), TOPOLOGY_PINS)
def test_cfn_lint_reports_nothing_for_each_topology(
    production: dict[str, Any], az: str, nat: str
) -> None:
    pinned = _pinned(production, az, nat)
    assert _lint(pinned, REGIONS[:1], {**IGNORED_RULES, **PINNED_IGNORED_RULES}) == []


def test_cfn_lint_explores_every_az_and_nat_combination(production: dict[str, Any]) -> None:
    # A copy: cfn-lint reorders the arguments of Fn::Equals in place, and `production` is the
    # session's one template that every other test reads.
    conditions = LintTemplate(None, copy.deepcopy(production)).conditions
    scenarios = conditions.build_scenarios({c: {True, False} for c in TOPOLOGY_CONDITIONS})
    seen = {tuple(s[c] for c in TOPOLOGY_CONDITIONS) for s in scenarios}
    assert seen == {(a, b) for a in (True, False) for b in (True, False)}


def test_pinning_really_fixes_the_topology(production: dict[str, Any]) -> None:
    # Guards the pinned lint above: with a pin, cfn-lint sees only that one combination.
    conditions = LintTemplate(None, _pinned(production, "3", "single")).conditions
    scenarios = conditions.build_scenarios({c: {True, False} for c in TOPOLOGY_CONDITIONS})
    assert [tuple(s[c] for c in TOPOLOGY_CONDITIONS) for s in scenarios] == [(True, False)]
