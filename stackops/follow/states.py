"""What `deploy`, `delete` and `status` do for each state a stack can be in, and the command that
gets a stack out of it: one table (``TABLE``), read by settle's messages, by `status`, by
`rollback`, and checked against docs/deploy.md and botocore's ``StackStatus`` enum by the tests."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
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


@dataclass(frozen=True)
class State:
    """One row of the table. ``recover`` is what gets the stack out of the state, with NAME
    standing for the stack name; "none needed" when deploy and delete take it as it is."""

    status: str
    next: Next
    deploy: str
    delete: str
    recover: str


NONE_NEEDED = "none needed"
_STATUS = "`python deploy.py status --stack-name NAME`"
_DEPLOY = "`python deploy.py deploy --stack-name NAME --template FILE`"
_DELETE = "`python deploy.py delete --stack-name NAME`"
_ROLLBACK = "`python deploy.py rollback --stack-name NAME`"
_FORCE = "`python deploy.py delete --stack-name NAME --force`"
_UPDATE = "update through an UPDATE change set"
_FOLLOW = "follow it until it settles, then act on the state it settles in"
_WAIT_DELETE = "wait for it to settle, then delete what is left"
_SETTLES = f"none: it settles by itself; follow it with {_STATUS}"
_DELETES = "empty its buckets, delete it, wait"


def _waiting(status: str) -> State:
    return State(status, Next.WAIT, _FOLLOW, _WAIT_DELETE, _SETTLES)


def _settled(status: str) -> State:
    return State(status, Next.UPDATE, _UPDATE, _DELETES, NONE_NEEDED)


def _rolled_on(status: str, then: str) -> State:
    return State(
        status,
        Next.HUMAN,
        f"exit 5, naming the failed resources and {_ROLLBACK}",
        _DELETES,
        f"{_ROLLBACK} (rolls back to {then}), or {_DELETE}",
    )


def _failed_create(status: str) -> State:
    return State(
        status,
        Next.RECREATE,
        "it holds no data (a failed first create): delete it, say so, create again",
        _DELETES,
        f"{_DEPLOY} (deletes it and creates it again), or {_DELETE}",
    )


_ROWS = (
    _waiting("CREATE_IN_PROGRESS"),
    _rolled_on("CREATE_FAILED", "ROLLBACK_COMPLETE"),
    _settled("CREATE_COMPLETE"),
    _waiting("ROLLBACK_IN_PROGRESS"),
    _failed_create("ROLLBACK_FAILED"),
    _failed_create("ROLLBACK_COMPLETE"),
    _waiting("DELETE_IN_PROGRESS"),
    State(
        "DELETE_FAILED",
        Next.HUMAN,
        f"exit 5, naming what could not be deleted and {_FORCE}",
        "delete again, buckets emptied again; with `--force`, list what failed to delete, ask, "
        "then delete the stack and leave those behind",
        f"{_FORCE} (leaves the failed resources behind), or fix them and {_DELETE}",
    ),
    State(
        "DELETE_COMPLETE",
        Next.CREATE,
        "create through a CREATE change set (the name is free again)",
        "nothing to delete (exit 0)",
        NONE_NEEDED,
    ),
    _waiting("UPDATE_IN_PROGRESS"),
    _waiting("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
    _settled("UPDATE_COMPLETE"),
    _rolled_on("UPDATE_FAILED", "UPDATE_ROLLBACK_COMPLETE"),
    _waiting("UPDATE_ROLLBACK_IN_PROGRESS"),
    State(
        "UPDATE_ROLLBACK_FAILED",
        Next.CONTINUE_ROLLBACK,
        "exit 5, naming the blocking resources; with `--continue-rollback` (or "
        "`--skip-resource ID`) continue the rollback, wait, then update",
        _DELETES,
        f"{_ROLLBACK} (continues the rollback; add `--skip-resource ID` for a resource that "
        "cannot be fixed)",
    ),
    _waiting("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"),
    _settled("UPDATE_ROLLBACK_COMPLETE"),
    State(
        "REVIEW_IN_PROGRESS",
        Next.CREATE_OVER_REVIEW,
        "with no resources: remove it, then create through a CREATE change set; with resources "
        "(an import under review): exit 5",
        "delete it",
        f"{_DEPLOY} when it has no resources, else {_DELETE}",
    ),
    _waiting("IMPORT_IN_PROGRESS"),
    _settled("IMPORT_COMPLETE"),
    _waiting("IMPORT_ROLLBACK_IN_PROGRESS"),
    State(
        "IMPORT_ROLLBACK_FAILED",
        Next.HUMAN,
        "exit 5, naming the failed resources",
        _DELETES,
        f"fix the resources {_STATUS} names, then {_DELETE} (imported resources keep their "
        "DeletionPolicy)",
    ),
    _settled("IMPORT_ROLLBACK_COMPLETE"),
)

TABLE: dict[str, State] = {row.status: row for row in _ROWS}

RECREATE_STATES = frozenset(s for s, row in TABLE.items() if row.next is Next.RECREATE)
UPDATABLE_STATES = frozenset(s for s, row in TABLE.items() if row.next is Next.UPDATE)
# The states `rollback` starts RollbackStack from (left by a deploy with --no-rollback).
ROLLBACK_STATES = frozenset({"CREATE_FAILED", "UPDATE_FAILED"})


def classify(stack: dict[str, Any] | None, resource_count: int = 0) -> Next:
    if stack is None:
        return Next.CREATE
    status = str(stack.get("StackStatus", ""))
    if status == "REVIEW_IN_PROGRESS" and resource_count:
        return Next.HUMAN
    row = TABLE.get(status)
    if row is not None:
        return row.next
    # A state newer than this table: wait out anything running, never touch the rest.
    return Next.WAIT if status.endswith("_IN_PROGRESS") else Next.HUMAN


def next_action(status: str, stack: str) -> str:
    """The command that gets the stack out of ``status``, for this stack."""
    row = TABLE.get(status)
    if row is None:
        return f"{status} is not in this tool's table of states: check it with {_STATUS}".replace(
            "NAME", shlex.quote(stack)
        )
    return row.recover.replace("NAME", shlex.quote(stack))


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


def next_lines(status: str, stack: str) -> list[str]:
    """A "next:" detail line for a stack in ``status``; none for a state that needs nothing."""
    row = TABLE.get(status)
    if row is not None and row.recover == NONE_NEEDED:
        return []
    return [f"next: {next_action(status, stack)}"]
