"""The controls layer: AWS Control Tower's proactive controls, run with cfn-guard on a template
resolved the way CloudFormation hooks see it (parameter values substituted, `Fn::If` chosen).

AWS publishes the controls as Guard rules; the PyPI package `cdklabs-cdk-validator-cfnguard` ships
them with a `cfn-guard` binary. `install()` unpacks the two from that package into `guard_home()`
(no other download), so the layer needs only pip and the package index.

A resource skips a control with `Metadata: {guard: {skip: [{id: CT.X.PR.N, comment: why}]}}`,
the same shape as checkov's skips; a skip that no longer matches a failure is reported as stale.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cfnmodel.resolve import resolved

GUARD_PACKAGE = "cdklabs-cdk-validator-cfnguard"
GUARD_PACKAGE_VERSION = "0.0.62"
GUARD_TIMEOUT_S = 300
GUARD_NICENESS = 10
ROOT = Path(__file__).resolve().parent.parent
_CONTROL_ID = re.compile(r"\[(CT\.[A-Z0-9]+\.PR\.\d+)\]:\s*(.*)")
_FIX = re.compile(r"\[FIX\]:\s*(.*)")
_REPORTS_ON = re.compile(r"#\s*Reports on:\s*\n((?:#[^\n]*AWS::[^\n]*\n)+)")
_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")


@dataclass(frozen=True)
class ControlFailure:
    control_id: str
    logical_id: str | None
    title: str
    fix: str


@dataclass(frozen=True)
class Skip:
    control_id: str
    logical_id: str
    comment: str


@dataclass
class Evaluation:
    """What the controls said: failures left, failures skipped in Metadata, stale skips."""

    failures: list[ControlFailure] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    stale: list[Skip] = field(default_factory=list)
    evaluated: int = 0

    def failing_controls(self) -> list[str]:
        return sorted({f.control_id for f in self.failures})


class GuardMissing(RuntimeError):
    """The Guard rules are not installed where the layer looks for them."""


def guard_home() -> Path:
    """EDU_GUARD_HOME, else build/guard/<package version> in the checkout."""
    env = os.environ.get("EDU_GUARD_HOME")
    return Path(env) if env else ROOT / "build" / "guard" / GUARD_PACKAGE_VERSION


def _arch() -> str:
    return "aarch64" if platform.machine().lower() in ("arm64", "aarch64") else "x86_64"


def binary_path(home: Path) -> Path:
    return home / "cfn-guard"


def rules_path(home: Path) -> Path:
    return home / "rules"


def installed(home: Path) -> bool:
    return binary_path(home).is_file() and rules_path(home).is_dir()


def install(home: Path) -> None:
    """Download the pinned package (no dependencies) and unpack the rules and the binary."""
    if installed(home):
        return
    with tempfile.TemporaryDirectory(prefix="guard-dl-") as tmp:
        pip = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
        spec = f"{GUARD_PACKAGE}=={GUARD_PACKAGE_VERSION}"
        subprocess.run([*pip, "--no-deps", "--dest", tmp, spec], check=True)
        (wheel,) = Path(tmp).glob("*.whl")
        _unpack(wheel, Path(tmp) / "unpacked")
        staged = Path(tmp) / "unpacked"
        home.parent.mkdir(parents=True, exist_ok=True)
        if home.exists():
            shutil.rmtree(home)
        shutil.move(str(staged), str(home))


def _unpack(wheel: Path, into: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        (inner,) = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
        data = whl.read(inner)
    binary = f"package/bin/ubuntu/{_arch()}/cfn-guard"
    rules = "package/rules/control-tower/cfn-guard/"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tgz:
        for member in tgz.getmembers():
            if member.name == binary:
                target = binary_path(into)
            elif member.name.startswith(rules) and member.name.endswith(".guard"):
                target = rules_path(into) / member.name[len(rules) :]
            else:
                continue
            source = tgz.extractfile(member)
            assert source is not None
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read())
    binary_path(into).chmod(0o755)


def evaluate(
    template: Mapping[str, Any],
    parameters: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Evaluation:
    """Every control on `template` resolved with `parameters` (defaults for the rest)."""
    with GuardRun(template, parameters, home) as run:
        return run.results()


def reported_types(rule_file: Path) -> set[str] | None:
    """The resource types a rule file's header says it reports on; None when it says none."""
    text = rule_file.read_text(encoding="utf-8", errors="replace")
    header = _REPORTS_ON.search(text)
    return set(_TYPE.findall(header.group(1))) if header else None


def applicable_rules(home: Path, types: set[str]) -> tuple[list[Path], int]:
    """(rule files that can judge a resource of `types`, how many cannot).

    Every control reports on named resource types and passes when the template has none of
    them, so cfn-guard runs only the files that can fail: a quarter of the package for this
    project's template, and a quarter of the time. A file without the header always runs.
    """
    run: list[Path] = []
    passed = 0
    for rule_file in sorted(rules_path(home).rglob("*.guard")):
        reports = reported_types(rule_file)
        if reports is None or reports & types:
            run.append(rule_file)
        else:
            passed += 1
    return run, passed


class GuardRun:
    """cfn-guard as a subprocess: started on `__enter__`, waited for by `results()`, so the gate
    runs it alongside cfn-lint and checkov."""

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, str] | None = None,
        home: Path | None = None,
    ) -> None:
        self.home = home or guard_home()
        if not installed(self.home):
            raise GuardMissing(
                f"the Guard rules are not installed in {self.home}: run `make guard`"
            )
        self.document = resolved(template, parameters)
        self.proc: subprocess.Popen[str] | None = None
        self.tmp: tempfile.TemporaryDirectory[str] | None = None
        self.passed = 0

    def __enter__(self) -> GuardRun:
        types = {str(body.get("Type")) for body in (self.document.get("Resources") or {}).values()}
        rules, self.passed = applicable_rules(self.home, types)
        if not rules:
            return self
        self.tmp = tempfile.TemporaryDirectory(prefix="gate-guard-")
        data = Path(self.tmp.name) / "template.json"
        data.write_text(json.dumps(self.document), encoding="utf-8")
        command = [str(binary_path(self.home)), "validate", "--data", str(data)]
        for rule_file in rules:
            command += ["--rules", str(rule_file)]
        command += ["--output-format", "json", "--show-summary", "none"]
        # Output to files, not pipes: nobody reads a pipe until cfn-lint is done, and a full one
        # would stall cfn-guard. Run nicer than checkov, the gate's longest layer: on a busy
        # machine cfn-guard (the shortest) takes what checkov and cfn-lint leave.
        self.out = (Path(self.tmp.name) / "out.json").open("w+", encoding="utf-8")
        self.err = (Path(self.tmp.name) / "err.txt").open("w+", encoding="utf-8")
        self.proc = subprocess.Popen(
            command, stdout=self.out, stderr=self.err, text=True, preexec_fn=_nicer
        )
        return self

    def results(self) -> Evaluation:
        """Waits for cfn-guard; RuntimeError when it times out or prints no result."""
        if self.proc is None:
            return _apply_skips(self.document, [], evaluated=self.passed)
        try:
            self.proc.wait(timeout=GUARD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"cfn-guard took over {GUARD_TIMEOUT_S} s") from None
        stdout, stderr = _read(self.out), _read(self.err)
        reports = list(_documents(stdout))
        if not reports:
            raise RuntimeError(
                f"cfn-guard printed no result (exit {self.proc.returncode}): {stderr.strip()}"
            )
        failures = sorted(
            {f for report in reports for f in _failures(report)},
            key=lambda f: (f.control_id, f.logical_id or ""),
        )
        return _apply_skips(self.document, failures, evaluated=len(reports) + self.passed)

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None:
            self.out.close()
            self.err.close()
        if self.tmp is not None:
            self.tmp.cleanup()


def _nicer() -> None:
    with contextlib.suppress(OSError):
        os.nice(GUARD_NICENESS)


def _read(stream: IO[str]) -> str:
    stream.seek(0)
    return stream.read()


def _documents(text: str) -> Iterator[dict[str, Any]]:
    """cfn-guard's JSON output: one object per rule file, written back to back."""
    decoder = json.JSONDecoder()
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return
        document, at = decoder.raw_decode(text, at)
        yield document


def _failures(report: Mapping[str, Any]) -> Iterator[ControlFailure]:
    if report.get("status") != "FAIL":
        return
    for finding in report.get("not_compliant") or []:
        messages: list[str] = []
        resources: set[str] = set()
        _collect(finding, messages, resources)
        title, fix, control = "", "", None
        for message in messages:
            found = _CONTROL_ID.search(message)
            if found:
                control, title = found.group(1), found.group(2).strip()
                fixed = _FIX.search(message)
                fix = fixed.group(1).strip() if fixed else ""
                break
        if control is None:
            continue
        targets: list[str | None] = [*sorted(resources)] or [None]
        for logical_id in targets:
            yield ControlFailure(control, logical_id, title, fix)


def _collect(node: Any, messages: list[str], resources: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "custom_message" and isinstance(value, str):
                messages.append(value)
            elif key == "path" and isinstance(value, str) and value.startswith("/Resources/"):
                resources.add(value.split("/")[2])
            else:
                _collect(value, messages, resources)
    elif isinstance(node, list):
        for item in node:
            _collect(item, messages, resources)


def skips(template: Mapping[str, Any]) -> list[Skip]:
    """Every control skip written in a resource's Metadata."""
    found: list[Skip] = []
    for logical_id, body in (template.get("Resources") or {}).items():
        guard = ((body.get("Metadata") or {}).get("guard")) or {}
        for entry in guard.get("skip") or []:
            found.append(Skip(str(entry["id"]), logical_id, str(entry.get("comment", ""))))
    return found


def _apply_skips(
    document: Mapping[str, Any], failures: list[ControlFailure], *, evaluated: int
) -> Evaluation:
    declared = skips(document)
    wanted = {(s.control_id, s.logical_id): s for s in declared}
    out = Evaluation(evaluated=evaluated)
    used: set[tuple[str, str]] = set()
    for failure in failures:
        key = (failure.control_id, failure.logical_id or "")
        if key in wanted:
            used.add(key)
        else:
            out.failures.append(failure)
    out.skipped = [s for s in declared if (s.control_id, s.logical_id) in used]
    out.stale = [s for s in declared if (s.control_id, s.logical_id) not in used]
    return out


def main(argv: list[str] | None = None) -> int:
    """`install` unpacks the rules; `check FILE [NAME=VALUE ...]` prints the failing controls."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["install"]:
        install(guard_home())
        print(f"Guard rules and cfn-guard in {guard_home()}", file=sys.stderr)
        return 0
    if len(args) >= 2 and args[0] == "check":
        given = dict(pair.partition("=")[::2] for pair in args[2:])
        result = evaluate(json.loads(Path(args[1]).read_text(encoding="utf-8")), given)
        for failure in result.failures:
            print(f"{failure.control_id} {failure.logical_id or '-'}: {failure.title}")
        return 1 if result.failures else 0
    print(
        "usage: python -m gate.controls install | check TEMPLATE.json [NAME=VALUE ...]",
        file=sys.stderr,
    )
    return 4


if __name__ == "__main__":
    raise SystemExit(main())
