"""E9103: names built from literals and parameters fit their service's length and charset."""

from __future__ import annotations

import math
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _bounds as b
from cfn_rules import _common as c
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
                for message, as_written in self._check(prop, value, rule, template):
                    matches.append(
                        RuleMatch(path, message) if as_written else c.warning(path, message)
                    )
        return matches

    @staticmethod
    def _check(
        prop: str, value: Any, rule: NameLimit, template: dict[str, Any]
    ) -> list[tuple[str, bool]]:
        """(message, whether it fails as written with the defaults) of each problem."""
        max_len, allowed = rule
        found = b.bound(value, template)
        problems = []
        if found.length is not None and found.length > max_len:
            problems.append(_too_long(prop, found, max_len, template))
        if allowed is not None and found.chars is not None:
            bad = found.chars - set(allowed)
            if bad:
                problems.append(_refused(prop, found, bad, allowed))
        return problems


def _parts(found: b.Bound) -> str:
    return ", ".join(sorted(set(found.why))) or "literals"


def _as_deployed(found: b.Bound, max_len: int) -> str:
    if found.least > max_len:
        return (
            f"With the parameters' defaults it is already {int(found.least)}: AWS refuses it as "
            "written."
        )
    return (
        f"With the parameters' defaults (their shortest allowed values where they have none) it is "
        f"{int(found.least)}, so only longer values fail:"
    )


def _too_long(
    prop: str, found: b.Bound, max_len: int, template: dict[str, Any]
) -> tuple[str, bool]:
    written = found.least > max_len
    head = _as_deployed(found, max_len)
    if found.length == math.inf:
        # The parameters that are unbounded themselves (pseudo parameters never are).
        unbounded = sorted(
            {w for w in found.why if b.bound({"Ref": w}, template).length == math.inf}
        )
        first = b.bound({"Ref": unbounded[0]}, template)
        needed = max_len - int(found.least - first.least) + 1
        example = "" if written else f" a {needed}-character {unbounded[0]} makes it {max_len + 1}."
        return (
            f"{prop} has no upper length bound (from {', '.join(unbounded)}); the service allows "
            f"{max_len}. {head}{example} Fix: give the parameter a MaxLength or a bounded "
            "AllowedPattern so the whole name stays within the limit.",
            written,
        )
    longest = int(found.length or 0)
    names = sorted(set(found.why))
    who = ", ".join(
        f"a {int(b.bound({'Ref': w}, template).length or 0)}-character {w}" for w in names
    )
    example = "" if written else f" {who} make{'s' if len(names) == 1 else ''} it {longest}."
    return (
        f"{prop} can be {longest} characters long (from {_parts(found)}); the service allows "
        f"{max_len}. {head}{example} Fix: lower the parameters' MaxLength or shorten the "
        f"literal parts by {longest - max_len}.",
        written,
    )


def _refused(prop: str, found: b.Bound, bad: set[str], allowed: str) -> tuple[str, bool]:
    written = bool(bad & found.sure)
    head = (
        "The literals or the defaults hold them: AWS refuses it as written."
        if written
        else "The defaults hold none of them, so only values that do fail."
    )
    return (
        f"{prop} can contain {''.join(sorted(bad))!r}, which the service refuses "
        f"(from {_parts(found)}). {head} Fix: restrict AllowedPattern / the literal to "
        f"{allowed!r}.",
        written,
    )
