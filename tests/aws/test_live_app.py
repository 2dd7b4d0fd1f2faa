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

from tests.support.live import live_marks

pytestmark = live_marks("EDU_APP_STACK")


def test_the_health_function_reaches_the_database_and_the_cache_over_tls() -> None:
    import boto3

    stack = os.environ["EDU_APP_STACK"]
    answer = boto3.client("lambda").invoke(FunctionName=f"{stack}-health")
    assert "FunctionError" not in answer, answer["Payload"].read()
    health = json.loads(answer["Payload"].read())
    assert health["database"]["tls"] is True, health["database"]
    assert health["cache"]["tls"] is True, health["cache"]
    assert health["ok"] is True
