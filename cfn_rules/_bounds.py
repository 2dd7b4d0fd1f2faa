"""Longest value and possible characters of a property value, from literals and parameters."""

from __future__ import annotations

import math
import re
import string
import warnings
from typing import Any

try:
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse  # type: ignore[no-redef]

from cfn_rules import _common as c

PRINTABLE = set(string.printable) - set("\t\n\r\x0b\x0c")
UNBOUNDED = math.inf


class Bound:
    """The longest a value can be (int, inf, or None = unknown) and the chars it can hold."""

    def __init__(self, length: float | None, chars: set[str] | None, why: list[str]) -> None:
        self.length = length
        self.chars = chars  # None: unknown characters (no constraint known)
        self.why = why  # the parameters / pseudo parameters that make it up

    def __add__(self, other: Bound) -> Bound:
        length = None if self.length is None or other.length is None else self.length + other.length
        chars = None if self.chars is None or other.chars is None else self.chars | other.chars
        return Bound(length, chars, self.why + other.why)


def literal(text: str) -> Bound:
    return Bound(len(text), set(text), [])


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
    found: set[str] = set()
    for op, av in parsed:
        name = str(op)
        if name == "LITERAL":
            found.add(chr(av))
        elif name in ("ANY", "NOT_LITERAL"):
            return None
        elif name == "IN":
            negate = any(str(o) == "NEGATE" for o, _ in av)
            members: set[str] = set()
            for o, a in av:
                kind = str(o)
                if kind == "LITERAL":
                    members.add(chr(a))
                elif kind == "RANGE":
                    members.update(chr(i) for i in range(a[0], a[1] + 1))
                elif kind == "CATEGORY":
                    members.update(_category(str(a)))
            found.update(PRINTABLE - members if negate else members)
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            sub = _chars(av[2])
            if sub is None:
                return None
            found |= sub
        elif name == "SUBPATTERN":
            sub = _chars(av[-1])
            if sub is None:
                return None
            found |= sub
        elif name == "BRANCH":
            for branch in av[1]:
                sub = _chars(branch)
                if sub is None:
                    return None
                found |= sub
        elif name == "CATEGORY":
            found.update(_category(str(av)))
    return found


def _category(name: str) -> set[str]:
    if "NOT" in name:
        return PRINTABLE
    if "DIGIT" in name:
        return set(string.digits)
    if "WORD" in name:
        return set(string.ascii_letters + string.digits + "_")
    if "SPACE" in name:
        return {" "}
    return PRINTABLE


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
    return Bound(length, chars, [name])


def bound(value: Any, template: dict[str, Any]) -> Bound:
    """The Bound of a property value; unknown parts (resource attributes) give length None."""
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, bool | int | float):
        return literal(str(value).lower())
    if not isinstance(value, dict) or len(value) != 1:
        return Bound(None, None, [])
    ((fn, arg),) = value.items()
    if fn == "Ref" and isinstance(arg, str):
        return _name_bound(arg, template)
    if fn == "Fn::Sub":
        text, variables = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
        if not isinstance(text, str):
            return Bound(None, None, [])
        return _sub_bound(text, variables if isinstance(variables, dict) else {}, template)
    if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
        delim, items = arg
        if not isinstance(delim, str) or not isinstance(items, list):
            return Bound(None, None, [])
        total = Bound(0, set(), [])
        for i, item in enumerate(items):
            if i:
                total = total + literal(delim)
            total = total + bound(item, template)
        return total
    if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
        return _widest([bound(arg[1], template), bound(arg[2], template)])
    if fn == "Fn::FindInMap" and isinstance(arg, list) and len(arg) >= 3:
        mapping = (template.get("Mappings") or {}).get(arg[0])
        if isinstance(mapping, dict):
            leaves = [
                literal(str(v))
                for _, v in c.walk(mapping)
                if isinstance(v, str | int) and not isinstance(v, bool)
            ]
            if leaves:
                return _widest(leaves)
    return Bound(None, None, [])


def _widest(bounds: list[Bound]) -> Bound:
    lengths = [b.length for b in bounds]
    length = None if None in lengths else max(lengths)  # type: ignore[type-var]
    chars: set[str] | None = set()
    for b in bounds:
        chars = None if chars is None or b.chars is None else chars | b.chars
    return Bound(length, chars, [w for b in bounds for w in b.why])


def _name_bound(name: str, template: dict[str, Any]) -> Bound:
    if name in ("AWS::StackName", "AWS::StackId"):
        # Chosen at deploy time (up to 128 characters): not judged offline.
        return Bound(None, None, [name])
    if name in c.PSEUDO_MAX_LEN:
        return Bound(c.PSEUDO_MAX_LEN[name], c.PSEUDO_CHARS.get(name), [name])
    param = (template.get("Parameters") or {}).get(name)
    if isinstance(param, dict):
        return parameter_bound(name, param)
    return Bound(None, None, [])  # a resource's Ref: unknown


def _sub_bound(text: str, variables: dict[str, Any], template: dict[str, Any]) -> Bound:
    total = Bound(0, set(), [])
    pos = 0
    for m in c.SUB_VAR.finditer(text):
        total = total + literal(text[pos : m.start()])
        var = m.group(1)
        if var in variables:
            total = total + bound(variables[var], template)
        elif "." in var:
            total = total + Bound(None, None, [])
        else:
            total = total + _name_bound(var, template)
        pos = m.end()
    return total + literal(text[pos:])
