"""Every custom rule flags its bad fixtures and passes its good ones.

Fixtures live in tests/cfn_rules/fixtures/<RULE_ID>/: `good*.yaml` must raise no finding of that
rule, each `bad_<what>.yaml` at least one. Each fixture runs only the module of the rule it is
for, imported as `cfn_rules.<module>` (so mutation testing sees the rule modules run); the
robustness fixtures run every custom rule. The full gate runs on the project's templates
elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfnlint.rules import CloudFormationLintRule, Rules

from tests.support.paths import ROOT
from tests.support.paths import RULE_FIXTURES as FIXTURES
from tests.support.rules import RULE_MODULES, decode, load, module_of_rule, run

RULE_DIRS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name != "robustness")
MODULE_OF_RULE = module_of_rule()


def rule_ids(rule_id: str, path: Path) -> list[str]:
    """Rule IDs the module of `rule_id` reports on one fixture."""
    return [found for found, _, _ in run(load(MODULE_OF_RULE[rule_id]), decode(path.read_text()))]


def fixtures(kind: str) -> list[pytest.ParameterSet]:
    return [
        pytest.param(d.name, f, id=f"{d.name}/{f.name}")
        for d in RULE_DIRS
        for f in sorted(d.glob(f"{kind}*.yaml"))
    ]


def test_the_fixture_sets_are_found() -> None:
    # The parametrized tests below pass vacuously on an empty set.
    robustness = list((FIXTURES / "robustness").iterdir())
    assert RULE_DIRS and fixtures("bad") and fixtures("good") and robustness


@pytest.mark.parametrize(("rule_id", "path"), fixtures("bad"))
def test_bad_fixture_is_flagged(rule_id: str, path: Path) -> None:
    assert rule_id in rule_ids(rule_id, path)


@pytest.mark.parametrize(("rule_id", "path"), fixtures("good"))
def test_good_fixture_passes(rule_id: str, path: Path) -> None:
    assert rule_id not in rule_ids(rule_id, path)


def test_the_modules_hold_the_rules_the_directory_loader_finds() -> None:
    # cfn-lint --append-rules loads the directory; the tests load the modules: the same rules.
    from_directory = {r.id for r in Rules.create_from_directory(str(ROOT / "cfn_rules")).values()}
    assert RULE_MODULES and from_directory and set(MODULE_OF_RULE) == from_directory


def test_every_custom_rule_has_good_and_bad_fixtures() -> None:
    loaded = set(MODULE_OF_RULE)
    covered = {
        d.name for d in RULE_DIRS if list(d.glob("good*.yaml")) and list(d.glob("bad*.yaml"))
    }
    assert loaded and loaded <= covered, f"rules without fixtures: {sorted(loaded - covered)}"


@pytest.mark.parametrize("path", sorted((FIXTURES / "robustness").iterdir()), ids=lambda p: p.name)
def test_custom_rules_do_not_crash_on_odd_templates(path: Path) -> None:
    template = decode(path.read_text())
    crashes = [
        message
        for found, _, message in run(load(), template)
        if found == "E0002" and ("rule E9" in message or "rule W9" in message)
    ]
    assert crashes == []


class Raises(CloudFormationLintRule):  # type: ignore[misc]  # cfn-lint is untyped
    id = "E9999"
    shortdesc = "Raises"
    description = "A rule that always raises"

    def match(self, cfn: Any) -> list[Any]:
        raise RuntimeError("boom")


def test_a_rule_that_raises_is_reported_not_silently_passed() -> None:
    rules = load("no_public_database")
    rules.register(Raises())
    assert run(rules, decode("Resources: {}\n")) == [
        ("E0002", 1, "Unknown exception while processing rule E9999: 'boom'")
    ]
