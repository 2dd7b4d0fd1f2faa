"""What a terminal shows: rich tables fitted to its width, in colour unless NO_COLOR is set."""

from __future__ import annotations

import io
import shutil
from typing import Any, TextIO

# The word the data-safety check put on a row, and how loudly a terminal shows it.
SAFETY_STYLES = {"REFUSED": "bold red", "WARNING": "yellow", "ALLOWED": "magenta"}
STATE_STYLES = {"failed": "bold red", "in progress": "yellow", "complete": "green"}


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def width(stream: TextIO) -> int:
    """The terminal's width (rich leaves a little margin for the cursor)."""
    try:
        return max(40, shutil.get_terminal_size().columns)
    except (OSError, ValueError):
        return 100


def rendered(renderable: Any, stream: TextIO) -> str:
    """``renderable`` as the text a terminal gets: escapes included, NO_COLOR honoured by rich."""
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=width(stream), highlight=False)
    console.print(renderable)
    return out.getvalue()


def table(headers: tuple[str, ...], rows: list[tuple[str, ...]], styles: list[str]) -> Any:
    """A borderless, indented table (cells stay plain words to the eye and to grep)."""
    from rich.padding import Padding
    from rich.table import Table

    found = Table(box=None, header_style="bold", pad_edge=False, show_edge=False)
    for header in headers:
        found.add_column(header, overflow="fold")
    for row, style in zip(rows, styles, strict=True):
        found.add_row(*row, style=style or None)
    return Padding(found, (0, 0, 0, 2))


def safety_style(word: str) -> str:
    return next((style for key, style in SAFETY_STYLES.items() if word.startswith(key)), "")
