"""What each layer reads (the user's file, or a copy written for the given values), and the
controls layer: when it runs, and its verdicts as findings."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnmodel.resolve import ResolveError
from gate import controls, lint, params
from gate.findings import POLICY, Finding
from stackops import inputs
from stackops.errors import BadInput

CONTROLS_SWITCHES = ("auto", "on", "off")
# The template opts in with top-level `Metadata: {StackOps: {Controls: "on"}}`.
MARKER_SECTION = "StackOps"
MARKER_KEY = "Controls"
MISSING_NOTE = (
    "Control Tower controls: the Guard rules are not installed ({home}): skipped "
    "(`make guard` installs them)"
)
SKIP_FIX = "; or skip it in the resource's Metadata (guard: skip: [{{id: {id}, comment: why}}])"


@dataclass
class LayerFiles:
    """The user's file (cfn-lint reads it), the file checkov reads, and the parsed template."""

    path: Path
    checkov: Path
    template: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def prepare(path: Path, values: Mapping[str, str], switch: str, tmp: Path) -> LayerFiles:
    """checkov reads the user's file, or with values the template resolved with them."""
    files = LayerFiles(path=path, checkov=path)
    if not values and switch == "off":
        return files
    try:
        files.template = inputs.load_template(path)
    except BadInput:
        # cfn-lint reports why the file cannot be read, as a blocker.
        return files
    if values:
        try:
            deployed = params.deployed(files.template, values)
        except (ResolveError, KeyError, TypeError, ValueError, AttributeError) as exc:
            files.notes.append(f"checkov reads the template as written (not resolvable: {exc})")
            return files
        files.checkov = params.write_json(deployed, tmp / "deployed.json")
    return files


def lint_findings(path: Path, values: Mapping[str, str]) -> list[Finding]:
    """cfn-lint (with the custom rules) on the user's file; with values, through cfn-lint's own
    parameter support, so a value that breaks a property is reported where it is used."""
    return lint.run_cfn_lint(path, parameters=values)


def controls_wanted(template: Mapping[str, Any], switch: str) -> bool:
    """`on`, `off`, or (`auto`) whether the template opts in through its top-level Metadata."""
    if switch != "auto":
        return switch == "on"
    metadata = template.get("Metadata")
    section = metadata.get(MARKER_SECTION) if isinstance(metadata, dict) else None
    marker = section.get(MARKER_KEY) if isinstance(section, dict) else None
    return str(marker).lower() in ("on", "true")


class ControlsLayer:
    """cfn-guard started on `__enter__` (when wanted and installed); `results()` waits for it."""

    def __init__(
        self,
        template: Mapping[str, Any] | None,
        values: Mapping[str, str],
        switch: str,
        home: Path | None = None,
    ) -> None:
        self.template = template
        self.values = dict(values)
        self.switch = switch
        self.home = home or controls.guard_home()
        self.run: controls.GuardRun | None = None
        self.notes: list[str] = []
        self.failed = False  # a cfn-guard failure: not worth caching
        self.stack = contextlib.ExitStack()

    def __enter__(self) -> ControlsLayer:
        if self.template is None:
            if self.switch == "on":
                self.notes.append("Control Tower controls: the template cannot be read: skipped")
            return self
        if not controls_wanted(self.template, self.switch):
            return self
        missing = params.stand_ins(self.template, self.values)
        if missing:
            names = ", ".join(f"{k}={v}" for k, v in missing.items())
            self.notes.append(
                f"Control Tower controls: no value for {names} (stand-ins; pass --parameter)"
            )
        try:
            run = controls.GuardRun(self.template, {**missing, **self.values}, self.home)
            self.run = self.stack.enter_context(run)
        except controls.GuardMissing:
            self.notes.append(MISSING_NOTE.format(home=self.home))
        except (ResolveError, KeyError, TypeError, ValueError, OSError) as exc:
            self.failed = True
            self.notes.append(f"Control Tower controls: not evaluated ({exc}): skipped")
        return self

    def results(self) -> tuple[list[Finding], list[str]]:
        """The findings (failing controls, stale and unjustified skips) and notes."""
        if self.run is None:
            return [], self.notes
        try:
            evaluation = self.run.results()
        except (RuntimeError, KeyError, TypeError, AttributeError) as exc:
            # cfn-guard failed, or a skip in Metadata is malformed (no id): one note, no crash.
            self.failed = True
            return [], [*self.notes, f"Control Tower controls: {exc}: skipped"]
        return findings_of(evaluation), self.notes

    def __exit__(self, *exc: object) -> None:
        self.stack.close()


def findings_of(evaluation: controls.Evaluation) -> list[Finding]:
    """A policy finding per failing control (named by its control ID), stale or bare skip."""
    found = [
        Finding(
            POLICY,
            failure.control_id,
            failure.logical_id,
            f"Resources/{failure.logical_id}" if failure.logical_id else None,
            f"Control Tower proactive control failed: {failure.title}.",
            f"{failure.fix.rstrip('.')}{SKIP_FIX.format(id=failure.control_id)}".lstrip("; "),
        )
        for failure in evaluation.failures
    ]
    for skip in evaluation.stale:
        found.append(
            Finding(
                POLICY,
                skip.control_id,
                skip.logical_id,
                f"Resources/{skip.logical_id}/Metadata/guard/skip",
                f"stale skip: {skip.control_id} does not fail on {skip.logical_id}.",
                "remove the skip from the resource's Metadata (it hides nothing now)",
            )
        )
    for skip in evaluation.skipped:
        if not skip.comment.strip():
            found.append(
                Finding(
                    POLICY,
                    skip.control_id,
                    skip.logical_id,
                    f"Resources/{skip.logical_id}/Metadata/guard/skip",
                    f"skip of {skip.control_id} has no justification.",
                    "say why the control does not apply in the skip's comment",
                )
            )
    return found
