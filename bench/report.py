"""The bench's Markdown table and goal checks, from the results dict (bench/results.json)."""

from __future__ import annotations

from typing import Any

METHOD = {
    "wall": "time.perf_counter() from just before the child process is spawned to its reaping",
    "peak_rss": "GNU time's %M for that one child (KiB -> MiB), forked from GNU time's own small "
    "process so the bench's RSS is not inherited",
    "cpu": "GNU time's %U + %S (user + system CPU seconds) of the child",
    "latency": "perf_counter() at the tool's exit minus perf_counter() when a timer thread in the "
    "bench flipped the held stack to CREATE_COMPLETE in moto's in-process backend",
    "statistic": "median of N runs per command; baseline interleaved with the measured command "
    "in the same run",
}


def _fmt(value: float | None, unit: str = "s") -> str:
    if value is None or value != value:  # None or NaN
        return "n/a"
    return f"{value:.2f} {unit}" if unit else f"{value:.2f}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{value:.2f}x"


def table(results: dict[str, Any]) -> str:
    """The Markdown table, with its context lines, as printed by bench/run.py."""
    m = results["machine"]
    lines = [
        f"Measured {results['date']} on {m['cores']} cores, {m['memory_gib']} GiB, "
        f"Python {m['python']} ({m['platform']}); "
        f"load average {m.get('load_avg_1min', 0):.1f} at start, "
        f"{m.get('load_avg_1min_at_end', 0):.1f} at end; "
        f"median of {results['runs']} runs each; whole bench {results['total_s']:.0f} s.",
        "",
        "| Measure | Median | CPU | Peak RSS | Baseline | Baseline median | Baseline CPU "
        "| Baseline RSS | Ratio | RSS ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines.extend(_line(row) for row in results["rows"])
    for entry in results.get("gate", []):
        lines.extend(_gate_rows(entry))
    lines += ["", "| Goal | Figure | Holds |", "| --- | --- | --- |"]
    for goal in results.get("goals", []):
        holds = {True: "yes", False: "NO", None: "not measured"}[goal["holds"]]
        lines.append(f"| {goal['goal']} | {goal['figure']} | {holds} |")
    notes = [
        *(f"{row['measure']}: {row['note']}" for row in results["rows"] if row.get("note")),
        *results.get("notes", []),
        *(_gate_note(e) for e in results.get("gate", [])),
    ]
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def _gate_note(entry: dict[str, Any]) -> str:
    name = entry["script"]
    if entry.get("skipped") or entry.get("error"):
        return f"{name}: {entry.get('skipped') or entry.get('error')}"
    if entry.get("text"):
        return f"{name} (exit {entry.get('returncode')}): {entry['text']}"
    result = entry.get("result")
    summary = result.get("summary") if isinstance(result, dict) else None
    if isinstance(result, dict) and isinstance(summary, dict):
        caught = ", ".join(
            f"{gate} {v.get('caught')}/{len(result.get('cases', []))} ({v.get('rate', 0):.0%})"
            for gate, v in summary.items()
            if isinstance(v, dict)
        )
        return f"{name} (corpus, {entry['wall_s']:.0f} s): caught by {caught}"
    return (
        f"{name}: ran in {entry['wall_s']:.0f} s (exit {entry.get('returncode')}); see results.json"
    )


def _gate_rows(entry: dict[str, Any]) -> list[str]:
    result = entry.get("result")
    if not isinstance(result, dict):
        return []
    rows = result.get("rows")
    if not isinstance(rows, list):
        return []
    out = []
    for row in rows:
        if not isinstance(row, dict) or "measure" not in row:
            continue
        out.append(_line(row))
    return out


def _line(row: dict[str, Any]) -> str:
    cells = [
        row["measure"],
        _fmt(row.get("median")),
        _fmt(row.get("cpu_s")),
        _fmt(row.get("peak_rss_mib"), "MiB"),
        row.get("baseline", "n/a"),
        _fmt(row.get("baseline_median")),
        _fmt(row.get("baseline_cpu_s")),
        _fmt(row.get("baseline_peak_rss_mib"), "MiB"),
        _ratio(row.get("ratio")),
        _ratio(row.get("rss_ratio")),
    ]
    return "| " + " | ".join(cells) + " |"


def _row(results: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    return next((r for r in results["rows"] if r["measure"].startswith(prefix)), None)


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of the issues, with the figure it is judged on and whether it holds."""
    out = []
    for profile in ("production", "ephemeral"):
        row = _row(results, f"generate.py --profile {profile}")
        out.append(
            {
                "goal": f"generate.py ({profile}) median < 1 s",
                "figure": f"{_fmt(row['median'])} wall, CPU {_fmt(row.get('cpu_s'))}"
                if row
                else "n/a",
                "holds": (row["median"] < 1.0) if row else None,
            }
        )
    for noop in (r for r in results["rows"] if r["measure"].startswith("no-change deploy")):
        measured = bool(noop["values"])
        variant = noop["measure"].split(", ", 1)[-1]
        out.append(
            {
                "goal": f"no-change deploy: {variant} <= aws cloudformation deploy (median)",
                "figure": (
                    f"{_fmt(noop['median'])} vs {_fmt(noop['baseline_median'])} "
                    f"({_ratio(noop['ratio'])})"
                    if measured
                    else "n/a"
                ),
                "holds": (noop["median"] <= noop["baseline_median"]) if measured else None,
            }
        )
    for latency in (r for r in results["rows"] if r["measure"].startswith("polling latency")):
        measured = bool(latency["values"])
        regime = latency["measure"].split("; ", 1)[-1]
        out.append(
            {
                "goal": f"deploy.py polling latency median < 3 s ({regime})",
                "figure": (
                    f"{_fmt(latency['median'])} vs AWS CLI {_fmt(latency['baseline_median'])} "
                    f"({_ratio(latency['ratio'])})"
                    if measured
                    else "n/a"
                ),
                "holds": (latency["median"] < 3.0) if measured else None,
            }
        )
    out.append(
        {
            "goal": "whole bench < 5 min",
            "figure": f"{results['total_s']:.0f} s",
            "holds": results["total_s"] < 300,
        }
    )
    return out
