"""Fixtures for end-to-end runs of deploy.py against an in-process moto server (one per worker)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.moto import MotoEnv, patch_execute_change_set, reset, subprocess_env
from tests.support.moto import moto_server as moto_server_at


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """Base URL of an in-process moto server for this worker (see the module docstring)."""
    patch_execute_change_set()
    with moto_server_at() as url:
        yield url


@pytest.fixture
def moto_env(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> MotoEnv:
    """A freshly reset emulator and helpers around it (see the module docstring)."""
    reset(moto_server)
    env = subprocess_env(moto_server)
    # The offline gate's result cache lives for one test: runs within a test share it as a
    # user's runs would, and no test is answered from another's (or the user's) results.
    env["DEPLOY_GATE_CACHE"] = str(tmp_path_factory.mktemp("gate-cache"))
    # In-process clients (Stubber-free unit tests on the emulator) see the same fake account.
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return MotoEnv(url=moto_server, env=env)
