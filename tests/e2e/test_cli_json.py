"""The JSON result tells the whole story: deploy.py against the moto server, with failures
injected into its in-process backend (moto lacks DescribeEvents and hook results, so these runs
also show the fallback to stack events)."""

from __future__ import annotations

import io
import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import deploy as cli
from tests.support.injection import add_event, find_change_set
from tests.support.moto import MotoEnv, run_template
from tests.support.samples import rds_template, topic_template

CONTRACT = {"stack", "operation", "status", "changes", "outputs", "root_cause", "duration_s"}
TOPIC_ADDED = {
    "logical_id": "Topic",
    "type": "AWS::SNS::Topic",
    "action": "Add",
    "replacement": None,
}


def run(
    moto_env: MotoEnv, tmp_path: Path, stack: str, template: dict[str, Any], *extra: str
) -> subprocess.CompletedProcess[str]:
    return run_template(moto_env, tmp_path, stack, "deploy", template, "--output", "json", *extra)


def body_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    found: dict[str, Any] = json.loads(lines[0])
    return found


def rejected(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
    from moto.cloudformation.exceptions import ValidationError

    raise ValidationError(message="Template error: unresolved resource dependency Nope")


def failed_update(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
    """An update that fails on one resource, cancels another and rolls back, as AWS does."""
    change_set = find_change_set(self, change_set_name)
    stack = self.stacks[change_set.stack_id]
    stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    add_event(stack, "Topic", "AWS::SNS::Topic", "UPDATE_FAILED", "Resource update cancelled")
    add_event(stack, "Extra0", "AWS::SNS::Topic", "CREATE_FAILED", "Topic limit exceeded")
    stack._add_stack_event(
        "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Extra0]."
    )
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
    stack.status = "UPDATE_ROLLBACK_COMPLETE"
    change_set.execution_status = "EXECUTE_COMPLETE"


@pytest.fixture
def execute_as(monkeypatch: pytest.MonkeyPatch) -> Any:
    from moto.cloudformation.models import CloudFormationBackend

    def use(fake: Any) -> None:
        monkeypatch.setattr(CloudFormationBackend, "execute_change_set", fake)

    return use


def test_success_keeps_exactly_the_contract_keys(moto_env: MotoEnv, tmp_path: Path) -> None:
    result = run(moto_env, tmp_path, "ok1", topic_template())
    assert result.returncode == 0, result.stderr
    body = body_of(result)
    assert set(body) == CONTRACT
    assert (body["status"], body["changes"], body["root_cause"]) == (
        "CREATE_COMPLETE",
        [TOPIC_ADDED],
        None,
    )


def test_a_rejected_execute_carries_the_changes_the_stack_status_and_the_cause(
    moto_env: MotoEnv, tmp_path: Path, execute_as: Any
) -> None:
    assert run(moto_env, tmp_path, "rej1", topic_template()).returncode == 0
    execute_as(rejected)
    result = run(moto_env, tmp_path, "rej1", topic_template(extra_topics=1))
    assert result.returncode == 1, result.stderr
    body = body_of(result)
    assert set(body) >= CONTRACT
    assert (body["operation"], body["status"], body["stack_status"]) == (
        "update",
        "FAILED",
        "CREATE_COMPLETE",
    )
    assert [c["logical_id"] for c in body["changes"]] == ["Extra0"]
    (cause,) = body["root_cause"]
    assert "ExecuteChangeSet failed" in cause["reason"] and "Nope" in cause["reason"]


def test_a_rejected_create_says_its_review_stack_is_gone(
    moto_env: MotoEnv, tmp_path: Path, execute_as: Any
) -> None:
    execute_as(rejected)
    body = body_of(run(moto_env, tmp_path, "rej2", topic_template()))
    # The run deletes the REVIEW_IN_PROGRESS stack it made; by its id it reads DELETE_COMPLETE.
    assert (body["changes"], body["stack_status"]) == ([TOPIC_ADDED], "DELETE_COMPLETE")
    assert "Nope" in body["root_cause"][0]["reason"]


def test_a_rollback_falls_back_to_stack_events_and_says_so_only_in_json(
    moto_env: MotoEnv, tmp_path: Path, execute_as: Any
) -> None:
    assert run(moto_env, tmp_path, "rb1", topic_template()).returncode == 0
    execute_as(failed_update)
    result = run(moto_env, tmp_path, "rb1", topic_template(extra_topics=1))
    assert result.returncode == 1, result.stderr
    body = body_of(result)
    assert body["status"] == "UPDATE_ROLLBACK_COMPLETE"
    assert [c["logical_id"] for c in body["changes"]] == ["Extra0"]
    assert body["root_cause"] == [
        {"logical_id": "Extra0", "type": "AWS::SNS::Topic", "reason": "Topic limit exceeded"}
    ]
    notes = body["root_cause_notes"]
    assert any("DescribeEvents is not available" in n for n in notes), notes
    assert "DescribeEvents" not in result.stderr and "Extra0" in result.stderr


def test_a_refusal_carries_the_reviewed_changes(moto_env: MotoEnv, tmp_path: Path) -> None:
    assert run(moto_env, tmp_path, "ref1", rds_template()).returncode == 0
    result = run(moto_env, tmp_path, "ref1", rds_template(DBName="records"))
    assert result.returncode == 3, result.stderr
    body = body_of(result)
    assert (body["status"], body["root_cause"]) == ("REFUSED", None)
    assert "Db" in [c["logical_id"] for c in body["changes"]]
    assert body["stack_status"] == "CREATE_COMPLETE"


# ------------------------------------- in-process: errors no command turned into DeployError


@pytest.fixture
def main_in_process(moto_env: MotoEnv, tmp_path: Path) -> Iterator[Any]:
    """deploy.main on a fresh topic stack's update, its stdout captured; SIGTERM put back."""
    before = signal.getsignal(signal.SIGTERM)
    assert run(moto_env, tmp_path, "inproc", topic_template()).returncode == 0
    template = tmp_path / "more.json"
    template.write_text(json.dumps(topic_template(extra_topics=1)), encoding="utf-8")

    def go(monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any]]:
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr("sys.stdout", out)
        monkeypatch.setattr("sys.stderr", err)
        code = cli.main(
            ["deploy", "--stack-name", "inproc", "--template", str(template), "--yes",
             "--skip-validation", "--output", "json"]
        )  # fmt: skip
        return code, json.loads(out.getvalue())

    yield go
    signal.signal(signal.SIGTERM, before)


def test_an_unexpected_error_after_the_review_has_the_same_complete_shape(
    main_in_process: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stackops.aws import changesets

    def broken(cfn: Any, arn: str, token: str, **flags: Any) -> None:
        raise RuntimeError("socket went away")

    monkeypatch.setattr(changesets, "execute", broken)
    code, body = main_in_process(monkeypatch)
    assert code == 1
    assert (body["status"], body["stack_status"]) == ("FAILED", "CREATE_COMPLETE")
    assert [c["logical_id"] for c in body["changes"]] == ["Extra0"]
    assert body["root_cause"][0]["reason"] == "RuntimeError: socket went away"


def test_an_interrupt_after_the_review_carries_the_changes(
    main_in_process: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stackops.aws import changesets

    def interrupted(cfn: Any, arn: str, token: str, **flags: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(changesets, "execute", interrupted)
    code, body = main_in_process(monkeypatch)
    assert code == 130
    assert (body["status"], body["root_cause"]) == ("INTERRUPTED", None)
    assert [c["logical_id"] for c in body["changes"]] == ["Extra0"]
