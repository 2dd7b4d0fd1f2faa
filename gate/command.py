"""`deploy.py validate`: the gate on one template file, with its exit code."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from clikit import exitcodes
from gate import run_gate
from gate.output import render_json, render_text
from gate.params import read_values
from gate.sarif import render_sarif
from stackops.errors import BadInput

EXIT_OK = exitcodes.OK
EXIT_FINDINGS = exitcodes.BAD_INPUT
OUTPUTS = ("text", "json", "sarif")


def validate_command(
    template_path: Path,
    output: str,
    stdout: TextIO,
    stderr: TextIO,
    *,
    parameter_file: Path | None = None,
    parameter_flags: Sequence[str] | None = None,
    controls: str = "auto",
) -> int:
    """`deploy.py validate`: findings as lines on stderr (text), or one JSON object or one SARIF
    log on stdout; every layer judges the template with the given parameter values."""
    template_path = Path(template_path)
    if not template_path.is_file():
        print(
            f"error: template {template_path} not found: pass an existing file with --template",
            file=stderr,
        )
        return EXIT_FINDINGS
    try:
        values = read_values(template_path, parameter_file, list(parameter_flags or []))
    except BadInput as exc:
        print(f"error: {exc.message}", file=stderr)
        for line in exc.details:
            print(f"  {line}", file=stderr)
        return EXIT_FINDINGS
    report = run_gate(template_path, parameters=values, controls=controls)
    if output in ("json", "sarif"):
        document: dict[str, Any] = (
            render_json(report, template_path)
            if output == "json"
            else render_sarif(report, template_path)
        )
        json.dump(document, stdout, indent=2, sort_keys=output == "json")
        stdout.write("\n")
    else:
        render_text(report, stderr)
    return EXIT_OK if not report.findings else EXIT_FINDINGS
