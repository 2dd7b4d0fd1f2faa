"""A stack's own databases: switching their deletion protection off just before a delete."""

from __future__ import annotations

from typing import Any

from .errors import error_code

INSTANCE = "AWS::RDS::DBInstance"
CLUSTER = "AWS::RDS::DBCluster"
TYPES = (INSTANCE, CLUSTER)
# RDS's answers for a database that is not there (any more).
GONE_CODES = frozenset({"DBInstanceNotFound", "DBClusterNotFoundFault"})


def unprotect(rds: Any, rtype: str, identifier: str) -> bool:
    """Switch deletion protection off on the instance or cluster (its physical ID, which is its
    identifier), at once rather than in the next maintenance window; False when it is gone."""
    try:
        if rtype == CLUSTER:
            rds.modify_db_cluster(
                DBClusterIdentifier=identifier, DeletionProtection=False, ApplyImmediately=True
            )
        else:
            rds.modify_db_instance(
                DBInstanceIdentifier=identifier, DeletionProtection=False, ApplyImmediately=True
            )
    except Exception as exc:
        if error_code(exc) in GONE_CODES:
            return False
        raise
    return True
