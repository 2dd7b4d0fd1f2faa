"""Shared fixtures: the generated template of each profile, built once per session."""

from __future__ import annotations

import json
from typing import Any

import pytest

PROFILE_NAMES = ("production", "ephemeral")


@pytest.fixture(scope="session")
def built_templates() -> dict[str, dict[str, Any]]:
    from templates import build_template

    # Round-trip through JSON so tests see exactly what generate.py writes.
    return {p: json.loads(build_template(p).to_json()) for p in PROFILE_NAMES}


@pytest.fixture(params=PROFILE_NAMES)
def profile(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def template(built_templates: dict[str, dict[str, Any]], profile: str) -> dict[str, Any]:
    return built_templates[profile]


@pytest.fixture
def production(built_templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return built_templates["production"]


@pytest.fixture
def ephemeral(built_templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return built_templates["ephemeral"]
