"""The gate's controls layer: the switch (auto, on, off), findings named by control ID on the
template resolved with the values being deployed, skips in Metadata, and a missing install."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gate import run_gate
from gate.controls import Evaluation, Skip
from gate.layers import controls_wanted, findings_of
from tests.support.controls_layer import ha_template, rds_home, write_template


@pytest.fixture
def guard_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = rds_home(tmp_path)
    monkeypatch.setenv("EDU_GUARD_HOME", str(home))
    return home


def ids(template: dict[str, Any], tmp: Path, **kwargs: Any) -> set[str]:
    report = run_gate(write_template(tmp, template), use_checkov=False, **kwargs)
    return {f.rule_id for f in report.findings if f.rule_id.startswith("CT.")}


@pytest.mark.parametrize(
    ("metadata", "switch", "wanted"),
    [
        ({"StackOps": {"Controls": "on"}}, "auto", True),
        ({"StackOps": {"Controls": "off"}}, "auto", False),
        ({}, "auto", False),
        (None, "auto", False),
        ({}, "on", True),
        ({"StackOps": {"Controls": "on"}}, "off", False),
    ],
)
def test_the_switch_and_the_opt_in_marker(
    metadata: dict[str, Any] | None, switch: str, wanted: bool
) -> None:
    template: dict[str, Any] = {"Resources": {}}
    if metadata is not None:
        template["Metadata"] = metadata
    assert controls_wanted(template, switch) is wanted


def test_a_failing_control_is_a_policy_finding_named_by_its_id(
    tmp_path: Path, guard_home: Path
) -> None:
    report = run_gate(write_template(tmp_path, ha_template()), use_checkov=False)
    (finding,) = [f for f in report.findings if f.rule_id == "CT.RDS.PR.1"]
    assert finding.severity == "policy" and finding.logical_id == "Db"
    assert "MultiAZ" in finding.fix and "guard: skip" in finding.fix


def test_the_values_being_deployed_decide_the_control(tmp_path: Path, guard_home: Path) -> None:
    template = ha_template(default="no")
    assert "CT.RDS.PR.1" in ids(template, tmp_path, parameters={"Ha": "no"})
    assert "CT.RDS.PR.1" not in ids(template, tmp_path, parameters={"Ha": "yes"})
    # The default decides when no value is given.
    assert "CT.RDS.PR.1" not in ids(ha_template(default="yes"), tmp_path)


def test_off_and_auto_without_the_marker_run_no_control(tmp_path: Path, guard_home: Path) -> None:
    assert ids(ha_template(), tmp_path, controls="off") == set()
    assert ids(ha_template(opt_in=False), tmp_path) == set()
    assert "CT.RDS.PR.1" in ids(ha_template(opt_in=False), tmp_path, controls="on")


def test_a_justified_skip_in_metadata_is_honoured(tmp_path: Path, guard_home: Path) -> None:
    skips = [{"id": "CT.RDS.PR.1", "comment": "a single-AZ test database, rebuilt nightly"}]
    assert ids(ha_template(skips=skips), tmp_path) == set()


def test_a_stale_skip_is_reported(tmp_path: Path, guard_home: Path) -> None:
    skips = [{"id": "CT.RDS.PR.1", "comment": "a single-AZ test database, rebuilt nightly"}]
    report = run_gate(
        write_template(tmp_path, ha_template(skips=skips)),
        use_checkov=False,
        parameters={"Ha": "yes"},
    )
    stale = [f for f in report.findings if f.rule_id == "CT.RDS.PR.1"]
    assert len(stale) == 1 and "stale skip" in stale[0].message
    assert stale[0].path == "Resources/Db/Metadata/guard/skip"


def test_a_skip_without_a_comment_is_reported() -> None:
    evaluation = Evaluation(skipped=[Skip("CT.RDS.PR.1", "Db", " ")])
    (finding,) = findings_of(evaluation)
    assert finding.rule_id == "CT.RDS.PR.1" and "no justification" in finding.message


def test_rules_not_installed_is_one_note_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDU_GUARD_HOME", str(tmp_path / "nothing-here"))
    report = run_gate(write_template(tmp_path, ha_template()), use_checkov=False)
    assert not [f for f in report.findings if f.rule_id.startswith("CT.")]
    notes = [n for n in report.notes if "Guard rules are not installed" in n]
    assert len(notes) == 1 and "make guard" in notes[0]


def test_a_required_parameter_without_a_value_gets_a_noted_stand_in(
    tmp_path: Path, guard_home: Path
) -> None:
    template = ha_template()
    template["Parameters"]["Suffix"] = {"Type": "String", "MinLength": 3}
    report = run_gate(write_template(tmp_path, template), use_checkov=False)
    assert any("Suffix=aaa" in note for note in report.notes)
    assert "CT.RDS.PR.1" in {f.rule_id for f in report.findings}


def test_an_unknown_switch_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="controls must be one of"):
        run_gate(write_template(tmp_path, ha_template()), controls="maybe")
