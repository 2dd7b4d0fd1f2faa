"""The one reader of intrinsic functions: Ref, GetAtt, Sub variables, If, DependsOn, conditions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# Every pseudo parameter CloudFormation defines; a logical ID can never contain "::".
PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)
NO_VALUE: dict[str, str] = {"Ref": "AWS::NoValue"}
# Any ${...} placeholder of an Fn::Sub string, escaped or not.
PLACEHOLDER = r"\$\{[^}]*\}"
# ${Name} or ${Name.Attr}; ${!Literal} is an escaped literal and never matches (starts with !).
_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")

# Where a value sits in the template: dict keys and list indexes from the node walked.
NodePath = tuple[Any, ...]


@dataclass(frozen=True)
class Reference:
    """One use of a name: `Ref Name`, `Fn::GetAtt Name.Attr` or `${Name}` / `${Name.Attr}`."""

    name: str  # a logical ID, a parameter or a pseudo parameter
    attribute: str | None  # the GetAtt attribute (or ${Name.Attr}'s); None for a plain Ref
    function: str  # "Ref" | "Fn::GetAtt" | "Fn::Sub"

    @property
    def is_pseudo(self) -> bool:
        return is_pseudo(self.name)

    @property
    def text(self) -> str:
        """`Name` or `Name.Attr`, as written in a Sub or a dotted GetAtt."""
        return self.name if self.attribute is None else f"{self.name}.{self.attribute}"


@dataclass(frozen=True)
class ConditionUse:
    """A condition name read by `Fn::If` or by `{"Condition": Name}` inside a condition."""

    name: str


@dataclass(frozen=True)
class ImportUse:
    """An `Fn::ImportValue`: another stack's export, unknown offline."""


@dataclass(frozen=True)
class DynamicReference:
    """A literal string holding a `{{resolve:...}}` dynamic reference."""

    text: str


Use = Reference | ConditionUse | ImportUse | DynamicReference


def is_pseudo(name: str) -> bool:
    """True for AWS::Region and the other pseudo parameters."""
    return name.startswith("AWS::")


def intrinsic(value: Any) -> tuple[str, Any] | None:
    """(function, argument) when `value` is an intrinsic function call, else None."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((key, arg),) = value.items()
    if key == "Ref" or key == "Condition" or str(key).startswith("Fn::"):
        return str(key), arg
    return None


def is_intrinsic(value: Any) -> bool:
    return intrinsic(value) is not None


def if_parts(arg: Any) -> tuple[Any, Any, Any] | None:
    """(condition, value if true, value if false) of an Fn::If argument, None if malformed."""
    if isinstance(arg, list) and len(arg) == 3:
        return arg[0], arg[1], arg[2]
    return None


def sub_parts(arg: Any) -> tuple[str, dict[str, Any]] | None:
    """(text, local variables) of an Fn::Sub argument in either form, None if malformed."""
    if isinstance(arg, str):
        return arg, {}
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        return arg[0], arg[1] if isinstance(arg[1], dict) else {}
    return None


def join_parts(arg: Any) -> tuple[str, list[Any]] | None:
    """(delimiter, items) of an Fn::Join argument, None if malformed."""
    if isinstance(arg, list) and len(arg) == 2:
        delimiter, parts = arg
        if isinstance(delimiter, str) and isinstance(parts, list):
            return delimiter, parts
    return None


def sub_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, variable) of each `${...}` variable of a Sub string, escapes left out."""
    return [(m.start(), m.end(), m.group(1)) for m in _VARIABLE.finditer(text)]


def sub_variables(text: str, local: Iterable[str] = ()) -> list[str]:
    """Variables (`Name` or `Name.Attr`) a Sub string reads from outside, in order.

    `${!Literal}` is an escape, not a variable; names of the Sub's own variable map (`local`)
    are bound by the Sub itself and are left out.
    """
    bound = frozenset(local)
    found = [variable.strip() for _, _, variable in sub_spans(text)]
    return [name for name in found if name not in bound]


def depends_on(resource: Mapping[str, Any]) -> list[str]:
    """The logical IDs a resource's DependsOn names (a string or a list of them)."""
    value = resource.get("DependsOn")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def uses(node: Any) -> Iterator[Use]:
    """Every reference, condition, import and dynamic reference below `node`, depth first.

    Both branches of every Fn::If count, so the uses are those of any parameter values.
    """
    if isinstance(node, str):
        if "{{resolve:" in node:
            yield DynamicReference(node)
    elif isinstance(node, list):
        for item in node:
            yield from uses(item)
    elif isinstance(node, dict):
        call = intrinsic(node)
        if call is None:
            for item in node.values():
                yield from uses(item)
        else:
            yield from _call_uses(*call)


def _call_uses(function: str, arg: Any) -> Iterator[Use]:
    if function == "Ref" and isinstance(arg, str):
        yield Reference(arg, None, "Ref")
    elif function == "Fn::GetAtt":
        yield from _getatt_uses(arg)
    elif function == "Fn::Sub":
        yield from _sub_uses(arg)
    elif function == "Fn::ImportValue":
        yield ImportUse()
        yield from uses(arg)
    elif function == "Fn::If" and isinstance(arg, list) and arg:
        if isinstance(arg[0], str):
            yield ConditionUse(arg[0])
        yield from uses(arg[1:])
    elif function == "Condition" and isinstance(arg, str):
        yield ConditionUse(arg)
    else:
        yield from uses(arg)


def _getatt_uses(arg: Any) -> Iterator[Use]:
    if isinstance(arg, str):
        name, _, attribute = arg.partition(".")
        yield Reference(name, attribute or None, "Fn::GetAtt")
    elif isinstance(arg, list) and arg:
        if isinstance(arg[0], str):
            named = arg[1] if len(arg) > 1 and isinstance(arg[1], str) else None
            yield Reference(arg[0], named, "Fn::GetAtt")
        # The attribute name may itself be an intrinsic (a Ref to a parameter).
        yield from uses(arg[1:])


def _sub_uses(arg: Any) -> Iterator[Use]:
    parts = sub_parts(arg)
    if parts is None:
        yield from uses(arg)
        return
    text, local = parts
    for variable in sub_variables(text, local):
        name, _, attribute = variable.partition(".")
        yield Reference(name, attribute or None, "Fn::Sub")
    if "{{resolve:" in text:
        yield DynamicReference(text)
    yield from uses(local)


def reference_list(node: Any) -> list[Reference]:
    """Every Ref, GetAtt and Sub variable below `node`, pseudo parameters included, in order."""
    return [use for use in uses(node) if isinstance(use, Reference)]


def references(node: Any) -> set[str]:
    """Logical IDs and parameter names `node` refers to; pseudo parameters left out."""
    return {r.name for r in reference_list(node) if not r.is_pseudo}


def pseudo_parameters(node: Any) -> set[str]:
    """The pseudo parameters (AWS::Region, ...) `node` refers to."""
    return {r.name for r in reference_list(node) if r.is_pseudo}


def conditions(node: Any) -> set[str]:
    """Names of the conditions `node` reads (Fn::If, and Condition inside Fn::And/Or/Not)."""
    return {use.name for use in uses(node) if isinstance(use, ConditionUse)}


def walk(node: Any, path: NodePath = ()) -> Iterator[tuple[NodePath, Any]]:
    """Every (path, value) pair below `node`, depth first."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, (*path, i))


def branches(value: Any) -> list[Any]:
    """The values `value` can take: both sides of every Fn::If, AWS::NoValue dropped."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        parts = if_parts(value["Fn::If"])
        if parts is not None:
            return branches(parts[1]) + branches(parts[2])
    if value == NO_VALUE:
        return []
    return [value]


def items(value: Any) -> list[Any]:
    """The elements of a list-valued property, through Fn::If on the list or on its items."""
    found = []
    for option in branches(value):
        for item in option if isinstance(option, list) else [option]:
            found.extend(branches(item))
    return found


def indexed_items(value: Any, prefix: NodePath = ()) -> list[tuple[NodePath, Any]]:
    """(path, element) of a list-valued property, through Fn::If on the list or its items."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        if if_parts(value["Fn::If"]) is None:
            return []
        return [
            found
            for j in (1, 2)
            for found in indexed_items(value["Fn::If"][j], (*prefix, "Fn::If", j))
        ]
    if not isinstance(value, list):
        return [] if value is None or value == NO_VALUE else [(prefix, value)]
    found: list[tuple[NodePath, Any]] = []
    for i, item in enumerate(value):
        if isinstance(item, dict) and set(item) == {"Fn::If"}:
            found.extend(indexed_items(item, (*prefix, i)))
        elif item != NO_VALUE:
            found.append(((*prefix, i), item))
    return found


def render(node: Any) -> str | None:
    """A string form of `node` with every unresolved part as a `${Name}` token.

    Literal strings stay as they are; Ref X becomes ${X}; GetAtt X.Y becomes ${X.Y}; Sub keeps its
    own tokens (substituting its variable map); Join is joined. None when it cannot be rendered.
    """
    if isinstance(node, str):
        return node
    if isinstance(node, bool):
        return str(node).lower()
    if isinstance(node, int | float):
        return str(node)
    call = intrinsic(node)
    if call is None:
        return None
    function, arg = call
    if function == "Ref" and isinstance(arg, str):
        return "${" + arg + "}"
    if function == "Fn::GetAtt":
        return "${" + (".".join(str(a) for a in arg) if isinstance(arg, list) else str(arg)) + "}"
    if function == "Fn::Sub":
        return _render_sub(arg)
    if function == "Fn::Join":
        return _render_join(arg)
    return None


def _render_sub(arg: Any) -> str | None:
    parts = sub_parts(arg)
    if parts is None:
        return None
    text, local = parts
    for name, value in local.items():
        rendered = render(value)
        if rendered is not None:
            text = text.replace("${" + name + "}", rendered)
    return text


def _render_join(arg: Any) -> str | None:
    parts = join_parts(arg)
    if parts is None:
        return None
    delimiter, values = parts
    rendered = [render(value) for value in values]
    texts = [text for text in rendered if text is not None]
    return delimiter.join(texts) if len(texts) == len(rendered) else None
