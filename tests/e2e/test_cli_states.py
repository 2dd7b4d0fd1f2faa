"""deploy.py against injected stack states and failures on the moto server: the state table,
root cause, delete of buckets holding data, and interruption (SIGINT/SIGTERM)."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.injection import (
    add_event,
    default_signals,
    find_change_set,
    read_until,
    rest,
    spawn,
)
from tests.support.moto import DEPLOY, MotoEnv, write_json
from tests.support.paths import ROOT
from tests.support.samples import bucket_template, topic_template


@pytest.fixture
def template_file(tmp_path: Path) -> Path:
    return write_json(tmp_path / "template.json", topic_template())


def deploy(
    moto_env: MotoEnv, stack: str, template: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    return moto_env.deploy(
        "deploy", "--stack-name", stack, "--template", template, "--skip-validation", "--yes",
        *extra,
    )  # fmt: skip


def live(moto_env: MotoEnv, name: str) -> list[dict[str, Any]]:
    summaries = moto_env.client("cloudformation").list_stacks()["StackSummaries"]
    return [
        s for s in summaries if s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE"
    ]


def pending_change_sets(moto_env: MotoEnv, name: str) -> list[Any]:
    return [
        c
        for c in moto_env.backend().change_sets.values()
        if c.stack_name == name and c.execution_status != "EXECUTE_COMPLETE"
    ]


def fail_create(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
    """Stand-in for moto's ExecuteChangeSet: a create that fails and rolls back, as AWS does."""
    change_set = find_change_set(self, change_set_name)
    stack = self.stacks[change_set.stack_id]
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    add_event(stack, "Topic", "AWS::SNS::Topic", "CREATE_IN_PROGRESS")
    add_event(stack, "Data", "AWS::S3::Bucket", "CREATE_IN_PROGRESS")
    add_event(stack, "Data", "AWS::S3::Bucket", "CREATE_FAILED", "edu-data already exists")
    add_event(stack, "Topic", "AWS::SNS::Topic", "CREATE_FAILED", "Resource creation cancelled")
    stack._add_stack_event(
        "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Data, Topic]."
    )
    stack._add_stack_event("ROLLBACK_COMPLETE")
    stack.status = "ROLLBACK_COMPLETE"
    change_set.execution_status = "EXECUTE_COMPLETE"


@pytest.fixture
def failing_execution(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.cloudformation.models import CloudFormationBackend

    monkeypatch.setattr(CloudFormationBackend, "execute_change_set", fail_create)


# ---------------------------------------------------------------------------- failure


def test_failed_create_prints_root_cause_first_then_status_and_exits_1(
    moto_env: MotoEnv, template_file: Path, failing_execution: None
) -> None:
    result = deploy(moto_env, "fail1", template_file)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    cause = lines.index("Root cause:")
    assert "Data (AWS::S3::Bucket): edu-data already exists" in lines[cause + 1]
    final = next(i for i, line in enumerate(lines) if line.startswith("Stack fail1: ROLLBACK"))
    assert cause < final


def test_root_cause_leaves_out_cancellations(
    moto_env: MotoEnv, template_file: Path, failing_execution: None
) -> None:
    result = deploy(moto_env, "fail2", template_file, "--output", "json")
    body = json.loads(result.stdout)
    assert body["root_cause"] == [
        {"logical_id": "Data", "type": "AWS::S3::Bucket", "reason": "edu-data already exists"}
    ]


def test_status_shows_the_root_cause_of_the_last_operation(
    moto_env: MotoEnv, template_file: Path, failing_execution: None
) -> None:
    assert deploy(moto_env, "fail3", template_file).returncode == 1
    result = moto_env.deploy("status", "--stack-name", "fail3", "--output", "json")
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["status"] == "ROLLBACK_COMPLETE"
    assert [c["logical_id"] for c in body["root_cause"]] == ["Data"]


def test_execute_error_is_a_failure_with_its_message(
    moto_env: MotoEnv, template_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend

    def boom(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        raise ValidationError(message="Template error: unresolved resource dependency Nope")

    monkeypatch.setattr(CloudFormationBackend, "execute_change_set", boom)
    started = time.monotonic()
    result = deploy(moto_env, "execerr", template_file)
    assert result.returncode == 1
    assert "ExecuteChangeSet failed" in result.stderr and "Nope" in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 30


# ---------------------------------------------------------------------------- state table


def test_review_in_progress_stack_is_replaced_by_a_create(
    moto_env: MotoEnv, template_file: Path
) -> None:
    cfn = moto_env.client("cloudformation")
    made = cfn.create_change_set(
        StackName="rev1", ChangeSetName="left", ChangeSetType="CREATE",
        TemplateBody=template_file.read_text(),
    )  # fmt: skip
    cfn.delete_change_set(ChangeSetName=made["Id"])
    assert cfn.describe_stacks(StackName="rev1")["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    result = deploy(moto_env, "rev1", template_file)
    assert result.returncode == 0, result.stderr
    assert [s["StackStatus"] for s in live(moto_env, "rev1")] == ["CREATE_COMPLETE"]
    assert "REVIEW_IN_PROGRESS" in result.stderr


@pytest.mark.parametrize("state", ["ROLLBACK_COMPLETE", "ROLLBACK_FAILED"])
def test_failed_first_create_is_deleted_and_created_again(
    moto_env: MotoEnv, template_file: Path, state: str
) -> None:
    assert deploy(moto_env, "again", template_file).returncode == 0
    old = moto_env.stack("again")
    old.status = state
    result = deploy(moto_env, "again", template_file)
    assert result.returncode == 0, result.stderr
    assert "deleting it, then creating it again" in result.stderr
    stacks = live(moto_env, "again")
    assert [s["StackStatus"] for s in stacks] == ["CREATE_COMPLETE"]
    assert stacks[0]["StackId"] != old.stack_id


def test_in_progress_stack_is_waited_for_then_updated(
    moto_env: MotoEnv, template_file: Path
) -> None:
    assert deploy(moto_env, "busy", template_file).returncode == 0
    stack = moto_env.stack("busy")
    stack.status = "UPDATE_IN_PROGRESS"
    stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    proc = spawn(
        moto_env.env,
        *("deploy", "--stack-name", "busy", "--template", str(template_file)),
        *("--skip-validation", "--yes", "--parameter", "Env=prod"),
    )
    try:
        read_until(proc, "waiting for it to settle")
        time.sleep(0.5)
        assert proc.poll() is None  # still waiting: it did not go ahead on a busy stack
        stack._add_stack_event("UPDATE_COMPLETE")
        stack.status = "UPDATE_COMPLETE"
        code, _ = rest(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0
    params = moto_env.client("cloudformation").describe_stacks(StackName="busy")["Stacks"][0]
    assert {"ParameterKey": "Env", "ParameterValue": "prod"} in params["Parameters"]


def test_update_rollback_failed_exits_5_with_the_command_to_continue(
    moto_env: MotoEnv, template_file: Path
) -> None:
    assert deploy(moto_env, "urf", template_file).returncode == 0
    moto_env.stack("urf").status = "UPDATE_ROLLBACK_FAILED"
    before = len(moto_env.backend().change_sets)
    result = deploy(moto_env, "urf", template_file, "--parameter", "Env=prod")
    assert result.returncode == 5
    assert (
        "aws cloudformation continue-update-rollback --stack-name urf --region us-east-1"
        in result.stderr
    )
    assert len(moto_env.backend().change_sets) == before


def test_delete_failed_exits_5(moto_env: MotoEnv, template_file: Path) -> None:
    assert deploy(moto_env, "delf", template_file).returncode == 0
    moto_env.stack("delf").status = "DELETE_FAILED"
    result = deploy(moto_env, "delf", template_file, "--parameter", "Env=prod")
    assert result.returncode == 5
    assert "DELETE_FAILED" in result.stderr and "could not delete" in result.stderr


# ---------------------------------------------------------------------------- delete


def _fill_versioned(s3: Any, bucket: str) -> int:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"v1", b"v2"):
        s3.put_object(Bucket=bucket, Key="records/a.csv", Body=body)
    s3.put_object(Bucket=bucket, Key="records/b.csv", Body=b"b")
    s3.delete_object(Bucket=bucket, Key="records/b.csv")  # leaves a delete marker
    listing = s3.list_object_versions(Bucket=bucket)
    return len(listing.get("Versions", [])) + len(listing.get("DeleteMarkers", []))


def test_delete_empties_this_stacks_versioned_bucket_and_removes_it(
    moto_env: MotoEnv, tmp_path: Path
) -> None:
    s3 = moto_env.client("s3")
    for name in ("stack-a", "stack-b"):
        path = write_json(tmp_path / f"{name}.json", bucket_template(f"{name}-data"))
        assert deploy(moto_env, name, path).returncode == 0
        assert _fill_versioned(s3, f"{name}-data") == 4
    result = moto_env.deploy("delete", "--stack-name", "stack-a", "--yes")
    assert result.returncode == 0, result.stderr
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert "stack-a-data" not in names
    assert live(moto_env, "stack-a") == []


def test_delete_leaves_another_stacks_bucket_untouched(moto_env: MotoEnv, tmp_path: Path) -> None:
    s3 = moto_env.client("s3")
    counts = {}
    for name in ("stack-c", "stack-d"):
        path = write_json(tmp_path / f"{name}.json", bucket_template(f"{name}-data"))
        assert deploy(moto_env, name, path).returncode == 0
        counts[name] = _fill_versioned(s3, f"{name}-data")
    assert moto_env.deploy("delete", "--stack-name", "stack-c", "--yes").returncode == 0
    listing = s3.list_object_versions(Bucket="stack-d-data")
    left = len(listing.get("Versions", [])) + len(listing.get("DeleteMarkers", []))
    assert left == counts["stack-d"]


def test_delete_keeps_the_data_of_a_retained_bucket_and_says_so(
    moto_env: MotoEnv, tmp_path: Path
) -> None:
    template = bucket_template("kept-data")
    template["Resources"]["Data"]["DeletionPolicy"] = "Retain"
    path = write_json(tmp_path / "kept.json", template)
    assert deploy(moto_env, "kept", path).returncode == 0
    s3 = moto_env.client("s3")
    s3.put_object(Bucket="kept-data", Key="a", Body=b"a")
    result = moto_env.deploy("delete", "--stack-name", "kept", "--yes")
    assert result.returncode == 0, result.stderr
    assert "retained: Data" in result.stderr
    assert s3.list_objects_v2(Bucket="kept-data")["KeyCount"] == 1


# ---------------------------------------------------------------------------- interruption


def _deploy_on_a_pty(moto_env: MotoEnv, *args: str | Path) -> subprocess.Popen[bytes]:
    """deploy without --yes, stdin a terminal: it stops at the confirmation prompt."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, str(DEPLOY), "deploy", *map(str, args), "--skip-validation"],
        stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=moto_env.env, cwd=ROOT,
        preexec_fn=default_signals,
    )  # fmt: skip
    os.close(slave)
    proc._pty_master = master  # type: ignore[attr-defined]
    return proc


def _close(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    os.close(proc._pty_master)  # type: ignore[attr-defined]


def test_sigint_during_review_of_a_create_removes_change_set_and_review_stack(
    moto_env: MotoEnv, template_file: Path
) -> None:
    proc = _deploy_on_a_pty(moto_env, "--stack-name", "intr1", "--template", template_file)
    try:
        read_until(proc, "Execute this change set?")
        assert len(pending_change_sets(moto_env, "intr1")) == 1
        proc.send_signal(signal.SIGINT)
        code, err = rest(proc)
    finally:
        _close(proc)
    assert code == 130, err
    assert "change set deleted" in err and "empty review stack deleted" in err
    assert pending_change_sets(moto_env, "intr1") == []
    assert live(moto_env, "intr1") == []


def test_sigterm_during_review_of_an_update_leaves_the_stack_untouched(
    moto_env: MotoEnv, template_file: Path
) -> None:
    assert deploy(moto_env, "intr2", template_file).returncode == 0
    proc = _deploy_on_a_pty(
        moto_env, "--stack-name", "intr2", "--template", template_file, "--parameter", "Env=prod"
    )
    try:
        read_until(proc, "Execute this change set?")
        proc.send_signal(signal.SIGTERM)
        code, err = rest(proc)
    finally:
        _close(proc)
    assert code == 130, err
    assert pending_change_sets(moto_env, "intr2") == []
    stack = moto_env.client("cloudformation").describe_stacks(StackName="intr2")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {"ParameterKey": "Env", "ParameterValue": "dev"} in stack["Parameters"]


def test_declining_at_the_prompt_deletes_the_change_set(
    moto_env: MotoEnv, template_file: Path
) -> None:
    proc = _deploy_on_a_pty(moto_env, "--stack-name", "decl", "--template", template_file)
    try:
        read_until(proc, "Execute this change set?")
        os.write(proc._pty_master, b"n\n")  # type: ignore[attr-defined]
        code, err = rest(proc)
    finally:
        _close(proc)
    assert code == 1, err
    assert pending_change_sets(moto_env, "decl") == []
    assert live(moto_env, "decl") == []


def test_sigint_during_execution_says_how_to_follow_and_exits_130(
    moto_env: MotoEnv, template_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.cloudformation.models import CloudFormationBackend

    assert deploy(moto_env, "intr3", template_file).returncode == 0

    def never_ends(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = find_change_set(self, change_set_name)
        stack = self.stacks[change_set.stack_id]
        stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.status = "UPDATE_IN_PROGRESS"
        change_set.execution_status = "EXECUTE_IN_PROGRESS"

    monkeypatch.setattr(CloudFormationBackend, "execute_change_set", never_ends)
    proc = spawn(
        moto_env.env,
        *("deploy", "--stack-name", "intr3", "--template", str(template_file)),
        *("--skip-validation", "--yes", "--parameter", "Env=prod"),
    )
    try:
        read_until(proc, "UPDATE_IN_PROGRESS")
        proc.send_signal(signal.SIGINT)
        code, err = rest(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 130
    assert "python deploy.py status --stack-name intr3" in err
    assert "cancel-update-stack" in err


def test_heartbeat_names_what_is_still_in_progress(
    moto_env: MotoEnv, template_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set
    holder: dict[str, threading.Thread] = {}

    def slow(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = find_change_set(self, change_set_name)
        stack = self.stacks[change_set.stack_id]
        stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        add_event(stack, "Topic", "AWS::SNS::Topic", "CREATE_IN_PROGRESS")
        stack.status = "CREATE_IN_PROGRESS"

        def finish() -> None:
            time.sleep(2.5)
            add_event(stack, "Topic", "AWS::SNS::Topic", "CREATE_COMPLETE")
            original(self, change_set_name, stack_name)

        holder["t"] = threading.Thread(target=finish)
        holder["t"].start()

    monkeypatch.setattr(CloudFormationBackend, "execute_change_set", slow)
    result = deploy(moto_env, "slow1", template_file)
    holder["t"].join()
    assert result.returncode == 0, result.stderr
    beats = [line for line in result.stderr.splitlines() if "still in progress" in line]
    assert beats and "Topic" in beats[0]


def test_status_of_update_rollback_failed_exits_5(moto_env: MotoEnv, template_file: Path) -> None:
    assert deploy(moto_env, "stat5", template_file).returncode == 0
    moto_env.stack("stat5").status = "UPDATE_ROLLBACK_FAILED"
    result = moto_env.deploy("status", "--stack-name", "stat5")
    assert result.returncode == 5
    assert "continue-update-rollback --stack-name stat5" in result.stderr


def test_plan_never_deletes_a_rolled_back_stack(moto_env: MotoEnv, template_file: Path) -> None:
    assert deploy(moto_env, "planrb", template_file).returncode == 0
    stack = moto_env.stack("planrb")
    stack.status = "ROLLBACK_COMPLETE"
    result = moto_env.deploy(
        "plan", "--stack-name", "planrb", "--template", template_file, "--skip-validation"
    )
    assert result.returncode == 2, result.stderr
    assert "deploy would delete it and create it again" in result.stderr
    assert [s["StackId"] for s in live(moto_env, "planrb")] == [stack.stack_id]


def _needs_team(tmp_path: Path) -> Path:
    template = topic_template()
    template["Parameters"]["Team"] = {"Type": "String"}
    return write_json(tmp_path / "needs-team.json", template)


def test_missing_required_parameter_on_create_exits_4_without_a_stack(
    moto_env: MotoEnv, tmp_path: Path
) -> None:
    result = deploy(moto_env, "needteam", _needs_team(tmp_path))
    assert result.returncode == 4
    assert "Team" in result.stderr
    assert live(moto_env, "needteam") == []


def test_missing_required_parameter_does_not_delete_a_rolled_back_stack_first(
    moto_env: MotoEnv, template_file: Path, tmp_path: Path
) -> None:
    assert deploy(moto_env, "keeprb", template_file).returncode == 0
    stack = moto_env.stack("keeprb")
    stack.status = "ROLLBACK_COMPLETE"
    result = deploy(moto_env, "keeprb", _needs_team(tmp_path))
    assert result.returncode == 4
    assert [s["StackId"] for s in live(moto_env, "keeprb")] == [stack.stack_id]


def test_delete_waits_for_a_running_operation_first(moto_env: MotoEnv, template_file: Path) -> None:
    assert deploy(moto_env, "delbusy", template_file).returncode == 0
    stack = moto_env.stack("delbusy")
    stack.status = "UPDATE_IN_PROGRESS"
    stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    proc = spawn(moto_env.env, "delete", "--stack-name", "delbusy", "--yes")
    try:
        read_until(proc, "waiting for it to settle")
        time.sleep(0.5)
        assert proc.poll() is None
        stack._add_stack_event("UPDATE_COMPLETE")
        stack.status = "UPDATE_COMPLETE"
        code, err = rest(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    assert live(moto_env, "delbusy") == []
