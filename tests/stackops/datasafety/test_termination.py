"""stackops.datasafety.termination: protection kept in sync, protected deletes refused."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.parsers import ResponseParserError
from botocore.stub import Stubber

from clikit import exitcodes
from stackops.datasafety import termination
from stackops.errors import Refused


def client() -> Any:
    return boto3.client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_termination_protection_turned_on() -> None:
    cfn = client()
    with Stubber(cfn) as stub:
        stub.add_response(
            "update_termination_protection",
            {"StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/edu/1"},
            {"StackName": "edu", "EnableTerminationProtection": True},
        )
        result = termination.sync_termination_protection(cfn, "edu", True, print, current=False)
        stub.assert_no_pending_responses()
    assert result is True


def test_termination_protection_in_sync_makes_no_call() -> None:
    cfn = client()
    with Stubber(cfn):  # any call would raise: no responses queued
        assert (
            termination.sync_termination_protection(cfn, "edu", False, print, current=False)
            is False
        )


def test_termination_protection_unimplemented_degrades_with_warning() -> None:
    class Emulator:
        def update_termination_protection(self, **_: Any) -> None:
            raise ResponseParserError("Unable to parse response (500)")

    warnings: list[str] = []
    result = termination.sync_termination_protection(
        Emulator(), "edu", True, warnings.append, current=False
    )
    assert result is False
    assert len(warnings) == 1 and "termination protection on" in warnings[0]


def test_termination_protection_client_error_degrades_with_warning() -> None:
    cfn = client()
    warnings: list[str] = []
    with Stubber(cfn) as stub:
        stub.add_client_error("update_termination_protection", "AccessDenied", "nope", 403)
        termination.sync_termination_protection(cfn, "edu", True, warnings.append, current=False)
    assert "AccessDenied" in warnings[0]


def test_delete_of_protected_stack_is_refused_with_lift_command() -> None:
    with pytest.raises(Refused) as caught:
        termination.refuse_protected_delete(
            {"StackName": "edu", "EnableTerminationProtection": True}
        )
    assert caught.value.exit_code == exitcodes.REFUSED
    assert termination.lift_command("edu") in caught.value.message


def test_delete_of_unprotected_stack_passes() -> None:
    termination.refuse_protected_delete({"StackName": "edu", "EnableTerminationProtection": False})


def test_the_switch_reads_on_off_and_absent() -> None:
    parsed = [termination.parse_switch(v) for v in ("on", "off", None)]
    assert parsed == [True, False, None]


DESCRIBED_PROTECTED = {
    "Stacks": [
        {
            "StackName": "edu",
            "StackStatus": "UPDATE_COMPLETE",
            "CreationTime": "2026-11-26T10:00:00Z",
            "EnableTerminationProtection": True,
        }
    ]
}


def test_the_current_setting_is_read_when_unknown_and_kept_when_it_already_matches() -> None:
    cfn = client()
    with Stubber(cfn) as stub:  # no update queued: calling it would raise
        stub.add_response("describe_stacks", DESCRIBED_PROTECTED, {"StackName": "edu"})
        assert termination.sync_termination_protection(cfn, "edu", True, print) is True
        stub.assert_no_pending_responses()


def test_a_setting_that_cannot_be_read_is_a_warning_and_unknown() -> None:
    cfn = client()
    warnings: list[str] = []
    with Stubber(cfn) as stub:
        stub.add_client_error("describe_stacks", "AccessDenied", "nope", 403)
        result = termination.sync_termination_protection(cfn, "edu", True, warnings.append)
    assert result is None
    assert warnings == ["could not read termination protection of edu: AccessDenied: nope"]


def test_a_read_failing_otherwise_is_raised() -> None:
    class Broken:
        def describe_stacks(self, **_: Any) -> None:
            raise KeyError("bug")

    with pytest.raises(KeyError):
        termination.sync_termination_protection(Broken(), "edu", True, print)


@pytest.mark.parametrize(
    ("desired", "current", "words"), [(True, False, ("on", "off")), (False, True, ("off", "on"))]
)
def test_a_switch_that_fails_says_what_it_tried_and_what_stays(
    desired: bool, current: bool, words: tuple[str, str]
) -> None:
    cfn = client()
    warnings: list[str] = []
    with Stubber(cfn) as stub:
        stub.add_client_error("update_termination_protection", "AccessDenied", "nope", 403)
        result = termination.sync_termination_protection(
            cfn, "edu", desired, warnings.append, current=current
        )
    assert result is current
    assert warnings == [
        f"could not turn termination protection {words[0]} for edu (AccessDenied: nope); "
        f"it stays {words[1]}"
    ]


def test_the_refusal_names_the_stack_and_the_exact_command_to_lift_it() -> None:
    with pytest.raises(Refused) as caught:
        termination.refuse_protected_delete(
            {"StackName": "edu", "EnableTerminationProtection": True}
        )
    assert caught.value.message == (
        "stack edu has termination protection on; delete refused. To lift it: "
        "aws cloudformation update-termination-protection --no-enable-termination-protection "
        "--stack-name edu"
    )
