"""Habits that keep the code easy to change: no function over 60 lines outside tests."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import ROOT

MAX_LINES = 60
SKIP_PARTS = frozenset({"tests", ".git", "node_modules", "build", "mutants"})
# Debt being paid down; this list only shrinks.
KNOWN_LONG: frozenset[str] = frozenset(
    {
        "bench/run.py:main",
        "cfn_rules/no_literal_secrets.py:match",
        "cfn_rules/property_combinations.py:_problems",
        "templates/data.py:add_database",
        "templates/network.py:_add_flow_logs",
        "templates/network.py:add_network",
        "templates/parameters.py:add_parameters",
        "templates/pipeline.py:add_pipeline",
        "templates/security.py:_key_policy",
        "templates/security.py:add_security_groups",
    }
)


def _sources() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*.py")
        if not any(
            part.startswith(".venv") or part in SKIP_PARTS for part in p.relative_to(ROOT).parts
        )
    ]


def long_functions() -> dict[str, int]:
    found: dict[str, int] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_LINES:
                    found[f"{path.relative_to(ROOT).as_posix()}:{node.name}"] = length
    return found


def test_the_scan_sees_the_code() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _sources()}
    assert {"generate.py", "deploy.py", "templates/pipeline.py"} <= names


def test_no_new_function_over_60_lines() -> None:
    new = {name: n for name, n in long_functions().items() if name not in KNOWN_LONG}
    assert not new, f"functions over {MAX_LINES} lines (split them): {new}"


def test_known_long_functions_are_still_long() -> None:
    # An entry that was split must leave the list, so the list only ever shrinks.
    fixed = KNOWN_LONG - set(long_functions())
    assert not fixed, f"no longer over {MAX_LINES} lines; remove from KNOWN_LONG: {sorted(fixed)}"
