"""Helpers shared by the rules: template walking, references, dynamic references, bounds.

Plain functions only: cfn-lint instantiates every CloudFormationLintRule subclass it finds in a
rule module's namespace, so no rule base class may live here.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from typing import Any

PSEUDO_MAX_LEN = {
    "AWS::AccountId": 12,
    # Longest region names today (ap-southeast-4, ap-northeast-1, eusc-de-east-1) are 14.
    "AWS::Region": 14,
    "AWS::Partition": 9,  # aws-iso-b / aws-iso-f
    "AWS::URLSuffix": 16,  # amazonaws.com.cn
    "AWS::NoValue": 0,
}
PSEUDO_CHARS = {
    "AWS::AccountId": set(string.digits),
    "AWS::Region": set(string.ascii_lowercase + string.digits + "-"),
    "AWS::Partition": set(string.ascii_lowercase + "-"),
    "AWS::URLSuffix": set(string.ascii_lowercase + "."),
    "AWS::NoValue": set(),
}
SECRETS_PUNCTUATION = set(string.punctuation)  # what GenerateSecretString draws from
DYNREF = re.compile(r"\{\{resolve:secretsmanager:((?:\$\{[^}]*\}|[^}])*)\}\}")
SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


def mapping(value: Any) -> dict[str, Any]:
    """`value` if it is a plain mapping (not an intrinsic function), else {}."""
    return value if isinstance(value, dict) and not is_intrinsic(value) else {}


def is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return key == "Ref" or key == "Condition" or str(key).startswith("Fn::")


def resources(template: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(logical ID, type, properties) of every well-formed resource.

    Resources whose whole Properties block is an intrinsic function (Fn::If) are left out:
    nothing can be said about them offline.
    """
    for lid, res in mapping(template.get("Resources")).items():
        if isinstance(res, dict) and isinstance(res.get("Type"), str):
            props = res.get("Properties")
            if is_intrinsic(props):
                continue
            yield lid, res["Type"], props if isinstance(props, dict) else {}


def branches(value: Any) -> list[Any]:
    """The values `value` can take: both sides of every Fn::If, AWS::NoValue dropped."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        arg = value["Fn::If"]
        if isinstance(arg, list) and len(arg) == 3:
            return branches(arg[1]) + branches(arg[2])
    if value == {"Ref": "AWS::NoValue"}:
        return []
    return [value]


def indexed_items(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """(path, element) of a list-valued property, through Fn::If on the list or its items."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        arg = value["Fn::If"]
        if not (isinstance(arg, list) and len(arg) == 3):
            return []
        return [found for j in (1, 2) for found in indexed_items(arg[j], (*prefix, "Fn::If", j))]
    if not isinstance(value, list):
        return [] if value is None or value == {"Ref": "AWS::NoValue"} else [(prefix, value)]
    found = []
    for i, item in enumerate(value):
        if isinstance(item, dict) and set(item) == {"Fn::If"}:
            found.extend(indexed_items(item, (*prefix, i)))
        elif item != {"Ref": "AWS::NoValue"}:
            found.append(((*prefix, i), item))
    return found


def items(value: Any) -> list[Any]:
    """The elements of a list-valued property, through Fn::If on the list or on its items."""
    found = []
    for option in branches(value):
        for item in option if isinstance(option, list) else [option]:
            found.extend(branches(item))
    return found


def resource_types(template: dict[str, Any]) -> dict[str, str]:
    """Logical ID -> type of every resource (including those with intrinsic Properties)."""
    return {
        lid: res["Type"]
        for lid, res in mapping(template.get("Resources")).items()
        if isinstance(res, dict) and isinstance(res.get("Type"), str)
    }


def walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) pair below `node`, depth first."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, (*path, i))


def referenced_ids(node: Any) -> set[str]:
    """Logical IDs / parameter names that `node` refers to by Ref, GetAtt or Sub."""
    found: set[str] = set()
    for _, value in walk(node):
        if not isinstance(value, dict) or len(value) != 1:
            continue
        ((fn, arg),) = value.items()
        if fn == "Ref" and isinstance(arg, str):
            found.add(arg)
        elif fn == "Fn::GetAtt":
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                found.add(arg[0])
            elif isinstance(arg, str):
                found.add(arg.split(".", 1)[0])
        elif fn == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(text, str):
                found.update(v.split(".", 1)[0] for v in SUB_VAR.findall(text))
    return found


def render(node: Any) -> str | None:
    """A string form of `node` with every unresolved part as a `${Name}` token.

    Literal strings stay as they are; Ref X becomes ${X}; GetAtt X.Y becomes ${X.Y}; Sub keeps its
    own tokens (substituting its variable map); Join is joined. None when it cannot be rendered.
    """
    if isinstance(node, str):
        return node
    if isinstance(node, bool | int | float):
        return str(node).lower() if isinstance(node, bool) else str(node)
    if not isinstance(node, dict) or len(node) != 1:
        return None
    ((fn, arg),) = node.items()
    if fn == "Ref" and isinstance(arg, str):
        return "${" + arg + "}"
    if fn == "Fn::GetAtt":
        if isinstance(arg, list):
            return "${" + ".".join(str(a) for a in arg) + "}"
        return "${" + str(arg) + "}"
    if fn == "Fn::Sub":
        text, variables = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
        if not isinstance(text, str):
            return None
        if isinstance(variables, dict):
            for name, value in variables.items():
                rendered = render(value)
                if rendered is not None:
                    text = text.replace("${" + name + "}", rendered)
        return text
    if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
        delim, items = arg
        if isinstance(delim, str) and isinstance(items, list):
            parts = [render(i) for i in items]
            if all(p is not None for p in parts):
                return delim.join(parts)  # type: ignore[arg-type]
    return None


def dynamic_refs(node: Any) -> Iterator[tuple[tuple[Any, ...], str, str]]:
    """(path, secret-id, json-key) of every secretsmanager dynamic reference below `node`."""
    for path, value in walk(node):
        text = None
        if (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value))
            in (
                "Fn::Sub",
                "Fn::Join",
            )
        ):
            text = render(value)
        elif isinstance(value, str) and not _inside_sub_or_join(path):
            text = value
        for ref in DYNREF.findall(text or ""):
            yield path, _secret_id(ref), _json_key(ref)


def _inside_sub_or_join(path: tuple[Any, ...]) -> bool:
    return any(p in ("Fn::Sub", "Fn::Join") for p in path)


def split_ref(ref: str) -> list[str]:
    """Split a dynamic reference body on colons, keeping `${AWS::Region}` tokens and ARNs whole."""
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:
        held.append(m.group(0))
        return f"\x00{len(held) - 1}\x00"

    masked = re.sub(r"\$\{[^}]*\}", hold, ref)
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


def tokens(text: str) -> list[str]:
    return SUB_VAR.findall(text)


def key_policy(value: Any) -> dict[str, Any] | None:
    """A policy document as a dict, whether given as a dict, a JSON string or a Sub of one."""
    if isinstance(value, dict) and "Statement" in value:
        return value
    text = render(value) if not isinstance(value, str) else value
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
    if value == {"Ref": "AWS::NoValue"}:
        return False  # the property is absent in that branch
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref" and isinstance(arg, str):
            param = (template.get("Parameters") or {}).get(arg)
            if isinstance(param, dict) and isinstance(param.get("AllowedValues"), list):
                return any(truthy(v) is not False for v in param["AllowedValues"])
            return True
        if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
            return could_be_true(arg[1], template) or could_be_true(arg[2], template)
    return True


def secret_target(secret_id: str, template: dict[str, Any]) -> str | None:
    """Logical ID of the AWS::SecretsManager::Secret a dynamic reference's ID names, if any."""
    types = resource_types(template)
    toks = [t.split(".", 1)[0] for t in tokens(secret_id)]
    if secret_id.startswith("${") and secret_id.endswith("}") and len(toks) == 1:
        target = toks[0]
        if types.get(target) == "AWS::SecretsManager::Secret":
            return target
        if types.get(target) == "AWS::SecretsManager::SecretTargetAttachment":
            props = template["Resources"][target].get("Properties") or {}
            inner = referenced_ids(props.get("SecretId"))
            return next((i for i in inner if types.get(i) == "AWS::SecretsManager::Secret"), None)
    for lid, rtype, props in resources(template):
        if rtype != "AWS::SecretsManager::Secret":
            continue
        name = render(props.get("Name"))
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
