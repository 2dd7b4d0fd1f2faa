"""Wall time of the offline gate on the production template: median of 5 runs (target < 15 s).

Usage: python bench/gate_time.py [--runs N]

Each run is `python deploy.py validate --template <production template>` as a fresh process,
exactly what a user or `make template` pays: interpreter start, imports, cfn-lint with the
custom rules, and checkov (in its own venv, started alongside cfn-lint). The template is
generated once beforehand and is not part of the timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 15.0


def time_gate(runs: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="gate-time-") as tmp:
        template = Path(tmp) / "production.json"
        subprocess.run(
            [sys.executable, str(ROOT / "generate.py"), "--output", str(template)],
            check=True,
            capture_output=True,
        )
        walls = []
        for _ in range(runs):
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, str(ROOT / "deploy.py"), "validate", "--template", str(template)],
                capture_output=True,
                text=True,
                check=False,
                # The gate's result cache would turn every run after the first into a lookup:
                # this measures the gate itself.
                env={**os.environ, "DEPLOY_GATE_CACHE": "off"},
            )
            walls.append(time.perf_counter() - started)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                raise SystemExit(f"deploy.py validate exited {proc.returncode}")
    return walls


def _checkov_present() -> bool:
    from gate.checkov import checkov_bin

    return checkov_bin() is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    walls = time_gate(max(1, args.runs))
    median = statistics.median(walls)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"gate on the production template: median {median:.1f} s wall over {len(walls)} runs "
        f"({', '.join(f'{w:.1f}' for w in walls)} s); target < {TARGET_S:.0f} s; "
        f"checkov {'on' if _checkov_present() else 'NOT INSTALLED'}; {os.cpu_count()} CPUs, "
        f"1-min load average {load:.1f} at the end"
    )
    print(
        "measured as: fresh `python deploy.py validate --template production.json` processes, "
        "time.perf_counter() around each, template generated beforehand",
        file=sys.stderr,
    )
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
