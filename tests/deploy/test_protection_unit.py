"""Unit tests of stackops.protection: stack policy around execution, termination protection."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.parsers import ResponseParserError
from botocore.stub import Stubber

from clikit import exitcodes
from stackops import protection, safety
from stackops.errors import OperationFailed

OLD = {
    "Resources": {
        "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBName": "a"}},
        "Files": {"Type": "AWS::S3::Bucket", "Properties": {}},
    }
}
NEW = {
    "Resources": {
        "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBName": "b"}},
        "Files": {"Type": "AWS::S3::Bucket", "Properties": {}},
    }
}


class PolicyRecorder:
    """Records set_stack_policy bodies; the method can be made to fail."""

    def __init__(self, fail_with: BaseException | None = None) -> None:
        self.policies: list[dict[str, Any]] = []
        self.fail_with = fail_with

    def set_stack_policy(self, StackName: str, StackPolicyBody: str) -> dict[str, Any]:
        if self.fail_with is not None:
            raise self.fail_with
        self.policies.append(json.loads(StackPolicyBody))
        return {}


def client() -> Any:
    return boto3.client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def run(cfn: Any, *, creating: bool, allow: list[str], body: Any = None) -> None:
    with protection.policy_around_execution(
        cfn,
        "edu",
        creating=creating,
        old_template=None if creating else OLD,
        new_template=NEW,
        allow=allow,
        warn=lambda _m: None,
    ):
        if body is not None:
            body()


def test_update_sets_protective_policy_before_and_after() -> None:
    cfn = PolicyRecorder()
    run(cfn, creating=False, allow=[])
    assert cfn.policies == [safety.protective_policy(NEW)] * 2


def test_allowed_replacement_opens_then_restores() -> None:
    cfn = PolicyRecorder()
    run(cfn, creating=False, allow=["Db"])
    assert cfn.policies == [safety.opened_policy(NEW, ["Db"]), safety.protective_policy(NEW)]


def test_policy_restored_after_failed_update() -> None:
    def fail() -> None:
        raise OperationFailed("UPDATE_ROLLBACK_COMPLETE")

    cfn = PolicyRecorder()
    with pytest.raises(OperationFailed):
        run(cfn, creating=False, allow=["Db"], body=fail)
    assert cfn.policies[-1] == safety.protective_policy(NEW)


def test_policy_restored_after_interrupt() -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    cfn = PolicyRecorder()
    with pytest.raises(KeyboardInterrupt):
        run(cfn, creating=False, allow=["Db"], body=interrupt)
    assert cfn.policies[-1] == safety.protective_policy(NEW)


def test_removed_resource_stays_denied_unless_allowed() -> None:
    new = {"Resources": {"Db": NEW["Resources"]["Db"]}}
    cfn = PolicyRecorder()
    with protection.policy_around_execution(
        cfn, "edu", creating=False, old_template=OLD, new_template=new, allow=["Db"], warn=print
    ):
        pass
    denied = [
        r for s in cfn.policies[0]["Statement"] if s["Effect"] == "Deny" for r in s["Resource"]
    ]
    assert denied == ["LogicalResourceId/Files"]


def test_create_sets_policy_after_execution_only() -> None:
    cfn = PolicyRecorder()
    seen_during: list[int] = []
    run(cfn, creating=True, allow=[], body=lambda: seen_during.append(len(cfn.policies)))
    assert (seen_during, cfn.policies) == ([0], [safety.protective_policy(NEW)])


def test_failed_create_sets_no_policy() -> None:
    def fail() -> None:
        raise OperationFailed("ROLLBACK_COMPLETE")

    cfn = PolicyRecorder()
    with pytest.raises(OperationFailed):
        run(cfn, creating=True, allow=[], body=fail)
    assert cfn.policies == []


def test_unopenable_policy_stops_before_execution() -> None:
    cfn = client()
    executed: list[bool] = []
    with Stubber(cfn) as stub:
        stub.add_client_error("set_stack_policy", "AccessDenied", "not allowed", 403)
        with pytest.raises(OperationFailed, match="could not open the stack policy for Db"):
            run(cfn, creating=False, allow=["Db"], body=lambda: executed.append(True))
    assert executed == []


def test_termination_protection_turned_on() -> None:
    cfn = client()
    with Stubber(cfn) as stub:
        stub.add_response(
            "update_termination_protection",
            {"StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/edu/1"},
            {"StackName": "edu", "EnableTerminationProtection": True},
        )
        result = protection.sync_termination_protection(cfn, "edu", True, print, current=False)
        stub.assert_no_pending_responses()
    assert result is True


def test_termination_protection_in_sync_makes_no_call() -> None:
    cfn = client()
    with Stubber(cfn):  # any call would raise: no responses queued
        assert (
            protection.sync_termination_protection(cfn, "edu", False, print, current=False) is False
        )


def test_termination_protection_unimplemented_degrades_with_warning() -> None:
    class Emulator:
        def update_termination_protection(self, **_: Any) -> None:
            raise ResponseParserError("Unable to parse response (500)")

    warnings: list[str] = []
    result = protection.sync_termination_protection(
        Emulator(), "edu", True, warnings.append, current=False
    )
    assert result is False
    assert len(warnings) == 1 and "termination protection on" in warnings[0]


def test_termination_protection_client_error_degrades_with_warning() -> None:
    cfn = client()
    warnings: list[str] = []
    with Stubber(cfn) as stub:
        stub.add_client_error("update_termination_protection", "AccessDenied", "nope", 403)
        protection.sync_termination_protection(cfn, "edu", True, warnings.append, current=False)
    assert "AccessDenied" in warnings[0]


def test_delete_of_protected_stack_is_refused_with_lift_command() -> None:
    with pytest.raises(protection.Refused) as caught:
        protection.refuse_protected_delete(
            {"StackName": "edu", "EnableTerminationProtection": True}
        )
    assert caught.value.exit_code == exitcodes.REFUSED
    assert protection.lift_command("edu") in caught.value.message


def test_delete_of_unprotected_stack_passes() -> None:
    protection.refuse_protected_delete({"StackName": "edu", "EnableTerminationProtection": False})


def test_rolled_back_create_sets_no_policy() -> None:
    cfn = PolicyRecorder()
    with protection.policy_around_execution(
        cfn, "edu", creating=True, old_template=None, new_template=NEW, allow=[], warn=print
    ) as execution:
        execution.finished("ROLLBACK_COMPLETE")
    assert cfn.policies == []


def test_rolled_back_update_restores_policy() -> None:
    cfn = PolicyRecorder()
    with protection.policy_around_execution(
        cfn, "edu", creating=False, old_template=OLD, new_template=NEW, allow=["Db"], warn=print
    ) as execution:
        execution.finished("UPDATE_ROLLBACK_COMPLETE")
    assert cfn.policies[-1] == safety.protective_policy(NEW)


def test_interrupted_create_still_gets_the_policy() -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    cfn = PolicyRecorder()
    with pytest.raises(KeyboardInterrupt):
        run(cfn, creating=True, allow=[], body=interrupt)
    assert cfn.policies == [safety.protective_policy(NEW)]
