"""stackops.aws.errors: AWS faults decoded: transient or not, explained in one line."""

from __future__ import annotations

from typing import Any

from stackops.aws.errors import explain, is_transient


def test_expired_token_is_explained_in_one_line(cfn: Any) -> None:
    from botocore.exceptions import ClientError

    exc = ClientError(
        {"Error": {"Code": "ExpiredToken", "Message": "The security token included has expired"}},
        "DescribeStacks",
    )
    line = explain(exc)
    assert line is not None and "\n" not in line and "refresh" in line


def test_throttling_is_transient_not_fatal() -> None:
    from botocore.exceptions import ClientError
    from botocore.parsers import ResponseParserError

    throttled = ClientError({"Error": {"Code": "Throttling", "Message": "Rate"}}, "DescribeStacks")
    assert is_transient(throttled) and is_transient(ResponseParserError("500"))


def test_unreadable_answer_is_explained_in_one_line() -> None:
    from botocore.parsers import ResponseParserError

    line = explain(ResponseParserError("Unable to parse response (no element found)"))
    assert line is not None and "not an AWS response" in line
