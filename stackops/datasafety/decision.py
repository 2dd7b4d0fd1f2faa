"""The data-safety check's decision on each verdict: the one place --allow-replacement is read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from .verdicts import Verdict

ALLOW_FLAG = "--allow-replacement"


class Decision(Enum):
    """What the check does with a change; the value is the word the review shows."""

    REFUSE = "REFUSED"
    ALLOWED = f"ALLOWED by {ALLOW_FLAG}"
    WARN = "WARNING"
    FINE = ""


@dataclass(frozen=True)
class Judged:
    verdict: Verdict
    decision: Decision


def decide(verdict: Verdict, allow: frozenset[str]) -> Decision:
    """Refused changes stop the deploy unless the allow-list names them; a stateful resource
    that the offline prediction alone says may be replaced is worth a warning."""
    if verdict.refused:
        return Decision.ALLOWED if verdict.logical_id in allow else Decision.REFUSE
    if verdict.stateful and verdict.replacement == "Conditional":
        return Decision.WARN
    return Decision.FINE


def judge(verdicts: Iterable[Verdict], allow: Iterable[str] = ()) -> list[Judged]:
    allowed = frozenset(allow)
    return [Judged(v, decide(v, allowed)) for v in verdicts]


def refusals(judged: Iterable[Judged]) -> list[Verdict]:
    """The verdicts that stop the deploy."""
    return [j.verdict for j in judged if j.decision is Decision.REFUSE]


def warnings(judged: Iterable[Judged]) -> list[Verdict]:
    return [j.verdict for j in judged if j.decision is Decision.WARN]


def refusal_message(v: Verdict) -> str:
    """One line: the resource, the property to blame, and the flag that lets it through."""
    blame = f" (property: {', '.join(v.properties)})" if v.properties else ""
    return (
        f"refused: {v.reason}{blame}. If this is intended, rerun with {ALLOW_FLAG} {v.logical_id}"
    )


def warning_message(v: Verdict) -> str:
    return f"warning: {v.reason}. Check before confirming."
