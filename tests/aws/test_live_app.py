"""The sample application's health check in a real account: given a deployed platform stack and
the application stack deployed on it, the health function reaches the database and the cache
over TLS.

    EDU_LIVE_AWS=1 EDU_APP_STACK=edu-app-staging-<suffix> AWS_PROFILE=sandbox \\
        .venv/bin/python -m pytest tests/aws/test_live_app.py -m aws -v

It invokes the function only (no deploy, no delete), so it costs nothing but the invocation.
"""

from __future__ import annotations

import json
import os

import pytest


def credentials_present() -> bool:
    try:
        import boto3

        return boto3.Session().get_credentials() is not None
    except Exception:  # any problem resolving credentials means: not set up for live runs
        return False


pytestmark = [
    pytest.mark.aws,
    pytest.mark.skipif(
        os.environ.get("EDU_LIVE_AWS") != "1"
        or not os.environ.get("EDU_APP_STACK")
        or "AWS_ENDPOINT_URL" in os.environ
        or not credentials_present(),
        reason="live AWS test: set EDU_LIVE_AWS=1, EDU_APP_STACK and real credentials",
    ),
]


def test_the_health_function_reaches_the_database_and_the_cache_over_tls() -> None:
    import boto3

    stack = os.environ["EDU_APP_STACK"]
    answer = boto3.client("lambda").invoke(FunctionName=f"{stack}-health")
    assert "FunctionError" not in answer, answer["Payload"].read()
    health = json.loads(answer["Payload"].read())
    assert health["database"]["tls"] is True, health["database"]
    assert health["cache"]["tls"] is True, health["cache"]
    assert health["ok"] is True
