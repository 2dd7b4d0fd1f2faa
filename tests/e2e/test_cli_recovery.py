"""deploy.py on moto's server getting stacks out of stuck states without the console: rollback,
--skip-resource, delete --force, and status's next action.

moto 5.2.5 has no RollbackStack or ContinueUpdateRollback, ignores DeleteStack's DeletionMode
and lists every resource as CREATE_COMPLETE: tests/support/recovery.py stands in for those on
the in-process server and records what deploy.py sent. The states themselves are injected into
moto's backend (tests/support/injection.py's way)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.moto import MotoEnv, write_json
from tests.support.recovery import Recorded, install
from tests.support.samples import bucket_template, topic_template


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    return install(monkeypatch)


def deployed(moto_env: MotoEnv, tmp_path: Path, stack: str, *, bucket: bool = False) -> Path:
    template = bucket_template(f"{stack}-data") if bucket else topic_template()
    path = write_json(tmp_path / f"{stack}.json", template)
    result = deploy(moto_env, stack, path)
    assert result.returncode == 0, result.stderr
    return path


def deploy(
    moto_env: MotoEnv, stack: str, template: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    return moto_env.deploy(
        "deploy", "--stack-name", stack, "--template", template, "--skip-validation", "--yes",
        *extra,
    )  # fmt: skip


def status_of(moto_env: MotoEnv, stack: str) -> str:
    stacks = moto_env.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    return str(stacks[0]["StackStatus"])


# ---------------------------------------------------------------------------- rollback


def test_rollback_gets_an_update_failed_stack_back_and_deploy_goes_on(
    moto_env: MotoEnv, tmp_path: Path, recorded: Recorded
) -> None:
    template = deployed(moto_env, tmp_path, "rb1")
    moto_env.stack("rb1").status = "UPDATE_FAILED"
    assert deploy(moto_env, "rb1", template, "--parameter", "Env=prod").returncode == 5
    result = moto_env.deploy("rollback", "--stack-name", "rb1")
    assert result.returncode == 0, result.stderr
    assert "Stack rb1: UPDATE_ROLLBACK_COMPLETE" in result.stderr
    [sent] = recorded.of("RollbackStack")
    assert str(sent["ClientRequestToken"]).startswith("deploy-rollback-")
    assert status_of(moto_env, "rb1") == "UPDATE_ROLLBACK_COMPLETE"
    assert deploy(moto_env, "rb1", template, "--parameter", "Env=prod").returncode == 0


def test_rollback_of_a_healthy_stack_is_exit_5_in_one_line(
    moto_env: MotoEnv, tmp_path: Path, recorded: Recorded
) -> None:
    deployed(moto_env, tmp_path, "rb2")
    result = moto_env.deploy("rollback", "--stack-name", "rb2")
    assert result.returncode == 5
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: stack rb2 is CREATE_COMPLETE")
    assert "next: none needed" in lines[0]
    assert recorded.calls == []


# ---------------------------------------------------------------------------- --skip-resource


def test_skipping_a_bucket_is_refused_with_exit_3_and_nothing_sent(
    moto_env: MotoEnv, tmp_path: Path, recorded: Recorded
) -> None:
    template = deployed(moto_env, tmp_path, "skip1", bucket=True)
    moto_env.stack("skip1").status = "UPDATE_ROLLBACK_FAILED"
    result = deploy(moto_env, "skip1", template, "--skip-resource", "Data")
    assert result.returncode == 3, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("Offline")]
    assert len(lines) == 1 and lines[0].startswith("error: refusing to skip stateful Data")
    assert "--allow-replacement Data" in lines[0]
    assert recorded.of("ContinueUpdateRollback") == []
    assert status_of(moto_env, "skip1") == "UPDATE_ROLLBACK_FAILED"


def test_a_bucket_named_by_both_flags_is_skipped(
    moto_env: MotoEnv, tmp_path: Path, recorded: Recorded
) -> None:
    deployed(moto_env, tmp_path, "skip2", bucket=True)
    moto_env.stack("skip2").status = "UPDATE_ROLLBACK_FAILED"
    result = moto_env.deploy(
        "rollback", "--stack-name", "skip2", "--skip-resource", "Data",
        "--allow-replacement", "Data",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [sent] = recorded.of("ContinueUpdateRollback")
    assert sent["ResourcesToSkip"] == ["Data"]
    assert status_of(moto_env, "skip2") == "UPDATE_ROLLBACK_COMPLETE"


def test_deploy_with_skip_resource_continues_the_rollback_then_updates(
    moto_env: MotoEnv, tmp_path: Path, recorded: Recorded
) -> None:
    template = deployed(moto_env, tmp_path, "skip3")
    moto_env.stack("skip3").status = "UPDATE_ROLLBACK_FAILED"
    result = deploy(
        moto_env, "skip3", template, "--skip-resource", "Topic", "--parameter", "Env=prod"
    )
    assert result.returncode == 0, result.stderr
    [sent] = recorded.of("ContinueUpdateRollback")
    assert sent["ResourcesToSkip"] == ["Topic"]
    params = moto_env.client("cloudformation").describe_stacks(StackName="skip3")["Stacks"][0]
    assert {"ParameterKey": "Env", "ParameterValue": "prod"} in params["Parameters"]


# ---------------------------------------------------------------------------- delete --force


def delete_failed(moto_env: MotoEnv, tmp_path: Path, recorded: Recorded, stack: str) -> None:
    deployed(moto_env, tmp_path, stack, bucket=True)
    moto_env.stack(stack).status = "DELETE_FAILED"
    recorded.resource_states[stack] = {"Data": "DELETE_FAILED", "Topic": "DELETE_COMPLETE"}


def test_delete_force_lists_what_it_leaves_behind_and_sends_force_delete_stack(
    moto_env: MotoEnv, tmp_path: Path, recorded: Recorded
) -> None:
    delete_failed(moto_env, tmp_path, recorded, "force1")
    result = moto_env.deploy("delete", "--stack-name", "force1", "--force", "--yes")
    assert result.returncode == 0, result.stderr
    assert "left behind: Data (AWS::S3::Bucket) force1-data" in result.stderr
    assert "Topic" not in result.stderr.split("Stack force1:")[0]
    [sent] = recorded.of("DeleteStack")
    assert sent["DeletionMode"] == "FORCE_DELETE_STACK"


def test_delete_force_without_a_terminal_or_yes_refuses_and_keeps_the_stack(
    moto_env: MotoEnv, tmp_path: Path, recorded: Recorded
) -> None:
    delete_failed(moto_env, tmp_path, recorded, "force2")
    result = moto_env.deploy("delete", "--stack-name", "force2", "--force")
    assert result.returncode == 4
    assert "pass --yes" in result.stderr
    assert recorded.of("DeleteStack") == []
    assert status_of(moto_env, "force2") == "DELETE_FAILED"


def test_delete_without_force_is_as_before_and_sends_no_deletion_mode(
    moto_env: MotoEnv, tmp_path: Path, recorded: Recorded
) -> None:
    delete_failed(moto_env, tmp_path, recorded, "force3")
    result = moto_env.deploy("delete", "--stack-name", "force3", "--yes")
    assert result.returncode == 0, result.stderr
    assert [s.get("DeletionMode") for s in recorded.of("DeleteStack")] == [None]


def test_deploy_on_a_delete_failed_stack_names_delete_force(
    moto_env: MotoEnv, tmp_path: Path, recorded: Recorded
) -> None:
    delete_failed(moto_env, tmp_path, recorded, "force4")
    template = write_json(tmp_path / "again.json", bucket_template("force4-data"))
    result = deploy(moto_env, "force4", template)
    assert result.returncode == 5
    assert "could not delete Data" in result.stderr
    assert "`python deploy.py delete --stack-name force4 --force`" in result.stderr


# ---------------------------------------------------------------------------- status


@pytest.mark.parametrize(
    ("state", "command"),
    [
        ("UPDATE_FAILED", "`python deploy.py rollback --stack-name st1`"),
        ("DELETE_FAILED", "`python deploy.py delete --stack-name st1 --force`"),
        ("IMPORT_ROLLBACK_FAILED", "`python deploy.py delete --stack-name st1`"),
    ],
)
def test_status_prints_the_next_action(
    moto_env: MotoEnv, tmp_path: Path, state: str, command: str
) -> None:
    deployed(moto_env, tmp_path, "st1")
    moto_env.stack("st1").status = state
    result = moto_env.deploy("status", "--stack-name", "st1")
    nexts = [line.strip() for line in result.stderr.splitlines() if "next: " in line]
    assert len(nexts) == 1 and command in nexts[0], result.stderr
