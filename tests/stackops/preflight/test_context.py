"""The template as the account sees it: real pseudo parameters, the values being deployed."""

from __future__ import annotations

from stackops.preflight.context import (
    UNKNOWN,
    Caller,
    account_view,
    deployed_values,
    known,
    pseudo_values,
    relevant,
    secret_name,
)
from tests.support.preflight import request, resource, with_resources


def test_pseudo_parameters_are_this_accounts() -> None:
    template = with_resources(
        Logs=resource(
            "AWS::Logs::LogGroup",
            LogGroupName={"Fn::Sub": "/${AWS::AccountId}/${AWS::Region}/${AWS::StackName}/${Env}"},
        ),
        Other=resource("AWS::Logs::LogGroup", LogGroupName={"Fn::Sub": "/${AWS::StackId}"}),
    )
    pseudo = pseudo_values("eu-west-1", "edu", None, Caller(account="111122223333"))
    view = account_view(template, {"Env": "prod"}, pseudo)
    assert (
        view["Resources"]["Logs"]["Properties"]["LogGroupName"]
        == "/111122223333/eu-west-1/edu/prod"
    )
    assert not known(view["Resources"]["Other"]["Properties"]["LogGroupName"])
    assert UNKNOWN in pseudo_values("us-east-1", "edu", None, Caller())["AWS::AccountId"]


def test_update_uses_previous_values_under_given_ones() -> None:
    template = with_resources(Topic=resource("AWS::SNS::Topic"))
    template["Parameters"]["Size"] = {"Type": "String"}
    stack = {
        "StackId": "arn:x",
        "Parameters": [
            {"ParameterKey": "Env", "ParameterValue": "old"},
            {"ParameterKey": "Size", "ParameterValue": "2"},
            {"ParameterKey": "Gone", "ParameterValue": "1"},
        ],
    }
    values = deployed_values(request(template, {"Env": "new"}), stack)
    assert values == {"Env": "new", "Size": "2"}


def test_relevant_templates_and_secret_names() -> None:
    assert not relevant(with_resources(Topic=resource("AWS::SNS::Topic")))
    assert relevant(with_resources(Topic=resource("AWS::SNS::Topic", X="{{resolve:ssm:/a}}")))
    assert relevant(with_resources(Vpc=resource("AWS::EC2::VPC")))
    assert secret_name("arn:aws:secretsmanager:us-east-1:1:secret:edu-db-AbCdEf") == "edu-db"
