"""stackops.options: the service role, rollback triggers and kept change set ARNs, checked offline;
and deploy.py rejecting each malformed value with exit 4 and one line before any AWS call."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import pytest
from botocore.stub import Stubber

import deploy
from stackops import options
from stackops.aws import changesets
from stackops.errors import BadInput
from stackops.result import Result

ROLE = "arn:aws:iam::123456789012:role/deploy/cfn-service"
ALARM = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:edu-5xx"
CS = "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/deploy-cs-1/0a1b2c"


@pytest.mark.parametrize(
    "role",
    [
        ROLE,
        "arn:aws-cn:iam::123456789012:role/x",
        "arn:aws-us-gov:iam::123456789012:role/a+b=c,d.e@f-g",
    ],
)
def test_role_arns_of_every_partition_pass(role: str) -> None:
    assert options.role_arn(role) == role


@pytest.mark.parametrize(
    "role",
    [
        "deployer",
        "arn:aws:iam::12345678901:role/x",  # 11 digits
        "arn:aws:iam::123456789012:user/x",
        "arn:aws:iam:eu-west-1:123456789012:role/x",  # IAM has no region
        "arn:aws:iam::123456789012:role/",
        "arn:aws:sts::123456789012:assumed-role/x/y",
    ],
)
def test_malformed_role_arns_are_bad_input(role: str) -> None:
    with pytest.raises(BadInput, match="is not an IAM role ARN"):
        options.role_arn(role)


@pytest.mark.parametrize(
    "alarm",
    [
        "edu-5xx",
        "arn:aws:cloudwatch::123456789012:alarm:x",  # no region
        "arn:aws:cloudwatch:eu-west-1:123456789012:metric:x",
        "arn:aws:sns:eu-west-1:123456789012:alarm:x",
        "arn:aws:cloudwatch:eu-west-1:1234:alarm:x",
        "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:",
    ],
)
def test_malformed_alarm_arns_are_bad_input(alarm: str) -> None:
    with pytest.raises(BadInput, match="is not a CloudWatch alarm ARN"):
        options.rollback_alarms([alarm])


def test_five_alarms_pass_and_six_do_not() -> None:
    five = [f"{ALARM}-{i}" for i in range(5)]
    assert options.rollback_alarms(five) == tuple(five)
    with pytest.raises(BadInput, match="given 6 times: CloudFormation takes at most 5"):
        options.rollback_alarms([*five, f"{ALARM}-5"])


def test_a_repeated_alarm_counts_once() -> None:
    assert options.rollback_alarms([ALARM, ALARM]) == (ALARM,)


@pytest.mark.parametrize("minutes", ["181", "-1", "ten", "1.5", ""])
def test_minutes_outside_0_to_180_are_bad_input(minutes: str) -> None:
    with pytest.raises(BadInput, match="from 0 to 180"):
        options.monitor_minutes(minutes, ())


def test_minutes_default_to_10_with_an_alarm_and_to_none_without() -> None:
    assert options.monitor_minutes(None, (ALARM,)) == options.DEFAULT_MONITOR_MINUTES == 10
    assert options.monitor_minutes(None, ()) is None
    assert options.monitor_minutes("0", (ALARM,)) == 0
    assert options.monitor_minutes("180", ()) == 180


def test_rollback_configuration_only_when_asked() -> None:
    assert options.rollback_configuration((), None) is None
    assert options.rollback_configuration((ALARM,), 10) == {
        "RollbackTriggers": [{"Arn": ALARM, "Type": "AWS::CloudWatch::Alarm"}],
        "MonitoringTimeInMinutes": 10,
    }
    assert options.rollback_configuration((), 5) == {
        "RollbackTriggers": [],
        "MonitoringTimeInMinutes": 5,
    }


def test_minutes_without_alarms_say_in_one_note_that_they_only_wait() -> None:
    lines = options.header_lines(None, (), 5)
    assert len(lines) == 1 and lines[0].startswith("note: --monitor-minutes 5 without")
    assert "only waits" in lines[0]
    assert options.header_lines(None, (), None) == []


def test_header_names_role_and_triggers() -> None:
    lines = options.header_lines(ROLE, (ALARM,), 10)
    assert lines[0].startswith(f"Service role: {ROLE}")
    assert lines[1].startswith(f"Rollback triggers: {ALARM}; monitored for 10 minute(s)")


def test_change_set_arns_are_checked() -> None:
    assert options.change_set_arn(CS) == CS
    for bad in ("deploy-cs-1", CS.replace("changeSet", "stack"), CS.replace(":eu-west-1", "")):
        with pytest.raises(BadInput, match="is not a change set ARN"):
            options.change_set_arn(bad)


def test_json_keys_appear_only_when_set() -> None:
    result = Result(stack="s", operation="plan", status="", exit_code=2, summary="")
    plain = result.as_json()
    assert not {"role_arn", "rollback", "change_set_arn", "review_fingerprint"} & set(plain)
    result.role_arn, result.rollback = ROLE, options.rollback_json((ALARM,), 10)
    result.change_set_arn = CS
    result.review_basis = {"stack_last_updated": None, "review_fingerprint": "sha256:x"}
    body = result.as_json()
    assert body["role_arn"] == ROLE and body["change_set_arn"] == CS
    assert body["rollback"] == {"alarms": [ALARM], "monitor_minutes": 10}
    assert body["review_fingerprint"] == "sha256:x" and body["stack_last_updated"] is None


def test_create_sends_role_and_rollback_configuration_only_when_given(cfn: Any) -> None:
    base: dict[str, Any] = {
        "StackName": "edu", "ChangeSetName": "cs", "ChangeSetType": "UPDATE",
        "Parameters": [], "Tags": [], "Capabilities": [], "Description": "deploy.py",
        "TemplateBody": "{}",
    }  # fmt: skip
    config = options.rollback_configuration((ALARM,), 10)
    answer = {"Id": CS, "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/edu/1"}
    with Stubber(cfn) as stub:
        stub.add_response("create_change_set", answer, base)
        stub.add_response(
            "create_change_set",
            answer,
            {**base, "RoleARN": ROLE, "RollbackConfiguration": config},
        )
        common: dict[str, Any] = {
            "stack_name": "edu", "name": "cs", "change_set_type": "UPDATE",
            "template_args": {"TemplateBody": "{}"}, "parameters": [], "tags": {},
            "capabilities": [],
        }  # fmt: skip
        changesets.create(cfn, **common)
        changesets.create(cfn, **common, role_arn=ROLE, rollback_configuration=config)
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["plan", "--role-arn", "deployer"], "error: --role-arn 'deployer' is not an IAM role ARN"),
        (["deploy", "--rollback-alarm", "x"], "error: --rollback-alarm 'x' is not a CloudWatch"),
        (["plan", *["--rollback-alarm", ALARM + "{}"] * 6], "error: --rollback-alarm given 6"),
        (["deploy", "--monitor-minutes", "181"], "error: --monitor-minutes '181' is not a whole"),
        (["delete", "--role-arn", "arn:aws:iam::1:role/x"], "error: --role-arn 'arn:aws:iam::1"),
        (["deploy", "--change-set", "cs"], "error: --change-set 'cs' is not a change set ARN"),
    ],
)
def test_deploy_py_rejects_each_malformed_value_with_one_line_and_exit_4(
    argv: list[str], expected: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    # An unreachable endpoint: any AWS call would fail differently (exit 1).
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    template = tmp_path / "t.json"
    template.write_text("{not json", encoding="utf-8")
    command, *rest = argv
    rest = [r.format(i) if "{}" in r else r for i, r in enumerate(rest)]
    extra = ["--template", str(template)] if command in ("plan", "deploy") else []
    if "--change-set" in rest:
        extra = []
    err = io.StringIO()
    with redirect_stderr(err):
        code = deploy.main([command, "--stack-name", "edu", *extra, *rest])
    assert code == 4
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), lines


@pytest.mark.parametrize(
    ("command", "flags"),
    [
        ("plan", ["--role-arn", "--rollback-alarm", "--monitor-minutes", "--keep-change-set"]),
        ("deploy", ["--role-arn", "--rollback-alarm", "--monitor-minutes", "--change-set"]),
        ("delete", ["--role-arn"]),
    ],
)
def test_help_lists_the_flags(command: str, flags: list[str]) -> None:
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit) as done:
        deploy.main([command, "--help"])
    assert done.value.code == 0
    text = " ".join(out.getvalue().split())
    for flag in flags:
        assert f"{flag} " in text
    if command == "deploy":
        assert "default 10 with --rollback-alarm" in text
        assert "required unless --change-set" in text
    if command == "delete":
        assert "--rollback-alarm" not in text and "--change-set" not in text
