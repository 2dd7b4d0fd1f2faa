"""Every custom rule flags its bad fixtures and passes its good ones.

Fixtures live in tests/cfn_rules/fixtures/<RULE_ID>/: `good*.yaml` must raise no finding of that
rule, each `bad_<what>.yaml` at least one. Only the custom rules run here (fast); the full gate
runs on the project's templates elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.config import ConfigMixIn
from cfnlint.decode.decode import decode_str
from cfnlint.rules import Rules
from cfnlint.runner import run_template_by_data

from tests.support.paths import ROOT
from tests.support.paths import RULE_FIXTURES as FIXTURES

RULE_DIRS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name != "robustness")


def custom_rule_ids(path: Path) -> list[str]:
    """Rule IDs the custom rules report on one fixture."""
    template, errors = decode_str(path.read_text())
    assert not errors, f"{path.name} does not parse: {errors}"
    rules = Rules.create_from_directory(str(ROOT / "cfn_rules"))
    config = ConfigMixIn(regions=["us-east-1"])
    return [m.rule.id for m in run_template_by_data(template, config, rules)]


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
    assert rule_id in custom_rule_ids(path)


@pytest.mark.parametrize(("rule_id", "path"), fixtures("good"))
def test_good_fixture_passes(rule_id: str, path: Path) -> None:
    assert rule_id not in custom_rule_ids(path)


def test_every_custom_rule_has_good_and_bad_fixtures() -> None:
    loaded = {r.id for r in Rules.create_from_directory(str(ROOT / "cfn_rules")).values()}
    covered = {
        d.name for d in RULE_DIRS if list(d.glob("good*.yaml")) and list(d.glob("bad*.yaml"))
    }
    assert loaded and loaded <= covered, f"rules without fixtures: {sorted(loaded - covered)}"


@pytest.mark.parametrize("path", sorted((FIXTURES / "robustness").iterdir()), ids=lambda p: p.name)
def test_custom_rules_do_not_crash_on_odd_templates(path: Path) -> None:
    template, _ = decode_str(path.read_text())
    rules = Rules.create_from_directory(str(ROOT / "cfn_rules"))
    config = ConfigMixIn(regions=["us-east-1"])
    crashes = [
        m.message
        for m in run_template_by_data(template, config, rules)
        if m.rule.id == "E0002" and ("rule E9" in m.message or "rule W9" in m.message)
    ]
    assert crashes == []
