"""deploy.py against a real account, where moto cannot follow: drift, DescribeEvents, real events.

moto answers drift detection and DescribeEvents with a 500, makes no per-resource events, and
never fails a provisioning step, so these paths of deploy.py are proven only here. Each test
deploys a tiny template of its own (a log group, an SSM parameter; cents at most), with the
offline gate skipped (the gate's findings on a bare log group are not what is tested), and
deletes what it made in a ``finally``. It runs only when asked:

    EDU_LIVE_AWS=1 AWS_PROFILE=sandbox .venv/bin/python -m pytest tests/aws -m aws -v
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.live import live_marks, run_here

pytestmark = live_marks()


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return run_here("deploy.py", *args, timeout=900)


def write(path: Path, resources: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"Resources": resources}), encoding="utf-8")
    return path


def deploy(stack: str, template: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_tool(
        "deploy", "--stack-name", stack, "--template", str(template), "--skip-validation",
        "--yes", "--output", "json", *extra,
    )  # fmt: skip


def plan(stack: str, template: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_tool(
        "plan", "--stack-name", stack, "--template", str(template), "--skip-validation",
        "--output", "json", *extra,
    )  # fmt: skip


def delete(stack: str) -> None:
    done = run_tool("delete", "--stack-name", stack, "--yes")
    assert done.returncode == 0, done.stderr


def log_group(name: str, days: int) -> dict[str, Any]:
    return {"Logs": {"Type": "AWS::Logs::LogGroup",
                     "Properties": {"LogGroupName": name, "RetentionInDays": days}}}  # fmt: skip


def ssm_parameter(name: str, value: str, pattern: str = ".*") -> dict[str, Any]:
    props = {"Name": name, "Type": "String", "Value": value, "AllowedPattern": pattern}
    return {"Param": {"Type": "AWS::SSM::Parameter", "Properties": props}}


@pytest.fixture
def suffix() -> str:
    return secrets.token_hex(3)


def test_drift_made_out_of_band_shows_three_values_and_fail_stops(
    tmp_path: Path, suffix: str
) -> None:
    import boto3

    stack, name = f"edu-live-drift-{suffix}", f"/edu-live/{suffix}/drift"
    try:
        created = deploy(stack, write(tmp_path / "v1.json", log_group(name, 30)))
        assert created.returncode == 0, created.stderr
        boto3.client("logs").put_retention_policy(logGroupName=name, retentionInDays=7)

        v2 = write(tmp_path / "v2.json", log_group(name, 90))
        planned = plan(stack, v2, "--on-drift", "warn")
        assert planned.returncode == 2, planned.stderr
        drift = json.loads(planned.stdout)["drift"]
        assert drift["checked"] is True, drift
        (resource,) = drift["drifted"]
        assert (resource["logical_id"], resource["status"]) == ("Logs", "MODIFIED")
        (diff,) = [d for d in resource["differences"] if d["path"] == "/RetentionInDays"]
        values = (diff["actual"], diff["last_deployed"], diff["desired"])
        assert tuple(str(v) for v in values) == ("7", "30", "90")
        assert "actual 7 | last deployed 30 | desired 90" in planned.stderr

        refused = deploy(stack, v2, "--on-drift", "fail")
        assert refused.returncode == 3, refused.stderr
        body = json.loads(refused.stdout)
        assert body["status"] == "REFUSED" and body["drift"]["drifted"]
        assert "drifted: Logs" in refused.stderr
        groups = boto3.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        assert [g.get("retentionInDays") for g in groups] == [7], "fail must change nothing"
    finally:
        delete(stack)


def test_a_failed_update_names_its_cause_from_describe_events_and_draws_a_timeline(
    tmp_path: Path, suffix: str
) -> None:
    stack, name = f"edu-live-cause-{suffix}", f"/edu-live/{suffix}/cause"
    try:
        created = deploy(stack, write(tmp_path / "ok.json", ssm_parameter(name, "abc", "^[a-z]+$")))
        assert created.returncode == 0, created.stderr
        # SSM, not the template's schema, rejects the value: the update fails while provisioning.
        bad = write(tmp_path / "bad.json", ssm_parameter(name, "ABC", "^[a-z]+$"))
        failed = deploy(stack, bad)
        assert failed.returncode == 1, failed.stderr
        body = json.loads(failed.stdout)
        assert body["status"] == "UPDATE_ROLLBACK_COMPLETE"
        (cause,) = body["root_cause"]
        assert (cause["logical_id"], cause["type"]) == ("Param", "AWS::SSM::Parameter")
        assert "pattern" in cause["reason"].lower(), cause
        assert body.get("operation_id"), "the real endpoint stamps its operation id"
        notes = body.get("root_cause_notes", [])
        assert not any("DescribeStackEvents" in n for n in notes), notes

        picture = tmp_path / "update.svg"
        status = run_tool("status", "--stack-name", stack, "--timeline", str(picture))
        assert status.returncode == 1, status.stderr  # rolled back
        written = re.search(
            rf"Timeline written to {re.escape(str(picture))}: (\d+) resource", status.stderr
        )
        assert written and int(written.group(1)) >= 1, status.stderr
        svg = picture.read_text(encoding="utf-8")
        assert "<svg" in svg and 'class="label"' in svg and ">Param</text>" in svg
    finally:
        delete(stack)


def test_the_preflight_stops_on_a_bucket_name_that_is_taken(tmp_path: Path, suffix: str) -> None:
    import boto3

    stack, bucket = f"edu-live-taken-{suffix}", f"edu-live-taken-{suffix}"
    s3 = boto3.client("s3")
    region = s3.meta.region_name
    where = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    s3.create_bucket(Bucket=bucket, **where)
    try:
        template = write(tmp_path / "bucket.json", {"Files": {
            "Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}}})  # fmt: skip
        planned = plan(stack, template)
        assert planned.returncode == 4, planned.stderr
        assert json.loads(planned.stdout)["status"] == "BAD_INPUT"
        assert f"BLOCKER bucket names: Files {bucket}: exists in this account" in planned.stderr
        cfn = boto3.client("cloudformation")
        with pytest.raises(cfn.exceptions.ClientError):
            cfn.describe_stacks(StackName=stack)  # stopped before any change set or stack
    finally:
        s3.delete_bucket(Bucket=bucket)


def test_a_kept_change_set_is_executed_later_and_only_once(tmp_path: Path, suffix: str) -> None:
    import boto3

    stack, name = f"edu-live-kept-{suffix}", f"/edu-live/{suffix}/kept"
    try:
        created = deploy(stack, write(tmp_path / "v1.json", ssm_parameter(name, "one")))
        assert created.returncode == 0, created.stderr
        v2 = write(tmp_path / "v2.json", ssm_parameter(name, "two"))
        planned = plan(stack, v2, "--keep-change-set")
        assert planned.returncode == 2, planned.stderr
        kept = json.loads(planned.stdout)
        arn, fingerprint = kept["change_set_arn"], kept["review_fingerprint"]

        ssm = boto3.client("ssm")
        assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == "one", "plan executes nothing"
        ran = run_tool("deploy", "--stack-name", stack, "--change-set", arn, "--yes",
                       "--output", "json")  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        body = json.loads(ran.stdout)
        assert (body["status"], body["review_fingerprint"]) == ("UPDATE_COMPLETE", fingerprint)
        assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == "two"

        again = run_tool("deploy", "--stack-name", stack, "--change-set", arn, "--yes")
        assert again.returncode == 5, again.stderr  # executed: no longer AVAILABLE
    finally:
        delete(stack)
