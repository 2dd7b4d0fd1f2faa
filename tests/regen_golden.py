#!/usr/bin/env python3
"""Regenerates the golden templates and the rule-findings snapshot on purpose (`make golden`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"


def main(argv: Sequence[str] | None = None) -> int:
    from templates import PROFILES, build_template

    GOLDEN.mkdir(exist_ok=True)
    for profile in PROFILES:
        text = json.dumps(build_template(profile).to_dict(), sort_keys=True, indent=2) + "\n"
        path = GOLDEN / f"{profile}.json"
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
    from tests.support import rule_findings

    print(f"wrote {rule_findings.write().relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
