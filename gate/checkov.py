"""The checkov layer: checkov in its own virtualenv, run as a subprocess beside cfn-lint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from gate.findings import POLICY, Finding, unique

ROOT = Path(__file__).resolve().parent.parent
CHECKOV_TIMEOUT_S = 300
Found = dict[str, list[Finding]]


def checkov_bin() -> Path | None:
    """CHECKOV_BIN, else the project's .venv-checkov, else nothing."""
    env = os.environ.get("CHECKOV_BIN")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT / ".venv-checkov" / "bin" / "checkov")
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def checkov_fingerprint() -> str:
    """Which checkov install would run (path, mtime, size): part of the gate's cache key."""
    binary = checkov_bin()
    if binary is None:
        return "absent"
    try:
        resolved = binary.resolve()
        stat = resolved.stat()
    except OSError:
        return "absent"
    return f"{resolved}:{stat.st_mtime_ns}:{stat.st_size}"


def run_checkov(template_paths: list[Path]) -> tuple[Found, list[str]]:
    """One checkov run over many templates: ({str(path): policy findings}, notes)."""
    with CheckovRun(template_paths) as run:
        return run.results()


class CheckovRun:
    """checkov over many templates in one process (its start-up dominates its cost).

    The templates are copied into one temporary directory and checked with `-d`; the process
    starts on `__enter__` and `results()` waits for it. With no templates it does nothing.
    """

    def __init__(self, template_paths: list[Path]) -> None:
        self.paths = [Path(p) for p in template_paths]
        self.names: dict[str, str] = {}
        self.notes: list[str] = []
        self.failed = False  # a transient failure (not an absent checkov): not worth caching
        self.proc: subprocess.Popen[bytes] | None = None
        self.tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> CheckovRun:
        if not self.paths:
            return self
        binary = checkov_bin()
        if binary is None:
            self.notes.append(
                "checkov not installed: skipped (set CHECKOV_BIN or run `make checkov-venv`)"
            )
            return self
        self.tmp = tempfile.TemporaryDirectory(prefix="gate-checkov-")
        root = Path(self.tmp.name)
        (root / "in").mkdir()
        for i, path in enumerate(self.paths):
            name = f"t{i:04d}{path.suffix or '.json'}"
            shutil.copyfile(path, root / "in" / name)
            self.names[name] = str(path)
        cmd = [str(binary), "-d", str(root / "in"), "--framework", "cloudformation"]
        cmd += ["--skip-download", "-o", "json", "--quiet", "--compact"]
        try:
            with open(root / "out.json", "wb") as out, open(root / "err.txt", "wb") as err:
                self.proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        except OSError as exc:
            self.failed = True
            self.notes.append(f"checkov failed to start ({exc}): skipped")
        return self

    def results(self) -> tuple[Found, list[str]]:
        """Waits for checkov: ({str(path): policy findings}, notes); a failure is one note."""
        found: Found = {str(p): [] for p in self.paths}
        if self.proc is None or self.tmp is None:
            return found, self.notes
        root = Path(self.tmp.name)
        try:
            code = self.proc.wait(timeout=CHECKOV_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.failed = True
            self.proc.kill()
            self.proc.wait()
            return found, [*self.notes, f"checkov took over {CHECKOV_TIMEOUT_S} s: skipped"]
        if code not in (0, 1):
            self.failed = True
            lines = (root / "err.txt").read_text(errors="replace").strip().splitlines()
            return found, [*self.notes, f"checkov exited {code} ({(lines or ['?'])[-1]}): skipped"]
        try:
            data = json.loads((root / "out.json").read_text() or "{}")
        except json.JSONDecodeError:
            self.failed = True
            return found, [*self.notes, "checkov printed no JSON: skipped"]
        for check in _failed_checks(data):
            original = self.names.get(Path(str(check.get("file_path", ""))).name)
            if original is not None:
                found[original].append(finding_from_checkov(check))
        return {k: unique(v) for k, v in found.items()}, self.notes

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.tmp is not None:
            self.tmp.cleanup()


def _failed_checks(data: Any) -> list[dict[str, Any]]:
    """Every failed check of checkov's JSON: one object per framework, or a list of them."""
    blocks = data if isinstance(data, list) else [data]
    return [c for b in blocks for c in (b.get("results") or {}).get("failed_checks", [])]


def finding_from_checkov(check: dict[str, Any]) -> Finding:
    """One failed checkov check as a policy finding; the fix names checkov's skip comment."""
    resource = str(check.get("resource", ""))
    logical_id = resource.rsplit(".", 1)[-1] if "." in resource else (resource or None)
    keys = (check.get("check_result") or {}).get("evaluated_keys") or []
    path = f"Resources/{logical_id}" if logical_id else None
    if path and keys:
        path += "/Properties/" + str(keys[0]).replace("Properties/", "", 1)
    name = str(check.get("check_name") or "failed check")
    fix = f"{name[0].lower()}{name[1:]}, or skip it in the resource's Metadata (checkov: skip)"
    fix += " with a justification"
    if check.get("guideline"):
        fix += f"; guideline: {check['guideline']}"
    return Finding(
        POLICY,
        str(check.get("check_id", "CKV_?")),
        logical_id,
        path,
        f"checkov: failed '{name}'.",
        fix,
    )
