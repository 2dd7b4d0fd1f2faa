"""The secret is read once per container, and a malformed one is named without its value."""

from __future__ import annotations

from typing import Any

import pytest

from app.service import secret


class Client:
    def __init__(self, text: str) -> None:
        self.text = text
        self.calls: list[str] = []

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:  # boto3's name
        self.calls.append(SecretId)
        return {"SecretString": self.text}


def test_the_secret_is_read_once_until_forgotten() -> None:
    secret.forget()
    client = Client('{"username": "u", "password": "p"}')
    assert secret.read(client, "arn:1")["password"] == "p"
    assert secret.read(client, "arn:1")["username"] == "u"
    assert client.calls == ["arn:1"]
    secret.forget()
    secret.read(client, "arn:1")
    assert client.calls == ["arn:1", "arn:1"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not json hunter2", "the secret is not a JSON SecretString"),
        ('["hunter2"]', "the secret has no username, password"),
        ('{"username": "u"}', "the secret has no password"),
    ],
)
def test_a_malformed_secret_is_named_without_its_value(text: str, expected: str) -> None:
    secret.forget()
    with pytest.raises(secret.SecretError) as caught:
        secret.read(Client(text), "arn:2")
    assert str(caught.value) == expected
    assert caught.value.__cause__ is None  # no decoder error quoting the text
