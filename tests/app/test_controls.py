"""Control Tower's proactive controls on the sample application's template, resolved with the
values a deploy would read from the contract."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app import template as app_template
from gate import controls

ACCOUNT = "123456789012"
VALUES = {
    "VpcId": "vpc-0123456789abcdef0",
    "PrivateSubnetIds": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
    "AppSecurityGroupId": "sg-0123456789abcdef0",
    "AppSecretArn": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:edu/dev/db-AbCdEf",
    "DbEndpoint": "edu-db-dev.abc.us-east-1.rds.amazonaws.com",
    "DbPort": "5433",
    "DbName": "edu",
    "CacheEndpoint": "master.edu-cache-dev.abc.use1.cache.amazonaws.com",
    "CachePort": "6379",
    "CacheUser": "edu-cache-app-dev",
    "KeyArn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555",
    "BoundaryArn": f"arn:aws:iam::{ACCOUNT}:policy/edu-app-boundary-dev",
    "CodeBucket": "edu-artifacts-dev",
    "CodeKey": "app/code.zip",
}


def evaluate() -> controls.Evaluation:
    if not controls.installed(controls.guard_home()):
        pytest.skip("the Guard rules are not installed: run `make guard`")
    data: dict[str, Any] = json.loads(app_template.to_json())
    assert set(VALUES) == set(data["Parameters"])
    return controls.evaluate(data, VALUES)


@pytest.mark.xfail(
    strict=True,
    reason="cfnmodel.resolve splits only List<...> and CommaDelimitedList parameters, not "
    "AWS::SSM::Parameter::Value<List<...>>, so CT.LAMBDA.PR.3 sees SubnetIds as one string",
)
def test_no_control_fails() -> None:
    assert evaluate().failing_controls() == []


def test_only_the_subnet_list_control_fails_and_every_skip_is_used() -> None:
    got = evaluate()
    assert got.failing_controls() == ["CT.LAMBDA.PR.3"]
    assert [s.control_id for s in got.skipped] == ["CT.CLOUDWATCH.PR.1"]
    assert got.stale == []
