"""The database credentials, read from Secrets Manager at run time and kept for the life of the
container (one read per cold start, not per invocation)."""

from __future__ import annotations

import json
from typing import Any

_CACHE: dict[str, dict[str, Any]] = {}
NEEDED = ("username", "password")


class SecretError(Exception):
    """The secret is not the JSON the application expects (the message never holds a value)."""


def read(client: Any, secret_arn: str) -> dict[str, Any]:
    """The secret's JSON (username, password, host, port, dbname), from the cache if read."""
    if secret_arn not in _CACHE:
        answer = client.get_secret_value(SecretId=secret_arn)
        try:
            value = json.loads(answer["SecretString"])
        except (KeyError, ValueError):
            # from None: the decoder's error quotes the text, which is the secret.
            raise SecretError("the secret is not a JSON SecretString") from None
        missing = [key for key in NEEDED if not isinstance(value, dict) or key not in value]
        if missing:
            raise SecretError(f"the secret has no {', '.join(missing)}")
        _CACHE[secret_arn] = value
    return _CACHE[secret_arn]


def forget() -> None:
    """Drop the cached secrets (after a rotation made a connection fail)."""
    _CACHE.clear()
