"""The offline validation gate: cfn-lint (with this project's rules) and checkov."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "cfn_rules"
BLOCKER = "blocker"
POLICY = "policy"
EXIT_OK = 0
EXIT_FINDINGS = 4
CHECKOV_TIMEOUT_S = 300


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
    """Every finding of cfn-lint (default + custom rules) and, if asked and installed, checkov."""
    report = GateReport()
    report.findings.extend(run_cfn_lint(Path(template_path)))
    if use_checkov:
        findings, notes = run_checkov([Path(template_path)])
        report.findings.extend(findings.get(str(Path(template_path)), []))
        report.notes.extend(notes)
    report.findings.sort(key=lambda f: (f.severity != BLOCKER, f.logical_id or "", f.rule_id))
    return report


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
    """One checkov run over many templates; failed checks per template path, as policy findings.

    The templates are copied into one temporary directory so that checkov runs once (its start-up
    dominates its cost). Returns ({str(path): findings}, notes).
    """
    binary = checkov_bin()
    if binary is None:
        return {}, ["checkov not installed: skipped (set CHECKOV_BIN or run `make checkov-venv`)"]
    results: dict[str, list[Finding]] = {str(p): [] for p in template_paths}
    with tempfile.TemporaryDirectory(prefix="gate-checkov-") as tmp:
        names: dict[str, str] = {}
        for i, path in enumerate(template_paths):
            suffix = Path(path).suffix or ".json"
            name = f"t{i:04d}{suffix}"
            shutil.copyfile(path, Path(tmp) / name)
            names[name] = str(path)
        cmd = [str(binary), "-d", tmp, "--framework", "cloudformation", "--skip-download"]
        cmd += ["-o", "json", "--quiet", "--compact"]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=CHECKOV_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return results, [f"checkov failed to run: {exc}: skipped"]
        if proc.returncode not in (0, 1):
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return results, [f"checkov exited {proc.returncode} ({tail}): skipped"]
        try:
            data = json.loads(proc.stdout or "{}")
        except json.JSONDecodeError:
            return results, ["checkov printed no JSON: skipped"]
        for block in data if isinstance(data, list) else [data]:
            for check in (block.get("results") or {}).get("failed_checks", []):
                original = names.get(Path(str(check.get("file_path", ""))).name)
                if original is not None:
                    results[original].append(_finding_from_checkov(check))
    return {k: _dedupe(v) for k, v in results.items()}, []


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
