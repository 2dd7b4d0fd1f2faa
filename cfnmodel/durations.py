"""Estimated create time per resource type, read from durations.json (each figure sourced)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DURATIONS_FILE = Path(__file__).resolve().parent / "durations.json"


@dataclass(frozen=True)
class Durations:
    """Estimated create time per resource type, with a stated default for unknown types."""

    seconds: Mapping[str, float]
    default_seconds: float

    def of(self, resource_type: str) -> float:
        return self.seconds.get(resource_type, self.default_seconds)


def load_durations(path: Path = DURATIONS_FILE) -> Durations:
    """Reads the per-type duration table (each figure with its source) from `path`."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Durations(
        seconds={kind: float(entry["seconds"]) for kind, entry in data["types"].items()},
        default_seconds=float(data["default"]["seconds"]),
    )
