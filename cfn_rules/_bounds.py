"""Longest value and possible characters of a property value, from literals and parameters."""

from __future__ import annotations

import math
import re
import string
import warnings
from collections.abc import Callable
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from cfn_rules import _common as c
from cfnmodel import intrinsics
from cfnmodel.limits import PSEUDO_CHARS, PSEUDO_MAX_LENGTH

PRINTABLE = set(string.printable) - set("\t\n\r\x0b\x0c")
WORD = set(string.ascii_letters + string.digits + "_")  # \w
UNBOUNDED = math.inf


# The shortest value of each pseudo parameter, for the length a name has in every account and
# region: us-east-1 (9), aws (3), amazonaws.com (13).
PSEUDO_MIN_LENGTH: dict[str, int] = {
    "AWS::AccountId": 12,
    "AWS::Region": 9,
    "AWS::Partition": 3,
    "AWS::URLSuffix": 13,
    "AWS::NoValue": 0,
}


class Bound:
    """The longest a value can be (int, inf, or None = unknown) and the chars it can hold.

    Beside the worst case, the value as deployed with the parameters' defaults: `least` is its
    length (a parameter without a default counts with its shortest allowed value, a pseudo
    parameter with its shortest, each Fn::If branch and mapping leaf with the shortest), and
    `sure` the characters it holds for certain. The worst case fails for some values (a warning);
    the defaults' case fails as written (a blocker).
    """

    def __init__(
        self,
        length: float | None,
        chars: set[str] | None,
        why: list[str],
        least: float = 0,
        sure: set[str] | None = None,
    ) -> None:
        self.length = length
        self.chars = chars  # None: unknown characters (no constraint known)
        self.why = why  # the parameters / pseudo parameters that make it up
        self.least = least
        self.sure = sure if sure is not None else set()

    def __add__(self, other: Bound) -> Bound:
        length = None if self.length is None or other.length is None else self.length + other.length
        chars = None if self.chars is None or other.chars is None else self.chars | other.chars
        least, sure = self.least + other.least, self.sure | other.sure
        return Bound(length, chars, self.why + other.why, least, sure)


def literal(text: str) -> Bound:
    return Bound(len(text), set(text), [], len(text), set(text))


def pattern_bounds(pattern: str) -> tuple[float, set[str] | None]:
    """(max length, chars) an AllowedPattern admits; chars None when not determinable."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set" on POSIX-like classes
            parsed = sre_parse.parse(pattern)
    except (re.error, TypeError, ValueError, OverflowError):
        return UNBOUNDED, None
    _, high = parsed.getwidth()
    length = UNBOUNDED if high >= sre_parse.MAXREPEAT else high
    return length, _chars(parsed)


def _chars(parsed: Any) -> set[str] | None:
    """The characters a parsed pattern can produce; None when it admits any character."""
    found: set[str] = set()
    for op, av in parsed:
        chars = _op_chars(str(op), av)
        if chars is None:
            return None
        found |= chars
    return found


def _op_chars(name: str, av: Any) -> set[str] | None:
    if name == "LITERAL":
        return {chr(av)}
    if name in ("ANY", "NOT_LITERAL"):
        return None
    if name == "IN":
        return _in_chars(av)
    if name in ("MAX_REPEAT", "MIN_REPEAT"):
        return _chars(av[2])
    if name == "SUBPATTERN":
        return _chars(av[-1])
    if name == "BRANCH":
        return _union([_chars(branch) for branch in av[1]])
    # \d, \s, \w and their negations always come inside IN, even outside brackets.
    return set()  # anchors and the like produce no character


def _in_chars(av: Any) -> set[str]:
    """The characters of a class such as [a-z_] or [^/]."""
    members: set[str] = set()
    for op, arg in av:
        kind = str(op)
        if kind == "LITERAL":
            members.add(chr(arg))
        elif kind == "RANGE":
            members.update(chr(code) for code in range(arg[0], arg[1] + 1))
        elif kind == "CATEGORY":
            members.update(_category(str(arg)))
    negate = any(str(op) == "NEGATE" for op, _ in av)
    return PRINTABLE - members if negate else members


def _union(sets: list[set[str] | None]) -> set[str] | None:
    found: set[str] = set()
    for chars in sets:
        if chars is None:
            return None
        found |= chars
    return found


def _category(name: str) -> set[str]:
    """The characters of \\d, \\w or \\s (the parser's only categories); any for \\D, \\W, \\S."""
    if "NOT" in name:
        return PRINTABLE
    if "DIGIT" in name:
        return set(string.digits)
    if "WORD" in name:
        return WORD
    return {" "}  # CATEGORY_SPACE


def parameter_bound(name: str, param: dict[str, Any]) -> Bound:
    lengths: list[float] = []
    chars: set[str] | None = None
    allowed = param.get("AllowedValues")
    if isinstance(allowed, list) and allowed:
        values = [str(v) for v in allowed]
        lengths.append(max(len(v) for v in values))
        chars = set("".join(values))
    max_length = c.literal_int(param.get("MaxLength"))
    if max_length is not None:
        lengths.append(max_length)
    pattern = param.get("AllowedPattern")
    if isinstance(pattern, str):
        plen, pchars = pattern_bounds(pattern)
        lengths.append(plen)
        if chars is None:
            chars = pchars
    length = min(lengths) if lengths else UNBOUNDED
    least, sure = _as_deployed(param)
    return Bound(length, chars, [name], least, sure)


def _as_deployed(param: dict[str, Any]) -> tuple[float, set[str]]:
    """(length, characters) of the parameter's default, else the shortest value it allows."""
    default = param.get("Default")
    if isinstance(default, str | int | float) and not isinstance(default, bool):
        text = str(default)
        return len(text), set(text)
    allowed = param.get("AllowedValues")
    if isinstance(allowed, list) and allowed:
        return min(len(str(v)) for v in allowed), set()
    shortest: float = c.literal_int(param.get("MinLength")) or 0
    pattern = param.get("AllowedPattern")
    if isinstance(pattern, str):
        shortest = max(shortest, pattern_min_length(pattern))
    return shortest, set()


def pattern_min_length(pattern: str) -> int:
    """The shortest string an AllowedPattern admits (0 when it does not parse)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            low: int = sre_parse.parse(pattern).getwidth()[0]
    except (re.error, TypeError, ValueError, OverflowError):
        return 0
    return low


def unknown() -> Bound:
    """A value nothing is known about offline (a resource attribute, an import)."""
    return Bound(None, None, [])


def bound(value: Any, template: dict[str, Any]) -> Bound:
    """The Bound of a property value; unknown parts (resource attributes) give length None."""
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, bool | int | float):
        return literal(str(value).lower())
    call = intrinsics.intrinsic(value)
    handler = _FUNCTION_BOUNDS.get(call[0]) if call is not None else None
    if call is None or handler is None:
        return unknown()
    return handler(call[1], template)


def _ref_bound(arg: Any, template: dict[str, Any]) -> Bound:
    return _name_bound(arg, template) if isinstance(arg, str) else unknown()


def _sub_call_bound(arg: Any, template: dict[str, Any]) -> Bound:
    parts = intrinsics.sub_parts(arg)
    return unknown() if parts is None else _sub_bound(parts[0], parts[1], template)


def _join_bound(arg: Any, template: dict[str, Any]) -> Bound:
    parts = intrinsics.join_parts(arg)
    if parts is None:
        return unknown()
    delimiter, items = parts
    total = Bound(0, set(), [])
    for index, item in enumerate(items):
        if index:
            total = total + literal(delimiter)
        total = total + bound(item, template)
    return total


def _if_bound(arg: Any, template: dict[str, Any]) -> Bound:
    parts = intrinsics.if_parts(arg)
    if parts is None:
        return unknown()
    return _widest([bound(parts[1], template), bound(parts[2], template)])


def _find_in_map_bound(arg: Any, template: dict[str, Any]) -> Bound:
    if not (isinstance(arg, list) and len(arg) >= 3):
        return unknown()
    mapping = (template.get("Mappings") or {}).get(arg[0])
    if not isinstance(mapping, dict):
        return unknown()
    leaves = [
        literal(str(v))
        for _, v in intrinsics.walk(mapping)
        if isinstance(v, str | int) and not isinstance(v, bool)
    ]
    return _widest(leaves) if leaves else unknown()


_FUNCTION_BOUNDS: dict[str, Callable[[Any, dict[str, Any]], Bound]] = {
    "Ref": _ref_bound,
    "Fn::Sub": _sub_call_bound,
    "Fn::Join": _join_bound,
    "Fn::If": _if_bound,
    "Fn::FindInMap": _find_in_map_bound,
}


def _widest(bounds: list[Bound]) -> Bound:
    lengths = [b.length for b in bounds]
    length = None if None in lengths else max(lengths)  # type: ignore[type-var]
    chars: set[str] | None = set()
    for b in bounds:
        chars = None if chars is None or b.chars is None else chars | b.chars
    least = min(b.least for b in bounds)
    sure = set.intersection(*(b.sure for b in bounds))
    return Bound(length, chars, [w for b in bounds for w in b.why], least, sure)


def _name_bound(name: str, template: dict[str, Any]) -> Bound:
    # AWS::StackName and AWS::StackId (chosen at deploy time, up to 128 characters) are unknown,
    # like the other pseudo parameters without a known length: not judged offline.
    if name in PSEUDO_MAX_LENGTH:
        least = PSEUDO_MIN_LENGTH.get(name, 0)
        return Bound(PSEUDO_MAX_LENGTH[name], set(PSEUDO_CHARS[name]), [name], least)
    param = (template.get("Parameters") or {}).get(name)
    if isinstance(param, dict):
        return parameter_bound(name, param)
    return unknown()  # a resource's Ref, or a Sub's ${Resource.Attribute}


def _sub_bound(text: str, variables: dict[str, Any], template: dict[str, Any]) -> Bound:
    total = Bound(0, set(), [])
    pos = 0
    for start, end, var in intrinsics.sub_spans(text):
        total = total + literal(text[pos:start])
        if var in variables:
            total = total + bound(variables[var], template)
        else:
            total = total + _name_bound(var, template)
        pos = end
    return total + literal(text[pos:])
