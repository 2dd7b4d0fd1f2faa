"""The health check the pipeline delivers: `aws lambda invoke --function-name
edu-app-<stage>-<suffix>-health out.json` answers

    {"ok": true, "database": {"tls": true, "version": ...}, "cache": {"tls": true, ...}}

or ok false with the failing part's error class and a short message (never the secret).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.service import cache, database, secret
from app.service.settings import Settings

MESSAGE_LIMIT = 200


@dataclass(frozen=True)
class Clients:
    """What the check talks to AWS with; tests hand their own."""

    secrets: Any  # a boto3 Secrets Manager client
    credentials: Callable[[], Any]  # botocore credentials, frozen or refreshing


def aws_clients(region: str) -> Clients:
    import boto3  # the Lambda runtime provides it; imported here so tests need no session

    session = boto3.Session(region_name=region)
    return Clients(session.client("secretsmanager"), session.get_credentials)


def failure(exc: BaseException, *hidden: str) -> dict[str, Any]:
    """The error's class and a short message with every secret value cut out."""
    message = str(exc) or type(exc).__name__
    for value in hidden:
        if value:
            message = message.replace(value, "***")
    return {"tls": False, "error": type(exc).__name__, "message": message[:MESSAGE_LIMIT]}


def check_database(settings: Settings, clients: Clients) -> dict[str, Any]:
    password = ""
    try:
        values = secret.read(clients.secrets, settings.secret_arn)
        password = str(values["password"])
        where = database.target(settings, values)
        return database.check(where, database.tls_context(settings.db_ca_bundle))
    except Exception as exc:  # any failure is the answer, reported without the secret
        return failure(exc, password)


def check_cache(settings: Settings, clients: Clients) -> dict[str, Any]:
    token = ""

    def sign() -> str:
        nonlocal token
        token = cache.iam_token(
            settings.cache_group, settings.cache_user, settings.region, clients.credentials()
        )
        return token

    try:
        creds = cache.IamCredentials(settings.cache_user, sign)
        conn = cache.client(
            settings.cache_host, settings.cache_port, creds, settings.cache_ca_bundle
        )
        try:
            return cache.check(conn, settings.cache_user)
        finally:
            conn.close()
    except Exception as exc:  # any failure is the answer, reported without the token
        return failure(exc, token)


def health(settings: Settings, clients: Clients) -> dict[str, Any]:
    db = check_database(settings, clients)
    if "error" in db:
        secret.forget()  # a rotated password: the next invocation reads it anew
    kv = check_cache(settings, clients)
    ok = db.get("tls") is True and kv.get("tls") is True
    return {"ok": ok, "database": db, "cache": kv}


def handler(event: Any, context: Any) -> dict[str, Any]:
    settings = Settings.from_env()
    answer = health(settings, aws_clients(settings.region))
    print(json.dumps(answer), file=sys.stderr)  # the log holds no secret: see failure()
    return answer
