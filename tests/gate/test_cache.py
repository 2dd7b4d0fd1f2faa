"""stackops.gate's result cache: hits, misses on every input of the key, off switch, bad entries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import gate

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicNam: edu-cache
"""


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(gate.CACHE_ENV, str(directory))
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
    real = gate.run_cfn_lint

    def counting(path: Path, **kw: bool) -> list[gate.Finding]:
        calls.append(path)
        return real(path, **kw)

    monkeypatch.setattr(gate, "run_cfn_lint", counting)
    return calls


def test_second_run_on_the_same_content_is_a_hit(
    cache: Path, template: Path, lint_calls: list[Path]
) -> None:
    gate.run_gate(template, use_checkov=False)
    second = gate.run_gate(template, use_checkov=False)
    assert len(lint_calls) == 1 and second.notes[-1] == gate.CACHE_HIT_NOTE


def test_hit_returns_the_same_findings(cache: Path, template: Path) -> None:
    first = gate.run_gate(template, use_checkov=False)
    second = gate.run_gate(template, use_checkov=False)
    assert first.findings and second.findings == first.findings


def test_hit_ignores_the_file_name(
    cache: Path, template: Path, tmp_path: Path, lint_calls: list[Path]
) -> None:
    copy = tmp_path / "elsewhere" / "template.yaml"
    copy.parent.mkdir()
    copy.write_bytes(template.read_bytes())
    gate.run_gate(template, use_checkov=False)
    gate.run_gate(copy, use_checkov=False)
    assert lint_calls == [template]


def test_changed_template_byte_is_a_miss(
    cache: Path, template: Path, lint_calls: list[Path]
) -> None:
    gate.run_gate(template, use_checkov=False)
    template.write_text(TEMPLATE.replace("edu-cache", "edu-cachf"))
    gate.run_gate(template, use_checkov=False)
    assert len(lint_calls) == 2


def test_changed_rule_file_is_a_miss(
    cache: Path,
    template: Path,
    tmp_path: Path,
    lint_calls: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a_rule.py").write_text("# version 1\n")
    monkeypatch.setattr(gate, "RULES_DIR", rules)
    monkeypatch.setattr(gate, "run_cfn_lint", lambda path, **kw: lint_calls.append(path) or [])
    gate.run_gate(template, use_checkov=False)
    (rules / "a_rule.py").write_text("# version 2\n")
    gate.run_gate(template, use_checkov=False)
    assert len(lint_calls) == 2


def test_checkov_use_is_part_of_the_key(
    cache: Path, template: Path, lint_calls: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECKOV_BIN", str(template.parent / "absent" / "checkov"))
    monkeypatch.setattr(gate, "ROOT", template.parent)
    gate.run_gate(template, use_checkov=False)
    report = gate.run_gate(template)
    assert len(lint_calls) == 2 and report.notes[0].startswith("checkov not installed")


def test_off_always_recomputes(
    template: Path, lint_calls: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(gate.CACHE_ENV, "off")
    gate.run_gate(template, use_checkov=False)
    report = gate.run_gate(template, use_checkov=False)
    assert len(lint_calls) == 2 and gate.CACHE_HIT_NOTE not in report.notes


def test_corrupt_entry_is_recomputed_and_overwritten(
    cache: Path, template: Path, lint_calls: list[Path]
) -> None:
    expected = gate.run_gate(template, use_checkov=False).findings
    (entry,) = cache.glob("*.json")
    entry.write_text('{"format": 1, "findings": [{"severity"')
    again = gate.run_gate(template, use_checkov=False)
    assert len(lint_calls) == 2 and again.findings == expected
    assert gate.load_cached(entry) is not None


def test_unwritable_cache_does_not_fail_the_gate(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(gate.CACHE_ENV, str(blocker / "cache"))  # a file is in the way
    report = gate.run_gate(template, use_checkov=False)
    assert any(f.rule_id == "E3002" for f in report.findings)


def test_transient_checkov_failure_is_not_cached(
    cache: Path, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_results(self: gate.CheckovRun) -> tuple[dict[str, list[gate.Finding]], list[str]]:
        self.failed = True
        return {}, ["checkov exited 2 (boom): skipped"]

    monkeypatch.setattr(gate.CheckovRun, "results", failing_results)
    gate.run_gate(template)
    assert not list(cache.glob("*.json"))


def test_default_location_is_under_xdg_cache_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(gate.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert gate.cache_dir() == tmp_path / "edu-stackops" / "gate"


def test_hit_does_not_import_cfn_lint(cache: Path, template: Path) -> None:
    gate.run_gate(template, use_checkov=False)
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
        env={**os.environ, gate.CACHE_ENV: str(cache)},
        check=False,
    )
    assert proc.stdout.split() == ["True", "False"], proc.stderr
