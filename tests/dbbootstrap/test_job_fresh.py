"""A server where the application's database does not exist yet: the job creates it, owned by
the master, and closes it like one RDS created."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from dbbootstrap import job
from tests.dbbootstrap import rds_like
from tests.support import postgres


def test_the_job_creates_a_missing_database_owned_by_the_master() -> None:
    reason = postgres.unavailable()
    if reason:
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="edu-pg-fresh-"))
    try:
        with rds_like.server(root, with_edu=False) as cluster:
            assert "edu" not in rds_like.snapshot(cluster, "postgres")["owners"]
            app = job.Login(job.APP_ROLE, rds_like.APP_PASSWORD)
            report = job.bootstrap(rds_like.target(cluster), rds_like.MASTER, app)
            snap = rds_like.snapshot(cluster)
            again = job.bootstrap(rds_like.target(cluster), rds_like.MASTER, app)
            rds_like.login(cluster, job.APP_ROLE, rds_like.APP_PASSWORD).close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert report.changes[0] == "created database edu"
    assert snap["owners"]["edu"] == rds_like.MASTER.user
    assert snap["databases"]["edu"] == {"eduadmin=CTc/eduadmin", "edu_app=c/eduadmin"}
    assert snap["schemas"]["app"] == (job.APP_ROLE, None)
    assert again.changes == []
