"""stackops.aws.boundaries: the roles outside a stack that carry one of its policies as their
permissions boundary, and the refusal that names the stacks to delete first.

botocore's Stubber: it checks each request against IAM's model, the filters included (moto's
ListEntitiesForPolicy does not tell a boundary from an attached policy).
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from stackops.aws import boundaries

POLICY = "arn:aws:iam::111122223333:policy/edu-staging-boundary-prod"


@pytest.fixture
def iam() -> Any:
    return boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def holders_of(stub: Stubber, *roles: str) -> None:
    stub.add_response(
        "list_entities_for_policy",
        {"PolicyRoles": [{"RoleName": r, "RoleId": f"AROA{i:016d}"} for i, r in enumerate(roles)]},
        {"PolicyArn": POLICY, "EntityFilter": "Role", "PolicyUsageFilter": "PermissionsBoundary"},
    )


def test_roles_of_another_stack_are_named_with_their_stack(iam: Any) -> None:
    with Stubber(iam) as stub:
        holders_of(stub, "own-role", "edu-platform-prod-stg-DbBootstrapRole-A1")
        stub.add_response(
            "list_role_tags",
            {"Tags": [{"Key": "aws:cloudformation:stack-name", "Value": "edu-platform-prod-stg"}]},
            {"RoleName": "edu-platform-prod-stg-DbBootstrapRole-A1"},
        )
        found = boundaries.outside_holders(iam, [POLICY], ["own-role"])
        stub.assert_no_pending_responses()
    assert found == {
        POLICY: [
            boundaries.Holder("edu-platform-prod-stg-DbBootstrapRole-A1", "edu-platform-prod-stg")
        ]
    }
    line = boundaries.refusal("edu-platform-prod", found)
    assert "edu-staging-boundary-prod is the permissions boundary of 1 role(s)" in line
    assert line.endswith("Delete these stacks first: edu-platform-prod-stg")
    assert "\n" not in line


def test_only_the_stacks_own_roles_hold_it(iam: Any) -> None:
    with Stubber(iam) as stub:
        holders_of(stub, "own-role")
        assert boundaries.outside_holders(iam, [POLICY], ["own-role"]) == {}
        stub.assert_no_pending_responses()


def test_a_role_without_the_stack_tag_is_named_itself(iam: Any) -> None:
    with Stubber(iam) as stub:
        holders_of(stub, "hand-made")
        stub.add_response("list_role_tags", {"Tags": []}, {"RoleName": "hand-made"})
        found = boundaries.outside_holders(iam, [POLICY], [])
    assert boundaries.refusal("s", found).endswith("Delete these roles first: hand-made")
