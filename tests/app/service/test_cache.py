"""The cache half of the health check: the ElastiCache IAM token (a SigV4-presigned connect
request, checked here against an independent SigV4 computation) and the TLS connection that
signs in with it (against a fake Redis server)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ssl
from pathlib import Path
from urllib.parse import parse_qsl, quote

import pytest
import redis
from botocore.credentials import Credentials

from app.service import cache
from tests.support import certs, fake_redis

CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "session-token")
GROUP, USER, REGION = "edu-cache-dev-2", "edu-cache-app-dev-2", "eu-west-1"


def query(token: str) -> dict[str, str]:
    return dict(parse_qsl(token.split("?", 1)[1], keep_blank_values=True))


def expected_signature(token: str, secret_key: str) -> str:
    """SigV4 for a presigned GET (IAM user guide, "Create a signed AWS API request")."""
    params = query(token)
    params.pop("X-Amz-Signature")
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params.items())
    )
    host = token.split("/", 1)[0]
    payload = hashlib.sha256(b"").hexdigest()
    canonical = f"GET\n/\n{canonical_query}\nhost:{host}\n\nhost\n{payload}"
    stamp = params["X-Amz-Date"]
    scope = f"{stamp[:8]}/{REGION}/elasticache/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret_key}".encode()
    for part in (stamp[:8], REGION, "elasticache", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_the_token_is_a_presigned_connect_request_for_the_group_without_its_scheme() -> None:
    token = cache.iam_token(GROUP, USER, REGION, CREDS)
    assert token.startswith(f"{GROUP}/?")
    assert "://" not in token
    got = query(token)
    assert (got["Action"], got["User"]) == ("connect", USER)
    assert got["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert got["X-Amz-SignedHeaders"] == "host"
    assert got["X-Amz-Security-Token"] == "session-token"
    assert got["X-Amz-Credential"].split("/")[0] == "AKIDEXAMPLE"
    assert got["X-Amz-Credential"].split("/")[2:] == [REGION, "elasticache", "aws4_request"]


def test_the_token_expires_after_fifteen_minutes_from_now() -> None:
    got = query(cache.iam_token(GROUP, USER, REGION, CREDS))
    assert got["X-Amz-Expires"] == "900"
    signed = datetime.datetime.strptime(got["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.UTC
    )
    assert abs((datetime.datetime.now(datetime.UTC) - signed).total_seconds()) < 60
    assert got["X-Amz-Credential"].split("/")[1] == got["X-Amz-Date"][:8]


def test_the_signature_is_sigv4_of_the_request_with_the_roles_secret_key() -> None:
    token = cache.iam_token(GROUP, USER, REGION, CREDS)
    assert query(token)["X-Amz-Signature"] == expected_signature(token, CREDS.secret_key)
    other = Credentials(CREDS.access_key, "another-secret", CREDS.token)
    assert query(cache.iam_token(GROUP, USER, REGION, other))["X-Amz-Signature"] != (
        expected_signature(token, CREDS.secret_key)
    )


def test_each_new_connection_asks_for_a_fresh_token() -> None:
    tokens = iter(["one", "two"])
    provider = cache.IamCredentials(USER, lambda: next(tokens))
    assert provider.get_credentials() == (USER, "one")
    assert provider.get_credentials() == (USER, "two")


@pytest.fixture
def tls(tmp_path: Path) -> certs.Certificates:
    if certs.openssl() is None:
        pytest.skip("no openssl")
    return certs.make(tmp_path)


def test_the_check_signs_in_over_tls_as_the_user_with_the_token(
    tls: certs.Certificates,
) -> None:
    with fake_redis.running(tls.cert, tls.key) as server:
        conn = cache.client(
            "localhost", server.port, cache.IamCredentials(USER, lambda: "tok"), tls.ca
        )
        try:
            got = cache.check(conn, USER)
        finally:
            conn.close()
    assert got == {"tls": True, "ping": True, "user": USER}
    assert ["AUTH", USER, "tok"] in server.commands
    assert ["PING"] in server.commands
    assert server.tls_versions and server.tls_versions[0].startswith("TLSv1.")


def test_a_server_without_tls_is_refused(tls: certs.Certificates) -> None:
    with fake_redis.running(None, None) as server:
        conn = cache.client(
            "localhost", server.port, cache.IamCredentials(USER, lambda: "t"), tls.ca
        )
        with pytest.raises(redis.ConnectionError):
            cache.check(conn, USER)
        conn.close()
    assert server.commands == []  # not even AUTH went out in the clear


def test_a_certificate_from_another_ca_is_refused(tls: certs.Certificates, tmp_path: Path) -> None:
    other = certs.make(tmp_path / "other", name="other")
    with fake_redis.running(tls.cert, tls.key) as server:
        conn = cache.client(
            "localhost", server.port, cache.IamCredentials(USER, lambda: "t"), other.ca
        )
        with pytest.raises(redis.ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            cache.check(conn, USER)
        conn.close()
    assert server.commands == []


def test_the_client_requires_a_verified_certificate_and_host_name() -> None:
    conn = cache.client("cache.example", 6379, cache.IamCredentials(USER, lambda: "t"), None)
    pool = conn.connection_pool
    assert issubclass(pool.connection_class, redis.SSLConnection)
    assert pool.connection_kwargs["ssl_cert_reqs"] in ("required", ssl.CERT_REQUIRED)
    assert pool.connection_kwargs["ssl_check_hostname"] is True
