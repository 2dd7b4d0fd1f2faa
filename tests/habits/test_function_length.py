"""Habits that keep the code easy to change: no function over 60 lines outside tests."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import ROOT

MAX_LINES = 60
SKIP_PARTS = frozenset({"tests", ".git", "node_modules", "build", "mutants"})


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


def test_no_function_over_60_lines() -> None:
    found = long_functions()
    assert not found, f"functions over {MAX_LINES} lines (split them): {found}"
