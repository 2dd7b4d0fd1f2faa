"""E9105 (cfn_rules.transforms): hosted rotation needs the Secrets Manager transform, language
functions and intrinsic policies need AWS::LanguageExtensions, which must come before SAM; the
forms a Transform section can take."""

from __future__ import annotations

import pytest

from tests.support.rules import findings

SECRETS = "AWS::SecretsManager-2024-09-16"  # the current one: what the fix names
OLDER = "AWS::SecretsManager-2020-07-23"  # still accepted
LANGUAGE = "AWS::LanguageExtensions"
SERVERLESS = "AWS::Serverless-2016-10-31"

HOSTED_MESSAGE = (
    f"HostedRotationLambda needs the {SECRETS} transform, which the template does not declare. "
    f"Fix: add Transform: {SECRETS} (and deploy with CAPABILITY_AUTO_EXPAND)."
)


def policy_message(attribute: str) -> str:
    return (
        f"An intrinsic function in {attribute} needs the {LANGUAGE} transform. "
        f"Fix: add Transform: {LANGUAGE}, or use a literal policy."
    )


def function_message(function: str) -> str:
    return f"{function} needs the {LANGUAGE} transform. Fix: add Transform: {LANGUAGE}."


def e9105(template: str) -> list[tuple[str, int, str]]:
    return findings("transforms", template)


def with_transform(transform: str, resources: str) -> str:
    """A template whose Transform section is `transform` (YAML, empty for none)."""
    section = f"Transform: {transform}\n" if transform else ""
    return f"""{section}Parameters:
  Policy:
    Type: String
    AllowedValues: [Delete, Retain]
Conditions:
  Prod: !Equals [!Ref "AWS::Region", us-east-1]
Resources:
{resources}"""


# Resources, each starting with the line it is on in a template without Transform (line 8).
SECRET = """  Secret:
    Type: AWS::SecretsManager::Secret
"""
ROTATION = """  Rotation:
    Type: AWS::SecretsManager::RotationSchedule
    Properties:
      SecretId: !Ref Secret
      HostedRotationLambda:
        RotationType: PostgreSQLSingleUser
"""
POLICIES = """  Bucket:
    Type: AWS::S3::Bucket
    DeletionPolicy: !Ref Policy
    UpdateReplacePolicy: !If [Prod, Retain, Delete]
"""
FUNCTIONS = """  Queue:
    Type: AWS::SQS::Queue
    Properties:
      DelaySeconds:
        Fn::Length: [a, b]
      Tags:
        - Key: config
          Value:
            Fn::ToJsonString: {a: 1}
"""


# Hosted rotation and the Secrets Manager transform.


def test_hosted_rotation_without_the_transform_is_flagged_on_the_property() -> None:
    assert e9105(with_transform("", SECRET + ROTATION)) == [("E9105", 14, HOSTED_MESSAGE)]


@pytest.mark.parametrize(
    "transform",
    [
        SECRETS,
        f"[{LANGUAGE}, {SECRETS}]",
        f"{{Name: {SECRETS}}}",
        f"[{{Name: {LANGUAGE}}}, {{Name: {SECRETS}, Parameters: {{}}}}]",
        OLDER,
    ],
    ids=["string", "list", "mapping", "list-of-mappings", "older-version"],
)
def test_hosted_rotation_with_the_transform_in_any_form_passes(transform: str) -> None:
    assert e9105(with_transform(transform, SECRET + ROTATION)) == []


@pytest.mark.parametrize(
    "transform",
    [
        "AWS::SecretsManager-2024-01-01",
        f"{{Location: {SECRETS}}}",
        "[{Name: [AWS::SecretsManager-2024-09-16]}]",
        "[42]",
    ],
    ids=["other-version", "mapping-without-name", "name-not-a-string", "not-a-name"],
)
def test_a_transform_entry_that_does_not_name_the_transform_does_not_count(
    transform: str,
) -> None:
    got = [message for _, _, message in e9105(with_transform(transform, SECRET + ROTATION))]
    assert got == [HOSTED_MESSAGE]


def test_rotation_with_its_own_lambda_needs_no_transform() -> None:
    own = ROTATION.replace(
        "      HostedRotationLambda:\n        RotationType: PostgreSQLSingleUser\n",
        "      RotationLambdaARN: arn:aws:lambda:us-east-1:123456789012:function:rotate\n",
    )
    assert e9105(with_transform("", SECRET + own)) == []


def test_hosted_rotation_lambda_on_another_resource_type_is_not_flagged() -> None:
    custom = ROTATION.replace("AWS::SecretsManager::RotationSchedule", "Custom::Rotation")
    assert e9105(with_transform("", SECRET + custom)) == []


def test_rotation_whose_properties_are_a_condition_is_not_judged() -> None:
    conditional = """  Rotation:
    Type: AWS::SecretsManager::RotationSchedule
    Properties: !If
      - Prod
      - {SecretId: !Ref Secret, HostedRotationLambda: {RotationType: PostgreSQLSingleUser}}
      - !Ref AWS::NoValue
"""
    assert e9105(with_transform("", SECRET + conditional)) == []


def test_hosted_rotation_is_checked_even_with_language_extensions() -> None:
    got = e9105(with_transform(LANGUAGE, SECRET + ROTATION + POLICIES))
    assert got == [("E9105", 15, HOSTED_MESSAGE)]


def test_every_rotation_is_checked() -> None:
    second = ROTATION.replace("Rotation:", "Second:")
    got = e9105(with_transform("", SECRET + ROTATION + second))
    assert got == [("E9105", 14, HOSTED_MESSAGE), ("E9105", 20, HOSTED_MESSAGE)]


# AWS::LanguageExtensions: intrinsic policies and its functions.


def test_intrinsic_deletion_and_update_replace_policies_are_flagged_each() -> None:
    assert e9105(with_transform("", POLICIES)) == [
        ("E9105", 10, policy_message("DeletionPolicy")),
        ("E9105", 11, policy_message("UpdateReplacePolicy")),
    ]


def test_literal_policies_need_no_transform() -> None:
    literal = "  Bucket:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n"
    assert e9105(with_transform("", literal + "    UpdateReplacePolicy: Retain\n")) == []


def test_language_functions_are_flagged_where_they_are_used() -> None:
    assert e9105(with_transform("", FUNCTIONS)) == [
        ("E9105", 11, function_message("Fn::Length")),
        ("E9105", 15, function_message("Fn::ToJsonString")),
    ]


def test_a_mapping_with_more_than_the_function_key_is_not_a_function_call() -> None:
    tags = """  Queue:
    Type: AWS::SQS::Queue
    Metadata:
      Notes: {Fn::Length: [a], Other: 1}
"""
    assert e9105(with_transform("", tags)) == []


@pytest.mark.parametrize(
    "transform", [LANGUAGE, f"[{LANGUAGE}]", f"[{{Name: {LANGUAGE}}}, {SECRETS}]"]
)
def test_language_extensions_allow_the_functions_and_intrinsic_policies(transform: str) -> None:
    assert e9105(with_transform(transform, POLICIES + FUNCTIONS)) == []


def test_resources_after_one_that_is_not_a_mapping_are_still_checked() -> None:
    template = with_transform("", "  Broken: just a string\n" + POLICIES)
    assert [line for _, line, _ in e9105(template)] == [11, 12]


# The order of AWS::LanguageExtensions and the SAM transform.


def test_language_extensions_after_the_sam_transform_is_flagged_on_the_transform() -> None:
    template = "Description: the Transform section starts on line 2\n" + with_transform(
        f"[{SERVERLESS}, {LANGUAGE}]", POLICIES
    )
    assert e9105(template) == [
        (
            "E9105",
            2,
            f"{LANGUAGE} must be listed before {SERVERLESS}. Fix: reorder Transform.",
        )
    ]


@pytest.mark.parametrize(
    "transform",
    [f"[{LANGUAGE}, {SERVERLESS}]", SERVERLESS, f"[{SECRETS}, {SERVERLESS}]"],
    ids=["language-first", "sam-only", "sam-after-secrets"],
)
def test_sam_alone_or_after_language_extensions_passes(transform: str) -> None:
    assert e9105(with_transform(transform, SECRET)) == []
