"""A CloudFormation client for botocore's Stubber: fake credentials, never a network call."""

from __future__ import annotations

from typing import Any

import boto3
import pytest


@pytest.fixture
def cfn() -> Any:
    return boto3.client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
