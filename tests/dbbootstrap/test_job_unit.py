"""The bootstrap job without a server: the SCRAM verifier against RFC 7677's example, the
identifier check, and main()'s configuration errors (exit 2, one line). Secrets Manager is
botocore's Stubber."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from dbbootstrap import job

# RFC 7677, section 3: user "user", password "pencil".
RFC_SALT = "W22ZaJ0SNY7soEsUEjb6gQ=="
RFC_CLIENT_FIRST_BARE = "n=user,r=rOprNGfwEbeRWgbNEkqO"
RFC_SERVER_FIRST = f"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s={RFC_SALT},i=4096"
RFC_CLIENT_FINAL_BARE = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
RFC_PROOF = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
RFC_SERVER_SIGNATURE = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:edu/db-AbCdEf"


def test_the_verifier_matches_rfc_7677s_exchange() -> None:
    verifier = job.scram_verifier("pencil", salt=base64.b64decode(RFC_SALT))
    head, keys = verifier.rsplit("$", 1)
    assert head == f"SCRAM-SHA-256$4096:{RFC_SALT}"
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    auth = f"{RFC_CLIENT_FIRST_BARE},{RFC_SERVER_FIRST},{RFC_CLIENT_FINAL_BARE}".encode()
    # The client's proof, unmasked with StoredKey, must hash back to StoredKey.
    signature = hmac.new(stored_key, auth, "sha256").digest()
    client_key = bytes(a ^ b for a, b in zip(base64.b64decode(RFC_PROOF), signature, strict=True))
    assert hashlib.sha256(client_key).digest() == stored_key
    assert base64.b64encode(hmac.new(server_key, auth, "sha256").digest()).decode() == (
        RFC_SERVER_SIGNATURE
    )


def test_each_verifier_has_a_fresh_salt_and_the_asked_iterations() -> None:
    first, second = job.scram_verifier("same"), job.scram_verifier("same")
    assert first != second
    assert job.scram_verifier("same", iterations=10000).startswith("SCRAM-SHA-256$10000:")
    assert len(base64.b64decode(first.split(":")[1].split("$")[0])) == 16
    with pytest.raises(ValueError):
        job.scram_verifier("pässword")


@pytest.mark.parametrize("name", ["edu_app", "_x1", "app"])
def test_plain_identifiers_pass(name: str) -> None:
    assert job.ident(name) == name


@pytest.mark.parametrize("name", ["Edu", "1x", "a-b", 'a"b', "a;drop", "", "edu\n"])
def test_other_identifiers_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        job.ident(name)


def _env(tmp_path: Path, **changes: str) -> dict[str, str]:
    ca = tmp_path / "ca.pem"
    ca.write_text("not used before the secrets are read\n")
    env = {"MASTER_SECRET_ARN": ARN, "APP_SECRET_ARN": ARN, "CA_BUNDLE": str(ca)}
    return {k: v for k, v in (env | changes).items() if v}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"MASTER_SECRET_ARN": ""}, "missing environment variable(s): MASTER_SECRET_ARN"),
        ({"APP_SECRET_ARN": "", "CA_BUNDLE": ""}, "APP_SECRET_ARN, CA_BUNDLE"),
        ({"DB_NAME": "Edu-Prod"}, "DB_NAME must match"),
        ({"CA_BUNDLE": "/nonexistent/ca.pem"}, "CA_BUNDLE is not a file"),
    ],
)
def test_main_refuses_missing_configuration_with_exit_2_and_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    changes: dict[str, str],
    message: str,
) -> None:
    for name in ("MASTER_SECRET_ARN", "APP_SECRET_ARN", "DB_NAME", "CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in _env(tmp_path, **changes).items():
        monkeypatch.setenv(name, value)
    assert job.main([]) == job.EXIT_CONFIG
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("configuration: ") and message in err


def test_main_takes_no_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert job.main(["--force"]) == job.EXIT_CONFIG
    assert capsys.readouterr().err.startswith("usage: ")


def test_db_name_defaults_to_edu(tmp_path: Path) -> None:
    assert job.Config.from_env(_env(tmp_path)).database == "edu"
    assert job.Config.from_env(_env(tmp_path, DB_NAME="edu_stg")).database == "edu_stg"


def _client(*answers: dict[str, Any] | str) -> Any:
    client = boto3.client(
        "secretsmanager", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    stub = Stubber(client)
    for answer in answers:
        if isinstance(answer, str):
            stub.add_client_error("get_secret_value", service_error_code=answer)
        else:
            reply = {"ARN": ARN, "Name": "n", "SecretString": json.dumps(answer)}
            stub.add_response("get_secret_value", reply, {"SecretId": ARN})
    stub.activate()
    return client


MASTER = {"username": "eduadmin", "password": "Master-Secret-1", "host": "db.example", "port": 5433}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (["AccessDeniedException"], "cannot read secret"),
        ([{"username": "eduadmin", "password": "Master-Secret-1"}], "lacks host"),
        ([MASTER, {"username": "edu_app"}], "lacks password"),
        ([MASTER, {"username": "eduadmin", "password": "App-Secret-2"}], "must be edu_app or"),
        (
            [{**MASTER, "port": "not-a-port"}, {"username": "edu_app", "password": "p"}],
            "no usable port",
        ),
        ([MASTER, {"username": "edu_app", "password": "pässword"}], "must be ASCII"),
    ],
)
def test_unusable_secrets_exit_2_with_one_line_and_no_secret(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    answers: list[dict[str, Any] | str],
    message: str,
) -> None:
    config = job.Config.from_env(_env(tmp_path))
    assert job.run(config, _client(*answers)) == job.EXIT_CONFIG
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("configuration: ") and message in err
    assert "Master-Secret-1" not in err and "App-Secret-2" not in err


def test_the_login_never_shows_its_password() -> None:
    assert "hunter2" not in repr(job.Login("edu_app", "hunter2"))
