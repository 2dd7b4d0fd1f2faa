"""Timing and peak memory of one child process.

Wall time is `time.perf_counter()` around the child, from just before it is spawned to the
moment the parent reaps it. Peak memory is the child's maximum resident set size as reported
by GNU time (`/usr/bin/time -f %M`, KiB; CPU time is its `%U + %S`), which forks the measured
command from its own small process. Reading `ru_maxrss` from `os.wait4` directly would be
wrong here: Linux carries the high-water mark across fork and exec, so every child would report
at least the bench process's own RSS (about 200 MiB once moto is loaded). Without GNU time,
the wait4 figure is used and flagged.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    wall_s: float
    peak_rss_mib: float
    returncode: int
    # perf_counter() when the child was reaped, for latency measurements against a timer.
    exited_at: float
    # False when the RSS is wait4's inherited high-water mark (no GNU time on this machine).
    rss_exact: bool = True
    # User + system CPU seconds of the child: less sensitive than wall time to a busy machine.
    cpu_s: float = float("nan")


class CommandFailed(RuntimeError):
    def __init__(self, cmd: Sequence[str], code: int, output: str) -> None:
        tail = output.strip().splitlines()[-5:]
        super().__init__(f"{' '.join(cmd)} exited {code}: " + " | ".join(tail))


def run_once(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout_s: float = 120.0,
    ok_codes: Sequence[int] = (0,),
) -> Sample:
    """Runs `cmd` to completion and measures it; raises CommandFailed on an unexpected code."""
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    log_path = tmp / f"bench-{os.getpid()}-{time.time_ns()}.log"
    rss_path = log_path.with_suffix(".rss")
    gnu_time = shutil.which("time", path="/usr/bin")
    argv = [gnu_time, "-q", "-f", "%M %U %S", "-o", str(rss_path), *cmd] if gnu_time else list(cmd)
    with log_path.open("w+b") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
        status, usage = _wait(proc, start + timeout_s)
        exited = time.perf_counter()
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    log_path.unlink(missing_ok=True)
    rss_kib, exact = float(usage.ru_maxrss), False
    cpu = usage.ru_utime + usage.ru_stime
    if gnu_time and rss_path.exists():
        parsed = _gnu_time(rss_path.read_text())
        if parsed:
            rss_kib, cpu, exact = parsed[0], parsed[1], True
    rss_path.unlink(missing_ok=True)
    code = os.waitstatus_to_exitcode(status)
    if code not in ok_codes:
        raise CommandFailed(cmd, code, output)
    return Sample(
        wall_s=exited - start,
        peak_rss_mib=rss_kib / 1024,
        returncode=code,
        exited_at=exited,
        rss_exact=exact,
        cpu_s=cpu,
    )


def _gnu_time(text: str) -> tuple[float, float] | None:
    """(max RSS KiB, user + system CPU s) from GNU time's `%M %U %S` line."""
    # A child killed by a signal adds a "Command terminated ..." line before the figures.
    for line in reversed(text.strip().splitlines()):
        fields = line.split()
        try:
            rss, user, system = (float(f) for f in fields)
        except ValueError:
            continue
        return rss, user + system
    return None


def _wait(proc: subprocess.Popen[bytes], deadline: float) -> tuple[int, resource.struct_rusage]:
    # wait4 reaps the child itself (so Popen never sees it) and returns its own rusage.
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, usage
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            raise CommandFailed(proc.args, -9, "timed out")  # type: ignore[arg-type]
        time.sleep(0.002)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")
