"""stackops.aws.nested and the nested review: every level's change set, judged under its path.

moto's change sets carry no Details and no nested change sets, so these run on botocore's Stubber
with answers shaped by its service model.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from clikit import exitcodes
from stackops.aws import changesets, nested
from stackops.aws.events import EventCursor
from stackops.commands import deploy
from stackops.commands.prepare import nested_review
from stackops.datasafety import decision
from stackops.errors import Refused
from stackops.inputs import Inputs
from stackops.request import Request
from tests.support.changesets import property_detail, resource_change
from tests.support.samples import rds_template
from tests.support.stubbed import CS_ARN, STACK, STACK_ID, session_for, stack_desc

ACCOUNT = "arn:aws:cloudformation:us-east-1:123456789012"
PARENT_CS = f"{ACCOUNT}:changeSet/edu-Parent-cs/aaaa"
CHILD_CS = f"{ACCOUNT}:changeSet/edu-Parent-Child-cs/bbbb"
PARENT_ID = f"{ACCOUNT}:stack/edu-Parent-1/1111"
CHILD_ID = f"{ACCOUNT}:stack/edu-Parent-Child-2/2222"


def stack_change(logical_id: str, physical: str, cs_arn: str) -> dict[str, Any]:
    return resource_change(
        logical_id,
        nested.STACK_TYPE,
        PhysicalResourceId=physical,
        ChangeSetId=cs_arn,
        Replacement="False",
    )


def described(arn: str, stack_id: str, changes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "ChangeSetName": arn.split("/")[-2],
        "ChangeSetId": arn,
        "StackId": stack_id,
        "StackName": stack_id.split("/")[1],
        "CreationTime": datetime.datetime(2026, 11, 26, tzinfo=datetime.UTC),
        "ExecutionStatus": "AVAILABLE",
        "Status": "CREATE_COMPLETE",
        "Changes": changes,
    }


def parent_template() -> dict[str, Any]:
    child = {"Type": nested.STACK_TYPE, "Properties": {"TemplateURL": "https://b/child.json"}}
    return {"Resources": {"Child": child}}


DB_REPLACED = resource_change(
    "Db",
    "AWS::RDS::DBInstance",
    PhysicalResourceId="edu-db",
    Replacement="True",
    Scope=["Properties"],
    Details=[property_detail("DBName", "Always")],
)


def two_levels(stub: Stubber, child_templates: bool = True) -> None:
    """Parent (a nested stack of the top one) holds Child, whose DB instance is replaced."""
    stub.add_response(
        "describe_change_set",
        described(PARENT_CS, PARENT_ID, [stack_change("Child", CHILD_ID, CHILD_CS)]),
        {"ChangeSetName": PARENT_CS},
    )
    body = {"TemplateBody": json.dumps(parent_template())}
    stub.add_response("get_template", body, {"StackName": PARENT_ID, "TemplateStage": "Original"})
    stub.add_response(
        "get_template", body, {"ChangeSetName": PARENT_CS, "TemplateStage": "Original"}
    )
    stub.add_response(
        "describe_change_set",
        described(CHILD_CS, CHILD_ID, [DB_REPLACED]),
        {"ChangeSetName": CHILD_CS},
    )
    if child_templates:
        old = json.dumps(rds_template())
        new = json.dumps(rds_template(DBName="pupils"))
        stub.add_response(
            "get_template",
            {"TemplateBody": old},
            {"StackName": CHILD_ID, "TemplateStage": "Original"},
        )
        stub.add_response(
            "get_template",
            {"TemplateBody": new},
            {"ChangeSetName": CHILD_CS, "TemplateStage": "Original"},
        )
    else:
        stub.add_client_error("get_template", "AccessDenied", "not allowed", 403)
        stub.add_client_error("get_template", "ValidationError", "gone", 400)


TOP = [stack_change("Parent", PARENT_ID, PARENT_CS)]


def test_expand_describes_every_level_with_its_path_and_templates(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        two_levels(stub)
        found = nested.expand(cfn, TOP)
        stub.assert_no_pending_responses()
    assert [(n.path, n.arn) for n in found] == [("Parent", PARENT_CS), ("Parent/Child", CHILD_CS)]
    assert found[0].new_template == parent_template()
    child = found[1]
    assert [c["ResourceChange"]["LogicalResourceId"] for c in child.changes] == ["Db"]
    assert child.old_template is not None and child.new_template is not None
    assert child.new_template["Resources"]["Db"]["Properties"]["DBName"] == "pupils"


def test_a_database_replaced_two_levels_down_is_refused_under_its_path(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        two_levels(stub)
        change_rows, judged = nested_review(session, TOP, ())
    refused = decision.refusals(judged)
    assert [v.logical_id for v in refused] == ["Parent/Child/Db"]
    assert "--allow-replacement Parent/Child/Db" in decision.refusal_message(refused[0])
    by_id = {r.logical_id: r for r in change_rows}
    assert by_id["Parent/Child/Db"].verdict == "REFUSED"
    assert by_id["Parent/Child"].type == nested.STACK_TYPE


def test_the_path_id_allows_it_and_the_bare_logical_id_does_not(cfn: Any) -> None:
    session, _ = session_for(cfn)
    outcomes = {}
    for allow in (("Db",), ("Child/Db",), ("Parent/Child/Db",)):
        with Stubber(cfn) as stub:
            two_levels(stub)
            _, judged = nested_review(session, TOP, allow)
        outcomes[allow[0]] = [j.decision for j in judged if j.verdict.logical_id.endswith("/Db")]
    assert outcomes["Db"] == [decision.Decision.REFUSE]
    assert outcomes["Child/Db"] == [decision.Decision.REFUSE]
    assert outcomes["Parent/Child/Db"] == [decision.Decision.ALLOWED]


def test_unreadable_templates_are_judged_on_the_change_alone(cfn: Any) -> None:
    session, _ = session_for(cfn)
    with Stubber(cfn) as stub:
        two_levels(stub, child_templates=False)
        _, judged = nested_review(session, TOP, ())
    refused = decision.refusals(judged)
    assert [(v.logical_id, v.source, v.properties) for v in refused] == [
        ("Parent/Child/Db", "change-set", ("DBName",))
    ]


def test_expansion_stops_at_the_depth_bound(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        # Nothing is stubbed: a call past the bound would fail the test.
        assert nested.expand(cfn, TOP, depth=nested.MAX_DEPTH + 1) == []
        stub.assert_no_pending_responses()


def test_a_change_without_a_nested_change_set_is_not_described(cfn: Any) -> None:
    plain = [resource_change("Parent", nested.STACK_TYPE), DB_REPLACED]
    with Stubber(cfn):
        assert nested.expand(cfn, plain) == []


def test_create_asks_for_nested_change_sets_only_when_told(cfn: Any) -> None:
    common = {
        "StackName": "edu",
        "ChangeSetName": "cs1",
        "ChangeSetType": "UPDATE",
        "Parameters": [],
        "Tags": [],
        "Capabilities": [],
        "Description": "deploy.py",
        "TemplateBody": "{}",
    }
    answer = {"Id": f"{ACCOUNT}:changeSet/cs1/1", "StackId": PARENT_ID}
    with Stubber(cfn) as stub:
        stub.add_response("create_change_set", answer, {**common, "IncludeNestedStacks": True})
        stub.add_response("create_change_set", answer, common)
        for include in (True, False):
            changesets.create(
                cfn,
                stack_name="edu",
                name="cs1",
                change_set_type="UPDATE",
                template_args={"TemplateBody": "{}"},
                parameters=[],
                tags={},
                capabilities=[],
                include_nested=include,
            )
        stub.assert_no_pending_responses()
    assert nested.declares_nested(parent_template())
    assert not nested.declares_nested(rds_template())


def test_a_client_error_while_describing_a_nested_change_set_is_not_hidden(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_client_error("describe_change_set", "AccessDenied", "no", 403)
        with pytest.raises(ClientError, match="AccessDenied"):
            nested.expand(cfn, TOP)


def top_template(url: str) -> dict[str, Any]:
    parent = {"Type": nested.STACK_TYPE, "Properties": {"TemplateURL": url}}
    return {"Resources": {"Parent": parent}}


def whole_update(stub: Stubber) -> None:
    """deploy of the top stack, from its state to the judged change set, then its deletion."""
    old = {"TemplateBody": json.dumps(top_template("https://b/v1.json"))}
    at_stack = {"StackName": STACK_ID, "TemplateStage": "Original"}
    stub.add_response("describe_stacks", stack_desc("UPDATE_COMPLETE"), {"StackName": STACK})
    # Drift before deploy, denied here: one line, and the run goes on.
    stub.add_client_error("detect_stack_drift", "AccessDenied", "no", 403)
    stub.add_response("get_template", old, at_stack)  # is anything different?
    stub.add_response("get_template", old, at_stack)  # the deployed template, for the check
    expected = {
        key: ANY for key in ("ChangeSetName", "Parameters", "Tags", "Capabilities", "Description")
    }
    expected |= {"StackName": STACK, "ChangeSetType": "UPDATE", "TemplateBody": ANY}
    stub.add_response(
        "create_change_set",
        {"Id": CS_ARN, "StackId": STACK_ID},
        {**expected, "IncludeNestedStacks": True},
    )
    ready = described(CS_ARN, STACK_ID, TOP)
    stub.add_response("describe_change_set", ready, {"ChangeSetName": CS_ARN})  # the waiter
    stub.add_response("describe_change_set", ready, {"ChangeSetName": CS_ARN})  # every page
    two_levels(stub)
    stub.add_response("delete_change_set", {}, {"ChangeSetName": CS_ARN})


class Executed(Exception):
    """Raised where execution begins: the data-safety check let the change set through."""


def test_deploy_refuses_the_nested_replacement_and_runs_it_when_allowed_by_path(
    cfn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def execution_begins(*args: Any, **kwargs: Any) -> Any:
        raise Executed

    monkeypatch.setattr(EventCursor, "before_operation", execution_begins)
    new = top_template("https://b/v2.json")
    session, err = session_for(cfn)
    with Stubber(cfn) as stub:
        whole_update(stub)
        with pytest.raises(Refused) as refused:
            deploy.run(session, Request(STACK, new, Inputs({}, {}), yes=True))
        stub.assert_no_pending_responses()
    assert refused.value.exit_code == exitcodes.REFUSED
    assert any("--allow-replacement Parent/Child/Db" in d for d in refused.value.details)
    assert "Parent/Child/Db" in err.getvalue() and "REFUSED" in err.getvalue()

    allowed = Request(STACK, new, Inputs({}, {}), yes=True, allow_replacement=("Parent/Child/Db",))
    with Stubber(cfn) as stub:
        whole_update(stub)
        with pytest.raises(Executed):
            deploy.run(session, allowed)
        stub.assert_no_pending_responses()
