"""stackops.commands.execute_kept: what makes a kept change set stale, its review fingerprint; and
what a rollback trigger's monitoring period means for following and for the root cause."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from clikit import exitcodes
from stackops import rootcause
from stackops.aws.events import EventCursor
from stackops.commands import execute_kept
from stackops.errors import NeedsHuman
from stackops.follow.operation import follow
from stackops.follow.polling import Poll
from stackops.follow.progress import PlainView
from stackops.inputs import Inputs
from stackops.request import Request
from tests.support.stubbed import (
    CS_ARN,
    STACK,
    STACK_ID,
    T0,
    event,
    newest_first,
    session_for,
    stack_desc,
    stack_event,
)

ALARM = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:edu-5xx"
MADE = T0 + timedelta(minutes=5)


def kept(**extra: Any) -> dict[str, Any]:
    return {
        "ChangeSetName": "cs1",
        "ChangeSetId": CS_ARN,
        "StackId": STACK_ID,
        "StackName": STACK,
        "CreationTime": MADE,
        "ExecutionStatus": "AVAILABLE",
        "Status": "CREATE_COMPLETE",
        "Changes": [],
        **extra,
    }


def stack(status: str = "UPDATE_COMPLETE", **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = stack_desc(status, **extra)["Stacks"][0]
    return found


BEFORE = [stack_event(1, "UPDATE_COMPLETE")]  # T0 + 1 s: before the change set


def test_a_change_set_on_an_unmoved_stack_is_fresh() -> None:
    execute_kept.check_fresh(kept(), stack(LastUpdatedTime=T0), BEFORE)


@pytest.mark.parametrize(
    ("status", "why"),
    [
        ("OBSOLETE", "the stack was updated after it was made"),
        ("EXECUTE_COMPLETE", "it was already executed"),
        ("UNAVAILABLE", "CloudFormation cannot execute it"),
    ],
)
def test_a_change_set_cloudformation_no_longer_offers_needs_a_human(status: str, why: str) -> None:
    with pytest.raises(NeedsHuman) as raised:
        execute_kept.check_fresh(kept(ExecutionStatus=status), stack(), BEFORE)
    assert raised.value.exit_code == exitcodes.NEEDS_HUMAN == 5
    assert raised.value.message.startswith(f"change set {CS_ARN} is {status}: {why}")


def test_a_stack_updated_after_the_change_set_needs_a_human() -> None:
    later = MADE + timedelta(seconds=30)
    with pytest.raises(NeedsHuman, match=r"was updated at .*, after change set .* was made"):
        execute_kept.check_fresh(kept(), stack(LastUpdatedTime=later), BEFORE)


def test_an_event_newer_than_the_change_set_needs_a_human() -> None:
    newer = event(400, "Topic", "UPDATE_COMPLETE")  # T0 + 400 s, after MADE
    with pytest.raises(NeedsHuman, match="has an event newer than change set") as raised:
        execute_kept.check_fresh(kept(), stack(), [newer, *BEFORE])
    assert "Topic UPDATE_COMPLETE" in raised.value.message


def test_the_review_stack_of_a_create_change_set_is_not_a_newer_event() -> None:
    review = stack_event(400, "REVIEW_IN_PROGRESS", "User Initiated")
    execute_kept.check_fresh(kept(), stack("REVIEW_IN_PROGRESS"), [review])


@pytest.mark.parametrize("status", ["UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS"])
def test_a_stack_in_an_operation_needs_a_human(status: str) -> None:
    with pytest.raises(NeedsHuman, match=f"is {status}"):
        execute_kept.check_fresh(kept(), stack(status), BEFORE)


def test_a_failed_change_set_or_a_replaced_stack_needs_a_human() -> None:
    with pytest.raises(NeedsHuman, match=r"is FAILED .*: nothing to execute"):
        execute_kept.check_fresh(kept(Status="FAILED", StatusReason="no changes"), stack(), [])
    other = stack(StackId=STACK_ID.replace("1111", "9999"))
    with pytest.raises(NeedsHuman, match="was made for is gone"):
        execute_kept.check_fresh(kept(), other, [])
    with pytest.raises(NeedsHuman, match="was made for is gone"):
        execute_kept.check_fresh(kept(), None, [])
    with pytest.raises(NeedsHuman, match="was made for is gone"):
        execute_kept.check_fresh(kept(), stack("DELETE_COMPLETE"), [])


def test_the_fingerprint_holds_while_nothing_moves_and_changes_when_something_does() -> None:
    first = execute_kept.review_basis(kept(), stack(LastUpdatedTime=T0))
    assert first == execute_kept.review_basis(kept(), stack(LastUpdatedTime=T0))
    assert first["stack_last_updated"] == T0.isoformat()
    # ExecutionStatus moves by itself (AVAILABLE -> EXECUTE_IN_PROGRESS): not part of a review.
    assert first == execute_kept.review_basis(
        kept(ExecutionStatus="EXECUTE_IN_PROGRESS"), stack(LastUpdatedTime=T0)
    )
    moved = stack(LastUpdatedTime=MADE + timedelta(seconds=1))
    changed = kept(Changes=[{"Type": "Resource", "ResourceChange": {"Action": "Add"}}])
    assert (
        execute_kept.review_basis(kept(), moved)["review_fingerprint"]
        != first["review_fingerprint"]
    )
    assert (
        execute_kept.review_basis(changed, stack(LastUpdatedTime=T0))["review_fingerprint"]
        != first["review_fingerprint"]
    )


def request() -> Request:
    return Request(STACK, {}, Inputs({}, {}), yes=True, change_set_arn=CS_ARN)


def test_an_obsolete_change_set_is_never_executed(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_change_set", kept(ExecutionStatus="OBSOLETE"), {"ChangeSetName": CS_ARN}
        )
        stub.add_response("describe_stacks", stack_desc("UPDATE_COMPLETE"), {"StackName": STACK_ID})
        stub.add_response("describe_stack_events", newest_first(*BEFORE), {"StackName": STACK_ID})
        with pytest.raises(NeedsHuman, match="is OBSOLETE"):
            execute_kept.run(session, request())
        stub.assert_no_pending_responses()  # and no ExecuteChangeSet was stubbed


def test_a_deleted_change_set_is_named_gone(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "describe_change_set", "ChangeSetNotFound", f"ChangeSet [{CS_ARN}] does not exist"
        )
        with pytest.raises(NeedsHuman, match=r"is gone \(ChangeSetNotFound\)"):
            execute_kept.run(session, request())


def test_following_lasts_through_a_monitoring_period_longer_than_any_poll_limit(cfn: Any) -> None:
    # With rollback triggers the stack stays UPDATE_IN_PROGRESS for the whole monitoring period
    # after its resources are done; following must neither time out nor stop early.
    now = [0.0]
    view = PlainView(io.StringIO(), heartbeat=30, clock=lambda: now[0])
    poll = Poll(minimum=5.0, maximum=20.0, heartbeat=30.0)
    quiet = newest_first(stack_event(1, "UPDATE_IN_PROGRESS"))
    polls = 60  # at 20 s apiece: 20 minutes in progress
    with Stubber(cfn) as stub:
        for status in ["UPDATE_IN_PROGRESS"] * polls + ["UPDATE_COMPLETE"]:
            stub.add_response("describe_stack_events", quiet, {"StackName": STACK_ID})
            stub.add_response("describe_stacks", stack_desc(status), {"StackName": STACK_ID})
        stub.add_response("describe_stack_events", quiet, {"StackName": STACK_ID})

        def sleep(seconds: float) -> None:
            now[0] += seconds

        cursor = EventCursor(cfn, STACK_ID, last_id="e1-edu")
        done = follow(cfn, STACK_ID, cursor, view, poll, sleep=sleep, clock=lambda: now[0])
        stub.assert_no_pending_responses()
    assert done.status == "UPDATE_COMPLETE"
    assert now[0] >= 15 * 60


def test_a_rollback_an_alarm_triggered_has_the_alarm_as_root_cause() -> None:
    reason = f"The following rollback trigger(s) entered ALARM state: [{ALARM}]"
    events = [
        stack_event(1, "UPDATE_IN_PROGRESS", "User Initiated"),
        event(2, "Topic", "UPDATE_IN_PROGRESS"),
        event(3, "Topic", "UPDATE_COMPLETE"),
        stack_event(400, "UPDATE_ROLLBACK_IN_PROGRESS", reason),
        event(401, "Topic", "UPDATE_IN_PROGRESS"),
        event(402, "Topic", "UPDATE_COMPLETE"),
        stack_event(403, "UPDATE_ROLLBACK_COMPLETE"),
    ]
    causes = rootcause.find(None, events)
    assert [(c.logical_id, c.type, c.reason) for c in causes] == [
        (STACK, "AWS::CloudFormation::Stack", reason)
    ]


def test_a_resource_failure_still_comes_before_the_rollback_reason() -> None:
    events = [
        stack_event(1, "UPDATE_IN_PROGRESS", "User Initiated"),
        event(2, "Topic", "UPDATE_FAILED", "Access denied"),
        stack_event(3, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed: [Topic]"),
    ]
    assert [c.reason for c in rootcause.find(None, events)] == ["Access denied"]
