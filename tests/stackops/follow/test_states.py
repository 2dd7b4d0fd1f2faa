"""stackops.follow.states: what deploy does for each state a stack can be in."""

from __future__ import annotations

import pytest

from stackops.follow.states import Next, classify, continue_rollback_command


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
