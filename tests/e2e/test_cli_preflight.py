"""deploy.py against moto's server: the account preflight stops before any change set, and a
change set CloudFormation fails leaves nothing behind (moto has no DescribeEvents: the message
falls back to the reason, with one line saying why)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.moto import MotoEnv, run_template
from tests.support.samples import bucket_template, topic_template


def live(moto_env: MotoEnv, name: str) -> list[str]:
    summaries = moto_env.client("cloudformation").list_stacks()["StackSummaries"]
    return [
        s["StackStatus"]
        for s in summaries
        if s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE"
    ]


def change_sets_of(moto_env: MotoEnv, name: str) -> list[Any]:
    return [c for c in moto_env.backend().change_sets.values() if c.stack_name == name]


def test_a_taken_bucket_name_stops_before_any_change_set(moto_env: MotoEnv, tmp_path: Path) -> None:
    moto_env.client("s3").create_bucket(Bucket="edu-taken")
    result = run_template(
        moto_env, tmp_path, "pf1", "deploy", bucket_template("edu-taken"), "--output", "json"
    )
    assert result.returncode == 4, result.stderr
    assert "BLOCKER bucket names: Data edu-taken: exists in this account; fix:" in result.stderr
    assert json.loads(result.stdout)["status"] == "BAD_INPUT"
    assert change_sets_of(moto_env, "pf1") == [] and live(moto_env, "pf1") == []


def test_skip_preflight_goes_on_to_the_change_set(moto_env: MotoEnv, tmp_path: Path) -> None:
    moto_env.client("s3").create_bucket(Bucket="edu-taken")
    template = bucket_template("edu-taken")
    result = run_template(moto_env, tmp_path, "pf2", "plan", template, "--skip-preflight")
    assert result.returncode == 2, result.stderr
    assert "Account preflight skipped (--skip-preflight)." in result.stderr
    assert "BLOCKER" not in result.stderr


def test_the_stacks_own_names_pass_on_update(moto_env: MotoEnv, tmp_path: Path) -> None:
    template = bucket_template("edu-mine")
    first = run_template(moto_env, tmp_path, "pf3", "deploy", template)
    assert first.returncode == 0, first.stderr
    assert "Account preflight: 1 check(s) passed." in first.stderr
    second = run_template(moto_env, tmp_path, "pf3", "deploy", template, "--tag", "team=edu")
    assert second.returncode == 0, second.stderr
    assert "BLOCKER" not in second.stderr and "preflight: skipped" not in second.stderr


@pytest.fixture
def failing_change_sets(moto_env: MotoEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every new change set comes back FAILED, as CloudFormation's early validation leaves one."""
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.create_change_set

    def create_change_set(self: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
        change_set_id, stack_id = original(self, *args, **kwargs)
        change_set = self.change_sets[change_set_id]
        change_set.status, change_set.execution_status = "FAILED", "UNAVAILABLE"
        change_set.status_reason = "FAILED"
        return change_set_id, stack_id

    monkeypatch.setattr(CloudFormationBackend, "create_change_set", create_change_set)


@pytest.mark.usefixtures("failing_change_sets")
@pytest.mark.parametrize("command", ["deploy", "plan"])
def test_a_failed_change_set_leaves_nothing_behind(
    moto_env: MotoEnv, tmp_path: Path, command: str
) -> None:
    result = run_template(moto_env, tmp_path, "pf4", command, topic_template(), "--output", "json")
    assert result.returncode == 1, result.stderr
    assert "error: the change set failed: FAILED" in result.stderr
    assert "  no validation details: DescribeEvents did not answer (" in result.stderr
    body = json.loads(result.stdout)
    assert body["status"] == "FAILED" and "validation_errors" not in body
    assert change_sets_of(moto_env, "pf4") == []
    assert live(moto_env, "pf4") == []
