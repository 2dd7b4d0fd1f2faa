"""What every command works with: AWS clients, the console, the polling cadence, clock and sleep."""

# Clock and sleep are passed in so that stubbed tests need no real waits.

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .aws.clients import Clients
from .follow.polling import Poll
from .render import Console


@dataclass
class Session:
    clients: Clients
    console: Console
    poll: Poll
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    @property
    def cfn(self) -> Any:
        return self.clients.cfn

    @property
    def region(self) -> str:
        return self.clients.region

    def warn(self, message: str) -> None:
        self.console.info(f"warning: {message}")

    def since(self, started: float) -> float:
        return self.clock() - started
