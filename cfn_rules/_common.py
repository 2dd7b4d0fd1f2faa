"""Helpers shared by the rules: resources, dynamic references, literals and booleans.

Plain functions only: cfn-lint instantiates every CloudFormationLintRule subclass it finds in a
rule module's namespace, so no rule base class may live here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from cfnlint.rules import RuleMatch

from cfnmodel import intrinsics

# A match's own severity, read by the gate (gate/lint.py): an error rule's match is a blocker
# (AWS refuses the template as written, with its parameters' defaults) unless it says "warning"
# (it fails only for some allowed values, or only in some accounts).
SEVERITY_ATTR = "gate_severity"

DYNREF = re.compile(r"\{\{resolve:secretsmanager:((?:" + intrinsics.PLACEHOLDER + r"|[^}])*)\}\}")


def warning(path: list[Any], message: str) -> RuleMatch:
    """A match that fails only for some values or in some accounts: the gate's WARNING."""
    return RuleMatch(path, message, **{SEVERITY_ATTR: "warning"})


def mapping(value: Any) -> dict[str, Any]:
    """`value` if it is a plain mapping (not an intrinsic function), else {}."""
    return value if isinstance(value, dict) and not intrinsics.is_intrinsic(value) else {}


def resources(template: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(logical ID, type, properties) of every well-formed resource.

    Resources whose whole Properties block is an intrinsic function (Fn::If) are left out:
    nothing can be said about them offline.
    """
    for lid, res in mapping(template.get("Resources")).items():
        if isinstance(res, dict) and isinstance(res.get("Type"), str):
            props = res.get("Properties")
            if intrinsics.is_intrinsic(props):
                continue
            yield lid, res["Type"], props if isinstance(props, dict) else {}


def resource_types(template: dict[str, Any]) -> dict[str, str]:
    """Logical ID -> type of every resource (including those with intrinsic Properties)."""
    return {
        lid: res["Type"]
        for lid, res in mapping(template.get("Resources")).items()
        if isinstance(res, dict) and isinstance(res.get("Type"), str)
    }


def dynamic_refs(node: Any) -> Iterator[tuple[tuple[Any, ...], str, str]]:
    """(path, secret-id, json-key) of every secretsmanager dynamic reference below `node`."""
    for path, value in intrinsics.walk(node):
        call = intrinsics.intrinsic(value)
        if call is not None and call[0] in ("Fn::Sub", "Fn::Join"):
            text = intrinsics.render(value)
        elif isinstance(value, str) and not _inside_sub_or_join(path):
            text = value
        else:
            continue
        for ref in DYNREF.findall(text) if text else ():
            yield path, _secret_id(ref), _json_key(ref)


def _inside_sub_or_join(path: tuple[Any, ...]) -> bool:
    return any(p in ("Fn::Sub", "Fn::Join") for p in path)


def split_ref(ref: str) -> list[str]:
    """Split a dynamic reference body on colons, keeping `${AWS::Region}` tokens and ARNs whole."""
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:
        held.append(m.group(0))
        return f"\x00{len(held) - 1}\x00"

    masked = re.sub(intrinsics.PLACEHOLDER, hold, ref)
    parts = masked.split(":")
    # An ARN is arn:partition:secretsmanager:region:account:secret:name
    if parts[0] == "arn" and len(parts) >= 7:
        parts = [":".join(parts[:7]), *parts[7:]]
    return [re.sub("\x00(\\d+)\x00", lambda m: held[int(m.group(1))], p) for p in parts]


def _secret_id(ref: str) -> str:
    return split_ref(ref)[0]


def _json_key(ref: str) -> str:
    parts = split_ref(ref)
    return parts[2] if len(parts) > 2 else ""


def key_policy(value: Any) -> dict[str, Any] | None:
    """A policy document as a dict, whether given as a dict, a JSON string or a Sub of one."""
    if isinstance(value, dict) and "Statement" in value:
        return value
    text = intrinsics.render(value)  # a string renders as itself
    if not text:
        return None
    try:
        parsed = json.loads(text)
    except (TypeError, ValueError):
        return None
    return parsed if isinstance(parsed, dict) else None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def truthy(value: Any) -> bool | None:
    """True/False for literal booleans (and "true"/"false"); None when not a literal."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def could_be_true(value: Any, template: dict[str, Any]) -> bool:
    """Whether a boolean-ish property value can be true at deploy time."""
    literal = truthy(value)
    if literal is not None:
        return literal
    if value == intrinsics.NO_VALUE:
        return False  # the property is absent in that branch
    call = intrinsics.intrinsic(value)
    if call is None:
        return True  # a literal that is not a boolean: left to the schema
    function, arg = call
    if function == "Ref" and isinstance(arg, str):
        param = (template.get("Parameters") or {}).get(arg)
        if isinstance(param, dict) and isinstance(param.get("AllowedValues"), list):
            return any(truthy(v) is not False for v in param["AllowedValues"])
        return True
    if function == "Fn::If":
        parts = intrinsics.if_parts(arg)
        if parts is not None:
            return could_be_true(parts[1], template) or could_be_true(parts[2], template)
    return True


def secret_target(secret_id: str, template: dict[str, Any]) -> str | None:
    """Logical ID of the AWS::SecretsManager::Secret a dynamic reference's ID names, if any."""
    types = resource_types(template)
    # The names the ID's ${...} variables read (`Name` of ${Name} and ${Name.Attr}).
    names = [r.name for r in intrinsics.reference_list({"Fn::Sub": secret_id})]
    if secret_id.startswith("${") and secret_id.endswith("}") and len(names) == 1:
        target = names[0]
        if types.get(target) == "AWS::SecretsManager::Secret":
            return target
        if types.get(target) == "AWS::SecretsManager::SecretTargetAttachment":
            props = template["Resources"][target].get("Properties") or {}
            inner = intrinsics.references(props.get("SecretId"))
            return next((i for i in inner if types.get(i) == "AWS::SecretsManager::Secret"), None)
    for lid, rtype, props in resources(template):
        if rtype != "AWS::SecretsManager::Secret":
            continue
        name = intrinsics.render(props.get("Name"))
        if not name:
            continue
        if secret_id == name:
            return lid
        if ":secret:" in secret_id:
            arn_name = secret_id.split(":secret:", 1)[1]
            if arn_name == name or arn_name.startswith(name + "-"):
                return lid
    return None


def literal_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
