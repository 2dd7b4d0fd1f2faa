"""stackops.aws.hooks: hook invocations of a target, the failed ones, and what they said."""

from __future__ import annotations

from typing import Any

from botocore.stub import Stubber

from stackops.aws import hooks
from tests.support.opevents import HOOK_ID, hook_detail, hook_summary
from tests.support.stubbed import CS_ARN

OTHER_ID = HOOK_ID[:-1] + "9"


def test_results_reads_every_page(cfn: Any) -> None:
    target = {"TargetType": "CHANGE_SET", "TargetId": CS_ARN}
    with Stubber(cfn) as stub:
        stub.add_response(
            "list_hook_results", {"HookResults": [hook_summary()], "NextToken": "n2"}, target
        )
        stub.add_response(
            "list_hook_results",
            {"HookResults": [hook_summary(OTHER_ID)]},
            {**target, "NextToken": "n2"},
        )
        got = hooks.results(cfn, "CHANGE_SET", CS_ARN)
        stub.assert_no_pending_responses()
    assert [r["HookResultId"] for r in got] == [HOOK_ID, OTHER_ID]


def test_failed_keeps_failures_once_each() -> None:
    listed = [
        hook_summary(),
        hook_summary(OTHER_ID, status="HOOK_COMPLETE_SUCCEEDED"),
        hook_summary(),
        hook_summary(OTHER_ID[:-1] + "8", status="HOOK_FAILED"),
    ]
    assert [r["HookResultId"] for r in hooks.failed(listed)] == [HOOK_ID, OTHER_ID[:-1] + "8"]


def test_message_is_the_reason_then_each_failed_annotation() -> None:
    assert hooks.message(hook_detail()) == "1 rule(s) failed; BucketEncryption: no KMS key"


def test_message_without_words_says_so() -> None:
    assert hooks.message({"Annotations": []}) == "no reason given"


def test_result_asks_for_one_invocation(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response("get_hook_result", hook_detail(), {"HookResultId": HOOK_ID})
        assert hooks.result(cfn, HOOK_ID)["Target"]["TargetId"] == "Data"
