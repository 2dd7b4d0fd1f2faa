"""`python -m app.build`: template writes a deterministic code.zip, params prints the parameter
file deploy.py reads, check names the first missing file, bundle writes bundle.zip."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from app import build, bundle, code, zipping
from templates.contract import CONTRACT_KEYS


def fake_install(requirements: Path, target: Path) -> None:
    """Stands in for pip (offline): one package per pinned line, and a console script."""
    for line in requirements.read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name = line.split("==")[0].replace("-", "_")
            (target / name).mkdir()
            (target / name / "__init__.py").write_text(f"# {line}\n")
    (target / "bin").mkdir()
    (target / "bin" / "tool").write_text("#!/bin/sh\n")


def build_into(out: Path, ca: Path) -> int:
    return build.main(["template", "--out", str(out), "--ca-bundle", str(ca)], fake_install)


@pytest.fixture
def ca(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n")
    return path


def test_template_writes_the_template_the_code_and_its_digest(tmp_path: Path, ca: Path) -> None:
    out = tmp_path / "out"
    assert build_into(out, ca) == 0
    assert json.loads((out / "template.json").read_text())["Resources"]
    names = zipfile.ZipFile(out / "code.zip").namelist()
    assert "app/service/handler.py" in names
    assert "pg8000/__init__.py" in names and "redis/__init__.py" in names
    assert zipfile.ZipFile(out / "code.zip").read("rds-global-bundle.pem") == ca.read_bytes()
    assert not [n for n in names if n.startswith("bin/") or "__pycache__" in n]
    assert "app/template.py" not in names  # the function ships its service only
    digest = zipping.sha256(out / "code.zip")
    assert (out / "code.sha256").read_text() == f"{digest}  code.zip\n"


def test_two_builds_give_the_same_bytes(tmp_path: Path, ca: Path) -> None:
    assert build_into(tmp_path / "one", ca) == 0
    assert build_into(tmp_path / "two", ca) == 0
    one, two = ((tmp_path / d / "code.sha256").read_text() for d in ("one", "two"))
    assert one == two
    ca.write_text("another CA\n")
    assert build_into(tmp_path / "three", ca) == 0
    assert (tmp_path / "three" / "code.sha256").read_text() != one


def test_a_missing_ca_bundle_is_one_line_and_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build_into(tmp_path / "out", tmp_path / "absent.pem") == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "absent.pem" in err
    assert not (tmp_path / "out" / "code.zip").exists()


def test_the_ca_bundle_can_come_from_the_environment(
    tmp_path: Path, ca: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_CA_BUNDLE", str(ca))
    assert build.main(["template", "--out", str(tmp_path / "out")], fake_install) == 0
    assert zipfile.ZipFile(tmp_path / "out" / "code.zip").read("rds-global-bundle.pem") == (
        ca.read_bytes()
    )


def test_a_failing_install_is_one_line_and_exit_1(
    tmp_path: Path, ca: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(requirements: Path, target: Path) -> None:
        raise code.BuildError("installing requirements.txt failed: no network")

    args = ["template", "--out", str(tmp_path / "out"), "--ca-bundle", str(ca)]
    assert build.main(args, broken) == 1
    assert capsys.readouterr().err == "error: installing requirements.txt failed: no network\n"


def test_params_prints_each_contract_path_and_the_code_location(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["params", "--suffix", "dev-2", "--code-bucket", "b-1", "--code-key", "x/code.zip"]
    assert build.main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    assert list(printed) == ["Parameters"]
    values = printed["Parameters"]
    assert values.pop("CodeBucket") == "b-1" and values.pop("CodeKey") == "x/code.zip"
    assert values == {k.camel: f"/edu/dev-2/{k.key}" for k in CONTRACT_KEYS}


@pytest.mark.parametrize(
    "argv",
    [
        ["params", "--suffix", "Dev", "--code-bucket", "b", "--code-key", "k"],
        ["params", "--suffix", "x" * 17, "--code-bucket", "b", "--code-key", "k"],
        ["params", "--suffix", "dev", "--code-bucket", "", "--code-key", "k"],
        ["params", "--suffix", "dev"],
        ["nonsense"],
    ],
)
def test_a_users_mistake_is_one_line_and_exit_4(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        raise SystemExit(build.main(argv))
    assert stop.value.code == 4
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1


def test_check_names_the_first_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in bundle.REQUIRED:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n")
    assert build.main(["check", str(tmp_path)]) == 0
    (tmp_path / "deploy.py").unlink()
    (tmp_path / "buildspecs" / "deploy.yml").unlink()
    assert build.main(["check", str(tmp_path)]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "deploy.py" in err and "buildspecs" not in err


def test_bundle_holds_what_the_pipeline_runs_and_is_deterministic(tmp_path: Path) -> None:
    assert build.main(["bundle", "--out", str(tmp_path / "a.zip")]) == 0
    assert build.main(["bundle", "--out", str(tmp_path / "b.zip")]) == 0
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        names = archive.namelist()
        archive.extractall(unpacked)
    assert build.main(["check", str(unpacked)]) == 0
    for package in ("stackops", "gate", "cfnmodel", "cfn_rules", "clikit", "templates"):
        assert f"{package}/__init__.py" in names
    assert "templates/contract.py" in names and "pyproject.toml" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith(("tests/", ".venv"))]
