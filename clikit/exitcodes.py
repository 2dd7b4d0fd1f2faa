"""The exit codes of both tools: one meaning per number, one table for the CLIs and the docs."""

from __future__ import annotations

OK = 0  # success, including "no changes"
FAILED = 1  # the operation failed: a stack rolled back, or a template/file could not be made
CHANGES = 2  # `plan` found changes
REFUSED = 3  # refused by a safety check
BAD_INPUT = 4  # bad input, including usage errors
NEEDS_HUMAN = 5  # the stack is in a state that needs a human
INTERRUPTED = 130  # SIGINT / SIGTERM

TABLE: tuple[tuple[int, str], ...] = (
    (OK, "success (including no changes)"),
    (FAILED, "the operation failed, or the stack rolled back"),
    (CHANGES, "plan found changes"),
    (REFUSED, "refused by a safety check"),
    (BAD_INPUT, "bad input, including usage errors"),
    (NEEDS_HUMAN, "the stack is in a state that needs a human"),
    (INTERRUPTED, "interrupted (SIGINT or SIGTERM)"),
)


def help_epilog(table: tuple[tuple[int, str], ...] = TABLE) -> str:
    lines = ["exit codes:"]
    lines += [f"  {code:<4} {meaning}" for code, meaning in table]
    return "\n".join(lines)
