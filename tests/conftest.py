"""Shared fixtures: the generated template of each profile, built once per session."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.profiles import PROFILE_NAMES, PROFILE_STAGES


def _parametrizes(metafunc: pytest.Metafunc, argument: str) -> bool:
    """A test that lists its own values (`@pytest.mark.parametrize("profile", ...)`)."""
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if argument in (names.replace(" ", "").split(",") if isinstance(names, str) else names):
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`profile` runs over the module's PROFILES (default: all); with `stage`, in pairs."""
    if "profile" not in metafunc.fixturenames or _parametrizes(metafunc, "profile"):
        return
    names = getattr(metafunc.module, "PROFILES", PROFILE_NAMES)
    if "stage" in metafunc.fixturenames and not _parametrizes(metafunc, "stage"):
        pairs = [(name, PROFILE_STAGES[name]) for name in names]
        metafunc.parametrize(("profile", "stage"), pairs, ids=[f"{p}-{s}" for p, s in pairs])
    else:
        metafunc.parametrize("profile", names, ids=list(names))


@pytest.fixture(scope="session")
def built_templates() -> dict[str, dict[str, Any]]:
    from templates import build_template

    # Round-trip through JSON so tests see exactly what generate.py writes.
    return {p: json.loads(build_template(p).to_json()) for p in PROFILE_NAMES}


@pytest.fixture
def template(built_templates: dict[str, dict[str, Any]], profile: str) -> dict[str, Any]:
    return built_templates[profile]


@pytest.fixture
def production(built_templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return built_templates["production"]


@pytest.fixture
def staging(built_templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return built_templates["staging"]


@pytest.fixture
def ephemeral(built_templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return built_templates["ephemeral"]
