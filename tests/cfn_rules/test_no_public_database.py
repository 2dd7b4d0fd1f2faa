"""W9203 (cfn_rules.no_public_database): what is flagged, where, and what is not."""

from __future__ import annotations

import pytest

from tests.support.rules import findings


def database(rtype: str, public: str) -> str:
    return f"""
Parameters:
  Public:
    Type: String
    AllowedValues: ["true", "false"]
Resources:
  Db:
    Type: {rtype}
    Properties:
      Engine: postgres
      PubliclyAccessible: {public}
"""


def test_public_database_is_flagged_on_its_property_line_with_the_fix() -> None:
    assert findings("no_public_database", database("AWS::RDS::DBInstance", "true")) == [
        (
            "W9203",
            11,
            "Database 'Db' can be publicly accessible. Fix: set PubliclyAccessible: false and "
            "keep it in private subnets.",
        )
    ]


def test_private_database_passes() -> None:
    assert findings("no_public_database", database("AWS::RDS::DBCluster", "false")) == []


def test_database_that_a_parameter_can_make_public_is_flagged() -> None:
    got = findings("no_public_database", database("AWS::Redshift::Cluster", "!Ref Public"))
    assert [f[0] for f in got] == ["W9203"]


def test_database_without_the_property_passes() -> None:
    template = "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties: {}\n"
    assert findings("no_public_database", template) == []


def test_public_resource_that_is_not_a_database_is_left_to_other_rules() -> None:
    template = database("AWS::DMS::ReplicationInstance", "true")
    assert findings("no_public_database", template) == []


def test_databases_after_other_resources_are_still_checked() -> None:
    template = database("AWS::RDS::DBInstance", "true").replace(
        "Resources:\n", "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
    )
    assert [f[0] for f in findings("no_public_database", template)] == ["W9203"]


def flagged(public: str) -> bool:
    """Whether W9203 flags an RDS instance whose PubliclyAccessible is `public` (YAML)."""
    template = database("AWS::RDS::DBInstance", public).replace(
        "Resources:",
        "  Private:\n    Type: String\n    AllowedValues: ['false', 'FALSE', false]\n"
        "  Free:\n    Type: String\n"
        "Conditions:\n  Prod: !Equals [!Ref 'AWS::Region', us-east-1]\n"
        "Resources:",
    )
    got = findings("no_public_database", template)
    assert [f[0] for f in got] in (["W9203"], []), got
    return bool(got)


@pytest.mark.parametrize("public", ["false", "'false'", "'False'", "!Ref Private"])
def test_a_value_that_is_false_in_every_case_passes(public: str) -> None:
    assert not flagged(public)


# !ImportValue Private reads another stack's export, not the parameter of that name.
@pytest.mark.parametrize(
    "public", ["'TRUE'", "!Ref Free", "'maybe'", "!GetAtt Other.Public", "!ImportValue Private"]
)
def test_a_value_that_can_be_true_or_cannot_be_read_is_flagged(public: str) -> None:
    assert flagged(public)


@pytest.mark.parametrize(
    ("public", "expected"),
    [
        ("!If [Prod, false, !Ref AWS::NoValue]", False),
        ("!If [Prod, !Ref Private, false]", False),
        ("!If [Prod, false, !Ref Private]", False),
        ("!If [Prod, true, false]", True),
        ("!If [Prod, false, !Ref Free]", True),
        ("!If [Prod, !Ref Free, false]", True),
        ("!If [Prod, false]", True),
    ],
)
def test_a_condition_is_public_when_either_branch_can_be(public: str, expected: bool) -> None:
    assert flagged(public) is expected
