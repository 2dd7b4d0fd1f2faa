"""The moto fixtures for deploy.py tests (reused by the safety and bench tests).

- ``moto_server`` (session scope, one per xdist worker): an in-process
  ``moto.server.ThreadedMotoServer`` on 127.0.0.1 and a free port. Yields its base URL (str).
- ``moto_env`` (function scope): resets the emulator (``POST /moto-api/reset``) and yields a
  :class:`MotoEnv`:
    - ``url``: the endpoint; ``region`` ("us-east-1"); ``account`` ("123456789012");
    - ``env``: environment for subprocesses: AWS_ENDPOINT_URL, fake credentials
      (AWS_ACCESS_KEY_ID/SECRET = testing), AWS_DEFAULT_REGION, no profile or config files,
      fast polling (DEPLOY_POLL_MIN=0.05, DEPLOY_POLL_MAX=0.2, DEPLOY_HEARTBEAT=1);
      the offline gate's result cache in a directory of this test's own (DEPLOY_GATE_CACHE);
    - ``client(name)``: a boto3 client on the emulator;
    - ``backend()``: moto's in-process CloudFormation backend, to inject stack states and
      failed events that moto never produces itself;
    - ``deploy(*args, **kw)``: runs ``python deploy.py ARGS`` exactly as shipped, returns the
      CompletedProcess (text mode, stdout/stderr captured).

moto quirk worked around here (never in the product): ExecuteChangeSet does not rebuild a
stack's Outputs or tags; the session fixture patches the in-process backend to do what AWS does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy.py"
REGION = "us-east-1"
ACCOUNT = "123456789012"
FAST_POLL = {"DEPLOY_POLL_MIN": "0.05", "DEPLOY_POLL_MAX": "0.2", "DEPLOY_HEARTBEAT": "1"}


def _patch_execute_change_set() -> None:
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set
    if getattr(original, "_refreshes_outputs", False):
        return

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        original(self, change_set_name, stack_name)
        change_set = self.change_sets.get(change_set_name)
        if change_set is None:
            change_set = next(
                c for c in self.change_sets.values() if c.change_set_name == change_set_name
            )
        stack = self.stacks[change_set.stack_id]
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        if change_set.tags is not None:
            stack.tags = dict(change_set.tags)
        stack.output_map = stack._create_output_map()

    execute_change_set._refreshes_outputs = True  # type: ignore[attr-defined]
    CloudFormationBackend.execute_change_set = execute_change_set  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """Base URL of an in-process moto server for this worker (see the module docstring)."""
    from moto.server import ThreadedMotoServer

    _patch_execute_change_set()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class MotoEnv:
    url: str
    env: dict[str, str]
    region: str = REGION
    account: str = ACCOUNT

    def client(self, name: str) -> Any:
        import boto3

        return boto3.client(
            name,
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def backend(self) -> Any:
        from moto.cloudformation.models import cloudformation_backends

        return cloudformation_backends[self.account][self.region]

    def stack(self, name: str) -> Any:
        """moto's Stack object for a live stack name."""
        return self.backend().get_stack(name)

    def deploy(
        self,
        *args: str | Path,
        input: str | None = None,
        timeout: float = 90,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(DEPLOY), *map(str, args)],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**self.env, **(env or {})},
            cwd=ROOT,
        )


def subprocess_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "PYTHONUNBUFFERED": "1",
            # Never the user's gate cache; moto_env gives each test a cache of its own.
            "DEPLOY_GATE_CACHE": "off",
            **FAST_POLL,
        }
    )
    return env


@pytest.fixture
def moto_env(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> MotoEnv:
    """A freshly reset emulator and helpers around it (see the module docstring)."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    env = subprocess_env(moto_server)
    # The offline gate's result cache lives for one test: runs within a test share it as a
    # user's runs would, and no test is answered from another's (or the user's) results.
    env["DEPLOY_GATE_CACHE"] = str(tmp_path_factory.mktemp("gate-cache"))
    # In-process clients (Stubber-free unit tests on the emulator) see the same fake account.
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return MotoEnv(url=moto_server, env=env)


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path
