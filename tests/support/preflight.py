"""The account preflight's tests: a moto server of their own, sessions on it or on stubbed
clients, and small templates with the names, references, keys and networks the checks read."""

from __future__ import annotations

import io
from typing import Any

import boto3

from stackops.aws.clients import Clients, make_clients
from stackops.follow.polling import Poll
from stackops.inputs import Inputs
from stackops.render import Console
from stackops.request import Request
from stackops.session import Session

REGION = "us-east-1"
ACCOUNT = "123456789012"
FAST = Poll(minimum=0.001, maximum=0.002, heartbeat=30)
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


def client(url: str, name: str) -> Any:
    return boto3.client(
        name,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def moto_session(url: str) -> tuple[Session, io.StringIO]:
    """A session whose clients (made as deploy.py makes them) talk to the moto server."""
    err = io.StringIO()
    return Session(make_clients(REGION, url), Console(err, None), FAST), err


def stubbed_session(**clients: Any) -> tuple[Session, io.StringIO]:
    """A session on the given (stubbed) clients; every other client is None."""
    err = io.StringIO()
    made = Clients(
        cfn=clients.pop("cfn", None),
        s3=clients.pop("s3", None),
        rds=clients.pop("rds", None),
        sts=clients.pop("sts", None),
        region=REGION,
        **clients,
    )
    return Session(made, Console(err, None), FAST), err


def stub_client(name: str) -> Any:
    """A client for botocore's Stubber: fake credentials, never a network call."""
    return boto3.client(name, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


def request(
    template: dict[str, Any], parameters: dict[str, str] | None = None, **kw: Any
) -> Request:
    return Request("edu", template, Inputs(dict(parameters or {}), {}), **kw)


def with_resources(**resources: dict[str, Any]) -> dict[str, Any]:
    """A template of these resources and one string parameter, Env (default "dev")."""
    return {
        "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
        "Resources": dict(resources),
    }


def resource(rtype: str, **props: Any) -> dict[str, Any]:
    return {"Type": rtype, "Properties": props}


def key_policy(*principals: Any, action: str = "kms:*", effect: str = "Allow") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": effect,
                "Principal": {"AWS": list(principals)},
                "Action": action,
                "Resource": "*",
            }
        ],
    }
