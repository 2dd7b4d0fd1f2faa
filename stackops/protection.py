"""Stack protections: the stack policy around an execution, termination protection, delete guard.

ExecuteChangeSet takes no StackPolicyDuringUpdateBody, so a run that lets a stateful resource
be replaced (``--allow-replacement``) opens the policy for exactly those logical IDs, executes,
and restores the protective policy afterwards, whatever happens in between.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from . import safety
from .errors import OperationFailed, Refused

Warn = Callable[[str], None]


def _aws_failure(exc: BaseException) -> str | None:
    """A one-line reason when ``exc`` is an AWS answer we degrade on, else None.

    A 500 from an endpoint that lacks the API (the local emulator, for termination protection)
    arrives as ResponseParserError, which is not a BotoCoreError.
    """
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")
    if isinstance(exc, ResponseParserError):
        return "the endpoint gave no parseable answer; it may not implement this API"
    if isinstance(exc, BotoCoreError):
        return f"{type(exc).__name__}: {exc}"
    return None


def merged_template(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """Resources of both templates, so a policy also covers what an update is removing."""
    resources = dict((old or {}).get("Resources") or {})
    resources.update((new or {}).get("Resources") or {})
    return {"Resources": resources}


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while restoring the policy, so a second Ctrl-C cannot skip it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def set_policy(cfn: Any, stack_name: str, policy: dict[str, Any]) -> None:
    problems = safety.policy_problems(policy)
    if problems:
        raise ValueError(f"refusing to set a malformed stack policy: {'; '.join(problems)}")
    cfn.set_stack_policy(StackName=stack_name, StackPolicyBody=json.dumps(policy, sort_keys=True))


def current_policy(cfn: Any, stack_name: str) -> dict[str, Any] | None:
    body = cfn.get_stack_policy(StackName=stack_name).get("StackPolicyBody")
    return json.loads(body) if body else None


class Execution:
    """Handed to the block inside ``policy_around_execution``: the engine reports the outcome."""

    def __init__(self) -> None:
        self.status: str | None = None

    def finished(self, status: str) -> None:
        self.status = status

    @property
    def create_failed(self) -> bool:
        """A first create that did not complete: the stack holds no data to protect."""
        status = self.status or ""
        return "ROLLBACK" in status or status.startswith("DELETE") or status.endswith("FAILED")


@contextmanager
def policy_around_execution(
    cfn: Any,
    stack_name: str,
    *,
    creating: bool,
    old_template: Mapping[str, Any] | None,
    new_template: Mapping[str, Any],
    allow: Iterable[str],
    warn: Warn,
) -> Iterator[Execution]:
    """Wrap ExecuteChangeSet and the follow-up: the right policy before, the protective after.

    - create: the protective policy is set once the stack exists, i.e. after this block
      (CreateChangeSet takes no StackPolicyBody); not after a failed create, which holds no data.
    - update: the protective policy (or, with ``allow``, one opened for exactly those IDs) is set
      before executing, so a replacement the gate could not foresee is still denied by
      CloudFormation; afterwards the protective policy is restored, also on failure and
      interruption.
    """
    allowed = sorted(set(allow))
    protective = safety.protective_policy(merged_template(old_template, new_template))
    if not creating:
        before = (
            safety.opened_policy(merged_template(old_template, new_template), allowed)
            if allowed
            else protective
        )
        try:
            set_policy(cfn, stack_name, before)
        except Exception as exc:
            reason = _aws_failure(exc)
            if reason is None:
                raise
            if allowed:
                # The old policy still denies the replacement: executing would only fail later.
                raise OperationFailed(
                    f"could not open the stack policy for {', '.join(allowed)}: {reason}"
                ) from None
            warn(f"could not set the protective stack policy before the update: {reason}")
    execution = Execution()
    failed = False
    try:
        yield execution
    except OperationFailed:
        failed = True
        raise
    finally:
        if not (creating and (failed or execution.create_failed)):
            with _signals_deferred():
                try:
                    set_policy(cfn, stack_name, protective)
                except Exception as exc:
                    reason = _aws_failure(exc)
                    if reason is None:
                        raise
                    warn(
                        f"could not set the protective stack policy: {reason}. Set it with: "
                        f"aws cloudformation set-stack-policy --stack-name {stack_name} "
                        f"--stack-policy-body '{json.dumps(protective, sort_keys=True)}'"
                    )


# --------------------------------------------------------------------------- termination


def parse_switch(value: str | None) -> bool | None:
    """``--termination-protection on|off`` -> True/False; None when the flag is absent."""
    if value is None:
        return None
    return {"on": True, "off": False}[value]


def sync_termination_protection(
    cfn: Any, stack_name: str, desired: bool | None, warn: Warn, *, current: bool | None = None
) -> bool | None:
    """Make EnableTerminationProtection equal ``desired``; the resulting setting, or None.

    An endpoint that lacks the API (the local emulator answers 500) gets a warning, not a crash.
    """
    if desired is None:
        return current
    if current is None:
        try:
            stacks = cfn.describe_stacks(StackName=stack_name).get("Stacks") or [{}]
            current = bool(stacks[0].get("EnableTerminationProtection", False))
        except Exception as exc:
            reason = _aws_failure(exc)
            if reason is None:
                raise
            warn(f"could not read termination protection of {stack_name}: {reason}")
            return None
    if current == desired:
        return current
    word = "on" if desired else "off"
    try:
        cfn.update_termination_protection(StackName=stack_name, EnableTerminationProtection=desired)
    except Exception as exc:
        reason = _aws_failure(exc)
        if reason is None:
            raise
        warn(
            f"could not turn termination protection {word} for {stack_name} ({reason}); "
            f"it stays {'on' if current else 'off'}"
        )
        return current
    return desired


def lift_command(stack_name: str) -> str:
    return (
        "aws cloudformation update-termination-protection --no-enable-termination-protection "
        f"--stack-name {stack_name}"
    )


def refuse_protected_delete(stack: Mapping[str, Any]) -> None:
    """Raise Refused (exit 3) when the described stack has termination protection on."""
    if stack.get("EnableTerminationProtection"):
        name = str(stack.get("StackName", ""))
        raise Refused(
            f"stack {name} has termination protection on; delete refused. "
            f"To lift it: {lift_command(name)}"
        )
