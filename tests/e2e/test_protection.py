"""Stack protections end to end: deploy.py as shipped, against the moto server.

moto stores stack policies without enforcing them, and has no UpdateTerminationProtection: the
policies are read back (and every SetStackPolicy recorded on the in-process backend), and the
termination-protection flag is injected into the backend.
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from stackops.datasafety import policy
from tests.support.injection import find_change_set, read_until, rest, spawn
from tests.support.moto import MotoEnv, run_template, write_json
from tests.support.samples import rds_template

STACK = "students"


def run(
    moto_env: MotoEnv, tmp_path: Path, command: str, template: dict[str, Any], *extra: str
) -> subprocess.CompletedProcess[str]:
    return run_template(moto_env, tmp_path, STACK, command, template, *extra)


@pytest.fixture
def policies_set(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every stack policy body the emulator receives, in order."""
    from moto.cloudformation.models import CloudFormationBackend

    seen: list[dict[str, Any]] = []
    original = CloudFormationBackend.set_stack_policy

    def recording(self: Any, stack_name: str, policy_body: str) -> None:
        seen.append(json.loads(policy_body))
        original(self, stack_name, policy_body)

    monkeypatch.setattr(CloudFormationBackend, "set_stack_policy", recording)
    return seen


@pytest.fixture
def deployed(moto_env: MotoEnv, tmp_path: Path) -> MotoEnv:
    result = run(moto_env, tmp_path, "deploy", rds_template())
    assert result.returncode == 0, result.stderr
    return moto_env


def stack_policy(moto_env: MotoEnv) -> dict[str, Any]:
    body = moto_env.client("cloudformation").get_stack_policy(StackName=STACK)["StackPolicyBody"]
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def test_create_sets_the_protective_policy(deployed: MotoEnv) -> None:
    assert stack_policy(deployed) == policy.protective_policy(rds_template())


def test_allowed_replacement_opens_only_that_id_then_restores(
    deployed: MotoEnv, tmp_path: Path, policies_set: list[dict[str, Any]]
) -> None:
    template = rds_template(DBName="records")
    result = run(deployed, tmp_path, "deploy", template, "--allow-replacement", "Db")
    assert result.returncode == 0, result.stderr
    assert policies_set == [
        policy.opened_policy(template, ["Db"]),
        policy.protective_policy(template),
    ]


def test_policy_restored_after_a_failed_update(
    deployed: MotoEnv, tmp_path: Path, policies_set: list[dict[str, Any]]
) -> None:
    # The emulator rejects this at ExecuteChangeSet, as it does any execution error.
    template = rds_template(DBName="records")
    template["Resources"]["Broken"] = {
        "Type": "AWS::SNS::Topic",
        "Properties": {"DisplayName": {"Fn::GetAtt": ["Files", "NoSuchAttribute"]}},
    }
    result = run(deployed, tmp_path, "deploy", template, "--allow-replacement", "Db")
    assert result.returncode == 1, result.stderr
    assert policies_set[0] == policy.opened_policy(template, ["Db"])
    assert stack_policy(deployed) == policy.protective_policy(template)


def test_termination_protection_unsupported_degrades_with_a_warning(
    deployed: MotoEnv, tmp_path: Path
) -> None:
    template = rds_template(AllocatedStorage="30")
    result = run(deployed, tmp_path, "deploy", template, "--termination-protection", "on")
    assert result.returncode == 0, result.stderr
    assert "warning: could not turn termination protection on" in result.stderr


def test_termination_protection_already_in_sync_is_quiet(deployed: MotoEnv, tmp_path: Path) -> None:
    deployed.stack(STACK).enable_termination_protection = True
    template = rds_template(AllocatedStorage="30")
    result = run(deployed, tmp_path, "deploy", template, "--termination-protection", "on")
    assert result.returncode == 0, result.stderr
    assert "termination protection" not in result.stderr


def test_delete_of_a_protected_stack_is_refused(deployed: MotoEnv) -> None:
    deployed.stack(STACK).enable_termination_protection = True
    result = deployed.deploy("delete", "--stack-name", STACK, "--yes")
    assert result.returncode == 3, result.stderr
    assert (
        "aws cloudformation update-termination-protection --no-enable-termination-protection "
        f"--stack-name {STACK}" in result.stderr
    )


def test_delete_of_a_protected_stack_leaves_it_in_place(deployed: MotoEnv) -> None:
    deployed.stack(STACK).enable_termination_protection = True
    deployed.deploy("delete", "--stack-name", STACK, "--yes")
    stacks = deployed.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"]
    assert stacks[0]["StackStatus"] == "CREATE_COMPLETE"


def test_delete_of_a_protected_stack_keeps_its_buckets_contents(deployed: MotoEnv) -> None:
    cfn, s3 = deployed.client("cloudformation"), deployed.client("s3")
    bucket = cfn.describe_stack_resource(StackName=STACK, LogicalResourceId="Files")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    s3.put_object(Bucket=bucket, Key="grades.csv", Body=b"1,A\n")
    deployed.stack(STACK).enable_termination_protection = True
    deployed.deploy("delete", "--stack-name", STACK, "--yes")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_policy_restored_after_an_interrupted_update(
    deployed: MotoEnv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    policies_set: list[dict[str, Any]],
    signum: int,
) -> None:
    from moto.cloudformation.models import CloudFormationBackend

    def never_ends(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        stack = self.stacks[find_change_set(self, change_set_name).stack_id]
        stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.status = "UPDATE_IN_PROGRESS"

    monkeypatch.setattr(CloudFormationBackend, "execute_change_set", never_ends)
    template = rds_template(DBName="records")
    path = write_json(tmp_path / "interrupted.json", template)
    proc = spawn(
        deployed.env,
        "deploy",
        "--stack-name",
        STACK,
        "--template",
        str(path),
        "--skip-validation",
        "--yes",
        "--allow-replacement",
        "Db",
    )
    try:
        read_until(proc, "UPDATE_IN_PROGRESS")
        assert policies_set == [policy.opened_policy(template, ["Db"])]
        proc.send_signal(signum)
        code, _ = rest(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 130
    assert stack_policy(deployed) == policy.protective_policy(template)
