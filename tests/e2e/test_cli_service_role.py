"""--role-arn, --rollback-alarm and --monitor-minutes against the moto server: what CloudFormation
receives, what the review and the JSON show, and the root cause of an alarm's rollback."""

# moto keeps RoleARN on a created stack but drops RollbackConfiguration and DeleteStack's RoleARN,
# and never rolls back: tests/support/recording.py records each call as the server received it,
# and the rollback test makes moto's execution end the way an alarm in ALARM ends it on AWS.

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.injection import add_event
from tests.support.moto import MotoEnv, run_template
from tests.support.recording import Received, record_calls
from tests.support.samples import topic_template

ROLE = "arn:aws:iam::123456789012:role/cfn-deployer"
ALARMS = [
    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:edu-5xx",
    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:edu-latency",
]
PLAIN_KEYS = {"stack", "operation", "status", "changes", "outputs", "root_cause", "duration_s"}


@pytest.fixture
def received(moto_env: MotoEnv, monkeypatch: pytest.MonkeyPatch) -> Received:
    return record_calls(monkeypatch, moto_env.backend)


def rollback_params(call: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in call.items() if k.startswith("RollbackConfiguration")}


def alarm_flags() -> list[str]:
    return [arg for arn in ALARMS for arg in ("--rollback-alarm", arn)]


def test_deploy_sends_role_and_triggers_with_a_10_minute_default(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    result = run_template(
        moto_env, tmp_path, "svc", "deploy", topic_template(),
        "--role-arn", ROLE, *alarm_flags(), "--output", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (call,) = received.create_change_set
    assert call["RoleARN"] == ROLE
    assert rollback_params(call) == {
        "RollbackConfiguration.RollbackTriggers.member.1.Arn": ALARMS[0],
        "RollbackConfiguration.RollbackTriggers.member.1.Type": "AWS::CloudWatch::Alarm",
        "RollbackConfiguration.RollbackTriggers.member.2.Arn": ALARMS[1],
        "RollbackConfiguration.RollbackTriggers.member.2.Type": "AWS::CloudWatch::Alarm",
        "RollbackConfiguration.MonitoringTimeInMinutes": "10",
    }
    body = json.loads(result.stdout)
    assert body["role_arn"] == ROLE
    assert body["rollback"] == {"alarms": ALARMS, "monitor_minutes": 10}
    lines = result.stderr.splitlines()
    header = lines.index(f"Service role: {ROLE} (CloudFormation acts with its permissions)")
    assert lines[header + 1] == (
        f"Rollback triggers: {', '.join(ALARMS)}; monitored for 10 minute(s) after the "
        "resources are in place"
    )
    assert lines[header + 2].startswith("Change set for stack svc")  # the review follows
    stack = moto_env.client("cloudformation").describe_stacks(StackName="svc")["Stacks"][0]
    assert stack["RoleARN"] == ROLE


def test_plan_shows_them_too_and_minutes_can_be_set(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    result = run_template(
        moto_env, tmp_path, "svc", "plan", topic_template(),
        "--role-arn", ROLE, "--rollback-alarm", ALARMS[0], "--monitor-minutes", "0",
        "--output", "json",
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert (
        rollback_params(received.create_change_set[0])[
            "RollbackConfiguration.MonitoringTimeInMinutes"
        ]
        == "0"
    )
    body = json.loads(result.stdout)
    assert body["role_arn"] == ROLE
    assert body["rollback"] == {"alarms": ALARMS[:1], "monitor_minutes": 0}
    assert f"Service role: {ROLE}" in result.stderr


def test_minutes_without_an_alarm_are_sent_with_a_note_that_they_only_wait(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    result = run_template(
        moto_env, tmp_path, "wait", "plan", topic_template(), "--monitor-minutes", "5"
    )
    assert result.returncode == 2, result.stderr
    sent = rollback_params(received.create_change_set[0])
    assert sent["RollbackConfiguration.MonitoringTimeInMinutes"] == "5"
    assert not any(".Arn" in key for key in sent)
    notes = [line for line in result.stderr.splitlines() if "--monitor-minutes" in line]
    assert len(notes) == 1 and notes[0].startswith("note: --monitor-minutes 5 without")


def test_without_the_flags_nothing_new_is_sent_or_shown(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    result = run_template(
        moto_env, tmp_path, "bare", "deploy", topic_template(), "--output", "json"
    )
    assert result.returncode == 0, result.stderr
    (call,) = received.create_change_set
    assert "RoleARN" not in call and rollback_params(call) == {}
    assert set(json.loads(result.stdout)) == PLAIN_KEYS
    assert "Service role" not in result.stderr and "Rollback triggers" not in result.stderr


def test_delete_sends_the_role_to_delete_stack(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    made = run_template(moto_env, tmp_path, "gone", "deploy", topic_template())
    assert made.returncode == 0, made.stderr
    result = moto_env.deploy(
        "delete", "--stack-name", "gone", "--yes", "--role-arn", ROLE, "--output", "json"
    )
    assert result.returncode == 0, result.stderr
    (call,) = received.delete_stack
    assert call["RoleARN"] == ROLE
    assert json.loads(result.stdout)["role_arn"] == ROLE
    assert f"Service role: {ROLE}" in result.stderr


def test_delete_without_a_role_sends_none(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    made = run_template(moto_env, tmp_path, "gone", "deploy", topic_template())
    assert made.returncode == 0, made.stderr
    result = moto_env.deploy("delete", "--stack-name", "gone", "--yes")
    assert result.returncode == 0, result.stderr
    (call,) = received.delete_stack
    assert "RoleARN" not in call


def test_a_malformed_value_stops_before_any_aws_call(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    result = run_template(
        moto_env, tmp_path, "bad", "deploy", topic_template(), "--monitor-minutes", "181"
    )
    assert result.returncode == 4
    assert result.stderr.strip().splitlines() == [
        "error: --monitor-minutes '181' is not a whole number of minutes from 0 to 180"
    ]
    assert received.create_change_set == []
    stacks = moto_env.client("cloudformation").list_stacks()["StackSummaries"]
    assert stacks == []


def alarm_fires(monkeypatch: pytest.MonkeyPatch) -> None:
    """Executing an update ends as on AWS when a trigger's alarm goes to ALARM while monitored."""
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        original(self, change_set_name, stack_name)
        stack = next(s for s in self.stacks.values() if s.status == "UPDATE_COMPLETE")
        stack.events.pop()  # the UPDATE_COMPLETE: the stack was still being monitored
        reason = f"The following rollback trigger(s) entered ALARM state: [{ALARMS[0]}]"
        stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
        add_event(stack, "Extra0", "AWS::SNS::Topic", "DELETE_COMPLETE")
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
        stack.status = "UPDATE_ROLLBACK_COMPLETE"

    monkeypatch.setattr(CloudFormationBackend, "execute_change_set", execute_change_set)


def test_a_rollback_by_an_alarm_names_the_alarm_as_root_cause(
    moto_env: MotoEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = run_template(moto_env, tmp_path, "alarmed", "deploy", topic_template())
    assert made.returncode == 0, made.stderr
    alarm_fires(monkeypatch)
    result = run_template(
        moto_env, tmp_path, "alarmed", "deploy", topic_template(extra_topics=1),
        "--rollback-alarm", ALARMS[0], "--output", "json",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    cause = lines.index("Root cause:") + 1
    assert ALARMS[0] in lines[cause] and lines[cause].startswith("  alarmed (")
    body = json.loads(result.stdout)
    assert body["status"] == "UPDATE_ROLLBACK_COMPLETE"
    assert [ALARMS[0] in c["reason"] for c in body["root_cause"]] == [True]
