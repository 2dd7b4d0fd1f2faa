"""buildspecs/bootstrap.sh: starts a platform's bootstrap job, waits for it, and fails the stage
with one line naming the build and its status unless it succeeded; the wait is bounded."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import ROOT

SCRIPT = ROOT / "buildspecs" / "bootstrap.sh"
PROJECT = "edu-db-bootstrap-prod"
BUILD = f"{PROJECT}:0f1e2d3c"


def _fake_aws(home: Path, statuses: list[str]) -> Path:
    """An `aws` on PATH that answers start-build with BUILD and each batch-get-builds with the
    next status; every call is appended to calls.txt."""
    (home / "statuses").write_text("\n".join(statuses) + "\n")
    aws = home / "aws"
    aws.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$*" >> "{home}/calls.txt"\n'
        'case "$2" in\n'
        f"  start-build) echo {BUILD} ;;\n"
        f'  batch-get-builds) head -n1 "{home}/statuses"; sed -i 1d "{home}/statuses" ;;\n'
        "esac\n"
    )
    aws.chmod(0o755)
    return home


def _run(home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), PROJECT],
        env={
            "PATH": f"{home}{os.pathsep}{os.environ['PATH']}",
            "BOOTSTRAP_POLL_SECONDS": "0",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_it_waits_until_the_build_succeeds(tmp_path: Path) -> None:
    home = _fake_aws(tmp_path, ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"])
    done = _run(home)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"bootstrap succeeded: {BUILD}"
    calls = (home / "calls.txt").read_text().splitlines()
    assert calls[0].startswith(f"codebuild start-build --project-name {PROJECT}")
    assert len([c for c in calls if c.startswith("codebuild batch-get-builds")]) == 3


@pytest.mark.parametrize("status", ["FAILED", "FAULT", "STOPPED", "TIMED_OUT"])
def test_any_other_end_fails_with_one_line_naming_the_build(tmp_path: Path, status: str) -> None:
    done = _run(_fake_aws(tmp_path, ["IN_PROGRESS", status]))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"error: bootstrap {BUILD} ended {status}"]


def test_the_wait_is_bounded(tmp_path: Path) -> None:
    done = _run(_fake_aws(tmp_path, ["IN_PROGRESS"] * 50), BOOTSTRAP_WAIT_SECONDS="0")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"error: bootstrap {BUILD} still IN_PROGRESS after 0s"]


def test_offline_it_says_the_job_was_not_started_and_calls_nothing(tmp_path: Path) -> None:
    home = _fake_aws(tmp_path, ["SUCCEEDED"])
    done = _run(home, EDU_PIPELINE_OFFLINE="1")
    assert done.returncode == 0
    assert done.stdout == f"bootstrap not started (EDU_PIPELINE_OFFLINE): {PROJECT}\n"
    assert not (home / "calls.txt").exists()
