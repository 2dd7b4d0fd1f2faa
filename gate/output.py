"""The gate's report for people (lines of text) and for programs (one JSON object)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from gate.findings import GateReport


def render_text(report: GateReport, stream: TextIO) -> None:
    """One line per finding, then the notes, then the counts."""
    for finding in report.findings:
        print(finding.line(), file=stream)
    for note in report.notes:
        print(f"note: {note}", file=stream)
    print(
        f"{len(report.blockers)} blocker(s), {len(report.warnings)} warning(s), "
        f"{len(report.policies)} policy finding(s)",
        file=stream,
    )


def render_json(report: GateReport, template_path: Path) -> dict[str, Any]:
    """The object `deploy.py validate --output json` prints; its keys are a public interface."""
    return {
        "template": str(template_path),
        "ok": not report.findings,
        "blockers": len(report.blockers),
        "warnings": len(report.warnings),
        "policies": len(report.policies),
        "findings": [asdict(f) for f in report.findings],
        "notes": report.notes,
    }
