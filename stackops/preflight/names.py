"""Every explicit name the stack would create is free in this account and region (S3: anywhere)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..aws.errors import error_code
from .context import Context, known
from .findings import Finding, Report, not_found
from .permissions import (
    BUCKET_NAMES,
    CACHE_GROUP_IDS,
    DB_IDENTIFIERS,
    LOG_GROUP_NAMES,
    SECRET_NAMES,
)

# (problem, fix) when the name is taken, None when it is free.
Taken = tuple[str, str] | None


@dataclass(frozen=True)
class Named:
    check: str
    prop: str
    probe: Callable[[Context, str], Taken]


def _bucket(ctx: Context, name: str) -> Taken:
    try:
        ctx.clients.s3.head_bucket(Bucket=name)
    except Exception as exc:
        code = error_code(exc)
        if not_found(exc):
            return None
        # S3 answers 404 for a name nobody holds, whoever asks: 403 and 301 mean a holder.
        if code in ("403", "AccessDenied"):
            return "is held by another account", "choose another BucketName (names are global)"
        if code in ("301", "PermanentRedirect"):
            return "exists in another region", "choose another BucketName, or delete that bucket"
        raise
    return "exists in this account", "choose another BucketName, or delete or import the bucket"


def _db(ctx: Context, name: str) -> Taken:
    try:
        ctx.clients.rds.describe_db_instances(DBInstanceIdentifier=name)
    except Exception as exc:
        if not_found(exc):
            return None
        raise
    return (
        f"a DB instance of this identifier exists in {ctx.region}",
        "choose another DBInstanceIdentifier, or delete or rename that instance",
    )


def _cache(ctx: Context, name: str) -> Taken:
    try:
        ctx.clients.elasticache.describe_replication_groups(ReplicationGroupId=name)
    except Exception as exc:
        if not_found(exc):
            return None
        raise
    return (
        f"a replication group of this ID exists in {ctx.region}",
        "choose another ReplicationGroupId, or delete that replication group",
    )


def _log_group(ctx: Context, name: str) -> Taken:
    answer = ctx.clients.logs.describe_log_groups(logGroupNamePrefix=name)
    if not any(g.get("logGroupName") == name for g in answer.get("logGroups") or []):
        return None
    return (
        f"a log group of this name exists in {ctx.region}",
        "choose another LogGroupName, or delete that log group (or import it into the stack)",
    )


def _secret(ctx: Context, name: str) -> Taken:
    try:
        found = ctx.clients.secretsmanager.describe_secret(SecretId=name)
    except Exception as exc:
        if not_found(exc):
            return None
        raise
    if found.get("Name") != name:
        return None  # a partial-ARN match of another secret, not this name
    if found.get("DeletedDate"):
        return (
            f"a secret of this name is scheduled for deletion (on {found['DeletedDate']}) and "
            "holds the name through its recovery window",
            f"aws secretsmanager delete-secret --secret-id {name} "
            "--force-delete-without-recovery (or restore it, or choose another Name)",
        )
    return (
        f"a secret of this name exists in {ctx.region}",
        "choose another Name, or delete that secret",
    )


NAMED: dict[str, Named] = {
    "AWS::S3::Bucket": Named(BUCKET_NAMES, "BucketName", _bucket),
    "AWS::RDS::DBInstance": Named(DB_IDENTIFIERS, "DBInstanceIdentifier", _db),
    "AWS::ElastiCache::ReplicationGroup": Named(CACHE_GROUP_IDS, "ReplicationGroupId", _cache),
    "AWS::Logs::LogGroup": Named(LOG_GROUP_NAMES, "LogGroupName", _log_group),
    "AWS::SecretsManager::Secret": Named(SECRET_NAMES, "Name", _secret),
}


def wanted(ctx: Context) -> dict[str, list[tuple[str, str, Named]]]:
    """Per check: (logical ID, name, how to probe) of each explicit name the stack does not hold."""
    out: dict[str, list[tuple[str, str, Named]]] = {}
    for rtype, named in NAMED.items():
        for lid, props in ctx.of_type(rtype):
            name: Any = props.get(named.prop)
            if lid in ctx.adoptable:
                continue  # an existing one is imported, not a clash
            if known(name) and not (ctx.owned and ctx.owned.holds(name)):
                out.setdefault(named.check, []).append((lid, str(name), named))
    return out


def check(ctx: Context, report: Report) -> None:
    if ctx.owned is None:
        return  # the stack's own names are unknown: every one would look taken
    for check_name, items in wanted(ctx).items():
        with report.attempt(check_name):
            for lid, name, named in items:
                taken = named.probe(ctx, name)
                report.checked += 1
                if taken is not None:
                    problem, fix = taken
                    report.findings.append(Finding(check_name, f"{lid} {name}", problem, fix))
