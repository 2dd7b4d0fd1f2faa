"""The cfn-lint layer: cfn-lint's own rules plus this project's (cfn_rules/), through its API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gate.findings import BLOCKER, POLICY, Finding, unique

RULES_DIR = Path(__file__).resolve().parent.parent / "cfn_rules"


def run_cfn_lint(template_path: Path, *, custom_rules: bool = True) -> list[Finding]:
    """cfn-lint through its API. Errors are blockers; warnings and informational are policy.

    Informational checks (I*) are included: they are cheap, and this project's own template is
    held to zero of them, so any that appear are drift worth a look (policy, not a blocker).
    """
    # Imported here: cfnlint takes about 1 s to import, and a cache hit never needs it.
    from cfnlint.api import ManualArgs, lint_file

    args: dict[str, Any] = {"include_checks": ["I"], "regions": ["us-east-1"]}
    if custom_rules:
        args["append_rules"] = [str(RULES_DIR)]
    matches = lint_file(Path(template_path), config=ManualArgs(**args))
    return unique(finding_from_match(match) for match in matches)


def finding_from_match(match: Any) -> Finding:
    """One cfn-lint match as a finding; a message's " Fix: " part (cfn_rules) becomes the fix."""
    rule = match.rule
    rule_id = str(rule.id)
    path_parts = [str(p) for p in getattr(match, "path", None) or []]
    logical_id = path_parts[1] if len(path_parts) > 1 and path_parts[0] == "Resources" else None
    path = "/".join(path_parts) or None
    message, _, fix = str(match.message).partition(" Fix: ")
    if not fix:
        url = getattr(rule, "source_url", "") or ""
        fix = f"see cfn-lint {rule_id} ({rule.shortdesc})" + (f": {url}" if url else "")
    if not path:
        path = f"line {match.linenumber}"
    severity = BLOCKER if rule_id.startswith("E") else POLICY
    return Finding(severity, rule_id, logical_id, path, message.strip(), fix.strip())
