"""Stack protections end to end: deploy.py as shipped, against the moto server.

moto stores stack policies without enforcing them, and has no UpdateTerminationProtection: the
policies are read back (and every SetStackPolicy recorded on the in-process backend), and the
termination-protection flag is injected into the backend.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stackops import safety
from tests.deploy.conftest import MotoEnv
from tests.deploy.test_safety_e2e import STACK, rds_template, run


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
    return json.loads(body)


def test_create_sets_the_protective_policy(deployed: MotoEnv) -> None:
    assert stack_policy(deployed) == safety.protective_policy(rds_template())


def test_allowed_replacement_opens_only_that_id_then_restores(
    deployed: MotoEnv, tmp_path: Path, policies_set: list[dict[str, Any]]
) -> None:
    template = rds_template(DBName="records")
    result = run(deployed, tmp_path, "deploy", template, "--allow-replacement", "Db")
    assert result.returncode == 0, result.stderr
    assert policies_set == [
        safety.opened_policy(template, ["Db"]),
        safety.protective_policy(template),
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
    assert policies_set[0] == safety.opened_policy(template, ["Db"])
    assert stack_policy(deployed) == safety.protective_policy(template)


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
