"""The gate's report as SARIF 2.1.0, for code-scanning views: one run, every layer's findings.

Levels: blocker -> error, warning -> warning, policy -> note. Each rule carries its layer
(cfn-lint, custom rule, checkov, Control Tower control) as a tag, and a result points at the
template and, when the resource can be found in the file, the line of its logical ID.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePath
from typing import Any

from gate.findings import BLOCKER, WARNING, Finding, GateReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "deploy.py validate"
LEVELS = {BLOCKER: "error", WARNING: "warning"}
_CUSTOM_RULE = re.compile(r"^[EW]9\d{3}$")
_CFN_LINT_RULE = re.compile(r"^[EWI]\d{4}$")


def layer_of(rule_id: str) -> str:
    """Which layer reported a rule, from its ID's shape."""
    if rule_id.startswith("CT."):
        return "control-tower"
    if rule_id.startswith("CKV"):
        return "checkov"
    if _CUSTOM_RULE.match(rule_id):
        return "custom-rule"
    return "cfn-lint" if _CFN_LINT_RULE.match(rule_id) else "other"


def render_sarif(report: GateReport, template_path: Path) -> dict[str, Any]:
    """The SARIF log `deploy.py validate --output sarif` prints."""
    rules: dict[str, dict[str, Any]] = {}
    for finding in report.findings:
        rules.setdefault(finding.rule_id, _rule(finding))
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    lines = resource_lines(template_path)
    artifact = _artifact(template_path)
    results = [_result(f, index[f.rule_id], artifact, lines) for f in report.findings]
    notes = [{"level": "note", "message": {"text": note}} for note in report.notes]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "rules": list(rules.values()),
            }
        },
        "artifacts": [{"location": artifact}],
        "results": results,
        "invocations": [
            {"executionSuccessful": True, "toolExecutionNotifications": notes},
        ],
    }
    if "uriBaseId" in artifact:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _rule(finding: Finding) -> dict[str, Any]:
    layer = layer_of(finding.rule_id)
    return {
        "id": finding.rule_id,
        "name": re.sub(r"\W", "", finding.rule_id),
        "shortDescription": {"text": finding.message or finding.rule_id},
        "help": {"text": f"Fix: {finding.fix}" if finding.fix else finding.message},
        "defaultConfiguration": {"level": _level(finding)},
        "properties": {"tags": [layer]},
    }


def _level(finding: Finding) -> str:
    return LEVELS.get(finding.severity, "note")


def _artifact(template_path: Path) -> dict[str, Any]:
    """A relative path stays relative to the source root (what code scanning matches on)."""
    path = PurePath(template_path)
    if path.is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": path.as_posix(), "uriBaseId": "%SRCROOT%"}


def _result(
    finding: Finding, rule_index: int, artifact: dict[str, Any], lines: dict[str, int]
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact}
    line = lines.get(finding.logical_id or "")
    if line is not None:
        physical["region"] = {"startLine": line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.logical_id:
        location["logicalLocations"] = [
            {
                "name": finding.logical_id,
                "fullyQualifiedName": finding.path or f"Resources/{finding.logical_id}",
                "kind": "resource",
            }
        ]
    text = f"{finding.message} Fix: {finding.fix}" if finding.fix else finding.message
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _level(finding),
        "message": {"text": text},
        "locations": [location],
        "properties": {"severity": finding.severity, "path": finding.path},
    }


def resource_lines(template_path: Path) -> dict[str, int]:
    """{logical ID: 1-based line} for the resources found in the file (JSON or YAML), else {}.

    Text, not a parser: a resource is the first key at one indentation below `Resources`.
    """
    try:
        text = Path(template_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, int] = {}
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _section(line) == "Resources"), None)
    if start is None:
        return {}
    depth: int | None = None
    for number, line in enumerate(lines[start + 1 :], start=start + 2):
        key = _section(line)
        if key is None:
            continue
        indent = len(line) - len(line.lstrip())
        depth = indent if depth is None else depth
        if indent < depth:
            break
        if indent == depth:
            found.setdefault(key, number)
    return found


_KEY = re.compile(r"""^\s*["']?([A-Za-z0-9:]+)["']?\s*:""")


def _section(line: str) -> str | None:
    match = _KEY.match(line)
    return match.group(1) if match else None
