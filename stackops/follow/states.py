"""What `deploy` does for each state a stack can be in (checked before every deploy)."""

from __future__ import annotations

import shlex
from enum import Enum
from typing import Any


class Next(Enum):
    CREATE = "create"  # no stack
    CREATE_OVER_REVIEW = "create-over-review"  # empty REVIEW_IN_PROGRESS stack: remove, create
    RECREATE = "recreate"  # failed first create: holds no data; delete it, create again
    WAIT = "wait"  # an operation is running: follow it, then decide again
    UPDATE = "update"  # a settled stack
    CONTINUE_ROLLBACK = "continue-rollback"  # UPDATE_ROLLBACK_FAILED
    HUMAN = "human"  # DELETE_FAILED and anything we do not dare touch


RECREATE_STATES = frozenset({"ROLLBACK_COMPLETE", "ROLLBACK_FAILED"})
UPDATABLE_STATES = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
    }
)


def classify(stack: dict[str, Any] | None, resource_count: int = 0) -> Next:
    if stack is None:
        return Next.CREATE
    status = str(stack.get("StackStatus", ""))
    if status == "REVIEW_IN_PROGRESS":
        return Next.CREATE_OVER_REVIEW if resource_count == 0 else Next.HUMAN
    if status in RECREATE_STATES:
        return Next.RECREATE
    if status == "UPDATE_ROLLBACK_FAILED":
        return Next.CONTINUE_ROLLBACK
    if status.endswith("_IN_PROGRESS"):
        return Next.WAIT
    if status in UPDATABLE_STATES:
        return Next.UPDATE
    return Next.HUMAN


def failed_resources(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in resources if str(r.get("ResourceStatus", "")).endswith("_FAILED")]


def describe_resource(r: dict[str, Any]) -> str:
    reason = r.get("ResourceStatusReason")
    tail = f": {reason}" if reason else ""
    return (
        f"{r.get('LogicalResourceId', '?')} ({r.get('ResourceType', '?')}) "
        f"{r.get('ResourceStatus', '')}{tail}"
    )


def continue_rollback_command(stack: str, region: str, skip: list[str] | None = None) -> str:
    parts = [
        "aws",
        "cloudformation",
        "continue-update-rollback",
        "--stack-name",
        stack,
        "--region",
        region,
    ]
    if skip:
        parts += ["--resources-to-skip", *skip]
    return shlex.join(parts)
