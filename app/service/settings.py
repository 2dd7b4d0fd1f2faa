"""What the function is told through its environment: names, ports and ARNs, never a secret."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class SettingsError(Exception):
    """The function's environment lacks a variable it needs."""


@dataclass(frozen=True)
class Settings:
    secret_arn: str
    db_host: str
    db_port: int
    db_name: str
    db_ca_bundle: Path
    cache_host: str
    cache_port: int
    cache_user: str
    cache_group: str
    region: str
    # Tests point these at their own CA; in Lambda the cache's certificate chains to a public
    # root in the system store, so it stays unset.
    cache_ca_bundle: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        def need(name: str) -> str:
            value = env.get(name, "")
            if not value:
                raise SettingsError(f"environment variable {name} is not set")
            return value

        cache_ca = env.get("CACHE_CA_BUNDLE")
        return cls(
            secret_arn=need("SECRET_ARN"),
            db_host=need("DB_HOST"),
            db_port=int(need("DB_PORT")),
            db_name=need("DB_NAME"),
            db_ca_bundle=task_path(need("DB_CA_BUNDLE"), env),
            cache_host=need("CACHE_HOST"),
            cache_port=int(need("CACHE_PORT")),
            cache_user=need("CACHE_USER"),
            cache_group=need("CACHE_REPLICATION_GROUP"),
            region=env.get("AWS_REGION") or need("AWS_DEFAULT_REGION"),
            cache_ca_bundle=task_path(cache_ca, env) if cache_ca else None,
        )


def task_path(value: str, env: Mapping[str, str]) -> Path:
    """A relative path names a file shipped in code.zip (Lambda's task root)."""
    path = Path(value)
    return path if path.is_absolute() else Path(env.get("LAMBDA_TASK_ROOT", ".")) / path
