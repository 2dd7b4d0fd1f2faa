"""The gate's severity of each finding the custom rules report on a template.

The rules mark a match that fails only for some values or in some accounts (cfn_rules' `warning`);
gate/lint.py turns the mark into the finding's severity. These run the rules as
tests/support/rules.py does and read each match through the gate's own decision.
"""

from __future__ import annotations

from typing import Any

from cfnlint.config import ConfigMixIn
from cfnlint.rules import Rules
from cfnlint.rules.errors import RuleError
from cfnlint.runner import run_template_by_data

from gate.lint import SEVERITY_ATTR, severity_of
from tests.support.rules import decode, load


def run(rules: Rules, template: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    """(rule id, line, severity, message) of every finding; a rule that raises is E0002."""
    config = ConfigMixIn(regions=["us-east-1"])
    with_errors = Rules()
    with_errors.update(rules)
    with_errors.register(RuleError())
    return [
        (
            m.rule.id,
            m.linenumber,
            severity_of(m.rule.id, getattr(m, SEVERITY_ATTR, None)),
            m.message,
        )
        for m in run_template_by_data(template, config, with_errors)
    ]


def severities(module: str, template_yaml: str) -> list[tuple[str, str, str]]:
    """(rule id, severity, message) of every finding of `cfn_rules.<module>`, in report order."""
    return [(rid, sev, msg) for rid, _, sev, msg in run(load(module), decode(template_yaml))]
