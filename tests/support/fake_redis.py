"""A fake Redis server on a local socket, TLS or plain: it reads RESP commands, records them, and
answers PING with PONG, AUTH with OK (or an error, when told to), anything else with OK."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class FakeRedis:
    port: int
    commands: list[list[str]] = field(default_factory=list)
    tls_versions: list[str] = field(default_factory=list)


def _read_line(stream: socket.socket, buffer: bytearray) -> bytes:
    while b"\r\n" not in buffer:
        chunk = stream.recv(4096)
        if not chunk:
            raise EOFError
        buffer.extend(chunk)
    line, _, rest = bytes(buffer).partition(b"\r\n")
    buffer[:] = rest
    return line


def _read_command(conn: socket.socket, buffer: bytearray) -> list[str]:
    """One RESP array of bulk strings (what every client sends); anything else (a TLS
    handshake sent to the plain server) closes the connection at once."""
    if not buffer:
        buffer.extend(conn.recv(4096))
    if not buffer.startswith(b"*"):
        raise ValueError("not RESP")
    count = int(_read_line(conn, buffer)[1:])
    parts = []
    for _ in range(count):
        size = int(_read_line(conn, buffer)[1:])
        while len(buffer) < size + 2:
            chunk = conn.recv(4096)
            if not chunk:
                raise EOFError
            buffer.extend(chunk)
        parts.append(bytes(buffer[:size]).decode())
        buffer[:] = buffer[size + 2 :]
    return parts


def _answer(command: list[str], refuse_auth: bool) -> bytes:
    name = " ".join(command[:2]).upper()
    if name == "PING":
        return b"+PONG\r\n"
    if name.startswith("AUTH") and refuse_auth:
        return b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    if name.startswith("AUTH") or name == "CLIENT SETINFO":
        return b"+OK\r\n"
    return b"-ERR unknown command\r\n"  # as a server without the client's newer extras


def _serve(server: socket.socket, fake: FakeRedis, context: ssl.SSLContext | None,
           refuse_auth: bool) -> None:  # fmt: skip
    while True:
        try:
            raw, _ = server.accept()
        except OSError:
            return  # closed: the test is over
        raw.settimeout(5)
        try:
            conn = context.wrap_socket(raw, server_side=True) if context else raw
            if isinstance(conn, ssl.SSLSocket):
                fake.tls_versions.append(str(conn.version()))
            buffer = bytearray()
            while True:
                command = _read_command(conn, buffer)
                fake.commands.append(command)
                conn.sendall(_answer(command, refuse_auth))
        except (EOFError, OSError, ValueError):
            pass
        finally:
            raw.close()


@contextmanager
def running(cert: Path | None, key: Path | None, refuse_auth: bool = False) -> Iterator[FakeRedis]:
    """TLS with `cert` and `key` if given, else plain TCP; on 127.0.0.1, a free port."""
    context = None
    if cert and key:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
    server = socket.create_server(("127.0.0.1", 0))
    fake = FakeRedis(server.getsockname()[1])
    thread = threading.Thread(target=_serve, args=(server, fake, context, refuse_auth), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_RDWR)  # wakes the accept() the thread waits in
        server.close()
        thread.join(timeout=5)
