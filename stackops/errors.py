"""Typed failures: each carries its exit code and a one-line message for the user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clikit import exitcodes


class DeployError(Exception):
    """A failure the CLI reports as one line (plus optional detail lines) and an exit code."""

    exit_code = exitcodes.FAILED

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details or [])
        # Known only to some failures; the JSON result uses them when present.
        self.operation: str | None = None
        self.changes: list[Any] = []
        # CloudFormation's early-validation errors of a failed change set: [{logical_id, path,
        # message}], shown in the JSON result when there are any.
        self.validation_errors: list[dict[str, str]] = []


class BadInput(DeployError):
    exit_code = exitcodes.BAD_INPUT


class OperationFailed(DeployError):
    exit_code = exitcodes.FAILED


class Refused(DeployError):
    exit_code = exitcodes.REFUSED


class NeedsHuman(DeployError):
    exit_code = exitcodes.NEEDS_HUMAN


class Interrupted(DeployError):
    exit_code = exitcodes.INTERRUPTED


class AwsUnavailable(DeployError):
    """Unreachable endpoint, missing or expired credentials: nothing the tool can retry."""

    exit_code = exitcodes.FAILED


@dataclass
class Story:
    """What an error raised after the review knows of the operation, for the JSON result."""

    operation: str | None = None
    changes: list[Any] = field(default_factory=list)
    stack_status: str | None = None  # read again after the error
    root_cause: list[Any] | None = None
    operation_id: str | None = None
    notes: list[str] = field(default_factory=list)


def tell(exc: BaseException, story: Story) -> None:
    """Attach the story to any exception on its way out (a DeployError or not)."""
    exc.deploy_story = story  # type: ignore[attr-defined]
    if isinstance(exc, DeployError):
        exc.operation = exc.operation or story.operation
        exc.changes = exc.changes or list(story.changes)


def story_of(exc: BaseException) -> Story:
    told = getattr(exc, "deploy_story", None)
    if isinstance(told, Story):
        return told
    return Story(
        operation=getattr(exc, "operation", None),
        changes=list(getattr(exc, "changes", None) or []),
    )
