"""The IAM evaluator the isolation proofs rest on, tried on small hand-written policies."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.iam_eval import (
    Model,
    Policy,
    RolePolicies,
    Sym,
    Tri,
    Unknown,
    decide,
    evaluate,
    match,
    policy_of,
)

SECRETS = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:"


def _role(*documents: dict[str, Any], boundary: Policy | None = None) -> RolePolicies:
    policies = tuple(policy_of(f"p{i}", doc) for i, doc in enumerate(documents))
    return RolePolicies("Role", policies, boundary, (), {})


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_an_explicit_deny_wins_over_any_allow() -> None:
    role = _role(_doc(_allow("s3:*")), _doc(_deny("s3:DeleteObject", Sid="NoDelete")))
    decision = evaluate(role, "s3:DeleteObject", "arn:aws:s3:::b/k", {})
    assert decision.effect == "deny"
    assert [(hit.policy, hit.statement) for hit in decision.why] == [("p1", "NoDelete")]
    assert evaluate(role, "s3:GetObject", "arn:aws:s3:::b/k", {}).allowed


def test_nothing_allowed_is_an_implicit_deny() -> None:
    decision = evaluate(_role(_doc(_allow("s3:GetObject"))), "s3:PutObject", "x", {})
    assert decision.effect == "implicit-deny"


def test_the_boundary_caps_what_the_identity_policies_allow() -> None:
    boundary = policy_of("bound", _doc(_allow("s3:GetObject")))
    role = _role(_doc(_allow(["s3:GetObject", "s3:PutObject"])), boundary=boundary)
    assert evaluate(role, "s3:GetObject", "x", {}).allowed
    capped = evaluate(role, "s3:PutObject", "x", {})
    assert capped.effect == "implicit-deny"
    assert "boundary" in capped.reason


def test_a_boundary_alone_grants_nothing() -> None:
    role = _role(_doc(_allow("s3:GetObject")), boundary=policy_of("b", _doc(_allow("*"))))
    assert not evaluate(role, "s3:PutObject", "x", {}).allowed


def test_a_deny_in_the_boundary_wins() -> None:
    boundary = policy_of("b", _doc(_allow("*"), _deny("iam:*", Sid="NoIam")))
    decision = evaluate(_role(_doc(_allow("*")), boundary=boundary), "iam:CreateRole", "x", {})
    assert decision.effect == "deny"
    assert decision.why[0].statement == "NoIam"


def test_not_action_allows_everything_but_the_named_actions() -> None:
    role = _role(_doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
    assert evaluate(role, "s3:GetObject", "x", {}).allowed
    assert not evaluate(role, "IAM:CreateRole", "x", {}).allowed


def test_not_resource_covers_every_other_resource() -> None:
    deny = {"Effect": "Deny", "Action": "*", "NotResource": f"{SECRETS}mine-*"}
    role = _role(_doc(_allow("secretsmanager:*"), deny))
    assert evaluate(role, "secretsmanager:GetSecretValue", f"{SECRETS}mine-AbCdEf", {}).allowed
    other = evaluate(role, "secretsmanager:GetSecretValue", f"{SECRETS}other-AbCdEf", {})
    assert other.effect == "deny"


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("secretsmanager:Get*", "secretsmanager:GetSecretValue", True),
        ("SecretsManager:getsecretvalue", "secretsmanager:GetSecretValue", True),
        ("kms:*Key", "kms:DescribeKey", True),
        ("kms:Decrypt?", "kms:Decrypt", False),
        ("kms:Re?ncrypt*", "kms:ReEncryptFrom", True),
        ("ec2:Authorize*", "ec2:ModifySecurityGroupRules", False),
    ],
)
def test_actions_match_wildcards_without_regard_to_case(
    pattern: str, action: str, expected: bool
) -> None:
    assert evaluate(_role(_doc(_allow(pattern))), action, "x", {}).allowed is expected


def test_resources_match_wildcards_with_regard_to_case() -> None:
    role = _role(_doc(_allow("s3:GetObject", "arn:aws:s3:::bucket-?/app/*")))
    assert evaluate(role, "s3:GetObject", "arn:aws:s3:::bucket-a/app/x/y", {}).allowed
    assert not evaluate(role, "s3:GetObject", "arn:aws:s3:::bucket-ab/app/x", {}).allowed
    assert not evaluate(role, "s3:GetObject", "arn:aws:s3:::bucket-a/APP/x", {}).allowed


CONDITIONED_ALLOW = _allow(
    "secretsmanager:GetSecretValue",
    Condition={"StringEquals": {"aws:ResourceTag/Environment": "stg"}},
)
CONDITIONED_DENY = _deny(
    "secretsmanager:GetSecretValue",
    Condition={"StringEquals": {"aws:ResourceTag/Environment": "prod"}},
    Sid="NotProd",
)


def test_a_condition_decides_when_its_key_is_known() -> None:
    role = _role(_doc(CONDITIONED_ALLOW))
    assert evaluate(role, "secretsmanager:GetSecretValue", "s", _env("stg")).allowed
    assert not evaluate(role, "secretsmanager:GetSecretValue", "s", _env("prod")).allowed


def test_an_allow_whose_condition_key_is_unknown_may_allow() -> None:
    decision = evaluate(_role(_doc(CONDITIONED_ALLOW)), "secretsmanager:GetSecretValue", "s", {})
    assert decision.allowed
    assert decision.why[0].certainty is Tri.MAYBE


def test_a_deny_whose_condition_key_is_unknown_does_not_apply() -> None:
    role = _role(_doc(_allow("*"), CONDITIONED_DENY))
    assert evaluate(role, "secretsmanager:GetSecretValue", "s", {}).allowed
    assert evaluate(role, "secretsmanager:GetSecretValue", "s", _env("prod")).effect == "deny"


def test_negated_operators_and_known_absent_keys() -> None:
    deny_other = _deny(
        "secretsmanager:GetSecretValue",
        Condition={"StringNotEquals": {"secretsmanager:SecretId": f"{SECRETS}app"}},
    )
    role = _role(_doc(_allow("*"), deny_other))
    other = {"secretsmanager:SecretId": f"{SECRETS}master"}
    assert evaluate(role, "secretsmanager:GetSecretValue", "s", other).effect == "deny"
    own = {"secretsmanager:SecretId": f"{SECRETS}app"}
    assert evaluate(role, "secretsmanager:GetSecretValue", "s", own).allowed
    # IAM: a key absent from the request makes a negated operator true.
    absent = {"secretsmanager:SecretId": None}
    assert evaluate(role, "secretsmanager:GetSecretValue", "s", absent).effect == "deny"


def test_if_exists_null_bool_and_arn_like() -> None:
    statement = _allow(
        "kms:Decrypt",
        Condition={
            "BoolIfExists": {"aws:SecureTransport": "true"},
            "Null": {"aws:ResourceTag/Owner": "true"},
            "ArnLike": {"aws:SourceArn": "arn:aws:logs:*:111122223333:*"},
        },
    )
    role = _role(_doc(statement))
    base = {"aws:SourceArn": "arn:aws:logs:eu-west-1:111122223333:log-group:x"}
    assert evaluate(role, "kms:Decrypt", "k", {**base, "aws:ResourceTag/Owner": None}).allowed
    tagged = {**base, "aws:ResourceTag/Owner": "me"}
    assert not evaluate(role, "kms:Decrypt", "k", tagged).allowed
    plain = {**base, "aws:ResourceTag/Owner": None, "aws:SecureTransport": False}
    assert not evaluate(role, "kms:Decrypt", "k", plain).allowed
    absent = {**base, "aws:ResourceTag/Owner": None, "aws:SecureTransport": None}
    assert evaluate(role, "kms:Decrypt", "k", absent).allowed
    foreign = {"aws:SourceArn": "arn:aws:logs:eu-west-1:444455556666:log-group:x"}
    assert not evaluate(
        role, "kms:Decrypt", "k", {**foreign, "aws:ResourceTag/Owner": None}
    ).allowed


def test_for_any_value_and_for_all_values() -> None:
    keys = "aws:TagKeys"
    any_of = _allow("s3:*", Condition={"ForAnyValue:StringEquals": {keys: ["a", "b"]}})
    all_of = _allow("s3:*", Condition={"ForAllValues:StringEquals": {keys: ["a", "b"]}})
    assert evaluate(_role(_doc(any_of)), "s3:X", "r", {keys: ["a", "z"]}).allowed
    assert not evaluate(_role(_doc(all_of)), "s3:X", "r", {keys: ["a", "z"]}).allowed
    assert evaluate(_role(_doc(all_of)), "s3:X", "r", {keys: ["b", "a"]}).allowed


def test_policy_variables_come_from_the_context_and_the_role_tags() -> None:
    allow = _allow(
        "cloudformation:*", "arn:aws:cloudformation:*:*:stack/app-${aws:PrincipalTag/Stage}/*"
    )
    role = RolePolicies("R", (policy_of("p", _doc(allow)),), None, (), {"Stage": "staging"})
    assert evaluate(
        role, "cloudformation:X", "arn:aws:cloudformation:r:a:stack/app-staging/1", {}
    ).allowed
    assert not evaluate(
        role, "cloudformation:X", "arn:aws:cloudformation:r:a:stack/app-prod/1", {}
    ).allowed


def test_symbols_match_themselves_only() -> None:
    secret = Sym("prod", "DbSecret", "Arn", "AWS::SecretsManager::Secret")
    other = Sym("prod", "AppDbSecret", "Arn", "AWS::SecretsManager::Secret")
    staging = Sym("stg", "DbSecret", "Arn", "AWS::SecretsManager::Secret")
    assert match((secret,), (secret,)) is Tri.YES
    assert match((other,), (secret,)) is Tri.NO
    assert match((staging,), (secret,)) is Tri.NO
    assert match((f"{SECRETS}*",), (secret,)) is Tri.YES
    # The secret's name is not known, so a name pattern may or may not match it.
    assert match((f"{SECRETS}edu-*",), (secret,)) is Tri.MAYBE
    assert match(("arn:aws:kms:*",), (secret,)) is Tri.NO


def test_an_unknown_value_never_makes_a_deny_apply() -> None:
    mystery = Unknown("Fn::ImportValue")
    role = _role(_doc(_allow("*"), _deny("kms:Decrypt", [mystery])))
    assert evaluate(role, "kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/1", {}).allowed
    allow_only = _role(_doc(_allow("kms:Decrypt", [mystery])))
    decision = evaluate(allow_only, "kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/1", {})
    assert decision.allowed and decision.why[0].certainty is Tri.MAYBE


def _env(value: str) -> dict[str, Any]:
    return {"aws:ResourceTag/Environment": value}


TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Suffix": {"Type": "String"},
        "BoundaryArn": {"Type": "String", "Default": ""},
    },
    "Conditions": {"HasBoundary": {"Fn::Not": [{"Fn::Equals": [{"Ref": "BoundaryArn"}, ""]}]}},
    "Resources": {
        "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {}},
        "Other": {"Type": "AWS::SecretsManager::Secret", "Properties": {}},
        "Shared": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "PolicyDocument": _doc(
                    _allow("secretsmanager:GetSecretValue", {"Ref": "Secret"}, Sid="ReadIt")
                )
            },
        },
        "Attached": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "attached",
                "Roles": [{"Ref": "Role"}],
                "PolicyDocument": _doc(
                    _allow(
                        "ssm:GetParameter",
                        {
                            "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:"
                            "${AWS::AccountId}:parameter/${Suffix}/*"
                        },
                    )
                ),
            },
        },
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "ManagedPolicyArns": [
                    {"Ref": "Shared"},
                    "arn:aws:iam::aws:policy/ReadOnlyAccess",
                ],
                "PermissionsBoundary": {
                    "Fn::If": ["HasBoundary", {"Ref": "BoundaryArn"}, {"Ref": "AWS::NoValue"}]
                },
                "Policies": [
                    {
                        "PolicyName": "own",
                        "PolicyDocument": _doc(
                            _deny("secretsmanager:*", {"Ref": "Other"}, Sid="NotOther")
                        ),
                    }
                ],
            },
        },
    },
}


def test_a_role_gathers_inline_attached_and_naming_policies() -> None:
    model = Model(TEMPLATE, {"Suffix": "s1"}, stack="t")
    governed = model.governing("Role")
    assert {p.name for p in governed.identity} == {"Role/inline:own", "Shared", "Attached"}
    assert governed.unknown == ("arn:aws:iam::aws:policy/ReadOnlyAccess",)
    assert governed.boundary is None
    read = model.decide("Role", "secretsmanager:GetSecretValue", model.sym("Secret"))
    assert read.allowed and ("Shared", "ReadIt") in [(h.policy, h.statement) for h in read.why]
    denied = model.decide("Role", "secretsmanager:GetSecretValue", model.sym("Other"))
    assert denied.effect == "deny" and denied.why[0].statement == "NotOther"
    param = "arn:aws:ssm:eu-west-1:111122223333:parameter/s1/db"
    assert any(h.policy == "Attached" for h in model.decide("Role", "ssm:GetParameter", param).why)


def test_an_external_boundary_is_unknown_unless_its_document_is_given() -> None:
    arn = "arn:aws:iam::111122223333:policy/bound"
    given = {"Suffix": "s1", "BoundaryArn": arn}
    assert Model(TEMPLATE, given).governing("Role").boundary == "unknown"
    bound = policy_of(arn, _doc(_allow("ssm:*")))
    model = Model(TEMPLATE, given, documents={arn: bound})
    capped = model.decide("Role", "secretsmanager:GetSecretValue", model.sym("Secret"))
    assert capped.effect == "implicit-deny" and "boundary" in capped.reason
    plain = decide(
        TEMPLATE,
        "Role",
        "secretsmanager:GetSecretValue",
        Sym("stack", "Secret", "Arn"),
        given={"Suffix": "s1"},
    )
    assert plain.allowed


def test_a_parameter_may_carry_another_stacks_value() -> None:
    """The staging stack gets production's boundary ARN: its document comes from production."""
    foreign = Sym("prod", "Boundary", "Arn", "AWS::IAM::ManagedPolicy")
    bound = policy_of("prod-boundary", _doc(_allow("ssm:*")))
    model = Model(TEMPLATE, {"Suffix": "s1", "BoundaryArn": foreign}, documents={foreign: bound})
    governed = model.governing("Role")
    assert governed.boundary is bound
    assert not model.decide("Role", "secretsmanager:GetSecretValue", model.sym("Secret")).allowed


def test_a_bool_condition_written_unquoted() -> None:
    deny = _deny("s3:*", Condition={"Bool": {"aws:SecureTransport": False}}, Sid="TlsOnly")
    role = _role(_doc(_allow("s3:*"), deny))
    assert evaluate(role, "s3:GetObject", "b", {"aws:SecureTransport": False}).effect == "deny"
    assert evaluate(role, "s3:GetObject", "b", {"aws:SecureTransport": True}).allowed
