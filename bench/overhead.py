"""Overhead of the offline steps: generate.py and the full lint, each next to a baseline."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bench.common import ROOT, Row
from bench.measure import run_once


def bench_generate(runs: int, py: str) -> list[Row]:
    base_cmd = [py, "-c", "import troposphere, awacs"]
    rows = [
        Row(
            section="overhead",
            measure=f"generate.py --profile {profile}",
            command=f"python generate.py --profile {profile} > /dev/null",
            baseline="import troposphere, awacs",
            baseline_command="python -c 'import troposphere, awacs'",
        )
        for profile in ("production", "ephemeral")
    ]
    for i in range(runs):
        for row, profile in zip(rows, ("production", "ephemeral"), strict=True):
            cmd = [py, "generate.py", "--profile", profile]
            for command, add in _alternate(i, (cmd, row.add), (base_cmd, row.add_baseline)):
                add(run_once(command, cwd=ROOT))
    return rows


def _alternate(i: int, first: Any, second: Any) -> tuple[Any, Any]:
    return (first, second) if i % 2 == 0 else (second, first)


def bench_lint(runs: int, template: Path) -> Row:
    cfn_lint = str(Path(sys.executable).parent / "cfn-lint")
    # cfn-lint exits non-zero when it finds something; findings are the lint's business, the
    # bench only times it, and says what it found.
    any_code = tuple(range(0, 32))
    row = Row(
        section="overhead",
        measure="full lint (cfn-lint --include-checks I), production",
        command="cfn-lint --include-checks I -- template.json",
        baseline="cfn-lint default checks",
        baseline_command="cfn-lint -- template.json",
    )
    codes = set()
    plain_cmd = [cfn_lint, "--", str(template)]
    full_cmd = [cfn_lint, "--include-checks", "I", "--", str(template)]
    for i in range(runs):
        # Alternate which goes first, so that neither always gets the warmer cache.
        for cmd, add in _alternate(i, (full_cmd, row.add), (plain_cmd, row.add_baseline)):
            sample = run_once(cmd, cwd=ROOT, ok_codes=any_code)
            add(sample)
            codes.add(sample.returncode)
    row.note = f"cfn-lint exit codes seen: {sorted(codes)} (0 = no findings)"
    return row
