"""Where words go: human lines to stderr, the machine result (JSON) alone on stdout."""

from __future__ import annotations

import json
from typing import Any, TextIO

from . import terminal
from .result import Result
from .review import (
    HEADERS,
    SECURITY_HEADERS,
    SECURITY_SHOWN,
    ChangeRow,
    cells,
    security_cells,
    security_table,
    table,
)
from .rootcause import Cause
from .securitydiff import WIDENS, SecurityRow


class Console:
    """A command's voice and ears: lines to stderr, questions only on a terminal."""

    def __init__(self, stream: TextIO, stdin: TextIO | None) -> None:
        self.stream = stream
        self.stdin = stdin

    @property
    def interactive(self) -> bool:
        isatty = getattr(self.stdin, "isatty", None)
        return bool(isatty and isatty())

    def info(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def review(self, title: str, change_rows: list[ChangeRow], notes: list[str]) -> None:
        self.info(title)
        if terminal.is_terminal(self.stream) and change_rows:
            self.stream.write(terminal.rendered(_review_table(change_rows), self.stream))
        else:
            for line in table(change_rows):
                self.info(line)
        for note in notes:
            self.info(f"  {note}")

    def confirm(self, question: str) -> bool:
        """Ask on a terminal; anything but y/yes is a no."""
        if not self.interactive or self.stdin is None:
            return False
        self.stream.write(f"{question} [y/N] ")
        self.stream.flush()
        answer = self.stdin.readline()
        return answer.strip().lower() in ("y", "yes")


def _review_table(change_rows: list[ChangeRow]) -> Any:
    styles = [terminal.safety_style(r.verdict) for r in change_rows]
    return terminal.table(HEADERS, cells(change_rows), styles)


def root_cause_lines(causes: list[Cause]) -> list[str]:
    lines = ["Root cause:"]
    for cause in causes:
        lines.append(f"  {cause.logical_id} ({cause.type}): {_verdict(cause)}")
    return lines


def _verdict(cause: Cause) -> str:
    if not cause.hook:
        return cause.reason
    how = ", ".join(x for x in (cause.hook_status, cause.failure_mode) if x)
    return f"hook {cause.hook}" + (f" ({how})" if how else "") + f": {cause.reason}"


def text(result: Result, stream: TextIO) -> None:
    """The human summary after an operation (all to stderr)."""
    if result.root_cause:
        for line in root_cause_lines(result.root_cause):
            stream.write(line + "\n")
    for line in result.cause_notes:
        stream.write(line + "\n")
    stream.write(result.summary + "\n")
    for line in result.details:
        stream.write(f"  {line}\n")
    if result.outputs:
        stream.write("Outputs:\n")
        width = max(len(k) for k in result.outputs)
        for key, value in sorted(result.outputs.items()):
            stream.write(f"  {key.ljust(width)}  {value}\n")
    stream.flush()


def as_json(result: Result, stream: TextIO) -> None:
    body = {**result.as_json(), **result.added_json()}
    stream.write(json.dumps(body, sort_keys=True) + "\n")
    stream.flush()


def show_security(console: Console, found: list[SecurityRow]) -> None:
    """The security diff after the change table: rich on a terminal, plain lines elsewhere."""
    lines = security_table(found)
    if not lines:
        return
    console.info(lines[0])
    if terminal.is_terminal(console.stream):
        styles = ["yellow" if r.direction == WIDENS else "" for r in found[:SECURITY_SHOWN]]
        grid = terminal.table(SECURITY_HEADERS, security_cells(found), styles)
        console.stream.write(terminal.rendered(grid, console.stream))
        lines = lines[-1:] if len(found) > SECURITY_SHOWN else []
    else:
        lines = lines[1:]
    for line in lines:
        console.info(line)
