"""deploy.py as shipped, run as a subprocess against the moto server: the main flows."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.moto import MotoEnv, write_json
from tests.support.samples import topic_template

JSON_KEYS = {"stack", "operation", "status", "changes", "outputs", "root_cause", "duration_s"}


@pytest.fixture
def template_file(tmp_path: Path) -> Path:
    return write_json(tmp_path / "template.json", topic_template())


def deploy(
    moto_env: MotoEnv, stack: str, template: Path, *extra: str | Path
) -> subprocess.CompletedProcess[str]:
    return moto_env.deploy(
        "deploy", "--stack-name", stack, "--template", template, "--skip-validation", "--yes",
        *extra,
    )  # fmt: skip


def only_json(stdout: str) -> dict[str, Any]:
    """stdout must be exactly one JSON object and nothing else."""
    decoder = json.JSONDecoder()
    text = stdout.strip()
    obj, end = decoder.raw_decode(text)
    assert end == len(text), f"more than one JSON value on stdout: {stdout!r}"
    assert isinstance(obj, dict)
    return obj


def live_stacks(moto_env: MotoEnv, name: str) -> list[dict[str, Any]]:
    summaries = moto_env.client("cloudformation").list_stacks()["StackSummaries"]
    return [
        s for s in summaries if s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE"
    ]


def test_create_makes_the_stack_and_prints_outputs(moto_env: MotoEnv, template_file: Path) -> None:
    result = deploy(moto_env, "create1", template_file)
    assert result.returncode == 0, result.stderr
    stack = moto_env.client("cloudformation").describe_stacks(StackName="create1")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert "Outputs:" in result.stderr and "TopicArn" in result.stderr


def test_create_uses_a_change_set(moto_env: MotoEnv, template_file: Path) -> None:
    result = deploy(moto_env, "viacs", template_file)
    assert result.returncode == 0, result.stderr
    sets = moto_env.backend().change_sets.values()
    assert [c.change_set_type for c in sets if c.stack_name == "viacs"] == ["CREATE"]


def test_second_identical_deploy_is_a_noop_without_change_set(
    moto_env: MotoEnv, template_file: Path
) -> None:
    assert deploy(moto_env, "noop1", template_file).returncode == 0
    before = len(moto_env.backend().change_sets)
    result = deploy(moto_env, "noop1", template_file, "--output", "json")
    assert result.returncode == 0, result.stderr
    assert only_json(result.stdout)["operation"] == "noop"
    assert len(moto_env.backend().change_sets) == before


def test_noop_refused_change_set_is_deleted_and_exits_zero(
    moto_env: MotoEnv, template_file: Path
) -> None:
    # A tag-only difference skips the local shortcut; moto then refuses the change set as
    # empty, which exercises the "no changes" path of a real change set.
    assert deploy(moto_env, "noop2", template_file).returncode == 0
    result = deploy(moto_env, "noop2", template_file, "--tag", "team=x", "--output", "json")
    assert result.returncode == 0, result.stderr
    assert only_json(result.stdout)["operation"] == "noop"
    pending = [
        c
        for c in moto_env.backend().change_sets.values()
        if c.stack_name == "noop2" and c.execution_status != "EXECUTE_COMPLETE"
    ]
    assert pending == []


def test_update_changes_a_parameter(moto_env: MotoEnv, template_file: Path) -> None:
    assert deploy(moto_env, "upd1", template_file).returncode == 0
    result = deploy(moto_env, "upd1", template_file, "--parameter", "Env=prod", "--output", "json")
    assert result.returncode == 0, result.stderr
    body = only_json(result.stdout)
    assert (body["operation"], body["status"]) == ("update", "UPDATE_COMPLETE")
    assert body["outputs"]["EnvName"] == "prod"


def test_update_keeps_previous_values_of_parameters_not_given(
    moto_env: MotoEnv, template_file: Path
) -> None:
    first = deploy(moto_env, "keep1", template_file, "--parameter", "Owner=alice")
    assert first.returncode == 0, first.stderr
    result = deploy(moto_env, "keep1", template_file, "--parameter", "Env=prod")
    assert result.returncode == 0, result.stderr
    stack = moto_env.client("cloudformation").describe_stacks(StackName="keep1")["Stacks"][0]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert params["Owner"] == "alice" and params["Env"] == "prod"


def test_update_adding_a_resource_shows_it_in_the_review(moto_env: MotoEnv, tmp_path: Path) -> None:
    first = write_json(tmp_path / "a.json", topic_template())
    second = write_json(tmp_path / "b.json", topic_template(extra_topics=1))
    assert deploy(moto_env, "add1", first).returncode == 0
    result = deploy(moto_env, "add1", second)
    assert result.returncode == 0, result.stderr
    assert any(
        line.split()[:3] == ["Add", "Extra0", "AWS::SNS::Topic"]
        for line in result.stderr.splitlines()
    )


def test_plan_without_changes_exits_0(moto_env: MotoEnv, template_file: Path) -> None:
    assert deploy(moto_env, "plan0", template_file).returncode == 0
    result = moto_env.deploy(
        "plan", "--stack-name", "plan0", "--template", template_file, "--skip-validation"
    )
    assert result.returncode == 0, result.stderr


def test_plan_with_changes_exits_2_and_deletes_its_change_set(
    moto_env: MotoEnv, template_file: Path
) -> None:
    assert deploy(moto_env, "plan2", template_file).returncode == 0
    before = set(moto_env.backend().change_sets)
    result = moto_env.deploy(
        "plan", "--stack-name", "plan2", "--template", template_file, "--skip-validation",
        "--parameter", "Env=staging",
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert set(moto_env.backend().change_sets) == before


def test_plan_of_a_new_stack_leaves_no_stack_behind(moto_env: MotoEnv, template_file: Path) -> None:
    result = moto_env.deploy(
        "plan", "--stack-name", "plannew", "--template", template_file, "--skip-validation"
    )
    assert result.returncode == 2, result.stderr
    assert live_stacks(moto_env, "plannew") == []
    assert "Add" in result.stderr and "Topic" in result.stderr


def test_status_reports_status_and_outputs(moto_env: MotoEnv, template_file: Path) -> None:
    assert deploy(moto_env, "stat1", template_file).returncode == 0
    result = moto_env.deploy("status", "--stack-name", "stat1", "--output", "json")
    assert result.returncode == 0, result.stderr
    body = only_json(result.stdout)
    assert body["status"] == "CREATE_COMPLETE"
    assert body["outputs"]["TopicArn"].startswith("arn:aws:sns:")


def test_status_of_a_missing_stack_exits_1(moto_env: MotoEnv) -> None:
    result = moto_env.deploy("status", "--stack-name", "nothere")
    assert result.returncode == 1
    assert "does not exist" in result.stderr


def test_delete_removes_the_stack(moto_env: MotoEnv, template_file: Path) -> None:
    assert deploy(moto_env, "del1", template_file).returncode == 0
    result = moto_env.deploy("delete", "--stack-name", "del1", "--yes")
    assert result.returncode == 0, result.stderr
    assert live_stacks(moto_env, "del1") == []


def test_delete_without_yes_and_without_terminal_refuses(
    moto_env: MotoEnv, template_file: Path
) -> None:
    assert deploy(moto_env, "del2", template_file).returncode == 0
    result = moto_env.deploy("delete", "--stack-name", "del2")
    assert result.returncode == 4
    assert len(live_stacks(moto_env, "del2")) == 1


def test_delete_of_a_missing_stack_exits_0(moto_env: MotoEnv) -> None:
    result = moto_env.deploy("delete", "--stack-name", "ghost", "--yes")
    assert result.returncode == 0, result.stderr


def test_outputs_file_holds_the_outputs(
    moto_env: MotoEnv, template_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "outputs.json"
    result = deploy(moto_env, "outf", template_file, "--outputs-file", target)
    assert result.returncode == 0, result.stderr
    outputs = json.loads(target.read_text())
    assert outputs["EnvName"] == "dev" and outputs["TopicArn"].startswith("arn:aws:sns:")


@pytest.mark.parametrize("command", ["deploy", "plan"])
def test_json_output_is_exactly_one_object_with_the_contract_keys(
    moto_env: MotoEnv, template_file: Path, command: str
) -> None:
    args: list[str | Path] = [
        command,
        "--stack-name",
        "json1",
        "--template",
        template_file,
        "--skip-validation",
    ]
    result = moto_env.deploy(
        *args, "--yes" if command == "deploy" else "--strict", "--output", "json"
    )
    assert result.returncode in (0, 2), result.stderr
    body = only_json(result.stdout)
    # plan's JSON also lists the security diff (docs/deploy.md, --require-approval).
    assert set(body) == JSON_KEYS | ({"security"} if command == "plan" else set())
    assert body["changes"] == [
        {"logical_id": "Topic", "type": "AWS::SNS::Topic", "action": "Add", "replacement": None}
    ]
    assert body["root_cause"] is None and isinstance(body["duration_s"], float)


def test_json_output_of_delete_follows_the_contract(moto_env: MotoEnv, template_file: Path) -> None:
    assert deploy(moto_env, "json2", template_file).returncode == 0
    result = moto_env.deploy("delete", "--stack-name", "json2", "--yes", "--output", "json")
    body = only_json(result.stdout)
    assert set(body) == JSON_KEYS
    assert (body["operation"], body["status"]) == ("delete", "DELETE_COMPLETE")


def test_json_output_of_an_error_is_still_one_object(
    moto_env: MotoEnv, template_file: Path
) -> None:
    result = moto_env.deploy(
        "deploy", "--stack-name", "jerr", "--template", template_file, "--skip-validation",
        "--parameter", "Nope=1", "--output", "json",
    )  # fmt: skip
    assert result.returncode == 4
    body = only_json(result.stdout)
    assert set(body) == JSON_KEYS and body["status"] == "BAD_INPUT"


def test_human_lines_go_to_stderr_not_stdout(moto_env: MotoEnv, template_file: Path) -> None:
    result = deploy(moto_env, "quiet1", template_file)
    assert result.returncode == 0
    assert result.stdout == ""
    assert "CREATE_COMPLETE" in result.stderr


def test_deploy_without_terminal_never_prompts_and_executes(
    moto_env: MotoEnv, template_file: Path
) -> None:
    result = moto_env.deploy(
        "deploy", "--stack-name", "noprompt", "--template", template_file, "--skip-validation"
    )
    assert result.returncode == 0, result.stderr
    assert "[y/N]" not in result.stderr
    assert "without confirmation" in result.stderr


def test_validate_subcommand_runs_the_offline_gate(tmp_path: Path) -> None:
    from tests.support.paths import ROOT

    template = topic_template()
    template["Resources"]["Topic"]["Properties"]["NotAProperty"] = "x"
    path = write_json(tmp_path / "t.json", template)
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy.py"), "validate", "--template", str(path),
         "--output", "json"],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 4
    assert json.loads(result.stdout)["blockers"] >= 1


def test_change_set_with_zero_resource_changes_still_executes(
    moto_env: MotoEnv, template_file: Path
) -> None:
    # Owner only feeds an output: CloudFormation accepts the change set with no resource change.
    assert deploy(moto_env, "outonly", template_file).returncode == 0
    result = deploy(
        moto_env, "outonly", template_file, "--parameter", "Owner=bob", "--output", "json"
    )
    assert result.returncode == 0, result.stderr
    body = only_json(result.stdout)
    assert (body["operation"], body["changes"]) == ("update", [])
    assert body["outputs"]["OwnerName"] == "bob"


def test_json_of_a_refusal_carries_the_operation_and_changes(
    moto_env: MotoEnv, tmp_path: Path
) -> None:
    from tests.support.samples import bucket_template

    full = bucket_template("json-refusal-data")
    assert deploy(moto_env, "jref", write_json(tmp_path / "a.json", full)).returncode == 0
    del full["Resources"]["Data"]
    full["Outputs"] = {}
    result = deploy(moto_env, "jref", write_json(tmp_path / "b.json", full), "--output", "json")
    assert result.returncode == 3, result.stderr
    body = only_json(result.stdout)
    assert (body["status"], body["operation"]) == ("REFUSED", "update")
    assert {"logical_id": "Data", "type": "AWS::S3::Bucket", "action": "Remove"}.items() <= next(
        c for c in body["changes"] if c["logical_id"] == "Data"
    ).items()
