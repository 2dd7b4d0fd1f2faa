"""The moto emulator for end-to-end runs of deploy.py: MotoEnv, its environment, a backend patch."""

# tests/e2e/conftest.py turns these into the ``moto_server`` and ``moto_env`` fixtures.
# moto quirk worked around here (never in the product): ExecuteChangeSet does not rebuild a
# stack's Outputs or tags; patch_execute_change_set makes the in-process backend do what AWS does.

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.paths import ROOT

DEPLOY = ROOT / "deploy.py"
REGION = "us-east-1"
ACCOUNT = "123456789012"
FAST_POLL = {"DEPLOY_POLL_MIN": "0.05", "DEPLOY_POLL_MAX": "0.2", "DEPLOY_HEARTBEAT": "1"}


def patch_execute_change_set() -> None:
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


@dataclass
class MotoEnv:
    """One reset emulator: its URL, the environment for subprocesses (fake credentials, fast
    polling, a gate cache of the test's own), boto3 clients, moto's in-process backend for
    injecting states moto never reaches, and deploy() to run deploy.py exactly as shipped."""

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


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def run_template(
    moto_env: MotoEnv,
    tmp_path: Path,
    stack: str,
    command: str,
    template: dict[str, Any],
    *extra: str,
) -> subprocess.CompletedProcess[str]:
    """deploy.py COMMAND on ``template`` written afresh; offline gate skipped, deploy with --yes
    and --require-approval never (a deploy here means to execute, whatever access it widens)."""
    path = write_json(tmp_path / f"template-{len(list(tmp_path.iterdir()))}.json", template)
    args: list[str | Path] = [command, "--stack-name", stack, "--template", path]
    args.append("--skip-validation")
    if command == "deploy":
        args += ["--yes", "--require-approval", "never"]
    return moto_env.deploy(*args, *extra)


@contextmanager
def moto_server() -> Iterator[str]:
    """An in-process moto server's base URL, for the length of the block."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def reset(url: str) -> None:
    """Forget everything the server holds, as a fresh one would."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
