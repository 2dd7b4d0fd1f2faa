"""The cache's authentication (ElastiCache RBAC, IAM for the application) and its logs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import resources
from tests.templates.helpers import RESOLVE

LOG_GROUPS = {"slow-log": "CacheLogGroupSlow", "engine-log": "CacheLogGroupEngine"}


def _props(template: dict[str, Any], lid: str) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"][lid]["Properties"]
    return props


def test_cache_authenticates_through_the_stacks_user_group(template: dict[str, Any]) -> None:
    cache = _props(template, "Cache")
    assert cache["UserGroupIds"] == [{"Ref": "CacheUserGroup"}]
    assert cache["TransitEncryptionEnabled"] is True
    # ElastiCache refuses a user group next to an AUTH token.
    assert "AuthToken" not in cache


def test_user_group_holds_the_default_user_and_the_app_user(template: dict[str, Any]) -> None:
    (lid,) = resources(template, "AWS::ElastiCache::UserGroup")
    assert lid == "CacheUserGroup"
    assert _props(template, lid) == {
        "Engine": "redis",
        "UserGroupId": {"Fn::Sub": "edu-cache-users-${EnvironmentSuffix}"},
        "UserIds": [{"Ref": "CacheDefaultUser"}, {"Ref": "CacheAppUser"}],
        "Tags": _props(template, lid)["Tags"],
    }
    assert set(resources(template, "AWS::ElastiCache::User")) == {
        "CacheDefaultUser",
        "CacheAppUser",
    }


def test_default_user_is_off_unless_old_clients_are_let_in(template: dict[str, Any]) -> None:
    user = _props(template, "CacheDefaultUser")
    assert user["UserName"] == "default"
    assert user["UserId"] == {"Fn::Sub": "edu-cache-default-${EnvironmentSuffix}"}
    assert user["Engine"] == "redis"
    assert user["AccessString"] == {"Fn::If": ["CacheDefaultUserOn", "on ~* +@all", "off -@all"]}
    assert template["Conditions"]["CacheDefaultUserOn"] == {
        "Fn::Equals": [{"Ref": "CacheDefaultUserState"}, "on"]
    }


def test_default_user_password_is_the_old_auth_token(template: dict[str, Any]) -> None:
    mode = _props(template, "CacheDefaultUser")["AuthenticationMode"]
    assert mode["Type"] == "password"
    (password,) = mode["Passwords"]
    match = RESOLVE.match(password["Fn::Sub"])
    assert match
    assert match["secret"] == "CacheSecret"
    assert match["rest"] == ""


def test_default_user_parameter_defaults_to_off(template: dict[str, Any]) -> None:
    param = template["Parameters"]["CacheDefaultUserState"]
    assert param["Type"] == "String"
    assert param["AllowedValues"] == ["off", "on"]
    assert param["Default"] == "off"
    assert param["Description"]


def test_app_user_signs_in_with_iam(template: dict[str, Any]) -> None:
    user = _props(template, "CacheAppUser")
    name = {"Fn::Sub": "edu-cache-app-${EnvironmentSuffix}"}
    # IAM authentication: the user name is the user ID.
    assert user["UserId"] == name
    assert user["UserName"] == name
    assert user["AuthenticationMode"] == {"Type": "iam"}
    assert user["AccessString"] == "on ~* +@all -@dangerous"
    assert "Passwords" not in user
    assert "NoPasswordRequired" not in user
    assert template["Outputs"]["CacheAppUser"]["Value"] == name


def test_engine_version_supports_iam_users(template: dict[str, Any]) -> None:
    cache = _props(template, "Cache")
    assert cache["Engine"] == "redis"
    major, minor = (int(x) for x in cache["EngineVersion"].split("."))
    assert (major, minor) >= (7, 0)


@pytest.mark.parametrize(("kind", "lid"), sorted(LOG_GROUPS.items()))
def test_cache_delivers_each_log_to_its_own_log_group(
    template: dict[str, Any], kind: str, lid: str
) -> None:
    delivery = {c["LogType"]: c for c in _props(template, "Cache")["LogDeliveryConfigurations"]}
    assert delivery[kind] == {
        "DestinationType": "cloudwatch-logs",
        "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": {"Ref": lid}}},
        "LogFormat": "json",
        "LogType": kind,
    }
    assert set(delivery) == set(LOG_GROUPS)


@pytest.mark.parametrize(("kind", "lid"), sorted(LOG_GROUPS.items()))
def test_cache_log_groups_are_encrypted_and_named_for_the_group(
    template: dict[str, Any], kind: str, lid: str
) -> None:
    props = _props(template, lid)
    assert props["LogGroupName"] == {
        "Fn::Sub": f"/aws/elasticache/edu-cache-${{EnvironmentSuffix}}/{kind}"
    }
    assert props["KmsKeyId"] == {"Fn::GetAtt": ["Key", "Arn"]}


@pytest.mark.parametrize("lid", sorted(LOG_GROUPS.values()))
def test_production_keeps_cache_logs_a_year(production: dict[str, Any], lid: str) -> None:
    group = production["Resources"][lid]
    assert group["Properties"]["RetentionInDays"] == 365
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("Retain", "Retain")


@pytest.mark.parametrize("lid", sorted(LOG_GROUPS.values()))
def test_ephemeral_deletes_its_cache_logs(ephemeral: dict[str, Any], lid: str) -> None:
    group = ephemeral["Resources"][lid]
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("Delete", "Delete")
