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
import subprocess
import sys
import tempfile
import threading
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
# Delays from ExecuteChangeSet to the flip, one per run, the same for both tools. Early: while
# deploy.py still polls often. Steady: after its interval has reached its cap (10 s, by ~30 s),
# spread over one interval, as a stack that runs for minutes would meet it. The AWS CLI's
# waiter polls once right away, then every 30 s.
EARLY_DELAYS_S = (2.0, 3.0, 4.0, 5.0, 6.0)
STEADY_DELAYS_S = (40.0, 42.0, 44.0, 46.0, 48.0)
# The whole bench's target (issue 5: under 5 minutes), with a little room for the report.
BUDGET_S = 290.0
# Concurrent runs start this far apart, so that their start-ups do not pile up.
STAGGER_S = 1.0
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
    cpu: list[float] = field(default_factory=list)
    baseline_values: list[float] = field(default_factory=list)
    baseline_rss: list[float] = field(default_factory=list)
    baseline_cpu: list[float] = field(default_factory=list)
    note: str = ""

    def add(self, sample: Sample, value: float | None = None) -> None:
        self.values.append(sample.wall_s if value is None else value)
        self.rss.append(sample.peak_rss_mib)
        self.cpu.append(sample.cpu_s)

    def add_baseline(self, sample: Sample, value: float | None = None) -> None:
        self.baseline_values.append(sample.wall_s if value is None else value)
        self.baseline_rss.append(sample.peak_rss_mib)
        self.baseline_cpu.append(sample.cpu_s)

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
            "cpu_s": median(self.cpu),
            "baseline_cpu_s": median(self.baseline_cpu),
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


@dataclass(frozen=True)
class Tools:
    """How to run each deploying tool against the emulator."""

    py: str
    aws: str
    endpoint: str

    def deploy_py(self, stack: str, *, gate: bool = False) -> list[str]:
        cmd = self._deploy_py(stack)
        return cmd if gate else [*cmd, "--skip-validation"]

    def _deploy_py(self, stack: str) -> list[str]:
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
        "emulator-stack.json; deploy.py skips its offline gate (--skip-validation): the AWS "
        "CLI has none",
    )
    stack = "bench-noop"
    run_once(tools.aws_cli(stack), env=env, cwd=ROOT)  # the stack both tools then find unchanged
    pairs = [(tools.aws_cli(stack), row.add_baseline)]
    if have_deploy:
        pairs.append((tools.deploy_py(stack), row.add))
    for i in range(runs):
        for cmd, add in pairs if i % 2 == 0 else pairs[::-1]:
            add(_unchanged(cmd, stack, env))
    return row


def bench_gated_noop(runs: int, tools: Tools, env: dict[str, str], noop: Row) -> Row:
    """deploy.py's default no-change deploy, offline gate included, next to the same CLI runs."""
    row = Row(
        section="deploy",
        measure="no-change deploy, deploy.py with its offline gate (default)",
        command="python deploy.py deploy --yes (stack up to date; cfn-lint + checkov first)",
        baseline=noop.baseline,
        baseline_command=noop.baseline_command,
        baseline_values=noop.baseline_values,
        baseline_rss=noop.baseline_rss,
        baseline_cpu=noop.baseline_cpu,
        note="the AWS CLI's samples are those of the row above; measured while the steady-regime "
        "latency runs slept",
    )
    for _ in range(runs):
        row.add(_unchanged(tools.deploy_py("bench-noop", gate=True), "bench-noop", env))
    return row


def _unchanged(cmd: list[str], stack_name: str, env: dict[str, str]) -> Sample:
    """Runs a deploy that must find nothing to do; a stack event means it did something."""
    stack = emulator.cloudformation_backend().describe_stacks(stack_name)[0]
    before = len(stack.events)
    sample = run_once(cmd, env=env, cwd=ROOT)
    if len(stack.events) != before:
        raise CommandFailed(cmd, sample.returncode, "changed the stack: not a no-change deploy")
    return sample


@dataclass(frozen=True)
class HeldRun:
    """One deploy of a fresh stack that the emulator holds in progress for `delay_s`."""

    stack: str
    delay_s: float
    command: list[str]
    add: Callable[[Sample, float], None]
    who: str


def latency_row(label: str, delays: Sequence[float], how: str) -> Row:
    return Row(
        section="deploy",
        measure=f"polling latency, deploy.py; {label}",
        command="python deploy.py deploy --yes --skip-validation (create)",
        baseline="aws cloudformation deploy (waiter: 30 s)",
        baseline_command="aws cloudformation deploy (create)",
        how="from the flip to COMPLETE to the tool's exit",
        note="stack held in CREATE_IN_PROGRESS after ExecuteChangeSet and flipped to "
        f"CREATE_COMPLETE {', '.join(f'{d:g}' for d in delays)} s later (one delay per run, "
        f"the same for both tools); {how}",
    )


def held_runs(
    runs: int, delays: Sequence[float], row: Row, tools: Tools, regime: str
) -> tuple[list[HeldRun], list[HeldRun]]:
    """deploy.py's runs and the AWS CLI's runs of one latency row."""
    tag = time.strftime("%H%M%S")
    made: dict[str, list[HeldRun]] = {"dp": [], "cli": []}
    for i in range(runs):
        delay = delays[i % len(delays)]
        for who, command, add in (
            ("dp", tools.deploy_py, row.add),
            ("cli", tools.aws_cli, row.add_baseline),
        ):
            stack = f"bench-{regime}-{tag}-{who}-{i}"
            made[who].append(HeldRun(stack, delay, command(stack), add, f"{regime} {who}"))
    return made["dp"], made["cli"]


def run_held(run: HeldRun, holder: emulator.Holder, env: dict[str, str]) -> None:
    holder.arm(run.stack, run.delay_s)
    sample = run_once(run.command, env=env, cwd=ROOT, timeout_s=180)
    flipped = holder.flipped_at.get(run.stack)
    if flipped is None:
        raise CommandFailed(run.command, sample.returncode, "exited before the flip")
    latency = sample.exited_at - flipped
    run.add(sample, latency)
    log(f"  {run.who}: flip at +{run.delay_s:g} s, exit {latency:.2f} s later")


def start_concurrent(
    runs: Sequence[HeldRun], holder: emulator.Holder, env: dict[str, str]
) -> list[Background]:
    """Starts held runs side by side and returns once every one of them has executed.

    Each run is timed against its own flip, so running side by side changes only how many
    processes wake at once; waiting for every execution keeps their start-ups (the only
    CPU-heavy part) away from whatever the caller measures next.
    """
    threads = []
    for run in runs:
        thread = Background(lambda run=run: run_held(run, holder, env))
        thread.start()
        threads.append(thread)
        time.sleep(STAGGER_S)
    deadline = time.perf_counter() + 120
    while time.perf_counter() < deadline:
        if all(r.stack in holder.executed_at for r in runs):
            break
        if any(not t.is_alive() for t in threads):
            break  # a run failed (or finished early); result() reports it
        time.sleep(0.2)
    return threads


def deploy_phases(
    runs: int, tools: Tools, have_deploy: bool, meanwhile: Callable[[], None]
) -> list[Row]:
    """No-change deploy and polling latency against an in-process moto server.

    The early regime's deploy.py runs run alone, one after the other: they carry the goal.
    Everything else that waits on a poll interval runs side by side (each run against its own
    flip), and the CPU-bound lint and gate measures (`meanwhile`) run once all of those have
    started, while they sleep. This keeps the whole bench under 5 minutes.
    """
    with emulator.running_emulator(dict(os.environ)) as emu:
        tools = Tools(py=tools.py, aws=tools.aws, endpoint=emu.endpoint)
        log("no-change deploy")
        noop = bench_noop_deploy(runs, tools, emu.env, have_deploy)
        early = latency_row(
            "stack done 2-6 s after execution",
            EARLY_DELAYS_S[:runs],
            "deploy.py's runs one after the other and alone; the AWS CLI's side by side",
        )
        steady = latency_row(
            "stack done 40-48 s after execution (polling at its cap)",
            STEADY_DELAYS_S[:runs],
            "both tools' runs side by side, while the lint was measured",
        )
        early_dp, early_cli = held_runs(runs, EARLY_DELAYS_S, early, tools, "early")
        steady_dp, steady_cli = held_runs(runs, STEADY_DELAYS_S, steady, tools, "steady")
        holder = emulator.Holder()
        with emulator.holding(holder):
            if have_deploy:
                log("polling latency, deploy.py, early: one run at a time")
                for run in early_dp:
                    run_held(run, holder, emu.env)
            side_by_side = [*early_cli, *(steady_dp if have_deploy else []), *steady_cli]
            log(f"polling latency, {len(side_by_side)} more runs side by side")
            threads = start_concurrent(side_by_side, holder, emu.env)
            meanwhile()
            gated = []
            if have_deploy:
                log("no-change deploy, deploy.py with its offline gate")
                gated.append(bench_gated_noop(runs, tools, emu.env, noop))
            for thread in threads:
                thread.result()
    return [noop, *gated, early, steady]


class Background(threading.Thread):
    """Runs `work` in a thread and re-raises its exception in the caller on `result()`."""

    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self._work = work
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # handed to the main thread by result()
            self._error = exc

    def result(self) -> None:
        self.join()
        if self._error is not None:
            raise self._error


def bench_gate_scripts(py: str, env: dict[str, str], budget_s: float) -> list[dict[str, Any]]:
    """Runs the gate engineer's scripts, if present, and keeps their output (JSON or text).

    They run last and alone (they use both cores), within what is left of the 5-minute budget;
    one that runs out of it is stopped and reported as such, with how to run it on its own.
    """
    results = []
    deadline = time.perf_counter() + budget_s
    for name in GATE_SCRIPTS:
        script = ROOT / "bench" / name
        if not script.exists():
            results.append({"script": name, "skipped": "not present"})
            continue
        left = deadline - time.perf_counter()
        if left < 10:
            results.append({"script": name, "skipped": _over_budget(name, budget_s)})
            continue
        # Scripts that offer --json are asked for it; the others' stdout is kept as text.
        wants_json = '"--json"' in script.read_text(encoding="utf-8")
        log(f"gate script {name} (up to {left:.0f} s)")
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                [py, str(script), *(["--json"] if wants_json else [])],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=left,
                check=False,
            )
        except subprocess.TimeoutExpired:
            results.append({"script": name, "skipped": _over_budget(name, budget_s)})
            continue
        entry: dict[str, Any] = {
            "script": name,
            "returncode": proc.returncode,
            "wall_s": time.perf_counter() - start,
        }
        if not wants_json and proc.stdout.strip():
            entry["text"] = proc.stdout.strip()
        else:
            try:
                entry["result"] = json.loads(proc.stdout)
            except json.JSONDecodeError:
                lines = (proc.stderr or proc.stdout).strip().splitlines()
                entry["error"] = lines[-1] if lines else "no output"
        results.append(entry)
    return results


def _over_budget(name: str, budget_s: float) -> str:
    return (
        f"not finished within the bench's remaining budget ({budget_s:.0f} s); "
        f"run `.venv/bin/python bench/{name}` on its own"
    )


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


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 4
    if args.table_from:
        try:
            results = json.loads(args.table_from.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"bench/run.py: error: cannot read {args.table_from}: {exc}", file=sys.stderr)
            return 4
        sys.stdout.write(report.table(results))
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
    host = machine()
    gate: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            template = Path(tmp) / "template.json"
            if have_generate:
                if "generate" in phases:
                    log("generate.py, both profiles")
                    rows += bench_generate(args.runs, py)
                run_once([py, "generate.py", "--output", str(template)], cwd=ROOT)
            else:
                notes.append("generate.py not present: generate and lint skipped")

            def cpu_phases() -> None:
                # The CPU-bound lint; it may overlap only runs that sleep in a poll interval.
                if "lint" in phases and have_generate:
                    log("cfn-lint, production template")
                    rows.append(bench_lint(args.runs, template))

            if "deploy" in phases and shutil.which(aws):
                if not have_deploy:
                    notes.append("deploy.py not present: only the AWS CLI side was measured")
                rows += deploy_phases(
                    args.runs, Tools(py=py, aws=aws, endpoint=""), have_deploy, cpu_phases
                )
            else:
                if "deploy" in phases:
                    notes.append(f"AWS CLI not found at {aws}: deploy benchmarks skipped")
                cpu_phases()
        if "gate" in phases:
            alone = phases == {"gate"}
            budget = 900.0 if alone else max(0.0, BUDGET_S - (time.perf_counter() - started))
            gate.extend(bench_gate_scripts(py, dict(os.environ), budget))
    except CommandFailed as exc:
        print(f"bench/run.py: error: {exc}", file=sys.stderr)
        return 1
    results = {
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
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    log(f"done in {results['total_s']:.0f} s; results in {args.output}")
    sys.stdout.write(report.table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
