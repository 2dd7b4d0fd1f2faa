"""The offline gate, cold, against each tool it runs alone, on the production template: median of 5
wall times each, and the gate's ratio to the slowest tool (target <= 1.2; and the gate < 15 s).

Usage: python bench/gate_time.py [--runs N]

Each run is a fresh process, exactly what a user pays:
- gate: `python deploy.py validate --template production.json` with the result cache off: cfn-lint
  with the custom rules in-process, checkov and cfn-guard as subprocesses alongside (the template
  opts into the controls layer through its Metadata);
- cfn-lint: `cfn-lint --append-rules cfn_rules --include-checks I --regions us-east-1`;
- checkov: the gate's command line (`-f`, `--framework cloudformation --skip-download -o json`);
- cfn-guard: `cfn-guard validate` with every installed rule file on the template resolved as a hook
  sees it (the gate runs only the files that report on the template's resource types).
The runs are interleaved (gate, cfn-lint, checkov, cfn-guard, then again) so that the load of a
shared machine falls on all four alike. The templates are prepared beforehand, untimed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the gate's modules live in the checkout

TARGET_S = 15.0
TARGET_RATIO = 1.2


def commands(tmp: Path, *, controls_off: bool = False) -> dict[str, list[str]]:
    """The four command lines, on templates written into `tmp`; a tool not installed is absent."""
    from gate.checkov import checkov_bin
    from gate.controls import binary_path, guard_home, installed, rules_path
    from gate.params import deployed

    template = tmp / "production.json"
    subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), "--output", str(template)],
        check=True,
        capture_output=True,
    )
    found = {
        "gate": [sys.executable, str(ROOT / "deploy.py"), "validate", "--template", str(template)],
        "cfn-lint": [str(Path(sys.executable).parent / "cfn-lint"), "--append-rules"],
    }
    found["cfn-lint"] += [str(ROOT / "cfn_rules"), "--include-checks", "I"]
    found["cfn-lint"] += ["--regions", "us-east-1", "--", str(template)]
    if controls_off:  # the gate as it was before the controls layer: cfn-lint and checkov
        found["gate, controls off"] = [*found["gate"], "--controls", "off"]
    checkov = checkov_bin()
    if checkov is not None:
        found["checkov"] = [str(checkov), "-f", str(template), "--framework", "cloudformation"]
        found["checkov"] += ["--skip-download", "-o", "json", "--quiet", "--compact"]
    home = guard_home()
    if installed(home):
        hooked = tmp / "resolved.json"
        hooked.write_text(json.dumps(deployed(json.loads(template.read_text()), {})))
        found["cfn-guard"] = [str(binary_path(home)), "validate", "--rules", str(rules_path(home))]
        found["cfn-guard"] += ["--data", str(hooked), "--output-format", "json"]
        found["cfn-guard"] += ["--show-summary", "none"]
    return found


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_all(
    runs: int, *, controls_off: bool = False
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """({name: wall times}, {name: CPU seconds, its children included}); the gate must pass
    (exit 0), the tools' exit codes are theirs."""
    # The gate's result cache would turn every run after the first into a lookup.
    env = {**os.environ, "DEPLOY_GATE_CACHE": "off"}
    with tempfile.TemporaryDirectory(prefix="gate-time-") as tmp:
        found = commands(Path(tmp), controls_off=controls_off)
        walls: dict[str, list[float]] = {name: [] for name in found}
        cpus: dict[str, list[float]] = {name: [] for name in found}
        for _ in range(runs):
            for name, command in found.items():
                cpu, started = _children_cpu(), time.perf_counter()
                proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
                walls[name].append(time.perf_counter() - started)
                cpus[name].append(_children_cpu() - cpu)
                if name.startswith("gate") and proc.returncode != 0:
                    print(proc.stderr, file=sys.stderr)
                    raise SystemExit(f"deploy.py validate exited {proc.returncode}")
    return walls, cpus


def summary(walls: dict[str, list[float]], cpus: dict[str, list[float]]) -> tuple[str, float]:
    """The one line the bench report keeps, and the gate's ratio to the slowest tool.

    CPU seconds say whether the gate does more work than its tools together (it should not):
    on a saturated machine the wall ratio tends to the gate's CPU over the slowest tool's.
    """
    medians = {name: statistics.median(times) for name, times in walls.items()}
    tools = {name: m for name, m in medians.items() if not name.startswith("gate")}
    slowest = max(tools, key=lambda name: tools[name])
    ratio = medians["gate"] / tools[slowest]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cells = ", ".join(
        f"{name} {medians[name]:.1f} s ({'/'.join(f'{w:.1f}' for w in walls[name])}; "
        f"CPU {statistics.median(cpus[name]):.1f} s)"
        for name in walls
    )
    missing = [name for name in ("checkov", "cfn-guard") if name not in walls]
    line = (
        f"cold gate vs each tool alone on the production template, median of "
        f"{len(walls['gate'])} wall times: {cells}; gate / slowest tool ({slowest}) = "
        f"{ratio:.2f} (target <= {TARGET_RATIO}); gate target < {TARGET_S:.0f} s; "
        f"{os.cpu_count()} CPUs, 1-min load average {load:.1f} at the end"
    )
    if missing:
        line += f"; NOT INSTALLED: {', '.join(missing)}"
    return line, ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--controls-off",
        action="store_true",
        help="also time the gate with --controls off (the gate before the controls layer)",
    )
    args = parser.parse_args(argv)
    walls, cpus = time_all(max(1, args.runs), controls_off=args.controls_off)
    line, ratio = summary(walls, cpus)
    print(line)
    print(
        "measured as: fresh processes, time.perf_counter() around each, interleaved, "
        "templates generated and resolved beforehand",
        file=sys.stderr,
    )
    gate = statistics.median(walls["gate"])
    return 0 if ratio <= TARGET_RATIO and gate < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
