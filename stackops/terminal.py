"""Terminal rendering with rich: the change review as a table and the live progress board.

Used only when stderr is a terminal; CI logs get the plain lines of the caller instead. rich
honours NO_COLOR (no colour, layout kept) and sizes the tables to the terminal's width.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

# At most this many resource rows on the live board: the rest are counted in the header.
BOARD_ROWS = 30

ACTION_STYLES = {"Add": "green", "Modify": "yellow", "Remove": "red", "Import": "cyan"}
VERDICT_STYLES = {"REFUSED": "bold red", "WARNING": "yellow"}
STATE_STYLES = {"failed": "bold red", "in progress": "yellow", "complete": "green"}
STATE_ORDER = {"failed": 0, "in progress": 1, "pending": 2, "complete": 3}


class ReviewRow(Protocol):
    """What the review shows of one change (stackops.review.ChangeRow has these)."""

    @property
    def action(self) -> str: ...
    @property
    def logical_id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def replacement(self) -> str | None: ...
    @property
    def properties(self) -> tuple[str, ...]: ...
    @property
    def verdict(self) -> str: ...


class BoardRow(Protocol):
    """One resource on the progress board (stackops.progress.Row has these)."""

    logical_id: str
    type: str
    state: str

    def elapsed(self, now: float) -> float | None: ...


def console_for(
    stream: TextIO, *, width: int | None = None, force_terminal: bool | None = None
) -> Console:
    """A rich console writing to ``stream`` (stderr); NO_COLOR is read by rich itself."""
    return Console(
        file=stream, width=width, force_terminal=force_terminal, highlight=False, soft_wrap=False
    )


def _elapsed(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds:.0f}s" if seconds >= 10 else f"{seconds:.1f}s"


def review_table(rows: Sequence[ReviewRow]) -> Table:
    """The change set as a reviewer reads it: replacements and refusals stand out."""
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    for column in ("ACTION", "LOGICAL ID", "TYPE", "REPLACEMENT", "CAUSED BY", "SAFETY"):
        table.add_column(column, overflow="fold")
    for row in rows:
        replacement = row.replacement or "-"
        table.add_row(
            Text(row.action, style=ACTION_STYLES.get(row.action, "")),
            row.logical_id,
            row.type,
            Text(replacement, style="bold red" if replacement == "True" else ""),
            ", ".join(row.properties) or "-",
            Text(row.verdict or "-", style=_verdict_style(row.verdict)),
        )
    return table


def _verdict_style(verdict: str) -> str:
    if verdict.startswith("ALLOWED"):
        return "magenta"
    return VERDICT_STYLES.get(verdict, "")


def board_table(rows: Iterable[BoardRow], now: float, header: str) -> Group:
    """Failed first, then running, pending and done; each with its elapsed time."""
    ordered = sorted(rows, key=lambda r: (STATE_ORDER.get(r.state, 9), r.logical_id))
    table = Table(show_edge=False, show_header=False, pad_edge=False, box=None)
    for _ in range(4):
        table.add_column(overflow="fold")
    for row in ordered[:BOARD_ROWS]:
        table.add_row(
            Text(row.state, style=STATE_STYLES.get(row.state, "dim")),
            row.logical_id,
            Text(row.type, style="dim"),
            _elapsed(row.elapsed(now)),
        )
    hidden = len(ordered) - BOARD_ROWS
    lines: list[Any] = [Text(header, style="bold"), table]
    if hidden > 0:
        lines.append(Text(f"... and {hidden} more", style="dim"))
    return Group(*lines)


class LiveBoard:
    """A board redrawn in place by rich.Live; the caller feeds it rows and a header."""

    def __init__(self, console: Console, clock: Callable[[], float]) -> None:
        self.console = console
        self.clock = clock
        self.live = Live(console=console, auto_refresh=False, transient=False)
        self.started = False

    def draw(self, rows: Iterable[BoardRow], header: str) -> None:
        if not self.started:
            self.live.start()
            self.started = True
        self.live.update(board_table(rows, self.clock(), header), refresh=True)

    def stop(self) -> None:
        if self.started:
            self.live.stop()
            self.started = False
