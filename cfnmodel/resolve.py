"""A template as CloudFormation hooks see it: parameters, conditions and `Fn::If` resolved.

Hooks (and so Control Tower's proactive controls) evaluate the properties CloudFormation is about to
send, after it has substituted parameter values and chosen each `Fn::If` branch. Checking the raw
template instead would fail every control whose property is written as `!If` or `!Ref Param`.
References to resources and their attributes stay as written: their values exist only in an account.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from cfnmodel.intrinsics import if_parts, intrinsic, join_parts, sub_parts, sub_spans

# Stand-ins for the pseudo parameters; the region is the one the tools default to.
PSEUDO: dict[str, Any] = {
    "AWS::AccountId": "123456789012",
    "AWS::Region": "us-east-1",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "stack",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/id",
    "AWS::NotificationARNs": [],
}

_NO_VALUE = object()


class ResolveError(ValueError):
    """The template cannot be resolved: a parameter has neither a value nor a default."""


def parameter_values(template: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, Any]:
    """Each declared parameter's value: the given one, else its default; lists split on commas."""
    values: dict[str, Any] = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if name in given:
            raw: Any = given[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise ResolveError(f"parameter {name} has no value and no default")
        kind = str(spec.get("Type", "String"))
        # An SSM parameter of a list type resolves to a list too (the contract's subnets).
        is_list = "List<" in kind or kind == "CommaDelimitedList"
        values[name] = [part.strip() for part in str(raw).split(",")] if is_list else str(raw)
    return values


def resolved(
    template: Mapping[str, Any],
    given: Mapping[str, str] | None = None,
    *,
    pseudo: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A copy of `template` with parameters, pseudo parameters, conditions and `Fn::If` applied.

    Resources and outputs whose condition is false are dropped; `AWS::NoValue` removes its key or
    list item; `Fn::Sub` and `Fn::Join` whose every part is known become strings. `pseudo` gives
    real pseudo-parameter values (an account's, a stack's) in place of the offline stand-ins.
    """
    values = {**PSEUDO, **(pseudo or {}), **parameter_values(template, given or {})}
    definitions = template.get("Conditions") or {}
    truth: dict[str, bool] = {}

    def condition(name: str) -> bool:  # memoised: a condition may name other conditions
        if name not in truth:
            truth[name] = _evaluate(definitions[name], values, condition)
        return truth[name]

    out = copy.deepcopy(dict(template))
    for section in ("Resources", "Outputs"):
        kept = {
            key: _value(body, values, condition)
            for key, body in (out.get(section) or {}).items()
            if "Condition" not in body or condition(body["Condition"])
        }
        if section in out:
            out[section] = kept
    out["Conditions"] = {name: condition(name) for name in definitions}
    return out


def _evaluate(node: Any, values: Mapping[str, Any], condition: Callable[[str], bool]) -> bool:
    call = intrinsic(node)
    if call is None:
        raise ResolveError(f"not a condition function: {node!r}")
    name, arg = call
    if name == "Condition":
        return bool(condition(arg))
    if name == "Fn::Not":
        return not _evaluate(arg[0], values, condition)
    if name == "Fn::And":
        return all(_evaluate(part, values, condition) for part in arg)
    if name == "Fn::Or":
        return any(_evaluate(part, values, condition) for part in arg)
    if name == "Fn::Equals":
        left, right = (_value(part, values, condition) for part in arg)
        return _scalar(left) == _scalar(right)
    raise ResolveError(f"unknown condition function {name}")


def _scalar(value: Any) -> str:
    # CloudFormation compares the string forms: `!Equals [!Ref Count, 1]` holds for "1".
    return str(value).lower() if isinstance(value, bool) else str(value)


def _value(node: Any, values: Mapping[str, Any], condition: Callable[[str], bool]) -> Any:
    if isinstance(node, list):
        items = [_value(item, values, condition) for item in node]
        return [item for item in items if item is not _NO_VALUE]
    if not isinstance(node, dict):
        return node
    call = intrinsic(node)
    if call is None:
        resolved_items = {key: _value(item, values, condition) for key, item in node.items()}
        return {key: item for key, item in resolved_items.items() if item is not _NO_VALUE}
    name, arg = call
    if name == "Ref":
        if arg == "AWS::NoValue":
            return _NO_VALUE
        return copy.deepcopy(values[arg]) if arg in values else node
    if name == "Fn::If":
        parts = if_parts(arg)
        if parts is not None:
            chosen = parts[1] if condition(parts[0]) else parts[2]
            return _value(chosen, values, condition)
    inner = {name: _value(arg, values, condition)}
    return _joined(inner, values) if name in ("Fn::Sub", "Fn::Join") else inner


def _joined(node: dict[str, Any], values: Mapping[str, Any]) -> Any:
    """`Fn::Join` or `Fn::Sub` as a string when every part is known, else the call as it is."""
    name, arg = next(iter(node.items()))
    if name == "Fn::Join":
        parts = join_parts(arg)
        if parts is not None and all(isinstance(item, str) for item in parts[1]):
            return parts[0].join(parts[1])
        return node
    sub = sub_parts(arg)
    if sub is None:
        return node
    text, local = sub
    known = {**values, **local}
    out: list[str] = []
    last = 0
    for start, end, variable in sub_spans(text):
        value = known.get(variable.strip())
        if not isinstance(value, str):
            return node
        out.append(text[last:start] + value)
        last = end
    return ("".join(out) + text[last:]).replace("${!", "${")
