"""E9105: properties and functions that need a transform have it."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c
from cfnmodel import intrinsics

SECRETS = "AWS::SecretsManager-2024-09-16"
# Every version CloudFormation accepts; the message recommends the current one.
SECRETS_VERSIONS = (SECRETS, "AWS::SecretsManager-2020-07-23")
LANGUAGE = "AWS::LanguageExtensions"
SERVERLESS = "AWS::Serverless-2016-10-31"
LANGUAGE_FUNCTIONS = ("Fn::Length", "Fn::ToJsonString")


def declared_transforms(template: dict[str, Any]) -> list[str]:
    names = []
    for t in c.as_list(template.get("Transform")):
        if isinstance(t, str):
            names.append(t)
        elif isinstance(t, dict) and isinstance(t.get("Name"), str):
            names.append(t["Name"])
    return names


class TransformsPresent(CloudFormationLintRule):
    """Features that only exist through a transform must declare it.

    - AWS::SecretsManager::RotationSchedule with HostedRotationLambda needs
      AWS::SecretsManager-2024-09-16 or -2020-07-23 (and the stack then needs
      CAPABILITY_AUTO_EXPAND); without it AWS fails with "Transform AWS::SecretsManager-... is
      required ...".
    - Fn::Length, Fn::ToJsonString and intrinsic DeletionPolicy / UpdateReplacePolicy values need
      AWS::LanguageExtensions (cfn-lint's E1032 covers Fn::ForEach).
    - AWS::LanguageExtensions must come before AWS::Serverless-2016-10-31 when both are present.
    AWS::Serverless::* resources without the SAM transform are cfn-lint's E3038.
    """

    id = "E9105"
    shortdesc = "Transforms present"
    description = "Properties and functions that need a transform have it declared"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/transform-aws-secretsmanager.html"
    tags = ["transforms"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = cfn.template
        declared = declared_transforms(template)
        matches = []
        for lid, res in (template.get("Resources") or {}).items():
            if not isinstance(res, dict):
                continue
            props = c.mapping(res.get("Properties"))
            if (
                res.get("Type") == "AWS::SecretsManager::RotationSchedule"
                and "HostedRotationLambda" in props
                and not set(SECRETS_VERSIONS) & set(declared)
            ):
                matches.append(
                    RuleMatch(
                        ["Resources", lid, "Properties", "HostedRotationLambda"],
                        f"HostedRotationLambda needs the {SECRETS} transform, which the template "
                        f"does not declare. Fix: add Transform: {SECRETS} (and deploy with "
                        "CAPABILITY_AUTO_EXPAND).",
                    )
                )
            if LANGUAGE in declared:
                continue
            for attr in ("DeletionPolicy", "UpdateReplacePolicy"):
                if isinstance(res.get(attr), dict):
                    matches.append(
                        RuleMatch(
                            ["Resources", lid, attr],
                            f"An intrinsic function in {attr} needs the {LANGUAGE} transform. "
                            f"Fix: add Transform: {LANGUAGE}, or use a literal policy.",
                        )
                    )
            for path, value in intrinsics.walk(res):
                if isinstance(value, dict) and len(value) == 1:
                    fn = next(iter(value))
                    if fn in LANGUAGE_FUNCTIONS:
                        matches.append(
                            RuleMatch(
                                ["Resources", lid, *path],
                                f"{fn} needs the {LANGUAGE} transform. Fix: add Transform: "
                                f"{LANGUAGE}.",
                            )
                        )
        both = LANGUAGE in declared and SERVERLESS in declared
        if both and declared.index(LANGUAGE) > declared.index(SERVERLESS):
            matches.append(
                RuleMatch(
                    ["Transform"],
                    f"{LANGUAGE} must be listed before {SERVERLESS}. Fix: reorder Transform.",
                )
            )
        return matches
