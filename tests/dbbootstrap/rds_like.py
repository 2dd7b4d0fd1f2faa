"""A PostgreSQL server set up the way RDS hands one over, for the bootstrap job's tests: a master
role `eduadmin` with CREATEROLE and CREATEDB (not a superuser, like RDS's rds_superuser member)
that owns `edu` and a second database `reports`; `postgres` and `template1` stay the
superuser's. Also the catalog reads the tests compare with what the job should make true."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pg8000.native

from dbbootstrap import job
from tests.support import postgres

MASTER = job.Login("eduadmin", "Master-Pw-9~x")
# The application's password in most tests (the job sets it on the first run).
APP_PASSWORD = "App-Pw-1!b2#c3$d4%e5&f6*g7+h8,i9"
OTHER_DB = "reports"
ROLES = (job.APP_ROLE, job.CLONE_ROLE, job.AUDIT_ROLE)


@dataclass(frozen=True)
class FirstRun:
    cluster: postgres.Cluster
    report: job.Report
    snapshot: dict[str, Any]


@contextmanager
def server(root: Path, *, with_edu: bool = True) -> Iterator[postgres.Cluster]:
    # Every statement the server receives goes to its log, which the tests search for secrets.
    with postgres.cluster(root, "log_statement = 'all'\n") as cluster:
        su = cluster.superuser()
        try:
            statement = su.run(
                "SELECT format('CREATE ROLE %I LOGIN CREATEROLE CREATEDB PASSWORD %L', "
                ":user ::text, :pw ::text)",
                user=MASTER.user,
                pw=MASTER.password,
            )[0][0]
            su.run(statement)
            databases = ([job.DEFAULT_DB] if with_edu else []) + [OTHER_DB]
            for name in databases:
                su.run(f"CREATE DATABASE {name} OWNER {MASTER.user}")
        finally:
            su.close()
        yield cluster


def target(cluster: postgres.Cluster, database: str = job.DEFAULT_DB) -> job.Target:
    return job.Target(cluster.host, cluster.port, database, str(cluster.ca))


def login(
    cluster: postgres.Cluster, user: str, password: str, database: str = job.DEFAULT_DB
) -> pg8000.native.Connection:
    return job.connect(target(cluster), job.Login(user, password), database)


def _rows(conn: pg8000.native.Connection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.run(sql)]


def snapshot(cluster: postgres.Cluster, database: str = job.DEFAULT_DB) -> dict[str, Any]:
    """What the job may change, read from the catalog as the superuser."""
    ours = "('edu_app', 'edu_app_clone', 'rds_pgaudit', 'eduadmin')"
    su = cluster.superuser(database)
    try:
        return {
            "roles": _rows(
                su,
                "SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole,"
                " rolreplication, rolbypassrls, rolinherit, rolpassword FROM pg_authid"
                f" WHERE rolname IN {ours} ORDER BY rolname",
            ),
            "members": sorted(
                _rows(
                    su,
                    "SELECT roleid::regrole::text, member::regrole::text, admin_option"
                    f" FROM pg_auth_members WHERE roleid::regrole::text IN {ours}"
                    f" OR member::regrole::text IN {ours}",
                )
            ),
            "databases": {
                name: None if acl is None else set(acl)
                for name, acl in su.run("SELECT datname, datacl::text[] FROM pg_database")
            },
            "owners": dict(_rows(su, "SELECT datname, datdba::regrole::text FROM pg_database")),
            "schemas": {
                name: (owner, None if acl is None else set(acl))
                for name, owner, acl in su.run(
                    "SELECT nspname, nspowner::regrole::text, nspacl::text[] FROM pg_namespace"
                    " WHERE nspname IN ('app', 'public')"
                )
            },
            "default_acls": _rows(
                su,
                "SELECT defaclrole::regrole::text, defaclnamespace::regnamespace::text,"
                " defaclobjtype::text, defaclacl::text[] FROM pg_default_acl ORDER BY 1, 2, 3",
            ),
            "settings": {
                (role, db): set(config)
                for role, db, config in su.run(
                    "SELECT setrole::regrole::text, setdatabase, setconfig FROM pg_db_role_setting"
                )
            },
        }
    finally:
        su.close()
