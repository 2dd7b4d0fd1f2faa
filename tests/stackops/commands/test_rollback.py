"""stackops.commands.rollback: RollbackStack from CREATE_FAILED/UPDATE_FAILED, a continued
rollback from UPDATE_ROLLBACK_FAILED, one line for any other state.

botocore's Stubber throughout: moto 5.2.5 has neither RollbackStack nor ContinueUpdateRollback
(tests/e2e/test_cli_recovery.py runs the CLI on moto's server with both stood in for)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from stackops.commands import rollback
from stackops.errors import BadInput, NeedsHuman, Refused
from tests.support.stubbed import (
    FAILED_RESOURCE,
    STACK,
    STACK_ID,
    event,
    newest_first,
    session_for,
    stack_desc,
    stack_event,
)


def before_call(stub: Stubber, start: str) -> None:
    """The events the cursor reads before the operation starts."""
    stub.add_response(
        "describe_stack_events", newest_first(stack_event(1, start)), {"StackName": STACK_ID}
    )


def settled(stub: Stubber, start: str, after: list[dict[str, Any]], end: str) -> None:
    events = newest_first(stack_event(1, start), *after)
    stub.add_response("describe_stack_events", events, {"StackName": STACK_ID})
    stub.add_response("describe_stacks", stack_desc(end), {"StackName": STACK_ID})
    stub.add_response("describe_stack_events", events, {"StackName": STACK_ID})


@pytest.mark.parametrize(
    ("start", "end"),
    [("UPDATE_FAILED", "UPDATE_ROLLBACK_COMPLETE"), ("CREATE_FAILED", "ROLLBACK_COMPLETE")],
)
def test_a_failed_stack_is_rolled_back_and_followed(cfn: Any, start: str, end: str) -> None:
    session, err = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc(start), {"StackName": STACK})
        before_call(stub, start)
        stub.add_response("rollback_stack", {"StackId": STACK_ID},
                          {"StackName": STACK_ID, "ClientRequestToken": ANY})  # fmt: skip
        settled(stub, start, [stack_event(2, end.replace("COMPLETE", "IN_PROGRESS")),
                              stack_event(3, end)], end)  # fmt: skip
        result = rollback.run(session, STACK)
        stub.assert_no_pending_responses()
    assert (result.status, result.exit_code, result.operation) == (end, 0, "rollback")
    assert result.root_cause is None
    assert f"Stack edu is {start}: rolling it back" in err.getvalue()
    if end == "UPDATE_ROLLBACK_COMPLETE":
        assert result.details == []  # a stack deploy updates as it is
    else:
        assert result.details[0].startswith("next: `python deploy.py deploy --stack-name edu")


def test_a_rollback_that_fails_exits_1_with_its_root_cause_and_the_next_step(cfn: Any) -> None:
    session, _ = session_for(cfn)
    failed = event(3, "Db", "UPDATE_FAILED", "DB instance is not in available state",
                   rtype="AWS::RDS::DBInstance")  # fmt: skip
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc("UPDATE_FAILED"), {"StackName": STACK})
        before_call(stub, "UPDATE_FAILED")
        stub.add_response("rollback_stack", {}, {"StackName": STACK_ID, "ClientRequestToken": ANY})
        settled(stub, "UPDATE_FAILED", [stack_event(2, "UPDATE_ROLLBACK_IN_PROGRESS"), failed,
                stack_event(4, "UPDATE_ROLLBACK_FAILED")], "UPDATE_ROLLBACK_FAILED")  # fmt: skip
        result = rollback.run(session, STACK)
    assert (result.status, result.exit_code) == ("UPDATE_ROLLBACK_FAILED", 1)
    assert [c.logical_id for c in result.root_cause or []] == ["Db"]
    assert result.details == [
        "next: `python deploy.py rollback --stack-name edu` (continues the rollback; add "
        "`--skip-resource ID` for a resource that cannot be fixed)"
    ]


def test_update_rollback_failed_is_continued_skipping_the_named_resource(cfn: Any) -> None:
    session, err = session_for(cfn)
    with Stubber(cfn) as stub:
        start = "UPDATE_ROLLBACK_FAILED"
        stub.add_response("describe_stacks", stack_desc(start), {"StackName": STACK})
        stub.add_response("list_stack_resources", FAILED_RESOURCE, {"StackName": STACK_ID})
        before_call(stub, start)
        stub.add_response(
            "continue_update_rollback", {},
            {"StackName": STACK_ID, "ClientRequestToken": ANY, "ResourcesToSkip": ["Db"]},
        )  # fmt: skip
        settled(stub, start, [stack_event(2, "UPDATE_ROLLBACK_COMPLETE")],
                "UPDATE_ROLLBACK_COMPLETE")  # fmt: skip
        result = rollback.run(session, STACK, skip=("Db",), allow=("Db",))
        stub.assert_no_pending_responses()
    assert (result.status, result.exit_code) == ("UPDATE_ROLLBACK_COMPLETE", 0)
    assert "continuing the rollback" in err.getvalue()


def test_skipping_a_database_without_allowing_it_is_refused_before_any_call(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        status = stack_desc("UPDATE_ROLLBACK_FAILED")
        stub.add_response("describe_stacks", status, {"StackName": STACK})
        stub.add_response("list_stack_resources", FAILED_RESOURCE, {"StackName": STACK_ID})
        with pytest.raises(Refused) as caught:
            rollback.run(session, STACK, skip=("Db",))
        stub.assert_no_pending_responses()
    assert caught.value.exit_code == 3
    assert "--allow-replacement Db" in caught.value.message


@pytest.mark.parametrize(
    ("status", "fits"),
    [
        ("UPDATE_COMPLETE", "none needed"),
        ("DELETE_FAILED", "`python deploy.py delete --stack-name edu --force`"),
        ("ROLLBACK_COMPLETE", "`python deploy.py deploy --stack-name edu --template FILE`"),
        ("UPDATE_IN_PROGRESS", "`python deploy.py status --stack-name edu`"),
    ],
)
def test_any_other_state_is_exit_5_naming_the_command_that_fits(
    cfn: Any, status: str, fits: str
) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc(status), {"StackName": STACK})
        with pytest.raises(NeedsHuman) as caught:
            rollback.run(session, STACK)
        stub.assert_no_pending_responses()
    assert caught.value.exit_code == 5
    assert f"stack edu is {status}" in caught.value.message and fits in caught.value.message
    assert caught.value.details == []


def test_skip_resource_on_a_stack_rollbackstack_takes_is_bad_input(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc("UPDATE_FAILED"), {"StackName": STACK})
        with pytest.raises(BadInput, match="UPDATE_ROLLBACK_FAILED"):
            rollback.run(session, STACK, skip=("Db",))


def test_a_missing_stack_has_nothing_to_roll_back(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist"
        )
        result = rollback.run(session, STACK)
    assert (result.status, result.exit_code) == ("DOES_NOT_EXIST", 1)
