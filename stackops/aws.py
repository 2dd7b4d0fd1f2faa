"""boto3 clients with bounded timeouts, and one-line explanations of AWS faults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

# Bounded so that an endpoint that never answers fails in under 30 s: botocore makes at most
# MAX_ATTEMPTS attempts of CONNECT_TIMEOUT (or READ_TIMEOUT once connected) each, with backoff
# of at most 1 + 2 + 4 s between them (23 s worst case). CloudFormation and S3 calls answer in
# about a second; the read timeout bounds the wait between bytes, not a whole upload.
CONNECT_TIMEOUT = 4
READ_TIMEOUT = 4
MAX_ATTEMPTS = 4

# Error codes that mean "try again later", not "this failed".
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalError",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
    }
)
CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "AuthFailure",
        "InvalidAccessKeyId",
        "RequestExpired",
    }
)


@dataclass
class Clients:
    cfn: Any
    s3: Any
    sts: Any
    region: str


def endpoint(explicit: str | None) -> str | None:
    return explicit or os.environ.get("AWS_ENDPOINT_URL") or None


def make_clients(region: str | None, endpoint_url: str | None) -> Clients:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
    )
    session = boto3.session.Session(region_name=region)
    resolved = session.region_name or "us-east-1"
    url = endpoint(endpoint_url)
    kwargs: dict[str, Any] = {"config": config, "region_name": resolved}
    if url:
        kwargs["endpoint_url"] = url
    return Clients(
        cfn=session.client("cloudformation", **kwargs),
        s3=session.client("s3", **kwargs),
        sts=session.client("sts", **kwargs),
        region=resolved,
    )


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        message = response.get("Error", {}).get("Message")
        if message:
            return str(message)
    return str(exc)


def is_transient(exc: BaseException) -> bool:
    """Worth another poll: throttling, 5xx, timeouts, a dropped connection mid-operation."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )
    from botocore.parsers import ResponseParserError

    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(exc) in TRANSIENT_CODES or int(status or 0) >= 500
    return isinstance(
        exc,
        (
            ResponseParserError,
            ReadTimeoutError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ConnectionClosedError,
        ),
    )


def explain(exc: BaseException) -> str | None:
    """One line for a fault the user must fix outside the tool; None when it is not one."""
    from botocore.exceptions import (
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ReadTimeoutError,
        TokenRetrievalError,
    )
    from botocore.parsers import ResponseParserError

    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return (
            "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
        )
    if isinstance(exc, TokenRetrievalError):
        return f"AWS credentials could not be refreshed ({exc}): log in again"
    if isinstance(exc, NoRegionError):
        return "no AWS region: pass --region or set AWS_DEFAULT_REGION"
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
        url = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        where = f" {url}" if url else ""
        return (
            f"cannot reach the AWS endpoint{where}: check the network, --endpoint-url "
            "and AWS_ENDPOINT_URL"
        )
    if isinstance(exc, ReadTimeoutError):
        return "the AWS endpoint stopped answering (read timeout): try again later"
    if isinstance(exc, ResponseParserError):
        return (
            "the AWS endpoint sent an answer that is not an AWS response (an HTTP 5xx or a "
            "proxy page): check --endpoint-url and AWS_ENDPOINT_URL, or try again later"
        )
    code = error_code(exc)
    if code in CREDENTIAL_CODES:
        return f"AWS rejected the credentials ({code}: {error_message(exc)}): refresh them"
    return None
