"""The project as people install and run it: an editable install, and a plain checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import ROOT

NOT_SHIPPED = frozenset({"tests", "bench"})


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _package_dirs() -> set[str]:
    return {
        p.parent.name
        for p in ROOT.glob("*/__init__.py")
        if not p.parent.name.startswith(".") and p.parent.name not in NOT_SHIPPED
    }


def test_every_package_is_declared_for_installation() -> None:
    include = _pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    declared = {pattern.rstrip("*") for pattern in include}
    found = _package_dirs()
    assert {"templates", "stackops", "cfn_rules", "clikit", "gate", "cfnmodel"} <= found
    assert found == declared


def test_subpackages_ship_with_their_package() -> None:
    from setuptools import find_packages

    include = _pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = set(find_packages(where=str(ROOT), include=include))
    nested = {
        p.parent.relative_to(ROOT).as_posix().replace("/", ".")
        for p in ROOT.glob("*/*/__init__.py")
    }
    nested = {n for n in nested if n.split(".")[0] in _package_dirs()}
    assert "stackops.aws" in nested
    assert nested <= shipped


def test_every_package_is_type_checked() -> None:
    files = set(_pyproject()["tool"]["mypy"]["files"])
    assert _package_dirs() <= files
    assert {"generate.py", "deploy.py"} <= files


@pytest.mark.parametrize("script", ["edu-generate", "edu-deploy"])
def test_console_scripts_run(script: str) -> None:
    path = Path(sys.executable).parent / script
    if not path.exists():
        pytest.skip(f"{script} is installed by `make venv` (pip install -e .); not in this env")
    result = subprocess.run([str(path), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "exit codes:" in result.stdout


def test_generate_runs_from_a_plain_copy_of_the_checkout(tmp_path: Path) -> None:
    # People run `python generate.py > template.json` in a checkout with only requirements.txt
    # installed: the packages must import from the script's directory, not from an install.
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    copy = tmp_path / "checkout"
    names = [n for n in listed.stdout.splitlines() if (ROOT / n).is_file()]
    assert "generate.py" in names
    for name in names:
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, target)
    result = subprocess.run(
        [sys.executable, str(copy / "generate.py"), "--profile", "ephemeral"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    golden = json.loads((ROOT / "tests" / "golden" / "ephemeral.json").read_text(encoding="utf-8"))
    assert json.loads(result.stdout) == golden


def test_every_path_make_mutation_names_exists() -> None:
    # mutmut skips a missing module silently and pytest stops on a missing test path.
    mutmut = _pyproject()["tool"]["mutmut"]
    mutated = mutmut["only_mutate"]
    tests = [a.split("=", 1)[-1] for a in mutmut["pytest_add_cli_args_test_selection"] if "/" in a]
    assert mutated and tests and mutmut["source_paths"]
    assert [p for p in mutmut["source_paths"] if not (ROOT / p).is_dir()] == []
    assert [g for g in mutated if not list(ROOT.glob(g))] == []
    assert [p for p in tests if not (ROOT / p).exists()] == []
    assert "tests/e2e" not in tests
