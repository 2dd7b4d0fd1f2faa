"""Placeholder until the job lands: the buildspec of the bootstrap project."""

from __future__ import annotations

import json


def buildspec() -> str:
    return json.dumps({"version": 0.2, "phases": {"build": {"commands": ["true"]}}})
