"""stackops.datasafety.policy: stack policies built from the template, set around an execution."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from stackops.datasafety import policy
from stackops.errors import OperationFailed
from tests.support.resources import bucket, db, template

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
    with policy.policy_around_execution(
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
    assert cfn.policies == [policy.protective_policy(NEW)] * 2


def test_allowed_replacement_opens_then_restores() -> None:
    cfn = PolicyRecorder()
    run(cfn, creating=False, allow=["Db"])
    assert cfn.policies == [policy.opened_policy(NEW, ["Db"]), policy.protective_policy(NEW)]


def test_policy_restored_after_failed_update() -> None:
    def fail() -> None:
        raise OperationFailed("UPDATE_ROLLBACK_COMPLETE")

    cfn = PolicyRecorder()
    with pytest.raises(OperationFailed):
        run(cfn, creating=False, allow=["Db"], body=fail)
    assert cfn.policies[-1] == policy.protective_policy(NEW)


def test_policy_restored_after_interrupt() -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    cfn = PolicyRecorder()
    with pytest.raises(KeyboardInterrupt):
        run(cfn, creating=False, allow=["Db"], body=interrupt)
    assert cfn.policies[-1] == policy.protective_policy(NEW)


def test_removed_resource_stays_denied_unless_allowed() -> None:
    new = {"Resources": {"Db": NEW["Resources"]["Db"]}}
    cfn = PolicyRecorder()
    with policy.policy_around_execution(
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
    assert (seen_during, cfn.policies) == ([0], [policy.protective_policy(NEW)])


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


def test_rolled_back_create_sets_no_policy() -> None:
    cfn = PolicyRecorder()
    with policy.policy_around_execution(
        cfn, "edu", creating=True, old_template=None, new_template=NEW, allow=[], warn=print
    ) as execution:
        execution.finished("ROLLBACK_COMPLETE")
    assert cfn.policies == []


def test_rolled_back_update_restores_policy() -> None:
    cfn = PolicyRecorder()
    with policy.policy_around_execution(
        cfn, "edu", creating=False, old_template=OLD, new_template=NEW, allow=["Db"], warn=print
    ) as execution:
        execution.finished("UPDATE_ROLLBACK_COMPLETE")
    assert cfn.policies[-1] == policy.protective_policy(NEW)


def test_interrupted_create_still_gets_the_policy() -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    cfn = PolicyRecorder()
    with pytest.raises(KeyboardInterrupt):
        run(cfn, creating=True, allow=[], body=interrupt)
    assert cfn.policies == [policy.protective_policy(NEW)]


# --------------------------------------------------------------------------- building policies


def test_protective_policy_denies_replace_and_delete_on_stateful_ids_only() -> None:
    topic = {"Type": "AWS::SNS::Topic", "Properties": {}}
    built = policy.protective_policy(template(Db=db(), Files=bucket(), Alerts=topic))
    deny = [s for s in built["Statement"] if s["Effect"] == "Deny"]
    assert deny == [
        {
            "Effect": "Deny",
            "Action": ["Update:Replace", "Update:Delete"],
            "Principal": "*",
            "Resource": ["LogicalResourceId/Db", "LogicalResourceId/Files"],
        }
    ]


def test_protective_policy_allows_updates_on_everything_else() -> None:
    built = policy.protective_policy(template(Db=db()))
    allow = [s for s in built["Statement"] if s["Effect"] == "Allow"]
    assert allow == [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]


def test_opened_policy_opens_only_the_named_ids() -> None:
    built = policy.opened_policy(template(Db=db(), Files=bucket()), ["Db"])
    denied = [r for s in built["Statement"] if s["Effect"] == "Deny" for r in s["Resource"]]
    assert denied == ["LogicalResourceId/Files"]


def test_opened_policy_with_everything_opened_has_no_deny() -> None:
    built = policy.opened_policy(template(Db=db()), ["Db"])
    assert [s["Effect"] for s in built["Statement"]] == ["Allow"]


def test_generated_policies_have_a_valid_shape() -> None:
    tpl = template(Db=db(), Files=bucket())
    assert policy.policy_problems(policy.protective_policy(tpl)) == []
    assert policy.policy_problems(policy.opened_policy(tpl, ["Db"])) == []


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Maybe", "Action": "Update:*", "Principal": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Principal": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "Update:*", "Principal": "*", "Resource": "Db"},
        {"Effect": "Deny", "Action": "Update:*", "Resource": "*"},
    ],
)
def test_policy_problems_catch_a_bad_statement(statement: dict[str, Any]) -> None:
    assert policy.policy_problems({"Statement": [statement]}) != []


def test_production_policy_protects_the_database_key_and_buckets(
    production: dict[str, Any],
) -> None:
    built = policy.protective_policy(production)
    denied = {r for s in built["Statement"] if s["Effect"] == "Deny" for r in s["Resource"]}
    assert {"LogicalResourceId/Database", "LogicalResourceId/Key"} <= denied
    buckets = [lid for lid, r in production["Resources"].items() if r["Type"] == "AWS::S3::Bucket"]
    assert buckets
    assert all(f"LogicalResourceId/{lid}" in denied for lid in buckets)


def test_policy_problems_name_each_statement_and_what_is_wrong() -> None:
    assert policy.policy_problems({}) == ["Statement must be a non-empty list"]
    assert policy.policy_problems({"Statement": []}) == ["Statement must be a non-empty list"]
    bad = {"Effect": "Maybe", "Action": "s3:GetObject", "Principal": "me", "Resource": "arn:x"}
    good = {
        "Effect": "Deny",
        "Action": "Update:Replace",
        "Principal": "*",
        "Resource": "LogicalResourceId/Db",
    }
    assert policy.policy_problems({"Statement": ["x", bad, good]}) == [
        "Statement[0] must be an object",
        "Statement[1].Effect must be Allow or Deny",
        "Statement[1].Action must be Update:* actions, got ['s3:GetObject']",
        "Statement[1].Principal must be '*'",
        "Statement[1].Resource must be '*' or LogicalResourceId/ID, got ['arn:x']",
    ]


def test_a_malformed_policy_is_never_sent() -> None:
    with Stubber(client()) as stub, pytest.raises(ValueError) as caught:
        policy.set_policy(stub.client, "edu", {"Statement": ["x", "y"]})
    assert str(caught.value) == (
        "refusing to set a malformed stack policy: "
        "Statement[0] must be an object; Statement[1] must be an object"
    )


def test_policies_are_set_on_the_named_stack() -> None:
    cfn = client()
    with Stubber(cfn) as stub:
        for _ in range(2):
            stub.add_response("set_stack_policy", {}, {"StackName": "edu", "StackPolicyBody": ANY})
        run(cfn, creating=False, allow=[])
        stub.assert_no_pending_responses()


def test_a_policy_that_cannot_be_opened_names_every_allowed_id() -> None:
    cfn = client()
    with Stubber(cfn) as stub:
        stub.add_client_error("set_stack_policy", "AccessDenied", "not allowed", 403)
        with pytest.raises(OperationFailed) as caught:
            run(cfn, creating=False, allow=["Files", "Db"])
    assert caught.value.message == (
        "could not open the stack policy for Db, Files: AccessDenied: not allowed"
    )


def test_failing_to_set_the_policies_warns_with_the_command_to_set_it() -> None:
    cfn = client()
    warnings: list[str] = []
    with Stubber(cfn) as stub:
        for _ in range(2):
            stub.add_client_error("set_stack_policy", "AccessDenied", "not allowed", 403)
        with policy.policy_around_execution(
            cfn,
            "edu",
            creating=False,
            old_template=OLD,
            new_template=NEW,
            allow=[],
            warn=warnings.append,
        ):
            pass
    protective = json.dumps(policy.protective_policy(NEW), sort_keys=True)
    assert warnings == [
        "could not set the protective stack policy before the update: AccessDenied: not allowed",
        "could not set the protective stack policy: AccessDenied: not allowed. Set it with: "
        f"aws cloudformation set-stack-policy --stack-name edu --stack-policy-body '{protective}'",
    ]


def test_a_restore_failing_otherwise_is_raised() -> None:
    with pytest.raises(KeyError):
        run(PolicyRecorder(fail_with=KeyError("bug")), creating=True, allow=[])
