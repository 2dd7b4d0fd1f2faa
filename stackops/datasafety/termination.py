"""Termination protection: kept as the user asks after a deploy; a protected stack stays."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..aws import stacks
from ..aws.errors import degraded_reason
from ..errors import Refused

Warn = Callable[[str], None]


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
            current = stacks.termination_protection(cfn, stack_name)
        except Exception as exc:
            reason = degraded_reason(exc)
            if reason is None:
                raise
            warn(f"could not read termination protection of {stack_name}: {reason}")
            return None
    if current == desired:
        return current
    try:
        stacks.set_termination_protection(cfn, stack_name, desired)
    except Exception as exc:
        reason = degraded_reason(exc)
        if reason is None:
            raise
        warn(
            f"could not turn termination protection {'on' if desired else 'off'} for "
            f"{stack_name} ({reason}); it stays {'on' if current else 'off'}"
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
