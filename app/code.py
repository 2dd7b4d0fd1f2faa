"""code.zip: the health function's code, its pinned dependencies and the RDS CA bundle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from app import zipping
from app.template import CA_BUNDLE_FILE
from clikit import exitcodes

APP = Path(__file__).resolve().parent
REQUIREMENTS = APP / "requirements.txt"
# The bundle of every RDS CA, all regions (RDS user guide, "Using SSL/TLS to encrypt a
# connection to a DB instance").
RDS_CA_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
CA_ENV = "DB_CA_BUNDLE"

# (requirements file, target directory): installs the dependencies into the directory.
Installer = Callable[[Path, Path], None]


class BuildError(Exception):
    """A build step failed; the message is one line for the person running the build."""

    def __init__(self, message: str, exit_code: int = exitcodes.FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def pip_install(requirements: Path, target: Path) -> None:
    """The pinned closure, wheels only, no dependency resolution (every package is pinned) and
    no .pyc files (they would make the zip differ from build to build)."""
    command = [
        *(sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--quiet"),
        *("--no-deps", "--only-binary=:all:", "--no-compile"),
        *("--target", str(target), "-r", str(requirements)),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise BuildError(f"installing {requirements.name} failed: {last}")


def ca_bundle(given: Path | None) -> bytes:
    """The CA bundle: the file given, else the file $DB_CA_BUNDLE names, else RDS's download."""
    path = given or (Path(os.environ[CA_ENV]) if os.environ.get(CA_ENV) else None)
    if path is not None:
        try:
            return path.read_bytes()
        except OSError as exc:
            message = f"CA bundle {path}: {exc.strerror or exc}"
            raise BuildError(message, exitcodes.BAD_INPUT) from exc
    try:
        with urllib.request.urlopen(RDS_CA_URL, timeout=30) as answer:
            data: bytes = answer.read()
    except OSError as exc:
        raise BuildError(f"downloading {RDS_CA_URL} failed: {exc} (or pass --ca-bundle)") from exc
    return data


def service_files() -> list[tuple[str, Path]]:
    """The handler's own modules, under their package path (`app/service/...`)."""
    root = APP.parent
    return [("app/__init__.py", APP / "__init__.py")] + [
        (name, path)
        for name, path in zipping.files_under(root, APP / "service")
        if name.endswith(".py")
    ]


def build_code(out: Path, ca: bytes, install: Installer = pip_install) -> str:
    """Write code.zip to `out`; returns its sha256."""
    with tempfile.TemporaryDirectory(prefix="app-code-") as tmp:
        deps = Path(tmp, "deps")
        deps.mkdir()
        install(REQUIREMENTS, deps)
        shutil.rmtree(deps / "bin", ignore_errors=True)  # console scripts: not importable code
        ca_file = Path(tmp, CA_BUNDLE_FILE)
        ca_file.write_bytes(ca)
        entries = [
            *zipping.files_under(deps, deps),
            *service_files(),
            (CA_BUNDLE_FILE, ca_file),
        ]
        return zipping.write(out, entries)
