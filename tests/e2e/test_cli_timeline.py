"""deploy.py status --timeline against the moto server: the picture of a deployed stack."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.injection import add_event
from tests.support.moto import MotoEnv, run_template
from tests.support.samples import topic_template

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def deployed(moto_env: MotoEnv, tmp_path: Path) -> str:
    result = run_template(moto_env, tmp_path, "pic", "deploy", topic_template(extra_topics=1))
    assert result.returncode == 0, result.stderr
    return "pic"


def _groups(picture: Path, kind: str) -> list[ET.Element]:
    root = ET.fromstring(picture.read_text(encoding="utf-8"))
    return [g for g in root.iter(f"{SVG_NS}{kind}") if g.get("class")]


def _status(moto_env: MotoEnv, stack: str, *extra: str | Path) -> Any:
    return moto_env.deploy("status", "--stack-name", stack, *extra)


def test_stack_level_events_alone_still_draw_a_picture_with_a_note(
    moto_env: MotoEnv, deployed: str, tmp_path: Path
) -> None:
    picture = tmp_path / "op.svg"
    result = _status(moto_env, deployed, "--timeline", picture)
    assert result.returncode == 0, result.stderr
    assert f"Timeline written to {picture}: 0 resource(s)" in result.stderr
    notes = [t.text for t in _groups(picture, "text") if t.get("class") == "note"]
    assert notes and "no resource events" in str(notes[0])
    assert not [g for g in _groups(picture, "g") if "bar" in str(g.get("class")).split()]


def _inject(moto_env: MotoEnv, stack_name: str) -> None:
    """Resource events inside the last operation, at known times: Topic 1-3 s, Extra0 4-9 s
    (failed). moto itself records stack-level events only."""
    stack = moto_env.stack(stack_name)
    done = stack.events.pop()  # the operation's closing stack event goes back at the end
    origin = done.timestamp - timedelta(seconds=10)
    for second, lid, status, reason in (
        (1, "Topic", "CREATE_IN_PROGRESS", None),
        (3, "Topic", "CREATE_COMPLETE", None),
        (4, "Extra0", "CREATE_IN_PROGRESS", None),
        (9, "Extra0", "CREATE_FAILED", "Topic limit & quota <exceeded>"),
    ):
        add_event(stack, lid, "AWS::SNS::Topic", status, reason)
        stack.events[-1].timestamp = origin + timedelta(seconds=second)
    stack.events.append(done)


def test_resource_events_become_bars_and_the_critical_path(
    moto_env: MotoEnv, deployed: str, tmp_path: Path
) -> None:
    _inject(moto_env, deployed)
    picture = tmp_path / "op.html"
    result = _status(moto_env, deployed, "--timeline", picture, "--output", "json")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1  # the JSON result alone; the picture is a file
    page = picture.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    svg = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    bars = {
        str(g.get("data-logical-id")): str(g.get("class")).split()
        for g in ET.fromstring(svg).iter(f"{SVG_NS}g")
        if "bar" in str(g.get("class")).split()
    }
    # Extra0 began after Topic ended, but the deployed template says it never waits for Topic:
    # the chain that bounds the end is Extra0 alone.
    assert bars == {"Topic": ["bar"], "Extra0": ["bar", "critical", "failed"]}
    assert "Topic limit &amp; quota &lt;exceeded&gt;" in svg
    assert "critical path Extra0\n" in result.stderr


def test_a_bad_extension_is_one_line_and_exit_4(moto_env: MotoEnv, tmp_path: Path) -> None:
    picture = tmp_path / "op.png"
    result = _status(moto_env, "whatever", "--timeline", picture)
    assert result.returncode == 4
    assert result.stderr.count("\n") == 1 and ".svg or .html" in result.stderr
    assert "Traceback" not in result.stderr and not picture.exists()


def test_an_unwritable_path_is_one_line_and_exit_4(
    moto_env: MotoEnv, deployed: str, tmp_path: Path
) -> None:
    result = _status(moto_env, deployed, "--timeline", tmp_path / "missing" / "op.svg")
    assert result.returncode == 4, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: cannot write the timeline to {tmp_path / 'missing' / 'op.svg'}: "
        "No such file or directory"
    ]
