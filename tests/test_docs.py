"""The README stays a short front door and the docs it links to stay reachable.

A newcomer reads the README first: it must fit in one sitting, start with the two commands that
work on a fresh machine, and every relative link in it or in docs/ must lead to a file that
exists, since a moved file otherwise leaves a dead link nobody notices.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
README_LIMIT_BYTES = 10_240
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, ...
OWNER_MARKER = re.compile(r"owner:", re.IGNORECASE)


def _documents() -> list[Path]:
    docs = sorted((ROOT / "docs").glob("*.md"))
    assert docs, "docs/*.md is missing"
    return [README, *docs]


def _relative_links(text: str) -> list[str]:
    targets = [m.group(1) for m in LINK.finditer(text)]
    return [t for t in targets if not EXTERNAL.match(t) and not t.startswith("#")]


def test_readme_is_at_most_10_kib() -> None:
    size = len(README.read_bytes())
    assert size <= README_LIMIT_BYTES, f"README.md is {size} bytes; move detail into docs/"


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first = FENCE.search(text)
    assert first, "README.md has no fenced code block"
    assert "##" not in text[: first.start()], "the commands come before the first section"
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines()]
    assert "make template" in commands
    assert "make test" in commands


def test_readme_links_every_doc() -> None:
    linked = {Path(t.split("#")[0]).name for t in _relative_links(README.read_text("utf-8"))}
    docs = {p.name for p in _documents()[1:]}
    assert docs <= linked, f"README.md does not link {sorted(docs - linked)}"


@pytest.mark.parametrize("document", _documents(), ids=lambda p: p.name)
def test_relative_links_lead_to_files_that_exist(document: Path) -> None:
    links = _relative_links(document.read_text(encoding="utf-8"))
    dead = [t for t in links if not (document.parent / t.split("#")[0]).exists()]
    assert not dead, f"{document.relative_to(ROOT)}: dead links {dead}"


@pytest.mark.parametrize("document", _documents(), ids=lambda p: p.name)
def test_no_ownership_markers(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    assert not OWNER_MARKER.search(text), f"{document.relative_to(ROOT)} names an owner"
    assert "<!-- SECTION:" not in text
