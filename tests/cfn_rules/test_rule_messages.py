"""Each custom rule says exactly what the snapshot says on each fixture: rule, line and message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import rule_findings

FILES = rule_findings.fixture_files()


def test_the_snapshot_covers_every_fixture() -> None:
    assert FILES
    assert sorted(rule_findings.stored()) == sorted(rule_findings.name_of(p) for p in FILES)


def test_every_bad_fixture_has_findings_in_the_snapshot() -> None:
    stored = rule_findings.stored()
    bad = [name for name in stored if name.split("/")[-1].startswith("bad")]
    assert bad
    assert all(stored[name] for name in bad)


@pytest.mark.parametrize("path", FILES, ids=rule_findings.name_of)
def test_findings_match_the_snapshot(path: Path) -> None:
    # A deliberate change of a message or a finding: `make golden`, then review the diff.
    expected = rule_findings.stored().get(rule_findings.name_of(path))
    assert rule_findings.findings_of(path) == expected
