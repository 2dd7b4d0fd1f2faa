"""gate.output: the text lines and the JSON object of a report."""

from __future__ import annotations

import io
from pathlib import Path

from gate.findings import Finding, GateReport
from gate.output import render_json, render_text

REPORT = GateReport(
    [
        Finding("blocker", "E9101", "Db", "Resources/Db", "No secret.", "create it"),
        Finding("policy", "CKV_AWS_1", None, None, "checkov: failed 'x'.", "fix x"),
    ],
    ["checkov not installed: skipped"],
)


def test_text_is_findings_then_notes_then_counts() -> None:
    stream = io.StringIO()
    render_text(REPORT, stream)
    assert stream.getvalue().splitlines() == [
        "BLOCKER E9101 Db Resources/Db: No secret. Fix: create it",
        "POLICY CKV_AWS_1 - -: checkov: failed 'x'. Fix: fix x",
        "note: checkov not installed: skipped",
        "1 blocker(s), 0 warning(s), 1 policy finding(s)",
    ]


def test_text_of_an_empty_report_is_the_counts() -> None:
    stream = io.StringIO()
    render_text(GateReport(), stream)
    assert stream.getvalue() == "0 blocker(s), 0 warning(s), 0 policy finding(s)\n"


def test_json_keys_and_counts() -> None:
    payload = render_json(REPORT, Path("t.json"))
    assert payload == {
        "template": "t.json",
        "ok": False,
        "blockers": 1,
        "warnings": 0,
        "policies": 1,
        "findings": [
            {
                "severity": "blocker",
                "rule_id": "E9101",
                "logical_id": "Db",
                "path": "Resources/Db",
                "message": "No secret.",
                "fix": "create it",
            },
            {
                "severity": "policy",
                "rule_id": "CKV_AWS_1",
                "logical_id": None,
                "path": None,
                "message": "checkov: failed 'x'.",
                "fix": "fix x",
            },
        ],
        "notes": ["checkov not installed: skipped"],
    }


def test_json_of_an_empty_report_is_ok() -> None:
    assert render_json(GateReport(), Path("t.json"))["ok"] is True
