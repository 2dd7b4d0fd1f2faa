"""The pure awacs builders of templates.policies: the statement merge never widens a grant."""

from __future__ import annotations

import json
from typing import Any

from awacs import kms, s3
from awacs.aws import Allow, Condition, PolicyDocument, Statement, StringEquals
from troposphere import GetAtt, Ref, Sub

from templates.policies import identity_document, objects, sub_expr

OBJECTS_A = "arn:aws:s3:::a/*"
KEY = "arn:aws:kms:eu-west-1:1:key/k"


def _statements(document: PolicyDocument) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(document.to_json())["Statement"]
    return statements


def test_statements_of_different_services_are_merged() -> None:
    merged = _statements(
        identity_document(
            Statement(Effect=Allow, Action=[s3.GetObject], Resource=[OBJECTS_A]),
            Statement(Effect=Allow, Action=[kms.Decrypt], Resource=[KEY]),
        )
    )
    assert len(merged) == 1
    assert set(merged[0]["Action"]) == {"s3:GetObject", "kms:Decrypt"}


def test_statements_of_one_service_stay_apart() -> None:
    statements = _statements(
        identity_document(
            Statement(Effect=Allow, Action=[s3.GetObject], Resource=["arn:aws:s3:::source/*"]),
            Statement(Effect=Allow, Action=[s3.PutObject], Resource=["arn:aws:s3:::artifacts/*"]),
        )
    )
    # Merged, PutObject would also reach the source bucket.
    (put,) = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert put["Resource"] == ["arn:aws:s3:::artifacts/*"]


def test_a_statement_with_a_condition_stays_apart() -> None:
    conditioned = Statement(
        Effect=Allow,
        Action=[kms.Decrypt],
        Resource=[KEY],
        Condition=Condition(StringEquals("kms:ViaService", "s3.eu-west-1.amazonaws.com")),
    )
    statements = _statements(
        identity_document(
            Statement(Effect=Allow, Action=[s3.GetObject], Resource=[OBJECTS_A]), conditioned
        )
    )
    assert len(statements) == 2


def test_a_resource_star_statement_stays_apart() -> None:
    statements = _statements(
        identity_document(
            Statement(Effect=Allow, Action=[s3.GetObject], Resource=[OBJECTS_A]),
            Statement(Effect=Allow, Action=[kms.Decrypt], Resource=["*"]),
        )
    )
    assert [s["Resource"] for s in statements] == [[OBJECTS_A], ["*"]]


def test_sub_expr_writes_a_ref_as_a_variable() -> None:
    assert sub_expr(Ref("Bucket")) == "${Bucket}"


def test_sub_expr_writes_a_get_att_as_a_variable() -> None:
    assert sub_expr(GetAtt("Bucket", "Arn")) == "${Bucket.Arn}"


def test_sub_expr_declines_other_expressions() -> None:
    assert sub_expr(Sub("${AWS::Region}")) is None


def test_objects_of_a_bucket_arn_is_a_short_sub() -> None:
    assert objects(GetAtt("Bucket", "Arn")).to_dict() == {"Fn::Sub": "${Bucket.Arn}/*"}
