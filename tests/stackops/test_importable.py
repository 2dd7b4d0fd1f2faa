"""--import-existing: what the template shows, the API call, and Action=Import downstream."""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.stub import Stubber

from stackops import importable, timeline
from stackops.aws import changesets
from stackops.datasafety import decision, verdicts
from stackops.follow.progress import DONE, RUNNING, PlainView
from stackops.review import rows, table, with_decisions
from tests.support.stubbed import CS_ARN, STACK, STACK_ID, event


def bucket(name: Any = None, policy: str | None = "Retain") -> dict[str, Any]:
    body: dict[str, Any] = {"Type": "AWS::S3::Bucket", "Properties": {}}
    if name is not None:
        body["Properties"]["BucketName"] = name
    if policy is not None:
        body["DeletionPolicy"] = policy
    return body


def warnings_for(**resources: dict[str, Any]) -> list[str]:
    return importable.warnings({"Resources": resources})


@pytest.mark.parametrize("policy", ["Retain", "RetainExceptOnCreate"])
def test_a_literal_name_and_a_retaining_policy_qualify(policy: str) -> None:
    assert warnings_for(Data=bucket("edu-records", policy)) == []


@pytest.mark.parametrize(
    ("resource", "why"),
    [
        (
            bucket("edu-records", "Delete"),
            "its DeletionPolicy is not Retain or RetainExceptOnCreate",
        ),
        (bucket("edu-records", None), "its DeletionPolicy is not Retain or RetainExceptOnCreate"),
        (
            bucket({"Fn::Sub": "edu-${Env}"}),
            "BucketName is not set to a literal name in the template",
        ),
        (bucket(None), "BucketName is not set to a literal name in the template"),
        (
            {"Type": "AWS::SNS::Topic", "DeletionPolicy": "Retain", "Properties": {}},
            "its identifier TopicArn is read-only",
        ),
    ],
)
def test_what_aws_cannot_import_is_named_with_the_reason(
    resource: dict[str, Any], why: str
) -> None:
    found = warnings_for(Data=resource)
    assert found[0] == f"--import-existing: Data ({resource['Type']}) cannot be imported: {why}"
    assert "no resource in the template can be imported" in found[-1]


def test_resources_with_generated_names_and_no_policy_are_not_mentioned() -> None:
    template = {"Resources": {"Data": bucket(None, None), "Kept": bucket("edu-kept")}}
    assert [c.logical_id for c in importable.candidates(template)] == ["Kept"]
    assert importable.warnings(template) == []


def _create(cfn: Any, **extra: Any) -> None:
    changesets.create(
        cfn, stack_name=STACK, name="cs1", change_set_type="CREATE",
        template_args={"TemplateBody": "{}"}, parameters=[], tags={}, capabilities=[], **extra,
    )  # fmt: skip


@pytest.mark.parametrize("flag", [True, False])
def test_the_flag_becomes_import_existing_resources_and_only_then(cfn: Any, flag: bool) -> None:
    expected: dict[str, Any] = {
        "StackName": STACK, "ChangeSetName": "cs1", "ChangeSetType": "CREATE", "Parameters": [],
        "Tags": [], "Capabilities": [], "Description": "deploy.py", "TemplateBody": "{}",
    }  # fmt: skip
    if flag:
        expected["ImportExistingResources"] = True
    with Stubber(cfn) as stub:
        stub.add_response("create_change_set", {"Id": CS_ARN, "StackId": STACK_ID}, expected)
        _create(cfn, import_existing=flag)
        stub.assert_no_pending_responses()


IMPORT_CHANGE = {
    "Type": "Resource",
    "ResourceChange": {
        "Action": "Import",
        "LogicalResourceId": "Data",
        "PhysicalResourceId": "edu-records",
        "ResourceType": "AWS::S3::Bucket",
        "Replacement": "False",
    },
}


def test_an_import_of_a_stateful_resource_is_no_data_loss() -> None:
    old = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    new = {"Resources": {**old["Resources"], "Data": bucket("edu-records")}}
    found = verdicts.assess([IMPORT_CHANGE], old, new)
    judged = decision.judge(found)
    assert [(v.action, v.stateful, v.refused) for v in found] == [("Import", True, False)]
    assert decision.refusals(judged) == [] and decision.warnings(judged) == []
    change_rows = with_decisions(rows([IMPORT_CHANGE]), judged)
    assert table(change_rows)[1].split() == ["Import", "Data", "AWS::S3::Bucket", "False", "-", "-"]
    assert change_rows[0].as_dict() == {
        "logical_id": "Data", "type": "AWS::S3::Bucket", "action": "Import", "replacement": "False",
    }  # fmt: skip


def test_import_events_show_as_progress_and_on_the_timeline() -> None:
    events = [
        event(1, "Data", "IMPORT_IN_PROGRESS", rtype="AWS::S3::Bucket"),
        event(4, "Data", "IMPORT_COMPLETE", rtype="AWS::S3::Bucket"),
    ]
    view = PlainView(io.StringIO(), heartbeat=30, clock=lambda: 0.0)
    view.events(events[:1])
    assert view.board.rows["Data"].state == RUNNING
    view.events(events[1:])
    assert view.board.rows["Data"].state == DONE
    bar = timeline.build(STACK, events).bars[0]
    assert (bar.start, bar.end, bar.status, bar.failed) == (0.0, 3.0, "IMPORT_COMPLETE", False)
