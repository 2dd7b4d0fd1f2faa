"""A throwaway certificate authority and a server certificate it signs, made with the openssl
command line, for tests that run TLS servers (PostgreSQL, a fake Redis)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# What Python's strict verification (3.13's default) asks of a server certificate.
SERVER_EXTENSIONS = (
    "basicConstraints=critical,CA:FALSE\n"
    "keyUsage=critical,digitalSignature,keyEncipherment\n"
    "extendedKeyUsage=serverAuth\n"
    "subjectKeyIdentifier=hash\n"
    "authorityKeyIdentifier=keyid,issuer\n"
)


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the CA certificate (what a client trusts)
    cert: Path  # the server's certificate
    key: Path  # the server's private key


def openssl() -> str | None:
    return shutil.which("openssl")


def _run(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make(directory: Path, host: str = "localhost", name: str = "test") -> Certificates:
    """A CA `<name>-ca` and a certificate for `host` (DNS name only: an IP address does not
    match, which lets tests see the host name checked)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca = directory / f"{name}-ca.key", directory / f"{name}-ca.pem"
    key, csr, cert = directory / f"{name}.key", directory / f"{name}.csr", directory / f"{name}.pem"
    server_ext = directory / f"{name}.ext"
    server_ext.write_text(SERVER_EXTENSIONS + f"subjectAltName=DNS:{host}\n")
    days = ("-days", "2")
    _run(
        *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key)),
        *("-out", str(ca), *days, "-subj", f"/CN={name}-ca", "-extensions", "v3_ca"),
        *("-addext", "basicConstraints=critical,CA:TRUE"),
        *("-addext", "keyUsage=critical,keyCertSign,cRLSign"),
    )
    _run(
        *("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr)),
        *("-subj", f"/CN={host}"),
    )
    _run(
        *("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key)),
        *("-CAcreateserial", "-out", str(cert), *days, "-extfile", str(server_ext)),
    )
    return Certificates(ca=ca, cert=cert, key=key)
