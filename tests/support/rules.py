"""Runs this project's cfn-lint rule modules on a template.

Each module is imported as `cfn_rules.<module>` through cfn-lint's own API. cfn-lint's directory
loader (`--append-rules`, `Rules.create_from_directory`) imports each rule file as a top-level
module instead, which coverage and mutation tools cannot attribute to `cfn_rules`.
"""

from __future__ import annotations

from typing import Any

from cfnlint.config import ConfigMixIn
from cfnlint.decode.decode import decode_str
from cfnlint.rules import Rules
from cfnlint.rules.errors import RuleError
from cfnlint.runner import run_template_by_data

from tests.support.paths import ROOT

# Every rule module of cfn_rules; the helpers' leading underscore keeps them out, as it keeps them
# out of cfn-lint's directory walk.
RULE_MODULES = tuple(
    sorted(p.stem for p in (ROOT / "cfn_rules").glob("*.py") if not p.stem.startswith("_"))
)


def load(*modules: str) -> Rules:
    """The rules of `cfn_rules.<module>` for each module named, or of every rule module."""
    rules = Rules()
    for module in modules or RULE_MODULES:
        rules.update(Rules.create_from_module(f"cfn_rules.{module}"))
    return rules


def module_of_rule() -> dict[str, str]:
    """Rule ID -> the rule module that defines it."""
    return {rule.id: module for module in RULE_MODULES for rule in load(module).values()}


def run(rules: Rules, template: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(rule id, line, message) of every finding `rules` report on a decoded template.

    A rule that raises is reported as cfn-lint's E0002, as by the cfn-lint command. cfn-lint
    keeps only the findings of the rules it runs, so E0002 is added to them here: without it a
    crash would pass as "no findings".
    """
    config = ConfigMixIn(regions=["us-east-1"])
    with_errors = Rules()
    with_errors.update(rules)
    with_errors.register(RuleError())
    return [
        (m.rule.id, m.linenumber, m.message)
        for m in run_template_by_data(template, config, with_errors)
    ]


def decode(template_yaml: str) -> dict[str, Any]:
    template, errors = decode_str(template_yaml)
    assert not errors, f"the template does not parse: {errors}"
    assert isinstance(template, dict)
    return dict(template)


def findings(module: str, template_yaml: str) -> list[tuple[str, int, str]]:
    """(rule id, line, message) of every finding the rules of `cfn_rules.<module>` report."""
    return run(load(module), decode(template_yaml))
