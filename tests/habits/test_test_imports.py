"""Tests stand alone: no test imports another test module, and none reaches a private name."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import ROOT

PRODUCT = frozenset(
    {"clikit", "templates", "stackops", "cfn_rules", "gate", "cfnmodel", "generate", "deploy"}
)


def _test_files() -> list[Path]:
    return sorted((ROOT / "tests").rglob("*.py"))


def _is_test_module(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return module.startswith("tests.") and (last.startswith("test_") or last == "conftest")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    product_aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_test_module(alias.name):
                    found.append(f"imports test module {alias.name}")
                if alias.name.split(".")[0] in PRODUCT:
                    product_aliases.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module:
            if _is_test_module(node.module):
                found.append(f"imports from test module {node.module}")
            if node.module.split(".")[0] in PRODUCT:
                if any(_private(part) for part in node.module.split(".")):
                    found.append(f"imports private module {node.module}")
                for alias in node.names:
                    if _private(alias.name):
                        found.append(f"imports private name {node.module}.{alias.name}")
                    else:
                        product_aliases.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in product_aliases
        ):
            found.append(f"uses private name {node.value.id}.{node.attr} (line {node.lineno})")
    return found


def test_the_scan_sees_the_tests() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _test_files()}
    assert "tests/habits/test_test_imports.py" in names
    assert len(names) > 50


def test_the_scan_catches_what_it_forbids(tmp_path: Path) -> None:
    bad = tmp_path / "test_bad.py"
    bad.write_text(
        "from tests.e2e.conftest import thing\n"
        "from stackops.commands.deploy import _private_helper\n"
        "from stackops import inputs\n"
        "inputs._hidden()\n",
        encoding="utf-8",
    )
    assert len(_problems(bad)) == 3


def test_no_test_imports_a_test_module_or_a_private_name() -> None:
    problems = {
        path.relative_to(ROOT).as_posix(): found
        for path in _test_files()
        if (found := _problems(path))
    }
    assert not problems, problems
