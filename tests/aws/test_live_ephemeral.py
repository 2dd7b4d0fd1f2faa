"""The real template against a real AWS account: create, no-op, delete, nothing left behind.

moto proves nothing about the template (it skips Secrets Manager, ElastiCache, CodeBuild,
CodePipeline, bucket policies and alarms, and resolves no dynamic references), so this is the
only test that shows the stack really deploys. It costs money (RDS, ElastiCache, NAT gateways for
about 30 minutes), so it runs only when asked:

    EDU_LIVE_AWS=1 AWS_PROFILE=sandbox .venv/bin/python -m pytest tests/aws -m aws -v

It never runs against an emulator (AWS_ENDPOINT_URL must be unset) and always uses the
ephemeral profile, whose delete leaves nothing behind.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from templates.contract import CONTRACT_KEYS
from tests.support.live import live_marks, run_here

pytestmark = live_marks()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_here(*args, timeout=3600)


@pytest.fixture(scope="module")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    suffix = f"ci{secrets.token_hex(3)}"
    stack = f"edu-live-{suffix}"
    template = tmp_path_factory.mktemp("live") / "template.json"
    built = _run("generate.py", "--profile", "ephemeral", "--output", str(template))
    assert built.returncode == 0, built.stderr
    yield stack, template, suffix
    # Always clean up, even when an assertion above failed half-way.
    _run("deploy.py", "delete", "--stack-name", stack, "--yes")


def test_create_noop_and_delete_leave_nothing_behind(live_stack: tuple[str, Path, str]) -> None:
    import boto3

    stack, template, suffix = live_stack
    common = ["--stack-name", stack, "--template", str(template), "--yes", "--output", "json"]
    # The template creates IAM roles and security groups: this run means to execute them.
    common += ["--require-approval", "never"]
    # The profile's defaults otherwise (Multi-AZ included), so the stack is the one the Control
    # Tower controls were checked on, and an account that enforces them as hooks accepts it.
    params = ["--parameter", f"EnvironmentSuffix={suffix}", "--parameter", "CacheNodeCount=1"]

    created = _run("deploy.py", "deploy", *common, *params)
    assert created.returncode == 0, created.stderr
    body = json.loads(created.stdout)
    assert body["status"] == "CREATE_COMPLETE"
    assert body["outputs"]["DbEndpoint"] and body["outputs"]["CacheEndpoint"]
    assert all("password" not in v.lower() for v in body["outputs"].values())

    _assert_audit_trail_and_private_paths(suffix)
    _assert_contract(suffix, body["outputs"])

    again = _run("deploy.py", "deploy", *common, *params)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["operation"] == "noop"

    buckets = [v for k, v in body["outputs"].items() if k.endswith("BucketName")]
    deleted = _run("deploy.py", "delete", "--stack-name", stack, "--yes")
    assert deleted.returncode == 0, deleted.stderr
    s3 = boto3.client("s3")
    left = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"] in buckets]
    assert left == [], f"buckets left behind: {left}"
    groups = boto3.client("logs").describe_log_groups(logGroupNamePrefix="/aws/")["logGroups"]
    stale = [g["logGroupName"] for g in groups if f"-{suffix}/" in g["logGroupName"]]
    assert stale == [], f"log groups left behind: {stale}"
    assert _contract_parameters(suffix) == {}, "contract parameters left behind"


def _contract_parameters(suffix: str) -> dict[str, dict[str, str]]:
    """Name -> the parameter, for everything under `/edu/<suffix>/`."""
    import boto3

    pages = boto3.client("ssm").get_paginator("get_parameters_by_path")
    return {
        p["Name"]: p
        for page in pages.paginate(Path=f"/edu/{suffix}/", Recursive=True)
        for p in page["Parameters"]
    }


def _assert_contract(suffix: str, outputs: dict[str, str]) -> None:
    """The contract an application reads: every key, with its type, holding the platform's own
    values (the same as the outputs that publish them too)."""
    found = _contract_parameters(suffix)
    assert {name: p["Type"] for name, p in found.items()} == {
        k.path(suffix): k.ssm_type for k in CONTRACT_KEYS
    }
    value = {name.rsplit("/", 1)[-1]: p["Value"] for name, p in found.items()}
    assert value["vpc-id"] == outputs["VpcId"]
    assert value["db-endpoint"] == outputs["DbEndpoint"]
    assert value["cache-endpoint"] == outputs["CacheEndpoint"]
    assert value["boundary-arn"] == outputs["AppPermissionsBoundaryArn"]


def _assert_audit_trail_and_private_paths(suffix: str) -> None:
    """What moto cannot show: the audit trail, RBAC, and the interface endpoints, as deployed."""
    import boto3

    rds = boto3.client("rds")
    (db,) = rds.describe_db_instances(DBInstanceIdentifier=f"edu-db-{suffix}")["DBInstances"]
    assert sorted(db["EnabledCloudwatchLogsExports"]) == ["postgresql", "upgrade"]
    assert db["DeletionProtection"] is True and db["MultiAZ"] is True
    assert db["Endpoint"]["Port"] == 5433
    group = db["DBParameterGroups"][0]["DBParameterGroupName"]
    pages = rds.get_paginator("describe_db_parameters").paginate(DBParameterGroupName=group)
    values = {
        p["ParameterName"]: p.get("ParameterValue") for page in pages for p in page["Parameters"]
    }
    assert "pgaudit" in (values["shared_preload_libraries"] or "")
    assert (values["pgaudit.log"], values["log_connections"]) == ("role,ddl", "1")

    cache = boto3.client("elasticache").describe_replication_groups(
        ReplicationGroupId=f"edu-cache-{suffix}"
    )["ReplicationGroups"][0]
    assert cache["UserGroupIds"] == [f"edu-cache-users-{suffix}"]
    assert cache["AuthTokenEnabled"] is False
    kinds = {c["LogType"] for c in cache["LogDeliveryConfigurations"]}
    assert kinds == {"slow-log", "engine-log"}

    ec2 = boto3.client("ec2")
    vpc_id = db["DBSubnetGroup"]["VpcId"]
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    interface = {
        e["ServiceName"].rsplit(".", 1)[-1]
        for e in endpoints["VpcEndpoints"]
        if e["VpcEndpointType"] == "Interface" and e["PrivateDnsEnabled"]
    }
    assert interface == {"secretsmanager", "kms", "logs", "sts"}
