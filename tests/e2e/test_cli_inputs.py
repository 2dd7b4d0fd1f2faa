"""deploy.py inputs as shipped: parameter files, overrides, local validation, large templates,
and faults that must end in one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.moto import MotoEnv, subprocess_env, write_json
from tests.support.paths import ROOT
from tests.support.samples import big_template, topic_template

# Nothing listens on port 9 (discard) of 127.0.0.1: any AWS call fails at once.
DEAD_ENDPOINT = "http://127.0.0.1:9"

PARAMETER_FILES = {
    "cli-list": [
        {"ParameterKey": "Env", "ParameterValue": "staging"},
        {"ParameterKey": "Owner", "ParameterValue": "files"},
    ],
    "codepipeline": {"Parameters": {"Env": "staging", "Owner": "files"}, "Tags": {"team": "edu"}},
    "plain-map": {"Env": "staging", "Owner": "files"},
}


@pytest.fixture
def template_file(tmp_path: Path) -> Path:
    return write_json(tmp_path / "template.json", topic_template())


def stack_params(moto_env: MotoEnv, name: str) -> dict[str, str]:
    stack = moto_env.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}


def no_stacks(moto_env: MotoEnv) -> bool:
    summaries: list[Any] = moto_env.client("cloudformation").list_stacks()["StackSummaries"]
    return summaries == []


@pytest.mark.parametrize("fmt", sorted(PARAMETER_FILES))
def test_each_parameter_file_format_is_applied(
    moto_env: MotoEnv, template_file: Path, tmp_path: Path, fmt: str
) -> None:
    params = write_json(tmp_path / "params.json", PARAMETER_FILES[fmt])
    result = moto_env.deploy(
        "deploy", "--stack-name", f"pf-{fmt}", "--template", template_file,
        "--parameters", params, "--skip-validation", "--yes",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    got = stack_params(moto_env, f"pf-{fmt}")
    assert (got["Env"], got["Owner"]) == ("staging", "files")


def test_codepipeline_file_tags_reach_the_stack(
    moto_env: MotoEnv, template_file: Path, tmp_path: Path
) -> None:
    params = write_json(tmp_path / "params.json", PARAMETER_FILES["codepipeline"])
    result = moto_env.deploy(
        "deploy", "--stack-name", "pftags", "--template", template_file,
        "--parameters", params, "--skip-validation", "--yes",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stack = moto_env.client("cloudformation").describe_stacks(StackName="pftags")["Stacks"][0]
    assert {"Key": "team", "Value": "edu"} in stack["Tags"]


def test_parameter_flag_overrides_the_file(
    moto_env: MotoEnv, template_file: Path, tmp_path: Path
) -> None:
    params = write_json(tmp_path / "params.json", PARAMETER_FILES["plain-map"])
    result = moto_env.deploy(
        "deploy", "--stack-name", "override", "--template", template_file,
        "--parameters", params, "--parameter", "Env=prod", "--skip-validation", "--yes",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    got = stack_params(moto_env, "override")
    assert (got["Env"], got["Owner"]) == ("prod", "files")


def test_unknown_parameter_exits_4_and_makes_no_stack(
    moto_env: MotoEnv, template_file: Path
) -> None:
    result = moto_env.deploy(
        "deploy", "--stack-name", "unk", "--template", template_file,
        "--parameter", "DbPasword=x", "--skip-validation", "--yes",
    )  # fmt: skip
    assert result.returncode == 4
    assert "DbPasword" in result.stderr
    assert no_stacks(moto_env)


def test_bad_values_exit_4_one_line_each_before_any_aws_call(template_file: Path) -> None:
    # The endpoint is dead: reaching AWS would fail differently (exit 1, "cannot reach").
    result = _run_dead(
        "deploy", "--stack-name", "bad", "--template", template_file, "--skip-validation",
        "--parameter", "Env=qa", "--parameter", "Retention=0", "--yes",
    )  # fmt: skip
    assert result.returncode == 4, result.stderr
    assert "cannot reach" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert any("Env='qa'" in line and "allowed values" in line for line in lines)
    assert any("Retention='0'" in line and "at least 1" in line for line in lines)


def test_allowed_pattern_and_max_length_are_checked_locally(template_file: Path) -> None:
    result = _run_dead(
        "plan", "--stack-name", "bad", "--template", template_file, "--skip-validation",
        "--parameter", "Owner=Not_Valid-and-far-too-long-for-it",
    )  # fmt: skip
    assert result.returncode == 4
    assert "does not match the pattern" in result.stderr
    assert "longer than MaxLength 20" in result.stderr


@pytest.mark.parametrize(
    ("name", "text"),
    [("broken.json", '{"Resources": {"A": }'), ("broken.yaml", "Resources:\n  A: [unclosed\n")],
)
def test_unparsable_template_exits_4(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = _run_dead("deploy", "--stack-name", "x", "--template", path, "--yes")
    assert result.returncode == 4
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_yaml_template_with_short_forms_deploys(moto_env: MotoEnv, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "AWSTemplateFormatVersion: 2010-09-09\n"
        "Parameters:\n  Env: {Type: String, Default: dev}\n"
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
        "    Properties:\n      DisplayName: !Sub '${Env}-topic'\n"
        "Outputs:\n  TopicArn:\n    Value: !Ref Topic\n"
    )
    result = moto_env.deploy(
        "deploy", "--stack-name", "yaml1", "--template", path, "--skip-validation", "--yes",
        "--output", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outputs"]["TopicArn"].startswith("arn:aws:sns:")


def test_unreachable_endpoint_is_one_clear_line_in_bounded_time(template_file: Path) -> None:
    started = time.monotonic()
    result = _run_dead(
        "deploy", "--stack-name", "x", "--template", template_file, "--skip-validation", "--yes"
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "cannot reach the AWS endpoint" in errors[0]
    assert elapsed < 30


def test_missing_credentials_are_one_clear_line(template_file: Path) -> None:
    env = subprocess_env(DEAD_ENDPOINT)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(key)
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy.py"), "status", "--stack-name", "x"],
        capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "no AWS credentials found" in result.stderr


def test_usage_error_exits_4_with_one_line() -> None:
    result = _run_dead("deploy", "--template", "x.json")
    assert result.returncode == 4
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--stack-name" in result.stderr


def test_help_documents_the_exit_codes() -> None:
    result = _run_dead("--help")
    assert result.returncode == 0
    for code in ("0", "1", "2", "3", "4", "5", "130"):
        assert any(line.split()[:1] == [code] for line in result.stdout.splitlines()), code


def test_large_template_goes_through_the_tool_owned_bucket(
    moto_env: MotoEnv, tmp_path: Path
) -> None:
    template = big_template()
    assert len(json.dumps(template, separators=(",", ":"))) > 51_200
    path = write_json(tmp_path / "big.json", template)
    result = moto_env.deploy(
        "deploy", "--stack-name", "big1", "--template", path, "--skip-validation", "--yes"
    )
    assert result.returncode == 0, result.stderr
    s3 = moto_env.client("s3")
    bucket = f"cfn-deploy-{moto_env.account}-{moto_env.region}"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("cfn-templates/")


def test_tool_owned_bucket_is_encrypted_private_and_expiring(
    moto_env: MotoEnv, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "big.json", big_template())
    result = moto_env.deploy(
        "plan", "--stack-name", "big2", "--template", path, "--skip-validation"
    )
    assert result.returncode == 2, result.stderr
    s3 = moto_env.client("s3")
    bucket = f"cfn-deploy-{moto_env.account}-{moto_env.region}"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block and all(block.values())
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rules[0]["Expiration"]["Days"] > 0


def test_large_template_uses_the_artifact_bucket_when_given(
    moto_env: MotoEnv, tmp_path: Path
) -> None:
    s3 = moto_env.client("s3")
    s3.create_bucket(Bucket="my-artifacts")
    path = write_json(tmp_path / "big.json", big_template())
    result = moto_env.deploy(
        "deploy", "--stack-name", "big3", "--template", path, "--skip-validation", "--yes",
        "--artifact-bucket", "my-artifacts",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert s3.list_objects_v2(Bucket="my-artifacts")["KeyCount"] == 1
    assert "cfn-deploy-" not in str(s3.list_buckets()["Buckets"])


def test_template_over_one_megabyte_exits_4_naming_the_largest(tmp_path: Path) -> None:
    template = topic_template()
    template["Resources"]["Huge"] = {
        "Type": "AWS::SNS::Topic",
        "Properties": {"DisplayName": "x" * 1_100_000},
    }
    path = write_json(tmp_path / "huge.json", template)
    result = _run_dead(
        "deploy", "--stack-name", "huge", "--template", path, "--skip-validation", "--yes"
    )
    assert result.returncode == 4
    assert "Huge" in result.stderr and "1 MB" in result.stderr


def test_gate_blocker_stops_before_any_aws_call(tmp_path: Path) -> None:
    template = topic_template()
    template["Resources"]["Topic"]["Properties"]["NotAProperty"] = "x"
    path = write_json(tmp_path / "t.json", template)
    result = _run_dead("deploy", "--stack-name", "gate1", "--template", path, "--yes")
    assert result.returncode == 4, result.stderr
    assert "blocker" in result.stderr and "cannot reach" not in result.stderr


def _run_dead(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy.py"), *map(str, args)],
        capture_output=True, text=True, timeout=120,
        env=subprocess_env(DEAD_ENDPOINT), stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_endpoint_that_never_answers_fails_in_bounded_time(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []

    def accept_and_hold() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept_and_hold, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, str(ROOT / "deploy.py"), "status", "--stack-name", "x"],
            capture_output=True, text=True, timeout=60, env=subprocess_env(url),
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    finally:
        listener.close()
        for conn in held:
            conn.close()
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: the AWS endpoint stopped answering (read timeout): try again later"
    ]
