"""The RDS-like server the bootstrap job's SQL tests share (one per module and worker), and the
job's first run on it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dbbootstrap import job
from tests.dbbootstrap import rds_like
from tests.support import postgres


@pytest.fixture(scope="module")
def rds() -> Iterator[postgres.Cluster]:
    reason = postgres.unavailable()
    if reason:
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="edu-pg-boot-"))
    try:
        with rds_like.server(root) as cluster:
            yield cluster
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def first_run(rds: postgres.Cluster) -> rds_like.FirstRun:
    app = job.Login(job.APP_ROLE, rds_like.APP_PASSWORD)
    report = job.bootstrap(rds_like.target(rds), rds_like.MASTER, app)
    return rds_like.FirstRun(rds, report, rds_like.snapshot(rds))


@pytest.fixture
def ready(first_run: rds_like.FirstRun) -> postgres.Cluster:
    """The server after the job's first run (every test that changes it starts from here)."""
    return first_run.cluster
