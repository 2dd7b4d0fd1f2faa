"""Three checkers on one mutation corpus: cfn-lint alone, cfn-lint + checkov, the offline gate.

Usage: python bench/gate_compare.py [--json] [--no-checkov] [--workers N]

Every mutation of tests/support/mutations.py is applied to the generated template of each
profile it names. A checker catches a case when it reports a finding on the mutated template
that it does not report on the unmutated one (for the gate the unmutated template must have
no finding at all). One cfn-lint run per template serves all three checkers:
- cfn-lint alone = cfn-lint's default rules (errors and warnings; no informational checks,
  no custom rules);
- cfn-lint + checkov = that plus checkov's failed checks;
- the project gate = everything `deploy.py validate` reports (adds informational checks and
  cfn_rules/).
checkov runs once, over a directory holding every template, while cfn-lint runs in a pool.
Results are cached in build/gate-cache/, keyed by the template's bytes and a fingerprint of
the checkers (cfn_rules/, gate/, the cfn-lint and checkov installs): a cache hit is the
stored output of a real run on identical input, so the numbers stay computed.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

CACHE = ROOT / "build" / "gate-cache"
CHECKERS = ("cfn-lint", "cfn-lint + checkov", "project gate")
PROFILES = ("production", "ephemeral")


@dataclass
class Case:
    mutation: str
    profile: str
    aws_error: str
    caught: dict[str, list[str]] = field(default_factory=dict)  # checker -> new rule IDs


@dataclass
class Comparison:
    date: str
    mutations: int
    cases: list[Case]
    base_findings: dict[str, dict[str, list[str]]]  # profile -> checker -> findings
    notes: list[str]
    seconds: float

    def caught(self, checker: str) -> int:
        return sum(1 for c in self.cases if c.caught.get(checker))

    def rate(self, checker: str) -> float:
        return self.caught(checker) / len(self.cases) if self.cases else 0.0

    def table(self) -> str:
        lines = [
            f"| Checker (corpus: {self.mutations} mutations, {len(self.cases)} cases, "
            f"{self.date}) | Caught | Rate |",
            "|---|---|---|",
        ]
        for checker in CHECKERS:
            lines.append(
                f"| {checker} | {self.caught(checker)}/{len(self.cases)} "
                f"| {self.rate(checker):.0%} |"
            )
        return "\n".join(lines)


def _lint(path: str) -> list[dict[str, Any]]:
    from gate.lint import run_cfn_lint

    return [asdict(f) for f in run_cfn_lint(Path(path))]


def _signature(finding: dict[str, Any]) -> str:
    return f"{finding['rule_id']} {finding['path']} {finding['message']}"


def _custom_rule_ids() -> set[str]:
    from cfnlint.rules import Rules

    return set(Rules.create_from_directory(str(ROOT / "cfn_rules")).keys())


def _checker_views(
    lint: list[dict[str, Any]], checkov: Iterable[dict[str, Any]], custom: set[str]
) -> dict[str, set[str]]:
    """The findings each of the three checkers reports, as comparable signatures."""
    default = {
        _signature(f)
        for f in lint
        if f["rule_id"] not in custom and not f["rule_id"].startswith("I")
    }
    ck = {_signature(f) for f in checkov}
    return {
        "cfn-lint": default,
        "cfn-lint + checkov": default | ck,
        "project gate": {_signature(f) for f in lint} | ck,
    }


def compare(*, use_checkov: bool = True, workers: int | None = None) -> Comparison:
    """Build the corpus, run the checkers, and count what each catches."""
    from templates import build_template
    from tests.support.mutations import MUTATIONS

    started = time.perf_counter()
    custom = _custom_rule_ids()
    CACHE.mkdir(parents=True, exist_ok=True)
    fingerprint = _fingerprint(use_checkov)
    texts: dict[tuple[str, str], str] = {}
    for profile in PROFILES:
        base = json.loads(build_template(profile).to_json())
        texts[("base", profile)] = json.dumps(base, indent=1, sort_keys=True)
        for m in MUTATIONS:
            if profile in m.profiles:
                texts[(m.name, profile)] = json.dumps(m.mutate(base), indent=1, sort_keys=True)
    keys = {k: hashlib.sha256((fingerprint + t).encode()).hexdigest() for k, t in texts.items()}
    # One computation at a time (pytest -n 2 may start two); the second then reads the cache.
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        linted, checkov_found, notes = _run_uncached(
            texts, keys, use_checkov, workers or os.cpu_count() or 2
        )
    views = {k: _checker_views(linted[k], checkov_found[k], custom) for k in texts}
    cases = []
    for m in MUTATIONS:
        for profile in m.profiles:
            case = Case(m.name, profile, m.aws_error)
            for g in CHECKERS:
                new = views[(m.name, profile)][g] - views[("base", profile)][g]
                case.caught[g] = sorted({s.split(" ", 1)[0] for s in new})
            cases.append(case)
    base_findings = {p: {g: sorted(views[("base", p)][g]) for g in CHECKERS} for p in PROFILES}
    return Comparison(
        date=datetime.now(UTC).strftime("%Y-%m-%d"),
        mutations=len(MUTATIONS),
        cases=cases,
        base_findings=base_findings,
        notes=notes,
        seconds=time.perf_counter() - started,
    )


def _run_uncached(
    texts: dict[tuple[str, str], str],
    keys: dict[tuple[str, str], str],
    use_checkov: bool,
    workers: int,
) -> tuple[dict[Any, list[dict[str, Any]]], dict[Any, list[dict[str, Any]]], list[str]]:
    """cfn-lint and checkov findings per case, from the cache or from fresh runs."""
    from gate.checkov import CheckovRun

    linted: dict[Any, list[dict[str, Any]]] = {}
    checked: dict[Any, list[dict[str, Any]]] = {}
    for k in texts:
        lint_file, ck_file = CACHE / f"{keys[k]}.lint.json", CACHE / f"{keys[k]}.checkov.json"
        if lint_file.exists():
            linted[k] = json.loads(lint_file.read_text())
        if ck_file.exists() or not use_checkov:
            checked[k] = json.loads(ck_file.read_text()) if use_checkov else []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gate-corpus-") as tmp:
        paths = {}
        for k, text in texts.items():
            if k not in linted or k not in checked:
                paths[k] = Path(tmp) / f"{k[0]}-{k[1]}.json"
                paths[k].write_text(text)
        to_check = [paths[k] for k in paths if k not in checked]
        with CheckovRun(to_check) as checkov:
            to_lint = [k for k in paths if k not in linted]
            with ProcessPoolExecutor(max_workers=workers) as pool:
                results = pool.map(_lint, [str(paths[k]) for k in to_lint])
                for k, found in zip(to_lint, results, strict=True):
                    linted[k] = found
                    (CACHE / f"{keys[k]}.lint.json").write_text(json.dumps(found))
            checkov_found, notes = checkov.results()
        for k in paths:
            if k not in checked:
                checked[k] = [asdict(f) for f in checkov_found.get(str(paths[k]), [])]
                if not notes:
                    (CACHE / f"{keys[k]}.checkov.json").write_text(json.dumps(checked[k]))
    return linted, checked, notes


def _fingerprint(use_checkov: bool) -> str:
    """What the findings depend on besides the template: rules, gate code, tool installs."""
    import cfnlint

    from gate.checkov import checkov_bin

    digest = hashlib.sha256()
    for path in [*sorted((ROOT / "cfn_rules").glob("*.py")), *sorted((ROOT / "gate").glob("*.py"))]:
        digest.update(path.read_bytes())
    digest.update(str(getattr(cfnlint, "__version__", "?")).encode())
    binary = checkov_bin() if use_checkov else None
    if binary is not None:
        digest.update(f"{binary}:{binary.stat().st_mtime_ns}".encode())
    digest.update(str(use_checkov).encode())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--no-checkov", action="store_true", help="leave checkov out")
    parser.add_argument(
        "--workers", type=int, default=0, help="cfn-lint processes (0: one per CPU)"
    )
    args = parser.parse_args(argv)
    result = compare(use_checkov=not args.no_checkov, workers=args.workers or None)
    if args.json:
        payload = asdict(result)
        payload["summary"] = {
            g: {"caught": result.caught(g), "rate": result.rate(g)} for g in CHECKERS
        }
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for case in result.cases:
        marks = " ".join(f"{g}={','.join(case.caught[g]) or '-'}" for g in CHECKERS)
        print(f"{case.mutation} [{case.profile}]: {marks}", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(result.table())
    print(
        f"\nMeasured by bench/gate_compare.py in {result.seconds:.0f} s: each case is one "
        "mutation applied to one profile's generated template; caught = a finding absent "
        "from the unmutated template."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
