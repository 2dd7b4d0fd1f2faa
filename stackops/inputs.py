"""Everything checked before any AWS call: the template, parameters, tags and capabilities."""

# All failures here are BadInput (exit 4): a user's mistake is caught locally, so no stack is
# ever half-made because of it.

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .errors import BadInput

# Properties that give an IAM resource a fixed name; CloudFormation then wants NAMED_IAM.
IAM_NAME_PROPERTIES = frozenset(
    {"RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName"}
)


@dataclass(frozen=True)
class Inputs:
    """What the user asked for, resolved and checked."""

    parameters: dict[str, str]
    tags: dict[str, str]
    # Parameters the user named explicitly (file or flag); the rest may keep previous values.
    given: frozenset[str] = field(default_factory=frozenset)


def _json_default(value: Any) -> Any:
    # YAML reads an unquoted AWSTemplateFormatVersion (2010-09-09) as a date.
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def plain(value: Any) -> Any:
    """Decoder nodes (dict/str subclasses with line marks) -> plain JSON types."""
    return json.loads(json.dumps(value, default=_json_default))


def parse_template_text(text: str, source: str) -> dict[str, Any]:
    """JSON or YAML (with the !Ref / !Sub short forms) -> template dict."""
    stripped = text.lstrip()
    if not stripped:
        raise BadInput(f"template {source} is empty")
    if stripped.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadInput(
                f"template {source} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                f"column {exc.colno}"
            ) from None
    else:
        # Imported lazily: the YAML decoder pulls in cfn-lint, which JSON templates never need.
        from cfnlint.decode import cfn_yaml

        try:
            data = plain(cfn_yaml.loads(text, source))
        except Exception as exc:  # the decoder raises several yaml and cfn-lint types
            first = str(exc).strip().splitlines()
            detail = first[0] if first else type(exc).__name__
            raise BadInput(f"template {source} is not valid YAML: {detail}") from None
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise BadInput(
            f"template {source} has no Resources section: is it a CloudFormation template?"
        )
    return data


def _read_text(path: Path, what: str) -> str:
    """The file's text, or BadInput naming `what` it is (a template, a parameter file)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{what} {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{what} {path} cannot be read: {exc}") from None


def load_template(path: Path) -> dict[str, Any]:
    return parse_template_text(_read_text(path, "template"), str(path))


def _as_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_as_value(v) for v in value)
    return str(value)


def load_parameter_file(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """One of three formats -> (parameters, tags).

    - the CLI list: [{"ParameterKey": .., "ParameterValue": ..}]
    - CodePipeline's template configuration: {"Parameters": {..}, "Tags": {..}}
    - a plain {"Key": "Value"} map
    """
    data = _read_json(path)
    if isinstance(data, list):
        return _cli_list(path, data), {}
    if not isinstance(data, dict):
        raise BadInput(f"parameter file {path} must hold a JSON list or object")
    if set(data) <= {"Parameters", "Tags", "StackPolicy"} and (
        "Parameters" in data or "Tags" in data
    ):
        raw_params = data.get("Parameters") or {}
        raw_tags = data.get("Tags") or {}
        if not isinstance(raw_params, dict) or not isinstance(raw_tags, dict):
            raise BadInput(f"parameter file {path}: Parameters and Tags must be objects")
        return (
            {str(k): _as_value(v) for k, v in raw_params.items()},
            {str(k): _as_value(v) for k, v in raw_tags.items()},
        )
    for key, value in data.items():
        if isinstance(value, dict):
            raise BadInput(f"parameter file {path}: the value of {key} must not be an object")
    return {str(k): _as_value(v) for k, v in data.items()}, {}


def _read_json(path: Path) -> Any:
    text = _read_text(path, "parameter file")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"parameter file {path} is not valid JSON: {exc.msg} at line {exc.lineno}"
        ) from None


def _cli_list(path: Path, data: list[Any]) -> dict[str, str]:
    params: dict[str, str] = {}
    for i, item in enumerate(data):
        if not isinstance(item, dict) or "ParameterKey" not in item:
            raise BadInput(f"parameter file {path}: item {i} needs ParameterKey and ParameterValue")
        if "ParameterValue" not in item:
            # UsePreviousValue entries: deploy keeps previous values anyway.
            continue
        params[str(item["ParameterKey"])] = _as_value(item["ParameterValue"])
    return params


def parse_pairs(pairs: list[str] | None, flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"{flag} {pair!r} must look like KEY=VALUE")
        out[key.strip()] = value
    return out


def resolve(
    template: dict[str, Any],
    parameter_file: Path | None,
    parameter_flags: list[str] | None,
    tag_flags: list[str] | None,
) -> Inputs:
    """File, then flags on top; undeclared names and bad values rejected."""
    params: dict[str, str] = {}
    tags: dict[str, str] = {}
    if parameter_file is not None:
        params, tags = load_parameter_file(parameter_file)
    params.update(parse_pairs(parameter_flags, "--parameter"))
    tags.update(parse_pairs(tag_flags, "--tag"))
    check_declared(template, params)
    problems = check_values(template, params)
    if problems:
        raise BadInput(problems[0], problems[1:])
    return Inputs(parameters=params, tags=tags, given=frozenset(params))


def declared(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = template.get("Parameters") or {}
    return found if isinstance(found, dict) else {}


def check_declared(template: dict[str, Any], params: dict[str, str]) -> None:
    known = declared(template)
    unknown = sorted(set(params) - set(known))
    if unknown:
        names = ", ".join(unknown)
        choices = ", ".join(sorted(known)) or "none"
        raise BadInput(f"the template does not declare parameter(s) {names}; declared: {choices}")


def _shown(name: str, spec: dict[str, Any], value: str) -> str:
    if str(spec.get("NoEcho", "")).lower() == "true":
        return f"parameter {name} (NoEcho, value hidden)"
    return f"parameter {name}={value!r}"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _pattern_fails(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is None
    except re.error:
        # CloudFormation's patterns are Java regexes; one Python cannot read is left to AWS.
        return False


def _check_one(name: str, spec: dict[str, Any], value: str) -> list[str]:
    ptype = str(spec.get("Type", "String"))
    label = _shown(name, spec, value)
    is_list = ptype.startswith("List<") or ptype == "CommaDelimitedList"
    items = [v.strip() for v in value.split(",")] if is_list else [value]
    numeric = ptype in ("Number", "List<Number>")
    problems: list[str] = []
    allowed = spec.get("AllowedValues")
    pattern = spec.get("AllowedPattern")
    hint = spec.get("ConstraintDescription")
    for item in items:
        if numeric:
            number = _number(item)
            if number is None:
                problems.append(f"{label}: {item!r} is not a number")
                continue
            if "MinValue" in spec and number < float(spec["MinValue"]):
                problems.append(f"{label}: must be at least {spec['MinValue']}")
            if "MaxValue" in spec and number > float(spec["MaxValue"]):
                problems.append(f"{label}: must be at most {spec['MaxValue']}")
        if isinstance(allowed, list) and item not in [_as_value(a) for a in allowed]:
            choices = ", ".join(_as_value(a) for a in allowed)
            problems.append(f"{label}: not one of the allowed values: {choices}")
        if isinstance(pattern, str) and _pattern_fails(pattern, item):
            extra = f" ({hint})" if hint else ""
            problems.append(f"{label}: does not match the pattern {pattern}{extra}")
    if not numeric and not is_list:
        if "MinLength" in spec and len(value) < int(spec["MinLength"]):
            problems.append(f"{label}: shorter than MinLength {spec['MinLength']}")
        if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
            problems.append(f"{label}: longer than MaxLength {spec['MaxLength']}")
    return problems


def check_values(template: dict[str, Any], params: dict[str, str]) -> list[str]:
    """One line per bad value, in the template's parameter order."""
    problems: list[str] = []
    for name, spec in declared(template).items():
        if name in params and isinstance(spec, dict):
            problems += _check_one(name, spec, params[name])
    return problems


def missing_on_create(template: dict[str, Any], params: dict[str, str]) -> list[str]:
    return [
        name
        for name, spec in declared(template).items()
        if name not in params and isinstance(spec, dict) and "Default" not in spec
    ]


def _walk_keys(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _walk_keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_keys(value)


def capabilities(template: dict[str, Any]) -> list[str]:
    """Only the capabilities this template needs, never all of them wholesale."""
    iam = named = expand = False
    for resource in (template.get("Resources") or {}).values():
        if not isinstance(resource, dict):
            continue
        rtype = str(resource.get("Type", ""))
        if rtype.startswith("AWS::IAM::"):
            iam = True
            props = resource.get("Properties") or {}
            if isinstance(props, dict) and IAM_NAME_PROPERTIES & set(props):
                named = True
        if rtype.startswith("AWS::Serverless::"):
            expand = True
    if template.get("Transform") or "Fn::Transform" in set(_walk_keys(template)):
        expand = True
    caps = []
    if named:
        caps.append("CAPABILITY_NAMED_IAM")
    elif iam:
        caps.append("CAPABILITY_IAM")
    if expand:
        caps.append("CAPABILITY_AUTO_EXPAND")
    return caps


def compact(template: dict[str, Any]) -> str:
    return json.dumps(template, separators=(",", ":"), ensure_ascii=False)
