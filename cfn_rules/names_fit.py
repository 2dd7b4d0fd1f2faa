"""E9103: names built from literals and parameters fit their service's length and charset."""

from __future__ import annotations

import math
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _bounds as b
from cfnmodel.limits import NAME_LIMITS, NameLimit


class NamesFitTheirServices(CloudFormationLintRule):
    """A name-like property's longest possible value fits its service.

    The longest value is computed from literals, parameters (MaxLength, AllowedValues, the
    longest string AllowedPattern admits) and pseudo parameters (AWS::AccountId 12, AWS::Region
    14, AWS::Partition 9, AWS::URLSuffix 16). Names built from AWS::StackName are not judged: the
    stack name (up to 128 characters) is only known at deploy time. A parameter with none of
    these bounds makes the name unbounded, which is reported too: any long value fails the
    deploy ("... must be at most 63 characters").
    Characters come from literals, AllowedValues and AllowedPattern; parameters without either
    are not charset-checked. Plain literal names are left to cfn-lint's schema rules.
    """

    id = "E9103"
    shortdesc = "Names fit their services"
    description = "Name-like properties cannot exceed their service's length or charset rules"
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"
    tags = ["names", "parameters"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = cfn.template
        matches: list[RuleMatch] = []
        for lid, res in (template.get("Resources") or {}).items():
            if not isinstance(res, dict) or not isinstance(res.get("Properties"), dict):
                continue
            for prop, value in res["Properties"].items():
                rule = NAME_LIMITS.get((str(res.get("Type")), prop))
                if rule is None or isinstance(value, str):
                    continue
                path = ["Resources", lid, "Properties", prop]
                matches.extend(RuleMatch(path, m) for m in self._check(prop, value, rule, template))
        return matches

    @staticmethod
    def _check(prop: str, value: Any, rule: NameLimit, template: dict[str, Any]) -> list[str]:
        max_len, allowed = rule
        found = b.bound(value, template)
        parts = ", ".join(sorted(set(found.why))) or "literals"
        problems = []
        if found.length == math.inf:
            # The parameters that are unbounded themselves (pseudo parameters never are).
            unbounded = {w for w in found.why if b.bound({"Ref": w}, template).length == math.inf}
            problems.append(
                f"{prop} has no upper length bound (from {', '.join(sorted(unbounded))}); "
                f"the service allows {max_len}. Fix: give the parameter a MaxLength or a bounded "
                "AllowedPattern so the whole name stays within the limit."
            )
        elif found.length is not None and found.length > max_len:
            problems.append(
                f"{prop} can be {int(found.length)} characters long (from {parts}); the service "
                f"allows {max_len}. Fix: lower the parameters' MaxLength or shorten the literal "
                f"parts by {int(found.length) - max_len}."
            )
        if allowed is not None and found.chars is not None:
            bad = found.chars - set(allowed)
            if bad:
                problems.append(
                    f"{prop} can contain {''.join(sorted(bad))!r}, which the service refuses "
                    f"(from {parts}). Fix: restrict AllowedPattern / the literal to "
                    f"{allowed!r}."
                )
        return problems
