"""The cache half of the health check: Redis (ElastiCache) over TLS, signed in as the platform's
IAM-authenticated user with a short-lived token instead of a password.

The token is a SigV4-presigned `connect` request for the replication group, without its scheme
(ElastiCache user guide, "Authenticating with IAM"): valid for 15 minutes, signed with the
function role's credentials; ElastiCache checks `elasticache:Connect` on the group and the user.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from redis.backoff import NoBackoff
from redis.retry import Retry

TOKEN_SECONDS = 900
SERVICE = "elasticache"
CONNECT_TIMEOUT = 5


def iam_token(group_id: str, user: str, region: str, credentials: Any) -> str:
    """The password for `user` on replication group `group_id`: a presigned connect URL."""
    request = AWSRequest(
        method="GET",
        url=f"http://{group_id}/",
        params={"Action": "connect", "User": user},
    )
    SigV4QueryAuth(credentials, SERVICE, region, expires=TOKEN_SECONDS).add_auth(request)
    url: str = request.url
    return url.removeprefix("http://")


class IamCredentials(redis.CredentialProvider):
    """A fresh token for every new connection: a pooled client outlives one token."""

    def __init__(self, user: str, token: Callable[[], str]) -> None:
        self.user = user
        self.token = token

    def get_credentials(self) -> tuple[str, str]:
        return self.user, self.token()


def client(host: str, port: int, creds: IamCredentials, ca_bundle: Path | None) -> redis.Redis:
    """TLS with the certificate and host name verified (system roots unless `ca_bundle`)."""
    return redis.Redis(
        host=host,
        port=port,
        ssl=True,
        ssl_cert_reqs="required",
        ssl_check_hostname=True,
        ssl_ca_certs=str(ca_bundle) if ca_bundle else None,
        credential_provider=creds,
        # RESP2: plain `AUTH user token`, what ElastiCache's IAM sign-in documents.
        protocol=2,
        # A health check reports the first failure, within the function's timeout.
        retry=Retry(NoBackoff(), 0),
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=CONNECT_TIMEOUT,
    )


def check(conn: redis.Redis, user: str) -> dict[str, Any]:
    """{"tls": True, "ping": True, "user": ...} or an exception. The pool makes only TLS
    connections (a plain server fails the handshake), so a PONG proves the TLS session."""
    pong = conn.ping()
    tls = issubclass(conn.connection_pool.connection_class, redis.SSLConnection)
    return {"tls": tls, "ping": bool(pong), "user": user}
