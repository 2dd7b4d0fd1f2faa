"""`deploy.py validate`: the gate on one template file, with its exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from clikit import exitcodes
from gate import run_gate
from gate.output import render_json, render_text

EXIT_OK = exitcodes.OK
EXIT_FINDINGS = exitcodes.BAD_INPUT


def validate_command(template_path: Path, output: str, stdout: TextIO, stderr: TextIO) -> int:
    """`deploy.py validate`: findings as lines on stderr (text) or one JSON object on stdout."""
    template_path = Path(template_path)
    if not template_path.is_file():
        print(
            f"error: template {template_path} not found: pass an existing file with --template",
            file=stderr,
        )
        return EXIT_FINDINGS
    report = run_gate(template_path)
    if output == "json":
        json.dump(render_json(report, template_path), stdout, indent=2, sort_keys=True)
        stdout.write("\n")
    else:
        render_text(report, stderr)
    return EXIT_OK if not report.findings else EXIT_FINDINGS
