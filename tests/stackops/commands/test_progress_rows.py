"""stackops.commands.deploy: the live board expects only the top stack's resources; a nested
stack's rows (path IDs such as Data/Db) get no events of the top stack and would stay pending."""

from __future__ import annotations

from stackops.commands.deploy import top_stack_rows
from stackops.review import ChangeRow


def row(logical_id: str, rtype: str) -> ChangeRow:
    return ChangeRow("Modify", logical_id, rtype, "False", ())


def test_nested_rows_are_left_out_and_the_nested_stack_itself_stays() -> None:
    change_rows = [
        row("Topic", "AWS::SNS::Topic"),
        row("Data", "AWS::CloudFormation::Stack"),
        row("Data/Db", "AWS::RDS::DBInstance"),
        row("Data/Inner/Key", "AWS::KMS::Key"),
    ]
    assert [r.logical_id for r in top_stack_rows(change_rows)] == ["Topic", "Data"]


def test_a_stack_without_nested_rows_keeps_them_all() -> None:
    change_rows = [row("A", "AWS::SNS::Topic"), row("B", "AWS::SQS::Queue")]
    assert top_stack_rows(change_rows) == change_rows
