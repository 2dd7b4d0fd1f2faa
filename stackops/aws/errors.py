"""AWS faults decoded in one place: codes, messages, transient or not, one-line explanations."""

from __future__ import annotations

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


def stack_missing(exc: BaseException) -> bool:
    """CloudFormation's way of saying the stack does not exist (it has no code of its own)."""
    return error_code(exc) == "ValidationError" and "does not exist" in error_message(exc)


def is_unparsable(exc: BaseException) -> bool:
    """A 500 or a proxy page: botocore raises ResponseParserError, which is not a BotoCoreError."""
    from botocore.parsers import ResponseParserError

    return isinstance(exc, ResponseParserError)


def call_failed(call: str, exc: BaseException) -> str | None:
    """``"Call failed: Code: message"`` when the service answered with an error, else None."""
    code = error_code(exc)
    if not code and not is_unparsable(exc):
        return None
    return f"{call} failed: {code or 'error'}: {error_message(exc)}"


def degraded_reason(exc: BaseException) -> str | None:
    """A one-line reason when ``exc`` is an AWS answer a best-effort call degrades on, else None.

    An endpoint that lacks the API (the local emulator, for termination protection) answers 500,
    which arrives as ResponseParserError.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")
    if is_unparsable(exc):
        return "the endpoint gave no parseable answer; it may not implement this API"
    if isinstance(exc, BotoCoreError):
        return f"{type(exc).__name__}: {exc}"
    return None
