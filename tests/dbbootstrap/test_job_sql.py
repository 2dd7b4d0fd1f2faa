"""The bootstrap job against a real PostgreSQL server set up like RDS hands one over (see
rds_like.py): the catalog it leaves, its second run, what the application can and cannot do
afterwards, the alternating-users clone, and that no plain password reaches the server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import Stubber
from pg8000.exceptions import DatabaseError

from dbbootstrap import buildspec, job
from templates.secrets import DB_EXCLUDED_CHARACTERS
from tests.dbbootstrap import rds_like
from tests.support import certs, moto, postgres

APP = job.APP_ROLE
CLONE = job.CLONE_ROLE
MASTER_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:edu/db-AbCdEf"
APP_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:edu/db-app-GhIjKl"
# rolname -> (canlogin, super, createdb, createrole, replication, bypassrls, inherit)
ROLES = {
    APP: (True, False, False, False, False, False, True),
    CLONE: (True, False, False, False, False, False, True),
    "rds_pgaudit": (False, False, False, False, False, False, True),
    "eduadmin": (True, False, True, True, False, False, True),
}


def _sqlstate(error: DatabaseError) -> str:
    detail: dict[str, str] = error.args[0]
    return detail["C"]


def _run(cluster: postgres.Cluster, user: str, password: str) -> job.Report:
    return job.bootstrap(rds_like.target(cluster), rds_like.MASTER, job.Login(user, password))


def _expected_members(version: str) -> list[tuple[str, str, bool]]:
    members = [(APP, CLONE, False), (APP, "eduadmin", False)]
    if int(version) >= 16:
        # PostgreSQL 16+ gives the creator of a role ADMIN on it (RDS runs 18).
        members += [(APP, "eduadmin", True), (CLONE, "eduadmin", True)]
        members += [("rds_pgaudit", "eduadmin", True)]
    return sorted(members)


def test_a_first_run_leaves_exactly_the_intended_catalog(first_run: rds_like.FirstRun) -> None:
    snap = first_run.snapshot
    assert {row[0]: row[1:8] for row in snap["roles"]} == ROLES
    assert snap["members"] == _expected_members(first_run.cluster.version)
    databases = snap["databases"]
    assert databases["edu"] == {"eduadmin=CTc/eduadmin", "edu_app=c/eduadmin"}
    # Only CONNECT is taken from PUBLIC on the master's other databases; TEMPORARY without
    # CONNECT gives nothing.
    assert databases[rds_like.OTHER_DB] == {"eduadmin=CTc/eduadmin", "=T/eduadmin"}
    # The superuser's databases are not the master's to change: reported, left as they were.
    assert databases["postgres"] is None
    assert databases["template1"] == {"=c/postgres", "postgres=CTc/postgres"}
    assert snap["owners"]["edu"] == "eduadmin"
    assert snap["schemas"]["app"] == (APP, None)
    owner, public_acl = snap["schemas"]["public"]
    assert owner == "pg_database_owner"
    assert {entry for entry in public_acl if "C" in entry.split("=")[1].split("/")[0]} == {
        "pg_database_owner=UC/pg_database_owner"
    }
    assert snap["default_acls"] == [(APP, "app", "r", ["rds_pgaudit=awd/edu_app"])]
    assert snap["settings"] == {
        (APP, 0): {"search_path=app"},
        (CLONE, 0): {"role=edu_app", "search_path=app"},
    }
    assert first_run.report.notes == [
        "database postgres: PUBLIC keeps CONNECT (owned by postgres, not by the master)",
        "database template1: PUBLIC keeps CONNECT (owned by postgres, not by the master)",
    ]
    assert f"set the password of {APP} (SCRAM-SHA-256)" in first_run.report.changes
    assert len(first_run.report.changes) == 14


def test_a_second_run_changes_nothing(ready: postgres.Cluster) -> None:
    _run(ready, APP, rds_like.APP_PASSWORD)
    before = rds_like.snapshot(ready)
    again = _run(ready, APP, rds_like.APP_PASSWORD)
    assert again.changes == []
    # rolpassword included: a password that works is not set again (no new salt).
    assert rds_like.snapshot(ready) == before
    assert before["roles"][0][0] == APP and before["roles"][0][8].startswith("SCRAM-SHA-256$4096:")


def _refused(cluster: postgres.Cluster, database: str) -> str:
    with pytest.raises(DatabaseError) as refused:
        rds_like.login(cluster, APP, rds_like.APP_PASSWORD, database)
    return _sqlstate(refused.value)


def _fails(conn: Any, sql: str) -> str:
    with pytest.raises(DatabaseError) as failed:
        conn.run(sql)
    return _sqlstate(failed.value)


def test_the_app_uses_its_schema_and_no_other_database(ready: postgres.Cluster) -> None:
    _run(ready, APP, rds_like.APP_PASSWORD)
    conn = rds_like.login(ready, APP, rds_like.APP_PASSWORD)
    try:
        assert conn.run("SHOW search_path") == [["app"]]
        conn.run("CREATE TABLE IF NOT EXISTS lessons (id int PRIMARY KEY, title text)")
        conn.run("INSERT INTO lessons VALUES (1, 'one') ON CONFLICT DO NOTHING")
        assert conn.run("SELECT schemaname FROM pg_tables WHERE tablename = 'lessons'") == [["app"]]
        assert _fails(conn, "CREATE TABLE public.nope (id int)") == "42501"
        assert _fails(conn, "CREATE TEMPORARY TABLE nope (id int)") == "42501"
    finally:
        conn.close()
    assert _refused(ready, rds_like.OTHER_DB) == "42501"  # permission denied for database
    # `postgres` belongs to the superuser here (RDS: to the master, which closes it): PUBLIC
    # keeps CONNECT, so edu_app gets in, and finds nothing it may create in.
    other = rds_like.login(ready, APP, rds_like.APP_PASSWORD, "postgres")
    try:
        assert _fails(other, "CREATE TABLE public.nope (id int)") == "42501"
    finally:
        other.close()


def test_every_character_the_generator_may_emit_survives(ready: postgres.Cluster) -> None:
    alphabet = "".join(chr(c) for c in range(33, 127) if chr(c) not in DB_EXCLUDED_CHARACTERS)
    assert len(alphabet) == 94 - 5 and "\\" not in alphabet and "%" in alphabet
    report = _run(ready, APP, alphabet)
    assert report.changes == [f"set the password of {APP} (SCRAM-SHA-256)"]
    conn = rds_like.login(ready, APP, alphabet)
    try:
        signed_in = "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        assert conn.run(signed_in) == [[APP, True]]
    finally:
        conn.close()


def _rotate_clone(cluster: postgres.Cluster, password: str) -> None:
    # What the rotation function does (plain password, client-side literal), as the master.
    master = rds_like.login(cluster, rds_like.MASTER.user, rds_like.MASTER.password)
    try:
        literal = master.run("SELECT quote_literal(:p ::text)", p=password)[0][0]
        master.run(f"ALTER USER {CLONE} WITH PASSWORD {literal}")
    finally:
        master.close()


def test_the_clone_signs_in_and_what_it_creates_belongs_to_edu_app(
    ready: postgres.Cluster,
) -> None:
    _rotate_clone(ready, "Clone-Pw-2?")
    conn = rds_like.login(ready, CLONE, "Clone-Pw-2?")
    try:
        assert conn.run("SELECT session_user, current_user") == [[CLONE, APP]]
        conn.run("CREATE TABLE IF NOT EXISTS made_by_clone (id int)")
        conn.run("INSERT INTO made_by_clone VALUES (1)")
        owner = conn.run(
            "SELECT schemaname, tableowner FROM pg_tables WHERE tablename = 'made_by_clone'"
        )
        acl = conn.run("SELECT relacl::text[] FROM pg_class WHERE relname = 'made_by_clone'")
    finally:
        conn.close()
    assert owner == [["app", APP]]
    assert "rds_pgaudit=awd/edu_app" in acl[0][0]
    # The secret now names the clone: its working password is left alone, a new one is set.
    assert _run(ready, CLONE, "Clone-Pw-2?").changes == []
    assert _run(ready, CLONE, "Clone-Pw-3?").changes == [
        f"set the password of {CLONE} (SCRAM-SHA-256)"
    ]
    rds_like.login(ready, CLONE, "Clone-Pw-3?").close()


def test_the_plain_password_never_reaches_the_server(ready: postgres.Cluster) -> None:
    password = "Never-In-Sql-7;drop"
    assert _run(ready, APP, password).changes == [f"set the password of {APP} (SCRAM-SHA-256)"]
    log = ready.log.read_text(encoding="utf-8", errors="replace")
    # log_statement = all: every statement, and every bind parameter, the server received.
    assert "ALTER ROLE edu_app PASSWORD 'SCRAM-SHA-256$4096:" in log
    assert password not in log


def test_the_server_accepts_the_verifier_as_it_stores_it(ready: postgres.Cluster) -> None:
    verifier = job.scram_verifier("Verifier-Pw-5=", salt=b"0123456789abcdef")
    su = ready.superuser()
    try:
        su.run(f"ALTER ROLE {APP} PASSWORD '{verifier}'")
        stored = su.run("SELECT rolpassword FROM pg_authid WHERE rolname = :r", r=APP)
    finally:
        su.close()
    assert stored == [[verifier]]
    rds_like.login(ready, APP, "Verifier-Pw-5=").close()
    with pytest.raises(DatabaseError) as refused:
        rds_like.login(ready, APP, "Verifier-Pw-5")
    assert _sqlstate(refused.value) == "28P01"


def test_drift_is_put_back(ready: postgres.Cluster) -> None:
    _run(ready, APP, rds_like.APP_PASSWORD)
    su = ready.superuser("edu")
    try:
        su.run(f"ALTER ROLE {APP} NOLOGIN CREATEDB")
        su.run("GRANT CREATE ON SCHEMA public TO PUBLIC")
        su.run("CREATE TABLE app.unaudited (id int)")
        su.run(f"ALTER TABLE app.unaudited OWNER TO {APP}")
        su.run("REVOKE ALL ON app.unaudited FROM rds_pgaudit")
    finally:
        su.close()
    report = _run(ready, APP, rds_like.APP_PASSWORD)
    assert report.changes == [
        f"altered role {APP}: LOGIN NOCREATEDB",
        "revoked CREATE on schema public from PUBLIC",
        "rds_pgaudit gets DELETE, INSERT, UPDATE on 1 existing table(s) in app",
    ]
    assert _run(ready, APP, rds_like.APP_PASSWORD).changes == []


def _stubbed(
    cluster: postgres.Cluster, app_secret: dict[str, Any], master_password: str
) -> tuple[Any, Stubber]:
    client = boto3.client(
        "secretsmanager", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    stub = Stubber(client)
    # host and port as the SecretTargetAttachment adds them to the master secret.
    master: dict[str, Any] = {"username": "eduadmin", "password": master_password}
    master |= {"host": cluster.host, "port": cluster.port, "engine": "postgres", "dbname": "edu"}
    for arn, value in ((MASTER_ARN, master), (APP_ARN, app_secret)):
        answer = {"ARN": arn, "Name": "n", "SecretString": json.dumps(value)}
        stub.add_response("get_secret_value", answer, {"SecretId": arn})
    stub.activate()
    return client, stub


def _config(cluster: postgres.Cluster) -> job.Config:
    return job.Config(MASTER_ARN, APP_ARN, "edu", str(cluster.ca))


def test_run_reads_both_secrets_and_prints_no_secret(
    ready: postgres.Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    # botocore's Stubber stands in for Secrets Manager; the server is real.
    app = {"username": APP, "password": "Run-Pw-4>"}
    client, stub = _stubbed(ready, app, rds_like.MASTER.password)
    assert job.run(_config(ready), client) == job.EXIT_OK
    stub.assert_no_pending_responses()
    err = capsys.readouterr().err
    assert f"set the password of {APP} (SCRAM-SHA-256)" in err.splitlines()
    assert "Run-Pw-4>" not in err and "SCRAM-SHA-256$" not in err
    assert rds_like.MASTER.password not in err


def test_a_database_error_is_one_line_without_the_password(
    ready: postgres.Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    client, _ = _stubbed(ready, {"username": APP, "password": "x"}, "Wrong-Master-Pw")
    assert job.run(_config(ready), client) == job.EXIT_DB
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("database error: 28P01 ")
    assert "Wrong-Master-Pw" not in err


def test_the_shipped_job_runs_as_codebuild_runs_it(ready: postgres.Cluster, tmp_path: Path) -> None:
    # job.py as the buildspec's own commands write it, run as `python job.py` with the project's
    # environment; Secrets Manager is an in-process moto server holding both secrets.
    for command in yaml.safe_load(buildspec.buildspec())["phases"]["install"]["commands"]:
        if command.endswith("/job.py"):
            subprocess.run(["sh", "-c", command.replace(buildspec.WORK, str(tmp_path))], check=True)
    with moto.moto_server() as url:
        env = moto.subprocess_env(url)
        client = boto3.client(
            "secretsmanager",
            endpoint_url=url,
            region_name=moto.REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        master: dict[str, Any] = {"username": rds_like.MASTER.user}
        master |= {"password": rds_like.MASTER.password}
        master |= {"host": ready.host, "port": ready.port}
        app = {"username": APP, "password": "Shipped-Pw-6]"}
        arns = [
            client.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
            for name, value in (("master", master), ("app", app))
        ]
        env |= {"MASTER_SECRET_ARN": arns[0], "APP_SECRET_ARN": arns[1], "DB_NAME": "edu"}
        env["CA_BUNDLE"] = str(ready.ca)
        runs = [
            subprocess.run(
                [sys.executable, str(tmp_path / "job.py")],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            for _ in range(2)
        ]
    assert [run.returncode for run in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    assert f"set the password of {APP} (SCRAM-SHA-256)" in runs[0].stderr.splitlines()
    assert runs[1].stderr.splitlines()[-1] == "no change"
    assert all("Shipped-Pw-6]" not in run.stderr + run.stdout for run in runs)
    rds_like.login(ready, APP, "Shipped-Pw-6]").close()


def test_a_server_the_ca_bundle_does_not_vouch_for_is_refused(
    ready: postgres.Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stranger = certs.make(tmp_path / "other", name="stranger")
    client, _ = _stubbed(ready, {"username": APP, "password": "x"}, rds_like.MASTER.password)
    config = job.Config(MASTER_ARN, APP_ARN, "edu", str(stranger.ca))
    assert job.run(config, client) == job.EXIT_DB
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("database error: ")
    assert "certificate verify failed" in err


class _Recorder:
    """A Session's surface: answers `value` from a fixed result, records `change`."""

    def __init__(self, available: int) -> None:
        self.available = available
        self.changes: list[str] = []

    def value(self, sql: str, **params: object) -> int:
        assert "pg_available_extensions" in sql
        return self.available

    def change(self, sql: str, what: str) -> None:
        self.changes.append(sql)


@pytest.mark.parametrize(("available", "expected"), [(1, ["CREATE EXTENSION pgaudit"]), (0, [])])
def test_the_audit_extension_is_created_only_where_the_server_offers_it(
    available: int, expected: list[str]
) -> None:
    from dbbootstrap.job import ensure_audit_extension

    db = _Recorder(available)
    ensure_audit_extension(db)  # type: ignore[arg-type]
    assert db.changes == expected
