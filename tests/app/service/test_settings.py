"""The function's settings come from its environment; a relative CA path is in code.zip."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.service.settings import Settings, SettingsError

ENV = {
    "SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:s",
    "DB_HOST": "db.example",
    "DB_PORT": "5433",
    "DB_NAME": "edu",
    "DB_CA_BUNDLE": "rds-global-bundle.pem",
    "CACHE_HOST": "cache.example",
    "CACHE_PORT": "6379",
    "CACHE_USER": "edu-cache-app-dev",
    "CACHE_REPLICATION_GROUP": "edu-cache-dev",
    "AWS_REGION": "eu-west-1",
    "LAMBDA_TASK_ROOT": "/var/task",
}


def test_the_settings_are_read_from_the_environment() -> None:
    got = Settings.from_env(ENV)
    assert (got.db_port, got.cache_port, got.region) == (5433, 6379, "eu-west-1")
    assert got.db_ca_bundle == Path("/var/task/rds-global-bundle.pem")
    assert got.cache_ca_bundle is None


@pytest.mark.parametrize("name", ["SECRET_ARN", "DB_HOST", "CACHE_REPLICATION_GROUP"])
def test_a_missing_variable_is_named(name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({k: v for k, v in ENV.items() if k != name})
