"""The timeline rendered by a real browser (headless chromium): its DOM and its pixels."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from stackops.timeline_svg import FAILED_RED, WIDTH, write
from tests.support.browser import decode_png, dump_dom, screenshot
from tests.support.stubbed import STACK, event, stack_event

ORANGE = (0xF2, 0x8E, 0x2B)  # the critical path's fill


def _events() -> list[dict[str, Any]]:
    """Net 1-9 s, Key 1-20 s, then Db from 21 s until it fails at 60 s; Logs 22-23 s."""
    return [
        stack_event(0, "CREATE_IN_PROGRESS", "User Initiated"),
        event(1, "Key", "CREATE_IN_PROGRESS", rtype="AWS::KMS::Key"),
        event(1, "Net", "CREATE_IN_PROGRESS", rtype="AWS::EC2::VPC"),
        event(9, "Net", "CREATE_COMPLETE", rtype="AWS::EC2::VPC"),
        event(20, "Key", "CREATE_COMPLETE", rtype="AWS::KMS::Key"),
        event(21, "Db", "CREATE_IN_PROGRESS", rtype="AWS::RDS::DBInstance"),
        event(22, "Logs", "CREATE_IN_PROGRESS", rtype="AWS::Logs::LogGroup"),
        event(23, "Logs", "CREATE_COMPLETE", rtype="AWS::Logs::LogGroup"),
        event(60, "Db", "CREATE_FAILED", "Quota exceeded", rtype="AWS::RDS::DBInstance"),
        stack_event(62, "ROLLBACK_COMPLETE"),
    ]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def test_the_rendered_dom_has_a_group_per_resource_with_its_classes(tmp_path: Path) -> None:
    page = tmp_path / "op.html"
    write(page, STACK, _events(), None)
    dom = dump_dom(page)
    groups = re.findall(r'<g class="(bar[^"]*)" data-logical-id="([^"]+)"', dom)
    assert sorted(lid for _, lid in groups) == ["Db", "Key", "Logs", "Net"]
    classes = {lid: set(c.split()) for c, lid in groups}
    assert classes["Db"] == {"bar", "critical", "failed"}
    assert classes["Key"] == {"bar", "critical"}
    assert classes["Net"] == classes["Logs"] == {"bar"}
    labels = re.findall(r'<text class="label"[^>]*>([^<]+)</text>', dom)
    assert sorted(labels) == ["Db", "Key", "Logs", "Net"]
    assert "Quota exceeded" in dom


def test_the_screenshot_is_the_asked_size_and_shows_the_failure_in_red(tmp_path: Path) -> None:
    picture = tmp_path / "op.svg"
    write(picture, STACK, _events(), None)
    height = 240
    image = decode_png(screenshot(picture, tmp_path / "op.png", WIDTH, height))
    assert (image.width, image.height) == (WIDTH, height)
    # Db's bar runs 21-60 s of 62 s: hundreds of pixels wide, 14 high, all failure red.
    red = image.count(_rgb(FAILED_RED))
    assert red > 3000, red
    assert image.count(ORANGE) > 1000  # Key's bar, on the critical path
    assert len(set(image.pixels)) > 20  # not a blank page
