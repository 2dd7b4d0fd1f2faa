"""The offline gate: cfn-lint (with this project's rules), checkov and Control Tower's proactive
controls, with a result cache."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from gate import cache, checkov, layers
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


def run_gate(
    template_path: Path,
    *,
    use_checkov: bool = True,
    parameters: Mapping[str, str] | None = None,
    controls: str = "auto",
) -> GateReport:
    """Every finding of cfn-lint (default + custom rules), checkov (if asked and installed) and
    the Control Tower controls (`controls`: on, off, or auto = if the template opts in), each
    judging the template with `parameters` (the values being deployed; defaults for the rest).

    A result is cached by everything it depends on (see `cache.cache_key`), so an unchanged
    template is judged once: `make template` warms the cache for the deploy that follows it.
    checkov and cfn-guard run as subprocesses started before cfn-lint, so the three overlap.
    """
    if controls not in layers.CONTROLS_SWITCHES:
        raise ValueError(f"controls must be one of {', '.join(layers.CONTROLS_SWITCHES)}")
    template_path = Path(template_path)
    values = dict(parameters or {})
    directory = cache.cache_dir()
    key = (
        cache.cache_key(template_path, use_checkov, values=values, controls=controls)
        if directory is not None
        else None
    )
    entry = directory / f"{key}.json" if directory is not None and key is not None else None
    if entry is not None:
        cached = cache.load_cached(entry)
        if cached is not None:
            cached.notes.append(CACHE_HIT_NOTE)
            return cached
    report, complete = _run_layers(template_path, use_checkov, values, controls)
    if entry is not None and complete:
        cache.store_cached(entry, report)
    return report


def _run_layers(
    template_path: Path, use_checkov: bool, values: dict[str, str], controls: str
) -> tuple[GateReport, bool]:
    """The report, and whether it is worth caching (no transient checkov or cfn-guard failure)."""
    report = GateReport()
    with tempfile.TemporaryDirectory(prefix="gate-values-") as tmp:
        files = layers.prepare(template_path, values, controls, Path(tmp))
        with (
            checkov.CheckovRun([files.checkov] if use_checkov else []) as run,
            layers.ControlsLayer(files.template, values, controls) as guard,
        ):
            report.findings.extend(layers.lint_findings(files.path, values))
            found, notes = run.results()
            guarded, guard_notes = guard.results()
    report.findings.extend(found.get(str(files.checkov), []))
    report.findings.extend(guarded)
    report.notes.extend([*files.notes, *notes, *guard_notes])
    report.sort()
    return report, not run.failed and not guard.failed
