"""Polling cadence: starts at 1-2 s, backs off to at most 4 s; tunable so tests run fast."""

from __future__ import annotations

import os
from dataclasses import dataclass

ENV_MIN = "DEPLOY_POLL_MIN"
ENV_MAX = "DEPLOY_POLL_MAX"
ENV_HEARTBEAT = "DEPLOY_HEARTBEAT"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Poll:
    minimum: float = 1.5
    # 4 s, not 10: a stack that finishes mid-interval is seen ~2 s later on average (< 3 s
    # median latency after completion), at ≤ 1 DescribeStackEvents + DescribeStacks pair per 4 s.
    maximum: float = 4.0
    heartbeat: float = 30.0
    factor: float = 1.5

    def next(self, delay: float) -> float:
        return min(self.maximum, max(self.minimum, delay * self.factor))

    @classmethod
    def from_env(cls) -> Poll:
        minimum = _env_float(ENV_MIN, cls.minimum)
        maximum = max(minimum, _env_float(ENV_MAX, cls.maximum))
        return cls(minimum=minimum, maximum=maximum, heartbeat=_env_float(ENV_HEARTBEAT, 30.0))
