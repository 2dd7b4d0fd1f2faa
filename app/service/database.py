"""The database half of the health check: PostgreSQL over TLS, the server's certificate verified
against the RDS CA bundle shipped in code.zip, and the server's own word that the session is
encrypted (pg_stat_ssl)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pg8000.native

CONNECT_TIMEOUT = 5
# The server's view of this very session: whether it is TLS and which protocol.
SESSION_TLS = "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"


class NotEncrypted(Exception):
    """The server reports the session as unencrypted."""


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    dbname: str
    user: str
    password: str


def tls_context(ca_bundle: Path) -> ssl.SSLContext:
    """Verify the certificate chain against `ca_bundle` only, and the host name."""
    context = ssl.create_default_context(cafile=str(ca_bundle))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def target(settings: Any, secret: dict[str, Any]) -> Target:
    """Where to connect: the contract's endpoint, port and database; the secret's user."""
    return Target(
        host=settings.db_host or str(secret.get("host", "")),
        port=settings.db_port or int(secret.get("port", 5432)),
        dbname=settings.db_name or str(secret.get("dbname", "")),
        user=str(secret["username"]),
        password=str(secret["password"]),
    )


def check(where: Target, context: ssl.SSLContext) -> dict[str, Any]:
    """{"tls": True, "version": ..., "protocol": ...} or an exception."""
    conn = pg8000.native.Connection(
        where.user,
        host=where.host,
        port=where.port,
        database=where.dbname,
        password=where.password,
        ssl_context=context,
        timeout=CONNECT_TIMEOUT,
    )
    try:
        version = conn.run("SELECT version()")[0][0]
        encrypted, protocol = conn.run(SESSION_TLS)[0]
    finally:
        conn.close()
    if encrypted is not True:
        raise NotEncrypted("the server reports this session as not encrypted")
    return {"tls": True, "version": str(version), "protocol": str(protocol)}
