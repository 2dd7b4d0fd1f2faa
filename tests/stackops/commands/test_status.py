"""stackops.commands.status: what status reports and how it exits."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from stackops.commands import status
from tests.support.stubbed import STACK, session_for


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
