"""What the user asked plan or deploy to do, resolved and checked before any AWS call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .inputs import Inputs


@dataclass(frozen=True)
class Request:
    stack_name: str
    template: dict[str, Any]
    inputs: Inputs
    artifact_bucket: str | None = None
    yes: bool = False
    allow_replacement: tuple[str, ...] = ()
    termination_protection: str | None = None  # "on" | "off" | None (leave as is)
    continue_rollback: bool = False
    on_interrupt: str = "follow"  # "follow" | "cancel"
    import_existing: bool = False  # CreateChangeSet ImportExistingResources
    skip_resources: tuple[str, ...] = ()  # --skip-resource, for a continued rollback
    on_drift: str | None = None  # "fail" | "warn" | "revert" | None (by the stack's tags)
    no_rollback: bool = False  # ExecuteChangeSet DisableRollback
    retain_except_on_create: bool = False  # ExecuteChangeSet RetainExceptOnCreate
    # Which security changes need a person: "never" | "broadening" | "any-change".
    require_approval: str = "broadening"
    skip_preflight: bool = False  # --skip-preflight: no account preflight before the change set
    # The service role, rollback triggers and kept change sets (stackops/options.py).
    role_arn: str | None = None  # CreateChangeSet RoleARN
    rollback_alarms: tuple[str, ...] = ()  # RollbackConfiguration.RollbackTriggers
    monitor_minutes: int | None = None  # RollbackConfiguration.MonitoringTimeInMinutes
    keep_change_set: bool = False  # plan: leave the reviewed change set for deploy --change-set
    change_set_arn: str | None = None  # deploy: execute this kept change set, make none
