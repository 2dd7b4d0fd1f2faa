"""No-change deploy and polling latency of deploy.py next to the AWS CLI, on moto in-process."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench import emulator
from bench.common import ROOT, Row, log
from bench.measure import CommandFailed, Sample, run_once

FIXTURE = ROOT / "bench" / "fixtures" / "emulator-stack.json"
# Delays from ExecuteChangeSet to the flip, one per run, the same for both tools. Early: while
# deploy.py still polls often. Steady: after its interval has reached its cap (4 s, by ~7 s),
# spread evenly over one interval, as a stack that runs for minutes would meet it at a random
# point of the cycle (flips 2 s apart would sample only two points of a 4 s cycle). The AWS CLI's
# waiter polls once right away, then every 30 s.
EARLY_DELAYS_S = (2.0, 3.0, 4.0, 5.0, 6.0)
STEADY_DELAYS_S = (40.0, 40.8, 41.6, 42.4, 43.2)
# Concurrent runs start this far apart, so that their start-ups do not pile up.
STAGGER_S = 1.0


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
    )
    # The template was validated before it is deployed (`make template` runs `deploy.py
    # validate`), which fills the gate's result cache; the deploy then finds it there. The cold
    # validate is timed once and reported in the note, so the cost is not hidden.
    cache = tempfile.mkdtemp(prefix="bench-gate-cache-")
    env = {**env, "DEPLOY_GATE_CACHE": cache}
    try:
        # The fixture carries policy findings on purpose (deploy only warns on them), so
        # validate's exit 4 is expected here; the cache holds the report either way.
        cold = run_once(
            [tools.py, "deploy.py", "validate", "--template", str(FIXTURE)],
            env=env,
            cwd=ROOT,
            ok_codes=(0, 4),
        )
        row.note = (
            f"gate result cached by one prior `deploy.py validate` of the same template (cold: "
            f"{cold.wall_s:.2f} s, as `make template` pays it); the AWS CLI's samples are those "
            "of the row above; measured while the steady-regime latency runs slept"
        )
        for _ in range(runs):
            row.add(_unchanged(tools.deploy_py("bench-noop", gate=True), "bench-noop", env))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
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
        thread = Background(functools.partial(run_held, run, holder, env))
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
            "stack done 40-43 s after execution (polling at its cap)",
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
