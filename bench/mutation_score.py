"""The mutation score of the last `mutmut run`: one line per module, then the one-line total."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

# mutmut's own status words (`mutmut results --all true`); everything else is counted as "other".
KILLED, SURVIVED, NO_TESTS = "killed", "survived", "no tests"


def parse(lines: Iterable[str]) -> dict[str, Counter[str]]:
    """`name: status` lines -> module -> status counts.

    A mutant's name is `<dotted module>.<mangled function>__mutmut_<n>`, and the mangled
    function holds no dot, so the module is everything before the last dot.
    """
    by_module: dict[str, Counter[str]] = {}
    for line in lines:
        name, sep, status = line.strip().rpartition(": ")
        if not sep or "__mutmut_" not in name:
            continue
        module = name.rpartition(".")[0]
        by_module.setdefault(module, Counter())[status] += 1
    return by_module


def summary(label: str, counts: Counter[str]) -> str:
    total = sum(counts.values())
    killed = counts[KILLED]
    other = total - killed - counts[SURVIVED] - counts[NO_TESTS]
    percent = 100.0 * killed / total if total else 0.0
    line = (
        f"{label}: {killed}/{total} killed ({percent:.1f}%), "
        f"{counts[SURVIVED]} survived, {counts[NO_TESTS]} no tests"
    )
    if other:
        kinds = ", ".join(
            f"{n} {s}" for s, n in sorted(counts.items()) if s not in (KILLED, SURVIVED, NO_TESTS)
        )
        line += f", {kinds}"
    return line


def report(by_module: dict[str, Counter[str]]) -> list[str]:
    """One aligned line per module, then the total on the last line."""
    width = max((len(m) for m in by_module), default=0)
    lines = [summary(module.ljust(width), by_module[module]) for module in sorted(by_module)]
    total: Counter[str] = Counter()
    for counts in by_module.values():
        total.update(counts)
    lines.append(summary("mutation score", total))
    return lines


def main() -> int:
    mutmut = Path(sys.executable).parent / "mutmut"
    done = subprocess.run(
        [str(mutmut), "results", "--all", "true"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        return done.returncode
    by_module = parse(done.stdout.splitlines())
    if not by_module:
        sys.stderr.write("no mutation results: run `mutmut run` first\n")
        return 1
    print("\n".join(report(by_module)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
