"""A moto server for the preflight tests that ask a (fake) account, reset for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.moto import moto_server, reset
from tests.support.preflight import CREDENTIALS


@pytest.fixture(scope="session")
def preflight_moto() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def account(preflight_moto: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The moto server's URL, freshly reset, with fake credentials in the environment."""
    reset(preflight_moto)
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    return preflight_moto
