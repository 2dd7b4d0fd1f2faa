"""The offline validation gate: cfn-lint (with this project's rules) and checkov."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from clikit import exitcodes

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "cfn_rules"
BLOCKER = "blocker"
POLICY = "policy"
EXIT_OK = exitcodes.OK
EXIT_FINDINGS = exitcodes.BAD_INPUT
CHECKOV_TIMEOUT_S = 300
CACHE_ENV = "DEPLOY_GATE_CACHE"
CACHE_OFF = "off"
CACHE_FORMAT = 1
CACHE_HIT_NOTE = (
    "offline gate: cached result for this template content (DEPLOY_GATE_CACHE=off recomputes)"
)


@dataclass(frozen=True)
class Finding:
    severity: str  # "blocker" | "policy"
    rule_id: str
    logical_id: str | None
    path: str | None
    message: str
    fix: str

    def line(self) -> str:
        return (
            f"{self.severity.upper()} {self.rule_id} {self.logical_id or '-'} "
            f"{self.path or '-'}: {self.message} Fix: {self.fix}"
        )


@dataclass
class GateReport:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def blockers(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKER]

    @property
    def policies(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == POLICY]


def run_gate(template_path: Path, *, use_checkov: bool = True) -> GateReport:
    """Every finding of cfn-lint (default + custom rules) and, if asked and installed, checkov.

    A result is cached by everything it depends on (see `cache_key`), so an unchanged template
    is judged once: `make template` warms the cache for the deploy that follows it.
    checkov runs as a subprocess started before cfn-lint, so the two overlap in time.
    """
    template_path = Path(template_path)
    directory = cache_dir()
    key = cache_key(template_path, use_checkov) if directory is not None else None
    if directory is not None and key is not None:
        cached = load_cached(directory / f"{key}.json")
        if cached is not None:
            cached.notes.append(CACHE_HIT_NOTE)
            return cached
    report, complete = _run_gate_uncached(template_path, use_checkov)
    if directory is not None and key is not None and complete:
        store_cached(directory / f"{key}.json", report)
    return report


def _run_gate_uncached(template_path: Path, use_checkov: bool) -> tuple[GateReport, bool]:
    """The report, and whether it is worth caching (no transient checkov failure in it)."""
    report = GateReport()
    with CheckovRun([template_path] if use_checkov else []) as checkov:
        report.findings.extend(run_cfn_lint(template_path))
        findings, notes = checkov.results()
    report.findings.extend(findings.get(str(template_path), []))
    report.notes.extend(notes)
    report.findings.sort(key=lambda f: (f.severity != BLOCKER, f.logical_id or "", f.rule_id))
    return report, not checkov.failed


# -- result cache -----------------------------------------------------------------------------


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


def cache_key(template_path: Path, use_checkov: bool) -> str | None:
    """sha256 of everything a result depends on; None if the template cannot be read.

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
        f"checkov={_checkov_fingerprint() if use_checkov else 'unused'}",
        f"cfn-lint={_distribution_version('cfn-lint')}",
        f"rules={rules_fingerprint(RULES_DIR)}",
        f"gate={_file_digest(Path(__file__))}",
    ):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def rules_fingerprint(rules_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(rules_dir).rglob("*.py")):
        if "__pycache__" not in path.parts:
            digest.update(f"{path.relative_to(rules_dir)}:{_file_digest(path)}\0".encode())
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


def _checkov_fingerprint() -> str:
    binary = checkov_bin()
    if binary is None:
        return "absent"
    try:
        resolved = binary.resolve()
        stat = resolved.stat()
    except OSError:
        return "absent"
    return f"{resolved}:{stat.st_mtime_ns}:{stat.st_size}"


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
    """Atomic write (temp file + rename); a cache that cannot be written is skipped silently."""
    payload = {
        "format": CACHE_FORMAT,
        "findings": [asdict(f) for f in report.findings],
        "notes": list(report.notes),
    }
    tmp: str | None = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=entry.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
        os.replace(tmp, entry)
        tmp = None
    except (OSError, ValueError):
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def run_cfn_lint(template_path: Path, *, custom_rules: bool = True) -> list[Finding]:
    """cfn-lint through its API. Errors are blockers; warnings and informational are policy.

    Informational checks (I*) are included: they are cheap, and this project's own template is
    held to zero of them, so any that appear are drift worth a look (policy, not a blocker).
    """
    from cfnlint.api import ManualArgs, lint_file

    args: dict[str, Any] = {"include_checks": ["I"], "regions": ["us-east-1"]}
    if custom_rules:
        args["append_rules"] = [str(RULES_DIR)]
    matches = lint_file(Path(template_path), config=ManualArgs(**args))
    findings = []
    for match in matches:
        findings.append(_finding_from_match(match))
    return _dedupe(findings)


def _finding_from_match(match: Any) -> Finding:
    rule = match.rule
    rule_id = str(rule.id)
    path_parts = [str(p) for p in getattr(match, "path", None) or []]
    logical_id = path_parts[1] if len(path_parts) > 1 and path_parts[0] == "Resources" else None
    path = "/".join(path_parts) or None
    message, _, fix = str(match.message).partition(" Fix: ")
    if not fix:
        url = getattr(rule, "source_url", "") or ""
        fix = f"see cfn-lint {rule_id} ({rule.shortdesc})" + (f": {url}" if url else "")
    if not path:
        path = f"line {match.linenumber}"
    severity = BLOCKER if rule_id.startswith("E") else POLICY
    return Finding(severity, rule_id, logical_id, path, message.strip(), fix.strip())


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[Finding] = set()
    unique = []
    for f in findings:
        if f not in seen:
            seen.add(f)
            unique.append(f)
    return unique


def checkov_bin() -> Path | None:
    """CHECKOV_BIN, else the project's .venv-checkov, else nothing."""
    env = os.environ.get("CHECKOV_BIN")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT / ".venv-checkov" / "bin" / "checkov")
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def run_checkov(template_paths: list[Path]) -> tuple[dict[str, list[Finding]], list[str]]:
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

    def results(self) -> tuple[dict[str, list[Finding]], list[str]]:
        found: dict[str, list[Finding]] = {str(p): [] for p in self.paths}
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
        for block in data if isinstance(data, list) else [data]:
            for check in (block.get("results") or {}).get("failed_checks", []):
                original = self.names.get(Path(str(check.get("file_path", ""))).name)
                if original is not None:
                    found[original].append(_finding_from_checkov(check))
        return {k: _dedupe(v) for k, v in found.items()}, self.notes

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.tmp is not None:
            self.tmp.cleanup()


def _finding_from_checkov(check: dict[str, Any]) -> Finding:
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


def render_text(report: GateReport, stream: TextIO) -> None:
    for finding in report.findings:
        print(finding.line(), file=stream)
    for note in report.notes:
        print(f"note: {note}", file=stream)
    print(
        f"{len(report.blockers)} blocker(s), {len(report.policies)} policy finding(s)",
        file=stream,
    )


def render_json(report: GateReport, template_path: Path) -> dict[str, Any]:
    return {
        "template": str(template_path),
        "ok": not report.findings,
        "blockers": len(report.blockers),
        "policies": len(report.policies),
        "findings": [asdict(f) for f in report.findings],
        "notes": report.notes,
    }


def validate_command(template_path: Path, output: str, stdout: TextIO, stderr: TextIO) -> int:
    """`deploy.py validate`: findings as lines on stderr (text) or one JSON object on stdout."""
    template_path = Path(template_path)
    if not template_path.is_file():
        print(
            f"error: template {template_path} not found: pass an existing file with --template",
            file=stderr,
        )
        return EXIT_FINDINGS
    report = run_gate(template_path)
    if output == "json":
        json.dump(render_json(report, template_path), stdout, indent=2, sort_keys=True)
        stdout.write("\n")
    else:
        render_text(report, stderr)
    return EXIT_OK if not report.findings else EXIT_FINDINGS
