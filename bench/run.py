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
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import emulator, report  # noqa: E402
from bench.measure import CommandFailed, Sample, median, run_once  # noqa: E402

FIXTURE = ROOT / "bench" / "fixtures" / "emulator-stack.json"
RESULTS = ROOT / "bench" / "results.json"
# Delays from ExecuteChangeSet to the flip, one per run: spread over deploy.py's first polls,
# the same for both tools. The AWS CLI's waiter polls once right away, then every 30 s.
FLIP_DELAYS_S = (2.0, 3.0, 4.0, 5.0, 6.0)
GATE_SCRIPTS = ("gate_time.py", "gate_compare.py")


@dataclass
class Row:
    """One line of the table: a measured command next to its baseline."""

    section: str
    measure: str
    command: str
    baseline: str
    baseline_command: str
    unit: str = "s"
    how: str = "wall"
    values: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    baseline_values: list[float] = field(default_factory=list)
    baseline_rss: list[float] = field(default_factory=list)
    note: str = ""

    def add(self, sample: Sample, value: float | None = None) -> None:
        self.values.append(sample.wall_s if value is None else value)
        self.rss.append(sample.peak_rss_mib)

    def add_baseline(self, sample: Sample, value: float | None = None) -> None:
        self.baseline_values.append(sample.wall_s if value is None else value)
        self.baseline_rss.append(sample.peak_rss_mib)

    def summary(self) -> dict[str, Any]:
        med, base = median(self.values), median(self.baseline_values)
        rss, base_rss = median(self.rss), median(self.baseline_rss)
        return {
            **asdict(self),
            "median": med,
            "baseline_median": base,
            "ratio": med / base if base else None,
            "peak_rss_mib": rss,
            "baseline_peak_rss_mib": base_rss,
            "rss_ratio": rss / base_rss if base_rss else None,
        }


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- phases ----------------------------------------------------------------------------------


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
    for _ in range(runs):
        for row, profile in zip(rows, ("production", "ephemeral"), strict=True):
            row.add_baseline(run_once(base_cmd, cwd=ROOT))
            row.add(run_once([py, "generate.py", "--profile", profile], cwd=ROOT))
    return rows


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
    for _ in range(runs):
        plain = run_once([cfn_lint, "--", str(template)], cwd=ROOT, ok_codes=any_code)
        row.add_baseline(plain)
        full = run_once(
            [cfn_lint, "--include-checks", "I", "--", str(template)], cwd=ROOT, ok_codes=any_code
        )
        row.add(full)
        codes.update({plain.returncode, full.returncode})
    row.note = f"cfn-lint exit codes seen: {sorted(codes)} (0 = no findings)"
    return row


@dataclass(frozen=True)
class Tools:
    """How to run each deploying tool against the emulator."""

    py: str
    aws: str
    endpoint: str

    def deploy_py(self, stack: str) -> list[str]:
        return [
            self.py,
            "deploy.py",
            "deploy",
            "--stack-name",
            stack,
            "--template",
            str(FIXTURE),
            "--parameter",
            "EnvironmentSuffix=bench",
            "--yes",
            "--skip-validation",
            "--endpoint-url",
            self.endpoint,
        ]

    def aws_cli(self, stack: str) -> list[str]:
        return [
            self.aws,
            "cloudformation",
            "deploy",
            "--stack-name",
            stack,
            "--template-file",
            str(FIXTURE),
            "--parameter-overrides",
            "EnvironmentSuffix=bench",
            "--capabilities",
            "CAPABILITY_IAM",
            "--no-fail-on-empty-changeset",
            "--endpoint-url",
            self.endpoint,
        ]


def bench_noop_deploy(runs: int, tools: Tools, env: dict[str, str], have_deploy: bool) -> Row:
    row = Row(
        section="deploy",
        measure="no-change deploy, deploy.py",
        command="python deploy.py deploy --yes --skip-validation (stack up to date)",
        baseline="aws cloudformation deploy",
        baseline_command="aws cloudformation deploy --no-fail-on-empty-changeset",
        note="moto server in the bench process; 12-resource fixture bench/fixtures/"
        "emulator-stack.json; deploy.py skips its offline gate, which the AWS CLI does not "
        "have (timed separately by the gate's own script)",
    )
    stack = "bench-noop"
    run_once(tools.aws_cli(stack), env=env, cwd=ROOT)  # the stack both tools then find unchanged
    for _ in range(runs):
        if have_deploy:
            row.add(_unchanged(tools.deploy_py(stack), stack, env))
        row.add_baseline(_unchanged(tools.aws_cli(stack), stack, env))
    return row


def _unchanged(cmd: list[str], stack_name: str, env: dict[str, str]) -> Sample:
    """Runs a deploy that must find nothing to do; a stack event means it did something."""
    stack = emulator.cloudformation_backend().describe_stacks(stack_name)[0]
    before = len(stack.events)
    sample = run_once(cmd, env=env, cwd=ROOT)
    if len(stack.events) != before:
        raise CommandFailed(cmd, sample.returncode, "changed the stack: not a no-change deploy")
    return sample


def bench_latency(
    runs: int, tools: Tools, env: dict[str, str], have_deploy: bool, delays: Sequence[float]
) -> Row:
    row = Row(
        section="deploy",
        measure="polling latency, deploy.py (default polling)",
        command="python deploy.py deploy --yes --skip-validation (create)",
        baseline="aws cloudformation deploy (waiter: 30 s)",
        baseline_command="aws cloudformation deploy (create)",
        how="from the flip to COMPLETE to the tool's exit",
        note="stack held in CREATE_IN_PROGRESS after ExecuteChangeSet and flipped to "
        f"CREATE_COMPLETE {', '.join(f'{d:g}' for d in delays[:runs])} s later (one delay per "
        "run, same for both tools)",
    )
    holder = emulator.Holder()
    tag = time.strftime("%H%M%S")
    with emulator.holding(holder):
        for i in range(runs):
            delay = delays[i % len(delays)]
            measures: list[tuple[Callable[..., None], Callable[[str], list[str]], str]] = [
                (row.add_baseline, tools.aws_cli, "cli")
            ]
            if have_deploy:
                measures.insert(0, (row.add, tools.deploy_py, "dp"))
            for add, command, who in measures:
                stack = f"bench-lat-{tag}-{who}-{i}"
                holder.arm(stack, delay)
                sample = run_once(command(stack), env=env, cwd=ROOT, timeout_s=90)
                flipped = holder.flipped_at.get(stack)
                if flipped is None:
                    raise CommandFailed(command(stack), sample.returncode, "exited before the flip")
                add(sample, sample.exited_at - flipped)
                latency = sample.exited_at - flipped
                log(f"  {who} run {i + 1}: flip at +{delay:g} s, exit {latency:.2f} s later")
    return row


def bench_gate_scripts(py: str, env: dict[str, str]) -> list[dict[str, Any]]:
    """Runs the gate engineer's scripts, if present, and keeps their JSON output."""
    results = []
    for name in GATE_SCRIPTS:
        script = ROOT / "bench" / name
        if not script.exists():
            results.append({"script": name, "skipped": "not present"})
            continue
        log(f"gate script {name}")
        with tempfile.TemporaryFile("w+") as out:
            import subprocess

            start = time.perf_counter()
            proc = subprocess.run(
                [py, str(script)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.PIPE,
                text=True,
                timeout=240,
                check=False,
            )
            out.seek(0)
            text = out.read()
        entry: dict[str, Any] = {
            "script": name,
            "returncode": proc.returncode,
            "wall_s": time.perf_counter() - start,
        }
        try:
            entry["result"] = json.loads(text)
        except json.JSONDecodeError:
            entry["error"] = (proc.stderr or text).strip().splitlines()[-1:] or ["no output"]
        results.append(entry)
    return results


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
        "load_avg_at_start": os.getloadavg()[0],
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measure (default: 5)")
    parser.add_argument("--only", choices=("generate", "lint", "deploy", "gate"), action="append")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results JSON file")
    parser.add_argument("--table-from", type=Path, help="print the table of a results file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 4
    if args.table_from:
        sys.stdout.write(report.table(json.loads(args.table_from.read_text())))
        return 0
    if args.runs < 1:
        print("bench/run.py: error: --runs must be at least 1", file=sys.stderr)
        return 4
    phases = set(args.only or ("generate", "lint", "deploy", "gate"))
    py = sys.executable
    aws = os.environ.get("AWS_CLI_BIN") or str(ROOT / ".venv-awscli" / "bin" / "aws")
    have_generate = (ROOT / "generate.py").exists()
    have_deploy = (ROOT / "deploy.py").exists()
    notes: list[str] = []
    rows: list[Row] = []
    started = time.perf_counter()
    try:
        if "generate" in phases and have_generate:
            log("generate.py, both profiles")
            rows += bench_generate(args.runs, py)
        if "lint" in phases and have_generate:
            log("cfn-lint, production template")
            with tempfile.TemporaryDirectory() as tmp:
                template = Path(tmp) / "template.json"
                run_once([py, "generate.py", "--output", str(template)], cwd=ROOT)
                rows.append(bench_lint(args.runs, template))
        if not have_generate:
            notes.append("generate.py not present: generate and lint skipped")
        if "deploy" in phases:
            if not shutil.which(aws):
                notes.append(f"AWS CLI not found at {aws}: deploy benchmarks skipped")
            else:
                if not have_deploy:
                    notes.append("deploy.py not present: only the AWS CLI side was measured")
                with emulator.running_emulator(dict(os.environ)) as emu:
                    tools = Tools(py=py, aws=aws, endpoint=emu.endpoint)
                    log("no-change deploy")
                    rows.append(bench_noop_deploy(args.runs, tools, emu.env, have_deploy))
                    log("polling latency (the AWS CLI's runs take ~30 s each)")
                    rows.append(
                        bench_latency(args.runs, tools, emu.env, have_deploy, FLIP_DELAYS_S)
                    )
        gate = bench_gate_scripts(py, dict(os.environ)) if "gate" in phases else []
    except CommandFailed as exc:
        print(f"bench/run.py: error: {exc}", file=sys.stderr)
        return 1
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "runs": args.runs,
        "method": report.METHOD,
        "rows": [row.summary() for row in rows],
        "gate": gate,
        "notes": notes,
        "total_s": time.perf_counter() - started,
    }
    results["goals"] = report.goals(results)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    log(f"done in {results['total_s']:.0f} s; results in {args.output}")
    sys.stdout.write(report.table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
