"""A keyboard for the console: a terminal-like stdin that answers the prompt with given lines."""

from __future__ import annotations

import io


class Keyboard(io.StringIO):
    """stdin on a terminal: ``isatty()`` is true and each readline() is the next typed answer."""

    def isatty(self) -> bool:
        return True
