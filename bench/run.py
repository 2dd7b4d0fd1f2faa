#!/usr/bin/env python3
"""`make bench`: overhead, no-change deploy and polling latency, each against a baseline.

Every figure is the median of N runs (default 5) of a child process, next to a baseline measured
in the same run on the same machine, and their ratio. Progress goes to stderr; the finished
Markdown table goes to stdout and the full results (every sample) to bench/results.json.
`--table-from bench/results.json` prints the table of an earlier run again (for the README).

Exit codes: 0 measured (whether or not the goals hold; see the table); 1 a measured command
failed; 4 bad command line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.common import Row, log
from bench.deploys import Tools, deploy_phases
from bench.gates import bench_gate_scripts
from bench.measure import CommandFailed, run_once
from bench.overhead import bench_generate, bench_lint
from clikit import exitcodes
from clikit.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent

RESULTS = ROOT / "bench" / "results.json"
# The whole bench's target (under 5 minutes), with a little room for the report.
BUDGET_S = 290.0


# -- machine and orchestration ---------------------------------------------------------------


def machine() -> dict[str, Any]:
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load_avg_1min": os.getloadavg()[0],
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measure (default: 5)")
    parser.add_argument("--only", choices=("generate", "lint", "deploy", "gate"), action="append")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results JSON file")
    parser.add_argument("--table-from", type=Path, help="print the table of a results file")
    return parser


def _print_table_from(path: Path) -> int:
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"bench/run.py: error: cannot read {path}: {exc}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    sys.stdout.write(report.table(results))
    return exitcodes.OK


def _measure_tools(phases: set[str], runs: int, notes: list[str]) -> list[Row]:
    """generate, lint and the deploy comparison, in the order that keeps CPU work apart."""
    py = sys.executable
    aws = os.environ.get("AWS_CLI_BIN") or str(ROOT / ".venv-awscli" / "bin" / "aws")
    have_generate = (ROOT / "generate.py").exists()
    have_deploy = (ROOT / "deploy.py").exists()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.json"
        if have_generate:
            if "generate" in phases:
                log("generate.py, both profiles")
                rows += bench_generate(runs, py)
            run_once([py, "generate.py", "--output", str(template)], cwd=ROOT)
        else:
            notes.append("generate.py not present: generate and lint skipped")

        def cpu_phases() -> None:
            # The CPU-bound lint; it may overlap only runs that sleep in a poll interval.
            if "lint" in phases and have_generate:
                log("cfn-lint, production template")
                rows.append(bench_lint(runs, template))

        if "deploy" in phases and shutil.which(aws):
            if not have_deploy:
                notes.append("deploy.py not present: only the AWS CLI side was measured")
            rows += deploy_phases(runs, Tools(py=py, aws=aws, endpoint=""), have_deploy, cpu_phases)
        else:
            if "deploy" in phases:
                notes.append(f"AWS CLI not found at {aws}: deploy benchmarks skipped")
            cpu_phases()
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return exitcodes.OK if exc.code == 0 else exitcodes.BAD_INPUT
    if args.table_from:
        return _print_table_from(args.table_from)
    if args.runs < 1:
        print("bench/run.py: error: --runs must be at least 1", file=sys.stderr)
        return exitcodes.BAD_INPUT
    phases = set(args.only or ("generate", "lint", "deploy", "gate"))
    notes: list[str] = []
    started = time.perf_counter()
    host = machine()
    gate: list[dict[str, Any]] = []
    try:
        rows = _measure_tools(phases, args.runs, notes)
        if "gate" in phases:
            alone = phases == {"gate"}
            budget = 900.0 if alone else max(0.0, BUDGET_S - (time.perf_counter() - started))
            gate.extend(bench_gate_scripts(sys.executable, dict(os.environ), budget))
    except CommandFailed as exc:
        print(f"bench/run.py: error: {exc}", file=sys.stderr)
        return exitcodes.FAILED
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {**host, "load_avg_1min_at_end": os.getloadavg()[0]},
        "runs": args.runs,
        "method": report.METHOD,
        "rows": [row.summary() for row in rows],
        "gate": gate,
        "notes": notes,
        "total_s": time.perf_counter() - started,
    }
    results["goals"] = report.goals(results)
    write_atomic(args.output, json.dumps(results, indent=2) + "\n")
    log(f"done in {results['total_s']:.0f} s; results in {args.output}")
    sys.stdout.write(report.table(results))
    return exitcodes.OK


if __name__ == "__main__":
    sys.exit(main())
