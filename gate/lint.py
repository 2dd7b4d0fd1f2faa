"""The cfn-lint layer: cfn-lint's own rules plus this project's (cfn_rules/), through its API.

Severity answers one question: does AWS refuse this template as written, with its parameters'
defaults? An error (E*) does unless
- its rule says otherwise in the match (`gate_severity`, set by cfn_rules for a finding that
  fails only for some values or only in some accounts),
- it sits in a resource whose Condition is false with the defaults, or cfn-lint found it only in
  a scenario of conditions that the defaults do not produce: then it fails only for the values
  that make those conditions hold, a warning that says so,
- it sits in a resource whose Condition is false for every value (it names no parameter): such a
  resource is never created, so nothing is reported.
Warnings and informational findings (W*, I*) are policy.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnmodel import intrinsics
from cfnmodel.resolve import ResolveError, resolved
from gate.findings import BLOCKER, POLICY, WARNING, Finding, unique

RULES_DIR = Path(__file__).resolve().parent.parent / "cfn_rules"
# The attribute a cfn_rules match carries to give its own severity (cfn_rules._common.warning).
SEVERITY_ATTR = "gate_severity"
SEVERITIES = (BLOCKER, WARNING, POLICY)
# How cfn-lint names the scenario of a finding: `when condition "HasX" is False`.
SCENARIO = re.compile(r'condition "([^"]+)" is (True|False)')


@dataclass(frozen=True)
class Defaults:
    """What the template's conditions are with the parameters' defaults, and its resources'."""

    truth: dict[str, bool] = field(default_factory=dict)  # condition -> value with the defaults
    constant: frozenset[str] = frozenset()  # conditions that name no parameter
    resource_conditions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, template: Any) -> Defaults:
        if not isinstance(template, dict):
            return cls()
        conditions = template.get("Conditions")
        resources = template.get("Resources")
        owned = {
            lid: res["Condition"]
            for lid, res in (resources.items() if isinstance(resources, dict) else [])
            if isinstance(res, dict) and isinstance(res.get("Condition"), str)
        }
        definitions = conditions if isinstance(conditions, dict) else {}
        return cls(_truth(template, definitions), _constant(definitions), owned)

    def never_created(self, logical_id: str | None) -> bool:
        name = self.resource_conditions.get(logical_id or "")
        return name is not None and name in self.constant and self.truth.get(name) is False

    def off_by_default(self, logical_id: str | None, message: str) -> str | None:
        """Why the finding holds only for some values, or None when it holds with the defaults."""
        name = self.resource_conditions.get(logical_id or "")
        if name is not None and self.truth.get(name) is False:
            return f"only when condition {name} is true (false with the parameters' defaults)"
        differing = [
            f"{cond} is {value}"
            for cond, value in SCENARIO.findall(message)
            if cond in self.truth and self.truth[cond] != (value == "True")
        ]
        if differing:
            return f"only when {' and '.join(differing)} (not with the parameters' defaults)"
        return None


def _truth(template: dict[str, Any], definitions: dict[str, Any]) -> dict[str, bool]:
    """Each condition's value with the parameters' defaults; a condition that reads a parameter
    without a default is left out (its value is the deployer's choice)."""
    params = template.get("Parameters")
    params = params if isinstance(params, dict) else {}
    free = {n for n, p in params.items() if not (isinstance(p, dict) and "Default" in p)}
    try:
        # The free parameters get a stand-in so the others can be evaluated; what reads them is
        # dropped below.
        truth = resolved(template, {n: "" for n in free})["Conditions"]
    except (ResolveError, KeyError, TypeError, ValueError, IndexError, AttributeError):
        return {}  # a condition the evaluator cannot read: all stay unknown
    return {n: v for n, v in truth.items() if not _reads(definitions, n, free, frozenset())}


def _reads(definitions: dict[str, Any], name: str, params: set[str], seen: frozenset[str]) -> bool:
    """Whether the condition reads one of `params`, itself or through the conditions it names."""
    for _, node in intrinsics.walk(definitions.get(name)):
        call = intrinsics.intrinsic(node)
        if call is None:
            continue
        if call[0] == "Ref" and call[1] in params:
            return True
        nested = call[0] == "Condition" and call[1] not in seen and call[1] != name
        if nested and _reads(definitions, call[1], params, seen | {name}):
            return True
    return False


def _constant(definitions: dict[str, Any]) -> frozenset[str]:
    """The conditions whose value no parameter can change (they read no Ref, nor a condition
    that does)."""

    def reads_a_value(name: str, seen: frozenset[str]) -> bool:
        for _, node in intrinsics.walk(definitions.get(name)):
            call = intrinsics.intrinsic(node)
            if call is None:
                continue
            if call[0] in ("Ref", "Fn::FindInMap", "Fn::ImportValue", "Fn::GetAtt"):
                return True
            if call[0] == "Condition" and (
                call[1] in seen or reads_a_value(call[1], seen | {name})
            ):
                return True
        return False

    return frozenset(n for n in definitions if not reads_a_value(n, frozenset({n})))


def run_cfn_lint(
    template_path: Path, *, custom_rules: bool = True, parameters: Mapping[str, str] | None = None
) -> list[Finding]:
    """cfn-lint through its API, each match with its severity (see the module's docstring).

    Informational checks (I*) are included: they are cheap, and this project's own template is
    held to zero of them, so any that appear are drift worth a look (policy, not a blocker).
    With `parameters` (the values being deployed), cfn-lint judges that one parameter set, and
    severities are decided with those values in place of the defaults.
    """
    # Imported here: cfnlint takes about 1 s to import, and a cache hit never needs it.
    from cfnlint.api import ManualArgs, lint_file
    from cfnlint.decode import decode

    template, _ = decode(str(template_path))
    values = literal_values(template, parameters or {})
    args: dict[str, Any] = {"include_checks": ["I"], "regions": ["us-east-1"]}
    if custom_rules:
        args["append_rules"] = [str(RULES_DIR)]
    with _valued_copy(template_path, template, values) as linted:
        matches = lint_file(linted, config=ManualArgs(**args))
    defaults = Defaults.of(with_values(template, values))
    found = (finding_from_match(match, defaults) for match in matches)
    return unique(f for f in found if f is not None)


@contextmanager
def _valued_copy(path: Path, template: Any, values: Mapping[str, str]) -> Iterator[Path]:
    """The file cfn-lint reads: the user's own, or, with values, a copy where each value is its
    parameter's default. (cfn-lint's own deployment parameters would also demand a value for
    every SSM-typed parameter, which is a path resolved at deploy time.) Findings name resources
    and property paths, which the copy keeps."""
    if not values or not isinstance(template, dict):
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="gate-lint-") as tmp:
        copy = Path(tmp) / f"{Path(path).stem}.json"
        copy.write_text(json.dumps(with_values(template, values), default=str), encoding="utf-8")
        yield copy


def literal_values(template: Any, values: Mapping[str, str]) -> dict[str, str]:
    """The values cfn-lint can judge: an `AWS::SSM::Parameter::Value<...>` parameter's value is
    the name of an SSM parameter that CloudFormation reads at deploy time, not the value itself
    (a subnet list named by its path is not a list), so those are left to their types."""
    params = template.get("Parameters") if isinstance(template, dict) else None
    declared = params if isinstance(params, dict) else {}

    def is_ssm(name: str) -> bool:
        spec = declared.get(name)
        kind = str(spec.get("Type", "")) if isinstance(spec, dict) else ""
        return kind.startswith("AWS::SSM::Parameter::Value<")

    return {name: value for name, value in values.items() if not is_ssm(name)}


def with_values(template: Any, values: Mapping[str, str]) -> Any:
    """The template with each given value as its parameter's default (a shallow copy)."""
    params = template.get("Parameters") if isinstance(template, dict) else None
    if not values or not isinstance(params, dict):
        return template
    merged = {
        name: {**spec, "Default": values[name]}
        if name in values and isinstance(spec, dict)
        else spec
        for name, spec in params.items()
    }
    return {**template, "Parameters": merged}


def finding_from_match(match: Any, defaults: Defaults | None = None) -> Finding | None:
    """One cfn-lint match as a finding; a message's " Fix: " part (cfn_rules) becomes the fix.

    None for a match in a resource no parameter value can create.
    """
    rule = match.rule
    rule_id = str(rule.id)
    path_parts = [str(p) for p in getattr(match, "path", None) or []]
    logical_id = path_parts[1] if len(path_parts) > 1 and path_parts[0] == "Resources" else None
    path = "/".join(path_parts) or None
    message, _, fix = str(match.message).partition(" Fix: ")
    message = message.strip()
    if not fix:
        url = getattr(rule, "source_url", "") or ""
        fix = f"see cfn-lint {rule_id} ({rule.shortdesc})" + (f": {url}" if url else "")
    if not path:
        path = f"line {match.linenumber}"
    severity = severity_of(rule_id, getattr(match, SEVERITY_ATTR, None))
    if severity == BLOCKER and defaults is not None:
        if defaults.never_created(logical_id):
            return None
        why = defaults.off_by_default(logical_id, message)
        if why is not None:
            severity, message = WARNING, f"{message.rstrip('.')}; this fails {why}."
    return Finding(severity, rule_id, logical_id, path, message, fix.strip())


def severity_of(rule_id: str, declared: object = None) -> str:
    """An error is a blocker unless its rule declared a severity for this match; the rest policy."""
    if not rule_id.startswith("E"):
        return POLICY
    if declared in SEVERITIES:
        return str(declared)
    return BLOCKER
