"""The template as a hook sees it: parameters, pseudo parameters, conditions and Fn::If applied."""

from __future__ import annotations

from typing import Any

import pytest

from cfnmodel.resolve import ResolveError, parameter_values, resolved

TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Env": {"Type": "String", "Default": "prod"},
        "Size": {"Type": "Number", "Default": 20},
        "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>", "Default": "a, b"},
        "Name": {"Type": "String"},
    },
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": [{"Ref": "Size"}, 20]}]},
        "Either": {"Fn::Or": [{"Condition": "NotProd"}, {"Condition": "Both"}]},
    },
    "Resources": {
        "Db": {
            "Type": "AWS::RDS::DBInstance",
            "Properties": {
                "MultiAZ": {"Fn::If": ["IsProd", True, False]},
                "AllocatedStorage": {"Ref": "Size"},
                "Snapshot": {"Fn::If": ["NotProd", "snap", {"Ref": "AWS::NoValue"}]},
                "Subnets": {"Ref": "Subnets"},
                "Ids": ["x", {"Ref": "AWS::NoValue"}, {"Fn::GetAtt": ["Key", "Arn"]}],
                "Name": {"Fn::Sub": "${Name}-${Env}-${AWS::Region}-${!Literal}"},
                "Arn": {"Fn::Sub": "${Key.Arn}-${Env}"},
                "Joined": {"Fn::Join": ["-", [{"Ref": "Env"}, "x"]]},
                "Local": {"Fn::Sub": ["${A}/${Env}", {"A": {"Ref": "Name"}}]},
            },
        },
        "Dev": {"Type": "AWS::S3::Bucket", "Condition": "NotProd"},
        "Key": {"Type": "AWS::KMS::Key", "Condition": "Either"},
    },
    "Outputs": {"DevName": {"Condition": "NotProd", "Value": {"Ref": "Dev"}}},
}


def test_defaults_and_given_values_fill_the_parameters() -> None:
    assert parameter_values(TEMPLATE, {"Name": "n", "Env": "dev"}) == {
        "Env": "dev",
        "Size": "20",
        "Subnets": ["a", "b"],
        "Name": "n",
    }


def test_a_parameter_without_value_or_default_is_an_error_naming_it() -> None:
    with pytest.raises(ResolveError, match="parameter Name has no value and no default"):
        resolved(TEMPLATE)


def test_properties_are_resolved_the_way_a_hook_sees_them() -> None:
    props = resolved(TEMPLATE, {"Name": "n"})["Resources"]["Db"]["Properties"]
    assert props == {
        "MultiAZ": True,
        "AllocatedStorage": "20",
        "Subnets": ["a", "b"],
        "Ids": ["x", {"Fn::GetAtt": ["Key", "Arn"]}],
        "Name": "n-prod-us-east-1-${Literal}",
        "Arn": {"Fn::Sub": "${Key.Arn}-${Env}"},  # a resource attribute: left whole
        "Joined": "prod-x",
        "Local": "n/prod",
    }


def test_conditions_decide_which_resources_and_outputs_exist() -> None:
    prod = resolved(TEMPLATE, {"Name": "n"})
    assert sorted(prod["Resources"]) == ["Db", "Key"]
    assert prod["Outputs"] == {}
    assert prod["Conditions"] == {"IsProd": True, "NotProd": False, "Both": True, "Either": True}
    dev = resolved(TEMPLATE, {"Name": "n", "Env": "dev", "Size": "30"})
    assert sorted(dev["Resources"]) == ["Db", "Dev", "Key"]
    assert dev["Resources"]["Db"]["Properties"]["Snapshot"] == "snap"
    assert dev["Outputs"] == {"DevName": {"Condition": "NotProd", "Value": {"Ref": "Dev"}}}


def test_the_input_template_is_left_as_it_was() -> None:
    before = repr(TEMPLATE)
    resolved(TEMPLATE, {"Name": "n"})
    assert repr(TEMPLATE) == before


def test_an_ssm_parameter_of_a_list_type_resolves_to_a_list() -> None:
    template = {
        "Parameters": {
            "Subnets": {"Type": "AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>"},
            "Vpc": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::VPC::Id>"},
        },
        "Resources": {
            "F": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"SubnetIds": {"Ref": "Subnets"}, "Vpc": {"Ref": "Vpc"}},
            }
        },
    }
    got = resolved(template, {"Subnets": "subnet-1, subnet-2", "Vpc": "vpc-1"})
    assert got["Resources"]["F"]["Properties"] == {
        "SubnetIds": ["subnet-1", "subnet-2"],
        "Vpc": "vpc-1",
    }


def test_real_pseudo_values_replace_the_stand_ins_and_parameters_still_win() -> None:
    template = {
        "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
        "Resources": {
            "B": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": {"Fn::Sub": "${Env}-${AWS::AccountId}-${AWS::Region}"}
                },
            }
        },
    }
    stand_in = resolved(template)["Resources"]["B"]["Properties"]["BucketName"]
    assert stand_in == "dev-123456789012-us-east-1"
    real = resolved(template, {"Env": "prod"}, pseudo={"AWS::AccountId": "111122223333"})
    assert real["Resources"]["B"]["Properties"]["BucketName"] == "prod-111122223333-us-east-1"
