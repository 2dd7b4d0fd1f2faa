"""boto3 clients with bounded timeouts."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Bounded so that an endpoint that never answers fails in under 30 s: botocore makes at most
# MAX_ATTEMPTS attempts of CONNECT_TIMEOUT (or READ_TIMEOUT once connected) each, with backoff
# of at most 1 + 2 + 4 s between them (23 s worst case). CloudFormation, S3 and RDS calls answer in
# about a second; the read timeout bounds the wait between bytes, not a whole upload.
CONNECT_TIMEOUT = 4
READ_TIMEOUT = 4
MAX_ATTEMPTS = 4


class LazyClient:
    """A boto3 client made on first use: only `delete` calls RDS, and making the client reads
    its service model (about 40 ms) on every command otherwise."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = self._make()
        return getattr(self._client, name)


@dataclass
class Clients:
    cfn: Any
    s3: Any
    rds: Any
    sts: Any
    region: str
    # The account preflight's clients: made on first use, so a template with nothing to check
    # (and every other command) never builds them.
    secretsmanager: Any = None
    ssm: Any = None
    ec2: Any = None
    quotas: Any = None
    logs: Any = None
    elasticache: Any = None
    # delete's check of the stack's policies still in use as permissions boundaries.
    iam: Any = None


def endpoint(explicit: str | None) -> str | None:
    return explicit or os.environ.get("AWS_ENDPOINT_URL") or None


def make_clients(region: str | None, endpoint_url: str | None) -> Clients:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
    )
    session = boto3.session.Session(region_name=region)
    resolved = session.region_name or "us-east-1"
    url = endpoint(endpoint_url)
    kwargs: dict[str, Any] = {"config": config, "region_name": resolved}
    if url:
        kwargs["endpoint_url"] = url
    return Clients(
        cfn=session.client("cloudformation", **kwargs),
        s3=session.client("s3", **kwargs),
        rds=LazyClient(lambda: session.client("rds", **kwargs)),
        sts=session.client("sts", **kwargs),
        region=resolved,
        **_preflight_clients(session, kwargs),
    )


def _preflight_clients(session: Any, kwargs: dict[str, Any]) -> dict[str, LazyClient]:
    services = {
        "secretsmanager": "secretsmanager",
        "ssm": "ssm",
        "ec2": "ec2",
        "quotas": "service-quotas",
        "logs": "logs",
        "elasticache": "elasticache",
        "iam": "iam",
    }

    def maker(service: str) -> Callable[[], Any]:
        return lambda: session.client(service, **kwargs)

    return {name: LazyClient(maker(service)) for name, service in services.items()}
