"""stackops.aws.owned: a stack's resources and DeletionPolicies, nested stacks included.

botocore's Stubber, not moto: the order of the calls is the point (each stack's template is read
before its resources are listed) and so is the depth limit, which moto's nested stacks would
take a chain of six S3-hosted templates to reach. tests/e2e/test_cli_delete.py runs a nested
stack on moto's server.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.stub import Stubber

from stackops.aws import owned
from tests.support.stubbed import NESTED_ID, STACK_ID, T0


def row(lid: str, physical: str, rtype: str) -> dict[str, Any]:
    return {
        "LogicalResourceId": lid,
        "PhysicalResourceId": physical,
        "ResourceType": rtype,
        "LastUpdatedTimestamp": T0,
        "ResourceStatus": "CREATE_COMPLETE",
    }


def stack_of(stub: Stubber, stack_id: str, template: dict[str, Any], *rows: Any) -> None:
    stub.add_response(
        "get_template",
        {"TemplateBody": json.dumps(template)},
        {"StackName": stack_id, "TemplateStage": "Original"},
    )
    stub.add_response(
        "list_stack_resources", {"StackResourceSummaries": list(rows)}, {"StackName": stack_id}
    )


OUTER = {
    "Resources": {
        "Data": {"Type": "AWS::CloudFormation::Stack"},
        "Files": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Delete"},
    }
}
INNER = {
    "Resources": {
        "Archive": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
        "Db": {"Type": "AWS::RDS::DBInstance", "DeletionPolicy": "Snapshot"},
    }
}


def test_nested_resources_and_policies_sit_under_the_nested_stack_path(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stack_of(stub, STACK_ID, OUTER,
                 row("Data", NESTED_ID, "AWS::CloudFormation::Stack"),
                 row("Files", "edu-files", "AWS::S3::Bucket"))  # fmt: skip
        stack_of(stub, NESTED_ID, INNER,
                 row("Archive", "edu-archive", "AWS::S3::Bucket"),
                 row("Db", "edu-db", "AWS::RDS::DBInstance"))  # fmt: skip
        found = owned.inventory(cfn, STACK_ID)
        stub.assert_no_pending_responses()
    assert [(r.path, r.physical) for r in found.of_type("AWS::S3::Bucket")] == [
        ("Data/Archive", "edu-archive"),
        ("Files", "edu-files"),
    ]
    assert [r.path for r in found.of_type("AWS::RDS::DBInstance")] == ["Data/Db"]
    assert found.policies == {
        "Files": "Delete",
        "Data/Archive": "Retain",
        "Data/Db": "Snapshot",
    }


def test_a_nested_stack_gone_meanwhile_adds_nothing(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stack_of(stub, STACK_ID, OUTER, row("Data", NESTED_ID, "AWS::CloudFormation::Stack"))
        stub.add_client_error(
            "get_template", "ValidationError", f"Stack with id {NESTED_ID} does not exist"
        )
        found = owned.inventory(cfn, STACK_ID)
    assert [r.path for r in found.resources] == ["Data"]
    assert "Data/Archive" not in found.policies


def test_nesting_stops_at_the_depth_limit(cfn: Any) -> None:
    nested = {
        "Resources": {"Down": {"Type": "AWS::CloudFormation::Stack", "DeletionPolicy": "Retain"}}
    }
    with Stubber(cfn) as stub:
        stack_of(stub, STACK_ID, nested, row("Down", "s1", "AWS::CloudFormation::Stack"))
        for depth in range(1, owned.MAX_NESTED_DEPTH + 1):
            stack_of(stub, f"s{depth}", nested,
                     row("Down", f"s{depth + 1}", "AWS::CloudFormation::Stack"))  # fmt: skip
        found = owned.inventory(cfn, STACK_ID)
        stub.assert_no_pending_responses()  # and no call on the stack past the limit
    deepest = "/".join(["Down"] * (owned.MAX_NESTED_DEPTH + 1))
    assert found.resources[-1].path == deepest
    # Every stack walked had its template read: each listed resource has its policy.
    assert set(found.policies) == {r.path for r in found.resources}


def test_a_stack_whose_template_cannot_be_read_keeps_every_resource(cfn: Any) -> None:
    # Not knowing a bucket's DeletionPolicy must never let the delete empty it.
    with Stubber(cfn) as stub:
        stub.add_response(
            "get_template",
            {"TemplateBody": "{not json"},
            {"StackName": STACK_ID, "TemplateStage": "Original"},
        )
        stub.add_response(
            "list_stack_resources",
            {"StackResourceSummaries": [row("Files", "edu-files", "AWS::S3::Bucket")]},
            {"StackName": STACK_ID},
        )
        found = owned.inventory(cfn, STACK_ID)
    assert found.policies == {"Files": owned.UNREADABLE}
    assert not isinstance(found.policies["Files"], str)
