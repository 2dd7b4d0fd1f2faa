"""What every part of the bench shares: the checkout's root, a table row, progress lines."""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import Sample, median

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    """One line of the table: a measured command next to its baseline."""

    section: str
    measure: str
    command: str
    baseline: str
    baseline_command: str
    unit: str = "s"
    how: str = "wall"
    values: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    baseline_values: list[float] = field(default_factory=list)
    baseline_rss: list[float] = field(default_factory=list)
    baseline_cpu: list[float] = field(default_factory=list)
    note: str = ""

    def add(self, sample: Sample, value: float | None = None) -> None:
        self.values.append(sample.wall_s if value is None else value)
        self.rss.append(sample.peak_rss_mib)
        self.cpu.append(sample.cpu_s)

    def add_baseline(self, sample: Sample, value: float | None = None) -> None:
        self.baseline_values.append(sample.wall_s if value is None else value)
        self.baseline_rss.append(sample.peak_rss_mib)
        self.baseline_cpu.append(sample.cpu_s)

    def summary(self) -> dict[str, Any]:
        med, base = median(self.values), median(self.baseline_values)
        rss, base_rss = median(self.rss), median(self.baseline_rss)
        return {
            **asdict(self),
            "median": med,
            "baseline_median": base,
            "ratio": med / base if base else None,
            "peak_rss_mib": rss,
            "baseline_peak_rss_mib": base_rss,
            "rss_ratio": rss / base_rss if base_rss else None,
            "cpu_s": median(self.cpu),
            "baseline_cpu_s": median(self.baseline_cpu),
        }


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
