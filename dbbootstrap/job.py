"""The database bootstrap job: signed in as the master user, it makes the PostgreSQL database
ready for the application, idempotently. A second run changes nothing and says "no change".

This one file is the whole job: the CodeBuild buildspec (dbbootstrap/buildspec.py) embeds its
text, so it imports only the standard library, pg8000 and (inside main) boto3.

Environment:
  MASTER_SECRET_ARN  the master secret: username, password, host, port
  APP_SECRET_ARN     the application's secret: username (edu_app or edu_app_clone), password
  DB_NAME            the application's database (default edu)
  CA_BUNDLE          the RDS CA bundle (PEM): every connection is TLS, verified against it

What a run makes true (every step checks the catalog first and acts only on a difference):
  roles      edu_app: LOGIN, no other attribute. edu_app_clone: the same, a member of edu_app,
             and `ALTER ROLE edu_app_clone SET role = edu_app`, so that what the clone creates
             belongs to edu_app (the alternating-users rotation switches the app between them).
             The master becomes a member of edu_app: only a member may create edu_app's schema
             and set its default privileges (CREATEROLE alone is not enough).
  databases  DB_NAME exists (owned by the master); PUBLIC has no privilege on it, edu_app has
             CONNECT. Every other database the master owns: PUBLIC loses CONNECT. One that PUBLIC
             may connect to but the master does not own is reported on a "note:" line.
  schemas    `app`, owned by edu_app, is the search_path of both logins; PUBLIC may not CREATE in
             `public` and nothing on it is granted to the application.
  auditing   the pgaudit extension is installed where the server offers it; the role
             rds_pgaudit exists (RDS leaves its creation to the user; pgaudit.role names
             it) and gets INSERT, UPDATE, DELETE on edu_app's tables in `app`, present and
             future (default privileges), so pgaudit logs every write on them.
  password   if the app secret's user cannot sign in with its password, its password is set to
             a SCRAM-SHA-256 verifier computed here: the plain password never appears in SQL
             text (pgaudit redacts the PASSWORD clause it logs; PostgreSQL's own statement and
             error logging does not).

Output: one line per change on stderr (or "no change"); never a password or a verifier.
Exit codes:
  0  the database is as intended
  1  a database error (one line)
  2  configuration missing or unusable: an environment variable, a secret (unreadable, not
     JSON, a key missing) or a user name other than edu_app or edu_app_clone
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import ssl
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pg8000.native
from pg8000.exceptions import DatabaseError, InterfaceError

APP_ROLE = "edu_app"
CLONE_ROLE = "edu_app_clone"
SCHEMA = "app"
AUDIT_ROLE = "rds_pgaudit"
DEFAULT_DB = "edu"
# Where CREATE DATABASE runs when DB_NAME does not exist yet.
MAINTENANCE_DB = "postgres"
NAME = re.compile(r"[a-z_][a-z0-9_]*")
EXIT_OK, EXIT_DB, EXIT_CONFIG = 0, 1, 2
ENV_MASTER, ENV_APP, ENV_DB, ENV_CA = "MASTER_SECRET_ARN", "APP_SECRET_ARN", "DB_NAME", "CA_BUNDLE"
# Two jobs started together would race on CREATE ROLE; the second waits for the first instead.
LOCK_KEY = 0x6564755F626F6F74
TIMEOUT_SECONDS = 60
# A failed sign-in: a wrong or missing password (28P01), a role that may not log in (28000).
LOGIN_REFUSED = frozenset({"28P01", "28000"})
NO_DATABASE = "3D000"
# pg_roles column -> (the keyword that sets the wanted value, the wanted value)
ATTRIBUTES = {
    "rolcanlogin": ("LOGIN", True),
    "rolsuper": ("NOSUPERUSER", False),
    "rolcreatedb": ("NOCREATEDB", False),
    "rolcreaterole": ("NOCREATEROLE", False),
    "rolreplication": ("NOREPLICATION", False),
    "rolbypassrls": ("NOBYPASSRLS", False),
    "rolinherit": ("INHERIT", True),
}
# Role-wide settings (pg_db_role_setting, database 0) as PostgreSQL stores them.
ROLE_SETTINGS = {
    APP_ROLE: {"search_path": SCHEMA},
    CLONE_ROLE: {"role": APP_ROLE, "search_path": SCHEMA},
}
AUDITED = ("DELETE", "INSERT", "UPDATE")


class ConfigError(Exception):
    """The job's inputs are missing or unusable (exit 2)."""


class BootstrapError(Exception):
    """The database refused to become as intended (exit 1)."""


@dataclass(frozen=True)
class Login:
    user: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    database: str
    ca_bundle: str


@dataclass
class Report:
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def ident(name: str) -> str:
    """`name` as an SQL identifier: only lower-case letters, digits and _ need no quoting."""
    if not NAME.fullmatch(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return name


def scram_verifier(password: str, salt: bytes | None = None, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677):
    SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, base64."""
    if not password.isascii():
        # PostgreSQL SASLpreps a non-ASCII password first; ASCII passes through it unchanged.
        raise ValueError("only ASCII passwords are supported")
    salt = secrets.token_bytes(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("ascii"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    return f"SCRAM-SHA-256${iterations}:{_b64(salt)}${_b64(stored_key)}:{_b64(server_key)}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def connect(target: Target, login: Login, database: str) -> pg8000.native.Connection:
    context = ssl.create_default_context(cafile=target.ca_bundle)
    return pg8000.native.Connection(
        login.user,
        password=login.password,
        host=target.host,
        port=target.port,
        database=database,
        ssl_context=context,
        timeout=TIMEOUT_SECONDS,
        application_name="edu-db-bootstrap",
    )


def sqlstate(error: BaseException) -> str | None:
    detail = error.args[0] if error.args else None
    return detail.get("C") if isinstance(detail, dict) else None


class Session:
    """The master's connection, and the changes made through it."""

    def __init__(self, conn: pg8000.native.Connection, report: Report) -> None:
        self.conn = conn
        self.report = report

    def value(self, sql: str, **params: Any) -> Any:
        rows = self.conn.run(sql, **params)
        return rows[0][0] if rows else None

    def rows(self, sql: str, **params: Any) -> list[list[Any]]:
        return list(self.conn.run(sql, **params))

    def change(self, sql: str, what: str) -> None:
        self.conn.run(sql)
        self.report.changes.append(what)


def ensure_database(target: Target, master: Login, report: Report) -> pg8000.native.Connection:
    """A connection to the application's database, created first (owned by the master) when
    RDS did not create it."""
    try:
        return connect(target, master, target.database)
    except DatabaseError as error:
        if sqlstate(error) != NO_DATABASE:
            raise
    maintenance = connect(target, master, MAINTENANCE_DB)
    try:
        Session(maintenance, report).change(
            f"CREATE DATABASE {ident(target.database)}", f"created database {target.database}"
        )
    finally:
        maintenance.close()
    return connect(target, master, target.database)


def ensure_role(db: Session, role: str) -> None:
    found = db.rows(
        "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls,"
        " rolinherit FROM pg_catalog.pg_roles WHERE rolname = :role",
        role=role,
    )
    wanted = " ".join(keyword for keyword, _ in ATTRIBUTES.values())
    if not found:
        db.change(f"CREATE ROLE {ident(role)} {wanted}", f"created role {role} ({wanted})")
        return
    actual = dict(zip(ATTRIBUTES, found[0], strict=True))
    wrong = [kw for column, (kw, value) in ATTRIBUTES.items() if actual[column] is not value]
    if wrong:
        db.change(
            f"ALTER ROLE {ident(role)} {' '.join(wrong)}", f"altered role {role}: {' '.join(wrong)}"
        )


def ensure_memberships(db: Session) -> None:
    # USAGE (privileges inherited) is what creating edu_app's schema, setting its default
    # privileges and granting on its tables need; on PostgreSQL 16+ the master's automatic
    # membership in a role it created carries ADMIN only.
    app = ident(APP_ROLE)
    if not db.value("SELECT pg_catalog.pg_has_role(CURRENT_USER, :r, 'USAGE')", r=APP_ROLE):
        db.change(f"GRANT {app} TO CURRENT_USER", f"granted {APP_ROLE} to the master user")
    if not db.value("SELECT pg_catalog.pg_has_role(:m, :r, 'USAGE')", m=CLONE_ROLE, r=APP_ROLE):
        db.change(f"GRANT {app} TO {ident(CLONE_ROLE)}", f"granted {APP_ROLE} to {CLONE_ROLE}")


def ensure_role_settings(db: Session) -> None:
    for role, settings in ROLE_SETTINGS.items():
        config = db.value(
            "SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s"
            " JOIN pg_catalog.pg_roles r ON r.oid = s.setrole"
            " WHERE s.setdatabase = 0 AND r.rolname = :role",
            role=role,
        )
        present = set(config or [])
        for name, value in settings.items():
            if f"{name}={value}" not in present:
                db.change(
                    f"ALTER ROLE {ident(role)} SET {ident(name)} = {ident(value)}",
                    f"set {name} = {value} for {role}",
                )


def _public_privileges(db: Session, catalog: str, name: str) -> set[str]:
    # NULL in an ACL column means the built-in default (acldefault), which grants to PUBLIC.
    sql = {
        "database": "SELECT a.privilege_type FROM pg_catalog.pg_database o, pg_catalog.aclexplode("
        "coalesce(o.datacl, pg_catalog.acldefault('d', o.datdba))) a WHERE o.datname = :name",
        "schema": "SELECT a.privilege_type FROM pg_catalog.pg_namespace o, pg_catalog.aclexplode("
        "coalesce(o.nspacl, pg_catalog.acldefault('n', o.nspowner))) a WHERE o.nspname = :name",
    }[catalog]
    return {row[0] for row in db.rows(sql + " AND a.grantee = 0", name=name)}


def ensure_database_privileges(db: Session, database: str) -> None:
    name = ident(database)
    held = _public_privileges(db, "database", database)
    if held:
        db.change(
            f"REVOKE ALL ON DATABASE {name} FROM PUBLIC",
            f"revoked {', '.join(sorted(held))} on database {database} from PUBLIC",
        )
    granted = db.value(
        "SELECT count(*) FROM pg_catalog.pg_database d, pg_catalog.aclexplode(d.datacl) a"
        " WHERE d.datname = :db AND a.grantee = :role ::regrole AND a.privilege_type = 'CONNECT'",
        db=database,
        role=APP_ROLE,
    )
    if not granted:
        db.change(
            f"GRANT CONNECT ON DATABASE {name} TO {ident(APP_ROLE)}",
            f"granted CONNECT on database {database} to {APP_ROLE}",
        )


def close_other_databases(db: Session, database: str) -> None:
    """PUBLIC loses CONNECT on every other database the master owns. On RDS the master user
    owns `postgres` and `template1` (RDS setup guides have the master revoke PUBLIC's access to
    both); rdsadmin owns `rdsadmin` (whose ACL names rdsadmin only) and `template0` (which
    refuses connections, datallowconn false, so it is skipped). A database PUBLIC may connect to
    that the master does not own (should RDS hand one to rdsadmin) is reported on a note line,
    not changed: a REVOKE by a non-owner only warns and changes nothing."""
    rows = db.rows(
        "SELECT d.datname, pg_catalog.pg_has_role(CURRENT_USER, d.datdba, 'USAGE'),"
        " pg_catalog.pg_get_userbyid(d.datdba),"
        " pg_catalog.format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', d.datname)"
        " FROM pg_catalog.pg_database d WHERE d.datname <> :db AND d.datallowconn"
        " AND EXISTS (SELECT FROM pg_catalog.aclexplode("
        "coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) a"
        " WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT') ORDER BY d.datname",
        db=database,
    )
    for name, owned, owner, statement in rows:
        if owned:
            db.change(statement, f"revoked CONNECT on database {name} from PUBLIC")
        else:
            db.report.notes.append(
                f"database {name}: PUBLIC keeps CONNECT (owned by {owner}, not by the master)"
            )


def ensure_schemas(db: Session) -> None:
    owner = db.value(
        "SELECT pg_catalog.pg_get_userbyid(nspowner) FROM pg_catalog.pg_namespace"
        " WHERE nspname = :s",
        s=SCHEMA,
    )
    schema, app = ident(SCHEMA), ident(APP_ROLE)
    if owner is None:
        db.change(f"CREATE SCHEMA {schema} AUTHORIZATION {app}", f"created schema {SCHEMA}")
    elif owner != APP_ROLE:
        db.change(f"ALTER SCHEMA {schema} OWNER TO {app}", f"gave schema {SCHEMA} to {APP_ROLE}")
    # PostgreSQL 15+ no longer lets PUBLIC create in `public`; a database from an older
    # template still may.
    if "CREATE" in _public_privileges(db, "schema", "public"):
        db.change(
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
            "revoked CREATE on schema public from PUBLIC",
        )


def ensure_audit_extension(db: Session) -> None:
    """pgaudit's DDL logging runs through the extension's event triggers: RDS loads the library
    (shared_preload_libraries) but leaves CREATE EXTENSION to the user. A server without
    pgaudit (a test server) has nothing to install."""
    missing = db.value(
        "SELECT count(*) FROM pg_catalog.pg_available_extensions"
        " WHERE name = 'pgaudit' AND installed_version IS NULL"
    )
    if missing:
        db.change("CREATE EXTENSION pgaudit", "created extension pgaudit")


def ensure_auditing(db: Session) -> None:
    ensure_audit_extension(db)
    audit, app, schema = ident(AUDIT_ROLE), ident(APP_ROLE), ident(SCHEMA)
    if not db.value("SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = :r", r=AUDIT_ROLE):
        db.change(f"CREATE ROLE {audit} NOLOGIN", f"created role {AUDIT_ROLE} (NOLOGIN)")
    privileges = ", ".join(AUDITED)
    future = db.value(
        "SELECT count(DISTINCT a.privilege_type) FROM pg_catalog.pg_default_acl d,"
        " pg_catalog.aclexplode(d.defaclacl) a WHERE d.defaclrole = :app ::regrole"
        " AND d.defaclnamespace = :schema ::regnamespace AND d.defaclobjtype = 'r'"
        " AND a.grantee = :audit ::regrole AND a.privilege_type = ANY(:wanted)",
        app=APP_ROLE,
        schema=SCHEMA,
        audit=AUDIT_ROLE,
        wanted=list(AUDITED),
    )
    if future != len(AUDITED):
        db.change(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {app} IN SCHEMA {schema}"
            f" GRANT {privileges} ON TABLES TO {audit}",
            f"{AUDIT_ROLE} gets {privileges} on {APP_ROLE}'s future tables in {SCHEMA}",
        )
    present = db.value(
        "SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace = :schema ::regnamespace"
        " AND c.relkind IN ('r', 'p') AND c.relowner = :app ::regrole AND NOT ("
        " pg_catalog.has_table_privilege(:audit, c.oid, 'INSERT')"
        " AND pg_catalog.has_table_privilege(:audit, c.oid, 'UPDATE')"
        " AND pg_catalog.has_table_privilege(:audit, c.oid, 'DELETE'))",
        schema=SCHEMA,
        app=APP_ROLE,
        audit=AUDIT_ROLE,
    )
    if present:
        db.change(
            f"GRANT {privileges} ON ALL TABLES IN SCHEMA {schema} TO {audit}",
            f"{AUDIT_ROLE} gets {privileges} on {present} existing table(s) in {SCHEMA}",
        )


def can_login(target: Target, login: Login) -> bool:
    try:
        connect(target, login, target.database).close()
    except DatabaseError as error:
        if sqlstate(error) in LOGIN_REFUSED:
            return False
        raise
    return True


def ensure_password(db: Session, target: Target, app: Login) -> None:
    if can_login(target, app):
        return
    # format(%I, %L) quotes on the server; the verifier, not the password, is in the text.
    statement = db.value(
        "SELECT pg_catalog.format('ALTER ROLE %I PASSWORD %L', :role ::text, :verifier ::text)",
        role=ident(app.user),
        verifier=scram_verifier(app.password),
    )
    db.change(statement, f"set the password of {app.user} (SCRAM-SHA-256)")
    if not can_login(target, app):
        raise BootstrapError(f"{app.user} still cannot sign in after its password was set")


def bootstrap(target: Target, master: Login, app: Login) -> Report:
    """Make the database as intended; the report lists what had to change."""
    if app.user not in (APP_ROLE, CLONE_ROLE):
        raise ConfigError(f"the app secret's user must be {APP_ROLE} or {CLONE_ROLE}")
    report = Report()
    conn = ensure_database(target, master, report)
    try:
        db = Session(conn, report)
        conn.run("BEGIN")
        db.value("SELECT pg_catalog.pg_advisory_xact_lock(:key)", key=LOCK_KEY)
        for role in (APP_ROLE, CLONE_ROLE):
            ensure_role(db, role)
        ensure_memberships(db)
        ensure_role_settings(db)
        ensure_database_privileges(db, target.database)
        close_other_databases(db, target.database)
        ensure_schemas(db)
        ensure_auditing(db)
        conn.run("COMMIT")
        # After the commit: the check signs in as the application, in a session of its own.
        ensure_password(db, target, app)
    finally:
        conn.close()
    return report


def read_secret(client: Any, arn: str, keys: Sequence[str]) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        text = client.get_secret_value(SecretId=arn)["SecretString"]
    except (BotoCoreError, ClientError) as error:
        raise ConfigError(f"cannot read secret {arn}: {error}") from None
    try:
        value = json.loads(text)
    except ValueError:
        raise ConfigError(f"secret {arn} is not JSON") from None
    missing = [key for key in keys if not isinstance(value, dict) or key not in value]
    if missing:
        raise ConfigError(f"secret {arn} lacks {', '.join(missing)}")
    return dict(value)


@dataclass(frozen=True)
class Config:
    master_secret_arn: str
    app_secret_arn: str
    database: str
    ca_bundle: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        missing = [name for name in (ENV_MASTER, ENV_APP, ENV_CA) if not env.get(name)]
        if missing:
            raise ConfigError(f"missing environment variable(s): {', '.join(missing)}")
        database = env.get(ENV_DB) or DEFAULT_DB
        if not NAME.fullmatch(database):
            raise ConfigError(f"{ENV_DB} must match {NAME.pattern}")
        if not os.path.isfile(env[ENV_CA]):
            raise ConfigError(f"{ENV_CA} is not a file: {env[ENV_CA]}")
        return cls(env[ENV_MASTER], env[ENV_APP], database, env[ENV_CA])


def say(line: str) -> None:
    print(line, file=sys.stderr)


def read_inputs(config: Config, client: Any) -> tuple[Target, Login, Login]:
    """Where the database is, the master's login and the application's, from the secrets."""
    master = read_secret(client, config.master_secret_arn, ("username", "password", "host"))
    app = read_secret(client, config.app_secret_arn, ("username", "password"))
    try:
        port = int(master.get("port", 5432))
    except (TypeError, ValueError):
        raise ConfigError(f"secret {config.master_secret_arn} has no usable port") from None
    if not str(app["password"]).isascii():
        raise ConfigError(f"secret {config.app_secret_arn}: the password must be ASCII")
    target = Target(str(master["host"]), port, config.database, config.ca_bundle)
    login = Login(str(master["username"]), str(master["password"]))
    return target, login, Login(str(app["username"]), str(app["password"]))


def run(config: Config, client: Any) -> int:
    """The job with its configuration and a Secrets Manager client: read both secrets, then
    bootstrap. Failures are one line on stderr with no secret in it."""
    hidden: list[str] = []
    try:
        target, master, app = read_inputs(config, client)
        hidden = [master.password, app.password]
        report = bootstrap(target, master, app)
    except ConfigError as error:
        say(f"configuration: {_one_line(error, hidden)}")
        return EXIT_CONFIG
    # ssl's verification error is an OSError (and a ValueError): a database error here.
    except (DatabaseError, InterfaceError, BootstrapError, OSError) as error:
        say(f"database error: {_one_line(error, hidden)}")
        return EXIT_DB
    for note in report.notes:
        say(f"note: {note}")
    for change in report.changes or ["no change"]:
        say(change)
    return EXIT_OK


def _one_line(error: BaseException, hidden: Sequence[str]) -> str:
    detail = error.args[0] if error.args else None
    if isinstance(detail, dict):
        text = f"{detail.get('C', '?')} {detail.get('M', '')}"
    else:
        text = str(error) or type(error).__name__
    for secret in hidden:
        text = text.replace(secret, "***")
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        say("usage: job.py (no arguments; configuration comes from the environment)")
        return EXIT_CONFIG
    try:
        config = Config.from_env(os.environ)
    except ConfigError as error:
        say(f"configuration: {error}")
        return EXIT_CONFIG
    # Imported here: the tests and the module's users need no AWS SDK until a run reads secrets.
    import boto3

    return run(config, boto3.client("secretsmanager"))


if __name__ == "__main__":
    sys.exit(main())
