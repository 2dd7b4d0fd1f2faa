"""stackops.commands.deploy: which changes --no-rollback refuses (any replacement, even a
Conditional one); the refusal itself runs end to end in tests/e2e/test_cli_drift.py."""

from __future__ import annotations

from stackops.commands.deploy import replaced
from stackops.review import ChangeRow, rows
from tests.support.changesets import property_detail, resource_change, stubbed_changes


def row(logical_id: str, replacement: str | None, action: str = "Modify") -> ChangeRow:
    return ChangeRow(action, logical_id, "AWS::SNS::Topic", replacement, ())


def test_true_and_conditional_replacements_are_refused() -> None:
    change_rows = [
        row("Renamed", "True"),
        row("Maybe", "Conditional"),
        row("InPlace", "False"),
        row("New", None, action="Add"),
    ]
    assert [r.logical_id for r in replaced(change_rows)] == ["Renamed", "Maybe"]


def test_in_place_changes_pass() -> None:
    assert replaced([row("InPlace", "False"), row("Gone", None, action="Remove")]) == []


def test_rows_from_a_real_change_set_shape() -> None:
    changes = stubbed_changes(
        [
            resource_change(
                "Topic",
                "AWS::SNS::Topic",
                Replacement="Conditional",
                Details=[property_detail("TopicName", "Conditionally")],
            ),
            resource_change("Queue", "AWS::SQS::Queue", Replacement="False"),
        ]
    )
    assert [r.logical_id for r in replaced(rows(changes))] == ["Topic"]
