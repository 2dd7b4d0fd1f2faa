"""moto's server, in the bench process, and a way to hold a stack in progress.

moto finishes a change set the instant it is executed. To measure how long a deploying tool
takes to notice that a stack has finished, the bench patches the backend's
`execute_change_set`, in this process only: for an armed stack name, the stack is put back to
`*_IN_PROGRESS` after moto applies it, and a timer thread flips it to `*_COMPLETE` (status and
stack event) a fixed delay later. The flip time is recorded with `time.perf_counter()`, the
same clock that times the deploying process's exit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass
class Emulator:
    endpoint: str
    env: dict[str, str]


@contextmanager
def running_emulator(base_env: dict[str, str]) -> Iterator[Emulator]:
    """Starts moto's ThreadedMotoServer on 127.0.0.1 and a free port; env for child tools."""
    import logging

    from moto.server import ThreadedMotoServer

    # One log line per request would drown the bench's own progress lines.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {
        **{k: v for k, v in base_env.items() if not k.startswith("AWS_")},
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        # Never read the user's real configuration or credentials files.
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    try:
        with _no_change_as_in_aws():
            yield Emulator(endpoint=endpoint, env=env)
    finally:
        server.stop()


@contextmanager
def _no_change_as_in_aws() -> Iterator[None]:
    """Makes moto answer an unchanged UPDATE change set the way CloudFormation does.

    moto rejects CreateChangeSet with "No updates are to be performed." when the template text
    and parameters are identical; CloudFormation instead creates the change set and fails it
    with "The submitted information didn't contain changes". The AWS CLI handles only the
    latter, so without this the baseline would crash on the emulator instead of measuring.
    moto's backend already implements the CloudFormation behaviour; this skips the early check.
    """
    from moto.cloudformation.responses import CloudFormationResponse

    original = CloudFormationResponse._validate_different_update
    CloudFormationResponse._validate_different_update = (  # type: ignore[method-assign]
        lambda self, incoming_params, stack_body, old_stack: None
    )
    try:
        yield
    finally:
        CloudFormationResponse._validate_different_update = original  # type: ignore[method-assign]


def cloudformation_backend() -> Any:
    from moto.cloudformation.models import cloudformation_backends

    return cloudformation_backends[ACCOUNT][REGION]


@dataclass
class Holder:
    """Holds armed stacks in progress after execution, and completes them after `delay_s`."""

    armed: dict[str, float] = field(default_factory=dict)
    executed_at: dict[str, float] = field(default_factory=dict)
    flipped_at: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def arm(self, stack_name: str, delay_s: float) -> None:
        with self._lock:
            self.armed[stack_name] = delay_s

    def after_execute(self, backend: Any, change_set_name: str) -> None:
        change_set = backend.describe_change_set(change_set_name)
        stack = backend.stacks[change_set.stack_id]
        with self._lock:
            delay = self.armed.pop(stack.name, None)
        if delay is None:
            return
        kind = change_set.change_set_type  # CREATE | UPDATE
        # moto appended *_COMPLETE and set the status; take both back until the flip.
        if stack.events and stack.events[-1].resource_status == f"{kind}_COMPLETE":
            stack.events.pop()
        stack.status = f"{kind}_IN_PROGRESS"
        self.executed_at[stack.name] = time.perf_counter()
        timer = threading.Timer(delay, self._flip, args=(stack, kind))
        timer.daemon = True
        timer.start()

    def _flip(self, stack: Any, kind: str) -> None:
        stack._add_stack_event(f"{kind}_COMPLETE")
        stack.status = f"{kind}_COMPLETE"
        self.flipped_at[stack.name] = time.perf_counter()


@contextmanager
def holding(holder: Holder) -> Iterator[Holder]:
    """Patches moto's execute_change_set in this process while the context is open."""
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        original(self, change_set_name, stack_name)
        holder.after_execute(self, change_set_name)

    CloudFormationBackend.execute_change_set = execute_change_set  # type: ignore[method-assign]
    try:
        yield holder
    finally:
        CloudFormationBackend.execute_change_set = original  # type: ignore[method-assign]
