"""bench/gate_time.py's summary: medians side by side and the ratio to the slowest tool."""

from __future__ import annotations

from bench.gate_time import TARGET_RATIO, summary

WALLS = {
    "gate": [9.0, 8.0, 30.0, 8.5, 7.0],
    "cfn-lint": [5.0, 5.0, 5.0, 5.0, 5.0],
    "checkov": [7.0, 7.5, 6.5, 7.0, 9.0],
    "cfn-guard": [1.0, 1.0, 1.0, 1.0, 1.0],
}
CPUS = {name: [1.0] * 5 for name in WALLS}


def test_the_ratio_is_the_gate_median_over_the_slowest_tool_median() -> None:
    line, ratio = summary(WALLS, CPUS)
    assert ratio == 8.5 / 7.0
    assert "gate / slowest tool (checkov) = 1.21" in line
    assert f"target <= {TARGET_RATIO}" in line


def test_a_missing_tool_is_said() -> None:
    walls = {k: v for k, v in WALLS.items() if k != "cfn-guard"}
    line, _ = summary(walls, CPUS)
    assert "NOT INSTALLED: cfn-guard" in line
