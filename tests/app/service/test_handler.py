"""The whole health check: the secret read from Secrets Manager at run time (botocore's Stubber),
a real TLS-only PostgreSQL, a fake TLS Redis; ok only when both answer over TLS, and no failure
message carries the password or the token."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.credentials import Credentials
from botocore.stub import Stubber

from app.service import handler, secret
from app.service.settings import Settings
from tests.support import certs, fake_redis, postgres

PASSWORD = "pw-Handler-Test-9"
ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:edu/dev/db-AbCdEf"
USER = "edu-cache-app-dev"
CREDS = Credentials("AKIDEXAMPLE", "secret-key-example", None)


@pytest.fixture(scope="module")
def db() -> Iterator[postgres.Server]:
    if postgres.bin_dir() is None or certs.openssl() is None:
        pytest.skip("no PostgreSQL binaries (initdb) or openssl on this machine")
    root = Path(tempfile.mkdtemp(prefix="edu-pg-"))
    try:
        with postgres.running(root, PASSWORD) as running:
            yield running
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def kv(tmp_path: Path) -> certs.Certificates:
    return certs.make(tmp_path / "kv", name="kv")


def settings(db: postgres.Server, kv: certs.Certificates, cache_port: int) -> Settings:
    return Settings(
        secret_arn=ARN,
        db_host=db.host,
        db_port=db.port,
        db_name=db.database,
        db_ca_bundle=db.ca,
        cache_host="localhost",
        cache_port=cache_port,
        cache_user=USER,
        cache_group="edu-cache-dev",
        region="eu-west-1",
        cache_ca_bundle=kv.ca,
    )


def stubbed(*values: dict[str, Any]) -> tuple[handler.Clients, Stubber]:
    secret.forget()
    client = boto3.client(
        "secretsmanager", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    stub = Stubber(client)
    for value in values:
        answer = {"ARN": ARN, "Name": "edu/dev/db", "SecretString": json.dumps(value)}
        stub.add_response("get_secret_value", answer, {"SecretId": ARN})
    stub.activate()
    return handler.Clients(client, lambda: CREDS), stub


def db_secret(db: postgres.Server, password: str = PASSWORD) -> dict[str, Any]:
    return {"username": db.user, "password": password, "host": "ignored", "port": 1, "dbname": "x"}


def test_ok_when_both_answer_over_tls_and_the_secret_is_read_once(
    db: postgres.Server, kv: certs.Certificates
) -> None:
    clients, stub = stubbed(db_secret(db))
    with fake_redis.running(kv.cert, kv.key) as cache:
        first = handler.health(settings(db, kv, cache.port), clients)
        second = handler.health(settings(db, kv, cache.port), clients)
    stub.assert_no_pending_responses()  # one read: the second check used the cached secret
    assert first["ok"] is True and second["ok"] is True
    assert first["database"]["tls"] is True
    assert first["database"]["version"].startswith("PostgreSQL ")
    assert first["cache"] == {"tls": True, "ping": True, "user": USER}
    [auth] = [c for c in cache.commands if c[0] == "AUTH"][:1]
    assert auth[1] == USER and auth[2].startswith("edu-cache-dev/?Action=connect&User=")


def test_a_wrong_password_is_reported_without_the_password(
    db: postgres.Server, kv: certs.Certificates
) -> None:
    wrong = "Wrong-Secret-Value-123"
    clients, _ = stubbed(db_secret(db, wrong))
    with fake_redis.running(kv.cert, kv.key) as cache:
        got = handler.health(settings(db, kv, cache.port), clients)
    assert got["ok"] is False
    assert got["database"]["tls"] is False
    assert got["database"]["error"] == "DatabaseError"
    assert got["cache"]["tls"] is True
    assert wrong not in json.dumps(got)


def test_a_refused_cache_sign_in_is_reported_without_the_token(
    db: postgres.Server, kv: certs.Certificates
) -> None:
    clients, _ = stubbed(db_secret(db))
    with fake_redis.running(kv.cert, kv.key, refuse_auth=True) as cache:
        got = handler.health(settings(db, kv, cache.port), clients)
    assert got["ok"] is False and got["database"]["tls"] is True
    assert got["cache"]["error"] == "AuthenticationError"
    assert "X-Amz-Signature" not in json.dumps(got)


def test_a_secret_without_a_password_names_the_key_not_a_value(
    db: postgres.Server, kv: certs.Certificates
) -> None:
    clients, _ = stubbed({"username": "app", "host": "h"})
    got = handler.check_database(settings(db, kv, 1), clients)
    assert got == {
        "tls": False,
        "error": "SecretError",
        "message": "the secret has no password",
    }


def test_failure_cuts_every_hidden_value_and_the_length() -> None:
    got = handler.failure(ValueError("auth failed for pw123 " + "x" * 500), "pw123", "")
    assert got["error"] == "ValueError" and "pw123" not in got["message"]
    assert got["message"].startswith("auth failed for *** ")
    assert len(got["message"]) == handler.MESSAGE_LIMIT


def test_the_lambda_entry_point_reads_its_settings_from_the_environment(
    db: postgres.Server, kv: certs.Certificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    clients, _ = stubbed(db_secret(db))
    asked: list[str] = []

    def aws_clients(region: str) -> handler.Clients:
        asked.append(region)
        return clients

    monkeypatch.setattr(handler, "aws_clients", aws_clients)
    with fake_redis.running(kv.cert, kv.key) as cache:
        env = {
            "SECRET_ARN": ARN,
            "DB_HOST": db.host,
            "DB_PORT": str(db.port),
            "DB_NAME": db.database,
            "DB_CA_BUNDLE": db.ca.name,
            "LAMBDA_TASK_ROOT": str(db.ca.parent),
            "CACHE_HOST": "localhost",
            "CACHE_PORT": str(cache.port),
            "CACHE_USER": USER,
            "CACHE_REPLICATION_GROUP": "edu-cache-dev",
            "CACHE_CA_BUNDLE": str(kv.ca),
            "AWS_REGION": "eu-west-1",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        got = handler.handler({}, None)
    assert asked == ["eu-west-1"]
    assert got["ok"] is True
