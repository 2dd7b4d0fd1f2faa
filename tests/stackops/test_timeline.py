"""stackops.timeline and stackops.timeline_svg: the waterfall of an operation, from its events."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from stackops.commands import status
from stackops.errors import BadInput
from stackops.timeline import NO_RESOURCE_EVENTS, build, checked_path
from stackops.timeline_svg import html, svg, write
from tests.support.stubbed import (
    STACK,
    event,
    newest_first,
    session_for,
    stack_desc,
    stack_event,
)

SVG_NS = "{http://www.w3.org/2000/svg}"
DB_REASON = "The parameter <MasterUserPassword> & its value are not valid"


def failed_create() -> list[dict[str, Any]]:
    """Key 1-20 s, Topic 2-4 s, Db 21 s until it fails at 60 s and is deleted at 70 s."""
    return [
        stack_event(0, "CREATE_IN_PROGRESS", "User Initiated"),
        event(1, "Key", "CREATE_IN_PROGRESS", rtype="AWS::KMS::Key"),
        event(2, "Topic", "CREATE_IN_PROGRESS"),
        event(4, "Topic", "CREATE_COMPLETE"),
        event(20, "Key", "CREATE_COMPLETE", rtype="AWS::KMS::Key"),
        event(21, "Db", "CREATE_IN_PROGRESS", rtype="AWS::RDS::DBInstance"),
        event(22, "Logs", "CREATE_IN_PROGRESS", rtype="AWS::Logs::LogGroup"),
        event(23, "Logs", "CREATE_COMPLETE", rtype="AWS::Logs::LogGroup"),
        event(60, "Db", "CREATE_FAILED", DB_REASON, rtype="AWS::RDS::DBInstance"),
        stack_event(61, "ROLLBACK_IN_PROGRESS"),
        event(70, "Db", "DELETE_COMPLETE", rtype="AWS::RDS::DBInstance"),
        stack_event(72, "ROLLBACK_COMPLETE"),
    ]


def template(db_needs: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key"},
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"Name": {"Ref": db_needs}}},
            "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"X": {"Ref": "Sg"}}},
            "Logs": {"Type": "AWS::Logs::LogGroup"},
        }
    }


def test_each_resource_is_one_bar_from_its_first_in_progress_to_its_last_event() -> None:
    tl = build(STACK, failed_create())
    spans = {b.logical_id: (b.start, b.end, b.status) for b in tl.bars}
    assert spans == {
        "Key": (1.0, 20.0, "CREATE_COMPLETE"),
        "Topic": (2.0, 4.0, "CREATE_COMPLETE"),
        "Db": (21.0, 70.0, "CREATE_FAILED"),
        "Logs": (22.0, 23.0, "CREATE_COMPLETE"),
    }
    assert (tl.status, tl.total_s) == ("ROLLBACK_COMPLETE", 72.0)
    db = next(b for b in tl.bars if b.logical_id == "Db")
    assert db.failed and db.reason == DB_REASON
    assert not any(b.failed for b in tl.bars if b.logical_id != "Db")


def test_without_a_template_the_critical_path_is_read_from_the_events() -> None:
    # Db began at 21 s: Key, which ended at 20 s, is the last thing that could have held it up.
    assert build(STACK, failed_create()).critical_ids == ("Key", "Db")


def test_the_templates_dependencies_decide_what_held_a_resource_up() -> None:
    # Db waits for Topic through Sg, which this operation did not touch.
    assert build(STACK, failed_create(), template("Topic")).critical_ids == ("Topic", "Db")
    assert build(STACK, failed_create(), template("Key")).critical_ids == ("Key", "Db")


def test_a_resource_still_in_progress_runs_to_the_last_event_and_bounds_the_end() -> None:
    events = [*failed_create()[:6], event(30, "Topic", "UPDATE_IN_PROGRESS")]
    tl = build(STACK, events)
    db = next(b for b in tl.bars if b.logical_id == "Db")
    assert (db.end, db.running, db.critical) == (30.0, True, True)


def test_bars_of_the_same_instant_never_wait_for_each_other() -> None:
    events = [event(5, "A", "CREATE_COMPLETE"), event(5, "B", "CREATE_COMPLETE")]
    tl = build(STACK, events)
    assert len(tl.bars) == 2
    assert tl.critical_ids == ("A", "B")  # one chain, in one order: no cycle


def test_stack_level_events_alone_give_no_bars_and_a_note() -> None:
    tl = build(STACK, [stack_event(0, "UPDATE_IN_PROGRESS"), stack_event(3, "UPDATE_COMPLETE")])
    assert (tl.bars, tl.notes, tl.status) == ((), (NO_RESOURCE_EVENTS,), "UPDATE_COMPLETE")
    root = ET.fromstring(svg(tl))
    notes = [t.text for t in root.iter(f"{SVG_NS}text") if t.get("class") == "note"]
    assert notes == [NO_RESOURCE_EVENTS]


def _bars(document: str) -> dict[str, ET.Element]:
    root = ET.fromstring(document)
    return {
        str(g.get("data-logical-id")): g
        for g in root.iter(f"{SVG_NS}g")
        if "bar" in str(g.get("class", "")).split()
    }


def test_the_svg_has_one_group_per_resource_with_its_classes_and_tooltip() -> None:
    bars = _bars(svg(build(STACK, failed_create())))
    assert sorted(bars) == ["Db", "Key", "Logs", "Topic"]
    assert bars["Db"].get("class", "").split() == ["bar", "critical", "failed"]
    assert bars["Key"].get("class", "").split() == ["bar", "critical"]
    assert bars["Topic"].get("class") == "bar"
    title = bars["Db"].find(f"{SVG_NS}title")
    assert title is not None and DB_REASON in str(title.text)
    label = [t.text for t in bars["Logs"].iter(f"{SVG_NS}text") if t.get("class") == "label"]
    assert label == ["Logs"]


@pytest.mark.parametrize("render", [svg, html])
def test_the_picture_is_self_contained(render: Any) -> None:
    text = render(build(STACK, failed_create()))
    lowered = text.lower()
    for outside in ("<script", "href", "url(", "@import", "<link", "src="):
        assert outside not in lowered
    assert lowered.count("http") == lowered.count('xmlns="http://www.w3.org/2000/svg"')
    assert "&lt;MasterUserPassword&gt; &amp; its value" in text


def test_html_is_a_page_around_the_same_svg() -> None:
    tl = build(STACK, failed_create())
    page = html(tl)
    assert page.startswith("<!DOCTYPE html>")
    assert svg(tl) in page


@pytest.mark.parametrize("name", ["t.svg", "t.html", "T.SVG"])
def test_svg_and_html_are_the_formats(name: str) -> None:
    assert checked_path(Path(name)) == Path(name)


@pytest.mark.parametrize("name", ["t.png", "t", "t.svg.txt"])
def test_any_other_extension_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"\.svg or \.html"):
        checked_path(Path(name))


def test_write_is_atomic_and_a_bad_directory_is_bad_input(tmp_path: Path) -> None:
    target = tmp_path / "op.svg"
    tl = write(target, STACK, failed_create(), None)
    assert tl is not None and len(tl.bars) == 4
    assert target.read_text(encoding="utf-8") == svg(tl)
    assert [p.name for p in tmp_path.iterdir()] == ["op.svg"]  # no temporary file left
    with pytest.raises(BadInput, match="cannot write the timeline"):
        write(tmp_path / "missing" / "op.svg", STACK, failed_create(), None)
    assert write(None, STACK, failed_create(), None) is None


def test_status_with_a_timeline_draws_the_last_operation(cfn: Any, tmp_path: Path) -> None:
    session, err = session_for(cfn)
    events = [
        stack_event(0, "UPDATE_IN_PROGRESS"),
        event(1, "Topic", "UPDATE_IN_PROGRESS"),
        event(3, "Topic", "UPDATE_COMPLETE"),
        stack_event(4, "UPDATE_COMPLETE"),
    ]
    target = tmp_path / "op.html"
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", stack_desc("UPDATE_COMPLETE"))
        stub.add_response("describe_stack_events", newest_first(*events))
        stub.add_response("get_template", {"TemplateBody": '{"Resources": {}}'})
        result = status.run(session, STACK, timeline=target)
        stub.assert_no_pending_responses()
    assert result.exit_code == 0
    page = target.read_text(encoding="utf-8")
    inline = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    assert list(_bars(inline)) == ["Topic"]
    assert f"Timeline written to {target}: 1 resource(s), critical path Topic" in err.getvalue()
