"""W9205 (cfn_rules.no_wildcard_actions): which actions count as wildcards, where
the finding points, and which statements and documents are left alone."""

from __future__ import annotations

import pytest

from tests.support.rules import findings


def role(statements: str) -> str:
    return f"""
Resources:
  Other:
    Type: AWS::SNS::Topic
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {{}}
      Policies:
        - PolicyName: ok
          PolicyDocument:
            Statement:
              - {{Effect: Allow, Action: s3:GetObject, Resource: "*"}}
        - PolicyName: p
          PolicyDocument:
            Statement:
{statements}
"""


def policy(rtype: str, statement: str) -> str:
    return f"""
Resources:
  Policy:
    Type: {rtype}
    Properties:
      PolicyDocument:
        Statement:
          - {statement}
"""


def test_service_wildcard_is_flagged_on_the_action_line_with_the_fix() -> None:
    got = findings(
        "no_wildcard_actions",
        role("              - {Effect: Allow, Action: [s3:GetObject, 's3:*', '*'], Resource: '*'}"),
    )
    assert got == [
        (
            "W9205",
            17,
            "Allow of wildcard action(s) s3:*, *. Fix: name the actions the principal needs.",
        )
    ]


def test_not_action_in_an_allow_is_flagged_with_the_fix() -> None:
    got = findings(
        "no_wildcard_actions",
        role("              - {Effect: Allow, NotAction: iam:*, Resource: '*'}"),
    )
    assert got == [
        (
            "W9205",
            17,
            "Allow with NotAction grants every other action. Fix: list the allowed actions in "
            "Action.",
        )
    ]


def test_action_that_only_contains_a_star_is_named() -> None:
    got = findings(
        "no_wildcard_actions", policy("AWS::IAM::ManagedPolicy", "{Effect: Allow, Action: s3:Get*}")
    )
    assert got == []


def test_deny_may_use_wildcards() -> None:
    got = findings(
        "no_wildcard_actions", policy("AWS::S3::BucketPolicy", "{Effect: Deny, Action: '*'}")
    )
    assert got == []


def test_every_allow_statement_is_checked_after_a_deny() -> None:
    statements = (
        "              - {Effect: Deny, Action: '*', Resource: '*'}\n"
        "              - {Effect: Allow, Action: 'sqs:*', Resource: '*'}"
    )
    assert [f[1] for f in findings("no_wildcard_actions", role(statements))] == [18]


def test_resource_policy_wildcard_is_flagged() -> None:
    got = findings(
        "no_wildcard_actions", policy("AWS::SNS::TopicPolicy", "{Effect: Allow, Action: 'sns:*'}")
    )
    assert [f[0] for f in got] == ["W9205"]


def test_kms_key_policy_is_left_to_its_own_rule() -> None:
    got = findings(
        "no_wildcard_actions", policy("AWS::KMS::Key", "{Effect: Allow, Action: 'kms:*'}")
    )
    assert got == []


def test_policies_after_one_that_is_not_a_document_are_still_checked() -> None:
    template = """
Parameters:
  Doc:
    Type: String
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - {PolicyName: a, PolicyDocument: !Ref Doc}
        - PolicyName: b
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: '*', Resource: '*'}
"""
    assert [f[0] for f in findings("no_wildcard_actions", template)] == ["W9205"]


def test_empty_policy_entry_is_skipped_without_a_crash() -> None:
    template = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        -
        - PolicyName: b
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: '*', Resource: '*'}
"""
    assert [f[0] for f in findings("no_wildcard_actions", template)] == ["W9205"]


def managed_policy(document: str) -> str:
    """A managed policy whose PolicyDocument is `document` (YAML), on line 5."""
    return (
        "Resources:\n  Policy:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n"
        f"      PolicyDocument: {document}\n"
    )


def test_a_policy_written_as_a_json_string_is_read() -> None:
    doc = '\'{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}\''
    assert findings("no_wildcard_actions", managed_policy(doc)) == [
        (
            "W9205",
            5,
            "Allow of wildcard action(s) s3:*. Fix: name the actions the principal needs.",
        )
    ]


def test_a_policy_written_as_a_sub_of_a_json_string_is_read() -> None:
    doc = (
        '!Sub \'{"Statement": [{"Effect": "Allow", "Action": "sqs:*", '
        '"Resource": "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:q"}]}\''
    )
    assert [f[2] for f in findings("no_wildcard_actions", managed_policy(doc))] == [
        "Allow of wildcard action(s) sqs:*. Fix: name the actions the principal needs."
    ]


@pytest.mark.parametrize("document", ["'[\"s3:*\"]'", "'not json'", "''", "!Ref AWS::NoValue"])
def test_a_value_that_is_not_a_policy_object_is_not_a_document(document: str) -> None:
    assert findings("no_wildcard_actions", managed_policy(document)) == []
