"""generate.py as a user runs it: a subprocess, its stdout, stderr, exit code and files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cfn_flip import to_json

from tests.support.paths import ROOT

SCRIPT = ROOT / "generate.py"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def default_run() -> subprocess.CompletedProcess[str]:
    return run()


def test_default_is_production_json_on_stdout(
    default_run: subprocess.CompletedProcess[str],
) -> None:
    assert default_run.returncode == 0
    template = json.loads(default_run.stdout)
    assert "production" in template["Description"]


def test_default_output_has_sorted_keys(default_run: subprocess.CompletedProcess[str]) -> None:
    template = json.loads(default_run.stdout)
    assert default_run.stdout == json.dumps(template, sort_keys=True, indent=2) + "\n"


def test_default_run_says_nothing_on_stderr(default_run: subprocess.CompletedProcess[str]) -> None:
    assert default_run.stderr == ""


def test_output_is_stable_between_runs(default_run: subprocess.CompletedProcess[str]) -> None:
    assert run().stdout == default_run.stdout


def test_ephemeral_profile_is_selectable() -> None:
    result = run("--profile", "ephemeral")
    assert result.returncode == 0
    assert "ephemeral" in json.loads(result.stdout)["Description"]


def test_yaml_is_the_same_template(default_run: subprocess.CompletedProcess[str]) -> None:
    result = run("--format", "yaml")
    assert result.returncode == 0
    assert not result.stdout.lstrip().startswith("{")
    assert json.loads(to_json(result.stdout)) == json.loads(default_run.stdout)


def test_output_file_gets_the_template_and_stdout_stays_empty(
    tmp_path: Path, default_run: subprocess.CompletedProcess[str]
) -> None:
    target = tmp_path / "template.json"
    result = run("--output", str(target))
    assert result.returncode == 0
    assert result.stdout == ""
    assert target.read_text() == default_run.stdout


def test_output_leaves_no_temporary_file(tmp_path: Path) -> None:
    run("--output", str(tmp_path / "template.json"))
    assert [p.name for p in tmp_path.iterdir()] == ["template.json"]


def test_output_file_mode_follows_the_umask(tmp_path: Path) -> None:
    # The atomic write goes through mkstemp (0600); the result must read like a plain file.
    target = tmp_path / "template.json"
    done = subprocess.run(
        ["sh", "-c", f'umask 022 && "{sys.executable}" "{SCRIPT}" --output "{target}"'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert target.stat().st_mode & 0o777 == 0o644


def test_failed_run_with_output_creates_no_file(tmp_path: Path) -> None:
    target = tmp_path / "template.json"
    result = run("--profile", "qa", "--output", str(target))
    assert result.returncode != 0
    assert list(tmp_path.iterdir()) == []


def test_failed_run_keeps_an_existing_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "template.json"
    target.write_text("previous")
    result = run("--format", "xml", "--output", str(target))
    assert result.returncode != 0
    assert target.read_text() == "previous"


def test_unwritable_output_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    result = run("--output", str(tmp_path / "missing-dir" / "template.json"))
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "missing-dir").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("--profile", "qa"),
        ("--format", "xml"),
        ("--bogus",),
        ("extra-positional",),
        ("--output",),
    ],
)
def test_bad_input_exits_4_with_one_line_and_empty_stdout(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.returncode == 4
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("generate.py: error:")
    assert "Traceback" not in result.stderr


def test_help_documents_the_exit_codes() -> None:
    result = run("--help")
    assert result.returncode == 0
    from clikit import exitcodes

    for code in (exitcodes.OK, exitcodes.FAILED, exitcodes.BAD_INPUT):
        assert f"  {code:<4} " in result.stdout
    # A number means the same in both tools: generate.py never uses deploy.py's 2 or 3.
    for code in (exitcodes.CHANGES, exitcodes.REFUSED):
        assert f"  {code:<4} " not in result.stdout


def test_main_returns_an_exit_code_instead_of_exiting(capsys: pytest.CaptureFixture[str]) -> None:
    import generate

    assert generate.main(["--profile", "nope"]) == 4
    assert capsys.readouterr().out == ""
