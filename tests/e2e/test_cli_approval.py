"""--require-approval against moto's server: a template that adds an IAM role widens access, so a
deploy without a person to ask exits 3 unless --require-approval never says it is accepted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.moto import MotoEnv, write_json
from tests.support.samples import topic_template


def with_role() -> dict[str, Any]:
    template = topic_template()
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
    }
    publish = {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "Topic"}}
    template["Resources"]["Publisher"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": trust,
            "Policies": [{"PolicyName": "publish", "PolicyDocument": {"Statement": [publish]}}],
        },
    }
    return template


def deploy_args(path: Path, *extra: str) -> list[str | Path]:
    return ["deploy", "--stack-name", "iam1", "--template", path, "--skip-validation", *extra]


def stack_names(moto_env: MotoEnv) -> list[str]:
    listed = moto_env.client("cloudformation").list_stacks()["StackSummaries"]
    return [s["StackName"] for s in listed if s["StackStatus"] != "DELETE_COMPLETE"]


def test_a_widening_create_without_a_person_exits_3_and_creates_nothing(
    moto_env: MotoEnv, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "role.json", with_role())
    for extra in (("--yes",), ()):  # --yes, and no terminal (stdin is a pipe) without it
        result = moto_env.deploy(*deploy_args(path, *extra))
        assert result.returncode == 3, result.stderr
        assert "pass --require-approval never to accept" in result.stderr
        assert "IAM Publisher" in result.stderr
        assert "Traceback" not in result.stderr
    assert stack_names(moto_env) == []


def test_require_approval_never_executes_it(moto_env: MotoEnv, tmp_path: Path) -> None:
    path = write_json(tmp_path / "role.json", with_role())
    result = moto_env.deploy(*deploy_args(path, "--yes", "--require-approval", "never"))
    assert result.returncode == 0, result.stderr
    assert "Security changes (2: 2 widen access, 0 narrow it):" in result.stderr
    assert "sns:Publish" in result.stderr and "sts:AssumeRole" in result.stderr
    status = moto_env.client("cloudformation").describe_stacks(StackName="iam1")["Stacks"][0]
    assert status["StackStatus"] == "CREATE_COMPLETE"


def test_plan_lists_the_security_rows_in_json(moto_env: MotoEnv, tmp_path: Path) -> None:
    path = write_json(tmp_path / "role.json", with_role())
    args: list[str | Path] = [
        "plan",
        "--stack-name",
        "iam2",
        "--template",
        path,
        "--skip-validation",
    ]
    result = moto_env.deploy(*args, "--output", "json")
    assert result.returncode == 2, result.stderr
    rows = json.loads(result.stdout)["security"]
    assert {(r["resource"], r["kind"], r["change"], r["direction"]) for r in rows} == {
        ("Publisher", "IAM", "+", "widens"),
        ("Publisher", "IAM trust", "+", "widens"),
    }
    assert "need a person's confirmation in deploy" in result.stderr
