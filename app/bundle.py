"""bundle.zip, what a team's CI uploads to the source bucket, and the check that a bundle (or a
checkout) holds what the pipeline runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from app import zipping

# What the pipeline's buildspecs run from the source, in the order they are checked.
REQUIRED = (
    "app/template.py",
    "app/service/handler.py",
    "app/requirements.txt",
    "deploy.py",
    "generate.py",
    "requirements.txt",
    "buildspecs/build.yml",
    "buildspecs/deploy.yml",
    "buildspecs/plan.yml",
    "buildspecs/execute.yml",
    "buildspecs/health.sh",
    "buildspecs/bootstrap.sh",
    "buildspecs/summary.jq",
    "buildspecs/requirements.lock",
)
# deploy.py and the packages it imports; templates/ because app/template.py reads the contract
# from templates/contract.py, and generate.py (with dbbootstrap/, whose job the template embeds)
# because the Build stage writes the staging platform's template from this same source.
PACKAGES = (
    "app",
    "stackops",
    "gate",
    "cfnmodel",
    "cfn_rules",
    "clikit",
    "templates",
    "dbbootstrap",
    "buildspecs",
)
FILES = ("deploy.py", "generate.py", "pyproject.toml")


def first_missing(root: Path) -> str | None:
    return next((name for name in REQUIRED if not (root / name).is_file()), None)


def entries(root: Path) -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        if (root / package).is_dir():
            yield from zipping.files_under(root, root / package)
    for name in FILES:
        if (root / name).is_file():
            yield name, root / name
    for path in sorted(root.glob("requirements*.txt")):
        yield path.name, path


def build_bundle(root: Path, out: Path) -> str:
    """Write bundle.zip from the checkout at `root`; returns its sha256."""
    return zipping.write(out, entries(root))
