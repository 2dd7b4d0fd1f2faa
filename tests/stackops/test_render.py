"""stackops.render: the review on a terminal and off it, the summary, the JSON result."""

from __future__ import annotations

import io
import json

import pytest

from stackops.render import Console, as_json
from stackops.result import Result
from stackops.review import ChangeRow

REFUSED_ROW = ChangeRow("Modify", "Db", "AWS::RDS::DBInstance", "True", ("DBName",), "REFUSED")


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_review_without_a_terminal_is_plain_lines() -> None:
    out = io.StringIO()
    Console(out, None).review("Change set:", [REFUSED_ROW], [])
    assert "\x1b[" not in out.getvalue()
    assert out.getvalue().splitlines()[2].split()[:2] == ["Modify", "Db"]


def test_review_on_a_terminal_colours_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    out = Tty()
    Console(out, None).review("Change set:", [REFUSED_ROW], [])
    assert "\x1b[1;31mModify" in out.getvalue()


def test_review_on_a_terminal_honours_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    out = Tty()
    Console(out, None).review("Change set:", [REFUSED_ROW], [])
    text = out.getvalue()
    assert "31m" not in text and "REFUSED" in text


def test_review_of_no_resource_changes_says_so_on_a_terminal_too() -> None:
    out = Tty()
    Console(out, None).review("Change set:", [], [])
    assert "no resource changes" in out.getvalue()


def test_json_result_has_the_contract_keys() -> None:
    result = Result(stack="s", operation="plan", status="NONE", exit_code=2, summary="x")
    out = io.StringIO()
    as_json(result, out)
    assert set(json.loads(out.getvalue())) == {
        "stack", "operation", "status", "changes", "outputs", "root_cause", "duration_s",
    }  # fmt: skip


def test_result_takes_keywords_only() -> None:
    with pytest.raises(TypeError):
        Result("s", "plan", "NONE", 2, "x")  # type: ignore[call-arg]
