"""stackops.drift: the production rule, the fail/warn/revert decision, the three values shown
per drifted property, and what is not checked (botocore's Stubber: moto has no drift detection)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber

from clikit import exitcodes
from stackops import drift
from stackops.inputs import Inputs
from stackops.request import Request
from tests.support.drift import difference, drift_record, resource_summary, stub_detection
from tests.support.samples import topic_template
from tests.support.stubbed import STACK, session_for, stack_desc

PROD_TAGS = [{"Key": "Environment", "Value": "production"}]


@pytest.mark.parametrize(
    ("tags", "production"),
    [
        ({"Environment": "production"}, True),
        ({"environment": "Prod"}, True),
        ({"Env": "PROD"}, True),
        ({"Stage": "production"}, True),
        ({"Stage": "staging"}, False),
        ({"Environment": "dev"}, False),
        ({"Owner": "production"}, False),  # the value alone is not enough
        ({"Environment": "preprod"}, False),  # nor a value that merely contains it
        ({}, False),
    ],
)
def test_which_tags_make_a_stack_production(tags: dict[str, str], production: bool) -> None:
    assert drift.is_production(tags) is production


@pytest.mark.parametrize(
    ("flag", "production", "mode"),
    [
        (None, True, "fail"),
        (None, False, "warn"),
        ("fail", True, "fail"),
        ("fail", False, "fail"),
        ("warn", True, "warn"),
        ("warn", False, "warn"),
        ("revert", True, "revert"),
        ("revert", False, "revert"),
    ],
)
def test_the_decision_table(flag: str | None, production: bool, mode: str) -> None:
    assert drift.chosen_mode(flag, production) == mode


def stack(tags: list[dict[str, str]] | None = None, **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = stack_desc("UPDATE_COMPLETE", Tags=tags or [], **extra)["Stacks"][0]
    return found


def request(template: dict[str, Any] | None = None, **kw: Any) -> Request:
    inputs = kw.pop("inputs", Inputs({}, {}))
    return Request(STACK, template or topic_template(), inputs, **kw)


def display_name_drift() -> dict[str, Any]:
    return drift_record(
        "Topic",
        "MODIFIED",
        differences=[difference("/DisplayName", "dev-topic", "hand-edited")],
        expected={"DisplayName": "dev-topic"},
        actual={"DisplayName": "hand-edited"},
    )


def run_check(
    cfn: Any, req: Request, found_stack: dict[str, Any], records: list[dict[str, Any]]
) -> tuple[drift.DriftReport | None, str]:
    session, err = session_for(cfn)
    with Stubber(cfn) as stub:
        stub_detection(stub, records)
        try:
            return drift.check(session, req, found_stack), err.getvalue()
        finally:
            stub.assert_no_pending_responses()


def test_fail_on_a_production_stack_stops_with_exit_3(cfn: Any) -> None:
    with pytest.raises(drift.DriftRefused) as caught:
        run_check(cfn, request(), stack(PROD_TAGS), [display_name_drift()])
    assert caught.value.exit_code == exitcodes.REFUSED
    assert "production-tagged" in caught.value.message
    assert caught.value.details == ["drifted: Topic (AWS::SNS::Topic) MODIFIED"]
    assert caught.value.drift["mode"] == "fail" and caught.value.drift["production"] is True


def test_warn_is_the_default_elsewhere_and_shows_the_three_values(cfn: Any) -> None:
    req = request(inputs=Inputs({"Env": "prod"}, {}, frozenset({"Env"})))
    report, err = run_check(cfn, req, stack(), [display_name_drift()])
    assert report is not None and report.mode == "warn" and report.deployment_mode is None
    assert "Drift on stack edu: 1 resource(s) drifted" in err
    # actual and last deployed from the drift record; desired from the new template, resolved.
    assert "/DisplayName: actual hand-edited | last deployed dev-topic | desired prod-topic" in err
    (item,) = report.as_json()["drifted"]
    assert item["differences"] == [
        {
            "path": "/DisplayName",
            "actual": "hand-edited",
            "last_deployed": "dev-topic",
            "desired": "prod-topic",
            "difference": "NOT_EQUAL",
        }
    ]


def test_explicit_fail_stops_on_any_stack(cfn: Any) -> None:
    with pytest.raises(drift.DriftRefused, match="--on-drift fail"):
        run_check(cfn, request(on_drift="fail"), stack(), [display_name_drift()])


def test_revert_asks_for_a_revert_drift_change_set_even_in_production(cfn: Any) -> None:
    report, _ = run_check(cfn, request(on_drift="revert"), stack(PROD_TAGS), [display_name_drift()])
    assert report is not None and report.deployment_mode == "REVERT_DRIFT"


def test_a_production_tag_given_on_this_run_counts(cfn: Any) -> None:
    req = request(inputs=Inputs({}, {"Stage": "prod"}))
    with pytest.raises(drift.DriftRefused):
        run_check(cfn, req, stack(), [display_name_drift()])


def test_no_drift_never_stops_even_in_production(cfn: Any) -> None:
    report, err = run_check(cfn, request(), stack(PROD_TAGS), [drift_record("Topic", "IN_SYNC")])
    assert report is not None and report.checked and report.drifted == []
    assert "none found" in err


def test_not_checked_and_unsupported_resources_are_listed(cfn: Any) -> None:
    session, err = session_for(cfn)
    records = [
        drift_record("Topic", "IN_SYNC"),
        drift_record("Key", "UNKNOWN", "AWS::KMS::Key", reason="Internal failure"),
        drift_record("Sub", "NOT_CHECKED", "AWS::SNS::Subscription"),
    ]
    listed = [resource_summary(r["LogicalResourceId"], r["ResourceType"]) for r in records] + [
        resource_summary("Rotation", "AWS::SecretsManager::RotationSchedule")
    ]
    with Stubber(cfn) as stub:
        stub_detection(stub, records, listed)
        report = drift.check(session, request(), stack())
    assert report is not None
    assert [(u.logical_id, u.reason) for u in report.unchecked] == [
        ("Key", "Internal failure"),
        ("Sub", "NOT_CHECKED"),
        ("Rotation", "drift detection does not support this resource type"),
    ]
    text = err.getvalue()
    assert "not checked: Rotation (AWS::SecretsManager::RotationSchedule)" in text
    assert "not checked: Key (AWS::KMS::Key): Internal failure" in text


def test_denied_detection_is_one_line_and_the_run_goes_on(cfn: Any) -> None:
    session, err = session_for(cfn)
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "detect_stack_drift", service_error_code="AccessDenied", http_status_code=403
        )
        # A production stack with the fail default still goes on: nothing was found to stop for.
        report = drift.check(session, request(), stack(PROD_TAGS))
    assert report is not None and report.checked is False
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Drift not checked on stack edu (going on without it):")
    assert "AccessDenied" in lines[0]


def test_no_detection_on_create(cfn: Any) -> None:
    session, err = session_for(cfn)
    with Stubber(cfn):  # no answer queued: any call would fail the test
        assert drift.check(session, request(on_drift="fail"), None) is None
    assert err.getvalue() == ""


def test_a_deleted_resource_is_shown(cfn: Any) -> None:
    report, err = run_check(cfn, request(), stack(), [drift_record("Topic", "DELETED")])
    assert report is not None and [d.status for d in report.drifted] == ["DELETED"]
    assert "Topic (AWS::SNS::Topic): DELETED" in err and "deleted outside CloudFormation" in err


def pseudo_template() -> dict[str, Any]:
    template = topic_template()
    template["Parameters"]["Secret"] = {"Type": "String", "NoEcho": True}
    template["Resources"]["Topic"]["Properties"] = {
        "DisplayName": {"Fn::Sub": "${AWS::StackName}-${AWS::AccountId}"},
        "KmsMasterKeyId": {"Ref": "Secret"},
        "Tags": [{"Key": "Owner", "Value": {"Ref": "Owner"}}],
    }
    return template


def test_desired_values_use_the_real_stack_and_previous_parameters_and_mask_noecho() -> None:
    found = stack(Parameters=[{"ParameterKey": "Owner", "ParameterValue": "team-a"}])
    found["StackId"] = "arn:aws:cloudformation:eu-west-1:210987654321:stack/edu/9999"
    req = request(pseudo_template(), inputs=Inputs({"Secret": "hunter2"}, {}, frozenset()))
    props = drift.desired_properties(req, found)["Topic"]
    assert props["DisplayName"] == "edu-210987654321"  # not the resolver's stand-ins
    assert props["KmsMasterKeyId"] == "****"
    assert "hunter2" not in json.dumps(props)
    assert drift.pointer(props, "/Tags/0/Value") == (True, "team-a")
    assert drift.pointer(props, "/Tags/3/Value") == (False, None)


def test_a_long_value_is_cut_in_the_lines_but_whole_in_the_json() -> None:
    long_value = "x" * 500
    item = drift.drifted_resource(
        drift_record("Topic", "MODIFIED", differences=[difference("/Policy", long_value, "{}")]),
        {},
    )
    report = drift.DriftReport("warn", False, checked=True, drifted=[item])
    shown = "\n".join(drift.lines(report, STACK))
    assert long_value not in shown and "xxx..." in shown
    assert report.as_json()["drifted"][0]["differences"][0]["last_deployed"] == long_value
    assert "desired (not set)" in shown  # the new template has no such property


def test_an_unresolvable_template_shows_the_desired_value_as_written() -> None:
    template = topic_template()
    template["Parameters"]["Fresh"] = {"Type": "String"}  # new, no default, no value given
    props = drift.desired_properties(request(template), stack())
    assert props["Topic"]["DisplayName"] == {"Fn::Sub": "${Env}-topic"}


def test_a_partly_failed_detection_says_so(cfn: Any) -> None:
    session, err = session_for(cfn)
    with Stubber(cfn) as stub:
        stub_detection(
            stub,
            [display_name_drift()],
            status="DETECTION_FAILED",
        )
        report = drift.check(session, request(), stack())
    assert report is not None and report.checked and len(report.drifted) == 1
    assert report.reason.startswith("DETECTION_FAILED")
    assert "(DETECTION_FAILED" in err.getvalue()
