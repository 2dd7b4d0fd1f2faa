"""stackops.commands.status: what status reports and how it exits."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from stackops.commands import status
from tests.support.stubbed import (
    STACK,
    STACK_ID,
    newest_first,
    session_for,
    stack_desc,
    stack_event,
)


@pytest.mark.parametrize(
    ("stack_status", "operation"),
    [("UPDATE_ROLLBACK_FAILED", "update"), ("DELETE_FAILED", "delete"),
     ("IMPORT_COMPLETE", "update"), ("ROLLBACK_COMPLETE", "create")],
)  # fmt: skip
def test_the_operation_is_read_from_the_status(stack_status: str, operation: str) -> None:
    assert status.operation_of(stack_status) == operation


def test_a_missing_stack_exits_1(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist"
        )
        result = status.run(session, STACK)
    assert (result.status, result.exit_code) == ("DOES_NOT_EXIST", 1)


@pytest.mark.parametrize(
    ("stack_status", "next_line"),
    [
        ("UPDATE_FAILED", "next: `python deploy.py rollback --stack-name edu`"),
        ("CREATE_FAILED", "next: `python deploy.py rollback --stack-name edu`"),
        ("DELETE_FAILED", "next: `python deploy.py delete --stack-name edu --force`"),
        ("UPDATE_ROLLBACK_FAILED", "next: `python deploy.py rollback --stack-name edu`"),
        ("UPDATE_IN_PROGRESS", "next: none: it settles by itself"),
        ("UPDATE_COMPLETE", None),
    ],
)
def test_status_prints_the_next_action_for_the_current_state(
    cfn: Any, stack_status: str, next_line: str | None
) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc(stack_status), {"StackName": STACK})
        stub.add_response(
            "describe_stack_events",
            newest_first(stack_event(1, stack_status)),
            {"StackName": STACK_ID},
        )
        result = status.run(session, STACK)
    found = [line for line in result.details if line.startswith("next: ")]
    if next_line is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(next_line)
