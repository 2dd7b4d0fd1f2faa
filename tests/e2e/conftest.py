"""Fixtures for end-to-end runs of deploy.py against an in-process moto server (one per worker)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from tests.support.moto import MotoEnv, patch_execute_change_set, subprocess_env


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """Base URL of an in-process moto server for this worker (see the module docstring)."""
    from moto.server import ThreadedMotoServer

    patch_execute_change_set()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto_env(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> MotoEnv:
    """A freshly reset emulator and helpers around it (see the module docstring)."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    env = subprocess_env(moto_server)
    # The offline gate's result cache lives for one test: runs within a test share it as a
    # user's runs would, and no test is answered from another's (or the user's) results.
    env["DEPLOY_GATE_CACHE"] = str(tmp_path_factory.mktemp("gate-cache"))
    # In-process clients (Stubber-free unit tests on the emulator) see the same fake account.
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return MotoEnv(url=moto_server, env=env)
