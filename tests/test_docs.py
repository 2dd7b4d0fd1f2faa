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


# -- docs/deploy.md against the code: every flag, every module, every anchor -----------------

DEPLOY_DOC = ROOT / "docs" / "deploy.md"
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z-]*)(?: \{([^}]+)\})?")
HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)
ANCHORED = re.compile(r"\]\(([^)\s#]*)#([^)\s]+)\)")


def _deploy_help(*argv: str) -> str:
    import contextlib
    import io

    import deploy

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        deploy.build_parser().parse_args([*argv, "--help"])
    return out.getvalue()


def _commands() -> list[str]:
    listing = _deploy_help().split("positional arguments:", 1)[1].split("options:", 1)[0]
    return re.findall(r"^    ([a-z]+)\b", listing, re.MULTILINE)


def _synopsis() -> str:
    first = FENCE.search(DEPLOY_DOC.read_text(encoding="utf-8"))
    assert first, "docs/deploy.md has no synopsis block"
    return first.group(1)


def test_the_help_lists_the_commands() -> None:
    assert {"plan", "deploy", "status", "delete", "rollback", "validate"} <= set(_commands())


@pytest.mark.parametrize("command", _commands())
def test_every_flag_of_every_command_is_in_the_synopsis(command: str) -> None:
    usage = _deploy_help(command).split("options:", 1)[0]
    synopsis = _synopsis()
    assert f"python deploy.py {command} " in synopsis
    flags = {m.group(1): m.group(2) for m in FLAG.finditer(usage)}
    assert flags, usage
    missing = [f for f in flags if f != "--help" and not re.search(rf"{f}(?![\w-])", synopsis)]
    assert not missing, f"deploy.py {command}: {missing} not in docs/deploy.md's synopsis"
    for flag, choices in flags.items():
        if choices:
            spelled = f"{flag} {choices.replace(',', '|')}"
            assert spelled in synopsis, f"docs/deploy.md's synopsis lacks {spelled}"


def test_the_map_names_every_stackops_module() -> None:
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    opening = text[: text.index("```")]
    package = ROOT / "stackops"
    names = {f"`{p.name}/`" for p in package.iterdir() if (p / "__init__.py").exists()}
    names |= {f"`{p.stem}`" for p in package.rglob("*.py") if p.stem != "__init__"}
    missing = sorted(n for n in names if n not in opening)
    assert not missing, f"docs/deploy.md's map of stackops/ lacks {missing}"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    kept = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return kept.replace(" ", "-")


@pytest.mark.parametrize("document", _documents(), ids=lambda p: p.name)
def test_anchors_lead_to_headings(document: Path) -> None:
    dead = []
    for target, anchor in ANCHORED.findall(document.read_text(encoding="utf-8")):
        if EXTERNAL.match(target):
            continue
        linked = (document.parent / target) if target else document
        if linked.suffix != ".md":
            continue
        slugs = {_slug(h) for h in HEADING.findall(linked.read_text(encoding="utf-8"))}
        if anchor not in slugs:
            dead.append(f"{target}#{anchor}")
    assert not dead, f"{document.relative_to(ROOT)}: anchors without a heading {dead}"
