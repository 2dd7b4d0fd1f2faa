"""Where the repository's files are, for tests that read them or run the tools as a user does."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# The custom rules' good and bad fixtures, one directory per rule ID.
RULE_FIXTURES = ROOT / "tests" / "cfn_rules" / "fixtures"
