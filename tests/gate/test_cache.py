"""gate.cache: hits, misses on every input of the key, off switch, bad entries, how it writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import gate
from gate import cache, checkov, lint, run_gate
from gate.findings import Finding
from tests.support.paths import ROOT

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicNam: edu-cache
"""


@pytest.fixture
def cache_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(directory))
    return directory


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return path


@pytest.fixture
def lint_calls(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Counts the cfn-lint runs (each one is a cache miss) and still runs them."""
    calls: list[Path] = []
    real = lint.run_cfn_lint

    def counting(path: Path, **kw: Any) -> list[Finding]:
        calls.append(path)
        return real(path, **kw)

    monkeypatch.setattr(lint, "run_cfn_lint", counting)
    return calls


def test_second_run_on_the_same_content_is_a_hit(
    cache_path: Path, template: Path, lint_calls: list[Path]
) -> None:
    run_gate(template, use_checkov=False)
    second = run_gate(template, use_checkov=False)
    assert len(lint_calls) == 1 and second.notes[-1] == cache.CACHE_HIT_NOTE


def test_hit_returns_the_same_findings(cache_path: Path, template: Path) -> None:
    first = run_gate(template, use_checkov=False)
    second = run_gate(template, use_checkov=False)
    assert first.findings and second.findings == first.findings


def test_hit_ignores_the_file_name(
    cache_path: Path, template: Path, tmp_path: Path, lint_calls: list[Path]
) -> None:
    copy = tmp_path / "elsewhere" / "template.yaml"
    copy.parent.mkdir()
    copy.write_bytes(template.read_bytes())
    run_gate(template, use_checkov=False)
    run_gate(copy, use_checkov=False)
    assert lint_calls == [template]


def test_changed_template_byte_is_a_miss(
    cache_path: Path, template: Path, lint_calls: list[Path]
) -> None:
    run_gate(template, use_checkov=False)
    template.write_text(TEMPLATE.replace("edu-cache", "edu-cachf"))
    run_gate(template, use_checkov=False)
    assert len(lint_calls) == 2


def test_changed_rule_file_is_a_miss(
    cache_path: Path,
    template: Path,
    tmp_path: Path,
    lint_calls: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a_rule.py").write_text("# version 1\n")

    def no_lint(path: Path, **kw: bool) -> list[Finding]:
        lint_calls.append(path)
        return []

    monkeypatch.setattr(lint, "RULES_DIR", rules)
    monkeypatch.setattr(lint, "run_cfn_lint", no_lint)
    run_gate(template, use_checkov=False)
    (rules / "a_rule.py").write_text("# version 2\n")
    run_gate(template, use_checkov=False)
    assert len(lint_calls) == 2


def test_changed_gate_file_is_a_miss(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "gate"
    package.mkdir()
    (package / "output.py").write_text("# version 1\n")
    monkeypatch.setattr(cache, "PACKAGE_DIR", package)
    before = cache.cache_key(template, use_checkov=False)
    (package / "output.py").write_text("# version 2\n")
    assert cache.cache_key(template, use_checkov=False) != before


def test_the_gate_fingerprint_covers_the_whole_package() -> None:
    assert Path(gate.__file__).resolve().parent == cache.PACKAGE_DIR
    modules = {p.name for p in cache.PACKAGE_DIR.glob("*.py")}
    assert {"__init__.py", "cache.py", "checkov.py", "command.py", "lint.py"} <= modules


def test_checkov_use_is_part_of_the_key(
    cache_path: Path, template: Path, lint_calls: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECKOV_BIN", str(template.parent / "absent" / "checkov"))
    monkeypatch.setattr(checkov, "ROOT", template.parent)
    run_gate(template, use_checkov=False)
    report = run_gate(template)
    assert len(lint_calls) == 2 and report.notes[0].startswith("checkov not installed")


def test_off_always_recomputes(
    template: Path, lint_calls: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    run_gate(template, use_checkov=False)
    report = run_gate(template, use_checkov=False)
    assert len(lint_calls) == 2 and cache.CACHE_HIT_NOTE not in report.notes


def test_corrupt_entry_is_recomputed_and_overwritten(
    cache_path: Path, template: Path, lint_calls: list[Path]
) -> None:
    expected = run_gate(template, use_checkov=False).findings
    (entry,) = cache_path.glob("*.json")
    entry.write_text('{"format": 1, "findings": [{"severity"')
    again = run_gate(template, use_checkov=False)
    assert len(lint_calls) == 2 and again.findings == expected
    assert cache.load_cached(entry) is not None


def test_entry_is_written_whole_with_the_project_file_mode(
    cache_path: Path, template: Path
) -> None:
    run_gate(template, use_checkov=False)
    umask = os.umask(0)
    os.umask(umask)
    (entry,) = cache_path.iterdir()  # no temporary file is left beside it
    assert entry.suffix == ".json" and entry.stat().st_mode & 0o777 == 0o666 & ~umask


def test_unwritable_cache_does_not_fail_the_gate(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker / "cache"))  # a file is in the way
    report = run_gate(template, use_checkov=False)
    assert any(f.rule_id == "E3002" for f in report.findings)


def test_transient_checkov_failure_is_not_cached(
    cache_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_results(
        self: checkov.CheckovRun,
    ) -> tuple[dict[str, list[Finding]], list[str]]:
        self.failed = True
        return {}, ["checkov exited 2 (boom): skipped"]

    monkeypatch.setattr(checkov.CheckovRun, "results", failing_results)
    run_gate(template)
    assert not list(cache_path.glob("*.json"))


def test_default_location_is_under_xdg_cache_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(cache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "edu-stackops" / "gate"


def test_hit_does_not_import_cfn_lint(cache_path: Path, template: Path) -> None:
    run_gate(template, use_checkov=False)
    code = (
        "import sys; from pathlib import Path; import gate; "
        f"r = gate.run_gate(Path({str(template)!r}), use_checkov=False); "
        "print(gate.CACHE_HIT_NOTE in r.notes, 'cfnlint' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, cache.CACHE_ENV: str(cache_path)},
        check=False,
    )
    assert proc.stdout.split() == ["True", "False"], proc.stderr
