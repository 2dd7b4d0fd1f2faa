"""The waterfall drawn as one self-contained SVG (or an HTML page holding it), and written."""

# Self-contained on purpose: the file is attached to tickets and opened offline, so the style is
# inline and the fonts are the viewer's own; no script, no external reference of any kind.

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clikit.files import write_atomic

from .errors import BadInput
from .timeline import Bar, Timeline, build

if TYPE_CHECKING:
    from .session import Session

WIDTH = 1100
LABEL_W = 280  # the logical IDs, right-aligned against the chart
CHART_X = LABEL_W + 12
CHART_W = WIDTH - CHART_X - 70  # room for the duration after the longest bar
TOP = 84  # below the title, the legend and the axis labels
ROW_H = 22
BAR_H = 14
MIN_BAR_W = 2.0  # an instant still shows
TICK_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
FAILED_RED = "#d62728"

STYLE = f"""
svg {{ font-family: sans-serif; font-size: 12px; background: #ffffff; }}
.title {{ font-size: 15px; font-weight: bold; fill: #222222; }}
.sub, .note, .tick text {{ fill: #555555; }}
.tick line {{ stroke: #e2e2e2; }}
.stripe {{ fill: #f6f6f6; }}
.label {{ fill: #222222; text-anchor: end; }}
.dur {{ fill: #555555; font-size: 11px; }}
.span {{ fill: #4e79a7; }}
.bar.critical .span {{ fill: #f28e2b; stroke: #7a3b00; stroke-width: 1.5; }}
.bar.running .span {{ fill: #a0a0a0; }}
.bar.failed .span {{ fill: {FAILED_RED}; }}
.bar.failed .label {{ fill: {FAILED_RED}; font-weight: bold; }}
.bar.critical .label {{ font-weight: bold; }}
.key.normal {{ fill: #4e79a7; }}
.key.critical {{ fill: #f28e2b; stroke: #7a3b00; }}
.key.failed {{ fill: {FAILED_RED}; }}
"""


def _step(total: float) -> float:
    return next((s for s in TICK_STEPS if total / s <= 10), TICK_STEPS[-1])


def _seconds(value: float) -> str:
    if value >= 120:
        return f"{value / 60:.1f} min"
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"


def _axis(total: float, height: int) -> list[str]:
    step = _step(total)
    out = []
    n = 0
    while n * step <= total + 1e-9:
        x = CHART_X + CHART_W * (n * step) / total
        out.append(
            f'<g class="tick"><line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height - 8}"/>'
            f'<text x="{x:.1f}" y="{TOP - 10}" text-anchor="middle">{_seconds(n * step)}</text>'
            "</g>"
        )
        n += 1
    return out


def _bar(bar: Bar, row: int, total: float) -> str:
    y = TOP + row * ROW_H
    x = CHART_X + CHART_W * bar.start / total
    w = max(MIN_BAR_W, CHART_W * bar.seconds / total)
    classes = " ".join(
        ["bar"]
        + [name for name, on in (("critical", bar.critical), ("failed", bar.failed)) if on]
        + (["running"] if bar.running else [])
    )
    tip = f"{bar.logical_id} ({bar.type}): {bar.status}, {_seconds(bar.seconds)}"
    if bar.reason:
        tip += f": {bar.reason}"
    return (
        f'<g class="{classes}" data-logical-id="{escape(bar.logical_id)}" '
        f'data-status="{escape(bar.status)}"><title>{escape(tip)}</title>'
        f'<text class="label" x="{LABEL_W}" y="{y + 15}">{escape(bar.logical_id)}</text>'
        f'<rect class="span" x="{x:.1f}" y="{y + (ROW_H - BAR_H) / 2:.1f}" width="{w:.1f}" '
        f'height="{BAR_H}" rx="2"/>'
        f'<text class="dur" x="{x + w + 6:.1f}" y="{y + 15}">{_seconds(bar.seconds)}</text></g>'
    )


def _header(tl: Timeline) -> list[str]:
    failed = sum(1 for b in tl.bars if b.failed)
    title = f"{tl.stack}: {tl.status or 'no operation'} in {_seconds(tl.total_s)}"
    sub = f"{len(tl.bars)} resource(s), {failed} failed"
    if tl.critical_ids:
        sub += "; critical path: " + " \u2192 ".join(tl.critical_ids)
    legend = []
    for i, (kind, text) in enumerate(
        (("normal", "resource"), ("critical", "critical path"), ("failed", "failed"))
    ):
        x = WIDTH - 330 + i * 110
        legend.append(
            f'<rect class="key {kind}" x="{x}" y="11" width="12" height="12"/>'
            f'<text class="sub" x="{x + 17}" y="21">{text}</text>'
        )
    return [
        f'<text class="title" x="12" y="22">{escape(title)}</text>',
        f'<text class="sub" x="12" y="42">{escape(sub)}</text>',
        *legend,
    ]


def svg(tl: Timeline) -> str:
    """The picture as a standalone SVG document (also valid inline in HTML)."""
    rows = max(1, len(tl.bars))
    height = TOP + rows * ROW_H + 16 + 18 * len(tl.notes)
    total = max([tl.total_s, *(b.end for b in tl.bars)]) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img">',
        f"<style>{STYLE}</style>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        *_header(tl),
        *(
            f'<rect class="stripe" x="0" y="{TOP + i * ROW_H}" width="{WIDTH}" height="{ROW_H}"/>'
            for i in range(1, len(tl.bars), 2)
        ),
        *_axis(total, height),
        *(_bar(bar, i, total) for i, bar in enumerate(tl.bars)),
    ]
    for i, note in enumerate(tl.notes):
        y = TOP + rows * ROW_H + 12 + 18 * i
        parts.append(f'<text class="note" x="12" y="{y}">{escape(note)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def html(tl: Timeline) -> str:
    """The picture in a page of its own: the same SVG, inline."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(tl.stack)}: last operation</title>\n"
        '</head>\n<body style="margin:0;background:#ffffff">\n'
        f"{svg(tl)}</body>\n</html>\n"
    )


def render(tl: Timeline, path: Path) -> str:
    return html(tl) if path.suffix.lower() == ".html" else svg(tl)


def write(
    path: Path | None,
    stack: str,
    events: list[dict[str, Any]],
    template: dict[str, Any] | None,
) -> Timeline | None:
    """Build, draw and write the picture atomically; nothing when no path was asked for."""
    if path is None:
        return None
    tl = build(stack, events, template)
    try:
        write_atomic(path, render(tl, path))
    except OSError as exc:
        raise BadInput(f"cannot write the timeline to {path}: {exc.strerror or exc}") from None
    return tl


def draw(
    session: Session, stack: dict[str, Any], events: list[dict[str, Any]], path: Path | None
) -> None:
    """`status --timeline`: the picture of the stack's last operation, with its template's
    dependencies when the deployed template can be read."""
    if path is None:
        return
    from .aws import stacks

    try:
        template = stacks.deployed_template(session.cfn, str(stack["StackId"]))
    except Exception:
        template = None  # the events alone still draw the picture and a critical path
    tl = write(path, str(stack.get("StackName", "")), events, template)
    if tl is not None:
        session.console.info(
            f"Timeline written to {path}: {len(tl.bars)} resource(s), "
            f"critical path {' -> '.join(tl.critical_ids) or '-'}"
        )
