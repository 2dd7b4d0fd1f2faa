"""stackops.aws.uploads: a compact body, or an S3 URL when the template is large."""

from __future__ import annotations

import json

import pytest

from stackops import inputs
from stackops.aws import uploads
from stackops.errors import BadInput
from tests.support.samples import topic_template


def test_small_template_is_sent_as_compact_body() -> None:
    args = uploads.template_args(
        topic_template(), s3=None, sts=None, region="us-east-1", artifact_bucket=None
    )
    body = args["TemplateBody"]
    assert ": " not in body and json.loads(body) == topic_template()


def test_template_url_is_the_regional_virtual_hosted_form() -> None:
    assert (
        uploads.template_url("b", "eu-west-1", "k.json")
        == "https://b.s3.eu-west-1.amazonaws.com/k.json"
    )


def test_over_one_megabyte_names_the_largest_resources() -> None:
    template = topic_template()
    template["Resources"]["Huge"] = {
        "Type": "AWS::SNS::Topic",
        "Properties": {"X": "y" * 1_100_000},
    }
    with pytest.raises(BadInput, match="Huge"):
        uploads.check_size(template, inputs.compact(template))
