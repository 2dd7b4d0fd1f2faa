#!/usr/bin/env python3
"""Regenerates the README's bench section from bench/results.json and cfnmodel/durations.json.

Only the lines between `<!-- SECTION: bench (owner: bench) -->` and the next section marker are
replaced. `python bench/readme.py` (after `make bench`) keeps the README's table in step with
the last measured run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from bench import report  # noqa: E402

MARKER = "<!-- SECTION: bench (owner: bench) -->"

INTRO = """\
## Speed: deploy critical path, polling latency, overhead (`bench/`)

```sh
make bench                                   # everything, about 4-5 minutes; table on stdout
.venv/bin/python bench/run.py --runs 1       # a quick look
.venv/bin/python bench/run.py --only deploy  # one part: generate | lint | deploy | gate
.venv/bin/python bench/run.py --table-from bench/results.json   # reprint the last table
.venv/bin/python bench/readme.py             # rewrite this section from bench/results.json
```

`bench/run.py` measures each command 5 times next to a baseline run in the same script on the
same machine, and prints the medians and their ratios; every sample is kept in
`bench/results.json`. Progress goes to stderr, the table to stdout. Exit 0 once measured (the
goal rows say whether each goal holds), 1 if a measured command failed, 4 on a bad command line.
"""

METHOD = """\
How it is measured:

- **Wall time**: `time.perf_counter()` from just before the child process is spawned to its
  reaping. **CPU**: user + system seconds of the child (GNU time's `%U + %S`), less sensitive
  than wall time to a busy machine. **Peak RSS**: GNU time's `%M` for that one child. Not
  `getrusage(RUSAGE_CHILDREN)` or `wait4` from the bench itself: Linux carries the RSS
  high-water mark across fork and exec, so every child would report the bench process's own
  ~200 MiB (moto loaded).
- Baselines are interleaved with the measured command, alternating which goes first.
  - `generate.py`: baseline `python -c 'import troposphere, awacs'`, the floor of any
    troposphere generator.
  - Full lint: `cfn-lint --include-checks I` on the production template, next to plain
    `cfn-lint` (default checks).
  - No-change deploy: moto's `ThreadedMotoServer` started inside the bench on 127.0.0.1 and a
    free port, the 12-resource stack `bench/fixtures/emulator-stack.json` (the generated template
    uses features moto cannot create). `python deploy.py deploy --yes --skip-validation`
    next to `aws cloudformation deploy --no-fail-on-empty-changeset` (AWS CLI 1.46.2 from
    `.venv-awscli`). The gate is skipped because the AWS CLI has none; a second row times
    deploy.py's default no-change deploy, offline gate (cfn-lint + checkov) included, against
    the same AWS CLI samples. Each run is checked to have left the stack untouched (no new
    stack event).
  - Polling latency: the bench patches moto's `execute_change_set` in its own process (never in
    product code). For an armed stack name, the stack goes back to `CREATE_IN_PROGRESS` after
    execution, and a timer thread flips it to `CREATE_COMPLETE` (status and stack event) a fixed
    delay later, one delay per run, the same delays for both tools. The figure is the tool's
    exit time minus the flip time, on the same clock. Two regimes:
    - **early**: flips 2, 3, 4, 5, 6 s after execution, while deploy.py still polls often
      (1.5 s, then x1.5 a poll). deploy.py's runs go one after the other, alone.
    - **steady**: flips 40, 40.8, 41.6, 42.4, 43.2 s after execution, spread over one 4 s interval
      once deploy.py's polling has reached its cap, as a stack that runs for minutes (RDS,
      ElastiCache) meets it.
- moto quirk worked around in the bench only: for an unchanged template moto rejects
  `CreateChangeSet` with "No updates are to be performed", where CloudFormation creates the
  change set and fails it with "didn't contain changes". The AWS CLI handles only the
  latter, so the bench skips moto's early check and lets its backend answer as CloudFormation does.
- To stay under 5 minutes, runs that mostly sleep in a poll interval (the AWS CLI's, and both
  tools' steady-regime runs) run side by side, 1 s apart, each timed against its own flip; the
  lint and the gated no-change deploy are measured once all of them have executed, while they
  sleep. The gate engineer's
  scripts (`bench/gate_time.py`, `bench/gate_compare.py`, run with `--json`) run last and
  alone, within what is left of the budget; one that does not finish in it is reported as such
  (run it on its own).
- The machine is shared (2 cores, several engineers running tests), so absolute wall times are
  noisy; the load average is printed with the table. The ratios, taken within one run, and the
  CPU column are the figures to compare.
"""

EXPLAIN = """\
### Deploy-time report: `generate.py --explain`

```sh
python generate.py --explain > template.json                  # the report goes to stderr
python generate.py --explain --profile ephemeral > /dev/null  # the report only
```

The report is for a human, so it goes to stderr (the house convention). stdout, or `--output`,
still carries the template and nothing else, so `--explain` can be added to any command line.
It prints the resource count, the compact (minified) size against the 51,200-byte TemplateBody
limit and the 1 MB TemplateURL limit, the estimated critical path with its chain of logical IDs,
the slowest single resource, their ratio, and the goal check. The goal: the critical path may
exceed the slowest resource's own chain of required predecessors only by the resources that
must follow it (`SecretTargetAttachment`, `RotationSchedule`); the slack is what is left of
that allowance.

The dependency graph (`cfnmodel/graph.py`) takes edges from `Ref`, `Fn::GetAtt` (list and dotted
forms), `Fn::Sub` (`${X}` and `${X.Attr}`, string and list forms; `${AWS::...}`, `${!Literal}`
and the Sub's own variables are not edges) and `DependsOn` (string or list). References to
parameters and pseudo parameters are not edges. Conditions are ignored on purpose: a resource
under a condition keeps its edges, and both branches of `Fn::If` count, so the graph is the worst
case over every parameter value, which is what a structural guarantee has to hold for.
`tests/cfnmodel/test_graph.py` asserts, for both profiles, that no path links any two of the RDS
instance, the ElastiCache replication group and the NAT gateways, and that an added `DependsOn`
(cache on RDS, RDS on a NAT gateway) is caught.

Example (production profile, {date}):

```
{example}```
"""

DURATIONS = """\
### Estimated durations (`cfnmodel/durations.json`)

One data file; every figure names its source. Types not listed take the stated default.

| Type | Seconds | Source |
| --- | --- | --- |
"""


def section(results: dict, durations: dict, example: str) -> str:
    parts = [
        INTRO,
        report.table(results),
        METHOD,
        EXPLAIN.replace("{date}", results["date"]).replace("{example}", example),
        DURATIONS,
    ]
    rows = [
        f"| `{kind}` | {entry['seconds']:g} | {entry['source']} |"
        for kind, entry in sorted(durations["types"].items(), key=lambda kv: -kv[1]["seconds"])
    ]
    default = durations["default"]
    rows.append(f"| any other type | {default['seconds']:g} | {default['source']} |")
    return "\n".join(parts) + "\n".join(rows) + "\n"


def replace_section(readme: str, body: str) -> str:
    lines = readme.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == MARKER)
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("<!-- SECTION:")),
        len(lines),
    )
    return "".join([*lines[: start + 1], body, "\n", *lines[end:]])


def main(argv: list[str] | None = None) -> int:
    results = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
    durations = json.loads((ROOT / "cfnmodel" / "durations.json").read_text(encoding="utf-8"))
    done = subprocess.run(
        [sys.executable, "generate.py", "--explain"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    readme = ROOT / "README.md"
    text = replace_section(
        readme.read_text(encoding="utf-8"), section(results, durations, done.stderr)
    )
    readme.write_text(text, encoding="utf-8")
    print("README.md: bench section rewritten", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
