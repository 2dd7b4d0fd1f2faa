"""stackops.aws.databases: switching deletion protection off, on an instance or a cluster.

botocore's Stubber, not moto: the Stubber checks each request against RDS's service model and
fails on any call not expected, which is what these tests are about (the exact request, and no
other call). tests/e2e/test_cli_delete.py runs the same step on moto's server.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from stackops.aws import databases


@pytest.fixture
def rds() -> Any:
    return boto3.client(
        "rds", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def test_an_instance_is_unprotected_at_once(rds: Any) -> None:
    with Stubber(rds) as stub:
        expected = {
            "DBInstanceIdentifier": "edu-db-ci",
            "DeletionProtection": False,
            "ApplyImmediately": True,
        }
        stub.add_response("modify_db_instance", {}, expected)
        assert databases.unprotect(rds, databases.INSTANCE, "edu-db-ci") is True
        stub.assert_no_pending_responses()


def test_a_cluster_is_unprotected_through_the_cluster_call(rds: Any) -> None:
    with Stubber(rds) as stub:
        expected = {
            "DBClusterIdentifier": "edu-cluster-ci",
            "DeletionProtection": False,
            "ApplyImmediately": True,
        }
        stub.add_response("modify_db_cluster", {}, expected)
        assert databases.unprotect(rds, databases.CLUSTER, "edu-cluster-ci") is True
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("rtype", "operation", "code"),
    [
        (databases.INSTANCE, "modify_db_instance", "DBInstanceNotFound"),
        (databases.CLUSTER, "modify_db_cluster", "DBClusterNotFoundFault"),
    ],
)
def test_a_database_already_gone_needs_nothing(
    rds: Any, rtype: str, operation: str, code: str
) -> None:
    with Stubber(rds) as stub:
        stub.add_client_error(operation, code, "not found", 404)
        assert databases.unprotect(rds, rtype, "edu-db-ci") is False


def test_a_refused_call_is_passed_on(rds: Any) -> None:
    with Stubber(rds) as stub:
        stub.add_client_error("modify_db_instance", "AccessDenied", "no rds:ModifyDBInstance", 403)
        with pytest.raises(ClientError, match="AccessDenied"):
            databases.unprotect(rds, databases.INSTANCE, "edu-db-ci")
