"""The statement merge in templates.policies never widens a grant."""

from __future__ import annotations

import json

from awacs import kms, s3
from awacs.aws import Allow, Statement

from templates.policies import _identity_doc


def _statements(*statements: Statement) -> list[dict]:
    return json.loads(_identity_doc(*statements).to_json())["Statement"]


def test_statements_of_different_services_are_merged() -> None:
    merged = _statements(
        Statement(Effect=Allow, Action=[s3.GetObject], Resource=["arn:aws:s3:::a/*"]),
        Statement(Effect=Allow, Action=[kms.Decrypt], Resource=["arn:aws:kms:eu-west-1:1:key/k"]),
    )
    assert len(merged) == 1
    assert set(merged[0]["Action"]) == {"s3:GetObject", "kms:Decrypt"}


def test_statements_of_one_service_stay_apart() -> None:
    statements = _statements(
        Statement(Effect=Allow, Action=[s3.GetObject], Resource=["arn:aws:s3:::source/*"]),
        Statement(Effect=Allow, Action=[s3.PutObject], Resource=["arn:aws:s3:::artifacts/*"]),
    )
    # Merged, PutObject would also reach the source bucket.
    for statement in statements:
        if "s3:PutObject" in statement["Action"]:
            assert statement["Resource"] == ["arn:aws:s3:::artifacts/*"]
    assert len(statements) == 2
