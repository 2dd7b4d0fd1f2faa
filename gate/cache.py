"""The gate's result cache: one JSON file per result, keyed by everything the result depends on."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from clikit.files import write_atomic
from gate import checkov, lint
from gate.controls import binary_path, guard_home, rules_path
from gate.findings import Finding, GateReport

PACKAGE_DIR = Path(__file__).resolve().parent
CACHE_ENV = "DEPLOY_GATE_CACHE"
CACHE_OFF = "off"
CACHE_FORMAT = 1
CACHE_HIT_NOTE = (
    "offline gate: cached result for this template content (DEPLOY_GATE_CACHE=off recomputes)"
)


def cache_dir() -> Path | None:
    """$DEPLOY_GATE_CACHE (`off`: no cache), else the user's XDG cache directory."""
    configured = os.environ.get(CACHE_ENV, "").strip()
    if configured.lower() == CACHE_OFF:
        return None
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "edu-stackops" / "gate"


def cache_key(
    template_path: Path,
    use_checkov: bool,
    *,
    values: Mapping[str, str] | None = None,
    controls: str = "off",
) -> str | None:
    """sha256 of everything a result depends on; None if the template cannot be read.

    The parameter values and the controls switch are part of it: the same template judged with
    other values, or with the controls on, is another result.

    Cheap on purpose: it must not import cfnlint (about 1 s), which a hit never needs.
    """
    try:
        template = Path(template_path).read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256()
    for part in (
        f"format={CACHE_FORMAT}",
        f"python={sys.version}",
        f"template={hashlib.sha256(template).hexdigest()}",
        # The suffix picks the parser (JSON or YAML) in both tools.
        f"suffix={Path(template_path).suffix.lower()}",
        f"checkov={checkov.checkov_fingerprint() if use_checkov else 'unused'}",
        f"cfn-lint={_distribution_version('cfn-lint')}",
        f"rules={source_fingerprint(lint.RULES_DIR)}",
        f"gate={source_fingerprint(PACKAGE_DIR)}",
        f"values={json.dumps(dict(values or {}), sort_keys=True)}",
        f"controls={controls}:{guard_fingerprint() if controls != 'off' else 'unused'}",
    ):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def guard_fingerprint() -> str:
    """Which Guard rules and cfn-guard would run (home, binary mtime and size; or absent)."""
    home = guard_home()
    try:
        stat = binary_path(home).stat()
    except OSError:
        return "absent"
    installed = installed_rules(home)
    return f"{home.resolve()}:{stat.st_mtime_ns}:{stat.st_size}:{installed}"


def installed_rules(home: Path) -> int:
    """How many rule files are installed: a partial unpack is another result."""
    return sum(1 for _ in rules_path(home).rglob("*.guard")) if rules_path(home).is_dir() else 0


def source_fingerprint(directory: Path) -> str:
    """sha256 over every .py file below `directory` (names and contents), caches excluded."""
    digest = hashlib.sha256()
    for path in sorted(Path(directory).rglob("*.py")):
        if "__pycache__" not in path.parts:
            digest.update(f"{path.relative_to(directory)}:{_file_digest(path)}\0".encode())
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _distribution_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def load_cached(entry: Path) -> GateReport | None:
    """The cached report, or None when there is none or it is unreadable (then recomputed)."""
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
        if data.get("format") != CACHE_FORMAT:
            return None
        findings = [Finding(**item) for item in data["findings"]]
        notes = [str(n) for n in data["notes"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if not all(isinstance(getattr(f, k), str) for f in findings for k in ("severity", "rule_id")):
        return None
    return GateReport(findings=findings, notes=notes)


def store_cached(entry: Path, report: GateReport) -> None:
    """Writes the entry all or nothing; a cache that cannot be written is skipped silently."""
    payload = {
        "format": CACHE_FORMAT,
        "findings": [asdict(f) for f in report.findings],
        "notes": list(report.notes),
    }
    with contextlib.suppress(OSError, ValueError):
        write_atomic(entry, json.dumps(payload), parents=True)
