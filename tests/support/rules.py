"""Runs one of this project's cfn-lint rule modules on a small YAML template.

The module is imported as `cfn_rules.<module>` through cfn-lint's own API. cfn-lint's directory
loader (`--append-rules`, `Rules.create_from_directory`) imports each rule file as a top-level
module instead, which coverage and mutation tools cannot attribute to `cfn_rules`.
"""

from __future__ import annotations

from cfnlint.config import ConfigMixIn
from cfnlint.decode.decode import decode_str
from cfnlint.rules import Rules
from cfnlint.runner import run_template_by_data


def findings(module: str, template_yaml: str) -> list[tuple[str, int, str]]:
    """(rule id, line, message) of every finding the rules of `cfn_rules.<module>` report."""
    template, errors = decode_str(template_yaml)
    assert not errors, f"the template does not parse: {errors}"
    rules = Rules.create_from_module(f"cfn_rules.{module}")
    config = ConfigMixIn(regions=["us-east-1"])
    return [
        (m.rule.id, m.linenumber, m.message) for m in run_template_by_data(template, config, rules)
    ]
