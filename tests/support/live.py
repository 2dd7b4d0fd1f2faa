"""What the opt-in live suite (tests/aws) shares: when it runs, and how it runs a tool."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from tests.support.paths import ROOT

NEEDS = "EDU_LIVE_AWS=1 with real credentials and no AWS_ENDPOINT_URL"


def credentials_present() -> bool:
    try:
        import boto3

        return boto3.Session().get_credentials() is not None
    except Exception:  # any problem resolving credentials means: not set up for live runs
        return False


def live_marks(*required_env: str) -> list[Any]:
    """`pytestmark` of a live test module: marked `aws`, skipped unless asked for against a real
    account (never an emulator), and unless each of `required_env` is set."""
    missing = [name for name in required_env if not os.environ.get(name)]
    off = (
        os.environ.get("EDU_LIVE_AWS") != "1"
        or "AWS_ENDPOINT_URL" in os.environ
        or bool(missing)
        or not credentials_present()
    )
    needs = ", ".join([NEEDS, *required_env])
    return [pytest.mark.aws, pytest.mark.skipif(off, reason=f"live AWS test: set {needs}")]


def run_here(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in the checkout, output captured."""
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
