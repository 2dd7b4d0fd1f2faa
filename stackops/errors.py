"""Typed failures: each carries its exit code and a one-line message for the user."""

from __future__ import annotations

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
