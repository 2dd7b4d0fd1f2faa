"""The offline gate's scripts (bench/gate_*.py), run last, within the bench's budget."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

from bench.common import ROOT, log

GATE_SCRIPTS = ("gate_time.py", "gate_compare.py")


def bench_gate_scripts(py: str, env: dict[str, str], budget_s: float) -> list[dict[str, Any]]:
    """Runs the gate's scripts, if present, and keeps their output (JSON or text).

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
