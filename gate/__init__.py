"""The offline gate: cfn-lint (with this project's rules) and checkov, with a result cache."""

from __future__ import annotations

from pathlib import Path

from gate import cache, checkov, lint
from gate.cache import CACHE_ENV, CACHE_HIT_NOTE, CACHE_OFF
from gate.findings import BLOCKER, POLICY, WARNING, Finding, GateReport

__all__ = [
    "BLOCKER",
    "CACHE_ENV",
    "CACHE_HIT_NOTE",
    "CACHE_OFF",
    "POLICY",
    "WARNING",
    "Finding",
    "GateReport",
    "run_gate",
]


def run_gate(template_path: Path, *, use_checkov: bool = True) -> GateReport:
    """Every finding of cfn-lint (default + custom rules) and, if asked and installed, checkov.

    A result is cached by everything it depends on (see `cache.cache_key`), so an unchanged
    template is judged once: `make template` warms the cache for the deploy that follows it.
    checkov runs as a subprocess started before cfn-lint, so the two overlap in time.
    """
    template_path = Path(template_path)
    directory = cache.cache_dir()
    key = cache.cache_key(template_path, use_checkov) if directory is not None else None
    entry = directory / f"{key}.json" if directory is not None and key is not None else None
    if entry is not None:
        cached = cache.load_cached(entry)
        if cached is not None:
            cached.notes.append(CACHE_HIT_NOTE)
            return cached
    report, complete = _run_layers(template_path, use_checkov)
    if entry is not None and complete:
        cache.store_cached(entry, report)
    return report


def _run_layers(template_path: Path, use_checkov: bool) -> tuple[GateReport, bool]:
    """The report, and whether it is worth caching (no transient checkov failure in it)."""
    report = GateReport()
    with checkov.CheckovRun([template_path] if use_checkov else []) as run:
        report.findings.extend(lint.run_cfn_lint(template_path))
        found, notes = run.results()
    report.findings.extend(found.get(str(template_path), []))
    report.notes.extend(notes)
    report.sort()
    return report, not run.failed
