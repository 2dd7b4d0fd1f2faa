"""gate.findings: a finding's one-line form, the report's two severities, its order."""

from __future__ import annotations

from gate.findings import BLOCKER, POLICY, WARNING, Finding, GateReport, unique


def _finding(severity: str, rule_id: str, logical_id: str | None = "Db") -> Finding:
    return Finding(severity, rule_id, logical_id, "Resources/Db", "What.", "how")


def test_finding_line_has_every_part() -> None:
    finding = Finding("blocker", "E9101", "Db", "Resources/Db", "What.", "how")
    assert finding.line() == "BLOCKER E9101 Db Resources/Db: What. Fix: how"


def test_finding_line_marks_a_missing_resource_and_path() -> None:
    finding = Finding("policy", "I3011", None, None, "What.", "how")
    assert finding.line() == "POLICY I3011 - -: What. Fix: how"


def test_report_splits_blockers_from_policies() -> None:
    report = GateReport([_finding(POLICY, "W1"), _finding(BLOCKER, "E1")])
    assert [f.rule_id for f in report.blockers] == ["E1"]
    assert [f.rule_id for f in report.policies] == ["W1"]


def test_sort_puts_blockers_first_then_resource_then_rule() -> None:
    report = GateReport(
        [
            _finding(POLICY, "W1", "A"),
            _finding(BLOCKER, "E2", "B"),
            _finding(BLOCKER, "E1", "B"),
            _finding(BLOCKER, "E3", None),
        ]
    )
    report.sort()
    assert [f.rule_id for f in report.findings] == ["E3", "E1", "E2", "W1"]


def test_unique_keeps_the_first_of_each_in_order() -> None:
    a, b = _finding(BLOCKER, "E1"), _finding(POLICY, "W1")
    assert unique([a, b, a, b]) == [a, b]


def test_warnings_sit_between_blockers_and_policies() -> None:
    report = GateReport(
        [_finding(POLICY, "W1", "A"), _finding(WARNING, "E9103", "A"), _finding(BLOCKER, "E1", "Z")]
    )
    report.sort()
    assert [f.rule_id for f in report.findings] == ["E1", "E9103", "W1"]
    assert [f.rule_id for f in report.warnings] == ["E9103"]
    assert report.blockers == [report.findings[0]] and report.policies == [report.findings[2]]
