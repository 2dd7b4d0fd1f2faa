"""The pure awacs builders of templates.policies: one statement per purpose, each scoped."""

from __future__ import annotations

import json
from typing import Any

from awacs import kms, s3
from awacs.aws import Allow, PolicyDocument, Statement
from troposphere import GetAtt, Join, Ref, Sub, encode_to_dict

from templates.policies import (
    artifact_store,
    connection_use,
    identity_actions,
    identity_document,
    objects,
    staging_ceiling,
    sub_expr,
)

OBJECTS_A = "arn:aws:s3:::a/*"
KEY = "arn:aws:kms:eu-west-1:1:key/k"


def _statements(document: PolicyDocument) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(document.to_json())["Statement"]
    return statements


def test_statements_stay_one_per_purpose() -> None:
    # No merging: a union of two statements would pair each action with the other's resources.
    written = [
        Statement(Effect=Allow, Action=[s3.GetObject], Resource=["arn:aws:s3:::source/*"]),
        Statement(Effect=Allow, Action=[s3.PutObject], Resource=["arn:aws:s3:::artifacts/*"]),
        Statement(Effect=Allow, Action=[kms.Decrypt], Resource=[KEY]),
    ]
    statements = _statements(identity_document(*written))
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        (["s3:GetObject"], ["arn:aws:s3:::source/*"]),
        (["s3:PutObject"], ["arn:aws:s3:::artifacts/*"]),
        (["kms:Decrypt"], [KEY]),
    ]


def test_artifact_store_grants_each_resource_only_its_own_actions() -> None:
    document = artifact_store(artifacts_bucket_arn=GetAtt("Artifacts", "Arn"), key_arn=KEY)
    statements = encode_to_dict(document)["Statement"]
    assert [(s["Resource"], s["Action"]) for s in statements] == [
        (
            [{"Fn::Sub": "${Artifacts.Arn}/*"}],
            ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
        ),
        (
            [{"Fn::GetAtt": ["Artifacts", "Arn"]}],
            ["s3:GetBucketAcl", "s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:ListBucket"],
        ),
        ([KEY], ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]),
    ]


def test_connection_use_is_both_prefixes_on_the_one_connection() -> None:
    arn = "arn:aws:codestar-connections:eu-west-1:123456789012:connection/ab12"
    assert _statements(connection_use(arn)) == [
        {
            "Effect": "Allow",
            "Action": ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
            "Resource": [arn],
        }
    ]


def test_sub_expr_writes_a_ref_as_a_variable() -> None:
    assert sub_expr(Ref("Bucket")) == "${Bucket}"


def test_sub_expr_writes_a_get_att_as_a_variable() -> None:
    assert sub_expr(GetAtt("Bucket", "Arn")) == "${Bucket.Arn}"


def test_sub_expr_extends_a_plain_sub_and_declines_other_expressions() -> None:
    assert sub_expr(Sub("arn:${AWS::Partition}:s3:::${Bucket}")) == (
        "arn:${AWS::Partition}:s3:::${Bucket}"
    )
    assert sub_expr(Sub("${B}", B=Ref("Bucket"))) is None
    assert sub_expr(Join("", ["a", "b"])) is None


def test_objects_of_a_bucket_arn_is_a_short_sub() -> None:
    assert objects(GetAtt("Bucket", "Arn")).to_dict() == {"Fn::Sub": "${Bucket.Arn}/*"}


def test_identity_actions_split_star_grants_from_scoped_ones_and_skip_trust() -> None:
    template = {
        "Resources": {
            "R": {
                "Properties": {
                    "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow",
                        "Principal": {"Service": "x"}, "Action": ["sts:AssumeRole"]}]},
                    "Policies": [{"PolicyDocument": {"Statement": [
                        {"Effect": "Allow", "Action": ["ec2:DescribeVpcs"], "Resource": ["*"]},
                        {"Effect": "Allow", "Action": ["rds:CreateDBInstance", "ec2:DescribeVpcs"],
                         "Resource": ["arn:aws:rds:::db:x"]},
                        {"Effect": "Deny", "Action": ["iam:CreateUser"], "Resource": ["*"]},
                    ]}}],
                }
            }
        }
    }  # fmt: skip
    assert identity_actions(template) == ({"ec2:DescribeVpcs"}, {"rds:CreateDBInstance"})


def test_the_ceiling_widens_scoped_actions_to_their_verb_and_keeps_star_ones_named() -> None:
    statements = [
        encode_to_dict(s)
        for s in staging_ceiling(
            star_actions=["ec2:DescribeVpcs", "ec2:DescribeSubnets", "kms:CreateKey"],
            scoped_actions=["rds:CreateDBInstance", "rds:CreateDBSubnetGroup", "iam:PassRole"],
        )
    ]
    assert [s["Action"] for s in statements] == [
        ["ec2:Describe*", "kms:CreateKey"],
        ["iam:Pass*", "rds:Create*"],
    ]
    assert statements[0]["Resource"] == ["*"]
    assert "*" not in statements[1]["Resource"]
