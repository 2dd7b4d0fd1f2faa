"""plan --keep-change-set, then deploy --change-set ARN, against the moto server."""

# moto's GetTemplate ignores ChangeSetName; tests/support/recording.py answers it as AWS does
# and records each ExecuteChangeSet, so a test can tell which change set ran.

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.moto import MotoEnv, run_template, write_json
from tests.support.recording import Received, record_calls
from tests.support.samples import topic_template


@pytest.fixture
def received(moto_env: MotoEnv, monkeypatch: pytest.MonkeyPatch) -> Received:
    return record_calls(monkeypatch, moto_env.backend)


def keep(moto_env: MotoEnv, tmp_path: Path, stack: str, template: dict[str, Any]) -> dict[str, Any]:
    """plan --keep-change-set; its JSON result."""
    result = run_template(
        moto_env, tmp_path, stack, "plan", template, "--keep-change-set", "--output", "json"
    )
    assert result.returncode == 2, result.stderr
    body: dict[str, Any] = json.loads(result.stdout)
    assert f"Change set kept for deploy --change-set: {body['change_set_arn']}" in result.stderr
    return body


def execute(
    moto_env: MotoEnv, stack: str, arn: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    return moto_env.deploy(
        "deploy", "--stack-name", stack, "--change-set", arn, "--yes", "--output", "json", *extra
    )


def created(moto_env: MotoEnv, tmp_path: Path, stack: str) -> None:
    done = run_template(moto_env, tmp_path, stack, "deploy", topic_template())
    assert done.returncode == 0, done.stderr


def test_the_kept_change_set_is_what_deploy_executes(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    created(moto_env, tmp_path, "kept")
    planned = keep(moto_env, tmp_path, "kept", topic_template(extra_topics=1))
    arn = planned["change_set_arn"]
    assert planned["review_fingerprint"].startswith("sha256:")
    assert "stack_last_updated" in planned
    made, executed = len(received.create_change_set), list(received.execute_change_set)
    cfn = moto_env.client("cloudformation")
    assert cfn.describe_change_set(ChangeSetName=arn)["ExecutionStatus"] == "AVAILABLE"

    result = execute(moto_env, "kept", arn)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert len(received.create_change_set) == made  # no new change set
    assert received.execute_change_set == [*executed, arn]
    assert body["change_set_arn"] == arn
    assert body["review_fingerprint"] == planned["review_fingerprint"]
    assert body["status"] == "UPDATE_COMPLETE" and body["operation"] == "update"
    assert {c["logical_id"] for c in body["changes"]} == {"Extra0"}
    resources = cfn.list_stack_resources(StackName="kept")["StackResourceSummaries"]
    assert "Extra0" in {r["LogicalResourceId"] for r in resources}
    assert f"Review fingerprint: {planned['review_fingerprint']}" in result.stderr


def test_a_kept_create_change_set_creates_the_stack(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    planned = keep(moto_env, tmp_path, "fresh", topic_template())
    cfn = moto_env.client("cloudformation")
    stack = cfn.describe_stacks(StackName="fresh")["Stacks"][0]
    assert stack["StackStatus"] == "REVIEW_IN_PROGRESS"  # kept with its change set
    result = execute(moto_env, "fresh", planned["change_set_arn"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["operation"] == "create"
    stack = cfn.describe_stacks(StackName="fresh")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert len(received.create_change_set) == 1


def test_plan_without_keeping_deletes_its_change_set(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    created(moto_env, tmp_path, "gone")
    result = run_template(
        moto_env, tmp_path, "gone", "plan", topic_template(extra_topics=1), "--output", "json"
    )
    assert result.returncode == 2, result.stderr
    assert "change_set_arn" not in json.loads(result.stdout)
    assert "change set deleted" in result.stderr
    planned_arn = received.create_change_set[-1]["ChangeSetName"]
    assert all(c.change_set_name != planned_arn for c in moto_env.backend().change_sets.values())


def test_a_stack_updated_after_the_plan_refuses_with_exit_5(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    created(moto_env, tmp_path, "moved")
    arn = keep(moto_env, tmp_path, "moved", topic_template(extra_topics=1))["change_set_arn"]
    moved = run_template(moto_env, tmp_path, "moved", "deploy", topic_template(extra_topics=2))
    assert moved.returncode == 0, moved.stderr
    executed = list(received.execute_change_set)

    result = execute(moto_env, "moved", arn)
    assert result.returncode == 5, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "has an event newer than change set" in errors[0] and arn in errors[0]
    assert "UPDATE_COMPLETE" in errors[0]
    assert received.execute_change_set == executed  # nothing ran
    assert json.loads(result.stdout)["status"] == "NEEDS_HUMAN"


def test_a_deleted_change_set_refuses_with_exit_5(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    created(moto_env, tmp_path, "deleted")
    arn = keep(moto_env, tmp_path, "deleted", topic_template(extra_topics=1))["change_set_arn"]
    moto_env.client("cloudformation").delete_change_set(ChangeSetName=arn)
    executed = list(received.execute_change_set)
    result = execute(moto_env, "deleted", arn)
    assert result.returncode == 5, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: change set {arn} is gone (ChangeSetNotFound); run plan --keep-change-set "
        "again and review the new change set"
    )
    assert received.execute_change_set == executed


def test_an_executed_change_set_cannot_run_again(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    created(moto_env, tmp_path, "twice")
    arn = keep(moto_env, tmp_path, "twice", topic_template(extra_topics=1))["change_set_arn"]
    executed = list(received.execute_change_set)
    assert execute(moto_env, "twice", arn).returncode == 0
    again = execute(moto_env, "twice", arn)
    assert again.returncode == 5, again.stderr
    assert f"error: change set {arn} is EXECUTE_COMPLETE: it was already executed" in again.stderr
    assert received.execute_change_set == [*executed, arn]


def test_the_data_safety_check_runs_again_on_a_kept_change_set(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    template = topic_template()
    template["Resources"]["Data"] = {"Type": "AWS::S3::Bucket", "Properties": {}}
    done = run_template(moto_env, tmp_path, "safe", "deploy", template)
    assert done.returncode == 0, done.stderr
    arn = keep(moto_env, tmp_path, "safe", topic_template())["change_set_arn"]
    executed = list(received.execute_change_set)
    refused = execute(moto_env, "safe", arn)
    assert refused.returncode == 3, refused.stderr
    assert "Data" in refused.stderr and received.execute_change_set == executed
    allowed = execute(moto_env, "safe", arn, "--allow-replacement", "Data")
    assert allowed.returncode == 0, allowed.stderr
    assert received.execute_change_set == [*executed, arn]


@pytest.mark.parametrize(
    "extra",
    [
        ["--template", "t.json"],
        ["--parameter", "Env=prod"],
        ["--role-arn", "arn:aws:iam::123456789012:role/deployer"],
        ["--rollback-alarm", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:errors"],
    ],
)
def test_change_set_with_template_inputs_is_bad_input(
    moto_env: MotoEnv, tmp_path: Path, extra: list[str]
) -> None:
    write_json(tmp_path / "t.json", topic_template())
    arn = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/cs1/abc"
    result = moto_env.deploy(
        "deploy", "--stack-name", "x", "--change-set", arn, *[
            str(tmp_path / e) if e == "t.json" else e for e in extra
        ],
    )  # fmt: skip
    assert result.returncode == 4, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --change-set executes the change set")
    assert extra[0] in lines[0]


def test_deploy_without_template_or_change_set_is_bad_input(moto_env: MotoEnv) -> None:
    result = moto_env.deploy("deploy", "--stack-name", "x")
    assert result.returncode == 4
    assert result.stderr.strip() == "error: deploy needs --template FILE (or --change-set ARN)"


def test_a_malformed_change_set_arn_is_bad_input(moto_env: MotoEnv) -> None:
    result = moto_env.deploy("deploy", "--stack-name", "x", "--change-set", "cs1")
    assert result.returncode == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --change-set 'cs1' is not a change set")


def test_a_change_set_of_another_stack_is_bad_input(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    arn = keep(moto_env, tmp_path, "mine", topic_template())["change_set_arn"]
    result = execute(moto_env, "theirs", arn)
    assert result.returncode == 4, result.stderr
    assert f"error: change set {arn} belongs to stack mine, not theirs" in result.stderr


def with_role() -> dict[str, Any]:
    """The topic template plus an IAM role that may publish to it: a change that widens access."""
    template = topic_template()
    trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
    publish = {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "Topic"}}
    template["Resources"]["Publisher"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {"Statement": [{**trust, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "publish", "PolicyDocument": {"Statement": [publish]}}],
        },
    }
    return template


def test_require_approval_is_honoured_on_a_kept_change_set(
    moto_env: MotoEnv, tmp_path: Path, received: Received
) -> None:
    created(moto_env, tmp_path, "wide")
    arn = keep(moto_env, tmp_path, "wide", with_role())["change_set_arn"]
    refused = execute(moto_env, "wide", arn)
    assert refused.returncode == 3, refused.stderr
    assert "--require-approval never" in refused.stderr
    done = execute(moto_env, "wide", arn, "--require-approval", "never")
    assert done.returncode == 0, done.stderr
    assert received.execute_change_set[-1] == arn
