"""The sample application's template keeps the agreed interface: contract parameters typed as
the contract says, the function in the platform's subnets and security group, an encrypted log
group, bounded roles under /edu-app/, no secret in the environment, names from the stack name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app import template as app_template
from templates.contract import CONTRACT_KEYS


@pytest.fixture(scope="module")
def tpl() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(app_template.to_json())
    return data


def of_type(tpl: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in tpl["Resources"].items() if r["Type"] == rtype}


def function(tpl: dict[str, Any]) -> dict[str, Any]:
    [props] = [r["Properties"] for r in of_type(tpl, "AWS::Lambda::Function").values()]
    found: dict[str, Any] = props
    return found


def test_every_contract_key_is_a_parameter_of_the_contracts_type(tpl: dict[str, Any]) -> None:
    params = tpl["Parameters"]
    assert CONTRACT_KEYS
    for key in CONTRACT_KEYS:
        assert params[key.camel]["Type"] == key.parameter_type
        assert params[key.camel]["Type"].startswith("AWS::SSM::Parameter::Value<")
    assert set(params) == {k.camel for k in CONTRACT_KEYS} | {"CodeBucket", "CodeKey"}


def test_the_code_comes_from_the_code_parameters(tpl: dict[str, Any]) -> None:
    assert function(tpl)["Code"] == {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}}


def test_the_function_runs_in_the_contracts_subnets_with_the_app_security_group(
    tpl: dict[str, Any],
) -> None:
    assert function(tpl)["VpcConfig"] == {
        "SubnetIds": {"Ref": "PrivateSubnetIds"},
        "SecurityGroupIds": [{"Ref": "AppSecurityGroupId"}],
    }


def test_the_log_group_is_the_functions_encrypted_with_the_contract_key(
    tpl: dict[str, Any],
) -> None:
    [(lid, group)] = of_type(tpl, "AWS::Logs::LogGroup").items()
    props = group["Properties"]
    assert props["KmsKeyId"] == {"Ref": "KeyArn"}
    assert props["RetentionInDays"] >= 365
    assert props["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${AWS::StackName}-health"}
    assert function(tpl)["LoggingConfig"] == {"LogGroup": {"Ref": lid}}


def test_every_role_is_bounded_and_under_the_application_path(tpl: dict[str, Any]) -> None:
    roles = of_type(tpl, "AWS::IAM::Role")
    assert roles
    for role in roles.values():
        assert role["Properties"]["PermissionsBoundary"] == {"Ref": "BoundaryArn"}
        assert role["Properties"]["Path"] == "/edu-app/"
    assert not of_type(tpl, "AWS::IAM::User")


def test_the_environment_holds_no_secret_value(tpl: dict[str, Any]) -> None:
    env = function(tpl)["Environment"]["Variables"]
    text = json.dumps(env).lower()
    assert "resolve:secretsmanager" not in text
    assert not [name for name in env if "PASSWORD" in name or "TOKEN" in name]
    # The secret travels as its ARN; the handler reads the value at run time.
    assert env["SECRET_ARN"] == {"Ref": "AppSecretArn"}


def test_every_named_resource_starts_with_the_stack_name(tpl: dict[str, Any]) -> None:
    name_props = ("FunctionName", "RoleName", "AlarmName")
    names = [
        r["Properties"][prop]
        for r in tpl["Resources"].values()
        for prop in name_props
        if prop in r["Properties"]
    ]
    assert len(names) == 3
    assert all(n["Fn::Sub"].startswith("${AWS::StackName}-") for n in names)


def test_only_the_types_the_platforms_execution_role_allows(tpl: dict[str, Any]) -> None:
    allowed = {
        "AWS::Lambda::Function",
        "AWS::Lambda::Permission",
        "AWS::Lambda::Version",
        "AWS::Lambda::Alias",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::Logs::LogGroup",
        "AWS::IAM::Role",
        "AWS::CloudWatch::Alarm",
    }
    assert {r["Type"] for r in tpl["Resources"].values()} <= allowed


def test_the_role_may_read_only_the_contracts_secret(tpl: dict[str, Any]) -> None:
    [role] = of_type(tpl, "AWS::IAM::Role").values()
    statements = [
        s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]
    ]
    reads = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    assert [s["Resource"] for s in reads] == [[{"Ref": "AppSecretArn"}]]
    assert all(not a.endswith("*") for s in statements for a in s["Action"])


def evaluate(node: Any) -> Any:
    """Fn::Join, Fn::Select and Fn::Split over literals, as CloudFormation evaluates them."""
    if isinstance(node, dict):
        [(name, arg)] = node.items()
        if name == "Fn::Join":
            return arg[0].join(evaluate(part) for part in arg[1])
        if name == "Fn::Select":
            return evaluate(arg[1])[arg[0]]
        if name == "Fn::Split":
            return evaluate(arg[1]).split(arg[0])
    return node


@pytest.mark.parametrize("suffix", ["dev", "dev-2", "a-b-c"])
def test_the_cache_group_is_derived_from_the_contracts_cache_user(suffix: str) -> None:
    # The platform's names: user edu-cache-app-<suffix>, replication group edu-cache-<suffix>.
    group = app_template.cache_group_id(f"edu-cache-app-{suffix}").to_dict()
    assert evaluate(group) == f"edu-cache-{suffix}"
