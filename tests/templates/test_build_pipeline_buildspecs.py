"""The buildspecs the pipeline's projects name: a pinned runtime, only pinned packages, and the
files they run shipped in the bundle."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app.bundle import entries
from tests.support.cfn import resources
from tests.support.paths import ROOT
from tests.support.pipeline import closure, commands, load_buildspec, pins
from tests.support.profiles import PIPELINE_PROFILES

PROFILES = PIPELINE_PROFILES

LOCK = "buildspecs/requirements.lock"
# CodeBuild's Amazon Linux 2023 standard image 5.0 (templates/pipeline.py BUILD_IMAGE) offers
# Python 3.12 (CodeBuild user guide, "Available runtimes").
MIN_PYTHON = (3, 12)


def _buildspecs(template: dict[str, Any]) -> list[str]:
    return sorted(
        {
            p["Properties"]["Source"]["BuildSpec"]
            for p in resources(template, "AWS::CodeBuild::Project").values()
            # The bootstrap job carries its buildspec inline (tests/dbbootstrap).
            if p["Properties"]["Source"]["Type"] == "CODEPIPELINE"
        }
    )


def test_every_project_names_a_buildspec_of_this_repository(template: dict[str, Any]) -> None:
    specs = _buildspecs(template)
    assert specs == [
        "buildspecs/build.yml",
        "buildspecs/deploy.yml",
        "buildspecs/execute.yml",
        "buildspecs/plan.yml",
    ]
    for spec in specs:
        assert load_buildspec(ROOT, spec)["version"] == 0.2


def test_every_buildspec_pins_python_3_12_or_later(template: dict[str, Any]) -> None:
    for spec in _buildspecs(template):
        runtime = load_buildspec(ROOT, spec)["phases"]["install"]["runtime-versions"]
        version = tuple(int(part) for part in str(runtime["python"]).split("."))
        assert version >= MIN_PYTHON, spec


def test_buildspecs_install_only_the_locked_pins_without_resolving(
    template: dict[str, Any],
) -> None:
    for spec in _buildspecs(template):
        installs = [c for c in commands(load_buildspec(ROOT, spec)) if re.search(r"\bpip3?\b", c)]
        assert installs == [f"pip3 install --no-deps -r {LOCK}"], spec


def test_the_lock_pins_exactly_the_closure_of_the_requirements() -> None:
    wanted = pins(ROOT / "requirements.txt")
    locked = pins(ROOT / LOCK)
    assert {name: locked.get(name) for name in wanted} == wanted
    # What the installed copies of the requirements need on CodeBuild (Linux, Python 3.12),
    # transitively: nothing missing, nothing extra, the same versions.
    assert locked == closure(wanted)


def test_pins_refuse_anything_but_an_exact_pin(tmp_path: Path) -> None:
    loose = tmp_path / "loose.txt"
    loose.write_text("boto3>=1.0\n")
    with pytest.raises(ValueError, match="not an exact pin"):
        pins(loose)


def test_the_bundle_carries_every_file_the_buildspecs_run(template: dict[str, Any]) -> None:
    shipped = {name for name, _ in entries(ROOT)}
    text = "\n".join(
        "\n".join(commands(load_buildspec(ROOT, spec))) for spec in _buildspecs(template)
    )
    named = set(re.findall(r"\b(buildspecs/[\w.-]+)", text)) | {"deploy.py", "requirements.txt"}
    assert {"buildspecs/health.sh", "buildspecs/summary.jq", LOCK} <= named
    assert named <= shipped, sorted(named - shipped)
    assert set(_buildspecs(template)) <= shipped


def test_the_bundle_carries_the_scripts_the_deploy_stages_run(template: dict[str, Any]) -> None:
    shipped = {name for name, _ in entries(ROOT)}
    assert {"buildspecs/bootstrap.sh", "buildspecs/health.sh"} <= shipped
    text = "\n".join(
        "\n".join(commands(load_buildspec(ROOT, spec))) for spec in _buildspecs(template)
    )
    assert "bash buildspecs/bootstrap.sh" in text


def test_the_bundle_carries_every_python_script_the_buildspecs_run(
    template: dict[str, Any],
) -> None:
    shipped = {name for name, _ in entries(ROOT)}
    text = "\n".join(
        "\n".join(commands(load_buildspec(ROOT, spec))) for spec in _buildspecs(template)
    )
    scripts = set(re.findall(r"\bpython3 ([\w/]+\.py)\b", text))
    assert {"deploy.py", "generate.py"} <= scripts
    assert scripts <= shipped, sorted(scripts - shipped)
