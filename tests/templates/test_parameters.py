"""Parameters, their conditions and the Rules that reject inconsistent combinations."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.cfn import resources
from tests.templates.helpers import SUFFIX_REF

# Service limits of the physical names derived from EnvironmentSuffix.
NAME_LIMITS = {
    ("AWS::S3::Bucket", "BucketName"): 63,
    ("AWS::ElastiCache::ReplicationGroup", "ReplicationGroupId"): 40,
    ("AWS::RDS::DBInstance", "DBInstanceIdentifier"): 63,
    ("AWS::IAM::Role", "RoleName"): 64,
    ("AWS::SNS::Topic", "TopicName"): 256,
    ("AWS::CodeBuild::Project", "Name"): 255,
    ("AWS::CodePipeline::Pipeline", "Name"): 100,
    ("AWS::Logs::LogGroup", "LogGroupName"): 512,
}
LONGEST_REGION = "ap-southeast-5"


def _param(template: dict[str, Any], name: str) -> dict[str, Any]:
    param: dict[str, Any] = template["Parameters"][name]
    return param


def _suffix_ok(template: dict[str, Any], value: str) -> bool:
    p = _param(template, "EnvironmentSuffix")
    return (
        re.fullmatch(p["AllowedPattern"], value) is not None
        and p["MinLength"] <= len(value) <= p["MaxLength"]
    )


@pytest.mark.parametrize("good", ["prod", "pr-1234", "ci-a1b2c3", "a1"])
def test_suffix_accepts_lowercase_names(production: dict[str, Any], good: str) -> None:
    assert _suffix_ok(production, good)


@pytest.mark.parametrize("bad", ["Prod", "pr--1", "pr-", "-pr", "pr_1", "a", "x" * 17, "pr.1"])
def test_suffix_rejects_names_some_service_refuses(production: dict[str, Any], bad: str) -> None:
    assert not _suffix_ok(production, bad)


def _expand(text: str, suffix: str) -> str | None:
    """A name with the longest suffix, account and region; None if it has other variables."""
    text = (
        text.replace(SUFFIX_REF, suffix)
        .replace("${AWS::AccountId}", "1" * 12)
        .replace("${AWS::Region}", LONGEST_REGION)
    )
    return None if "${" in text else text


def test_longest_suffix_fits_every_derived_name(template: dict[str, Any]) -> None:
    longest = "a" * _param(template, "EnvironmentSuffix")["MaxLength"]
    checked = 0
    for (rtype, prop), limit in NAME_LIMITS.items():
        for lid, res in resources(template, rtype).items():
            value = res.get("Properties", {}).get(prop)
            if not isinstance(value, dict) or "Fn::Sub" not in value:
                continue
            name = _expand(value["Fn::Sub"], longest)
            if name is None:
                continue
            checked += 1
            assert len(name) <= limit, f"{lid}.{prop} is {len(name)} > {limit}: {name}"
    assert checked >= 3, "expected the bucket, cache and DB names to be checked"


def test_az_count_is_two_or_three(production: dict[str, Any]) -> None:
    assert _param(production, "AzCount")["AllowedValues"] == ["2", "3"]


def test_nat_mode_is_single_or_per_az(production: dict[str, Any]) -> None:
    assert _param(production, "NatMode")["AllowedValues"] == ["single", "per-az"]


@pytest.mark.parametrize(
    "name", ["DbInstanceClass", "CacheNodeType", "CacheNodeCount", "DbMultiAz"]
)
def test_sizing_choices_are_listed(production: dict[str, Any], name: str) -> None:
    assert _param(production, name)["AllowedValues"]


def test_cache_node_count_starts_at_one(production: dict[str, Any]) -> None:
    assert _param(production, "CacheNodeCount")["AllowedValues"][0] == "1"


def test_db_storage_is_bounded(production: dict[str, Any]) -> None:
    assert {"MinValue", "MaxValue"} <= set(_param(production, "DbAllocatedStorage"))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("10.0.0.0/16", True),
        ("172.16.8.0/21", True),
        ("10.0.0.0/24", False),
        ("300.1.1.1/16", False),
    ],
)
def test_vpc_cidr_pattern_allows_room_for_six_subnets(
    production: dict[str, Any], value: str, ok: bool
) -> None:
    assert (re.fullmatch(_param(production, "VpcCidr")["AllowedPattern"], value) is not None) is ok


@pytest.mark.parametrize("name", ["AlarmEmail"])
def test_optional_parameters_default_to_empty_and_allow_it(
    production: dict[str, Any], name: str
) -> None:
    p = _param(production, name)
    assert p["Default"] == ""
    assert re.fullmatch(p["AllowedPattern"], "")


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("ThreeAZs", {"Fn::Equals": [{"Ref": "AzCount"}, "3"]}),
        ("NatPerAz", {"Fn::Equals": [{"Ref": "NatMode"}, "per-az"]}),
        ("HasAlarmEmail", {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}),
        ("CacheMultiNode", {"Fn::Not": [{"Fn::Equals": [{"Ref": "CacheNodeCount"}, "1"]}]}),
    ],
)
def test_conditions_follow_their_parameters(
    production: dict[str, Any], condition: str, expected: dict[str, Any]
) -> None:
    assert production["Conditions"][condition] == expected


# -- Rules --------------------------------------------------------------------------------------


def _evaluate(node: Any, values: dict[str, str]) -> Any:
    """Evaluates the rule functions this template uses, over parameter values."""
    if isinstance(node, dict):
        ((fn, arg),) = node.items()
        if fn == "Ref":
            return values[arg]
        if fn == "Fn::Equals":
            return _evaluate(arg[0], values) == _evaluate(arg[1], values)
        if fn == "Fn::Not":
            return not _evaluate(arg[0], values)
        if fn == "Fn::And":
            return all(_evaluate(a, values) for a in arg)
        if fn == "Fn::Or":
            return any(_evaluate(a, values) for a in arg)
        raise AssertionError(f"unexpected rule function {fn}")
    return node


def _violations(template: dict[str, Any], **overrides: str) -> list[str]:
    values = {k: str(p.get("Default", "")) for k, p in template["Parameters"].items()}
    values.update(overrides)
    assert template["Rules"], "no Rules to evaluate"
    failed = []
    for name, rule in template["Rules"].items():
        if "RuleCondition" in rule and not _evaluate(rule["RuleCondition"], values):
            continue
        failed += [
            f"{name}: {a['AssertDescription']}"
            for a in rule["Assertions"]
            if not _evaluate(a["Assert"], values)
        ]
    return failed


def test_defaults_satisfy_every_rule(template: dict[str, Any]) -> None:
    assert _violations(template) == []


def test_rules_reject_multi_az_database_with_single_cache_node(
    production: dict[str, Any],
) -> None:
    assert _violations(production, DbMultiAz="true", CacheNodeCount="1")


@pytest.mark.parametrize(
    ("az", "nat"), [("2", "single"), ("2", "per-az"), ("3", "single"), ("3", "per-az")]
)
def test_rules_accept_every_az_and_nat_combination(
    production: dict[str, Any], az: str, nat: str
) -> None:
    assert _violations(production, AzCount=az, NatMode=nat) == []
