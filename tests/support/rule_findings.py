"""What each custom rule reports on each of its fixtures: the snapshot and how it is made.

The snapshot (tests/cfn_rules/findings.json) pins every finding's rule, line, severity (as the
gate decides it: blocker, warning or policy) and message, so a changed message or severity, a lost
finding or a new one fails a test; `make golden` writes it anew on purpose.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.paths import RULE_FIXTURES
from tests.support.rules import decode, load, module_of_rule
from tests.support.severities import run

SNAPSHOT = RULE_FIXTURES.parent / "findings.json"


def fixture_files() -> list[Path]:
    return sorted(p for p in RULE_FIXTURES.rglob("*") if p.suffix in (".yaml", ".json"))


def name_of(path: Path) -> str:
    return path.relative_to(RULE_FIXTURES).as_posix()


def findings_of(path: Path) -> list[list[str | int]]:
    """Sorted [rule, line, severity, message] of the custom rules a fixture is for (all, for
    robustness)."""
    folder = path.parent.name
    rules = load() if folder == "robustness" else load(module_of_rule()[folder])
    found = run(rules, decode(path.read_text(encoding="utf-8")))
    custom: list[list[str | int]] = [
        [rid, line, severity, msg] for rid, line, severity, msg in found if rid[:2] in ("E9", "W9")
    ]
    return sorted(custom, key=json.dumps)


def current() -> dict[str, list[list[str | int]]]:
    """Fixture (path under the fixtures folder) -> its findings."""
    return {name_of(path): findings_of(path) for path in fixture_files()}


def stored() -> dict[str, list[list[str | int]]]:
    data: dict[str, list[list[str | int]]] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return data


def write() -> Path:
    SNAPSHOT.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return SNAPSHOT
