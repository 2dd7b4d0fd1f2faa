"""stackops.follow.states: what deploy does for each state a stack can be in."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from stackops.follow.states import (
    NONE_NEEDED,
    ROLLBACK_STATES,
    TABLE,
    Next,
    classify,
    continue_rollback_command,
    next_action,
    next_lines,
)


@pytest.mark.parametrize(
    ("status", "resources", "expected"),
    [
        ("REVIEW_IN_PROGRESS", 0, Next.CREATE_OVER_REVIEW),
        ("REVIEW_IN_PROGRESS", 2, Next.HUMAN),
        ("ROLLBACK_COMPLETE", 0, Next.RECREATE),
        ("UPDATE_ROLLBACK_FAILED", 0, Next.CONTINUE_ROLLBACK),
        ("UPDATE_IN_PROGRESS", 0, Next.WAIT),
        ("UPDATE_ROLLBACK_COMPLETE", 0, Next.UPDATE),
        ("DELETE_FAILED", 0, Next.HUMAN),
    ],
)
def test_each_state_has_its_next_step(status: str, resources: int, expected: Next) -> None:
    assert classify({"StackStatus": status}, resources) is expected


def test_no_stack_is_a_create() -> None:
    assert classify(None) is Next.CREATE


def test_continue_rollback_command_names_the_resources_to_skip() -> None:
    command = continue_rollback_command("edu", "eu-west-1", ["Db"])
    assert command.endswith("--region eu-west-1 --resources-to-skip Db")


# -- the table of all states: botocore's enum, the expected action, docs/deploy.md ----------

DOCS = Path(__file__).resolve().parents[3] / "docs" / "deploy.md"


def botocore_states() -> list[str]:
    model = boto3.client("cloudformation", region_name="us-east-1").meta.service_model
    return list(model.shape_for("StackStatus").enum)


# What each state must lead to: the step deploy takes, and a command that recovers it (None
# where the stack needs nothing). Written out here, apart from the table, so that a changed row
# is a failing test and not a silent change of behaviour.
EXPECTED: dict[str, tuple[Next, str | None]] = {
    "CREATE_IN_PROGRESS": (Next.WAIT, "deploy.py status --stack-name edu"),
    "CREATE_FAILED": (Next.HUMAN, "deploy.py rollback --stack-name edu"),
    "CREATE_COMPLETE": (Next.UPDATE, None),
    "ROLLBACK_IN_PROGRESS": (Next.WAIT, "deploy.py status --stack-name edu"),
    "ROLLBACK_FAILED": (Next.RECREATE, "deploy.py deploy --stack-name edu"),
    "ROLLBACK_COMPLETE": (Next.RECREATE, "deploy.py deploy --stack-name edu"),
    "DELETE_IN_PROGRESS": (Next.WAIT, "deploy.py status --stack-name edu"),
    "DELETE_FAILED": (Next.HUMAN, "deploy.py delete --stack-name edu --force"),
    "DELETE_COMPLETE": (Next.CREATE, None),
    "UPDATE_IN_PROGRESS": (Next.WAIT, "deploy.py status --stack-name edu"),
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": (Next.WAIT, "deploy.py status --stack-name edu"),
    "UPDATE_COMPLETE": (Next.UPDATE, None),
    "UPDATE_FAILED": (Next.HUMAN, "deploy.py rollback --stack-name edu"),
    "UPDATE_ROLLBACK_IN_PROGRESS": (Next.WAIT, "deploy.py status --stack-name edu"),
    "UPDATE_ROLLBACK_FAILED": (Next.CONTINUE_ROLLBACK, "deploy.py rollback --stack-name edu"),
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": (
        Next.WAIT,
        "deploy.py status --stack-name edu",
    ),
    "UPDATE_ROLLBACK_COMPLETE": (Next.UPDATE, None),
    "REVIEW_IN_PROGRESS": (Next.CREATE_OVER_REVIEW, "deploy.py deploy --stack-name edu"),
    "IMPORT_IN_PROGRESS": (Next.WAIT, "deploy.py status --stack-name edu"),
    "IMPORT_COMPLETE": (Next.UPDATE, None),
    "IMPORT_ROLLBACK_IN_PROGRESS": (Next.WAIT, "deploy.py status --stack-name edu"),
    "IMPORT_ROLLBACK_FAILED": (Next.HUMAN, "deploy.py delete --stack-name edu"),
    "IMPORT_ROLLBACK_COMPLETE": (Next.UPDATE, None),
}


def test_the_table_covers_every_state_botocore_knows() -> None:
    states = botocore_states()
    assert len(states) == len(set(states)) >= 23
    assert sorted(TABLE) == sorted(states)
    assert sorted(EXPECTED) == sorted(states)


@pytest.mark.parametrize("status", botocore_states())
def test_each_state_is_classified_and_has_its_recovery(status: str) -> None:
    step, command = EXPECTED[status]
    assert classify({"StackStatus": status}) is step
    row = TABLE[status]
    assert row.status == status
    assert row.deploy and row.delete and row.recover
    lines = next_lines(status, "edu")
    if command is None:
        assert row.recover == NONE_NEEDED and lines == []
    else:
        assert command in next_action(status, "edu")
        assert lines == [f"next: {next_action(status, 'edu')}"]
        assert "NAME" not in lines[0]


def docs_table() -> dict[str, tuple[str, str, str]]:
    """The rows of the table in docs/deploy.md's "Stack states" section, by state."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("\n## Stack states\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[str, str, str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if line.startswith("| ") and len(cells) == 4 and cells[0].isupper():
            rows[cells[0]] = (cells[1], cells[2], cells[3])
    return rows


def test_the_docs_table_is_the_code_table() -> None:
    documented = docs_table()
    assert list(documented) == list(TABLE)
    for status, row in TABLE.items():
        assert documented[status] == (row.deploy, row.delete, row.recover), status


def test_the_next_action_quotes_an_odd_stack_name() -> None:
    assert "--stack-name 'edu demo'" in next_action("UPDATE_FAILED", "edu demo")


@pytest.mark.parametrize(
    ("status", "expected"), [("NEWER_IN_PROGRESS", Next.WAIT), ("NEWER_FAILED", Next.HUMAN)]
)
def test_a_state_newer_than_the_table_is_waited_for_or_left_to_a_human(
    status: str, expected: Next
) -> None:
    assert classify({"StackStatus": status}) is expected
    assert "not in this tool's table" in next_action(status, "edu")


def test_rollback_starts_only_from_the_states_rollbackstack_accepts() -> None:
    assert {"CREATE_FAILED", "UPDATE_FAILED"} == ROLLBACK_STATES
