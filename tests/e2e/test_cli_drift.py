"""Drift before deploy, --no-rollback and --retain-except-on-create, end to end on moto's server.

moto 5.2.5 answers 500 to DetectStackDrift, so a plain run shows drift "not checked"; runs that
need drift found answer the three drift calls in process the way botocore's Stubber does
(tests/support/drift.py) while everything else reaches moto.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from tests.support.drift import answer_drift_on, difference, drift_record, recorded_calls
from tests.support.moto import MotoEnv, run_template, write_json
from tests.support.samples import topic_template

STACK = "drift1"


def only_json(stdout: str) -> dict[str, Any]:
    obj = json.loads(stdout)
    assert isinstance(obj, dict)
    return obj


def deployed(moto_env: MotoEnv, tmp_path: Path, *tags: str) -> None:
    extra = [arg for tag in tags for arg in ("--tag", tag)]
    result = run_template(moto_env, tmp_path, STACK, "deploy", topic_template(), *extra)
    assert result.returncode == 0, result.stderr


def renamed_topic() -> dict[str, Any]:
    template = topic_template()
    template["Resources"]["Topic"]["Properties"]["TopicName"] = "renamed"
    return template


def test_an_update_goes_on_when_drift_cannot_be_checked(moto_env: MotoEnv, tmp_path: Path) -> None:
    # Tagged production: the fail default does not stop a run whose drift could not be checked.
    deployed(moto_env, tmp_path, "Environment=production")
    result = run_template(
        moto_env, tmp_path, STACK, "deploy", topic_template(extra_topics=1), "--output", "json"
    )
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "Drift" in line]
    assert len(notes) == 1 and notes[0].startswith(f"Drift not checked on stack {STACK}")
    assert "may not implement drift detection" in notes[0]
    body = only_json(result.stdout)
    assert body["status"] == "UPDATE_COMPLETE"
    assert body["drift"]["checked"] is False and body["drift"]["mode"] == "fail"


def test_a_create_does_not_look_for_drift(moto_env: MotoEnv, tmp_path: Path) -> None:
    result = run_template(moto_env, tmp_path, STACK, "deploy", topic_template(), "--output", "json")
    assert result.returncode == 0, result.stderr
    assert "Drift" not in result.stderr and "drift" not in only_json(result.stdout)


def test_no_rollback_is_refused_on_a_replacement(moto_env: MotoEnv, tmp_path: Path) -> None:
    deployed(moto_env, tmp_path)
    before = len(moto_env.backend().change_sets)
    result = run_template(moto_env, tmp_path, STACK, "deploy", renamed_topic(), "--no-rollback")
    assert result.returncode == 3, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: --no-rollback refused: the change set replaces Topic (True); deploy without "
        "--no-rollback (change set deleted)"
    ]
    body = moto_env.client("cloudformation").get_template(StackName=STACK)["TemplateBody"]
    assert "TopicName" not in json.dumps(body)
    assert len(moto_env.backend().change_sets) == before  # made, then deleted unexecuted
    stack = moto_env.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"


def test_the_two_execution_flags_exclude_each_other(moto_env: MotoEnv, tmp_path: Path) -> None:
    result = run_template(
        moto_env, tmp_path, STACK, "deploy", topic_template(),
        "--no-rollback", "--retain-except-on-create",
    )  # fmt: skip
    assert result.returncode == 4
    assert "not allowed with argument" in result.stderr


def in_process(
    moto_env: MotoEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    template: dict[str, Any],
    *extra: str,
    records: list[dict[str, Any]] | None = None,
    command: str = "deploy",
) -> tuple[int, list[dict[str, Any]]]:
    """deploy.main in this process on moto, the drift calls answered with ``records`` when
    given; the exit code and every CloudFormation call it made, with its parameters."""
    import deploy
    from stackops.aws import clients as aws

    for key, value in moto_env.env.items():
        if key.startswith("DEPLOY_"):
            monkeypatch.setenv(key, value)
    make_clients = aws.make_clients
    watched_lists: list[list[dict[str, Any]]] = []

    def watched(*args: Any, **kwargs: Any) -> Any:
        made = make_clients(*args, **kwargs)
        watched_lists.append(recorded_calls(made.cfn))
        if records is not None:
            answer_drift_on(made.cfn, records)
        return made

    monkeypatch.setattr(aws, "make_clients", watched)
    path = write_json(tmp_path / "next.json", template)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        args = [command, "--stack-name", STACK, "--template", str(path), "--skip-validation"]
        code = deploy.main([*args, *(["--yes"] if command == "deploy" else []), *extra])
    finally:
        signal.signal(signal.SIGTERM, previous)
    return code, [call for seen in watched_lists for call in seen]


def sent(calls: list[dict[str, Any]], operation: str) -> list[dict[str, Any]]:
    return [c for c in calls if c["operation"] == operation]


@pytest.mark.parametrize(
    ("flag", "parameter"),
    [("--no-rollback", "DisableRollback"), ("--retain-except-on-create", "RetainExceptOnCreate")],
)
def test_the_execution_flags_reach_execute_change_set(
    moto_env: MotoEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, flag: str, parameter: str
) -> None:
    deployed(moto_env, tmp_path)
    code, calls = in_process(moto_env, monkeypatch, tmp_path, topic_template(extra_topics=1), flag)
    assert code == 0
    (execute,) = sent(calls, "ExecuteChangeSet")
    assert execute[parameter] is True
    stack = moto_env.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"


def test_without_the_flags_execute_change_set_is_sent_as_before(
    moto_env: MotoEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    deployed(moto_env, tmp_path)
    code, calls = in_process(moto_env, monkeypatch, tmp_path, topic_template(extra_topics=1))
    assert code == 0
    (execute,) = sent(calls, "ExecuteChangeSet")
    assert "DisableRollback" not in execute and "RetainExceptOnCreate" not in execute
    assert all("DeploymentMode" not in c for c in sent(calls, "CreateChangeSet"))


def hand_edited() -> list[dict[str, Any]]:
    return [
        drift_record(
            "Topic",
            "MODIFIED",
            differences=[difference("/DisplayName", "dev-topic", "edited-by-hand")],
        )
    ]


def test_drift_on_a_production_stack_stops_the_deploy(
    moto_env: MotoEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deployed(moto_env, tmp_path, "Stage=prod")
    template = topic_template(extra_topics=1)
    code, calls = in_process(
        moto_env, monkeypatch, tmp_path, template, "--output", "json", records=hand_edited()
    )
    assert code == 3
    assert sent(calls, "CreateChangeSet") == [] and sent(calls, "ExecuteChangeSet") == []
    out, err = capsys.readouterr()
    assert (
        "/DisplayName: actual edited-by-hand | last deployed dev-topic | desired dev-topic" in err
    )
    body = only_json(out)
    assert body["status"] == "REFUSED"
    assert body["drift"]["drifted"][0]["logical_id"] == "Topic"


def test_plan_with_revert_makes_a_revert_drift_change_set(
    moto_env: MotoEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deployed(moto_env, tmp_path, "Stage=prod")
    template = topic_template(extra_topics=1)
    code, calls = in_process(
        moto_env, monkeypatch, tmp_path, template, "--on-drift", "revert",
        records=hand_edited(), command="plan",
    )  # fmt: skip
    assert code == 2
    (create,) = sent(calls, "CreateChangeSet")
    assert create["DeploymentMode"] == "REVERT_DRIFT"
    assert "DeploymentMode REVERT_DRIFT" in capsys.readouterr().err


def test_warn_deploys_over_the_drift(
    moto_env: MotoEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    deployed(moto_env, tmp_path)
    code, calls = in_process(
        moto_env, monkeypatch, tmp_path, topic_template(extra_topics=1), records=hand_edited()
    )
    assert code == 0
    assert len(sent(calls, "ExecuteChangeSet")) == 1
    assert all("DeploymentMode" not in c for c in sent(calls, "CreateChangeSet"))


def test_plan_with_fail_exits_3_on_drift(
    moto_env: MotoEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    deployed(moto_env, tmp_path)  # not production: only the flag makes it fail
    template = topic_template(extra_topics=1)
    code, calls = in_process(
        moto_env, monkeypatch, tmp_path, template, "--on-drift", "fail",
        records=hand_edited(), command="plan",
    )  # fmt: skip
    assert code == 3
    assert sent(calls, "CreateChangeSet") == []
