"""The database half of the health check against a real PostgreSQL server that only accepts
TLS: the session is encrypted and the server's certificate verified against the given CA."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pg8000.native
import pytest

from app.service import database
from tests.support import certs, postgres

PASSWORD = "pw-Only-In-This-Test-7"


@pytest.fixture(scope="module")
def server() -> Iterator[postgres.Server]:
    if postgres.bin_dir() is None or certs.openssl() is None:
        pytest.skip("no PostgreSQL binaries (initdb) or openssl on this machine")
    # Not pytest's tmp_path: its parents are closed to the postgres user the server runs as.
    root = Path(tempfile.mkdtemp(prefix="edu-pg-"))
    try:
        with postgres.running(root, PASSWORD) as running:
            yield running
    finally:
        shutil.rmtree(root, ignore_errors=True)


def target(server: postgres.Server, host: str | None = None) -> database.Target:
    return database.Target(
        host or server.host, server.port, server.database, server.user, server.password
    )


def test_the_check_connects_over_tls_and_the_server_says_so(server: postgres.Server) -> None:
    got = database.check(target(server), database.tls_context(server.ca))
    assert got["tls"] is True
    assert got["version"].startswith(f"PostgreSQL {server.version}.")
    assert got["protocol"] in ("TLSv1.2", "TLSv1.3")


def test_a_certificate_from_another_ca_is_refused(server: postgres.Server, tmp_path: Path) -> None:
    other = certs.make(tmp_path, name="other")
    with pytest.raises(ssl.SSLCertVerificationError):
        database.check(target(server), database.tls_context(other.ca))


def test_the_host_name_is_checked(server: postgres.Server) -> None:
    # The certificate names localhost only; the same server reached by its address fails.
    with pytest.raises(ssl.SSLCertVerificationError, match="IP address mismatch"):
        database.check(target(server, "127.0.0.1"), database.tls_context(server.ca))


def test_the_server_refuses_a_connection_without_tls(server: postgres.Server) -> None:
    with pytest.raises(pg8000.native.DatabaseError, match="no encryption"):
        pg8000.native.Connection(
            server.user,
            host=server.host,
            port=server.port,
            database=server.database,
            password=server.password,
            ssl_context=False,  # pg8000's default (None) tries TLS unverified; False is plain
            timeout=5,
        )


def test_a_server_that_declines_tls_is_refused_by_the_check(server: postgres.Server) -> None:
    # A server (or a man in the middle) answering the SSLRequest with "N": no plain fallback.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def decline() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(8)
            conn.sendall(b"N")

    threading.Thread(target=decline, daemon=True).start()
    where = database.Target("localhost", port, "appdb", "app", PASSWORD)
    try:
        with pytest.raises(pg8000.native.InterfaceError):
            database.check(where, database.tls_context(server.ca))
    finally:
        listener.close()


def test_target_prefers_the_contracts_endpoint_and_takes_the_user_from_the_secret() -> None:
    class Env:
        db_host, db_port, db_name = "db.example", 5433, "edu"

    secret = {"username": "u", "password": "p", "host": "other", "port": 1, "dbname": "x"}
    assert database.target(Env(), secret) == database.Target("db.example", 5433, "edu", "u", "p")


def test_the_tls_context_verifies_and_checks_host_names(tmp_path: Path) -> None:
    if certs.openssl() is None:
        pytest.skip("no openssl")
    context = database.tls_context(certs.make(tmp_path).ca)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert os.path.exists(tmp_path / "test-ca.pem")
