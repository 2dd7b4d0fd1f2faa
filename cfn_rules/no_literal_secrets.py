"""W9201: secrets are never literals, parameters, parameter defaults or outputs."""

from __future__ import annotations

import re
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c
from cfnmodel import intrinsics

SECRET_PROPERTY = re.compile(
    r"^(\w*password|passwd|passphrase|\w*authtoken|oauthtoken|secretstring|secretaccesskey"
    r"|privatekey|apikey|clientsecret)s?$",
    re.IGNORECASE,
)
SECRET_NAME = re.compile(r"(password|passwd|secret|token|api_?key|private_?key)", re.IGNORECASE)
DYNAMIC = ("{{resolve:secretsmanager:", "{{resolve:ssm-secure:")


def looks_secret(name: str) -> bool:
    """Named like a secret, and not like the ARN of one (SecretArn, MASTER_SECRET_ARN): an
    ARN says where a secret is, which its reader's own permissions then decide."""
    return bool(SECRET_NAME.search(name)) and "arn" not in name.lower()


def is_dynamic_reference(value: Any) -> bool:
    """A value every branch of which is a secure dynamic reference (or AWS::NoValue)."""
    if value == intrinsics.NO_VALUE:
        return True
    if isinstance(value, str):
        return any(d in value for d in DYNAMIC)
    call = intrinsics.intrinsic(value)
    if call is None:
        return False
    fn, arg = call
    if fn == "Fn::If":
        branches = intrinsics.if_parts(arg)
        return (
            branches is not None
            and is_dynamic_reference(branches[1])
            and is_dynamic_reference(branches[2])
        )
    if fn in ("Fn::Sub", "Fn::Join"):
        return _holds_reference(value)
    return fn in ("Fn::GetAtt", "Fn::ImportValue")  # not a value the template holds


def _holds_reference(value: Any) -> bool:
    """Whether the rendered text of `value` contains a secure dynamic reference."""
    text = str(intrinsics.render(value))  # "None" when it cannot be rendered: no reference
    return any(d in text for d in DYNAMIC)


class NoLiteralSecrets(CloudFormationLintRule):
    """Promise: a password exists only inside AWS, never in the template or its parameters.

    - A password-like property (MasterUserPassword, AuthToken, SecretString, OAuthToken, ...)
      must be a `{{resolve:secretsmanager:...}}` (or ssm-secure) dynamic reference: not a
      literal and not a parameter, even a NoEcho one (it is then in the caller's shell history).
    - A NoEcho parameter, or a parameter named like a secret, has no Default.
    - A CodeBuild environment variable named like a secret is of Type SECRETS_MANAGER or
      PARAMETER_STORE, not PLAINTEXT.
    - No output's value is a dynamic reference or a NoEcho parameter.
    """

    id = "W9201"
    shortdesc = "No literal or parameter secrets"
    description = "Secrets come from dynamic references, never literals, parameters or defaults"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds"
    tags = ["secrets", "promise"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = cfn.template
        params = template.get("Parameters") or {}
        matches = self._parameter_defaults(params)
        for lid, rtype, props in c.resources(template):
            matches += self._secret_properties(lid, rtype, props)
            if rtype == "AWS::CodeBuild::Project":
                matches += self._plaintext_variables(lid, props)
        return matches + self._exposing_outputs(template, params)

    @staticmethod
    def _parameter_defaults(params: dict[str, Any]) -> list[RuleMatch]:
        matches = []
        for name, p in params.items():
            if not isinstance(p, dict) or "Default" not in p:
                continue
            no_echo = c.truthy(p.get("NoEcho")) is True
            if no_echo or looks_secret(name):
                matches.append(
                    RuleMatch(
                        ["Parameters", name, "Default"],
                        f"Parameter '{name}' looks secret but has a Default, so the secret "
                        "sits in the template. Fix: drop the parameter and generate the secret "
                        "with AWS::SecretsManager::Secret GenerateSecretString.",
                    )
                )
        return matches

    @staticmethod
    def _secret_properties(lid: str, rtype: str, props: dict[str, Any]) -> list[RuleMatch]:
        matches = []
        for path, value in intrinsics.walk(props):
            if not path or not isinstance(path[-1], str):
                continue
            if c.truthy(value) is not None or not SECRET_PROPERTY.match(path[-1]):
                continue  # booleans such as ManageMasterUserPassword
            # A list of passwords (an ElastiCache user's) holds secrets item by item.
            if all(
                is_dynamic_reference(v) for v in (value if isinstance(value, list) else [value])
            ):
                continue
            if rtype == "AWS::SecretsManager::Secret" and path == ("SecretString",):
                what = "SecretString holds the secret in the template"
            else:
                what = f"{path[-1]} is not a secrets dynamic reference"
            matches.append(
                RuleMatch(
                    ["Resources", lid, "Properties", *path],
                    f"{what}. Fix: generate it in a AWS::SecretsManager::Secret and use "
                    "{{resolve:secretsmanager:${Secret}:SecretString:key}}.",
                )
            )
        return matches

    @staticmethod
    def _plaintext_variables(lid: str, props: dict[str, Any]) -> list[RuleMatch]:
        env = c.mapping(props.get("Environment")).get("EnvironmentVariables")
        matches = []
        for i, var in intrinsics.indexed_items(env):
            if not isinstance(var, dict) or not isinstance(var.get("Name"), str):
                continue
            plain = var.get("Type", "PLAINTEXT") == "PLAINTEXT"
            if plain and looks_secret(var["Name"]):
                path = ["Resources", lid, "Properties", "Environment", "EnvironmentVariables", *i]
                matches.append(
                    RuleMatch(
                        path,
                        f"Environment variable {var['Name']} looks secret but is "
                        "PLAINTEXT. Fix: Type: SECRETS_MANAGER with the secret's ARN"
                        "[:json-key].",
                    )
                )
        return matches

    @staticmethod
    def _exposing_outputs(template: dict[str, Any], params: dict[str, Any]) -> list[RuleMatch]:
        no_echo = {
            n for n, p in params.items() if isinstance(p, dict) and c.truthy(p.get("NoEcho"))
        }
        matches = []
        for name, output in (template.get("Outputs") or {}).items():
            value = output.get("Value") if isinstance(output, dict) else None
            if _holds_reference(value) or intrinsics.references(value) & no_echo:
                matches.append(
                    RuleMatch(
                        ["Outputs", name, "Value"],
                        f"Output '{name}' exposes a secret value. Fix: output the secret's ARN "
                        "(Ref of the secret), never its value.",
                    )
                )
        return matches
