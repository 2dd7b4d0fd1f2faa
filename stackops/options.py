"""The service role, rollback triggers and kept change sets: checked before any AWS call."""

# Each malformed value is one BadInput line (exit 4): CloudFormation would reject it too, but only
# after the template was uploaded and a review stack made.

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import BadInput

if TYPE_CHECKING:
    from .request import Request
    from .result import Result
    from .session import Session

ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
ALARM_ARN = re.compile(
    r"^arn:aws[a-z-]*:cloudwatch:[a-z]{2}(-[a-z]+)+-\d:\d{12}:alarm:[^\x00-\x1f]+$"
)
CHANGE_SET_ARN = re.compile(
    r"^arn:aws[a-z-]*:cloudformation:[a-z]{2}(-[a-z]+)+-\d:\d{12}:changeSet/[A-Za-z][\w-]*/\S+$"
)
# CloudFormation's own limits on RollbackConfiguration.
MAX_ALARMS = 5
MAX_MONITOR_MINUTES = 180
# With at least one alarm and no --monitor-minutes: long enough for an alarm on the new version's
# errors to see traffic, short enough not to hold the pipeline.
DEFAULT_MONITOR_MINUTES = 10
ALARM_TYPE = "AWS::CloudWatch::Alarm"


@dataclass(frozen=True)
class ServiceOptions:
    role_arn: str | None = None
    rollback_alarms: tuple[str, ...] = ()
    monitor_minutes: int | None = None


def role_arn(value: str | None) -> str | None:
    if value is None:
        return None
    if not ROLE_ARN.match(value):
        raise BadInput(
            f"--role-arn {value!r} is not an IAM role ARN "
            "(arn:<partition>:iam::<12 digits>:role/<path/name>)"
        )
    return value


def rollback_alarms(values: Sequence[str] | None) -> tuple[str, ...]:
    alarms = tuple(dict.fromkeys(values or ()))
    if len(alarms) > MAX_ALARMS:
        raise BadInput(
            f"--rollback-alarm given {len(alarms)} times: CloudFormation takes at most "
            f"{MAX_ALARMS} rollback triggers"
        )
    for alarm in alarms:
        if not ALARM_ARN.match(alarm):
            raise BadInput(
                f"--rollback-alarm {alarm!r} is not a CloudWatch alarm ARN "
                "(arn:<partition>:cloudwatch:<region>:<12 digits>:alarm:<name>)"
            )
    return alarms


def monitor_minutes(value: str | None, alarms: tuple[str, ...]) -> int | None:
    """The given minutes; DEFAULT_MONITOR_MINUTES when alarms are given alone; else None."""
    if value is None:
        return DEFAULT_MONITOR_MINUTES if alarms else None
    text = value.strip()
    if not text.isdigit() or int(text) > MAX_MONITOR_MINUTES:
        raise BadInput(
            f"--monitor-minutes {value!r} is not a whole number of minutes from 0 to "
            f"{MAX_MONITOR_MINUTES}"
        )
    return int(text)


def service_options(
    role: str | None, alarms: Sequence[str] | None, minutes: str | None
) -> ServiceOptions:
    checked = rollback_alarms(alarms)
    return ServiceOptions(role_arn(role), checked, monitor_minutes(minutes, checked))


def change_set_arn(value: str) -> str:
    if not CHANGE_SET_ARN.match(value):
        raise BadInput(
            f"--change-set {value!r} is not a change set ARN "
            "(arn:<partition>:cloudformation:<region>:<12 digits>:changeSet/<name>/<id>); "
            "plan --keep-change-set prints it"
        )
    return value


def rollback_configuration(alarms: tuple[str, ...], minutes: int | None) -> dict[str, Any] | None:
    """CreateChangeSet's RollbackConfiguration, or None to send none (today's behaviour)."""
    if not alarms and minutes is None:
        return None
    config: dict[str, Any] = {
        "RollbackTriggers": [{"Arn": arn, "Type": ALARM_TYPE} for arn in alarms]
    }
    if minutes is not None:
        config["MonitoringTimeInMinutes"] = minutes
    return config


def header_lines(role: str | None, alarms: tuple[str, ...], minutes: int | None) -> list[str]:
    """What the review shows about how the change set runs, besides what it changes."""
    lines = []
    if role:
        lines.append(f"Service role: {role} (CloudFormation acts with its permissions)")
    if alarms:
        lines.append(
            f"Rollback triggers: {', '.join(alarms)}; monitored for {minutes or 0} minute(s) "
            "after the resources are in place"
        )
    elif minutes:
        lines.append(
            f"note: --monitor-minutes {minutes} without --rollback-alarm only waits: "
            "CloudFormation holds the operation that long before cleaning up, nothing is watched"
        )
    return lines


def rollback_json(alarms: tuple[str, ...], minutes: int | None) -> dict[str, Any] | None:
    if not alarms and minutes is None:
        return None
    return {"alarms": list(alarms), "monitor_minutes": minutes or 0}


def show_header(session: Session, req: Request) -> None:
    """The review's header lines about the role and triggers, before its title and table."""
    for line in header_lines(req.role_arn, req.rollback_alarms, req.monitor_minutes):
        session.console.info(line)


def annotate(result: Result, req: Request) -> Result:
    """The result with the service role and rollback triggers the change set was made with."""
    result.role_arn = req.role_arn
    result.rollback = rollback_json(req.rollback_alarms, req.monitor_minutes)
    return result
