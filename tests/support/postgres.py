"""A throwaway PostgreSQL server with TLS only: initdb in a temporary directory, a server
certificate from a test CA, `ssl=on`, a password user, and a pg_hba.conf with only `hostssl`
lines, so a connection without TLS is refused by the server itself.

Runs as the `postgres` system user when the tests run as root (initdb refuses root).

`running` yields a ready password user and database; `cluster` yields the bare server and a
superuser connection over its Unix socket, for tests that build their own roles and databases.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pg8000.native

from tests.support import certs

USER = "app"
DATABASE = "appdb"
# Another PostgreSQL than the newest Debian one (for example PostgreSQL 18's binaries, the major
# version the template deploys): the bin directory that holds its initdb.
BIN_ENV = "EDU_PG_BIN"
HBA = (
    "local all postgres trust\n"
    "hostssl all all 127.0.0.1/32 scram-sha-256\n"
    "hostssl all all ::1/128 scram-sha-256\n"
)


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str
    database: str
    ca: Path  # the CA that signed the server's certificate
    version: str  # the major version of the binaries


@dataclass(frozen=True)
class Cluster:
    host: str
    port: int
    ca: Path  # the CA that signed the server's certificate
    version: str  # the server's major version
    socket_dir: Path  # where the superuser connects without TLS (trust, local only)
    log: Path  # the server's log file

    def superuser(self, database: str = "postgres") -> pg8000.native.Connection:
        """A connection as the bootstrap superuser `postgres` over the Unix socket."""
        sock = str(self.socket_dir / f".s.PGSQL.{self.port}")
        return pg8000.native.Connection("postgres", unix_sock=sock, database=database)


def bin_dir() -> Path | None:
    """$EDU_PG_BIN, else the newest installed PostgreSQL's bin directory (Debian's layout), or
    one on PATH."""
    chosen = os.environ.get(BIN_ENV)
    if chosen:
        return Path(chosen) if (Path(chosen) / "initdb").is_file() else None
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_major)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def unavailable() -> str | None:
    """Why no server can be started here (a one-line skip reason), or None."""
    if bin_dir() is None:
        return "no PostgreSQL server binaries (initdb): install Debian's postgresql package"
    if certs.openssl() is None:
        return "no openssl to make the server's TLS certificate"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser to start the server as `postgres`"
    if os.geteuid() == 0 and not _has_user("postgres"):
        return "running as root and no `postgres` system user to own the server"
    return None


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _major(path: Path) -> int:
    name = path.parent.parent.name
    return int(name) if name.isdigit() else 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _as_owner() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(command: list[str]) -> None:
    subprocess.run([*_as_owner(), *command], check=True, capture_output=True, timeout=120)


def _configure(data: Path, tls: certs.Certificates, port: int, extra: str = "") -> None:
    (data / "pg_hba.conf").write_text(HBA)
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"listen_addresses = '127.0.0.1'\nport = {port}\n"
            f"unix_socket_directories = '{data}'\nssl = on\n"
            f"ssl_cert_file = '{tls.cert}'\nssl_key_file = '{tls.key}'\n"
            "ssl_min_protocol_version = 'TLSv1.2'\n" + extra
        )


def _give_to_owner(paths: list[Path]) -> None:
    if os.geteuid() == 0:
        for path in paths:
            shutil.chown(path, "postgres", "postgres")


@contextmanager
def cluster(root: Path, settings: str = "") -> Iterator[Cluster]:
    """Start a bare server under `root` (made readable to its owner) with extra
    postgresql.conf lines `settings`, yield it, stop it."""
    binaries = bin_dir()
    assert binaries is not None, "no PostgreSQL binaries"
    tls = certs.make(root / "tls")
    data, port, log = root / "data", free_port(), root / "log"
    tls.key.chmod(0o600)
    _give_to_owner([root, root / "tls", tls.cert, tls.key])
    _run([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"])
    _configure(data, tls, port, settings)
    _run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "start"])
    try:
        version = (data / "PG_VERSION").read_text().strip()
        yield Cluster("localhost", port, tls.ca, version, data, log)
    finally:
        _run([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])


@contextmanager
def running(root: Path, password: str) -> Iterator[Server]:
    """Start the server under `root` (made readable to its owner), yield it, stop it."""
    binaries = bin_dir()
    assert binaries is not None, "no PostgreSQL binaries"
    with cluster(root) as server:
        psql = [str(binaries / "psql"), "-h", str(server.socket_dir), "-p", str(server.port)]
        psql += ["-U", "postgres"]
        _run([*psql, "-c", f"CREATE ROLE {USER} LOGIN PASSWORD '{password}'"])
        _run([*psql, "-c", f"CREATE DATABASE {DATABASE} OWNER {USER}"])
        yield Server(
            "localhost", server.port, USER, password, DATABASE, server.ca, binaries.parent.name
        )
