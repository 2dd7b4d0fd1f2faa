"""The bootstrap project's buildspec: valid YAML, job.py's exact bytes, every dependency pinned
by hash (the whole closure of pg8000 and boto3), no secret, under the size cap."""

from __future__ import annotations

import re
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from dbbootstrap import buildspec

PIN = re.compile(r"([a-z0-9-]+)==([0-9a-z.]+) --hash=sha256:[0-9a-f]{64}")


def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(buildspec.buildspec())
    return spec


def _commands(spec: dict[str, Any]) -> list[str]:
    return [c for phase in spec["phases"].values() for c in phase["commands"]]


def _unpacked(tmp_path: Path) -> Path:
    # The buildspec's own write commands, run by a shell into a scratch directory.
    for command in _commands(_spec()):
        if "| base64 -d | gunzip >" in command:
            local = command.replace(buildspec.WORK, str(tmp_path))
            subprocess.run(["sh", "-c", local], check=True, timeout=30)
    return tmp_path


def test_it_parses_as_yaml_and_runs_the_job_on_python_3_12() -> None:
    spec = _spec()
    assert spec["version"] == 0.2
    assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.12"}
    run = spec["phases"]["build"]["commands"]
    assert run == [
        f"CA_BUNDLE={buildspec.WORK}/rds-ca.pem {buildspec.WORK}/venv/bin/python "
        f"{buildspec.WORK}/job.py"
    ]


def test_the_shell_writes_job_py_byte_for_byte(tmp_path: Path) -> None:
    written = _unpacked(tmp_path) / "job.py"
    assert written.read_bytes() == buildspec.JOB_SOURCE.read_bytes()


def test_every_package_is_pinned_with_a_hash_and_the_closure_is_complete(tmp_path: Path) -> None:
    lock = (_unpacked(tmp_path) / "requirements.lock").read_text(encoding="ascii")
    matches = [PIN.fullmatch(line) for line in lock.splitlines()]
    pins = {m.group(1): m.group(2) for m in matches if m}
    assert len(pins) == len(matches) == 10
    install = next(c for c in _commands(_spec()) if " install " in c)
    assert "--require-hashes" in install and "--no-deps" in install
    # What pip would have pulled in: the dependencies of pg8000 and boto3, without extras, as
    # installed here (the same pins as requirements.txt and app/requirements.txt).
    todo, closure = ["pg8000", "boto3"], set()
    while todo:
        name = todo.pop()
        if name in closure:
            continue
        closure.add(name)
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name.lower())
    assert set(pins) == closure
    assert {name: metadata.version(name) for name in closure} == pins


def test_it_holds_no_secret_and_fetches_the_ca_over_https() -> None:
    spec = _spec()
    # No env section: no secrets-manager or parameter-store reference, no value; the job
    # reads both secrets itself. The project passes ARNs and the database name only.
    assert set(spec) == {"version", "phases"}
    assert buildspec.JOB_ENV == ("MASTER_SECRET_ARN", "APP_SECRET_ARN", "DB_NAME")
    text = buildspec.buildspec()
    assert "get-secret-value" not in text and "password" not in text.lower()
    fetch = next(c for c in _commands(spec) if c.startswith("curl "))
    assert "--proto =https" in fetch and fetch.endswith(buildspec.CA_BUNDLE_URL)
    assert buildspec.CA_BUNDLE_URL.startswith("https://truststore.pki.rds.amazonaws.com/")


def test_it_stays_under_the_size_cap() -> None:
    assert buildspec.MAX_CHARS == 12_000
    assert len(buildspec.buildspec()) <= buildspec.MAX_CHARS


def test_a_buildspec_over_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(buildspec, "MAX_CHARS", len(buildspec.buildspec()) - 1)
    with pytest.raises(ValueError, match="characters, over"):
        buildspec.buildspec()
