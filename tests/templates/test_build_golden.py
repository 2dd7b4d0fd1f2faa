"""Each profile's template equals its golden file; `make golden` regenerates them on purpose."""

from __future__ import annotations

import json
from typing import Any

from tests.support.paths import ROOT

GOLDEN = ROOT / "tests" / "golden"
SHOWN = 20


def _differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}/{key}"
            if key not in actual:
                out.append(f"{where}: missing (golden has it)")
            elif key not in expected:
                out.append(f"{where}: new (not in golden)")
            else:
                out += _differences(expected[key], actual[key], where)
        return out
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [
            d
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for d in _differences(e, a, f"{path}/{i}")
        ]
    if expected != actual:
        return [f"{path}: golden {json.dumps(expected)[:120]} != now {json.dumps(actual)[:120]}"]
    return []


def test_template_matches_its_golden_file(template: dict[str, Any], profile: str) -> None:
    golden_path = GOLDEN / f"{profile}.json"
    assert golden_path.exists(), f"{golden_path} is missing: run `make golden`"
    diffs = _differences(json.loads(golden_path.read_text()), template)
    assert not diffs, (
        f"{len(diffs)} difference(s) from {golden_path.name}; if intended, run `make golden` "
        "and review the diff:\n  " + "\n  ".join(diffs[:SHOWN])
    )
